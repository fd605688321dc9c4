import hybridrt as hr
from hybridrt import mz, qubit


@hr.kernel
def k() -> int:
    n = 0
    q = qubit()
    n = q
    return n
