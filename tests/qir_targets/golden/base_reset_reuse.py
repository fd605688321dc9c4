"""Resetting a used qubit to reuse it, under the Base profile."""
import hybridrt as hr
from hybridrt import h, mz, qubit, reset

PROFILE = "base"


@hr.kernel
def k() -> bool:
    q = qubit()
    h(q)
    reset(q)
    h(q)
    return mz(q)
