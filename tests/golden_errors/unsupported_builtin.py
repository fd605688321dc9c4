import hybridrt as hr
from hybridrt import mz, qubits


@hr.kernel
def k() -> list[bool]:
    q = qubits(2)
    return sorted(mz(q))
