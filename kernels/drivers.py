"""Shot drivers: run all shots of a program by branching over outcomes or shot by shot."""

from __future__ import annotations

import numpy as np
from numba import njit

from .branching import event_qubit, one_trajectory, outcome_of, perform, run_branching
from .interpreter import execute
from .opcodes import BRANCHING, EPS, OK, PAUSE_MEASURE, PAUSE_RESET
from .rng import next_uniform, shot_stream
from .statevector import prob_one


@njit(cache=True)
def run_shots(code, ints0, floats0, num_qubits, shots, seed, max_steps, n_out_i, n_out_f,
              classical_tail, strategy, max_buffers):
    """Run ``shots`` shots; returns ``(out_i, out_f, status, err_pc, err_shot)``.

    ``strategy`` BRANCHING follows measurement histories (``run_branching``, at
    most ``max_buffers`` extra statevectors); TRAJECTORIES runs the prefix up to
    the first random measurement or reset once, then each shot from a copy of it
    with its own random stream (exactly the reference semantics of opcodes.py).
    """
    out_i = np.zeros((shots, n_out_i), np.int64)
    out_f = np.zeros((shots, n_out_f), np.float64)
    state = np.zeros(1 << num_qubits, np.complex128)
    state[0] = 1.0
    if strategy == BRANCHING:
        status, err_pc, err_shot = run_branching(code, ints0, floats0, state, seed, max_steps, out_i, out_f,
                                                 classical_tail, max_buffers)
        return out_i, out_f, status, err_pc, err_shot
    ints = ints0.copy()
    floats = floats0.copy()
    pc = 0
    steps = 0
    draws = 0
    while True:
        status, pc, steps = execute(code, ints, floats, state, out_i[0], out_f[0], pc, steps, max_steps)
        if status == OK:
            for s in range(1, shots):
                out_i[s, :] = out_i[0, :]
                out_f[s, :] = out_f[0, :]
            return out_i, out_f, OK, -1, -1
        if status != PAUSE_MEASURE and status != PAUSE_RESET:
            return out_i, out_f, status, pc, 0
        q = event_qubit(code, pc, ints)
        p1 = prob_one(state, q)
        if EPS <= p1 <= 1.0 - EPS:
            break
        perform(code, pc, ints, state, q, p1, outcome_of(p1, 0.0))
        draws += 1
        pc += 1
    steps -= 1  # the event at pc runs again, and is counted, in each shot
    status, err_pc, err_shot = _trajectories(code, ints, floats, state, pc, steps, max_steps, seed, draws,
                                             out_i, out_f)
    return out_i, out_f, status, err_pc, err_shot


@njit(cache=True)
def _trajectories(code, ints, floats, state, pc0, steps0, max_steps, seed, draws, out_i, out_f):
    """Each shot continues from a copy of the prefix state, drawing its own outcomes."""
    work = np.empty_like(state)
    stream = np.empty(1, np.uint64)
    prefix_i = out_i[0].copy()
    prefix_f = out_f[0].copy()
    for s in range(out_i.shape[0]):
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
