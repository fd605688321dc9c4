"""Exact output distributions: known answers, merging, cut-offs, limits, and agreement with sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import chisquare

import hybridrt as hr
from hybridrt import h, mz, qubits, reset, ry, x

from .test_programs import random_parity, rus, teleport_raw
from .test_strategies import syndrome_rounds

SIGNIFICANCE = 1e-4


@hr.kernel
def two_coins() -> int:
    q = qubits(2)
    h(q)
    return int(mz(q[0])) + int(mz(q[1]))


def test_known_distributions_exactly():
    d = two_coins.distribution()
    assert d.keys() == {0, 1, 2} and d.dropped == 0.0
    assert d[0] == pytest.approx(0.25, abs=1e-12) and d[1] == pytest.approx(0.5, abs=1e-12)
    theta = 1.2
    d = teleport_raw.distribution(theta)
    p1 = math.sin(theta / 2) ** 2
    assert len(d) == 8
    for (a, b, target), p in d.items():
        assert p == pytest.approx(0.25 * (p1 if target else 1 - p1), abs=1e-12)


def test_unbounded_loop_is_cut_at_the_threshold_and_reports_the_rest():
    d = rus.distribution(cutoff=1e-9)
    for (n, flag), p in d.items():
        assert flag is True and p == pytest.approx(2.0**-n, rel=1e-9)
    assert sum(d.values()) + d.dropped == pytest.approx(1.0, abs=1e-12)
    assert 0 < d.dropped <= 2e-9


@hr.kernel
def coin_rounds(rounds: int) -> int:
    q = qubits(1)
    heads = 0
    for _ in range(rounds):
        h(q[0])
        if mz(q[0]):
            x(q[0])      # back to |0>: every history reaches the same state
            heads += 1
    return heads


def test_equal_branches_merge_so_histories_do_not_blow_up():
    # 2**40 histories but only 41 distinct (state, heads) branches; keep even the 2**-40 tails
    d = coin_rounds.distribution(40, max_branches=100, cutoff=1e-15)
    assert len(d) == 41 and d.dropped == 0.0
    for k, p in d.items():
        assert p == pytest.approx(math.comb(40, k) / 2**40, rel=1e-9, abs=1e-15)


@hr.kernel
def dead_values(rounds: int) -> bool:
    q = qubits(1)
    m = False
    for _ in range(rounds):
        ry(0.7, q[0])
        m = mz(q[0])     # overwritten next round: dead when the next measurement pauses
        reset(q[0])
    return m


def test_registers_that_are_never_read_again_do_not_prevent_merging():
    d = dead_values.distribution(60, max_branches=10)
    assert d[True] == pytest.approx(math.sin(0.35) ** 2, abs=1e-12)


def test_too_many_branches_is_a_clear_error():
    with pytest.raises(hr.KernelRuntimeError, match="more than 10 measurement branches or outcomes"):
        random_parity.distribution(max_branches=10)  # 32 equally likely outcomes


def test_exact_distribution_agrees_with_sampling():
    exact = syndrome_rounds.distribution()
    assert sum(exact.values()) == pytest.approx(1.0, abs=1e-12)
    counts = syndrome_rounds.run(shots=20_000, seed=3).counts()
    keys = list(exact)
    observed = np.array([counts.get(k, 0) for k in keys])
    assert observed.sum() == 20_000
    assert chisquare(observed, np.array([exact[k] for k in keys]) * 20_000).pvalue > SIGNIFICANCE
