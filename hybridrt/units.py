"""Runs cut into work units (argument rows x fixed-size shot chunks, seeds derived from the run's seed) and run.

How a seed becomes shots, whoever runs them:

- a run of ``shots`` shots seeded ``s`` is cut into chunks of ``chunk_shots`` shots
  (``CHUNK_SHOTS`` by default; the last chunk takes the rest).  Chunk 0 runs with seed
  ``s`` itself, chunk ``c > 0`` with a seed derived from ``(s, c)``; the run's shots are the
  chunks' shots in chunk order;
- row ``r`` of a sweep (entry ``r`` of a batch, the ``r``-th run of a session) is a run
  seeded with a seed derived from ``(s, r)``, which its ``Result.seed`` records.

The cut depends only on ``shots`` and ``chunk_shots``, never on how many units run at
once or where, so one seed gives the identical result in one compiled call, block by block
under a progress bar, or spread over any number of Dask workers.  A run that fits in one
chunk is exactly what it was before chunking existed.

>>> import hybridrt as hr
>>> from hybridrt import qubit, h, mz
>>> @hr.kernel
... def coin() -> bool:
...     q = qubit()
...     h(q)
...     return mz(q)
>>> whole = coin.run(shots=10, seed=3)
>>> cut = coin.run(shots=10, seed=3, chunk_shots=4)          # chunks of 4, 4 and 2 shots
>>> cut.values[4:8] == coin.run(shots=4, seed=chunk_seeds(3, 2)[1]).values
True
>>> whole.values == coin.run(shots=10, seed=3, chunk_shots=10).values
True
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from .assemble import Bytecode
from .errors import KernelRuntimeError
from .kernels import opcodes as oc
from .kernels.sweep import chunk_seeds as _chunk_seeds
from .kernels.sweep import derive_seeds
from .progress import bar
from .result import SweepResult
from .runtime import _ERRORS, Engine, _outputs

CHUNK_SHOTS = 1 << 18
PROGRESS_STEPS = 100  # compiled calls a local run with a progress bar is cut into (when it has that many units)
_CHUNK_SALT = np.uint64(0x63_68_75_6E_6B)  # "chunk"
_ROW_SALT = np.uint64(0x72_6F_77)  # "row"
_U64 = 1 << 64


def new_seed() -> int:
    """A fresh random seed for a run given none."""
    return secrets.randbits(63)


def row_seeds(seed: int, first: int, count: int) -> list[int]:
    """The seeds of rows ``first .. first+count-1`` of a sweep, batch or session seeded ``seed``."""
    return derive_seeds(np.uint64(seed % _U64), first, count, _ROW_SALT).tolist()  # type: ignore[no-any-return]


def chunk_seeds(seed: int, chunks: int) -> list[int]:
    """The seeds of the ``chunks`` shot chunks of a run seeded ``seed``: the seed itself, then derived ones."""
    return _chunk_seeds(np.array([seed % _U64], np.uint64), chunks, _CHUNK_SALT).tolist()  # type: ignore[no-any-return]


def check_run_options(shots: Any, seed: Any, chunk_shots: Any) -> None:
    """``shots``, ``seed`` and ``chunk_shots`` as a run takes them, or a ``ValueError`` naming the bad one."""
    for name, value, least in (("shots", shots, 1), ("seed", seed, 0), ("chunk_shots", chunk_shots, 1)):
        if value is None and name != "shots":
            continue
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
            kind = "positive" if least else "non-negative"
            raise ValueError(f"{name} must be a {kind} int, got {value!r}")


class Plan:
    """The units of one program: rows of argument values, each cut into shot chunks with their seeds.

    Units are row-major: row ``r``'s chunks are units ``r * n_chunks ...``.  ``label(r)``
    names row ``r`` in error messages (none for a plain run).
    """

    def __init__(self, program: tuple[Bytecode, Engine], rows: Sequence[Sequence[Any]], seeds: Sequence[int],
                 shots: int, chunk_shots: int | None = None, label: Callable[[int], str] | None = None):
        self.bc, self.engine = program
        self.rows = rows
        self.seeds = seeds
        self.shots = shots
        self.label = label
        self.chunk = chunk = chunk_shots or CHUNK_SHOTS
        self.n_chunks = chunks = -(-shots // chunk)
        ints, floats = _register_rows(self.bc, rows)
        self.ints = np.repeat(ints, chunks, axis=0) if chunks > 1 else ints
        self.floats = np.repeat(floats, chunks, axis=0) if chunks > 1 else floats
        self.unit_shots = np.full(len(rows) * chunks, chunk, np.int64)
        self.unit_shots[chunks - 1::chunks] = shots - chunk * (chunks - 1)
        self.unit_seeds = _chunk_seeds(np.array([s % _U64 for s in seeds], np.uint64), chunks, _CHUNK_SALT)

    @property
    def units(self) -> int:
        return len(self.unit_shots)

    def run(self, lo: int, hi: int) -> tuple[Any, ...]:
        """Units ``lo .. hi-1`` in one compiled call (raw ``run_units`` output, unit index relative to ``lo``)."""
        return self.engine.run(self.ints[lo:hi], self.floats[lo:hi], self.unit_shots[lo:hi], self.unit_seeds[lo:hi])

    def check(self, raw: tuple[Any, ...], lo: int) -> tuple[np.ndarray, np.ndarray]:
        """The output rows of ``raw`` (units from ``lo``), or the ``KernelRuntimeError`` of its failed shot."""
        out_i, out_f, status, err_pc, err_unit, err_shot = raw
        if status == oc.OK:
            return out_i, out_f
        row, chunk = divmod(lo + int(err_unit), self.n_chunks)
        label = self.label(row) if self.label else ""
        shot = chunk * self.chunk + int(err_shot)
        message = _ERRORS[status].format(max_steps=self.engine.max_steps)
        raise KernelRuntimeError(f"kernel {self.bc.program.name!r}, {label + ', ' if label else ''}shot {shot}: "
                                 f"{message}", self.bc.locs[err_pc])

    def blocks(self, count: int) -> list[tuple[int, int]]:
        """The units cut into at most ``count`` contiguous ranges of about equal shots."""
        ends = np.cumsum(self.unit_shots)
        cuts = np.searchsorted(ends, np.linspace(0, ends[-1], count + 1)[1:-1], side="right")
        bounds = sorted({0, *cuts.tolist(), self.units})
        return list(pairwise(bounds))

    def result(self, out_i: np.ndarray, out_f: np.ndarray) -> SweepResult:
        """All rows' results, outputs shaped ``(rows, shots, ...)``."""
        n = len(self.rows)
        outputs = tuple(o.reshape(n, self.shots, *o.shape[1:]) for o in _outputs(self.bc, out_i, out_f))
        return SweepResult(self.bc.program.returns, outputs, list(self.seeds), self.rows, self.shots)


class ArgumentTable(Sequence[list[Any]]):
    """Rows of arguments held as one NumPy column per parameter (a scalar's ``(rows,)``, a list's
    ``(rows, length)``), written into the registers column by column; row ``r`` reads as a list."""

    def __init__(self, columns: list[np.ndarray]):
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns[0])

    def __getitem__(self, r: Any) -> Any:
        if isinstance(r, slice):
            return [self[k] for k in range(*r.indices(len(self)))]
        return [c[r].tolist() for c in self.columns]


def _register_rows(bc: Bytecode, rows: Sequence[Sequence[Any]]) -> tuple[np.ndarray, np.ndarray]:
    """The initial int and float registers of each row, with its argument values written in."""
    ints = np.empty((len(rows), len(bc.ints0)), np.int64)
    floats = np.empty((len(rows), len(bc.floats0)), np.float64)
    ints[:] = bc.ints0
    floats[:] = bc.floats0
    for k, slot in enumerate(bc.params):
        pool = floats if slot.is_float else ints
        column = rows.columns[k] if isinstance(rows, ArgumentTable) else [r[k] for r in rows]
        if slot.length is None:
            pool[:, slot.index] = column
        else:
            pool[:, slot.index: slot.index + slot.length] = column
    return ints, floats


def execute(plans: Sequence[Plan], executor: Any = None, progress: bool = False,
            desc: str = "") -> list[SweepResult]:
    """Run every unit of ``plans``, here or on a Dask ``executor``; one ``SweepResult`` per plan."""
    if executor is None and not progress:
        return [p.result(*p.check(p.run(0, p.units), 0)) for p in plans]
    with bar(sum(p.shots * len(p.rows) for p in plans), desc, progress) as b:
        if executor is not None:
            from .distributed import execute_on

            outs = execute_on(executor, plans, b)
        else:
            outs = []
            for p in plans:
                parts = []
                for lo, hi in p.blocks(PROGRESS_STEPS):
                    parts.append(p.check(p.run(lo, hi), lo))
                    b.update(int(p.unit_shots[lo:hi].sum()))
                outs.append(concat(parts))
    return [p.result(*o) for p, o in zip(plans, outs)]


def concat(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Output rows of consecutive unit ranges, joined."""
    return np.concatenate([i for i, _ in parts]), np.concatenate([f for _, f in parts])
