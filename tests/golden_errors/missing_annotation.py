import hybridrt as hr
from hybridrt import mz, qubit, rx


@hr.kernel
def k(theta) -> bool:
    q = qubit()
    rx(theta, q)
    return mz(q)
