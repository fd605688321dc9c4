"""Exact output distributions: follow every measurement outcome with its probability instead of shots."""

from __future__ import annotations

import numpy as np
from numba import njit

from .branching import event_qubit, perform
from .interpreter import NOT_SAMPLED, execute
from .opcodes import EPS, ERR_BRANCHES, ERR_MEMORY, OK, PAUSE_MEASURE, PAUSE_RESET
from .statevector import prob_one


@njit(cache=True)
def _record(rows_i, rows_f, probs, n_rows, row_i, row_f, p):
    """Add probability ``p`` to output row (row_i, row_f); returns the new row count or -1 when full."""
    for r in range(n_rows):
        if np.array_equal(rows_i[r], row_i) and np.array_equal(rows_f[r], row_f):
            probs[r] += p
            return n_rows
    if n_rows == rows_i.shape[0]:
        return -1
    rows_i[n_rows] = row_i
    rows_f[n_rows] = row_f
    probs[n_rows] = p
    return n_rows + 1


@njit(cache=True)
def _same_live(a, b, live):
    """Equal on every register that may still be read (``live``)."""
    for k in range(a.shape[0]):
        if live[k] and a[k] != b[k]:
            return False
    return True


@njit(cache=True)
def _same_state(a, b):
    """Equal amplitudes to 1e-12 (no temporary array)."""
    for k in range(a.shape[0]):
        if abs(a[k] - b[k]) > 1e-12:
            return False
    return True


@njit(cache=True)
def exact_distribution(code, ints0, floats0, num_qubits, max_steps, n_out_i, n_out_f, cutoff, max_branches,
                       max_states, pause_row, live_ints, live_floats):
    """Every output row the program can produce, with its probability.

    Breadth first: each live branch runs to its next random measurement or
    reset; branches paused at the same pc with equal state and equal values in
    every register still live there (``pause_row``/``live_*``) merge;
    then each splits into its two outcomes.  Branches less likely than
    ``cutoff`` are dropped and their mass reported.  Returns ``(rows_i, rows_f,
    probs, n_rows, dropped, status, err_pc)``; more than ``max_branches`` live
    branches or distinct outputs gives ERR_BRANCHES; more than ``max_states``
    statevectors alive at once gives ERR_MEMORY.
    """
    rows_i = np.zeros((max_branches, n_out_i), np.int64)
    rows_f = np.zeros((max_branches, n_out_f), np.float64)
    probs = np.zeros(max_branches, np.float64)
    row_i = np.zeros(n_out_i, np.int64)
    row_f = np.zeros(n_out_f, np.float64)
    n_rows = 0
    dropped = 0.0
    psi0 = np.zeros(1 << num_qubits, np.complex128)
    psi0[0] = 1.0
    pcs, steps, ps, regs_i, regs_f, states = [0], [0], [1.0], [ints0.copy()], [floats0.copy()], [psi0]
    while len(pcs) > 0:
        # 1. run every branch to its next random event (or its end)
        live = []
        p1s = []
        qs = []
        for b in range(len(pcs)):
            pc, st, ints, floats, psi = pcs[b], steps[b], regs_i[b], regs_f[b], states[b]
            while True:
                status, pc, st = execute(code, ints, floats, psi, row_i, row_f, pc, st, max_steps, NOT_SAMPLED)
                if status == OK:
                    n_rows = _record(rows_i, rows_f, probs, n_rows, row_i, row_f, ps[b])
                    if n_rows < 0:
                        return rows_i, rows_f, probs, max_branches, dropped, ERR_BRANCHES, pc
                    break
                if status != PAUSE_MEASURE and status != PAUSE_RESET:
                    return rows_i, rows_f, probs, n_rows, dropped, status, pc
                q = event_qubit(code, pc, ints)
                p1 = prob_one(psi, q)
                if p1 < EPS or p1 > 1.0 - EPS:
                    perform(code, pc, ints, psi, q, p1, 1 if p1 > 0.5 else 0)
                    pc += 1
                    continue
                pcs[b], steps[b] = pc, st
                live.append(b)
                p1s.append(p1)
                qs.append(q)
                break
        # 2. merge branches paused at the same point with the same registers and state
        gone = np.zeros(len(live), np.bool_)
        for i in range(len(live)):
            if gone[i]:
                continue
            a = live[i]
            for j in range(i + 1, len(live)):
                c = live[j]
                if gone[j] or pcs[a] != pcs[c]:
                    continue
                row = pause_row[pcs[a]]
                if not _same_live(regs_i[a], regs_i[c], live_ints[row]) \
                        or not _same_live(regs_f[a], regs_f[c], live_floats[row]) \
                        or not _same_state(states[a], states[c]):
                    continue
                ps[a] += ps[c]
                gone[j] = True
        # 3. split each remaining branch into its two outcomes
        n_pcs, n_steps, n_ps, n_i, n_f, n_s = [0], [0], [0.0], [ints0], [floats0], [psi0]
        n_pcs.pop(), n_steps.pop(), n_ps.pop(), n_i.pop(), n_f.pop(), n_s.pop()
        copies = 0
        for i in range(len(live)):
            if gone[i]:
                continue
            b = live[i]
            p1 = p1s[i]
            for outcome in (1, 0):
                p = ps[b] * (p1 if outcome else 1.0 - p1)
                if p < cutoff:
                    dropped += p
                    continue
                if outcome:
                    copies += 1
                    if len(states) + copies > max_states:
                        return rows_i, rows_f, probs, n_rows, dropped, ERR_MEMORY, pcs[b]
                ints = regs_i[b].copy() if outcome else regs_i[b]
                psi = states[b].copy() if outcome else states[b]
                perform(code, pcs[b], ints, psi, qs[i], p1, outcome)
                n_pcs.append(pcs[b] + 1)
                n_steps.append(steps[b])
                n_ps.append(p)
                n_i.append(ints)
                n_f.append(regs_f[b].copy() if outcome else regs_f[b])
                n_s.append(psi)
        if len(n_pcs) > max_branches:
            return rows_i, rows_f, probs, n_rows, dropped, ERR_BRANCHES, n_pcs[0] - 1
        pcs, steps, ps, regs_i, regs_f, states = n_pcs, n_steps, n_ps, n_i, n_f, n_s
    return rows_i, rows_f, probs, n_rows, dropped, OK, -1
