"""Phase estimation at 10,000 shots: hybridrt vs Qiskit Aer, ``qdk.simulation.run_qir`` and ``qirrunner``.

Programs, both from ``hybridrt.algorithms.phase_estimation`` for the eigenphase ``PHI`` (the golden
ratio's fraction, no exact 8-bit estimate) of ``p(2π·PHI)`` on its eigenstate |1>:

- ``ipe8``: ``iterative_kernel(bits=8)``, the integer-only variant (one ``rz`` per earlier bit,
  guarded by a branch on it): QIR Adaptive_RI;
- ``rwpe24``: ``random_walk_kernel(iterations=24)``, the posterior mean updated with floats in
  the kernel: QIR Adaptive_RIF.

Implementations, each timed as the whole user-visible call:

- ``hybridrt``: ``k.run(shots=10_000, seed=...)``;
- ``aer default`` / ``aer statevector shot_branching``: ``AerSimulator()`` and
  ``AerSimulator(method="statevector", shot_branching_enable=True)`` on a Qiskit dynamic circuit.
  IPE is ``bench_adaptive.py``'s circuit (one ``if_test``-guarded ``rz`` per earlier bit).  The random
  walk as written (a float ``mu`` computed from outcomes) cannot be expressed: Aer's classical
  expressions have no floats.  Its steps are fixed, though, so ``mu`` is linear in the outcomes and
  the rotation can be unrolled into one ``if_test``-guarded ``rz`` per earlier outcome (276 for 24
  iterations), with ``mu`` computed afterwards from the bits: that equivalent circuit is timed;
- ``qdk run_qir``: ``qdk.simulation.run_qir(text, shots=10_000, seed=..., type="cpu")``;
- ``qirrunner``: ``qirrunner.run(path, shots=10_000, rng_seed=...)`` on the ``.ll`` file, its
  labelled output collected by a ``qirrunner.OutputHandler``.

The QIR text comes from ``k.to_qir(profile=...)`` outside the timed region.

Correctness: per program two statistics of the per-shot estimate, within 5 standard deviations
(10,000 shots) of their exact values, for every implementation: IPE, the mean estimate and the
frequency of the best estimate, exact from ``k.distribution()``; random walk, the mean signed error
(turns, wrapped) and the fraction of shots within 3 final posterior widths of ``PHI``, exact from an
enumeration of all 2^24 outcome sequences in NumPy.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bench_adaptive import _ipe_values, ipe_circuit
from conftest import record

import hybridrt as hr
from hybridrt import p, x
from hybridrt.algorithms import phase_estimation as pe

qiskit = pytest.importorskip("qiskit")
AerSimulator = pytest.importorskip("qiskit_aer").AerSimulator

SHOTS = 10_000
SEED = 7
ROUNDS = 3
PHI = 0.6180339887498949
BITS = 8
ITERATIONS = 24
STEPS, FINAL = pe.random_walk_schedule(ITERATIONS)
MEAN = 0.5  # the random walk's prior mean (turns), random_walk_kernel's default


@hr.kernel
def unitary(q) -> None:  # type: ignore[no-untyped-def]
    p(2 * math.pi * PHI, q)


@hr.kernel
def eigenstate(q) -> None:  # type: ignore[no-untyped-def]
    x(q)


def rwpe_circuit() -> Any:
    """The random walk with mu = mu0 + Σ ±step unrolled: rz(π/2 - M·mu) = rz(π/2 - M·(mu0 - Σ step)) times one
    rz(-2·M·step_i) per earlier outcome i that was 1."""
    c = qiskit.ClassicalRegister(ITERATIONS, "c")
    qc = qiskit.QuantumCircuit(qiskit.QuantumRegister(2, "q"), c)
    qc.x(1)
    mu0 = 2 * math.pi * MEAN
    for j, s in enumerate(STEPS):
        qc.h(0)
        qc.rz(math.pi / 2 - s.power * (mu0 - sum(t.step for t in STEPS[:j])), 0)
        for i in range(j):
            with qc.if_test((c[i], 1)):
                qc.rz(-2 * s.power * STEPS[i].step, 0)
        qc.cp(2 * math.pi * PHI * s.power, 0, 1)
        qc.h(0)
        qc.measure(0, c[j])
        qc.reset(0)
    return qc


def _rwpe_values(counts: dict[str, int]) -> list[Any]:
    """Aer's keys (bit i = outcome of iteration i, from the right) -> (phase, width) as the kernel returns them."""
    steps = np.array([s.step for s in STEPS])

    def value(key: str) -> tuple[float, float]:
        bits = np.array([key[-1 - i] == "1" for i in range(ITERATIONS)])
        mu = 2 * math.pi * MEAN + float(np.where(bits, steps, -steps).sum())
        return mu / (2 * math.pi), FINAL / (2 * math.pi)

    return [value(k) for k, c in counts.items() for _ in range(c)]


def _wrapped(d: np.ndarray) -> np.ndarray:
    return (d + 0.5) % 1.0 - 0.5


def _ipe_stats(v: np.ndarray) -> np.ndarray:
    return np.stack([v / 2**BITS, (v == round(PHI * 2**BITS) % 2**BITS).astype(float)])


def _rwpe_stats(phase: np.ndarray) -> np.ndarray:
    err = _wrapped(phase - PHI)
    return np.stack([err, (np.abs(err) <= 3 * FINAL / (2 * math.pi)).astype(float)])


def _rwpe_exact() -> tuple[np.ndarray, np.ndarray]:
    """Every outcome sequence's final mean (turns) and probability: P(1) = (1 - cos(M(φ - mu) + π/2))/2."""
    phi = 2 * math.pi * PHI
    mu, prob = np.array([2 * math.pi * MEAN]), np.array([1.0])
    for s in STEPS:
        one = (1 - np.cos(s.power * (phi - mu) + math.pi / 2)) / 2
        mu = np.concatenate([mu + s.step, mu - s.step])
        prob = np.concatenate([prob * one, prob * (1 - one)])
    return mu / (2 * math.pi), prob


PROGRAMS: dict[str, dict[str, Any]] = {
    "ipe8": {
        "kernel": pe.iterative_kernel(unitary, eigenstate, bits=BITS), "profile": "adaptive_ri",
        "aer": functools.partial(ipe_circuit, BITS, PHI), "aer_values": _ipe_values,
        "stats": lambda values: _ipe_stats(np.array(values, dtype=float)),
        "names": ["mean estimate", "P(best estimate)"],
    },
    "rwpe24": {
        "kernel": pe.random_walk_kernel(unitary, eigenstate, iterations=ITERATIONS), "profile": "adaptive_rif",
        "aer": rwpe_circuit, "aer_values": _rwpe_values,
        "stats": lambda values: _rwpe_stats(np.array([v[0] for v in values])),
        "names": ["mean signed error", "P(within 3 widths)"],
    },
}
AER_CONFIGS = {"default": {}, "statevector shot_branching": {"method": "statevector", "shot_branching_enable": True}}


@functools.cache
def exact_moments(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each statistic under the exact output distribution."""
    if name == "rwpe24":
        phase, probs = _rwpe_exact()
        stats = _rwpe_stats(phase)
    else:
        dist = PROGRAMS[name]["kernel"].distribution(cutoff=0.0)
        probs = np.array(list(dist.values()))
        stats = _ipe_stats(np.array(list(dist.keys()), dtype=float))
    mean = stats @ probs
    return mean, ((stats - mean[:, None]) ** 2) @ probs


def check(name: str, values: list[Any], what: str) -> dict[str, float]:
    prog = PROGRAMS[name]
    assert len(values) == SHOTS
    got = prog["stats"](values).mean(axis=1)
    mean, var = exact_moments(name)
    tol = 5 * np.sqrt(var / SHOTS) + 1e-12
    for label, g, m, t in zip(prog["names"], got, mean, tol):
        assert abs(g - m) <= t, f"{what} {name}: {label} {g:.6f}, exact {m:.6f} ± {t:.6f}"
    return dict(zip(prog["names"], map(float, got)))


def _pedantic(benchmark: Any, name: str, fn: Callable[[], Any]) -> Any:
    benchmark.group = f"pe-{name}-10k"
    return benchmark.pedantic(fn, rounds=ROUNDS, iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("name", PROGRAMS)
def test_hybridrt(benchmark: Any, name: str) -> None:
    k = PROGRAMS[name]["kernel"]
    res = _pedantic(benchmark, name, lambda: k.run(shots=SHOTS, seed=SEED))
    record(benchmark, "hybridrt", 1, "run")
    benchmark.extra_info.update(check(name, res.values, "hybridrt"))


@pytest.mark.parametrize("config", AER_CONFIGS)
@pytest.mark.parametrize("name", PROGRAMS)
def test_aer(benchmark: Any, name: str, config: str) -> None:
    prog = PROGRAMS[name]
    qc = prog["aer"]()
    sim = AerSimulator(**AER_CONFIGS[config])
    res = _pedantic(benchmark, name, lambda: sim.run(qc, shots=SHOTS, seed_simulator=SEED).result())
    record(benchmark, f"aer {config}" + (" (unrolled if_tests)" if name == "rwpe24" else ""), 1, "run")
    benchmark.extra_info.update(aer_method=res.results[0].metadata["method"], aer_time_taken_s=res.results[0].time_taken)
    benchmark.extra_info.update(check(name, prog["aer_values"](res.get_counts()), f"aer {config}"))


@pytest.mark.parametrize("name", PROGRAMS)
def test_qdk(benchmark: Any, name: str) -> None:
    simulation = pytest.importorskip("qdk.simulation")
    prog = PROGRAMS[name]
    text = str(prog["kernel"].to_qir(profile=prog["profile"]))
    out = _pedantic(benchmark, name, lambda: simulation.run_qir(text, shots=SHOTS, seed=SEED, type="cpu"))
    record(benchmark, "qdk run_qir cpu", 1, "run")
    benchmark.extra_info.update(check(name, list(out), "qdk run_qir"))


def _qirrunner_values(output: str) -> list[Any]:
    """qirrunner's labelled output -> one value per shot: an int, or a tuple of doubles."""
    values: list[Any] = []
    for shot in output.split("START")[1:]:
        fields = [line.split("\t") for line in shot.splitlines() if line.startswith("OUTPUT\t")]
        items = [int(f[2]) if f[1] == "INT" else float(f[2]) for f in fields if f[1] in ("INT", "DOUBLE")]
        values.append(tuple(items) if fields[0][1] == "TUPLE" else items[0])
    return values


@pytest.mark.parametrize("name", PROGRAMS)
def test_qirrunner(benchmark: Any, name: str, tmp_path: Path) -> None:
    qirrunner = pytest.importorskip("qirrunner")
    prog = PROGRAMS[name]
    path = tmp_path / f"{name}.ll"
    path.write_text(str(prog["kernel"].to_qir(profile=prog["profile"])))

    def run() -> str:
        out = qirrunner.OutputHandler()
        qirrunner.run(str(path), shots=SHOTS, rng_seed=SEED, output_fn=out.handle)
        return out.get_output()

    output = _pedantic(benchmark, name, run)
    record(benchmark, "qirrunner", 1, "run")
    benchmark.extra_info.update(check(name, _qirrunner_values(output), "qirrunner"))
