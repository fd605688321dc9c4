"""A loop until two successive ones on Quantinuum Helios (Adaptive_RIF)."""
import hybridrt as hr
from hybridrt import h, mz, qubit, reset

TARGET = "quantinuum.qpu.helios-1"


@hr.kernel
def k() -> int:
    q = qubit()
    n = 0
    prev = False
    while True:
        h(q)
        m = mz(q)
        reset(q)
        n += 1
        if m and prev:
            break
        prev = m
    return n
