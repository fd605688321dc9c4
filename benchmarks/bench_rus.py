"""Repeat-until-success, 10,000 shots: the DESIGN.md kernel on hybridrt vs the same dynamic circuit on Qiskit Aer.

hybridrt runs with its default strategy ("branching": shots split between the outcomes of each
measurement) and shot by shot ("trajectories").

Two Qiskit forms of the loop:

- ``while``: a native ``while_loop`` on the ``done`` clbit. Aer's classical expressions have no
  integer ``+``, so the iteration counter is a 5-bit ripple increment of clbits (xor with the and of
  the lower bits): 5 stores per iteration where hybridrt does one integer add.
- ``unrolled``: ``UNROLL`` copies of ``if (m == 0) { h; measure a -> m[k]; reset }``, one clbit per
  iteration, so the count is the position of the one set bit (no stores).  Aer 0.18.2 with
  ``method="statevector", shot_branching_enable=True`` fails on the ``while`` form (segfault with the
  counter's stores, "Invalid jump destination" without them) and segfaults on the counter's stores
  inside ``if_test`` too, so shot branching runs this form.

Aer's default (automatic) method picks stabilizer for this Clifford circuit, where
``shot_branching_enable`` has no effect, so shot branching is measured with the statevector method.
Every implementation's mean iteration count must come out near 2 (geometric, p = 1/2).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from conftest import record

import hybridrt as hr
from hybridrt import h, mz, qubits, reset, x

qiskit = pytest.importorskip("qiskit")
AerSimulator = pytest.importorskip("qiskit_aer").AerSimulator
expr = pytest.importorskip("qiskit.circuit.classical").expr

SHOTS = 10_000
SEED = 7
COUNTER_BITS = 5
UNROLL = 20  # P(more iterations) = 2^-20 per shot; such a shot reads as UNROLL + 1
ROUNDS = 5


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


def rus_circuit(form: str) -> Any:
    q = qiskit.QuantumRegister(2, "q")
    if form == "while":
        done, n, t = (qiskit.ClassicalRegister(w, name) for w, name in [(1, "done"), (COUNTER_BITS, "n"), (1, "t")])
        qc = qiskit.QuantumCircuit(q, done, n, t)
        with qc.while_loop(expr.logic_not(done[0])):
            qc.h(0)
            qc.measure(0, done[0])
            qc.reset(0)
            for i in reversed(range(COUNTER_BITS)):  # n += 1
                carry = functools.reduce(expr.bit_and, n[:i], expr.lift(True))
                qc.store(n[i], expr.bit_xor(n[i], carry))
    else:
        m, t = qiskit.ClassicalRegister(UNROLL, "m"), qiskit.ClassicalRegister(1, "t")
        qc = qiskit.QuantumCircuit(q, m, t)
        for k in range(UNROLL):
            with qc.if_test((m, 0)):
                qc.h(0)
                qc.measure(0, m[k])
                qc.reset(0)
    qc.x(1)
    qc.measure(1, t[0])
    return qc


def check(ns: np.ndarray, ts: np.ndarray) -> None:
    """Mean of a geometric(1/2) count is 2, sd sqrt(2): 10,000 shots put the mean within 0.07 at 5 sigma."""
    assert ns.min() >= 1 and ts.all()
    assert abs(ns.mean() - 2.0) < 0.07, ns.mean()


@pytest.mark.parametrize("strategy", ["branching", "trajectories"])
def test_hybridrt(benchmark: Any, strategy: str) -> None:
    benchmark.group = "rus-10k-shots"
    res = benchmark.pedantic(lambda: rus.run(shots=SHOTS, seed=SEED, strategy=strategy),
                             rounds=ROUNDS, iterations=1, warmup_rounds=1)
    record(benchmark, "hybridrt" if strategy == "branching" else f"hybridrt {strategy}", 1, "run")
    ns = np.array([v[0] for v in res.values])
    benchmark.extra_info["mean_iterations"] = float(ns.mean())
    check(ns, np.array([v[1] for v in res.values]))


AER_CONFIGS = {"default": {}, "statevector": {"method": "statevector"},
               "statevector+shot_branching": {"method": "statevector", "shot_branching_enable": True}}
AER_CASES = [("while", "default"), ("while", "statevector"), ("unrolled", "statevector"),
             ("unrolled", "statevector+shot_branching")]


@pytest.mark.parametrize(("form", "config"), AER_CASES, ids=[f"{f}-{c}" for f, c in AER_CASES])
def test_aer(benchmark: Any, form: str, config: str) -> None:
    benchmark.group = "rus-10k-shots"
    qc = rus_circuit(form)
    sim = AerSimulator(**AER_CONFIGS[config])
    res = benchmark.pedantic(lambda: sim.run(qc, shots=SHOTS, seed_simulator=SEED).result(),
                             rounds=ROUNDS, iterations=1, warmup_rounds=1)
    record(benchmark, f"aer {form} {config}", 1, "run")
    counts = res.get_counts()  # keys "t n done" (while) or "t m" (unrolled)
    if form == "while":
        n_of = [int(k.split()[1], 2) for k in counts]
    else:
        n_of = [int(k.split()[1], 2).bit_length() or UNROLL + 1 for k in counts]
    ns = np.repeat(n_of, list(counts.values()))
    ts = np.repeat([k.split()[0] == "1" for k in counts], list(counts.values()))
    meta = res.results[0].metadata
    benchmark.extra_info.update(mean_iterations=float(ns.mean()), aer_method=meta["method"],
                                aer_shot_branching=bool(meta.get("shot_branching_enabled")),
                                aer_time_taken_s=res.results[0].time_taken)
    check(ns, ts)
