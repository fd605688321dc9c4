"""Shot branching: one state per distinct measurement history, shots split binomially at each split."""

from __future__ import annotations

import numpy as np
from numba import njit

from .interpreter import NOT_SAMPLED, execute
from .jit import no_alloc
from .opcodes import EPS, MEASURE, OK, PAUSE_MEASURE, PAUSE_RESET
from .rng import binomial, next_uniform, shot_stream, split_stream
from .statevector import PARALLEL_MIN_SIZE, collapse, flip, prob_one


@no_alloc
def event_qubit(code, pc, ints):
    """The qubit that the MEASURE or RESET at ``pc`` acts on."""
    return ints[code[pc, 2]] if code[pc, 0] == MEASURE else ints[code[pc, 1]]


@no_alloc
def outcome_of(p1, u):
    """The outcome a uniform ``u`` selects when 1 has probability ``p1`` (certain outcomes need no u)."""
    if p1 < EPS:
        return 0
    if p1 > 1.0 - EPS:
        return 1
    return 1 if u < p1 else 0


@no_alloc
def perform(code, pc, ints, state, q, p1, outcome):
    """Collapse qubit ``q`` onto ``outcome``; record it (MEASURE) or flip back to |0> (RESET)."""
    collapse(state, q, outcome)
    if code[pc, 0] == MEASURE:
        ints[code[pc, 1]] = outcome
    elif outcome:
        flip(state, q)


@njit(cache=True)
def sample_basis(state, u):
    """The basis state each uniform in ``u`` selects, in one pass over ``state`` with no state-sized temporary.

    Equivalent to ``searchsorted(cumsum(|state|**2), u * total, side="right")`` (capped at
    the last possible state): ``u`` is visited in sorted order while a running sum walks the
    amplitudes once.
    """
    total = 0.0
    last = 0  # the last basis state with non-zero probability: rounding never selects one past it
    for i in range(state.shape[0]):
        p = state[i].real * state[i].real + state[i].imag * state[i].imag
        if p > 0.0:
            total += p
            last = i
    order = np.argsort(u)
    basis = np.empty(u.shape[0], np.int64)
    i = 0
    acc = state[0].real * state[0].real + state[0].imag * state[0].imag
    for j in order:
        target = u[j] * total
        while i < last and acc <= target:
            i += 1
            acc += state[i].real * state[i].real + state[i].imag * state[i].imag
        basis[j] = i
    return basis


@njit(cache=True)
def cumulative_probabilities(state):
    """The running sum of ``|state|**2`` and the last basis state with non-zero probability."""
    cdf = np.empty(state.shape[0])
    acc = 0.0
    last = 0
    for i in range(state.shape[0]):
        p = state[i].real * state[i].real + state[i].imag * state[i].imag
        acc += p
        cdf[i] = acc
        if p > 0.0:
            last = i
    return cdf, last


@njit(cache=True)
def sample_rows(code, ints, floats, state, pc0, steps0, max_steps, stream, out_i, out_f, first, count):
    """No gate follows ``pc0``: sample a basis state for each of ``count`` shots and finish them classically.

    A small state is sampled by binary search in its cumulative probabilities (the same
    basis states ``sample_basis`` picks), a large one by ``sample_basis``.  What is left of
    a shot depends only on its basis state: on a small state the classical tail runs once
    per distinct basis state drawn, and its output row goes to every shot that drew it.
    Returns ``(status, err_pc, err_shot)``.
    """
    small = state.shape[0] < PARALLEL_MIN_SIZE
    if small:
        cdf, last = cumulative_probabilities(state)
        basis = np.empty(0, np.int64)
    else:
        u = np.empty(count)
        for s in range(count):
            u[s] = next_uniform(stream)
        basis = sample_basis(state, u)
        cdf, last = np.empty(0), 0
    row_of = np.full(state.shape[0] if small else 0, -1, np.int64)  # basis state -> its row in rows_i/rows_f
    distinct = min(count, state.shape[0]) if small else 1
    rows_i = np.zeros((distinct, out_i.shape[1]), np.int64)
    rows_f = np.zeros((distinct, out_f.shape[1]), np.float64)
    wi = np.empty_like(ints)
    wf = np.empty_like(floats)
    rows = 0
    for s in range(count):
        if small:
            b = min(np.searchsorted(cdf, next_uniform(stream) * cdf[-1], side="right"), last)
            r = row_of[b]
        else:
            b = basis[s]
            r = -1
        if r < 0:
            r = rows if small else 0
            wi[:] = ints
            wf[:] = floats
            rows_i[r] = 0
            rows_f[r] = 0.0
            status, pc, _ = execute(code, wi, wf, state, rows_i[r], rows_f[r], pc0, steps0, max_steps, b)
            if status != OK:
                return status, pc, first + s
            if small:
                row_of[b] = r
                rows += 1
        for c in range(rows_i.shape[1]):
            out_i[first + s, c] = rows_i[r, c]
        for c in range(rows_f.shape[1]):
            out_f[first + s, c] = rows_f[r, c]
    return OK, -1, -1


@no_alloc
def one_trajectory(code, ints, floats, state, pc, steps, max_steps, stream, row_i, row_f):
    """Finish one shot from ``pc`` in place, drawing outcomes from ``stream``; returns (status, pc)."""
    while True:
        status, pc, steps = execute(code, ints, floats, state, row_i, row_f, pc, steps, max_steps, NOT_SAMPLED)
        if status != PAUSE_MEASURE and status != PAUSE_RESET:
            return status, pc
        q = event_qubit(code, pc, ints)
        p1 = prob_one(state, q)
        perform(code, pc, ints, state, q, p1, outcome_of(p1, next_uniform(stream)))
        pc += 1


@njit(cache=True)
def run_branching(code, ints0, floats0, state, seed, max_steps, out_i, out_f, classical_tail, max_buffers):
    """Run all shots (rows of ``out_i``/``out_f``) from |state>, depth first over measurement histories.

    A branch holds a state, classical registers and a number of shots.  At a
    random measurement or reset its shots split binomially between the outcomes;
    the state is copied only when both outcomes keep shots.  When no gate or
    reset can follow, the branch's shots are sampled from its state.  Past
    ``max_buffers`` live copies, a branch's shots run one by one instead.  The
    rows are shuffled at the end so that shot order carries no branch structure.
    Returns ``(status, err_pc, err_shot)``.
    """
    shots = out_i.shape[0]
    cap = min(max_buffers + 1, shots)  # a pushed branch keeps at least one shot
    st = np.empty((cap, 5), np.int64)  # per pending branch: pc, steps, shots, first row, buffer
    st_stream = np.empty(cap, np.uint64)
    st_ints = np.empty((cap, ints0.shape[0]), np.int64)
    st_floats = np.empty((cap, floats0.shape[0]), np.float64)
    bufs = [state]
    free = [0]
    free.pop()
    work = np.empty(0, np.complex128)
    stream = np.empty(1, np.uint64)
    root = np.empty(1, np.uint64)
    root[0] = shot_stream(seed, 0)

    st[0, 0], st[0, 1], st[0, 2], st[0, 3], st[0, 4] = 0, 0, shots, 0, 0
    st_stream[0] = split_stream(root)
    st_ints[0] = ints0
    st_floats[0] = floats0
    ints = np.empty_like(ints0)
    floats = np.empty_like(floats0)
    depth = 1
    while depth > 0:
        depth -= 1
        pc, steps, count, first, b = st[depth, 0], st[depth, 1], st[depth, 2], st[depth, 3], st[depth, 4]
        stream[0] = st_stream[depth]
        ints[:] = st_ints[depth]
        floats[:] = st_floats[depth]
        psi = bufs[b]
        while True:
            status, pc, steps = execute(code, ints, floats, psi, out_i[first], out_f[first], pc, steps, max_steps,
                                        NOT_SAMPLED)
            if status == OK:
                for s in range(first + 1, first + count):
                    out_i[s, :] = out_i[first, :]
                    out_f[s, :] = out_f[first, :]
                break
            if status != PAUSE_MEASURE and status != PAUSE_RESET:
                return status, pc, first
            q = event_qubit(code, pc, ints)
            p1 = prob_one(psi, q)
            if p1 < EPS or p1 > 1.0 - EPS:
                perform(code, pc, ints, psi, q, p1, outcome_of(p1, 0.0))
                pc += 1
                continue
            if count > 1 and classical_tail[pc]:
                status, err_pc, err_shot = sample_rows(code, ints, floats, psi, pc, steps - 1, max_steps,
                                                       stream, out_i, out_f, first, count)
                if status != OK:
                    return status, err_pc, err_shot
                break
            ones = binomial(count, p1, stream) if count > 1 else outcome_of(p1, next_uniform(stream))
            if ones == 0 or ones == count:
                perform(code, pc, ints, psi, q, p1, 1 if ones else 0)
                pc += 1
                continue
            if len(free) == 0 and len(bufs) > max_buffers:  # no room for a copy: shot by shot
                if work.shape[0] == 0:
                    work = np.empty_like(psi)
                for s in range(first, first + count):
                    work[:] = psi
                    wi = ints.copy()
                    wf = floats.copy()
                    status, err_pc = one_trajectory(code, wi, wf, work, pc, steps - 1, max_steps, stream,
                                                    out_i[s], out_f[s])
                    if status != OK:
                        return status, err_pc, s
                break
            if len(free) > 0:
                nb = free.pop()
                bufs[nb][:] = psi
            else:
                nb = len(bufs)
                bufs.append(psi.copy())
            child = bufs[nb]
            perform(code, pc, ints, child, q, p1, np.int64(1))  # the outcome-1 branch, pushed for later
            st[depth, 0], st[depth, 1], st[depth, 2] = pc + 1, steps, ones
            st[depth, 3], st[depth, 4] = first + count - ones, nb
            st_stream[depth] = split_stream(stream)
            st_ints[depth] = ints
            st_floats[depth] = floats
            depth += 1
            perform(code, pc, ints, psi, q, p1, np.int64(0))  # continue here with outcome 0
            count -= ones
            pc += 1
        free.append(b)
    _shuffle_rows(out_i, out_f, root)
    return OK, -1, -1


@no_alloc
def _shuffle_rows(out_i, out_f, stream):
    for s in range(out_i.shape[0] - 1, 0, -1):
        j = int(next_uniform(stream) * (s + 1))
        if j != s:
            for c in range(out_i.shape[1]):
                out_i[s, c], out_i[j, c] = out_i[j, c], out_i[s, c]
            for c in range(out_f.shape[1]):
                out_f[s, c], out_f[j, c] = out_f[j, c], out_f[s, c]
