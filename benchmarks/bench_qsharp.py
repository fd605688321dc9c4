"""The dot product by iterative phase estimation, a Q# program, at 10,000 shots: hybridrt vs QDK's simulators.

The program is ``tests/qsharp/samples.py``'s ``DOT_PRODUCT`` (integrated hybrid: one control qubit
measured and reset each round, a feedback ``R1`` angle computed in doubles from the bits measured so far,
4 bits), and the same with 6 bits (``dot6``: 63 controlled rotations per shot instead of 15).

Implementations, each timed as the whole user-visible call on the same Q# source:

- ``hybridrt``: ``hr.from_qsharp(source).run(shots=10_000, seed=...)`` (qdk's QIR loaded once, untimed),
  with the default strategy (shots split between measurement outcomes) and ``strategy="trajectories"``
  (shot by shot, as QDK's simulators run);
- ``qsharp.run``: ``qdk.Context().run("Main()", 10_000, seed=...)``, qdk's interpreter (source evaluated
  untimed);
- ``qdk run_qir``: ``qdk.simulation.run_qir(qir, shots=10_000, seed=..., type="cpu")`` on the very QIR text
  hybridrt loads (Adaptive_RIF, compiled untimed).

Correctness: the mean angle estimate and the frequency of the most likely phase reading must lie
within 5 standard deviations (10,000 shots) of their exact values from ``k.distribution()``, for every
implementation.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import record

import hybridrt as hr

qdk = pytest.importorskip("qdk")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.qsharp.samples import DOT_PRODUCT

SHOTS = 10_000
SEED = 7
SOURCES = {"dot4": DOT_PRODUCT, "dot6": DOT_PRODUCT.replace("let bits = 4;", "let bits = 6;")}


@cache
def program(name: str) -> tuple[hr.Kernel, str, int, np.ndarray, np.ndarray]:
    """The kernel, its QIR text, its most likely phase reading, and the exact mean and variance of
    (angle, reading == most likely) per shot."""
    from hybridrt.qsharp.session import Source, compile_qir

    qir = compile_qir(Source((("<dot product>", SOURCES[name]),)), "Main()", ("adaptive_rif",))
    k = hr.from_qir(qir)
    dist = k.distribution()
    best = max(dist, key=dist.__getitem__)[0]
    probs = np.array(list(dist.values()))
    stats = np.array([(angle, float(bits == best)) for bits, angle in dist])
    mean = probs @ stats
    return k, qir, best, mean, probs @ (stats - mean) ** 2


def check(name: str, values: list[Any], what: str) -> dict[str, float]:
    _, _, best, mean, var = program(name)
    assert len(values) == SHOTS
    got = np.array([(float(angle), float(bits == best)) for bits, angle in values]).mean(axis=0)
    tol = 5 * np.sqrt(var / SHOTS) + 1e-12
    for label, g, m, t in zip(("mean angle", "best reading"), got, mean, tol):
        assert abs(g - m) <= t, f"{what} {name}: {label} {g:.4f}, exact {m:.4f} ± {t:.4f}"
    return {"mean_angle": float(got[0]), "best_reading_frequency": float(got[1])}


def _pedantic(benchmark: Any, name: str, fn: Any, rounds: int = 3) -> Any:
    benchmark.group = f"qsharp-{name}-10k"
    return benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=1 if rounds > 1 else 0)


@pytest.mark.parametrize("strategy", ["branching", "trajectories"])
@pytest.mark.parametrize("name", SOURCES)
def test_hybridrt(benchmark: Any, name: str, strategy: str) -> None:
    k = hr.from_qsharp(SOURCES[name])
    res = _pedantic(benchmark, name, lambda: k.run(shots=SHOTS, seed=SEED, strategy=strategy))
    record(benchmark, "hybridrt" if strategy == "branching" else "hybridrt trajectories", 1, "run")
    benchmark.extra_info.update(check(name, res.values, f"hybridrt {strategy}"))


def _value(v: Any) -> Any:
    return tuple(_value(x) for x in v) if isinstance(v, (list, tuple)) else v


@pytest.mark.parametrize("name", SOURCES)
def test_qsharp_run(benchmark: Any, name: str) -> None:
    ctx = qdk.Context()
    ctx.eval(SOURCES[name])
    out = _pedantic(benchmark, name, lambda: ctx.run("Main()", SHOTS, seed=SEED), rounds=2)
    record(benchmark, "qsharp.run", 1, "run")
    benchmark.extra_info.update(check(name, [_value(v) for v in out], "qsharp.run"))


@pytest.mark.parametrize("name", SOURCES)
def test_run_qir(benchmark: Any, name: str) -> None:
    from qdk import simulation

    qir = program(name)[1]
    out = _pedantic(benchmark, name, lambda: simulation.run_qir(qir, shots=SHOTS, seed=SEED, type="cpu"))
    record(benchmark, "qdk run_qir cpu", 1, "run")
    benchmark.extra_info.update(check(name, [_value(v) for v in out], "qdk run_qir"))
