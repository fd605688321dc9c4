import hybridrt as hr
from hybridrt import mz, qubit


@hr.kernel
def k() -> bool:
    q = qubit()
    m = mz(q)
    print(m)
    return m
