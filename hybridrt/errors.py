"""The exceptions hybridrt raises; one base class, source locations where the user's code is at fault."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A position in the user's source: file, 1-based line, 0-based column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col + 1}"


def _source_line(loc: Loc) -> str | None:
    import linecache

    text = linecache.getline(loc.file, loc.line)
    return text.rstrip("\n") if text else None


class HybridrtError(Exception):
    """Base class of every error hybridrt raises on purpose."""


class _LocatedError(HybridrtError):
    """An error about the user's program, shown with its file:line:col and the source line."""

    def __init__(self, message: str, loc: Loc | None = None):
        self.message = message
        self.loc = loc
        super().__init__(self._render())

    def _render(self) -> str:
        if self.loc is None:
            return self.message
        text = f"{self.loc}: {self.message}"
        line = _source_line(self.loc)
        if line is not None:
            caret = " " * self.loc.col + "^"
            text += f"\n    {line}\n    {caret}"
        return text


class CompileError(_LocatedError):
    """The kernel's Python source uses something the kernel language does not have."""


class TargetError(_LocatedError):
    """The program needs a capability the chosen target or QIR profile lacks."""


class KernelRuntimeError(_LocatedError):
    """A shot failed while running: an index out of range, a division by zero, a runaway loop."""


class CapacityError(HybridrtError):
    """The program needs more memory than this machine has (e.g. too many qubits)."""


class InternalError(HybridrtError):
    """A broken invariant inside hybridrt: a bug, please report it."""
