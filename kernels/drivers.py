"""Shot drivers: run all shots of a program by branching over outcomes or shot by shot."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .branching import event_qubit, one_trajectory, outcome_of, perform, run_branching
from .interpreter import NOT_SAMPLED, execute
from .opcodes import BRANCHING, EPS, OK, PAUSE_MEASURE, PAUSE_RESET
from .rng import next_uniform, shot_stream
from .statevector import PARALLEL_MIN_SIZE, prob_one


@njit(cache=True)
def run_into(code, ints0, floats0, num_qubits, seed, max_steps, classical_tail, strategy, max_buffers, threads,
             out_i, out_f):
    """Run one shot per row of ``out_i``/``out_f`` (zeroed), writing them; returns ``(status, err_pc, err_shot)``.

    ``strategy`` BRANCHING follows measurement histories (``run_branching``, at
    most ``max_buffers`` extra statevectors); TRAJECTORIES runs the prefix up to
    the first random measurement or reset once, then each shot from a copy of it
    with its own random stream (exactly the reference semantics of opcodes.py),
    spreading shots over the threads where ``threads`` allows.
    """
    shots = out_i.shape[0]
    state = np.zeros(1 << num_qubits, np.complex128)
    state[0] = 1.0
    if strategy == BRANCHING:
        return run_branching(code, ints0, floats0, state, seed, max_steps, out_i, out_f, classical_tail, max_buffers)
    ints = ints0.copy()
    floats = floats0.copy()
    pc = steps = draws = np.int64(0)  # not literals (see jit.py)
    while True:
        status, pc, steps = execute(code, ints, floats, state, out_i[0], out_f[0], pc, steps, max_steps, NOT_SAMPLED)
        if status == OK:
            for s in range(1, shots):
                out_i[s, :] = out_i[0, :]
                out_f[s, :] = out_f[0, :]
            return OK, -1, -1
        if status != PAUSE_MEASURE and status != PAUSE_RESET:
            return status, pc, 0
        q = event_qubit(code, pc, ints)
        p1 = prob_one(state, q)
        if EPS <= p1 <= 1.0 - EPS:
            break
        perform(code, pc, ints, state, q, p1, outcome_of(p1, 0.0))
        draws += 1
        pc += 1
    steps -= 1  # the event at pc runs again, and is counted, in each shot
    return _trajectories(code, ints, floats, state, pc, steps, max_steps, seed, draws, out_i, out_f, threads)


#: shots of a small register run as this many ranges, spread over the threads
SHOT_RANGES = 64


@njit(cache=True)
def _trajectory_range(code, ints, floats, state, work, pc0, steps0, max_steps, seed, draws, out_i, out_f,
                      prefix_i, prefix_f, s0, s1):
    """Shots s0 <= s < s1, each from a copy of the prefix state in ``work`` and the prefix's outputs;
    returns (status, pc, shot)."""
    stream = np.empty(1, np.uint64)
    for s in range(s0, s1):
        out_i[s] = prefix_i
        out_f[s] = prefix_f
        work[:] = state
        stream[0] = shot_stream(seed, s)
        for _ in range(draws):
            next_uniform(stream)
        status, pc = one_trajectory(code, ints.copy(), floats.copy(), work, pc0, steps0, max_steps, stream,
                                    out_i[s], out_f[s])
        if status != OK:
            return status, pc, s
    return OK, -1, -1


@njit(cache=True, parallel=True)
def _trajectories_parallel(code, ints, floats, state, pc0, steps0, max_steps, seed, draws, out_i, out_f, chunks):
    """Contiguous ranges of shots on all threads; the first failing shot overall is reported."""
    shots = out_i.shape[0]
    prefix_i = out_i[0].copy()
    prefix_f = out_f[0].copy()
    status = np.zeros(chunks, np.int64)
    err_pc = np.full(chunks, -1, np.int64)
    err_shot = np.full(chunks, -1, np.int64)
    for c in prange(chunks):
        status[c], err_pc[c], err_shot[c] = _trajectory_range(
            code, ints, floats, state, np.empty_like(state), pc0, steps0, max_steps, seed, draws, out_i, out_f,
            prefix_i, prefix_f, c * shots // chunks, (c + 1) * shots // chunks)
    for c in range(chunks):
        if status[c] != OK:
            return status[c], err_pc[c], err_shot[c]
    return OK, -1, -1


@njit(cache=True)
def _trajectories(code, ints, floats, state, pc0, steps0, max_steps, seed, draws, out_i, out_f, threads):
    """Each shot continues from a copy of the prefix state, drawing its own outcomes from its own stream.

    Small states run ranges of shots on all threads where ``threads`` allows (large ones use
    the threads inside each gate); a shot's outcomes depend only on the seed and its number,
    so the thread count changes nothing.
    """
    shots = out_i.shape[0]
    if threads and state.shape[0] < PARALLEL_MIN_SIZE and shots >= SHOT_RANGES:
        return _trajectories_parallel(code, ints, floats, state, pc0, steps0, max_steps, seed, draws, out_i, out_f,
                                      SHOT_RANGES)
    return _trajectory_range(code, ints, floats, state, np.empty_like(state), pc0, steps0, max_steps, seed, draws,
                             out_i, out_f, out_i[0].copy(), out_f[0].copy(), np.int64(0), shots)
