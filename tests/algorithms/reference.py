"""Independent references for the phase-estimation tests: outcome distributions computed with NumPy, a chi-square test."""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import product

import numpy as np
from scipy.stats import binom, chi2

ALPHA = 1e-4  # chi-square p-values below this reject


def qpe_textbook(phase: float, bits: int) -> np.ndarray:
    """P(x) of textbook phase estimation with ``bits`` bits: |Σ_k e^{2πik(phase - x/2^bits)}|² / 4^bits."""
    n = 2**bits
    k = np.arange(n)
    return np.array([abs(np.exp(2j * np.pi * k * (phase - x / n)).sum()) ** 2 / n**2 for x in range(n)])


def ipe_reference(phase: float, bits: int, votes: int = 1) -> np.ndarray:
    """P(x) of iterative phase estimation, bit r of x decided by the majority of ``votes`` measurements.

    Round r uses U^(2^(bits-1-r)) and removes the r bits known: P(1) = sin²(π(2^(bits-1-r)·phase - x_r/2^(r+1))).
    """
    probs = np.zeros(2**bits)
    for path in product((0, 1), repeat=bits):
        p, x = 1.0, 0
        for r, bit in enumerate(path):
            one = math.sin(math.pi * (2 ** (bits - 1 - r) * phase - x / 2 ** (r + 1))) ** 2
            majority = binom.sf(votes // 2, votes, one)  # P(more than votes/2 ones)
            p *= majority if bit else 1 - majority
            x |= bit << r
        probs[x] += p
    return probs


def random_walk_reference(phase: float, steps: Iterable[tuple[int, float]], mean: float) -> dict[float, float]:
    """P(final mean) of the random walk: each step (M, step) measures 1 with probability
    (1 - cos(M(φ - mu) + π/2))/2 for φ = 2π·phase, then moves mu by +step (1) or -step (0); means in turns."""
    phi = 2 * math.pi * phase
    walks = {2 * math.pi * mean: 1.0}
    for m, step in steps:
        nxt: dict[float, float] = {}
        for mu, p in walks.items():
            one = (1 - math.cos(m * (phi - mu) + math.pi / 2)) / 2
            nxt[mu + step] = nxt.get(mu + step, 0.0) + p * one
            nxt[mu - step] = nxt.get(mu - step, 0.0) + p * (1 - one)
        walks = nxt
    return {mu / (2 * math.pi): p for mu, p in walks.items()}


def chi2_gof(counts: dict[object, int], probs: dict[object, float]) -> float:
    """p-value of a chi-square goodness-of-fit test of ``counts`` against ``probs`` (bins expecting < 5 pooled)."""
    n = sum(counts.values())
    assert set(counts) <= {k for k, p in probs.items() if p > 0}, f"impossible outcomes {set(counts) - set(probs)}"
    stat, bins, pooled_o, pooled_e = 0.0, 0, 0, 0.0
    for k, p in probs.items():
        o, e = counts.get(k, 0), n * p
        if e >= 5:
            stat += (o - e) ** 2 / e
            bins += 1
        else:
            pooled_o += o
            pooled_e += e
    if pooled_e > 0:
        stat += (pooled_o - pooled_e) ** 2 / pooled_e
        bins += 1
    return float(chi2.sf(stat, bins - 1)) if bins > 1 else 1.0
