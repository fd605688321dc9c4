"""``operation``: a Q# operation that ``@hr.kernel`` functions call on their own qubits.

A call ``op(q, 0.5)`` inside a kernel compiles, once per argument shape, a Q#
wrapper that allocates the qubits, calls the operation with the classical
arguments (which must be known when the kernel is compiled) and returns its
value; qdk turns it into QIR, the QIR loader into IR, and the kernel's
compiler inlines that IR onto the qubits passed (the foreign-operation
protocol of :mod:`hybridrt.frontend`).  Ancilla qubits the operation
allocates are lent by the kernel.

>>> import hybridrt as hr
>>> from hybridrt import qubits, x, mz
>>> qft = hr.qsharp.operation("Std.Canon.ApplyQFT")
>>> iqft = hr.qsharp.operation("Adjoint Std.Canon.ApplyQFT")
>>> @hr.kernel
... def f() -> list[bool]:
...     q = qubits(3)
...     x(q[0])
...     qft(q)
...     iqft(q)
...     return mz(q)
>>> {k: round(p, 12) for k, p in f.distribution().items()}
{(True, False, False): 1.0}
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

from hybridrt import ir

from .emit import literal
from .session import DEFAULT_PROFILES, QsharpError, Source, callable_type, compile_qir
from .sources import UNUSED_ENTRY, has_entry_point, resolve

__all__ = ["Operation", "operation"]

_NAME = re.compile(r"((Adjoint|Controlled)\s+)*[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


class Operation:
    """A Q# operation, callable inside ``@hr.kernel`` functions (see :func:`operation`)."""

    def __init__(self, name: str, source: str | os.PathLike[str] | None = None):
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(f"a Q# operation name such as \"Std.Canon.ApplyQFT\" (after Adjoint or Controlled if "
                             f"needed) is needed, got {name!r}")
        self.name = self.__name__ = name
        self.__qualname__ = name
        self._source = Source()
        if source is not None:
            self._source, files = resolve(source)
            if self._source.project is None and not has_entry_point(files):
                (label, text), = self._source.texts
                self._source = Source(((label, text + UNUSED_ENTRY),))
        self._signature: tuple[list[str], str] | None = None
        self._programs: dict[Any, ir.Program] = {}

    def __repr__(self) -> str:
        return f"<Q# operation {self.name}>"

    def __call__(self, *args: Any) -> Any:
        raise TypeError(f"the Q# operation {self.name} can only be called inside a @hr.kernel function")

    @property
    def signature(self) -> tuple[list[str], str]:
        """The Q# types of the operation's parameters and of its result, e.g. ``(["Double", "Qubit"], "Unit")``."""
        if self._signature is None:
            self._signature = parse_callable(self.name, callable_type(self._source, self.name))
        return self._signature

    def _hybridrt_subprogram(self, args: tuple[Any, ...]) -> ir.Program:
        """The IR of this operation applied to ``args`` (the foreign-operation protocol), compiled once per shape."""
        key = _key(args)
        if key not in self._programs:
            self._programs[key] = self._compile(args)
        return self._programs[key]

    def _compile(self, args: tuple[Any, ...]) -> ir.Program:
        from hybridrt.qir_targets.load import load

        params, result = self.signature
        if len(args) != len(params):
            raise TypeError(f"{self.name} takes {len(params)} argument{'s' if len(params) != 1 else ''} "
                            f"({', '.join(params) or 'none'}), got {len(args)}")
        exprs: list[str] = []
        used = 0
        for pos, (a, t) in enumerate(zip(args, params), 1):
            if isinstance(a, ir.ArrayType) or a == ir.QUBIT:
                n = a.length if isinstance(a, ir.ArrayType) else 1
                want = "Qubit[]" if isinstance(a, ir.ArrayType) else "Qubit"
                if t != want:
                    got = f"a register of {n} qubits" if isinstance(a, ir.ArrayType) else "a qubit"
                    raise TypeError(f"argument {pos} of {self.name} is a {t}, got {got}")
                exprs.append(f"qs[{used}..{used + n - 1}]" if isinstance(a, ir.ArrayType) else f"qs[{used}]")
                used += n
            else:
                exprs.append(_argument(self.name, pos, t, a))
        wrapper = (f"operation HybridrtCall() : {result} {{\n    use qs = Qubit[{used}];\n"
                   f"    {self.name}({', '.join(exprs)})\n}}\n")
        program = load(compile_qir(self._source.add(f"<call of {self.name}>", wrapper), "HybridrtCall()",
                                   DEFAULT_PROFILES))
        if program.returns == ir.TupleType(()):  # Unit
            program = ir.verify(ir.Program(program.name, program.params, program.regs, program.num_qubits,
                                           program.blocks, None, program.source))
        return program


def operation(name: str, source: str | os.PathLike[str] | None = None) -> Operation:
    """The Q# operation ``name`` (fully qualified, e.g. ``"Std.Canon.ApplyQFT"``, with ``Adjoint`` or
    ``Controlled`` in front for those versions), for use inside kernels.

    ``source`` holds the user's own Q# (text, a ``.qs`` file or a project folder) defining it;
    without it, ``name`` is looked up in the Q# standard library.  Inside a kernel, pass qubits for
    ``Qubit`` parameters, registers for ``Qubit[]``, and compile-time values for ``Int``, ``Double``,
    ``Bool``, ``Result`` (a bool) and arrays of them (lists).
    """
    return Operation(name, source)


def parse_callable(name: str, text: str) -> tuple[list[str], str]:
    """Parameter types and result type of a Q# callable type such as ``((Double, Qubit) => Unit is Adj)``."""
    t = text.strip()
    inner = t[1:-1] if t.startswith("(") and t.endswith(")") else t
    depth = 0
    for k, c in enumerate(inner):
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(c, 0)
        if depth == 0 and inner[k:k + 2] in ("=>", "->"):
            if inner[k:k + 2] == "->":
                raise QsharpError(f"{name} is a Q# function ({text}); only operations act on qubits")
            params, result = inner[:k].strip(), inner[k + 2:].split(" is ")[0].strip()
            if "?" in params or "?" in result or "'" in params:
                raise QsharpError(f"{name} has a generic or callable-valued signature ({text}), which a kernel "
                                  "cannot pass")
            return _split(params), result
    raise QsharpError(f"{name} is not a Q# operation: its type is {text}")


def _split(params: str) -> list[str]:
    if params == "Unit":
        return []
    if not (params.startswith("(") and params.endswith(")")):
        return [params]
    out, depth, start = [], 0, 1
    for k, c in enumerate(params[1:-1], 1):
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(c, 0)
        if c == "," and depth == 0:
            out.append(params[start:k].strip())
            start = k + 1
    return out + [params[start:-1].strip()]


def _argument(name: str, pos: int, t: str, v: Any) -> str:
    """A compile-time value as a Q# literal of type ``t``."""
    if t.endswith("[]") and isinstance(v, tuple):
        return "[" + ", ".join(_argument(name, pos, t[:-2], x) for x in v) + "]"
    if t == "Int" and isinstance(v, int) and not isinstance(v, bool):
        return literal(ir.Const(v, ir.INT))[0]
    if t == "Double" and isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        return literal(ir.Const(float(v), ir.FLOAT))[0]
    if t in ("Bool", "Result") and isinstance(v, bool):
        return ("true" if v else "false") if t == "Bool" else ("One" if v else "Zero")
    raise TypeError(f"argument {pos} of {name} is a {t}, got {type(v).__name__} {v!r}")


def _key(v: Any) -> Any:
    """A hashable key that tells 1, 1.0 and True apart."""
    if isinstance(v, tuple):
        return tuple(_key(x) for x in v)
    return (type(v).__name__, v)
