"""Shot branching and per-shot trajectories give the same distributions, and branching respects memory."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from scipy.stats import chi2_contingency

import hybridrt as hr
from hybridrt import cx, h, mz, qubits, reset, rx, ry, rz, x

from .test_programs import active_reset, random_parity, rus, rus_rotation, teleport_raw

SIGNIFICANCE = 1e-4  # fixed seeds: each comparison's outcome is reproducible; this is its threshold


def _agree(a: list, b: list) -> float:
    ca, cb = Counter(map(repr, a)), Counter(map(repr, b))
    keys = sorted(set(ca) | set(cb), key=lambda k: -(ca[k] + cb[k]))
    big = [k for k in keys if ca[k] + cb[k] >= 10]
    rest = [k for k in keys if k not in big]
    table = [[ca[k] for k in big] + [sum(ca[k] for k in rest)], [cb[k] for k in big] + [sum(cb[k] for k in rest)]]
    table = np.array(table)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 1.0
    return chi2_contingency(table, correction=False).pvalue


@hr.kernel
def syndrome_rounds() -> list[bool]:
    """A 3-qubit bit-flip code: 4 rounds of syndrome extraction with feedback, ancillas reused."""
    d = qubits(3)
    s = qubits(2)
    ry(0.3, d[0])
    cx(d[0], d[1])
    cx(d[0], d[2])
    for r in range(4):
        rx(0.2, d[r % 3])
        cx(d[0], s[0])
        cx(d[1], s[0])
        cx(d[1], s[1])
        cx(d[2], s[1])
        a = mz(s[0])
        b = mz(s[1])
        reset(s)
        if a and not b:
            x(d[0])
        elif a and b:
            x(d[1])
        elif b:
            x(d[2])
    return mz(d)


CASES = [(rus, ()), (rus_rotation, (5,)), (active_reset, (8,)), (random_parity, ()), (teleport_raw, (1.1,)),
         (syndrome_rounds, ())]


@pytest.mark.parametrize("kernel,args", CASES, ids=[k.name for k, _ in CASES])
def test_branching_and_trajectories_agree(kernel, args):
    a = kernel.run(*args, shots=6000, seed=1, strategy="branching").values
    b = kernel.run(*args, shots=6000, seed=2, strategy="trajectories").values
    assert _agree(a, b) > SIGNIFICANCE


def test_branching_is_reproducible_and_shuffled():
    a = rus.run(shots=2000, seed=8).values
    assert a == rus.run(shots=2000, seed=8).values
    # shot order carries no branch structure: long attempts are spread through the run
    positions = [i for i, v in enumerate(a) if v[0] >= 3]
    assert min(positions) < 400 and max(positions) > 1600


@hr.kernel
def wide_branches() -> list[bool]:
    q = qubits(10)
    for i in range(10):
        h(q[i])
        rz(0.1 * i, q[i])
    mz(q)                # 1024 measurement histories, each followed by more gates
    for i in range(10):
        ry(0.4, q[i])
    return mz(q)


@pytest.mark.parametrize("max_buffers", [0, 1, 3])
def test_branching_falls_back_to_trajectories_when_copies_do_not_fit(max_buffers):
    from hybridrt.kernels import opcodes as op
    from hybridrt.kernels import run_units

    bc = wide_branches._bytecode(())

    def run(strategy, seed):
        out_i, _, status, _, _, _ = run_units(bc.code, bc.ints0[None, :], bc.floats0[None, :], 10, np.array([3000]),
                                              np.array([seed], np.uint64), 10**6, bc.n_out_i, bc.n_out_f,
                                              bc.classical_tail, strategy, max_buffers, 1)
        assert status == op.OK
        return [tuple(r) for r in out_i.tolist()]

    assert _agree(run(op.BRANCHING, 5), run(op.TRAJECTORIES, 6)) > SIGNIFICANCE


@pytest.mark.parametrize("kernel,args", CASES[:3], ids=[k.name for k, _ in CASES[:3]])
def test_trajectories_do_not_depend_on_the_thread_count(kernel, args):
    """Small registers run ranges of shots on all threads; every shot has its own random stream."""
    import numba

    threads = numba.get_num_threads()
    try:
        runs = []
        for n in sorted({1, threads}):
            numba.set_num_threads(n)
            runs.append(kernel.run(*args, shots=501, seed=4, strategy="trajectories").values)
    finally:
        numba.set_num_threads(threads)
    assert all(r == runs[0] for r in runs)


def test_unknown_strategy_is_a_clear_error():
    with pytest.raises(ValueError, match="strategy must be one of"):
        rus.run(shots=10, strategy="magic")
