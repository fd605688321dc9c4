"""A list indexed by a measurement result."""
import hybridrt as hr
from hybridrt import h, mz, qubits

PROFILE = "adaptive"


@hr.kernel
def k(table: list[int]) -> int:
    q = qubits(2)
    h(q[0])
    h(q[1])
    i = int(mz(q[0])) + 2 * int(mz(q[1]))
    return table[i]


ARGS = ([5, 6, 7, 8],)
