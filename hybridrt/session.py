"""``Session``: a kernel held ready to re-run with new arguments (VQE, QAOA), compiled and checked once.

A session fixes the run options (shots, strategy, executor, ...) and keeps, per argument
signature, the kernel's bytecode and the memory check, so each ``run`` only writes the new
arguments into the registers and calls the engine: no recompiling, no re-assembling.
Its runs are numbered; run ``i`` is seeded with a seed derived from the session's
``seed`` (drawn at random if none is given, and kept in ``session.seed``), so a whole
optimisation is reproducible, and ``session.sweep(rows)`` continues the same numbering:
run ``i`` gives what row ``i`` of ``kernel.sweep(all_rows, seed=session.seed)`` gives.

>>> import math
>>> import hybridrt as hr
>>> from hybridrt import qubits, rx, cx, mz
>>> @hr.kernel
... def parity(angle: float) -> bool:
...     a, b = qubits(2)
...     rx(angle, a)
...     cx(a, b)
...     return mz(a) != mz(b)
>>> from hybridrt.session import Session
>>> with Session(parity, shots=1000, seed=5) as s:
...     counts = [s.run(angle).counts() for angle in (0.0, math.pi)]
>>> counts, s.evaluations
([{False: 1000}, {False: 1000}], 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import ir
from .assemble import Bytecode
from .errors import HybridrtError
from .kernel import Kernel
from .progress import wanted
from .result import Result, SweepResult
from .runtime import DEFAULT_MAX_STEPS, Engine, make_engine
from .units import Plan, check_run_options, execute, new_seed, row_seeds

if TYPE_CHECKING:
    from typing_extensions import Self


class Session:
    """Re-run ``kernel`` with new arguments; ``with hr.Session(kernel) as s: s.run(theta)``.

    Options (``shots``, ``seed``, ``max_steps``, ``strategy``, ``executor``, ``chunk_shots``,
    ``progress``) are those of ``Kernel.run``; ``run`` and ``sweep`` may override ``shots``.
    ``evaluations`` counts the argument sets run so far.  A closed session refuses to run.
    """

    def __init__(self, kernel: Kernel, *, shots: int = 1000, seed: int | None = None,
                 max_steps: int = DEFAULT_MAX_STEPS, strategy: str = "branching", executor: Any = None,
                 chunk_shots: int | None = None, progress: bool | None = None):
        if not isinstance(kernel, Kernel):
            raise TypeError(f"Session needs a hybridrt kernel, got {type(kernel).__name__}")
        check_run_options(shots, seed, chunk_shots)
        self.kernel = kernel
        self.shots = int(shots)
        self.seed = new_seed() if seed is None else int(seed)
        self.max_steps = max_steps
        self.strategy = strategy
        self.executor = executor
        self.chunk_shots = chunk_shots
        self.progress = progress
        self.evaluations = 0
        self.closed = False
        self._programs: dict[tuple[ir.Type, ...], tuple[Bytecode, Engine]] = {}

    def run(self, *args: Any, shots: int | None = None, seed: int | None = None, **kwargs: Any) -> Result:
        """One run of the kernel on these arguments: the session's next numbered run.

        ``seed`` replaces the run's derived seed (e.g. the same seed for every evaluation of
        an optimisation: common random numbers make differences between evaluations smooth).
        """
        types, values = self._check(shots, seed).kernel._bind(args, kwargs)
        return self._execute(types, [values], shots, None if seed is None else [int(seed)])[0]

    def sweep(self, table: Any, *, shots: int | None = None, seed: int | None = None) -> SweepResult:
        """One run per row of ``table`` (as ``Kernel.sweep`` takes it), in one engine call; numbered in turn.

        With ``seed``, the rows are seeded as ``kernel.sweep(table, seed=seed)`` seeds them.
        """
        types, rows = self._check(shots, seed).kernel._bind_rows(table)
        return self._execute(types, rows, shots, None if seed is None else row_seeds(seed, 0, len(rows)))

    def _check(self, shots: int | None, seed: int | None) -> Session:
        if self.closed:
            raise HybridrtError(f"this session of kernel {self.kernel.name!r} is closed")
        check_run_options(self.shots if shots is None else shots, seed, None)
        return self

    def _execute(self, types: tuple[ir.Type, ...], rows: Sequence[list[Any]], shots: int | None,
                 seeds: list[int] | None) -> SweepResult:
        if types not in self._programs:
            self._programs[types] = make_engine(self.kernel._bytecode(types), self.max_steps, self.strategy)
        program = self._programs[types]
        n = int(self.shots if shots is None else shots)
        first = self.evaluations
        seeds = row_seeds(self.seed, first, len(rows)) if seeds is None else seeds
        plan = Plan(program, rows, seeds, n, self.chunk_shots, lambda r: f"run {first + r}")
        show = wanted(self.progress, n * len(rows), len(rows), program[0].program.num_qubits)
        result = execute([plan], self.executor, show, self.kernel.name)[0]
        self.evaluations += len(rows)
        return result

    def close(self) -> None:
        """End the session: later runs raise ``HybridrtError``."""
        self.closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return (f"<hybridrt Session of {self.kernel.name}: {state}, {self.evaluations} evaluations, "
                f"{self.shots} shots, seed {self.seed}>")
