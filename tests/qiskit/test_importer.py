"""``from_qiskit``: gates (standard, by definition), parameters, control flow and clear errors; exact checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Gate, Instruction, Parameter, ParameterVector, library
from qiskit.circuit.classical import expr
from qiskit.quantum_info import Statevector, random_unitary

import hybridrt as hr
from hybridrt.qiskit import CircuitResult, from_qiskit

ANGLES = (0.3, -1.1, 2.2, 0.7)


def standard_gates() -> list[Gate]:
    """Every gate of Qiskit's standard library with concrete angles (engine gates and the rest)."""
    gates = []
    for name, gate in sorted(library.get_standard_gate_name_mapping().items()):
        if not isinstance(gate, Gate) or name in ("global_phase",):
            continue
        params = [ANGLES[k % len(ANGLES)] for k in range(len(gate.params))]
        gates.append(type(gate)(*params) if params else gate)
    return gates


def exact_probabilities(qc: QuantumCircuit) -> dict[str, float]:
    """Qiskit's statevector probabilities of measuring every qubit into a register of the same order."""
    return {k: p for k, p in Statevector(qc).probabilities_dict().items() if p > 1e-14}


def prepared(gate: Gate) -> QuantumCircuit:
    n = gate.num_qubits
    qc = QuantumCircuit(n)
    for q in range(n):  # a generic input state, so that phases between components matter
        qc.ry(0.4 + 0.5 * q, q)
        qc.rz(0.9 - 0.3 * q, q)
    qc.append(gate, range(n))
    for q in range(n):
        qc.h(q)
    return qc


@pytest.mark.parametrize("gate", standard_gates(), ids=lambda g: g.name)
def test_every_standard_gate_matches_qiskit_statevector(gate: Gate) -> None:
    qc = prepared(gate)
    expected = exact_probabilities(qc)
    qc.measure_all()
    got = from_qiskit(qc).distribution(cutoff=0.0)
    assert set(got) == set(expected)
    for key, p in expected.items():
        assert got[key] == pytest.approx(p, abs=1e-10)


def test_gates_without_engine_equivalent_use_their_definitions() -> None:
    qc = QuantumCircuit(3)
    qc.append(random_unitary(4, seed=3).to_instruction(), [0, 2])
    qc.append(library.MCXGate(2, ctrl_state=1), [0, 1, 2])
    qc.append(library.CXGate(ctrl_state=0), [2, 1])
    qc.append(library.QFTGate(3), [0, 1, 2])
    inner = QuantumCircuit(2, name="inner")
    inner.cry(0.4, 0, 1)
    qc.append(inner.to_gate().control(1), [2, 0, 1])
    expected = exact_probabilities(qc)
    qc.measure_all()
    got = from_qiskit(qc).distribution()
    for key, p in expected.items():
        assert got.get(key, 0.0) == pytest.approx(p, abs=1e-10)


def test_parameters_at_run_time_and_at_compile_time() -> None:
    theta, v = Parameter("θ"), ParameterVector("v", 2)
    qc = QuantumCircuit(2, 2)
    qc.ry(2 * theta + v[0].sin() - v[1] ** 2 / 3, 0)
    qc.cp(theta.exp() - 1 / v[1] + abs(v[0]) * v[0].cos(), 0, 1)
    qc.rx((theta - v[0]).arctan() + (v[1] / 4).arcsin() + (v[1] / 4).arccos() + (theta**2 + 1).log(), 1)
    qc.h(1)
    qc.measure([0, 1], [0, 1])
    values = {theta: 0.4, v[0]: -0.8, v[1]: 1.3}
    expected = exact_probabilities(qc.remove_final_measurements(inplace=False).assign_parameters(values))
    k = from_qiskit(qc)
    assert [r.name for r in k.ir.params] == ["v_0", "v_1", "θ"]  # circuit.parameters order
    at_run = k.distribution(-0.8, 1.3, 0.4)
    at_compile = from_qiskit(qc, values).distribution()
    for got in (at_run, at_compile):
        assert set(got) == set(expected)
        for key, p in expected.items():
            assert got[key] == pytest.approx(p, abs=1e-10)


def test_counts_follow_qiskit_register_order_and_bit_order() -> None:
    a, b = ClassicalRegister(2, "a"), ClassicalRegister(3, "b")
    qc = QuantumCircuit(QuantumRegister(3, "q"), a, b)
    qc.x(0)
    qc.x(2)
    qc.measure(0, a[0])  # a = 01
    qc.measure(2, b[1])  # b = 010
    qc.measure(1, b[2])
    res = from_qiskit(qc).run(shots=20, seed=1)
    assert isinstance(res, CircuitResult)
    assert res.counts() == {"010 01": 20}
    assert res.memory() == ["010 01"] * 20
    assert res.registers["b"].tolist() == [[False, True, False]] * 20


def test_mid_circuit_measurement_reset_and_idle_qubits_dropped() -> None:
    qc = QuantumCircuit(12, 2)  # qubits 3..11 are idle: not simulated
    qc.h(0)
    qc.measure(0, 0)
    qc.reset(0)
    qc.barrier()
    qc.delay(50, 1)
    qc.measure(0, 1)
    k = from_qiskit(qc)
    assert k.ir.num_qubits == 1
    assert dict(k.distribution()) == pytest.approx({"00": 0.5, "01": 0.5})


def test_nested_control_flow_exact() -> None:
    """if/else inside a while inside a for: the for runs 2 rounds; each round flips coins until heads."""
    q = QuantumRegister(2, "q")
    c, t = ClassicalRegister(1, "c"), ClassicalRegister(2, "t")
    qc = QuantumCircuit(q, c, t)
    with qc.for_loop(range(2)):
        qc.reset(0)
        qc.measure(0, c[0])
        with qc.while_loop((c, 0)):
            qc.h(0)
            qc.measure(0, c[0])
            with qc.if_test((c[0], 1)) as orelse:
                qc.x(1)
            with orelse:
                qc.reset(0)
    qc.measure(1, t[0])
    # q1 is flipped once per round: after 2 rounds it is back to 0
    assert dict(from_qiskit(qc).distribution(cutoff=1e-12)) == pytest.approx({"00 1": 1.0}, abs=1e-10)


class MatrixOnly(Gate):
    """A gate known by its matrix alone (no definition)."""

    def __init__(self) -> None:
        super().__init__("matrix_only", 2, [])

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        return random_unitary(4, seed=8).data


def test_gates_known_only_by_their_matrix_are_synthesised() -> None:
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.append(MatrixOnly(), [0, 1])
    expected = exact_probabilities(qc)
    qc.measure_all()
    got = from_qiskit(qc).distribution()
    for key, p in expected.items():
        assert got.get(key, 0.0) == pytest.approx(p, abs=1e-10)


def test_undefined_instructions_are_named() -> None:
    qc = QuantumCircuit(2, 1)
    qc.h(0)
    qc.append(Instruction("mystery", 2, 0, []), [0, 1])
    with pytest.raises(hr.TargetError, match=r"instruction 1 \('mystery'\).*neither a definition nor a matrix"):
        from_qiskit(qc)
    qc = QuantumCircuit(1)
    qc.append(Gate("opaque", 1, []), [0])
    with pytest.raises(hr.TargetError, match=r"instruction 0 \('opaque'\).*neither a definition nor a matrix"):
        from_qiskit(qc)


def test_errors_inside_control_flow_say_where() -> None:
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.append(Instruction("mystery", 1, 0, []), [0])
    with pytest.raises(hr.TargetError, match=r"instruction 1 \('if_else'\) > true body, instruction 0 \('mystery'\)"):
        from_qiskit(qc)


def test_not_a_circuit() -> None:
    with pytest.raises(TypeError, match="expects a qiskit QuantumCircuit"):
        from_qiskit("h q[0];")  # type: ignore[arg-type]


def test_runs_reproducibly_and_conditions_on_expressions() -> None:
    qc = QuantumCircuit(3, 3)
    qc.h([0, 1])
    qc.measure([0, 1], [0, 1])
    with qc.if_test(expr.logic_and(expr.bit_xor(qc.clbits[0], qc.clbits[1]), expr.logic_not(qc.clbits[2]))):
        qc.x(2)
    qc.measure(2, 2)
    k = from_qiskit(qc)
    assert k.run(shots=500, seed=4).counts() == k.run(shots=500, seed=4).counts()
    assert dict(k.distribution()) == pytest.approx({"000": 0.25, "101": 0.25, "110": 0.25, "011": 0.25})
    counts = k.run(shots=4000, seed=9).counts()
    assert set(counts) == {"000", "101", "110", "011"}
    # chi-square with 3 degrees of freedom, uniform expected 1000 each: reject at p < 1e-4 (statistic > 21.1)
    assert sum((n - 1000) ** 2 / 1000 for n in counts.values()) < 21.1
    assert np.array_equal(k.run(shots=10, seed=1).registers["c"], k.run(shots=10, seed=1).registers["c"])


def test_global_phase_of_definitions_does_not_matter() -> None:
    qc = QuantumCircuit(1, 1)
    qc.append(library.RGate(math.pi / 2, 0.3), [0])
    qc.measure(0, 0)
    assert dict(from_qiskit(qc).distribution()) == pytest.approx({"0": 0.5, "1": 0.5})
