"""``Sampler`` (BaseSamplerV2) and ``HybridBackend`` (BackendV2): PUBs, broadcasting, transpile, results; and
Qiskit's documentation examples of dynamic circuits (teleportation, repeat-until-success, mid-circuit reset)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import Parameter
from qiskit.circuit.classical import types
from qiskit.primitives import BaseSamplerV2, BitArray
from qiskit.providers import BackendV2
from qiskit.result import Result
from qiskit_aer import AerSimulator

from hybridrt.qiskit import HybridBackend, Sampler, from_qiskit

from .random_circuits import goodness_of_fit

ALPHA = 1e-4  # chi-square goodness of fit rejects at p < 1e-4; every seed is fixed


def counts_of(registers: dict[str, BitArray]) -> dict[str, int]:
    """Qiskit counts keys ("b a": the last register first) from a Sampler's per-register bit arrays."""
    columns = [bits.get_bitstrings() for bits in registers.values()]
    return dict(Counter(" ".join(reversed(shot)) for shot in zip(*columns)))


def teleportation(theta: float) -> QuantumCircuit:
    """Teleport ry(theta)|0> from q0 to q2, then undo the rotation: c2 always reads 0."""
    qr = QuantumRegister(3, "q")
    c0, c1, c2 = (ClassicalRegister(1, f"c{k}") for k in range(3))
    qc = QuantumCircuit(qr, c0, c1, c2, name="teleportation")
    qc.ry(theta, 0)
    qc.h(1)
    qc.cx(1, 2)
    qc.cx(0, 1)
    qc.h(0)
    qc.measure(0, c0[0])
    qc.measure(1, c1[0])
    with qc.if_test((c1, 1)):
        qc.x(2)
    with qc.if_test((c0, 1)):
        qc.z(2)
    qc.ry(-theta, 2)
    qc.measure(2, c2[0])
    return qc


def repeat_until_success(max_trials: int = 2) -> QuantumCircuit:
    """Qiskit's "repeat until success" tutorial: Rx(theta) with cos(theta) = 3/5 on success ("00" mid)."""
    controls, target = QuantumRegister(2, "control"), QuantumRegister(1, "target")
    mid, final = ClassicalRegister(2, "mid"), ClassicalRegister(1, "final")
    qc = QuantumCircuit(controls, target, mid, final, name="rus")

    def trial() -> None:
        qc.h(target)
        qc.h(controls)
        qc.ccx(*controls, target)
        qc.s(target)
        qc.ccx(*controls, target)
        qc.h(controls)
        qc.h(target)
        qc.measure(controls, mid)

    trial()
    for _ in range(max_trials - 1):
        with qc.if_test((mid[0], True)):
            qc.x(controls[0])
        with qc.if_test((mid[1], True)):
            qc.x(controls[1])
        with qc.if_test((mid, 0b00)) as orelse:
            pass
        with orelse:
            qc.x(target)
            trial()
    qc.measure(controls, mid)
    qc.measure(target, final)
    return qc


def mid_circuit_reset() -> QuantumCircuit:
    qc = QuantumCircuit(QuantumRegister(2, "q"), ClassicalRegister(3, "c"), name="reset")
    qc.h(0)
    qc.cx(0, 1)
    qc.measure(0, 0)
    qc.reset(0)
    qc.measure(0, 1)  # always 0 after the reset
    qc.measure(1, 2)  # equal to the first measurement
    return qc


EXAMPLES = {"teleportation": teleportation(1.1), "rus": repeat_until_success(), "reset": mid_circuit_reset()}


def test_documentation_examples_exact_values() -> None:
    assert dict(from_qiskit(EXAMPLES["teleportation"]).distribution()) == pytest.approx(
        {"0 0 0": 0.25, "0 0 1": 0.25, "0 1 0": 0.25, "0 1 1": 0.25}, abs=1e-10)
    assert dict(from_qiskit(EXAMPLES["reset"]).distribution()) == pytest.approx({"000": 0.5, "101": 0.5}, abs=1e-10)
    rus = from_qiskit(EXAMPLES["rus"]).distribution()
    success = rus["0 00"] + rus["1 00"]
    assert rus["1 00"] / success == pytest.approx(0.2, abs=1e-10)  # sin^2(theta/2) with cos(theta) = 3/5
    assert success == pytest.approx(1 - (3 / 8) ** 2, abs=1e-10)  # each trial succeeds with probability 5/8


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_documentation_examples_through_sampler_backend_and_aer(name: str) -> None:
    qc = EXAMPLES[name]
    exact = dict(from_qiskit(qc).distribution())
    shots = 2000
    data = Sampler(seed=5).run([qc], shots=shots).result()[0].data
    sampler = counts_of({r.name: data[r.name] for r in qc.cregs})
    backend = HybridBackend()
    run = backend.run(transpile(qc, backend), shots=shots, seed_simulator=6).result().get_counts()
    aer = AerSimulator().run(transpile(qc, AerSimulator()), shots=shots, seed_simulator=7).result().get_counts()
    for counts in (sampler, run, aer):
        assert sum(counts.values()) == shots
        assert goodness_of_fit(exact, counts) >= ALPHA, counts


def test_sampler_is_a_base_sampler_v2_with_broadcasting() -> None:
    theta, phi = Parameter("theta"), Parameter("phi")
    qc = QuantumCircuit(QuantumRegister(2, "q"), ClassicalRegister(1, "a"), ClassicalRegister(2, "b"))
    qc.ry(theta, 0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.rx(phi, 1)
    qc.measure(1, 1)
    qc.measure(0, 2)
    sampler = Sampler(default_shots=3000, seed=11)
    assert isinstance(sampler, BaseSamplerV2) and sampler.default_shots == 3000
    values = np.array([[[0.4, 1.0], [1.5, 2.0], [2.9, 0.3]], [[0.0, 1.0], [math.pi, math.pi], [1.0, 1.0]]])
    result = sampler.run([(qc, values), (qc, [2.0, 0.5], 100)]).result()
    first, second = result[0], result[1]
    assert first.data.shape == (2, 3) and second.data.shape == ()
    assert isinstance(first.data.a, BitArray) and first.data.a.num_bits == 1 and first.data.b.num_bits == 2
    assert first.data.a.num_shots == 3000 and second.data.b.num_shots == 100
    assert first.metadata["shots"] == 3000 and result.metadata["version"] == 2
    kernel = from_qiskit(qc)
    for index in np.ndindex(2, 3):
        exact = dict(kernel.distribution(*values[index]))  # values in circuit.parameters order: phi, theta
        counts = counts_of({"a": first.data.a[index], "b": first.data.b[index]})
        assert goodness_of_fit(exact, counts) >= ALPHA, (index, counts, exact)
    again = Sampler(seed=11).run([(qc, values)], shots=3000).result()[0]
    assert np.array_equal(again.data.a.array, first.data.a.array)


def test_sampler_refuses_input_variables() -> None:
    qc = QuantumCircuit(1, 1)
    qc.add_input("flag", types.Bool())
    with pytest.raises(ValueError, match="input variables"):
        Sampler().run([qc])


def test_backend_target_advertises_control_flow_and_transpile_keeps_it() -> None:
    backend = HybridBackend()
    assert isinstance(backend, BackendV2) and backend.max_circuits is None
    names = set(backend.target.operation_names)
    assert {"if_else", "while_loop", "for_loop", "switch_case", "break_loop", "continue_loop", "store",
            "measure", "reset", "delay", "u", "cx", "ccx", "rzz"} <= names
    qc = repeat_until_success(3)
    qc.iswap(0, 1)  # not a target gate: transpile rewrites it
    with qc.while_loop((qc.clbits[0], 1)):
        qc.h(0)
        qc.measure(0, 0)
    with qc.switch(qc.cregs[0]) as case:
        with case(0):
            qc.ecr(1, 2)
        with case(case.DEFAULT), qc.for_loop(range(2)):
            qc.break_loop()
    out = transpile(qc, backend, seed_transpiler=1)
    ops = out.count_ops()
    assert {"if_else", "while_loop", "switch_case"} <= set(ops) and "iswap" not in ops and out.num_qubits == 3
    exact = dict(from_qiskit(qc).distribution(cutoff=1e-12))
    assert dict(from_qiskit(out).distribution(cutoff=1e-12)) == pytest.approx(exact, abs=1e-9)


def test_backend_run_returns_a_standard_result() -> None:
    backend = HybridBackend()
    circuits = [EXAMPLES["reset"], EXAMPLES["teleportation"]]
    job = backend.run(circuits, shots=300, seed_simulator=3, memory=True)
    result = job.result()
    assert isinstance(result, Result) and result.success and job.status().name == "DONE"
    assert set(result.get_counts(0)) <= {"000", "101"} and sum(result.get_counts(0).values()) == 300
    assert Counter(result.get_memory(1)) == result.get_counts(1)
    assert all(k.startswith("0 ") for k in result.get_counts(1))  # c2 always reads 0
    again = backend.run(circuits, shots=300, seed_simulator=3).result()
    assert again.get_counts(1) == result.get_counts(1)


def test_backend_errors() -> None:
    backend = HybridBackend()
    qc = QuantumCircuit(1, 1)
    qc.rx(Parameter("t"), 0)
    with pytest.raises(ValueError, match="unbound parameters"):
        backend.run(qc)
    with pytest.raises(ValueError, match="unknown option"):
        backend.run(qc.assign_parameters([0.1]), shots=10, noise_model=None)
