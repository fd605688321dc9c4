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

import sys
from pathlib import Path

import pytest

import hybridrt as hr

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from golden import cases, expected, load, update
else:
    from .golden import cases, expected, load, update

GOLDEN = Path(__file__).resolve().parent / "golden_errors"
CASES = cases(GOLDEN)


def error_message(name: str) -> str:
    """The error that compiling golden_errors/NAME.py gives, made machine-independent."""
    try:
        module = load(GOLDEN, name)
    except SyntaxError as e:  # rejected by Python before hybridrt sees it
        caret = " " * ((e.offset or 1) - 1) + "^"
        text = f"{e.filename}:{e.lineno}:{e.offset}: SyntaxError: {e.msg}\n    {(e.text or '').rstrip()}\n    {caret}"
    else:
        try:
            _ = module.k.ir
        except hr.CompileError as e:
            text = str(e)
        else:
            raise AssertionError(f"{name}.py: compiling k raised no CompileError")
    return text.replace(str(GOLDEN), "<dir>")


@pytest.mark.parametrize("name", CASES)
def test_golden_error(name: str) -> None:
    assert error_message(name) + "\n" == expected(GOLDEN, name)


def test_every_message_has_a_program() -> None:
    assert CASES
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == CASES


def test_location_names_the_file() -> None:
    assert error_message("print_call").startswith("<dir>/print_call.py:9:5: print() ")


if __name__ == "__main__":
    update(GOLDEN, error_message, sys.argv[1:])
