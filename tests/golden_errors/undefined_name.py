import hybridrt as hr
from hybridrt import h, qubit


@hr.kernel
def k() -> bool:
    q = qubit()
    h(q)
    return measure(q)
