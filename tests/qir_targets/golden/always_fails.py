"""A division by an argument that is zero."""
import hybridrt as hr
from hybridrt import h, mz, qubit

PROFILE = "adaptive_ri"


@hr.kernel
def k(parts: int) -> tuple[bool, int]:
    q = qubit()
    h(q)
    size = 12 // parts
    return mz(q), size


ARGS = (0,)
