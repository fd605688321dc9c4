import hybridrt as hr
from hybridrt import mz, qubits


@hr.kernel
def k() -> list[bool]:
    q = qubits(3)
    if mz(q[0]):
        r = q[0:2]
    else:
        r = q[1:3]
    return mz(r)
