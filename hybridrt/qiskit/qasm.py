"""``from_qasm``: an OpenQASM 3 program (source text or a ``.qasm`` file) -> a kernel, through Qiskit's loader.

Qiskit's ``qasm3.loads`` (the ``qiskit-qasm3-import`` package) builds the circuit, which
``from_qiskit`` imports; ``input float`` declarations become the kernel's arguments.  Errors
in the source are ``CompileError``s at its ``file:line:col``, with the offending line.
"""

from __future__ import annotations

import contextlib
import io
import linecache
import os
import re
from pathlib import Path

from qiskit import QuantumCircuit, qasm3
from qiskit.exceptions import MissingOptionalLibraryError

from ..errors import CompileError, Loc
from .circuit_kernel import CircuitKernel
from .importer import from_qiskit

_TEXT_NAME = "<qasm>"
_IMPORTER_LOC = re.compile(r"^(\d+),(\d+): (.*)$", re.DOTALL)
_ANTLR_LOC = re.compile(r"^line (\d+):(\d+) (.*)$", re.MULTILINE)


def from_qasm(source: str | os.PathLike[str], name: str | None = None) -> CircuitKernel:
    """The kernel of an OpenQASM 3 program: its source text, or the path of a file holding it.

    >>> k = from_qasm('''OPENQASM 3.0;
    ... include "stdgates.inc";
    ... qubit[1] q;
    ... bit[1] c;
    ... x q[0];
    ... c[0] = measure q[0];
    ... ''')
    >>> k.run(shots=10, seed=1).counts()
    {'1': 10}
    """
    path, text = _read(source)
    circuit = _load(text, path)
    return from_qiskit(circuit, name=name or (Path(path).stem if path != _TEXT_NAME else "qasm"))


def _read(source: str | os.PathLike[str]) -> tuple[str, str]:
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source and ";" not in source):
        path = os.fspath(source)
        try:
            return path, Path(path).read_text()
        except OSError as e:
            raise FileNotFoundError(f"cannot read OpenQASM file {path!r}: {e.strerror}") from None
    if not isinstance(source, str):
        raise TypeError(f"from_qasm expects OpenQASM source text or a path, got {type(source).__name__}")
    lines = source.splitlines(keepends=True)
    linecache.cache[_TEXT_NAME] = (len(source), None, lines, _TEXT_NAME)  # so errors can quote the line
    return _TEXT_NAME, source


def _load(text: str, path: str) -> QuantumCircuit:
    try:
        return qasm3.loads(text)
    except qasm3.QASM3ImporterError as e:
        message = getattr(e, "message", str(e))
        m = _IMPORTER_LOC.match(message)
        if m:
            raise CompileError(f"OpenQASM: {m.group(3)}", Loc(path, int(m.group(1)), int(m.group(2)))) from None
        raise CompileError(f"{path}: OpenQASM: {message}") from None
    except MissingOptionalLibraryError:
        raise
    except Exception as e:  # noqa: BLE001 (the parser and loader raise plain exceptions too)
        loc, message = _syntax_error(text, path)
        if loc is not None:
            raise CompileError(f"OpenQASM syntax error: {message}", loc) from None
        raise CompileError(f"{path}: OpenQASM program cannot be loaded: {type(e).__name__}: {e}") from None


def _syntax_error(text: str, path: str) -> tuple[Loc | None, str]:
    """The first syntax error's location and message, as the parser reports it in permissive mode."""
    import openqasm3

    report = io.StringIO()
    with contextlib.redirect_stderr(report):
        try:
            openqasm3.parse(text, permissive=True)
        except Exception:  # noqa: BLE001,S110 (the report is what matters; recovery may fail after it)
            pass
    m = _ANTLR_LOC.search(report.getvalue())
    if m is None:
        return None, ""
    return Loc(path, int(m.group(1)), int(m.group(2))), m.group(3)
