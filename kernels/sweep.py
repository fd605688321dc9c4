"""Work units in one compiled call: many (registers, shots, seed) rows of one program, and the seeds they derive.

A *unit* is one call of ``run_shots``: a row of initial int and float registers
(the arguments written in), a number of shots and a seed.  ``run_units`` runs
every unit of a table in compiled code and concatenates their output rows in
table order, so a parameter sweep or a run cut into shot chunks costs one
dispatch from Python.  ``derive_seeds`` and ``chunk_seeds`` give the units' seeds from a run's.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys

import numpy as np
from numba import njit

from .cache import _STAMP as _ENGINE_STAMP
from .cache import _cache_dir, _digest, _read
from .drivers import run_shots
from .opcodes import BRANCHING, HALT, OK, OUT_I, TRAJECTORIES, WIDTH
from .rng import mix64


@njit(cache=True)
def derive_seeds(seed, first, count, salt):
    """The seeds of items ``first .. first+count-1`` (sweep rows, shot chunks) of a run seeded ``seed``.

    ``salt`` names the kind of item, so that row and chunk seeds never coincide.
    """
    base = mix64(np.uint64(seed) ^ np.uint64(salt))
    out = np.empty(count, np.uint64)
    for k in range(count):
        out[k] = mix64(base + mix64(np.uint64(first + k) + np.uint64(1)))
    return out


@njit(cache=True)
def chunk_seeds(seeds, chunks, salt):
    """For each run seed in ``seeds``, the seeds of its ``chunks`` shot chunks: itself, then derived ones."""
    out = np.empty(seeds.shape[0] * chunks, np.uint64)
    for r in range(seeds.shape[0]):
        out[r * chunks] = seeds[r]
        if chunks > 1:
            out[r * chunks + 1: (r + 1) * chunks] = derive_seeds(seeds[r], 1, chunks - 1, salt)
    return out


@njit(cache=True)
def run_units(code, ints_rows, floats_rows, num_qubits, shots, seeds, max_steps, n_out_i, n_out_f,
              classical_tail, strategy, max_buffers):
    """Run unit ``u`` as ``run_shots(code, ints_rows[u], floats_rows[u], ..., shots[u], seeds[u], ...)``, for all u.

    Returns ``(out_i, out_f, status, err_pc, err_unit, err_shot)``: the units' output rows
    one after another; on the first failing unit its status, pc, index and shot.
    """
    total = 0
    for u in range(shots.shape[0]):
        total += shots[u]
    out_i = np.zeros((total, n_out_i), np.int64)
    out_f = np.zeros((total, n_out_f), np.float64)
    first = 0
    for u in range(shots.shape[0]):
        oi, of, status, err_pc, err_shot = run_shots(code, ints_rows[u], floats_rows[u], num_qubits, shots[u],
                                                     seeds[u], max_steps, n_out_i, n_out_f, classical_tail,
                                                     strategy, max_buffers)
        if status != OK:
            return out_i, out_f, status, err_pc, u, err_shot
        out_i[first:first + shots[u]] = oi
        out_f[first:first + shots[u]] = of
        first += shots[u]
    return out_i, out_f, OK, -1, -1, -1


def _compile_once() -> None:
    """Compile ``run_units`` for the engine's current sources, once, under the engine's cache lock (see cache.py).

    Numba keys this cache on this file's time stamp alone, so a stamp beside it records that
    and the digest of all engine sources it was compiled with; any other means a stale one.  It must be
    compiled in a process whose engine was compiled too, not loaded from the cache: a caller
    compiled against cached callees is saved with symbols that do not resolve when it is
    loaded again (it crashes; numba issues #8578, #10128).  So when this process loaded the
    engine from disk, the engine's stamp is dropped and a fresh process recompiles all of it.
    """
    folder = _cache_dir()
    stamp = folder / _STAMP
    if _read(stamp) == _DIGEST:
        return
    try:
        lock = os.open(folder / "hybridrt-engine.lock", os.O_WRONLY | os.O_CREAT, 0o644)
    except OSError:
        return  # a read-only install: numba falls back to its own user cache
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _read(stamp) == _DIGEST:
            return
        code, tail = _smallest_program()
        for strategy in (BRANCHING, TRAJECTORIES):  # load or compile the engine, to see which
            run_shots(code, np.zeros(2, np.int64), np.zeros(1), 1, 1, np.uint64(1), 10, 1, 0, tail, strategy, 1)
        respawn = sum(run_shots._cache_hits.values()) > 0 and _CHILD not in os.environ
        if respawn:
            (folder / _ENGINE_STAMP).unlink(missing_ok=True)
        else:
            for f in folder.glob("sweep.*.nb[ic]"):
                f.unlink()
            for strategy in (BRANCHING, TRAJECTORIES):
                run_units(code, np.zeros((1, 2), np.int64), np.zeros((1, 1)), 1, np.ones(1, np.int64),
                          np.ones(1, np.uint64), 10, 1, 0, tail, strategy, 1)
            chunk_seeds(np.ones(1, np.uint64), 2, np.uint64(1))
            stamp.write_text(_DIGEST)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)
    if respawn:
        subprocess.run([sys.executable, "-c", "import hybridrt.kernels.sweep"], check=True,
                       env={**os.environ, _CHILD: "1"})


def _smallest_program() -> tuple[np.ndarray, np.ndarray]:
    """Code that outputs one int and halts, and its classical-tail flags."""
    code = np.zeros((2, WIDTH), np.int64)
    code[0, :4] = (OUT_I, 0, 1, 1)
    code[1, 0] = HALT
    return code, np.ones(2, np.bool_)


_STAMP = "hybridrt-sweep.sha256"
_CHILD = "HYBRIDRT_SWEEP_COMPILE"  # set in the process that recompiles the engine, so it never spawns another
_SOURCE = os.stat(__file__)  # numba also recompiles when this file's time stamp changes
_DIGEST = f"{_digest()} {_SOURCE.st_mtime} {_SOURCE.st_size}"  # the engine this process loaded, and this file
_compile_once()
