"""More qubits than IonQ's simulator has."""
import hybridrt as hr
from hybridrt import cx, h, mz, qubits

TARGET = "ionq.simulator"


@hr.kernel
def k() -> list[bool]:
    q = qubits(30)
    h(q[0])
    for i in range(29):
        cx(q[i], q[i + 1])
    return mz(q)
