import hybridrt as hr
from hybridrt import h, mz, qubit


@hr.kernel
def k() -> int:
    q = qubit()
    h(q)
    if mz(q):
        total = 1
    return total + 1
