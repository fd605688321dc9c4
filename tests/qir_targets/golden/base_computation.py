"""Computing with measurement results on a Base target."""
import hybridrt as hr
from hybridrt import h, mz, qubits

TARGET = "ionq.qpu.aria-1"


@hr.kernel
def k() -> bool:
    a, b = qubits(2)
    h(a)
    h(b)
    parity = mz(a) != mz(b)
    return parity
