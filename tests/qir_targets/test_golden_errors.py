"""Golden TargetError tests: each program in golden/ beside the exact message lowering it must produce.

Each ``golden/NAME.py`` defines a kernel ``k`` and optionally ``ARGS``, ``TARGET`` and
``PROFILE``; the test calls ``k.to_qir(*ARGS, target=TARGET, profile=PROFILE)``, which must
raise ``hybridrt.TargetError`` whose text, with the folder's absolute path replaced by
``<dir>``, equals ``golden/NAME.txt``.

After a deliberate change to a message, regenerate the .txt files and review the diff::

    python tests/qir_targets/test_golden_errors.py --update [NAME ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import hybridrt as hr

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from golden import cases, expected, load, update
else:
    from ..golden import cases, expected, load, update

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = cases(GOLDEN)


def error_message(name: str) -> str:
    """The error that lowering golden/NAME.py's kernel gives, made machine-independent."""
    module = load(GOLDEN, name)
    args = getattr(module, "ARGS", ())
    try:
        module.k.to_qir(*args, target=getattr(module, "TARGET", None), profile=getattr(module, "PROFILE", None))
    except hr.TargetError as e:
        return str(e).replace(str(GOLDEN), "<dir>")
    raise AssertionError(f"{name}.py: lowering k raised no TargetError")


@pytest.mark.parametrize("name", CASES)
def test_golden_target_error(name: str) -> None:
    assert error_message(name) + "\n" == expected(GOLDEN, name)


def test_every_message_has_a_program() -> None:
    assert len(CASES) >= 15
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == CASES


if __name__ == "__main__":
    update(GOLDEN, error_message, sys.argv[1:])
