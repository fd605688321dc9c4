"""A misspelt target id."""
import hybridrt as hr
from hybridrt import h, mz, qubit

TARGET = "quantinuum.qpu.h2"


@hr.kernel
def k() -> bool:
    q = qubit()
    h(q)
    return mz(q)
