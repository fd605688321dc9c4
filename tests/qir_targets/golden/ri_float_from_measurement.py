"""A rotation angle computed from a measurement on Quantinuum H2 (no run-time floats)."""
import math

import hybridrt as hr
from hybridrt import h, mz, qubits, ry

TARGET = "quantinuum.qpu.h2-1"


@hr.kernel
def k() -> bool:
    a, t = qubits(2)
    h(a)
    angle = math.pi / 4 * int(mz(a))
    ry(angle, t)
    return mz(t)
