"""Work units in one compiled call: many (registers, shots, seed) rows of one program, and the seeds they derive.

A *unit* is one call of ``run_shots``: a row of initial int and float registers
(the arguments written in), a number of shots and a seed.  ``run_units`` runs
every unit of a table in compiled code and concatenates their output rows in
table order, so a parameter sweep or a run cut into shot chunks costs one
dispatch from Python.  ``derive_seeds`` and ``chunk_seeds`` give the units' seeds from a run's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .drivers import run_shots
from .opcodes import OK
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
