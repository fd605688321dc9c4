"""Controlled powers of unitary kernels: exact unitaries (global phase included) checked against Qiskit's matrices."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator

import hybridrt as hr
from hybridrt import ir
from hybridrt.algorithms.controlled import check_register_kernel, controlled, power_gates, register_gates
from hybridrt.lang import ccx, cp, cx, h, mz, qubit, reset, ry, rz, swap

RNG = np.random.default_rng(7)


def circuit(gates: list[ir.Gate], n: int) -> QuantumCircuit:
    """The gates as a Qiskit circuit (hybridrt's gate names and argument order are Qiskit's)."""
    qc = QuantumCircuit(n)
    for g in gates:
        getattr(qc, g.name)(*[a.value for a in g.params], *[q.value for q in g.qubits])  # type: ignore[union-attr]
    return qc


def controlled_matrix(u: np.ndarray) -> np.ndarray:
    """|0><0| ⊗ 1 + |1><1| ⊗ u, control on qubit 0 (Qiskit's little-endian order: u acts on qubits 1..)."""
    return np.kron(np.eye(len(u)), np.diag([1, 0])) + np.kron(u, np.diag([0, 1]))


def assert_controls(gates: list[ir.Gate], n: int, reference: np.ndarray) -> None:
    """``controlled(gates)`` on qubit 0 with the register on 1..n equals controlled-``reference`` exactly."""
    got = Operator(circuit(controlled(gates, control=0, base=1), n + 1)).data
    np.testing.assert_allclose(got, controlled_matrix(reference), atol=1e-10)


def gate(name: str, qubits: tuple[int, ...], params: tuple[float, ...] = ()) -> ir.Gate:
    return ir.Gate(name, tuple(ir.Const(q, ir.QUBIT) for q in qubits), tuple(ir.Const(p, ir.FLOAT) for p in params))


@pytest.mark.parametrize("name", sorted(ir.GATES))
def test_every_gate_controlled_exactly(name: str) -> None:
    nq, npar = ir.GATES[name]
    g = gate(name, (2, 0, 1)[:nq], tuple(RNG.uniform(-4, 4, npar)))
    assert_controls([g], 3, Operator(circuit([g], 3)).data)


def test_runs_of_gates_powers_and_global_phases() -> None:
    gates = [gate("h", (0,)), gate("cp", (0, 1), (0.9,)), gate("t", (1,)), gate("sx", (0,)), gate("cx", (1, 0)),
             gate("u", (1,), (0.3, -1.2, 2.2)), gate("crz", (1, 0), (1.7,)), gate("rzz", (0, 1), (0.4,))]
    u = Operator(circuit(gates, 2)).data
    for m in (1, 2, 5):
        assert_controls(gates * m, 2, np.linalg.matrix_power(u, m))
    # a pure global phase: x·p(a)·x·p(a) = e^{ia}·1, kicked back onto the control alone
    phase_only = [gate("p", (0,), (0.8,)), gate("x", (0,)), gate("p", (0,), (0.8,)), gate("x", (0,))]
    out = controlled(phase_only, control=0, base=1)
    assert [(g.name, g.params[0].value) for g in out] == [("p", pytest.approx(0.8))]  # type: ignore[union-attr]


@hr.kernel
def ladder(q, theta: float) -> None:  # type: ignore[no-untyped-def]
    for i in range(len(q) - 1):
        cx(q[i], q[i + 1])
    rz(theta, q[-1])
    for i in range(len(q) - 2, -1, -1):
        cx(q[i], q[i + 1])


@hr.kernel
def unitary(q) -> None:  # type: ignore[no-untyped-def]
    h(q[0])
    ladder(q, 0.7)  # a nested kernel call with a compile-time argument
    ccx(q[0], q[2], q[1])
    swap(q[1], q[2])
    ry(math.pi / 5, q[1:])


def unitary_circuit() -> QuantumCircuit:
    """The same unitary written directly in Qiskit."""
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cx(0, 1)
    qc.cx(1, 2)
    qc.rz(0.7, 2)
    qc.cx(1, 2)
    qc.cx(0, 1)
    qc.ccx(0, 2, 1)
    qc.swap(1, 2)
    qc.ry(math.pi / 5, 1)
    qc.ry(math.pi / 5, 2)
    return qc


@hr.kernel
def unitary_power(q, m: int) -> None:  # type: ignore[no-untyped-def]
    rz(0.3 * m, q[0])  # commutes with cp: U^m is this with m times the angles
    cp(1.1 * m, q[0], q[1])


def test_kernel_flattened_and_its_powers_controlled() -> None:
    gates = register_gates(unitary, 3)
    u = Operator(unitary_circuit()).data
    np.testing.assert_allclose(Operator(circuit(list(gates), 3)).data, u, atol=1e-12)
    assert_controls(list(power_gates(unitary, 3, 3)), 3, np.linalg.matrix_power(u, 3))
    assert gates[0].loc is not None and gates[0].loc.line == line_of(unitary, "h(q[0])")  # the user's lines


def test_power_kernel_gives_the_power() -> None:
    qc = QuantumCircuit(2)
    qc.rz(0.3, 0)
    qc.cp(1.1, 0, 1)
    u = Operator(qc).data
    for m in (1, 4, 7):
        gates = list(power_gates(unitary, 2, m, power=unitary_power))
        assert len(gates) == 2  # the power kernel's own circuit, not 2m gates
        assert_controls(gates, 2, np.linalg.matrix_power(u, m))


@hr.kernel
def measures(q) -> None:  # type: ignore[no-untyped-def]
    h(q[0])
    mz(q[0])


@hr.kernel
def resets(q) -> None:  # type: ignore[no-untyped-def]
    reset(q)


@hr.kernel
def allocates(q) -> None:  # type: ignore[no-untyped-def]
    extra = qubit()
    cx(q[0], extra)


def line_of(k: hr.Kernel, text: str) -> int:
    import inspect

    lines, first = inspect.getsourcelines(k._hybridrt_function)  # type: ignore[arg-type]
    return first + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("k, message, at", [
    (measures, "measures() measures a qubit: phase estimation needs a unitary (gates only)", "mz(q[0])"),
    (resets, "resets() resets a qubit: phase estimation needs a unitary (gates only)", "reset(q)"),
    (allocates, "allocates() allocates 1 qubit(s) of its own", None),
])
def test_non_unitary_kernels_are_compile_errors(k: hr.Kernel, message: str, at: str | None) -> None:
    with pytest.raises(hr.CompileError) as e:
        register_gates(k, 1)
    assert message in e.value.message
    if at is not None:
        assert e.value.loc is not None and e.value.loc.line == line_of(k, at)
        assert __file__ in str(e.value)


def test_kernels_of_the_wrong_kind_are_type_errors() -> None:
    with pytest.raises(TypeError, match="the unitary kernel must be a @hybridrt.kernel function taking a register"):
        check_register_kernel(len, "the unitary kernel")
    with pytest.raises(TypeError, match="must be a @hybridrt.kernel function"):  # a kernel made from IR
        check_register_kernel(hr.Kernel.from_ir(register_program()), "the unitary kernel")
    with pytest.raises(TypeError, match=r"the power kernel unitary\(\) must take 2 arguments \(q, m: int\), "
                                        "it takes 1"):
        check_register_kernel(unitary, "the power kernel", extra=1)
    with pytest.raises(TypeError, match=r"ladder\(\) must take 1 argument \(q\), it takes 2"):
        check_register_kernel(ladder, "the unitary kernel")


def register_program() -> ir.Program:
    @hr.kernel
    def bell() -> bool:
        a, b = hr.qubits(2)
        h(a)
        cx(a, b)
        return mz(b)

    return bell.ir
