"""Random layered circuits, whole circuit at 1,000 shots: hybridrt vs Qiskit Aer's statevector method.

(a) ``layered``: ``LAYERS`` layers, each a random ``u(θ, φ, λ)`` on every qubit then a brick of cx
(pairs (0,1), (2,3), ... in even layers, (1,2), (3,4), ... in odd ones), all qubits measured at the
end.  hybridrt runs the gates once and samples the 1,000 shots from the final state; Aer
(``method="statevector"``, fusion on: its default) does the same.

(b) ``midcircuit``: 20 qubits, ``MID_LAYERS`` layers, a measurement of qubit 0, an ``x`` on qubit 1
if it read 1, ``MID_LAYERS`` more layers, all qubits measured.  hybridrt's default strategy splits
the shots between the two outcomes (one state copy); Aer runs it with and without
``shot_branching_enable`` (without it Aer simulates every shot from the start).

Both sides get the same gate list.  Nothing is compiled in a timed region: hybridrt's kernel is
compiled (frontend, bytecode) and its engine warmed up on a small kernel first, and the circuits use
only Aer-native gates.  The largest sizes run one round without a warm-up round, to keep the whole
file to about two minutes.  Sizes: ``HYBRIDRT_BENCH_QUBITS=20,22,24,26`` (default 20,22,24; 26 qubits
is 1 GiB per state and adds about three minutes on a 2-core machine: hybridrt, Aer and the reference
run take about 50 s each).  Aer's shots in (b): see ``MID_AER_SHOTS``.

Correctness: an untimed reference run of Aer saves the exact final statevector(s).  Each sampler's
shots must then give the right linear cross-entropy, mean over shots of ``2^n p(x)`` (4 to 9 for
these circuits, 1 for samples unrelated to the state), within 5 standard deviations of its exact
expectation; for (b) also the frequency of the mid-circuit outcome, and the cross-entropy uses the
state of each shot's own branch.
"""

from __future__ import annotations

import functools
import math
import os
from typing import Any

import numpy as np
import pytest
from conftest import load_kernel, record

qiskit = pytest.importorskip("qiskit")
AerSimulator = pytest.importorskip("qiskit_aer").AerSimulator

SHOTS = 1000
SEED = 11
LAYERS = 10
SIZES = tuple(int(n) for n in os.environ.get("HYBRIDRT_BENCH_QUBITS", "20,22,24").split(","))
ROUNDS = {20: 3, 22: 2, 24: 1, 26: 1}
MID_QUBITS = 20
MID_LAYERS = 5
MID_ROUNDS = {"hybridrt": 3, "aer statevector": 1, "aer statevector shot_branching": 1}
# Aer's shots for (b): without shot branching Aer simulates every shot from the start (about 1 s per
# shot here: its time is linear in shots), and with it Aer also branches on each final measurement
# (about 0.2 s per shot here), so by default Aer runs fewer shots.  HYBRIDRT_BENCH_AER_SHOTS=1000,1000
# gives both Aer cases 1,000 (about 15 and 3 minutes on a 2-core machine).
MID_AER_SHOTS = dict(zip((False, True), map(int, os.environ.get("HYBRIDRT_BENCH_AER_SHOTS", "20,100").split(","))))

Op = tuple[str, tuple[int, ...], tuple[float, ...]]


def layers(n: int, count: int, rng: np.random.Generator, start: int = 0) -> list[Op]:
    ops: list[Op] = []
    for layer in range(start, start + count):
        for q in range(n):
            ops.append(("u", (q,), tuple(float(a) for a in rng.uniform(0, 2 * math.pi, 3))))
        for q in range(layer % 2, n - 1, 2):
            ops.append(("cx", (q, q + 1), ()))
    return ops


@functools.cache
def layered_ops(n: int) -> list[Op]:
    return layers(n, LAYERS, np.random.default_rng(1000 + n))


@functools.cache
def mid_ops() -> tuple[list[Op], list[Op]]:
    """The gates before and after the mid-circuit measurement."""
    rng = np.random.default_rng(77)
    return layers(MID_QUBITS, MID_LAYERS, rng), layers(MID_QUBITS, MID_LAYERS, rng, start=MID_LAYERS)


def _lines(ops: list[Op]) -> list[str]:
    return [f"    {g}({', '.join([*map(repr, params), *(f'q[{x}]' for x in qs)])})" for g, qs, params in ops]


def layered_source(n: int) -> str:
    return "\n".join(["import hybridrt as hr", "from hybridrt import qubits, u, cx, mz", "", "@hr.kernel",
                      f"def layered{n}() -> list[bool]:", f"    q = qubits({n})", *_lines(layered_ops(n)),
                      "    return mz(q)", ""])


def mid_source() -> str:
    before, after = mid_ops()
    return "\n".join(["import hybridrt as hr", "from hybridrt import qubits, u, cx, x, mz", "", "@hr.kernel",
                      "def midcircuit() -> tuple[bool, list[bool]]:", f"    q = qubits({MID_QUBITS})",
                      *_lines(before), "    m = mz(q[0])", "    if m:", "        x(q[1])", *_lines(after),
                      "    return m, mz(q)", ""])


def _apply(qc: Any, ops: list[Op]) -> None:
    for g, qs, params in ops:
        getattr(qc, g)(*params, *qs)


def layered_circuit(n: int, save_state: bool = False) -> Any:
    qc = qiskit.QuantumCircuit(n)
    _apply(qc, layered_ops(n))
    if save_state:
        qc.save_statevector()
    else:
        qc.measure_all()
    return qc


def mid_circuit() -> Any:
    """Clbit ``m``: the mid-circuit outcome; register ``meas``: the final measurement."""
    before, after = mid_ops()
    m = qiskit.ClassicalRegister(1, "m")
    meas = qiskit.ClassicalRegister(MID_QUBITS, "meas")
    qc = qiskit.QuantumCircuit(qiskit.QuantumRegister(MID_QUBITS, "q"), m, meas)
    _apply(qc, before)
    qc.measure(0, m[0])
    with qc.if_test((m[0], 1)):
        qc.x(1)
    _apply(qc, after)
    qc.measure(range(MID_QUBITS), meas)
    return qc


# ---------------------------------------------------------------- correctness checks


def _index(bits: np.ndarray) -> np.ndarray:
    """Rows of booleans (qubit 0 first) -> basis-state indices (qubit i is bit i)."""
    return (bits.astype(np.int64) << np.arange(bits.shape[1], dtype=np.int64)).sum(axis=1)


def _aer_indices(counts: dict[str, int], register: int = 0) -> np.ndarray:
    """Aer counts -> one basis-state index per shot; ``register`` picks a space-separated field from the right."""
    keys = [int(k.split()[-1 - register], 2) for k in counts]
    return np.repeat(keys, list(counts.values()))


def check_xeb(probs: list[np.ndarray], weights: list[float], branch: np.ndarray, idx: np.ndarray, what: str) -> float:
    """Linear cross-entropy of samples ``idx`` (shot s drawn from ``probs[branch[s]]``), checked to 5 sigma."""
    dim = probs[0].shape[0]
    xs = np.array([dim * probs[b][i] for b, i in zip(branch, idx)])
    # the expectation and per-shot variance of dim*p(x) when x ~ p, mixed over the branches
    mean = sum(w * dim * float(np.dot(p, p)) for w, p in zip(weights, probs))
    second = sum(w * dim**2 * float(np.dot(p, p * p)) for w, p in zip(weights, probs))
    sd = math.sqrt((second - mean**2) / len(idx))
    assert abs(xs.mean() - mean) < 5 * sd, f"{what}: cross-entropy {xs.mean():.3f}, expected {mean:.3f} ± {5 * sd:.3f}"
    assert mean > 1.5, mean  # the check can tell the right distribution from a uniform one (1.0)
    return float(xs.mean())


@functools.cache
def layered_probs(n: int) -> np.ndarray:
    sim = AerSimulator(method="statevector")
    sv = sim.run(layered_circuit(n, save_state=True), shots=1).result().get_statevector()
    return np.abs(np.asarray(sv)) ** 2


@functools.cache
def mid_reference() -> tuple[float, list[np.ndarray]]:
    """P(mid outcome = 1) and the final probabilities of the 0 and 1 branches (three 1-shot Aer runs)."""
    before, after = mid_ops()
    sim = AerSimulator(method="statevector")
    qc = qiskit.QuantumCircuit(MID_QUBITS)
    _apply(qc, before)
    qc.save_statevector()
    psi = np.asarray(sim.run(qc, shots=1).result().get_statevector())
    one = (np.arange(psi.shape[0]) & 1).astype(bool)  # qubit 0 reads 1
    p1 = float(np.sum(np.abs(psi[one]) ** 2))
    probs = []
    for outcome, p in ((0, 1 - p1), (1, p1)):
        branch = np.where(one == bool(outcome), psi, 0) / math.sqrt(p)
        qc = qiskit.QuantumCircuit(MID_QUBITS)
        qc.set_statevector(branch)
        if outcome:
            qc.x(1)
        _apply(qc, after)
        qc.save_statevector()
        probs.append(np.abs(np.asarray(sim.run(qc, shots=1).result().get_statevector())) ** 2)
    return p1, probs


# ---------------------------------------------------------------- benchmarks


@pytest.fixture(scope="module")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> dict[Any, Any]:
    d = tmp_path_factory.mktemp("circuits")
    ks: dict[Any, Any] = {n: load_kernel(layered_source(n), f"layered{n}", d) for n in SIZES}
    ks["mid"] = load_kernel(mid_source(), "midcircuit", d)
    small = load_kernel(layered_source(4).replace("layered4", "warm4"), "warm4", d)
    small.run(shots=10, seed=1)  # Numba engine warm (u, cx, terminal sampling)
    for k in ks.values():
        k.compile()  # frontend and assembler, outside the timed region
    return ks


def _pedantic(benchmark: Any, fn: Any, rounds: int) -> Any:
    return benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=0 if rounds == 1 else 1)


@pytest.mark.parametrize("n", SIZES)
def test_layered_hybridrt(benchmark: Any, kernels: dict[Any, Any], n: int) -> None:
    benchmark.group = f"layered-{n}q"
    k = kernels[n]
    res = _pedantic(benchmark, lambda: k.run(shots=SHOTS, seed=SEED), ROUNDS[n])
    record(benchmark, "hybridrt", 1, "run")
    idx = _index(res.outputs[0])
    benchmark.extra_info["xeb"] = check_xeb([layered_probs(n)], [1.0], np.zeros(SHOTS, int), idx, f"hybridrt {n}q")


@pytest.mark.parametrize("n", SIZES)
def test_layered_aer(benchmark: Any, n: int) -> None:
    benchmark.group = f"layered-{n}q"
    qc = layered_circuit(n)
    sim = AerSimulator(method="statevector")
    res = _pedantic(benchmark, lambda: sim.run(qc, shots=SHOTS, seed_simulator=SEED).result(), ROUNDS[n])
    record(benchmark, "aer statevector (fusion on)", 1, "run")
    meta = res.results[0].metadata
    benchmark.extra_info.update(aer_time_taken_s=res.results[0].time_taken, aer_fusion=meta["fusion"])
    idx = _aer_indices(res.get_counts())
    benchmark.extra_info["xeb"] = check_xeb([layered_probs(n)], [1.0], np.zeros(SHOTS, int), idx, f"aer {n}q")


def check_mid(m: np.ndarray, idx: np.ndarray, what: str) -> float:
    p1, probs = mid_reference()
    sd = math.sqrt(p1 * (1 - p1) / len(m))
    assert abs(m.mean() - p1) < 5 * sd, f"{what}: P(m=1) {m.mean():.3f}, expected {p1:.3f}"
    return check_xeb(probs, [1 - p1, p1], m.astype(int), idx, what)


def test_midcircuit_hybridrt(benchmark: Any, kernels: dict[Any, Any]) -> None:
    benchmark.group = f"midcircuit-{MID_QUBITS}q"
    k = kernels["mid"]
    res = _pedantic(benchmark, lambda: k.run(shots=SHOTS, seed=SEED), MID_ROUNDS["hybridrt"])
    record(benchmark, "hybridrt", 1, "run")
    benchmark.extra_info["xeb"] = check_mid(res.outputs[0], _index(res.outputs[1]), "hybridrt midcircuit")


@pytest.mark.parametrize("branching", [False, True], ids=["statevector", "shot_branching"])
def test_midcircuit_aer(benchmark: Any, branching: bool) -> None:
    """Without shot branching Aer's time is linear in shots: reported per 1,000 shots (scaled if fewer ran).
    With it, the time of the shots that ran, unscaled (when fewer than 1,000, the ratio flatters Aer)."""
    benchmark.group = f"midcircuit-{MID_QUBITS}q"
    shots = MID_AER_SHOTS[branching]
    impl = "aer statevector shot_branching" if branching else "aer statevector"
    qc = mid_circuit()
    sim = AerSimulator(method="statevector", shot_branching_enable=branching)
    res = _pedantic(benchmark, lambda: sim.run(qc, shots=shots, seed_simulator=SEED).result(), MID_ROUNDS[impl])
    if shots != SHOTS:
        impl += f" ({shots} shots{'' if branching else f', time x{SHOTS // shots}'})"
    record(benchmark, impl, 1 if branching else shots / SHOTS, "run")
    meta = res.results[0].metadata
    benchmark.extra_info.update(shots=shots, aer_time_taken_s=res.results[0].time_taken,
                                aer_shot_branching=bool(meta.get("shot_branching_enabled")))
    counts = res.get_counts()  # keys "meas m"
    m = np.repeat([int(k.split()[1]) for k in counts], list(counts.values()))
    benchmark.extra_info["xeb"] = check_mid(m, _aer_indices(counts, register=1), impl)
