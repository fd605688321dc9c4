"""A qubit picked by a measurement result."""
import hybridrt as hr
from hybridrt import h, mz, qubit, qubits, x

PROFILE = "adaptive"


@hr.kernel
def k() -> list[bool]:
    a = qubit()
    q = qubits(2)
    h(a)
    x(q[int(mz(a))])
    return mz(q)
