"""Dynamic-circuit throughput through Qiskit's sampler interface: ``hybridrt.qiskit.Sampler`` vs Aer's ``SamplerV2``.

The same ``QuantumCircuit`` objects, 10,000 shots each, one PUB per call, timed as the whole
``sampler.run([pub]).result()`` (hybridrt imports the circuit on every call, as Aer converts it):

- ``rus``: repeat-until-success as a native ``while_loop`` on a clbit (h and measure, then reset, h
  and measure until 1), then an ``x`` on a second qubit;
- ``teleport``: teleportation of ``ry(1.1)|0>`` with ``if_test`` corrections, undone before the final
  measurement (which always reads 0);
- ``feedback10``: 10 qubits, 4 layers of ``ry``/``rz`` on every qubit and a cx chain, mid-circuit
  measurement of qubits 0-4, an ``x`` on qubit ``i+5`` conditioned on qubit ``i``'s result, 4 more
  layers, all qubits measured;
- ``rus_sweep``: ``rus`` with a parameterised angle (``ry(theta)`` instead of ``h``) over a sweep of 16
  parameter values in one PUB (``shape=(16,)``), 1,000 shots per value.

Aer runs with its defaults (``SamplerV2()``: automatic method) and with
``backend_options={"method": "statevector"}``.  Correctness: for each circuit the frequency of its
most likely exact outcome (from ``from_qiskit(circuit).distribution()``) must lie within 5 standard
deviations of the exact probability, for every implementation.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from conftest import record

from hybridrt.qiskit import Sampler, from_qiskit

qiskit = pytest.importorskip("qiskit")
SamplerV2 = pytest.importorskip("qiskit_aer.primitives").SamplerV2

SHOTS = 10_000
SWEEP = 16
SWEEP_SHOTS = 1_000
ROUNDS = 3


def rus(theta: Any = None) -> Any:
    q = qiskit.QuantumRegister(2, "q")
    done, t = qiskit.ClassicalRegister(1, "done"), qiskit.ClassicalRegister(1, "t")
    qc = qiskit.QuantumCircuit(q, done, t, name="rus")

    def attempt() -> None:
        if theta is None:
            qc.h(0)
        else:
            qc.ry(theta, 0)
        qc.measure(0, done[0])

    attempt()  # Aer 0.18.2 rejects a circuit that starts with the while_loop ("Invalid jump destination")
    with qc.while_loop((done[0], False)):
        qc.reset(0)
        attempt()
    qc.x(1)
    qc.measure(1, t[0])
    return qc


def teleport() -> Any:
    qc = qiskit.QuantumCircuit(qiskit.QuantumRegister(3, "q"), *(qiskit.ClassicalRegister(1, f"c{k}") for k in range(3)),
                               name="teleport")
    qc.ry(1.1, 0)
    qc.h(1)
    qc.cx(1, 2)
    qc.cx(0, 1)
    qc.h(0)
    qc.measure(0, 0)
    qc.measure(1, 1)
    with qc.if_test((qc.cregs[1], 1)):
        qc.x(2)
    with qc.if_test((qc.cregs[0], 1)):
        qc.z(2)
    qc.ry(-1.1, 2)
    qc.measure(2, 2)
    return qc


def feedback10() -> Any:
    rng = np.random.default_rng(3)
    qc = qiskit.QuantumCircuit(qiskit.QuantumRegister(10, "q"), qiskit.ClassicalRegister(5, "mid"),
                               qiskit.ClassicalRegister(10, "final"), name="feedback10")

    def layers() -> None:
        for _ in range(4):
            for q in range(10):
                qc.ry(float(rng.uniform(0, math.pi)), q)
                qc.rz(float(rng.uniform(0, math.pi)), q)
            for q in range(9):
                qc.cx(q, q + 1)

    layers()
    for i in range(5):
        qc.measure(i, qc.cregs[0][i])
    for i in range(5):
        with qc.if_test((qc.cregs[0][i], 1)):
            qc.x(i + 5)
    layers()
    qc.measure(range(10), qc.cregs[1])
    return qc


THETA = qiskit.circuit.Parameter("theta")
SWEEP_VALUES = np.linspace(0.6, math.pi, SWEEP)
CASES = {"rus": (rus(), None, SHOTS), "teleport": (teleport(), None, SHOTS),
         "feedback10": (feedback10(), None, SHOTS), "rus_sweep": (rus(THETA), SWEEP_VALUES[:, None], SWEEP_SHOTS)}
SAMPLERS = {
    "hybridrt": lambda: Sampler(seed=7),
    "aer SamplerV2 default": lambda: SamplerV2(seed=7),
    "aer SamplerV2 statevector": lambda: SamplerV2(seed=7, options={"backend_options": {"method": "statevector"}}),
}


def keys(data: dict[str, Any]) -> list[str]:
    """Each shot's Qiskit counts key (the last register first) from each register's ``BitArray``."""
    columns = [bits.get_bitstrings() for bits in data.values()]
    return [" ".join(reversed(shot)) for shot in zip(*columns)]


def check(case: str, result: Any) -> float:
    """The most likely exact outcome's frequency is within 5 sigma of its probability; returns the frequency."""
    qc, values, shots = CASES[case]
    kernel = from_qiskit(qc)
    registers = [r.name for r in qc.cregs]
    pub = result[0]
    index = (0,) if values is not None else ()
    exact = kernel.distribution(*(values[0] if values is not None else ()), cutoff=1e-12)
    top, p = next(iter(exact.items()))
    freq = sum(k == top for k in keys({r: pub.data[r][index] for r in registers})) / shots
    assert abs(freq - p) <= 5 * math.sqrt(p * (1 - p) / shots) + 1e-12, (case, top, freq, p)
    return freq


@pytest.mark.parametrize("impl", list(SAMPLERS))
@pytest.mark.parametrize("case", list(CASES))
def test_sampler(benchmark: Any, case: str, impl: str) -> None:
    benchmark.group = f"sampler-{case}"
    qc, values, shots = CASES[case]
    sampler = SAMPLERS[impl]()
    pub = (qc,) if values is None else (qc, values)
    result = benchmark.pedantic(lambda: sampler.run([pub], shots=shots).result(), rounds=ROUNDS, iterations=1,
                                warmup_rounds=1)
    total = shots * (1 if values is None else len(values))
    record(benchmark, impl, total / 1000, "1k shots")
    benchmark.extra_info["top_outcome_frequency"] = check(case, result)
