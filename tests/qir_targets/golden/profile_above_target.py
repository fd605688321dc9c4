"""Asking a Base target for the Adaptive profile."""
import hybridrt as hr
from hybridrt import h, mz, qubit

TARGET = "ionq.qpu.forte-1"
PROFILE = "adaptive"


@hr.kernel
def k() -> bool:
    q = qubit()
    h(q)
    return mz(q)
