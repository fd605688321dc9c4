"""Integrated-hybrid Q# samples run on the engine with the distribution qsharp.run gives them."""

from __future__ import annotations

import math

import pytest

import hybridrt as hr

from .samples import SAMPLES
from .util import SIGNIFICANCE, fits, key, keyed

SHOTS = 4000


def qsharp_run(source: str, shots: int, seed: int) -> list:
    """qdk's own simulator on ``source`` (a private interpreter: qdk's global one is left alone)."""
    import qdk

    ctx = qdk.Context()
    ctx.eval(source)
    return [key(v) for v in ctx.run("Main()", shots, seed=seed)]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_agrees_with_qsharp_run(name: str) -> None:
    kernel = hr.from_qsharp(SAMPLES[name])
    exact = keyed(kernel.distribution(cutoff=1e-12))
    assert abs(sum(exact.values()) - 1) < 1e-9
    theirs = qsharp_run(SAMPLES[name], SHOTS, seed=17)
    ours = [key(v) for v in kernel.run(shots=SHOTS, seed=17).values]
    assert fits(exact, theirs) >= SIGNIFICANCE, "qsharp.run disagrees with the engine's exact distribution"
    assert fits(exact, ours) >= SIGNIFICANCE, "the engine's samples disagree with its exact distribution"


def test_dot_product_sample_estimates_the_dot_product() -> None:
    """The most likely phase reading gives cos(1.1 - 0.3) to within the 4-bit resolution."""
    d = hr.from_qsharp(SAMPLES["dot_product"]).distribution()
    (bits, angle), p = max(d.items(), key=lambda kv: kv[1])
    assert bits == 12 and p > 0.95
    assert abs(abs(math.cos(angle)) - math.cos(1.1 - 0.3)) < 0.02


def test_teleportation_sample_delivers_the_state() -> None:
    d = hr.from_qsharp(SAMPLES["teleportation"]).distribution()
    assert {k[2] for k in d} == {False}
    assert all(abs(p - 0.25) < 1e-10 for p in d.values())
