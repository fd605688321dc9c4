import hybridrt as hr
from hybridrt import cx, mz, qubits


@hr.kernel
def k() -> bool:
    q = qubits(3)
    cx(q[0], q[1], q[2])
    return mz(q[2])
