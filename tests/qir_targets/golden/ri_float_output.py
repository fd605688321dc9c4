"""Returning a float under Adaptive_RI."""
import hybridrt as hr
from hybridrt import h, mz, qubit

PROFILE = "adaptive_ri"


@hr.kernel
def k(scale: float) -> tuple[bool, float]:
    q = qubit()
    h(q)
    return mz(q), scale * 2


ARGS = (0.5,)
