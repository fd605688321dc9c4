import hybridrt as hr
from hybridrt import mz, qubits


@hr.kernel
def k(n: int) -> list[bool]:
    q = qubits(n)
    return mz(q)
