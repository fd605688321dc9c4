import hybridrt as hr
from hybridrt import mz, qubits


@hr.kernel
def k() -> int:
    q = qubits(3)
    for i in range(3):
        if mz(q[i]):
            break
    else:
        i = -1
    return i
