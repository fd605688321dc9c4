"""A gate on a measured qubit on a Base target."""
import hybridrt as hr
from hybridrt import h, mz, qubit

TARGET = "rigetti.qpu.cepheus-1-108q"


@hr.kernel
def k() -> tuple[bool, bool]:
    q = qubit()
    h(q)
    first = mz(q)
    h(q)
    return first, mz(q)
