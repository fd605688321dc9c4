"""Q# interop with the qdk package: run Q# on the engine, call Q# operations in kernels, emit kernels as Q#.

``from_qsharp`` compiles Q# (text, a ``.qs`` file or a project folder) with qdk and
loads its QIR as a kernel; ``operation`` makes a Q# operation callable inside
``@hr.kernel`` functions on the caller's qubits; ``to_qsharp`` (``Kernel.to_qsharp``)
writes a kernel as a Q# operation.  qdk is imported only when Q# is compiled.
"""

from __future__ import annotations

from .compile import from_qsharp
from .emit import to_qsharp
from .operation import Operation, operation
from .session import QsharpError

__all__ = ["Operation", "QsharpError", "from_qsharp", "operation", "to_qsharp"]
