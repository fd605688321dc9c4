import hybridrt as hr
from hybridrt import h, mz, qubit


@hr.kernel
def k() -> bool:
    q = qubit()
    h(q)
    label = "plus"
    return mz(q)
