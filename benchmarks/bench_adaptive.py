"""Adaptive programs at 10,000 shots: hybridrt vs Qiskit Aer and QDK's ``run_qir``, on the same programs.

Programs (mid-circuit measurement, reset and reuse, feedback computed from earlier outcomes):

- ``rus``: the repeat-until-success kernel of DESIGN.md (from ``bench_rus.py``, with its two Qiskit
  forms);
- ``ipe8``, ``ipe10``: iterative phase estimation of the eigenphase ``PHI`` (not a multiple of
  2^-10) of ``p(2π·PHI)`` on its eigenstate |1>: one ancilla, measured and reset each round, least
  significant bit first, with a feedback ``rz(-π·bits/2^k)`` computed from the bits measured so far;
- ``repcode``: a 3-qubit bit-flip repetition code, 5 rounds of (``rx(ERROR)`` on each data qubit,
  syndrome extraction into 2 ancillas, measured and reset, correction fed back from the syndrome),
  then the data qubits measured; returns the number of rounds with a non-zero syndrome and the bits.

Implementations, each timed as the whole user-visible call:

- ``hybridrt``: ``k.run(shots=10_000, seed=...)`` (default strategy, shot branching);
- ``aer default``: ``AerSimulator()``;
- ``aer statevector shot_branching``: ``AerSimulator(method="statevector", shot_branching_enable=True)``;
- ``qdk run_qir``: ``qdk.simulation.run_qir(str(k.to_qir(profile=...)), shots=10_000, seed=..., type="cpu")``
  with the weakest profile the kernel lowers to (``PROFILES``; QIR text made outside the timed region).

Qiskit forms: the IPE feedback is a chain of ``if_test``s, one per earlier bit, each adding its
share of the angle (Aer's classical expressions have no floats); the repetition code stores each
round's syndrome in its own 2-bit register and conditions the 3 corrections on its value.  Aer
0.18.2 ran both under shot branching as written.  The RUS loop keeps bench_rus.py's workaround: the
``while_loop`` form for Aer's default method, the unrolled ``if_test`` form for shot branching
(which segfaults on the ``while_loop`` form's counter stores).

Correctness: per program, one or two statistics of the per-shot value (RUS: mean iteration count;
IPE: mean estimate and frequency of the most likely estimate; repetition code: mean count of
non-zero syndromes and logical error rate) must lie within 5 standard deviations (10,000 shots) of
their exact values from ``k.distribution()``, for every implementation.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from bench_rus import UNROLL, rus, rus_circuit
from conftest import record

import hybridrt as hr
from hybridrt import cp, cx, h, mz, qubits, reset, rx, rz, x

qiskit = pytest.importorskip("qiskit")
AerSimulator = pytest.importorskip("qiskit_aer").AerSimulator

SHOTS = 10_000
SEED = 7
ROUNDS = 3
PHI = 0.6180339887498949  # golden ratio's fraction: 2^10·PHI = 632.87, no exact 8- or 10-bit estimate
ERROR = 0.3
CODE_ROUNDS = 5


@hr.kernel
def ipe(nbits: int, phi: float) -> int:
    a, t = qubits(2)
    x(t)  # eigenstate of p(θ) with eigenvalue e^{iθ}
    bits = 0
    for k in range(nbits):
        h(a)
        cp(2 * math.pi * phi * 2 ** (nbits - 1 - k), a, t)
        rz(-math.pi * bits / 2**k, a)  # feedback from the k bits measured so far
        h(a)
        if mz(a):
            bits += 1 << k
        reset(a)
    return bits


@hr.kernel
def repcode(error: float, rounds: int) -> tuple[int, list[bool]]:
    d = qubits(3)
    anc = qubits(2)
    fired = 0
    for _ in range(rounds):
        for i in range(3):
            rx(error, d[i])
        cx(d[0], anc[0])
        cx(d[1], anc[0])
        cx(d[1], anc[1])
        cx(d[2], anc[1])
        s0 = mz(anc[0])
        s1 = mz(anc[1])
        reset(anc[0])
        reset(anc[1])
        if s0 and not s1:
            x(d[0])
        elif s0 and s1:
            x(d[1])
        elif s1:
            x(d[2])
        if s0 or s1:
            fired += 1
    return fired, mz(d)


def ipe_circuit(nbits: int, phi: float) -> Any:
    c = qiskit.ClassicalRegister(nbits, "c")
    qc = qiskit.QuantumCircuit(qiskit.QuantumRegister(2, "q"), c)
    qc.x(1)
    for k in range(nbits):
        qc.h(0)
        qc.cp(2 * math.pi * phi * 2 ** (nbits - 1 - k), 0, 1)
        for j in range(k):  # rz(-π·bits/2^k) as one rz per set earlier bit
            with qc.if_test((c[j], 1)):
                qc.rz(-math.pi * 2**j / 2**k, 0)
        qc.h(0)
        qc.measure(0, c[k])
        qc.reset(0)
    return qc


def repcode_circuit(error: float, rounds: int) -> Any:
    d, a = qiskit.QuantumRegister(3, "d"), qiskit.QuantumRegister(2, "a")
    syn = [qiskit.ClassicalRegister(2, f"s{r}") for r in range(rounds)]
    out = qiskit.ClassicalRegister(3, "out")
    qc = qiskit.QuantumCircuit(d, a, *syn, out)
    for r in range(rounds):
        for i in range(3):
            qc.rx(error, d[i])
        qc.cx(d[0], a[0])
        qc.cx(d[1], a[0])
        qc.cx(d[1], a[1])
        qc.cx(d[2], a[1])
        qc.measure(a[0], syn[r][0])
        qc.measure(a[1], syn[r][1])
        qc.reset(a)
        for value, q in ((1, d[0]), (3, d[1]), (2, d[2])):  # syndrome s0 + 2·s1
            with qc.if_test((syn[r], value)):
                qc.x(q)
    qc.measure(d, out)
    return qc


# Per program: kernel arguments, QIR profile, the Qiskit circuit for each Aer configuration, Aer
# counts -> per-shot values shaped like hybridrt's, and the statistics checked.


def _rus_values(counts: dict[str, int], form: str) -> list[Any]:
    if form == "while":  # keys "t n done"
        keys = [(int(k.split()[1], 2), k.split()[0] == "1") for k in counts]
    else:  # keys "t m": m has one set bit, at the iteration that succeeded
        keys = [(int(k.split()[1], 2).bit_length() or UNROLL + 1, k.split()[0] == "1") for k in counts]
    return [v for v, c in zip(keys, counts.values()) for _ in range(c)]


def _ipe_values(counts: dict[str, int]) -> list[Any]:
    return [int(k, 2) for k, c in counts.items() for _ in range(c)]


def _repcode_values(counts: dict[str, int]) -> list[Any]:
    """Keys "out s4 ... s0" -> (rounds with a non-zero syndrome, [d0, d1, d2])."""
    def value(key: str) -> Any:
        out, *syn = key.split()
        return sum(s != "00" for s in syn), [out[-1 - i] == "1" for i in range(3)]

    return [value(k) for k, c in counts.items() for _ in range(c)]


def _ipe_stats(nbits: int) -> Callable[[Any], list[float]]:
    best = round(PHI * 2**nbits) % 2**nbits
    return lambda v: [v / 2**nbits, float(v == best)]


PROGRAMS: dict[str, dict[str, Any]] = {
    "rus": {
        "kernel": rus, "args": (), "profile": "adaptive",
        "aer": {"default": lambda: rus_circuit("while"), "shot_branching": lambda: rus_circuit("unrolled")},
        "values": {"default": lambda c: _rus_values(c, "while"),
                   "shot_branching": lambda c: _rus_values(c, "unrolled")},
        "stats": lambda v: [float(v[0]), float(v[1])], "names": ["mean iterations", "P(t)"],
    },
    **{f"ipe{n}": {
        "kernel": ipe, "args": (n, PHI), "profile": "adaptive_rif",
        "aer": {"default": functools.partial(ipe_circuit, n, PHI)}, "values": {"default": _ipe_values},
        "stats": _ipe_stats(n), "names": ["mean phase", "P(best estimate)"],
    } for n in (8, 10)},
    "repcode": {
        "kernel": repcode, "args": (ERROR, CODE_ROUNDS), "profile": "adaptive_ri",
        "aer": {"default": functools.partial(repcode_circuit, ERROR, CODE_ROUNDS)},
        "values": {"default": _repcode_values},
        "stats": lambda v: [float(v[0]), float(sum(v[1]) >= 2)],
        "names": ["mean non-zero syndromes", "logical error rate"],
    },
}
AER_CONFIGS = {"default": {}, "shot_branching": {"method": "statevector", "shot_branching_enable": True}}


@functools.cache
def exact_moments(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each statistic under the exact output distribution."""
    p = PROGRAMS[name]
    dist = p["kernel"].distribution(*p["args"])
    assert dist.dropped < 1e-9
    values = list(dist.keys())
    probs = np.array(list(dist.values()))
    stats = np.array([p["stats"](v) for v in values])
    mean = probs @ stats
    return mean, probs @ (stats - mean) ** 2


def check(name: str, values: list[Any], what: str) -> dict[str, float]:
    p = PROGRAMS[name]
    assert len(values) == SHOTS
    got = np.array([p["stats"](v) for v in values]).mean(axis=0)
    mean, var = exact_moments(name)
    tol = 5 * np.sqrt(var / SHOTS) + 1e-9  # + the mass the RUS loop's cut-off leaves out (~1e-12)
    for label, g, m, t in zip(p["names"], got, mean, tol):
        assert abs(g - m) <= t, f"{what} {name}: {label} {g:.4f}, exact {m:.4f} ± {t:.4f}"
    return dict(zip(p["names"], map(float, got)))


def _pedantic(benchmark: Any, name: str, fn: Callable[[], Any]) -> Any:
    benchmark.group = f"adaptive-{name}-10k"
    return benchmark.pedantic(fn, rounds=ROUNDS, iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("name", PROGRAMS)
def test_hybridrt(benchmark: Any, name: str) -> None:
    p = PROGRAMS[name]
    k, args = p["kernel"], p["args"]
    res = _pedantic(benchmark, name, lambda: k.run(*args, shots=SHOTS, seed=SEED))
    record(benchmark, "hybridrt", 1, "run")
    benchmark.extra_info.update(check(name, res.values, "hybridrt"))


AER_CASES = [(name, config) for name in PROGRAMS for config in AER_CONFIGS]


@pytest.mark.parametrize(("name", "config"), AER_CASES, ids=[f"{n}-{c}" for n, c in AER_CASES])
def test_aer(benchmark: Any, name: str, config: str) -> None:
    p = PROGRAMS[name]
    form = config if config in p["aer"] else "default"
    qc = p["aer"][form]()
    sim = AerSimulator(**AER_CONFIGS[config])
    res = _pedantic(benchmark, name, lambda: sim.run(qc, shots=SHOTS, seed_simulator=SEED).result())
    record(benchmark, f"aer {config}", 1, "run")
    meta = res.results[0].metadata
    benchmark.extra_info.update(aer_method=meta["method"], aer_shot_branching=bool(meta.get("shot_branching_enabled")),
                                aer_time_taken_s=res.results[0].time_taken)
    benchmark.extra_info.update(check(name, p["values"][form](res.get_counts()), f"aer {config}"))


def _qdk_value(v: Any) -> Any:
    """run_qir's per-shot value -> hybridrt's shape (Result objects -> bool)."""
    if isinstance(v, (list, tuple)):
        return type(v)(_qdk_value(x) for x in v)
    if type(v).__name__ == "Result":
        return str(v).endswith("One")
    return v


@pytest.mark.parametrize("name", PROGRAMS)
def test_qdk(benchmark: Any, name: str) -> None:
    simulation = pytest.importorskip("qdk.simulation")
    p = PROGRAMS[name]
    qir = p["kernel"].to_qir(*p["args"], profile=p["profile"])
    text = str(qir)
    out = _pedantic(benchmark, name, lambda: simulation.run_qir(text, shots=SHOTS, seed=SEED, type="cpu"))
    record(benchmark, "qdk run_qir cpu", 1, "run")
    benchmark.extra_info["qir_profile"] = qir.profile
    benchmark.extra_info.update(check(name, [_qdk_value(v) for v in out], "qdk run_qir"))
