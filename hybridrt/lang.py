"""The kernel language's built-in functions: qubit allocation, gates, measurement and reset.

They have meaning only inside a ``@hybridrt.kernel`` function, where the frontend
compiles each call; called from plain Python they raise an error.  Gate
parameters come first, then qubits, as in Qiskit: ``rz(theta, q)``,
``crz(theta, control, target)``, ``u(theta, phi, lam, q)``.  A one-qubit gate,
``mz`` or ``reset`` applied to a register acts on each of its qubits.
"""

from __future__ import annotations

from typing import Any, Callable

from .errors import HybridrtError
from .ir import GATES

__all__ = ["Qubit", "Qubits", "qubit", "qubits", "mz", "reset", *GATES]


class Qubit:
    """Annotation for a kernel parameter that is one qubit: ``def flip(q: Qubit)``, called from another kernel."""


class Qubits:
    """Annotation for a kernel parameter that is a register: ``def ghz(reg: Qubits)``, called from another kernel."""


def _intrinsic(name: str, doc: str) -> Callable[..., Any]:
    def stub(*args: Any) -> Any:
        raise HybridrtError(f"{name}() can only be used inside a @hybridrt.kernel function")

    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = doc
    stub._hybridrt_intrinsic = name  # type: ignore[attr-defined]
    return stub


qubit = _intrinsic("qubit", "Allocate one qubit in |0>.")
qubits = _intrinsic("qubits", "Allocate a register of ``n`` qubits in |0> (``n`` known at compile time).")
mz = _intrinsic("mz", "Measure a qubit (-> bool) or a register (-> list of bools) in the Z basis.")
reset = _intrinsic("reset", "Reset a qubit (or each qubit of a register) to |0>.")


def _gate_doc(name: str, nq: int, npar: int) -> str:
    params = ["theta", "phi", "lam"][:npar] if npar > 1 else ["theta"] * npar
    qs = ["q"] if nq == 1 else (["a", "b"] if name in ("swap", "rxx", "ryy", "rzz") else
                                ["control", "target"] if nq == 2 else
                                ["c1", "c2", "target"] if name == "ccx" else ["control", "a", "b"])
    return f"Gate ``{name}({', '.join(params + qs)})`` (matrix as Qiskit's)."


for _name, (_nq, _npar) in GATES.items():
    globals()[_name] = _intrinsic(_name, _gate_doc(_name, _nq, _npar))
del _name, _nq, _npar
