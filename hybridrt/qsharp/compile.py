"""``from_qsharp``: a Q# program (text, ``.qs`` file or project folder) as a kernel that runs on the engine.

qdk compiles the entry expression to QIR, under the Adaptive_RIF profile
(integer and double computation, loops unrolled) or, when the program needs
it, the Adaptive profile (loops whose exit depends on a measurement); the QIR
loader turns that into IR.  Each shot returns the entry's value with its Q#
shape: ``Result`` and ``Bool`` as bool, ``Int``, ``Double``, arrays as lists,
tuples as tuples, ``Unit`` as None.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

from hybridrt import ir
from hybridrt.errors import HybridrtError, TargetError
from hybridrt.kernel import Kernel

from .session import DEFAULT_PROFILES, PROFILES, Source, compile_qir
from .sources import UNUSED_ENTRY, default_entry, has_entry_point, resolve

__all__ = ["from_qsharp", "qsharp_program"]


def from_qsharp(source: str | os.PathLike[str], entry: str | None = None, *, profile: str | None = None) -> Kernel:
    """The kernel of a Q# program: ``source`` is Q# text, a ``.qs`` file or a folder with ``qsharp.json``.

    ``entry`` is the expression to run, arguments included (``"Main(3, 0.5)"``); by default the
    ``@EntryPoint()`` operation or the only ``Main``.  ``profile`` forces a QIR profile (``"base"``,
    ``"adaptive_ri"``, ``"adaptive_rif"``, ``"adaptive"``).  Q#'s errors raise :class:`QsharpError`
    (a ``hr.CompileError``) with Q#'s message and location.

    >>> import hybridrt as hr
    >>> k = hr.from_qsharp('''
    ...     operation Main(n : Int) : (Int, Result) {
    ...         use q = Qubit();
    ...         for _ in 1..n { X(q); }
    ...         (n, MResetZ(q))
    ...     }''', entry="Main(3)")
    >>> k.run(shots=10, seed=1).counts()
    {(3, True): 10}
    """
    return Kernel.from_ir(qsharp_program(source, entry, profile=profile))


def qsharp_program(source: str | os.PathLike[str], entry: str | None = None, *,
                   profile: str | None = None) -> ir.Program:
    """The IR program of a Q# entry expression (see :func:`from_qsharp`)."""
    from hybridrt.qir_targets.load import load

    src, files = resolve(source)
    if entry is None:
        entry = default_entry(files)
    elif not isinstance(entry, str) or not entry.strip():
        raise ValueError(f"entry must be a Q# expression such as \"Main()\", got {entry!r}")
    elif "(" not in entry:
        entry = entry.strip() + "()"
    if src.project is None and not has_entry_point(files):
        (name, text), = src.texts
        src = Source(((name, text + UNUSED_ENTRY),))
    qir = compile_qir(src, entry, DEFAULT_PROFILES if profile is None else (_profile(profile),))
    try:
        program = load(qir)
    except HybridrtError as e:
        raise TargetError(f"Q# {entry}: {getattr(e, 'message', e)}") from None
    name = re.match(r"\s*([\w.]+)", entry)
    returns = None if program.returns == ir.TupleType(()) else program.returns  # Unit
    return ir.verify(replace(program, name=name.group(1).split(".")[-1] if name else program.name,
                             source=src.name, returns=returns))


def _profile(profile: str) -> str:
    key = str(profile).lower()
    if key not in PROFILES:
        raise ValueError(f"unknown QIR profile {profile!r}: expected one of {', '.join(PROFILES)}")
    return key
