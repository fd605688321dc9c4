"""Golden TargetError tests: each program in golden/ beside the exact message lowering it must produce.

Each ``golden/NAME.py`` defines a kernel ``k`` and optionally ``ARGS``, ``TARGET`` and
``PROFILE``; the test calls ``k.to_qir(*ARGS, target=TARGET, profile=PROFILE)``, which must
raise ``hybridrt.TargetError`` whose text, with the folder's absolute path replaced by
``<dir>``, equals ``golden/NAME.txt``.

After a deliberate change to a message, regenerate the .txt files and review the diff::

    python tests/qir_targets/test_golden_errors.py --update [NAME ...]
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import hybridrt as hr

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.py"))


def error_message(name: str) -> str:
    """The error that lowering golden/NAME.py's kernel gives, made machine-independent."""
    path = GOLDEN / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"golden_target_errors_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    args = getattr(module, "ARGS", ())
    try:
        module.k.to_qir(*args, target=getattr(module, "TARGET", None), profile=getattr(module, "PROFILE", None))
    except hr.TargetError as e:
        return str(e).replace(str(GOLDEN), "<dir>")
    raise AssertionError(f"{path.name}: lowering k raised no TargetError")


@pytest.mark.parametrize("name", CASES)
def test_golden_target_error(name: str) -> None:
    expected = (GOLDEN / f"{name}.txt").read_text()
    assert error_message(name) + "\n" == expected


def test_every_message_has_a_program() -> None:
    assert len(CASES) >= 15
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == CASES


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
        sys.exit("usage: python tests/qir_targets/test_golden_errors.py --update [NAME ...]")
    _update(sys.argv[2:])
