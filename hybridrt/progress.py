"""Progress bars on stderr for long runs (tqdm): shown when stderr is a terminal and the work is long, or when forced.

``progress=True`` on ``run``/``sweep``/``run_batch`` (or ``HYBRIDRT_PROGRESS=1`` in the
environment) always shows a bar, ``False`` (``HYBRIDRT_PROGRESS=0``) never; the default
shows one only on a terminal, for runs that are likely to take a while.  The bar counts
shots and advances as shot chunks or parameter rows finish, so it never changes what runs.

>>> with bar(total=100, desc="bell", enabled=False) as b:
...     b.update(100)
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self

ENV = "HYBRIDRT_PROGRESS"
LONG_SHOTS = 1_000_000  # shots in all (rows x shots) from which a run counts as long
LONG_ROWS = 1_000
LONG_QUBITS = 22


def wanted(progress: bool | None, shots: int, rows: int = 1, num_qubits: int = 0) -> bool:
    """Whether to show a bar: ``progress`` if given, else the environment's choice, else a long run on a terminal."""
    if progress is not None:
        if not isinstance(progress, bool):
            raise TypeError(f"progress must be True, False or None, got {progress!r}")
        return progress
    env = os.environ.get(ENV)
    if env is not None and env.strip():
        return env.strip() not in ("0", "false", "no", "off")
    long = shots >= LONG_SHOTS or rows >= LONG_ROWS or num_qubits >= LONG_QUBITS
    return long and sys.stderr.isatty()


class _Off:
    """A bar that shows nothing."""

    def update(self, n: int) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def bar(total: int, desc: str, enabled: bool, unit: str = "shot") -> Any:
    """A context manager with ``update(n)``: a tqdm bar on stderr if ``enabled``, else one that shows nothing."""
    if not enabled:
        return _Off()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, file=sys.stderr, dynamic_ncols=True)
