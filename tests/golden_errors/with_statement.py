import hybridrt as hr
from hybridrt import mz, qubit


@hr.kernel
def k() -> bool:
    q = qubit()
    with open("log.txt") as f:
        pass
    return mz(q)
