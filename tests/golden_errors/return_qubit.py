import hybridrt as hr
from hybridrt import h, qubit


@hr.kernel
def k():
    q = qubit()
    h(q)
    return q
