"""Golden error tests: each invalid program in golden_errors/ beside the exact message it must produce.

Each ``golden_errors/NAME.py`` defines a kernel ``k``; the test imports the file
and compiles ``k`` (``k.ir``), which must raise ``hybridrt.CompileError`` whose
text, with the folder's absolute path replaced by ``<dir>``, equals
``golden_errors/NAME.txt``.  A file Python itself rejects (a ``SyntaxError`` at
import, e.g. ``break`` outside a loop) is rendered in the same
``file:line:col: message`` form, so the user-visible error is pinned too.

After a deliberate change to a message, regenerate the .txt files and review
the diff before committing::

    python tests/test_golden_errors.py --update [NAME ...]
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import hybridrt as hr

GOLDEN = Path(__file__).resolve().parent / "golden_errors"
CASES = sorted(p.stem for p in GOLDEN.glob("*.py"))


def error_message(name: str) -> str:
    """The error that compiling golden_errors/NAME.py gives, made machine-independent."""
    path = GOLDEN / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"golden_errors_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:  # rejected by Python before hybridrt sees it
        caret = " " * ((e.offset or 1) - 1) + "^"
        text = f"{e.filename}:{e.lineno}:{e.offset}: SyntaxError: {e.msg}\n    {(e.text or '').rstrip()}\n    {caret}"
    else:
        try:
            _ = module.k.ir
        except hr.CompileError as e:
            text = str(e)
        else:
            raise AssertionError(f"{path.name}: compiling k raised no CompileError")
    return text.replace(str(GOLDEN), "<dir>")


@pytest.mark.parametrize("name", CASES)
def test_golden_error(name: str) -> None:
    expected = (GOLDEN / f"{name}.txt").read_text()
    assert error_message(name) + "\n" == expected


def test_every_message_has_a_program() -> None:
    assert CASES
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == CASES


def test_location_names_the_file() -> None:
    assert error_message("print_call").startswith("<dir>/print_call.py:9:5: print() ")


def _update(names: list[str]) -> None:
    for name in names or CASES:
        txt = GOLDEN / f"{name}.txt"
        new = error_message(name) + "\n"
        old = txt.read_text() if txt.exists() else None
        if new != old:
            txt.write_text(new)
            print(f"{'updated' if old is not None else 'created'} {txt.name}:\n{new}")


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "--update":
        sys.exit("usage: python tests/test_golden_errors.py --update [NAME ...]")
    _update(sys.argv[2:])
