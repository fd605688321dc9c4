import hybridrt as hr
from hybridrt import mz, qubit


@hr.kernel
def k() -> bool:
    q = qubit()
    if mz(q):
        break
    return False
