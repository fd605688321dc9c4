import hybridrt as hr
from hybridrt import h, mz, qubit, x


@hr.kernel
def k() -> bool:
    q = qubit()
    h(q)
    x(mz(q))
    return True
