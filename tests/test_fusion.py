"""Gate fusion: equal up to global phase, same exact distributions, fewer engine passes."""

from __future__ import annotations

import cmath

import numpy as np
import pytest

import hybridrt as hr
from hybridrt import cx, h, mz, qubits, reset, rx, rz, s, sx, t, u, x, y
from hybridrt import ir
from hybridrt.assemble import assemble
from hybridrt.kernels import opcodes as oc
from hybridrt.fusion import fuse_gates, one_qubit_matrix, two_qubit_matrix, u_angles
from hybridrt.runtime import exact_bytecode

ONE_QUBIT = {"x": 0, "y": 0, "z": 0, "h": 0, "s": 0, "sdg": 0, "t": 0, "tdg": 0, "sx": 0,
             "rx": 1, "ry": 1, "rz": 1, "p": 1, "u": 3}


def _equal_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    k = np.argmax(np.abs(b))
    phase = a.flat[k] / b.flat[k]
    return abs(abs(phase) - 1) < 1e-10 and np.allclose(a, phase * b, atol=1e-10)


@pytest.mark.parametrize("seed", range(40))
def test_products_of_gates_become_one_u_gate(seed):
    rng = np.random.default_rng(seed)
    m = np.eye(2, dtype=complex)
    for _ in range(rng.integers(1, 6)):
        name = rng.choice(sorted(ONE_QUBIT))
        params = tuple(rng.uniform(-4, 4, ONE_QUBIT[name]))
        m = one_qubit_matrix(name, params) @ m
    assert _equal_up_to_phase(one_qubit_matrix("u", u_angles(m)), m)


@pytest.mark.parametrize("m", [np.eye(2), np.diag([1, 1j]), np.array([[0, 1], [1, 0]]),
                               np.array([[0, 1j], [cmath.exp(0.3j), 0]]), np.diag([cmath.exp(0.2j), -1])])
def test_diagonal_and_antidiagonal_edge_cases(m):
    m = np.asarray(m, dtype=complex)
    assert _equal_up_to_phase(one_qubit_matrix("u", u_angles(m)), m)


@hr.kernel
def layered() -> list[bool]:
    q = qubits(3)
    h(q[0])
    rz(0.3, q[0])
    sx(q[0])
    t(q[1])
    rx(1.1, q[1])
    cx(q[0], q[1])
    y(q[2])
    u(0.2, 0.4, 0.6, q[2])
    m = mz(q[2])
    if m:
        s(q[0])
        h(q[0])
        x(q[1])
    reset(q[2])
    rz(0.7, q[2])
    h(q[2])
    return mz(q)


def _gates(p: ir.Program) -> int:
    return sum(isinstance(i, ir.Gate) for b in p.blocks for i in b.instrs)


def test_fusion_keeps_the_exact_distribution_and_cuts_gates():
    p = layered.ir
    fused = fuse_gates(p)
    assert _gates(fused) == 5 < _gates(p) == 13
    ir.verify(fused)
    a = exact_bytecode(assemble(p), [], 0.0, 1000)
    b = exact_bytecode(assemble(fused), [], 0.0, 1000)
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == pytest.approx(b[k], abs=1e-12)


def test_kernels_show_their_own_gates_but_run_fused():
    assert _gates(layered.ir) == 13
    code = layered._bytecode(()).code
    assert sum(row[0] == oc.GATE for row in code) == 4 and sum(row[0] == oc.UNITARY2 for row in code) == 1


TWO_QUBIT = {"cx": 0, "cy": 0, "cz": 0, "ch": 0, "swap": 0, "crx": 1, "cry": 1, "crz": 1, "cp": 1,
             "rxx": 1, "ryy": 1, "rzz": 1}


@pytest.mark.parametrize("name", sorted(TWO_QUBIT))
def test_two_qubit_matrices_are_qiskits(name):
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Operator

    params = (0.83,) * TWO_QUBIT[name]
    qc = QuantumCircuit(2)
    getattr(qc, name)(*params, 0, 1)
    np.testing.assert_allclose(two_qubit_matrix(name, params), Operator(qc).data, atol=1e-12)


def _random_program(seed: int, n: int = 4) -> ir.Program:
    """Gates only: one- and two-qubit gates with constant angles, some ccx, some angles from a parameter."""
    rng = np.random.default_rng(seed)
    theta = ir.Reg("theta", ir.FLOAT)
    instrs: list[ir.Instr] = []
    for _ in range(40):
        kind = rng.random()
        if kind < 0.45:
            name = str(rng.choice(sorted(ONE_QUBIT)))
            qs, npar = rng.choice(n, 1, replace=False), ONE_QUBIT[name]
        elif kind < 0.9:
            name = str(rng.choice(sorted(TWO_QUBIT)))
            qs, npar = rng.choice(n, 2, replace=False), TWO_QUBIT[name]
        else:
            name, qs, npar = "ccx", rng.choice(n, 3, replace=False), 0
        params = [ir.Const(float(v), ir.FLOAT) for v in rng.uniform(-4, 4, npar)]
        if params and rng.random() < 0.1:
            params[0] = theta  # an angle known only at run time: not fused
        instrs.append(ir.Gate(name, tuple(ir.Const(int(q), ir.QUBIT) for q in qs), tuple(params)))
    block = ir.Block("entry", tuple(instrs), ir.Return(()))
    return ir.verify(ir.Program("gates", (theta,), (), n, (block,)))


def _final_state(p: ir.Program, theta: float) -> np.ndarray:
    from hybridrt.kernels.interpreter import execute

    bc = assemble(p)
    ints, floats = bc.ints0.copy(), bc.floats0.copy()
    floats[bc.params[0].index] = theta
    state = np.zeros(1 << p.num_qubits, complex)
    state[0] = 1
    status, _, _ = execute(bc.code, ints, floats, state, np.zeros(1, np.int64), np.zeros(1), 0, 0, 10_000, -1)
    assert status == oc.OK
    return state


@pytest.mark.parametrize("seed", range(30))
def test_fused_random_circuits_give_the_same_state_up_to_phase(seed):
    p = _random_program(seed)
    fused = fuse_gates(p)
    ir.verify(fused)
    assert _gates(fused) < _gates(p)
    assert any(i.name == "unitary2" for b in fused.blocks for i in b.instrs)
    assert _equal_up_to_phase(_final_state(fused, 0.37), _final_state(p, 0.37))


@hr.kernel
def pair_after_measurement() -> tuple[bool, bool]:
    q = qubits(3)
    h(q[0])
    b = mz(q[0])
    cx(q[1], q[2])
    h(q[2])  # fused with the cx into one two-qubit block: a gate after the measurement
    return mz(q[2]), b


def test_a_fused_block_after_a_measurement_is_not_skipped_by_sampling():
    code = pair_after_measurement._bytecode(()).code
    assert oc.UNITARY2 in code[:, 0]
    for strategy in ("branching", "trajectories"):
        counts = pair_after_measurement.run(shots=4000, seed=2, strategy=strategy).counts()
        assert len(counts) == 4 and min(counts.values()) > 850, (strategy, counts)
