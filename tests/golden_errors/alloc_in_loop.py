import hybridrt as hr
from hybridrt import h, mz, qubit


@hr.kernel
def k() -> int:
    ones = 0
    for i in range(4):
        q = qubit()
        h(q)
        ones += mz(q)
    return ones
