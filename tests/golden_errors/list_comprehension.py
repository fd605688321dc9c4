import hybridrt as hr
from hybridrt import mz, qubits


@hr.kernel
def k() -> list[bool]:
    q = qubits(3)
    return [mz(b) for b in q]
