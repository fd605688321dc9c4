"""A classical loop too long to unroll."""
import hybridrt as hr
from hybridrt import h, mz, qubit

PROFILE = "adaptive"


@hr.kernel
def k(n: int) -> bool:
    q = qubit()
    for _ in range(n):
        h(q)
    return mz(q)


ARGS = (10_000_000,)
