"""Q# programs as the user gives them (source text, a ``.qs`` file, a project folder) and their entry point.

The default entry is the ``@EntryPoint()`` operation, or else the only
operation named ``Main``; names are qualified by their namespace (a project
file without ``namespace`` declares one named after its path under ``src``).

>>> default_entry([("", "operation Main() : Result { use q = Qubit(); MResetZ(q) }")])
'Main()'
>>> default_entry([("Demo", "@EntryPoint() operation Run() : Unit {}")])
'Demo.Run()'
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .session import QsharpError, Source

__all__ = ["UNUSED_ENTRY", "default_entry", "has_entry_point", "resolve"]

#: appended to source text without an entry point: qdk then no longer takes an operation named ``Main``
#: with parameters for the program's entry point (which it rejects), so ``entry="Main(3)"`` works
UNUSED_ENTRY = "\nnamespace HybridrtEntry { @EntryPoint() operation Unused() : Unit {} }\n"

_STRING = re.compile(r'\$?"(?:\\.|[^"\\])*"')
_COMMENT = re.compile(r"//[^\n]*")
_NAMESPACE = re.compile(r"\bnamespace\s+([\w.]+)\s*\{")
_ENTRY_POINT = re.compile(r"@\s*EntryPoint\s*\(\s*\)(?:\s*@\s*\w+\s*\([^)]*\))*\s*(?:operation|function)\s+(\w+)")
_MAIN = re.compile(r"\b(?:operation|function)\s+Main\s*(?:<[^>]*>)?\s*\(([^)]*)\)")


def resolve(source: str | os.PathLike[str]) -> tuple[Source, list[tuple[str, str]]]:
    """What to compile, and each Q# file's default namespace and text (for finding the entry point)."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        if path.is_dir():
            if not (path / "qsharp.json").is_file():
                raise QsharpError(f"{path} is a folder without a qsharp.json: not a Q# project")
            src = path / "src"
            files = sorted(src.rglob("*.qs")) if src.is_dir() else []
            return Source(project=path), [(".".join(f.relative_to(src).with_suffix("").parts), _read(f))
                                          for f in files]
        text = _read(path)
        return Source(((str(path), text),)), [("", text)]
    if not isinstance(source, str):
        raise TypeError(f"Q# source must be text, a .qs file or a project folder, not {type(source).__name__}")
    return Source((("<Q# source>", source),)), [("", source)]


def _looks_like_path(text: str) -> bool:
    if "\n" in text or "{" in text or not text.strip() or len(text) > 4096:
        return False
    return text.endswith(".qs") or Path(text).exists()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise QsharpError(f"cannot read Q# file {path}: {e.strerror or e}") from None


def _code(text: str) -> str:
    """``text`` without comments and string contents (so that neither is mistaken for code)."""
    return _COMMENT.sub("", _STRING.sub('""', text))


def _qualified(code: str, pos: int, default: str, name: str) -> str:
    """``name`` declared at ``pos`` in ``code``, qualified by the namespace block around it."""
    for m in _NAMESPACE.finditer(code):
        depth, k = 1, m.end()
        while k < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[k], 0)
            k += 1
        if m.end() <= pos < k:
            return f"{m.group(1)}.{name}"
    return f"{default}.{name}" if default else name


def has_entry_point(files: list[tuple[str, str]]) -> bool:
    return any(_ENTRY_POINT.search(_code(text)) for _, text in files)


def default_entry(files: list[tuple[str, str]]) -> str:
    """The entry expression when none is given: ``EntryPoint()``, or ``Main()``; a clear error otherwise."""
    points, mains = [], []
    for namespace, text in files:
        code = _code(text)
        points += [_qualified(code, m.start(), namespace, m.group(1)) for m in _ENTRY_POINT.finditer(code)]
        mains += [(_qualified(code, m.start(), namespace, "Main"), m.group(1).strip()) for m in _MAIN.finditer(code)]
    if len(points) == 1:
        return points[0] + "()"
    if points:
        raise QsharpError(f"several @EntryPoint() operations ({', '.join(points)}): choose one with entry=")
    if len(mains) == 1:
        name, params = mains[0]
        if params:
            raise QsharpError(f"{name} takes parameters ({params}): pass them with entry=\"{name}(...)\"")
        return name + "()"
    if mains:
        raise QsharpError(f"several operations named Main ({', '.join(n for n, _ in mains)}): choose one with entry=")
    raise QsharpError("no entry point: mark an operation @EntryPoint(), name it Main, or pass entry=\"Op(args)\"")
