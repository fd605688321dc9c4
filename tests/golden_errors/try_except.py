import hybridrt as hr
from hybridrt import mz, qubit


@hr.kernel
def k() -> bool:
    q = qubit()
    try:
        m = mz(q)
    except ValueError:
        m = False
    return m
