"""Feedback on a Base target (no control flow)."""
import hybridrt as hr
from hybridrt import cx, h, mz, qubits, x

TARGET = "ionq.simulator"


@hr.kernel
def k() -> tuple[bool, bool]:
    a, b = qubits(2)
    h(a)
    if mz(a):
        x(b)
    return mz(a), mz(b)
