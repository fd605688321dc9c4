"""Shot drivers: run a program's deterministic prefix once, then sample or simulate each shot."""

from __future__ import annotations

import numpy as np
from numba import njit

from .interpreter import execute
from .opcodes import EPS, MEASURE, OK, PAUSE_MEASURE, PAUSE_RESET
from .rng import next_uniform, shot_stream
from .statevector import collapse, flip, prob_one


@njit(cache=True)
def _event_qubit(code, pc, ints):
    """The qubit that the MEASURE or RESET at ``pc`` acts on."""
    return ints[code[pc, 2]] if code[pc, 0] == MEASURE else ints[code[pc, 1]]


@njit(cache=True)
def _outcome(p1, u):
    if p1 < EPS:
        return 0
    if p1 > 1.0 - EPS:
        return 1
    return 1 if u < p1 else 0


@njit(cache=True)
def _perform(code, pc, ints, state, q, p1, outcome):
    """Collapse qubit ``q`` onto ``outcome``; record it (MEASURE) or flip back to |0> (RESET)."""
    collapse(state, q, outcome, p1 if outcome else 1.0 - p1)
    if code[pc, 0] == MEASURE:
        ints[code[pc, 1]] = outcome
    elif outcome:
        flip(state, q)


@njit(cache=True)
def run_shots(code, ints0, floats0, num_qubits, shots, seed, max_steps, n_out_i, n_out_f,
              classical_tail, sample_terminal):
    """Run ``shots`` shots; returns ``(out_i, out_f, status, err_pc, err_shot)``.

    The prefix up to the first measurement or reset whose outcome is random runs
    once.  If no gate or reset can follow that point (``classical_tail[pc]``) and
    ``sample_terminal`` is set, each shot samples one basis state from the final
    state and reads its measurements off it; otherwise each shot continues from a
    copy of the prefix state with its own random stream.
    """
    out_i = np.zeros((shots, n_out_i), np.int64)
    out_f = np.zeros((shots, n_out_f), np.float64)
    state = np.zeros(1 << num_qubits, np.complex128)
    state[0] = 1.0
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
        q = _event_qubit(code, pc, ints)
        p1 = prob_one(state, q)
        if EPS <= p1 <= 1.0 - EPS:
            break
        _perform(code, pc, ints, state, q, p1, _outcome(p1, 0.0))
        draws += 1
        pc += 1
    steps -= 1  # the event at pc runs again, and is counted, in each shot
    if sample_terminal and classical_tail[pc]:
        status, err_pc, err_shot = _sample_terminal(
            code, ints, floats, state, pc, steps, max_steps, seed, draws, out_i, out_f)
    else:
        status, err_pc, err_shot = _trajectories(
            code, ints, floats, state, pc, steps, max_steps, seed, draws, out_i, out_f)
    return out_i, out_f, status, err_pc, err_shot


@njit(cache=True)
def _start_stream(stream, seed, shot, draws):
    stream[0] = shot_stream(seed, shot)
    for _ in range(draws):
        next_uniform(stream)


@njit(cache=True)
def _trajectories(code, ints, floats, state, pc0, steps0, max_steps, seed, draws, out_i, out_f):
    """Each shot continues from a copy of the prefix state, drawing its own outcomes."""
    work = np.empty_like(state)
    wi = np.empty_like(ints)
    wf = np.empty_like(floats)
    stream = np.empty(1, np.uint64)
    prefix_i = out_i[0].copy()
    prefix_f = out_f[0].copy()
    for s in range(out_i.shape[0]):
        out_i[s] = prefix_i
        out_f[s] = prefix_f
        work[:] = state
        wi[:] = ints
        wf[:] = floats
        _start_stream(stream, seed, s, draws)
        pc = pc0
        steps = steps0
        while True:
            status, pc, steps = execute(code, wi, wf, work, out_i[s], out_f[s], pc, steps, max_steps)
            if status == OK:
                break
            if status != PAUSE_MEASURE and status != PAUSE_RESET:
                return status, pc, s
            q = _event_qubit(code, pc, wi)
            p1 = prob_one(work, q)
            _perform(code, pc, wi, work, q, p1, _outcome(p1, next_uniform(stream)))
            pc += 1
    return OK, -1, -1


@njit(cache=True)
def _sample_terminal(code, ints, floats, state, pc0, steps0, max_steps, seed, draws, out_i, out_f):
    """No gate follows: sample a basis state per shot and read every measurement off it."""
    cdf = np.cumsum(np.abs(state) ** 2)
    last = cdf.shape[0] - 1
    wi = np.empty_like(ints)
    wf = np.empty_like(floats)
    stream = np.empty(1, np.uint64)
    prefix_i = out_i[0].copy()
    prefix_f = out_f[0].copy()
    for s in range(out_i.shape[0]):
        out_i[s] = prefix_i
        out_f[s] = prefix_f
        wi[:] = ints
        wf[:] = floats
        _start_stream(stream, seed, s, draws)
        basis = min(np.searchsorted(cdf, next_uniform(stream) * cdf[last], side="right"), last)
        pc = pc0
        steps = steps0
        while True:
            status, pc, steps = execute(code, wi, wf, state, out_i[s], out_f[s], pc, steps, max_steps)
            if status == OK:
                break
            if status != PAUSE_MEASURE:
                return status, pc, s
            wi[code[pc, 1]] = (basis >> _event_qubit(code, pc, wi)) & 1
            pc += 1
    return OK, -1, -1
