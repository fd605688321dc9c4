"""Shared checks for the Q# tests: exact distributions of a kernel and of its Q# round trip, chi-square tests."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import chisquare

import hybridrt as hr

from ..qir_targets.test_load import key  # Result -> bool, lists -> tuples, floats to 9 digits

TOL = 1e-10
SIGNIFICANCE = 1e-4  # fixed seeds everywhere: each statistical test is deterministic; p < 1e-4 rejects


def assert_same_distribution(a: dict[Any, float], b: dict[Any, float], tol: float = TOL) -> None:
    keys = set(a) | set(b)
    worst = max(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in keys)
    assert worst <= tol, f"max difference {worst:.3g}\n{dict(a)}\n{dict(b)}"


def round_trip(kernel: hr.Kernel, *args: Any) -> hr.Kernel:
    """``kernel`` written as Q# (with ``args`` bound), compiled back by qdk and loaded as a kernel."""
    return hr.from_qsharp(kernel.to_qsharp(*args), entry=f"{kernel.name}()")


def fits(probabilities: dict[Any, float], samples: list[Any]) -> float:
    """Chi-square goodness-of-fit p-value of ``samples`` against exact ``probabilities`` (cells expecting
    fewer than 5 samples pooled); values never expected count as a failure (p = 0)."""
    n = len(samples)
    counts: dict[Any, int] = {}
    for s in samples:
        counts[s] = counts.get(s, 0) + 1
    if set(counts) - {k for k, p in probabilities.items() if p > 0}:
        return 0.0
    keys = sorted(probabilities, key=lambda k: -probabilities[k])
    obs, exp, rest_o, rest_e = [], [], 0, 0.0
    for k in keys:
        if probabilities[k] * n >= 5:
            obs.append(counts.get(k, 0))
            exp.append(probabilities[k] * n)
        else:
            rest_o += counts.get(k, 0)
            rest_e += probabilities[k] * n
    if rest_e > 0:
        obs.append(rest_o)
        exp.append(rest_e)
    if len(obs) < 2:
        return 1.0
    exp_arr = np.array(exp) * (n / sum(exp))  # the cut-off mass, if any, spread proportionally
    return float(chisquare(obs, exp_arr).pvalue)


def keyed(d: dict[Any, float]) -> dict[Any, float]:
    out: dict[Any, float] = {}
    for k, p in d.items():
        out[key(k)] = out.get(key(k), 0.0) + p
    return out
