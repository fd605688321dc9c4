"""A returned bool that no measurement produced, under the Base profile."""
import hybridrt as hr
from hybridrt import h, mz, qubit

PROFILE = "Base"


@hr.kernel
def k() -> tuple[bool, bool]:
    q = qubit()
    h(q)
    return mz(q), True
