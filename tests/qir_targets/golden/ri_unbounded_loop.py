"""Repeat-until-success without a bound on Quantinuum H2 (Adaptive_RI)."""
import hybridrt as hr
from hybridrt import h, mz, qubits, reset, x

TARGET = "quantinuum.sim.h2-1e"


@hr.kernel
def k() -> tuple[int, bool]:
    a, t = qubits(2)
    n = 0
    done = False
    while not done:
        h(a)
        done = mz(a)
        reset(a)
        n += 1
    x(t)
    return n, mz(t)
