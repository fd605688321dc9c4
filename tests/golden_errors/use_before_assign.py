import hybridrt as hr
from hybridrt import h, mz, qubit


@hr.kernel
def k() -> int:
    q = qubit()
    h(q)
    n = count + 1
    count = int(mz(q))
    return n
