"""Shared machinery of the golden-message tests: load a case's program, compare or regenerate its .txt."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable


def load(folder: Path, name: str) -> ModuleType:
    """Import ``folder/NAME.py`` by path (so the frontend can read its source)."""
    path = folder / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"golden_{folder.name}_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cases(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.py"))


def expected(folder: Path, name: str) -> str:
    return (folder / f"{name}.txt").read_text()


def update(folder: Path, message: Callable[[str], str], argv: list[str]) -> None:
    """``--update [NAME ...]``: rewrite the .txt files whose message changed, printing each."""
    if not argv or argv[0] != "--update":
        sys.exit(f"usage: python {sys.argv[0]} --update [NAME ...]")
    for name in argv[1:] or cases(folder):
        txt = folder / f"{name}.txt"
        new = message(name) + "\n"
        old = txt.read_text() if txt.exists() else None
        if new != old:
            txt.write_text(new)
            print(f"{'updated' if old is not None else 'created'} {txt.name}:\n{new}")
