"""Compiling Q# to QIR with qdk: a private interpreter per compilation, Q# diagnostics as hybridrt errors.

Each compilation gets its own ``qdk.Context`` (qdk's global interpreter is
never touched) and releases it on the calling thread before returning: qdk's
interpreter objects must not be freed on another thread.  Q#'s errors become
:class:`QsharpError` with Q#'s message and the ``file:line:col`` it points at.
"""

from __future__ import annotations

import linecache
import re
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hybridrt.errors import CompileError, Loc

__all__ = ["PROFILES", "QsharpError", "Source", "callable_type", "compile_qir"]

#: profile names accepted by ``profile=`` -> qdk ``TargetProfile`` member names
PROFILES = {"base": "Base", "adaptive_ri": "Adaptive_RI", "adaptive_rif": "Adaptive_RIF", "adaptive": "Adaptive"}
#: tried in turn when no profile is given: loops unrolled with doubles first, then real loops
DEFAULT_PROFILES = ("adaptive_rif", "adaptive")
_CAPABILITY = "Qdk.Qsc.CapabilitiesCk."


class QsharpError(CompileError):
    """Q# rejected the program (syntax, types, or a capability the QIR profile lacks): Q#'s own message."""


@dataclass(frozen=True)
class Source:
    """Q# to compile: a project folder, then source texts evaluated in turn, as ``(name, text)``."""

    texts: tuple[tuple[str, str], ...] = ()
    project: Path | None = None

    @property
    def name(self) -> str:
        """How the program is named to the user: its project folder or first source's name."""
        return str(self.project) if self.project is not None else self.texts[0][0] if self.texts else "<Q#>"

    def add(self, name: str, text: str) -> Source:
        return Source((*self.texts, (name, text)), self.project)


def compile_qir(source: Source, entry: str, profiles: Sequence[str] = DEFAULT_PROFILES) -> str:
    """QIR text for Q# ``entry`` (an expression such as ``"Main(3, 0.5)"``), under the first of ``profiles``
    whose capabilities the program fits; raises :class:`QsharpError` with Q#'s diagnostics."""
    from qdk import TargetProfile

    last: Exception | None = None
    for profile in profiles:
        try:
            return _compile(source, entry, getattr(TargetProfile, PROFILES[profile]))
        except _Diagnostics as d:
            last = d.error(source, entry, profile)
            if not d.capability:
                break
    assert last is not None
    raise last


def callable_type(source: Source, name: str) -> str:
    """The Q# type of callable ``name`` as Q# writes it, e.g. ``(Qubit[] => Unit is Adj + Ctl)``."""
    from qdk import TargetProfile

    probe = source.add(f"<Q# name {name}>", f"let hybridrtProbe : Unit = {name};")  # a callable is never Unit:
    try:  # the type error names its type
        _compile(probe, "", TargetProfile.Unrestricted)
    except _Diagnostics as d:
        found = re.search(r"expected Unit, found (.+)", d.text)
        if found is None or not d.text.lstrip().startswith("Qdk.Qsc.TypeCk.TyMismatch"):
            raise d.error(probe, "", None) from None
        return found.group(1).strip()
    raise QsharpError(f"{name} is not a Q# operation (its value is Unit)")


class _Diagnostics(Exception):
    def __init__(self, text: str):
        self.text = text
        self.capability = text.lstrip().startswith(_CAPABILITY)

    def error(self, source: Source, entry: str, profile: str) -> QsharpError:
        return diagnostics_error(self.text, source, entry, profile if self.capability else None)


def _compile(source: Source, entry: str, profile: Any) -> str:
    import qdk
    from qdk.qsharp import QSharpError

    ctx = None
    failure = None
    try:
        ctx = qdk.Context(target_profile=profile, project_root=None if source.project is None else str(source.project))
        for _, text in source.texts:
            ctx.eval(text)
        return str(ctx.compile(entry)) if entry else ""
    except QSharpError as e:  # a BaseException in qdk
        failure = str(e)
    finally:
        if ctx is not None:  # break the context's reference cycle so that it is freed here, on this thread
            ctx.code = types.SimpleNamespace()
        del ctx
    raise _Diagnostics(failure)


_HEAD = re.compile(r"^(Qdk\.\S+)", re.MULTILINE)
_SPAN = re.compile(r",-\[(.+):(\d+):(\d+)\]")


def diagnostics_error(text: str, source: Source, entry: str, profile: str | None) -> QsharpError:
    """The first of qdk's diagnostics in ``text`` as a :class:`QsharpError` at its location."""
    heads = list(_HEAD.finditer(text))
    if not heads:
        return QsharpError(f"Q#: {text.strip()}")
    one = text[heads[0].start(): heads[1].start() if len(heads) > 1 else len(text)]
    code = heads[0].group(1)
    lines = [ln.strip() for ln in one.splitlines()]
    message = next((ln[2:] for ln in lines if ln.startswith("x ")), code)
    details = [ln[3:].strip() for ln in lines if ln.startswith("`->")]
    helps = one.split("help:", 1)[1].split() if "help:" in one else []
    text_out = f"Q# {message}" + (f": {'; '.join(details)}" if details else "") + f" [{code}]"
    if helps:
        text_out += f" ({' '.join(helps)}{f'; profile: {profile}' if profile else ''})"
    if len(heads) > 1:
        text_out += f" (and {len(heads) - 1} more Q# error{'s' if len(heads) > 2 else ''})"
    span = _SPAN.search(one)
    loc = None
    if span is not None:
        label, line, col = span.group(1), int(span.group(2)), int(span.group(3))
        loc = Loc(_file_of(label, source, entry), line, max(col - 1, 0))
    return QsharpError(text_out, loc)


def _file_of(label: str, source: Source, entry: str) -> str:
    """The file a qdk source label names, registering in-memory text with ``linecache`` for error display."""
    if label == "<entry>":
        return remember("<Q# entry expression>", entry)
    m = re.fullmatch(r"line_(\d+)", label)
    if m is not None and int(m.group(1)) < len(source.texts):
        name, text = source.texts[int(m.group(1))]
        return remember(name, text) if name.startswith("<") else name
    return label


def remember(name: str, text: str) -> str:
    """Make ``linecache`` serve ``text`` as file ``name`` (so errors can quote the line); returns ``name``."""
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    return name
