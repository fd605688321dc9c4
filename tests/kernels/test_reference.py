"""Tests of the NumPy reference interpreter itself: gates against Qiskit, bytecode semantics by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import library as lib
from qiskit.quantum_info import Operator
from scipy.stats import binomtest

from hybridrt.kernels import opcodes as op

from . import reference as ref

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

QISKIT_GATES = {
    "x": lib.XGate, "y": lib.YGate, "z": lib.ZGate, "h": lib.HGate, "s": lib.SGate,
    "sdg": lib.SdgGate, "t": lib.TGate, "tdg": lib.TdgGate, "sx": lib.SXGate,
    "rx": lib.RXGate, "ry": lib.RYGate, "rz": lib.RZGate, "p": lib.PhaseGate, "u": lib.UGate,
    "cx": lib.CXGate, "cy": lib.CYGate, "cz": lib.CZGate, "ch": lib.CHGate,
    "crx": lib.CRXGate, "cry": lib.CRYGate, "crz": lib.CRZGate, "cp": lib.CPhaseGate,
    "ccx": lib.CCXGate, "swap": lib.SwapGate, "cswap": lib.CSwapGate,
    "rxx": lib.RXXGate, "ryy": lib.RYYGate, "rzz": lib.RZZGate,
}


def test_every_gate_id_is_covered() -> None:
    assert set(QISKIT_GATES) == set(op.GATE_IDS)
    assert set(ref.GATE_ARITY) == set(op.GATE_IDS.values())


@pytest.mark.parametrize("name", sorted(op.GATE_IDS))
def test_gate_matrix_matches_qiskit(name: str) -> None:
    gid = op.GATE_IDS[name]
    nq, npar = ref.GATE_ARITY[gid]
    rng = np.random.default_rng(gid)
    for _ in range(4):
        params = tuple(rng.uniform(-2 * math.pi, 2 * math.pi, npar))
        gate = QISKIT_GATES[name](*params)
        assert gate.num_qubits == nq
        m = ref.gate_matrix(gid, params)
        assert m.shape == (2**nq, 2**nq) and m.dtype == np.complex128
        np.testing.assert_allclose(m, gate.to_matrix(), atol=1e-12, rtol=0)


@pytest.mark.parametrize("name", sorted(op.GATE_IDS))
def test_apply_gate_matches_embedded_operator(name: str) -> None:
    gid = op.GATE_IDS[name]
    nq, npar = ref.GATE_ARITY[gid]
    rng = np.random.default_rng(100 + gid)
    for _ in range(6):
        qubits = tuple(int(q) for q in rng.choice(4, nq, replace=False))
        params = tuple(rng.uniform(-2 * math.pi, 2 * math.pi, npar))
        psi = rng.normal(size=16) + 1j * rng.normal(size=16)
        psi /= np.linalg.norm(psi)
        qc = QuantumCircuit(4)
        qc.append(QISKIT_GATES[name](*params), list(qubits))
        expected = Operator(qc).data @ psi
        state = psi.copy()
        ref.apply_gate(state, 4, gid, qubits, params)
        np.testing.assert_allclose(state, expected, atol=1e-10, rtol=0)


# ---------------------------------------------------------------- bytecode helpers


def prog(*rows: tuple[int, ...]) -> np.ndarray:
    code = np.zeros((len(rows), op.WIDTH), dtype=np.int64)
    for i, r in enumerate(rows):
        code[i, : len(r)] = r
    return code


def run(code: np.ndarray, ints0: list[int] | None = None, floats0: list[float] | None = None,
        nq: int = 0, n_out_i: int = 0, n_out_f: int = 0, shots: int = 1, seed: int = 0,
        max_steps: int = 10_000) -> tuple[np.ndarray, np.ndarray, int, int, int]:
    return ref.run_reference(code, np.array(ints0 or [0], dtype=np.int64),
                             np.array(floats0 or [0.0], dtype=np.float64), nq, n_out_i, n_out_f,
                             shots, seed, max_steps)


def binop_i(opcode: int, a: int, b: int) -> int:
    out_i, _, status, _, _ = run(prog((opcode, 2, 0, 1), (op.OUT_I, 0, 2, 1), (op.HALT,)),
                                 [a, b, 0], n_out_i=1)
    assert status == op.OK
    return int(out_i[0, 0])


def binop_f(opcode: int, a: float, b: float) -> float:
    _, out_f, status, _, _ = run(prog((opcode, 2, 0, 1), (op.OUT_F, 0, 2, 1), (op.HALT,)),
                                 floats0=[a, b, 0.0], n_out_f=1)
    assert status == op.OK
    return float(out_f[0, 0])


# ---------------------------------------------------------------- classical semantics


@pytest.mark.parametrize(("opcode", "a", "b", "expected"), [
    (op.IFLOORDIV, -7, 2, -4), (op.IFLOORDIV, 7, -2, -4), (op.IFLOORDIV, -7, -2, 3),
    (op.IFLOORDIV, INT64_MIN, -1, INT64_MIN),
    (op.IMOD, -7, 2, 1), (op.IMOD, 7, -2, -1), (op.IMOD, -7, -2, -1), (op.IMOD, INT64_MIN, -1, 0),
    (op.IADD, INT64_MAX, 1, INT64_MIN), (op.ISUB, INT64_MIN, 1, INT64_MAX),
    (op.IMUL, 2**62, 4, 0), (op.IMUL, INT64_MAX, INT64_MAX, 1), (op.IMUL, -3, 5, -15),
    (op.IPOW, 3, 4, 81), (op.IPOW, 0, 0, 1), (op.IPOW, -3, 3, -27), (op.IPOW, 2, 63, INT64_MIN),
    (op.IPOW, 2, 64, 0), (op.IPOW, 3, 41, 3**41 % 2**64 - 2**64),
    (op.ISHL, 1, 63, INT64_MIN), (op.ISHL, 1, 64, 0), (op.ISHL, -1, 200, 0), (op.ISHL, -3, 2, -12),
    (op.ISHR, -8, 1, -4), (op.ISHR, -7, 1, -4), (op.ISHR, -1, 64, -1), (op.ISHR, 5, 64, 0),
    (op.ISHR, INT64_MIN, 63, -1),
    (op.IMIN, -3, 2, -3), (op.IMAX, -3, 2, 2),
    (op.IAND, -4, 7, 4), (op.IOR, -8, 3, -5), (op.IXOR, -1, 5, -6),
    (op.IEQ, 3, 3, 1), (op.INE, 3, 3, 0), (op.ILT, -1, 0, 1), (op.ILE, 2, 2, 1),
    (op.IGT, 2, 2, 0), (op.IGE, 2, 2, 1),
])
def test_int_binops(opcode: int, a: int, b: int, expected: int) -> None:
    assert binop_i(opcode, a, b) == expected


@pytest.mark.parametrize(("opcode", "a", "b", "expected"), [
    (op.FADD, 0.1, 0.2, 0.1 + 0.2), (op.FSUB, 1.0, 3.5, -2.5), (op.FMUL, 1e200, 1e200, math.inf),
    (op.FDIV, 1.0, 4.0, 0.25), (op.FFLOORDIV, -7.0, 2.0, -4.0), (op.FFLOORDIV, 7.5, -2.0, -4.0),
    (op.FMOD, -7.0, 2.0, 1.0), (op.FMOD, 7.0, -2.0, -1.0), (op.FMOD, 5.5, 2.0, 1.5),
    (op.FPOW, 2.0, 0.5, math.sqrt(2.0)), (op.FPOW, -2.0, 3.0, -8.0), (op.FPOW, 0.0, 0.0, 1.0),
    (op.FPOW, -math.inf, 0.5, math.inf), (op.FPOW, 0.0, -math.inf, math.inf),
    (op.FMIN, -1.5, 2.0, -1.5), (op.FMAX, -1.5, 2.0, 2.0),
    (op.FATAN2, 1.0, -1.0, 3 * math.pi / 4),
])
def test_float_binops(opcode: int, a: float, b: float, expected: float) -> None:
    assert binop_f(opcode, a, b) == expected


def test_float_nan_follows_python() -> None:
    assert math.isnan(binop_f(op.FPOW, -2.0, math.nan))
    assert math.isnan(binop_f(op.FMOD, math.inf, 1.0))
    assert binop_f(op.FMIN, 1.0, math.nan) == 1.0 and math.isnan(binop_f(op.FMIN, math.nan, 1.0))


@pytest.mark.parametrize(("fn", "x", "expected"), [
    (op.FN_SQRT, math.nan, math.nan), (op.FN_LOG, math.inf, math.inf), (op.FN_EXP, -math.inf, 0.0),
    (op.FN_ATANH, 0.5, math.atanh(0.5)), (op.FN_ACOSH, math.nan, math.nan),
    (op.FN_LOG, 0.0, None), (op.FN_SIN, math.inf, None), (op.FN_EXP, 1000.0, None),
    (op.FN_COSH, -1000.0, None), (op.FN_ATANH, 1.0, None), (op.FN_ACOSH, 0.5, None),
])
def test_funary_follows_python_math(fn: int, x: float, expected: float | None) -> None:
    """ValueError and OverflowError of Python's math module are ERR_DOMAIN."""
    _, out_f, status, pc, _ = run(prog((op.FUNARY, 1, 0, fn), (op.OUT_F, 0, 1, 1), (op.HALT,)),
                                  floats0=[x, 0.0], n_out_f=1)
    if expected is None:
        assert (status, pc) == (op.ERR_DOMAIN, 0)
    else:
        assert status == op.OK
        np.testing.assert_equal(out_f[0, 0], expected)


@pytest.mark.parametrize(("x", "mode", "expected"), [
    (-(2.0**63), op.ROUND_TRUNC, INT64_MIN), (2.0**63 - 1024, op.ROUND_CEIL, 2**63 - 1024),
    (-(2.0**63) - 2048, op.ROUND_FLOOR, None), (2.0**63, op.ROUND_TRUNC, None),
    (-0.5, op.ROUND_CEIL, 0), (-0.5, op.ROUND_FLOOR, -1), (1e300, op.ROUND_TRUNC, None),
])
def test_f2i_range(x: float, mode: int, expected: int | None) -> None:
    """A finite value whose rounded result is outside int64 is ERR_DOMAIN."""
    out_i, _, status, _, _ = run(prog((op.F2I, 0, 0, mode), (op.OUT_I, 0, 0, 1), (op.HALT,)),
                                 [0], [x], n_out_i=1)
    if expected is None:
        assert status == op.ERR_DOMAIN
    else:
        assert status == op.OK and out_i[0, 0] == expected


@pytest.mark.parametrize(("opcode", "a", "b", "expected"), [
    (op.FEQ, 1.0, 1.0, 1), (op.FNE, math.nan, math.nan, 1), (op.FEQ, math.nan, math.nan, 0),
    (op.FLT, -0.5, 0.0, 1), (op.FLE, 0.0, -0.0, 1), (op.FGT, 1.0, 1.0, 0), (op.FGE, 1.0, 1.0, 1),
])
def test_float_compares(opcode: int, a: float, b: float, expected: int) -> None:
    out_i, _, status, _, _ = run(prog((opcode, 0, 0, 1), (op.OUT_I, 0, 0, 1), (op.HALT,)),
                                 [0], [a, b], n_out_i=1)
    assert status == op.OK and out_i[0, 0] == expected


def test_unary_and_conversions() -> None:
    # ints: 0 INT64_MIN, 1 five, 2 minus three, 3 one; floats: 0 -2.5, 1 2.0, 2 1.0
    code = prog(
        (op.INEG, 4, 0), (op.IABS, 5, 0), (op.INVERT, 6, 1), (op.NOT, 7, 3), (op.I2B, 8, 2),
        (op.F2B, 9, 0), (op.F2I, 10, 0, op.ROUND_TRUNC), (op.F2I, 11, 0, op.ROUND_FLOOR),
        (op.F2I, 12, 0, op.ROUND_CEIL), (op.IABS, 13, 2), (op.INEG, 14, 1),
        (op.OUT_I, 0, 4, 11),
        (op.I2F, 3, 2), (op.FUNARY, 4, 1, op.FN_SQRT), (op.FUNARY, 5, 0, op.FN_NEG),
        (op.FUNARY, 6, 0, op.FN_ABS), (op.FUNARY, 7, 2, op.FN_EXP), (op.FUNARY, 8, 1, op.FN_LOG2),
        (op.COPY_F, 9, 0), (op.OUT_F, 0, 3, 7),
        (op.HALT,),
    )
    out_i, out_f, status, _, _ = run(code, [INT64_MIN, 5, -3, 1] + [0] * 11,
                                     [-2.5, 2.0, 1.0] + [0.0] * 7, n_out_i=11, n_out_f=7)
    assert status == op.OK
    assert out_i[0].tolist() == [INT64_MIN, INT64_MIN, -6, 0, 1, 1, -2, -3, -2, 3, -5]
    assert out_f[0].tolist() == [-3.0, math.sqrt(2.0), 2.5, 2.5, math.e, 1.0, -2.5]


def test_memory_ops() -> None:
    # ints: 0..2 array [10, 20, 30], 3 idx=2, 4 dst, 5 src=99; floats: 0..1 array, 2 src
    code = prog(
        (op.LOAD_I, 4, 0, 3, 3), (op.OUT_I, 0, 4, 1),
        (op.STORE_I, 0, 3, 3, 5), (op.OUT_I, 1, 0, 3),
        (op.QUBIT_AT, 4, 7, 3, 5, 3), (op.OUT_I, 4, 4, 1),
        (op.STORE_F, 0, 2, 6, 2), (op.LOAD_F, 3, 0, 2, 6), (op.OUT_F, 0, 0, 4),
        (op.COPY_I, 4, 5), (op.OUT_I, 5, 4, 1),
        (op.HALT,),
    )
    out_i, out_f, status, _, _ = run(code, [10, 20, 30, 2, 0, 99, 1], [1.5, 2.5, -4.0, 0.0],
                                     n_out_i=6, n_out_f=4)
    assert status == op.OK
    assert out_i[0].tolist() == [30, 10, 20, 99, 7 + 2 * 3, 99]
    assert out_f[0].tolist() == [1.5, -4.0, -4.0, -4.0]


def test_branch_jump_loop_and_step_count() -> None:
    # ints: 0 i, 1 n=10, 2 acc, 3 one, 4 cond
    code = prog(
        (op.ILT, 4, 0, 1), (op.BRANCH, 4, 2, 5), (op.IADD, 2, 2, 0), (op.IADD, 0, 0, 3),
        (op.JUMP, 0), (op.OUT_I, 0, 2, 1), (op.HALT,),
    )
    ints0 = [0, 10, 0, 1, 0]
    out_i, _, status, pc, shot = run(code, ints0, n_out_i=1, max_steps=54)
    assert (status, pc, shot, int(out_i[0, 0])) == (op.OK, -1, -1, 45)
    _, _, status, pc, shot = run(code, ints0, n_out_i=1, max_steps=53)
    assert (status, pc, shot) == (op.ERR_STEPS, 6, 0)


@pytest.mark.parametrize(("max_steps", "pc"), [(4, 0), (5, 1), (0, 0)])
def test_err_steps_points_at_next_instruction(max_steps: int, pc: int) -> None:
    code = prog((op.IADD, 0, 0, 1), (op.JUMP, 0))
    assert run(code, [0, 1], max_steps=max_steps)[2:] == (op.ERR_STEPS, pc, 0)


@pytest.mark.parametrize(("row", "ints0", "floats0", "status"), [
    ((op.IFLOORDIV, 2, 0, 1), [5, 0, 0], None, op.ERR_ZERO_DIVISION),
    ((op.IMOD, 2, 0, 1), [-5, 0, 0], None, op.ERR_ZERO_DIVISION),
    ((op.FDIV, 2, 0, 1), None, [1.0, 0.0, 0.0], op.ERR_ZERO_DIVISION),
    ((op.FFLOORDIV, 2, 0, 1), None, [1.0, -0.0, 0.0], op.ERR_ZERO_DIVISION),
    ((op.FMOD, 2, 0, 1), None, [1.0, 0.0, 0.0], op.ERR_ZERO_DIVISION),
    ((op.IPOW, 2, 0, 1), [2, -1, 0], None, op.ERR_DOMAIN),
    ((op.ISHL, 2, 0, 1), [2, -1, 0], None, op.ERR_DOMAIN),
    ((op.ISHR, 2, 0, 1), [2, -1, 0], None, op.ERR_DOMAIN),
    ((op.FPOW, 2, 0, 1), None, [-8.0, 1 / 3, 0.0], op.ERR_DOMAIN),
    ((op.FPOW, 2, 0, 1), None, [0.0, -1.0, 0.0], op.ERR_DOMAIN),
    ((op.FPOW, 2, 0, 1), None, [-0.0, -3.0, 0.0], op.ERR_DOMAIN),
    ((op.FPOW, 2, 0, 1), None, [10.0, 400.0, 0.0], op.ERR_DOMAIN),
    ((op.FUNARY, 2, 0, op.FN_SQRT), None, [-1.0, 0.0, 0.0], op.ERR_DOMAIN),
    ((op.FUNARY, 2, 0, op.FN_ACOS), None, [2.0, 0.0, 0.0], op.ERR_DOMAIN),
    ((op.F2I, 2, 0, op.ROUND_FLOOR), [0, 0, 0], [math.nan, 0.0, 0.0], op.ERR_DOMAIN),
    ((op.F2I, 2, 0, op.ROUND_TRUNC), [0, 0, 0], [math.inf, 0.0, 0.0], op.ERR_DOMAIN),
    ((op.LOAD_I, 0, 0, 2, 1), [0, 2, 0], None, op.ERR_INDEX),
    ((op.LOAD_F, 0, 0, 2, 1), [0, -1, 0], None, op.ERR_INDEX),
    ((op.STORE_I, 0, 2, 1, 0), [0, 2, 0], None, op.ERR_INDEX),
    ((op.STORE_F, 0, 2, 1, 0), [0, -1, 0], None, op.ERR_INDEX),
    ((op.QUBIT_AT, 0, 0, 1, 2, 1), [0, 2, 0], None, op.ERR_INDEX),
    ((op.GATE, op.G_CX, 0, 1), [1, 1, 0], None, op.ERR_QUBIT_REUSE),
    ((op.GATE, op.G_CCX, 0, 1, 2), [0, 1, 0], None, op.ERR_QUBIT_REUSE),
])
def test_errors_report_status_and_pc(row: tuple[int, ...], ints0: list[int] | None,
                                     floats0: list[float] | None, status: int) -> None:
    code = prog((op.COPY_I, 2, 2), (op.COPY_F, 2, 2), row, (op.HALT,))
    ints0 = ints0 or [0, 0, 0]
    floats0 = floats0 or [0.0, 0.0, 0.0]
    assert run(code, ints0, floats0, nq=2)[2:] == (status, 2, 0)


def test_first_failing_shot_stops_the_run() -> None:
    # measure H|0>; shot fails (integer division by 0) when the outcome is 1
    code = prog((op.GATE, op.G_H, 0), (op.MEASURE, 1, 0), (op.OUT_I, 0, 1, 1),
                (op.BRANCH, 1, 5, 4), (op.HALT,), (op.IFLOORDIV, 2, 2, 0))
    out_i, _, status, pc, shot = run(code, [0, 0, 7], nq=1, n_out_i=1, shots=50, seed=3)
    assert (status, pc) == (op.ERR_ZERO_DIVISION, 5)
    assert 0 <= shot < 50
    assert out_i[:shot, 0].tolist() == [0] * shot and out_i[shot, 0] == 1
    assert not out_i[shot + 1:].any()


# ---------------------------------------------------------------- quantum semantics and randomness


def test_splitmix64_stream() -> None:
    s = ref.ShotStream(0, 0)
    s.state = 0  # the canonical splitmix64 sequence from state 0
    assert s.uniform() == (0xE220A8397B1DCDAF >> 11) * 2.0**-53
    s = ref.ShotStream(5, 2)
    assert s.state == ref.mix64(5 ^ ref.mix64(3))
    u = [ref.ShotStream(9, k).uniform() for k in range(1000)]
    assert all(0.0 <= x < 1.0 for x in u) and len(set(u)) == 1000


def test_measure_h_statistics() -> None:
    code = prog((op.GATE, op.G_H, 0), (op.MEASURE, 1, 0), (op.OUT_I, 0, 1, 1), (op.HALT,))
    out_i, _, status, _, _ = run(code, [0, 0], nq=1, n_out_i=1, shots=2000, seed=12345)
    assert status == op.OK and set(out_i[:, 0].tolist()) <= {0, 1}
    assert binomtest(int(out_i[:, 0].sum()), 2000, 0.5).pvalue > 1e-3


@pytest.mark.parametrize("first", [op.MEASURE, op.RESET])
def test_one_uniform_per_measure_and_reset(first: int) -> None:
    # qubit 0 is |0> (p1 = 0, deterministic), yet the first event still draws one uniform
    p = 0.3
    theta = 2 * math.asin(math.sqrt(p))
    head = (op.MEASURE, 2, 0) if first == op.MEASURE else (op.RESET, 0)
    code = prog(head, (op.GATE, op.G_RY, 1, 0, 0, 0), (op.MEASURE, 3, 1), (op.OUT_I, 0, 2, 2),
                (op.HALT,))
    out_i, _, status, _, _ = run(code, [0, 1, 0, 0], [theta], nq=2, n_out_i=2, shots=300, seed=77)
    assert status == op.OK
    for k in range(300):
        s = ref.ShotStream(77, k)
        s.uniform()
        assert out_i[k, 1] == int(s.uniform() < p)
    assert not out_i[:, 0].any()


def test_bell_measurements_agree() -> None:
    code = prog((op.GATE, op.G_H, 0), (op.GATE, op.G_CX, 0, 1), (op.MEASURE, 2, 0),
                (op.MEASURE, 3, 1), (op.OUT_I, 0, 2, 2), (op.HALT,))
    out_i, _, status, _, _ = run(code, [0, 1, 0, 0], nq=2, n_out_i=2, shots=500, seed=4)
    assert status == op.OK
    assert (out_i[:, 0] == out_i[:, 1]).all()
    assert binomtest(int(out_i[:, 0].sum()), 500, 0.5).pvalue > 1e-3


def test_reset_leaves_zero() -> None:
    # entangle, reset qubit 0: it reads 0 every time, its partner stays a fair coin;
    # X then reset also gives 0
    code = prog((op.GATE, op.G_H, 0), (op.GATE, op.G_CX, 0, 1), (op.RESET, 0),
                (op.MEASURE, 3, 0), (op.MEASURE, 4, 1),
                (op.GATE, op.G_X, 2), (op.RESET, 2), (op.MEASURE, 5, 2),
                (op.OUT_I, 0, 3, 3), (op.HALT,))
    out_i, _, status, _, _ = run(code, [0, 1, 2, 0, 0, 0], nq=3, n_out_i=3, shots=400, seed=8)
    assert status == op.OK
    assert not out_i[:, 0].any() and not out_i[:, 2].any()
    assert binomtest(int(out_i[:, 1].sum()), 400, 0.5).pvalue > 1e-3


def test_seed_reproducibility() -> None:
    rows = [(op.GATE, op.G_H, q) for q in range(5)]
    rows += [(op.MEASURE, 5 + q, q) for q in range(5)]
    code = prog(*rows, (op.OUT_I, 0, 5, 5), (op.HALT,))
    ints0 = list(range(5)) + [0] * 5

    def go(seed: int) -> np.ndarray:
        return run(code, ints0, nq=5, n_out_i=5, shots=64, seed=seed)[0]

    a = go(1)
    assert np.array_equal(a, go(1))
    assert not np.array_equal(a, go(2))
    assert len({tuple(r) for r in a.tolist()}) > 1  # shots differ within a run
    assert np.array_equal(go(-1), go(2**64 - 1))  # the seed is taken mod 2**64
