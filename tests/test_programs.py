"""Whole programs with mid-circuit feedback: teleportation, repeat-until-success, active reset, parity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import hybridrt as hr
from hybridrt import ccx, cx, h, mz, qubit, qubits, reset, rx, ry, rz, x, z

SIGNIFICANCE = 1e-4  # fixed seeds make every statistical test deterministic; this is its threshold


@hr.kernel
def teleport(theta: float, phi: float) -> bool:
    src, a, b = qubits(3)
    ry(theta, src)
    rz(phi, src)
    h(a)
    cx(a, b)
    cx(src, a)
    h(src)
    if mz(a):
        x(b)
    if mz(src):
        z(b)
    rz(-phi, b)
    ry(-theta, b)
    return mz(b)


@pytest.mark.parametrize("theta,phi", [(0.0, 0.0), (math.pi, 0.3), (1.1, -2.0), (2.5, 4.0)])
def test_teleportation_delivers_the_state_exactly(theta, phi):
    res = teleport.run(theta, phi, shots=2000, seed=3)
    assert res.counts() == {False: 2000}


@hr.kernel
def teleport_raw(theta: float) -> tuple[bool, bool, bool]:
    src, a, b = qubits(3)
    ry(theta, src)
    h(a)
    cx(a, b)
    cx(src, a)
    h(src)
    m_src = mz(src)
    m_a = mz(a)
    if m_a:
        x(b)
    if m_src:
        z(b)
    return m_src, m_a, mz(b)


def test_teleportation_outcomes_are_uniform_and_target_has_the_sent_statistics():
    theta = 1.2
    res = teleport_raw.run(theta, shots=20_000, seed=11)
    outs = np.array(res.values)
    p1 = math.sin(theta / 2) ** 2
    assert stats.binomtest(int(outs[:, 2].sum()), len(outs), p1).pvalue > SIGNIFICANCE
    pairs = outs[:, 0] * 2 + outs[:, 1]
    assert stats.chisquare(np.bincount(pairs, minlength=4)).pvalue > SIGNIFICANCE


@hr.kernel
def rus() -> tuple[int, bool]:
    a, t = qubits(2)
    n = 0
    done = False
    while not done:
        h(a)
        done = mz(a)
        reset(a)
        n += 1
    x(t)
    return n, mz(t)


def test_repeat_until_success_is_geometric():
    res = rus.run(shots=20_000, seed=5)
    n = np.array([v[0] for v in res.values])
    assert all(v[1] is True for v in res.values)
    assert n.min() >= 1
    # P(n = k) = 2**-k; pool the tail k >= 8
    observed = np.array([np.sum(n == k) for k in range(1, 8)] + [np.sum(n >= 8)])
    expected = np.array([2.0**-k for k in range(1, 8)] + [2.0**-7]) * len(n)
    assert stats.chisquare(observed, expected).pvalue > SIGNIFICANCE


@hr.kernel
def rus_rotation(max_tries: int) -> tuple[int, bool]:
    """Repeat-until-success with an angle-dependent success probability and a bounded loop."""
    anc = qubit()
    tries = 0
    for _ in range(max_tries):
        tries += 1
        ry(2 * math.asin(math.sqrt(0.3)), anc)
        ok = mz(anc)
        reset(anc)
        if ok:
            return tries, True
    return tries, False


def test_bounded_repeat_until_success_with_early_return():
    res = rus_rotation.run(4, shots=20_000, seed=9)
    counts = res.counts()
    probs = [0.3 * 0.7**k for k in range(4)] + [0.7**4]
    keys = [(k + 1, True) for k in range(4)] + [(4, False)]
    assert set(counts) <= set(keys)
    observed = [counts.get(k, 0) for k in keys]
    assert stats.chisquare(observed, np.array(probs) * 20_000).pvalue > SIGNIFICANCE


@hr.kernel
def active_reset(rounds: int) -> list[bool]:
    q = qubit()
    seen = [False] * 8
    for r in range(rounds):
        x(q)
        rx(0.4 * r, q)
        seen[r] = mz(q)
        if seen[r]:        # feedback: flip back to |0> and reuse the qubit
            x(q)
    return seen


def test_active_reset_reuses_a_qubit_from_zero_each_round():
    res = active_reset.run(8, shots=20_000, seed=2)
    outs = np.array(res.values)
    for r in range(8):
        p1 = math.cos(0.2 * r) ** 2  # x then rx(0.4 r) on |0>
        assert stats.binomtest(int(outs[:, r].sum()), len(outs), p1).pvalue > SIGNIFICANCE
    # rounds are independent because the qubit restarts from |0> each time
    table = np.zeros((2, 2))
    for a, b in zip(outs[:, 3], outs[:, 4]):
        table[int(a), int(b)] += 1
    assert stats.chi2_contingency(table).pvalue > SIGNIFICANCE


@hr.kernel
def parity(bits: list[bool]) -> tuple[int, list[bool]]:
    q = qubits(6)
    for i in range(len(bits)):
        if bits[i]:
            x(q[i])
    measured = mz(q)
    p = 0
    for i in range(len(measured)):
        p = (p + int(measured[i])) % 2
    return p, measured


@pytest.mark.parametrize("bits", [[False] * 6, [True, False, True, True, False, False], [True] * 6])
def test_parity_by_integer_arithmetic_is_exact(bits):
    res = parity.run(bits, shots=50, seed=1)
    assert res.counts() == {(sum(bits) % 2, tuple(bits)): 50}


@hr.kernel
def random_parity() -> tuple[int, list[bool]]:
    q = qubits(5)
    h(q)
    ccx(q[0], q[1], q[2])
    m = mz(q)
    p = 0
    k = 0
    while k < 5:
        if m[k]:
            p ^= 1
        k += 1
    return p, m


def test_parity_of_random_outcomes_matches_the_returned_bits():
    res = random_parity.run(shots=5000, seed=4)
    for p, m in res.values:
        assert p == sum(m) % 2
    assert len(res.counts()) == 32  # every outcome of 5 uniformly random bits appears


@hr.kernel
def return_from_nested_loops() -> int:
    a = qubit()
    i = 0
    while i < 3:
        j = 0
        while j < 3:
            h(a)
            if mz(a):
                return i * 10 + j  # leaves both loops
            j += 1
        i += 1
    return -1


def test_a_return_from_nested_loops_ends_the_shot_at_the_first_one():
    expected = {10 * i + j: 0.5 ** (3 * i + j + 1) for i in range(3) for j in range(3)} | {-1: 0.5**9}
    assert dict(return_from_nested_loops.distribution()) == pytest.approx(expected, abs=1e-12)
