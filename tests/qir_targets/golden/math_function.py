"""A math function of a measured value: QIR has no run-time sqrt."""
import math

import hybridrt as hr
from hybridrt import h, mz, qubits, ry

PROFILE = "adaptive"


@hr.kernel
def k() -> bool:
    a, t = qubits(2)
    h(a)
    ry(math.sqrt(1.0 + int(mz(a))), t)
    return mz(t)
