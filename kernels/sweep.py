"""Work units in one compiled call: many (registers, shots, seed) rows of one program, and the seeds they derive.

A *unit* is one run of a program (``drivers.run_into``): a row of initial int and float registers
(the arguments written in), a number of shots and a seed.  ``run_units`` runs
every unit of a table in compiled code and concatenates their output rows in
table order, so a parameter sweep or a run cut into shot chunks costs one
dispatch from Python.  ``derive_seeds`` and ``chunk_seeds`` give the units' seeds from a run's.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .drivers import run_into
from .opcodes import BRANCHING, OK
from .rng import mix64
from .statevector import PARALLEL_MIN_SIZE


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
              classical_tail, strategy, max_buffers, threads):
    """Run ``shots[u]`` shots from registers ``ints_rows[u]``, ``floats_rows[u]`` with seed ``seeds[u]``, for all u.

    With ``threads`` > 1, units of a small state (below ``PARALLEL_MIN_SIZE`` amplitudes)
    run on the threads, each unit on one (shot branching on a small state uses no threads
    inside a unit; trajectories do, so theirs go over the threads only when there are at
    least as many units as threads); otherwise one after another, each using the threads
    inside.  Each unit's rows depend only on its own seed, so the thread count changes
    nothing.  Returns ``(out_i, out_f, status, err_pc, err_unit, err_shot)``: the
    units' output rows one after another; on failure those of the first failing unit.
    """
    units = shots.shape[0]
    ends = np.cumsum(shots)
    out_i = np.zeros((ends[-1] if units else 0, n_out_i), np.int64)
    out_f = np.zeros((out_i.shape[0], n_out_f), np.float64)
    status = np.zeros(units, np.int64)
    err_pc = np.full(units, -1, np.int64)
    err_shot = np.full(units, -1, np.int64)
    if threads > 1 and (1 << num_qubits) < PARALLEL_MIN_SIZE and units >= (2 if strategy == BRANCHING else threads):
        _units_parallel(code, ints_rows, floats_rows, num_qubits, ends, seeds, max_steps, classical_tail, strategy,
                        max_buffers, out_i, out_f, status, err_pc, err_shot)
    else:
        for u in range(units):
            lo = ends[u] - shots[u]
            status[u], err_pc[u], err_shot[u] = run_into(
                code, ints_rows[u], floats_rows[u], num_qubits, seeds[u], max_steps, classical_tail, strategy,
                max_buffers, np.bool_(True), out_i[lo:ends[u]], out_f[lo:ends[u]])
            if status[u] != OK:
                break
    for u in range(units):
        if status[u] != OK:
            return out_i, out_f, status[u], err_pc[u], u, err_shot[u]
    return out_i, out_f, OK, -1, -1, -1


@njit(cache=True, parallel=True)
def _units_parallel(code, ints_rows, floats_rows, num_qubits, ends, seeds, max_steps, classical_tail, strategy,
                    max_buffers, out_i, out_f, status, err_pc, err_shot):
    """``run_units``' loop with units spread over the threads (nothing inside uses threads of its own)."""
    for u in prange(ends.shape[0]):
        lo = ends[u - 1] if u > 0 else 0
        status[u], err_pc[u], err_shot[u] = run_into(
            code, ints_rows[u], floats_rows[u], num_qubits, seeds[u], max_steps, classical_tail, strategy,
            max_buffers, np.bool_(False), out_i[lo:ends[u]], out_f[lo:ends[u]])
