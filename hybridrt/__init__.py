"""hybridrt: an integrated hybrid quantum runtime for Python.

Decorate a function with ``@hybridrt.kernel``; inside it allocate qubits, apply
gates, measure mid-circuit, reset and branch on the outcomes.  It runs on a
Numba statevector engine, whole shots in compiled code.
"""

from __future__ import annotations

from .batch import run_batch
from .errors import CapacityError, CompileError, HybridrtError, InternalError, KernelRuntimeError, TargetError
from .kernel import Kernel, kernel
from .lang import *  # noqa: F403 (the gates, qubit, qubits, mz, reset)
from .lang import __all__ as _lang_names
from .qir import from_qir
from .result import Result, SweepResult
from .session import Session

__version__ = "0.1.0"

_LAZY = {  # optional-dependency features, imported on first use
    "from_qsharp": "hybridrt.qsharp", "from_qiskit": "hybridrt.qiskit", "from_qasm": "hybridrt.qiskit",
}
_SUBMODULES = ("qsharp", "qiskit", "algorithms")


def __getattr__(name: str) -> object:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"hybridrt.{name}")
    raise AttributeError(f"module 'hybridrt' has no attribute {name!r}")

__all__ = [
    "CapacityError", "CompileError", "HybridrtError", "InternalError", "Kernel", "KernelRuntimeError",
    "Result", "Session", "SweepResult", "TargetError", "from_qir", "kernel", "run_batch", *_lang_names,
]
