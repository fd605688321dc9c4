"""Returning an int under the Base profile."""
import hybridrt as hr
from hybridrt import h, mz, qubits

PROFILE = "base"


@hr.kernel
def k(n: int) -> tuple[int, list[bool]]:
    q = qubits(3)
    for i in range(n):
        h(q[i])
    return n, mz(q)


ARGS = (3,)
