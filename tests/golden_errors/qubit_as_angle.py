import hybridrt as hr
from hybridrt import mz, qubits, rz


@hr.kernel
def k() -> bool:
    a, b = qubits(2)
    rz(a, b)
    return mz(b)
