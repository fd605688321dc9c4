import hybridrt as hr
from hybridrt import h, mz, qubits


@hr.kernel
def k() -> bool:
    q = qubits(3)
    h(q[3])
    return mz(q[0])
