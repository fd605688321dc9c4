"""Plain NumPy reference interpreter of the engine bytecode, straight from the spec in kernels/opcodes.py."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from hybridrt.kernels import opcodes as op

_M64 = (1 << 64) - 1
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1

#: gate id -> (number of qubits, number of float parameters)
GATE_ARITY: dict[int, tuple[int, int]] = {
    op.G_X: (1, 0), op.G_Y: (1, 0), op.G_Z: (1, 0), op.G_H: (1, 0), op.G_S: (1, 0),
    op.G_SDG: (1, 0), op.G_T: (1, 0), op.G_TDG: (1, 0), op.G_SX: (1, 0),
    op.G_RX: (1, 1), op.G_RY: (1, 1), op.G_RZ: (1, 1), op.G_P: (1, 1), op.G_U: (1, 3),
    op.G_CX: (2, 0), op.G_CY: (2, 0), op.G_CZ: (2, 0), op.G_CH: (2, 0),
    op.G_CRX: (2, 1), op.G_CRY: (2, 1), op.G_CRZ: (2, 1), op.G_CP: (2, 1),
    op.G_CCX: (3, 0), op.G_SWAP: (2, 0), op.G_CSWAP: (3, 0),
    op.G_RXX: (2, 1), op.G_RYY: (2, 1), op.G_RZZ: (2, 1),
}

_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_Z = np.diag([1, -1]).astype(complex)
_H = np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2)


def _phase(lam: float) -> np.ndarray:
    return np.diag([1, np.exp(1j * lam)])


def _rot(pauli: np.ndarray, theta: float) -> np.ndarray:
    """exp(-i theta/2 P) for any P with P @ P = 1."""
    return math.cos(theta / 2) * np.eye(len(pauli)) - 1j * math.sin(theta / 2) * pauli


def _u(theta: float, phi: float, lam: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -np.exp(1j * lam) * s],
                     [np.exp(1j * phi) * s, np.exp(1j * (phi + lam)) * c]])


def _controlled(u: np.ndarray, num_controls: int) -> np.ndarray:
    """Controls on the low bits (Qiskit order), the target gate on the high bits."""
    nc = 1 << num_controls
    m = np.eye(nc * len(u), dtype=complex)
    act = [nc - 1 + nc * t for t in range(len(u))]  # indices with every control bit set
    m[np.ix_(act, act)] = u
    return m


def _one_qubit(gate_id: int, p: tuple[float, ...]) -> np.ndarray:
    table: dict[int, Callable[[], np.ndarray]] = {
        op.G_X: lambda: _X, op.G_Y: lambda: _Y, op.G_Z: lambda: _Z, op.G_H: lambda: _H,
        op.G_S: lambda: _phase(math.pi / 2), op.G_SDG: lambda: _phase(-math.pi / 2),
        op.G_T: lambda: _phase(math.pi / 4), op.G_TDG: lambda: _phase(-math.pi / 4),
        op.G_SX: lambda: np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]) / 2,
        op.G_RX: lambda: _rot(_X, p[0]), op.G_RY: lambda: _rot(_Y, p[0]),
        op.G_RZ: lambda: np.diag([np.exp(-0.5j * p[0]), np.exp(0.5j * p[0])]),
        op.G_P: lambda: _phase(p[0]), op.G_U: lambda: _u(p[0], p[1], p[2]),
    }
    return table[gate_id]()


_CONTROLLED_BASE = {
    op.G_CX: op.G_X, op.G_CY: op.G_Y, op.G_CZ: op.G_Z, op.G_CH: op.G_H,
    op.G_CRX: op.G_RX, op.G_CRY: op.G_RY, op.G_CRZ: op.G_RZ, op.G_CP: op.G_P,
}


def _permutation(perm: list[int]) -> np.ndarray:
    """Matrix sending basis state i to basis state perm[i]."""
    m = np.zeros((len(perm), len(perm)), dtype=complex)
    m[perm, range(len(perm))] = 1
    return m


def gate_matrix(gate_id: int, params: tuple[float, ...] = ()) -> np.ndarray:
    """Dense unitary of a gate; its qubit j is bit j of the matrix index (Qiskit order)."""
    p = tuple(float(x) for x in params)
    if gate_id in _CONTROLLED_BASE:
        m = _controlled(_one_qubit(_CONTROLLED_BASE[gate_id], p), 1)
    elif gate_id == op.G_CCX:
        m = _controlled(_X, 2)
    elif gate_id == op.G_SWAP:
        m = _permutation([0b00, 0b10, 0b01, 0b11])
    elif gate_id == op.G_CSWAP:  # qubit 0 controls the swap of qubits 1 and 2
        m = _permutation([i if not i & 1 else (i & 1) | ((i >> 1 & 1) << 2) | ((i >> 2 & 1) << 1)
                          for i in range(8)])
    elif gate_id == op.G_RXX:
        m = _rot(np.kron(_X, _X), p[0])
    elif gate_id == op.G_RYY:
        m = _rot(np.kron(_Y, _Y), p[0])
    elif gate_id == op.G_RZZ:
        m = _rot(np.kron(_Z, _Z), p[0])
    else:
        m = _one_qubit(gate_id, p)
    return np.asarray(m, dtype=np.complex128)


def apply_gate(state: np.ndarray, num_qubits: int, gate_id: int,
               qubits: tuple[int, ...] | list[int], params: tuple[float, ...] = ()) -> None:
    """Apply a gate in place to a little-endian statevector (bit k of an index = qubit k)."""
    k = GATE_ARITY[gate_id][0]
    apply_matrix(state, num_qubits, gate_matrix(gate_id, params), qubits[:k])


def apply_matrix(state: np.ndarray, num_qubits: int, m: np.ndarray, qubits: tuple[int, ...] | list[int]) -> None:
    """Apply a 2^k x 2^k matrix (basis index sum of bit(qubits[j]) * 2^j, as Qiskit) to ``qubits`` in place."""
    k = len(qubits)
    qs = [int(q) for q in qubits]
    if len(set(qs)) != k or not all(0 <= q < num_qubits for q in qs):
        raise ValueError(f"bad qubits {qs} on {num_qubits} qubits")
    n = num_qubits
    # C-order reshape: axis a holds bit n-1-a.  Gate tensor axes: out bits k-1..0, in bits k-1..0.
    psi = state.reshape((2,) * n)
    g = m.reshape((2,) * (2 * k))
    axes = [n - 1 - qs[j] for j in reversed(range(k))]
    out = np.tensordot(g, psi, axes=(list(range(k, 2 * k)), axes))
    state[:] = np.moveaxis(out, list(range(k)), axes).reshape(-1)


def mix64(z: int) -> int:
    """The splitmix64 finaliser, mod 2**64."""
    z &= _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


class ShotStream:
    """The splitmix64 uniform stream of one shot."""

    def __init__(self, seed: int, shot: int) -> None:
        self.state = mix64((seed & _M64) ^ mix64(shot + 1))

    def uniform(self) -> float:
        self.state = (self.state + op.GOLDEN) & _M64
        return (mix64(self.state) >> 11) * 2.0**-53


def _wrap(x: int) -> int:
    x &= _M64
    return x - (1 << 64) if x > _INT64_MAX else x


class _Err(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


def _int_binop(o: int, a: int, b: int) -> int:
    if o in (op.IFLOORDIV, op.IMOD) and b == 0:
        raise _Err(op.ERR_ZERO_DIVISION)
    if o in (op.IPOW, op.ISHL, op.ISHR) and b < 0:
        raise _Err(op.ERR_DOMAIN)
    if o == op.IADD:
        return _wrap(a + b)
    if o == op.ISUB:
        return _wrap(a - b)
    if o == op.IMUL:
        return _wrap(a * b)
    if o == op.IFLOORDIV:
        return _wrap(a // b)
    if o == op.IMOD:
        return a % b
    if o == op.IPOW:
        return _wrap(pow(a, b, 1 << 64))
    if o == op.IMIN:
        return b if b < a else a
    if o == op.IMAX:
        return b if b > a else a
    if o == op.IAND:
        return a & b
    if o == op.IOR:
        return a | b
    if o == op.IXOR:
        return a ^ b
    if o == op.ISHL:
        return 0 if b >= 64 else _wrap(a << b)
    if o == op.ISHR:
        return (-1 if a < 0 else 0) if b >= 64 else a >> b
    raise ValueError(f"not an int binop: {o}")


def _fpow(a: float, b: float) -> float:
    """Python's ``a ** b``: a complex result, ZeroDivisionError or OverflowError -> ERR_DOMAIN."""
    try:
        r = a**b
    except (ZeroDivisionError, OverflowError):
        raise _Err(op.ERR_DOMAIN) from None
    if isinstance(r, complex):  # a finite negative base to a finite non-integer power
        raise _Err(op.ERR_DOMAIN)
    return r


def _float_binop(o: int, a: float, b: float) -> float:
    if o in (op.FDIV, op.FFLOORDIV, op.FMOD) and b == 0.0:
        raise _Err(op.ERR_ZERO_DIVISION)
    if o == op.FADD:
        return a + b
    if o == op.FSUB:
        return a - b
    if o == op.FMUL:
        return a * b
    if o == op.FDIV:
        return a / b
    if o == op.FFLOORDIV:
        return a // b
    if o == op.FMOD:
        return a % b
    if o == op.FPOW:
        return _fpow(a, b)
    if o == op.FMIN:
        return b if b < a else a  # Python's min(a, b)
    if o == op.FMAX:
        return b if b > a else a  # Python's max(a, b)
    if o == op.FATAN2:
        return math.atan2(a, b)
    raise ValueError(f"not a float binop: {o}")


_CMP: tuple[Callable[[Any, Any], bool], ...] = (
    operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge)  # EQ..GE order

_FUNARY: dict[int, Callable[[float], float]] = {
    op.FN_NEG: lambda x: -x, op.FN_ABS: abs, op.FN_SQRT: math.sqrt, op.FN_EXP: math.exp,
    op.FN_LOG: math.log, op.FN_LOG2: math.log2, op.FN_LOG10: math.log10, op.FN_SIN: math.sin,
    op.FN_COS: math.cos, op.FN_TAN: math.tan, op.FN_ASIN: math.asin, op.FN_ACOS: math.acos,
    op.FN_ATAN: math.atan, op.FN_SINH: math.sinh, op.FN_COSH: math.cosh, op.FN_TANH: math.tanh,
    op.FN_ASINH: math.asinh, op.FN_ACOSH: math.acosh, op.FN_ATANH: math.atanh,
}


def _funary(fn: int, x: float) -> float:
    """Python's ``math`` function: ValueError (domain) or OverflowError -> ERR_DOMAIN."""
    try:
        return float(_FUNARY[fn](x))
    except (ValueError, OverflowError):
        raise _Err(op.ERR_DOMAIN) from None


def _f2i(x: float, mode: int) -> int:
    if not math.isfinite(x):
        raise _Err(op.ERR_DOMAIN)
    r = {op.ROUND_TRUNC: math.trunc, op.ROUND_FLOOR: math.floor, op.ROUND_CEIL: math.ceil}[mode](x)
    if not _INT64_MIN <= r <= _INT64_MAX:
        raise _Err(op.ERR_DOMAIN)
    return r


def _measure(state: np.ndarray, q: int, u: float) -> int:
    bit = (np.arange(len(state)) >> q) & 1
    p1 = float(np.sum(np.abs(state[bit == 1]) ** 2))
    outcome = 0 if p1 < op.EPS else 1 if p1 > 1 - op.EPS else int(u < p1)
    state[bit != outcome] = 0
    state /= np.linalg.norm(state)
    return outcome


def _check(idx: int, length: int) -> int:
    if not 0 <= idx < length:
        raise _Err(op.ERR_INDEX)
    return idx


def _run_shot(code: np.ndarray, ints: list[int], floats: list[float], num_qubits: int,
              out_i: np.ndarray, out_f: np.ndarray, rng: ShotStream, max_steps: int) -> tuple[int, int]:
    """Run one shot in place; return (status, pc of the failing instruction or -1)."""
    state = np.zeros(1 << num_qubits, dtype=np.complex128)
    state[0] = 1
    I, F = ints, floats  # noqa: E741  (the spec's names)
    pc = steps = 0
    while True:
        if steps >= max_steps:
            return op.ERR_STEPS, pc
        if not 0 <= pc < len(code):
            raise ValueError(f"pc {pc} outside the code")
        o, a, b, c, d, e, f, g = (int(v) for v in code[pc])
        steps += 1
        nxt = pc + 1
        try:
            if o == op.HALT:
                return op.OK, -1
            elif o == op.COPY_I:
                I[a] = I[b]
            elif o == op.COPY_F:
                F[a] = F[b]
            elif op.IADD <= o <= op.ISHR:
                I[a] = _int_binop(o, I[b], I[c])
            elif op.FADD <= o <= op.FATAN2:
                F[a] = _float_binop(o, F[b], F[c])
            elif op.IEQ <= o <= op.IGE:
                I[a] = int(_CMP[o - op.IEQ](I[b], I[c]))
            elif op.FEQ <= o <= op.FGE:
                I[a] = int(_CMP[o - op.FEQ](F[b], F[c]))
            elif o == op.INEG:
                I[a] = _wrap(-I[b])
            elif o == op.IABS:
                I[a] = _wrap(abs(I[b]))
            elif o == op.INVERT:
                I[a] = ~I[b]
            elif o == op.NOT:
                I[a] = _wrap(1 - I[b])
            elif o == op.I2B:
                I[a] = int(I[b] != 0)
            elif o == op.F2B:
                I[a] = int(F[b] != 0.0)
            elif o == op.I2F:
                F[a] = float(I[b])
            elif o == op.F2I:
                I[a] = _f2i(F[b], c)
            elif o == op.FUNARY:
                F[a] = _funary(c, F[b])
            elif o == op.QUBIT_AT:  # dst base step length idx
                I[a] = b + _check(I[e], d) * c
            elif o == op.LOAD_I:  # dst base length idx
                I[a] = I[b + _check(I[d], c)]
            elif o == op.LOAD_F:
                F[a] = F[b + _check(I[d], c)]
            elif o == op.STORE_I:  # base length idx src
                I[a + _check(I[c], b)] = I[d]
            elif o == op.STORE_F:
                F[a + _check(I[c], b)] = F[d]
            elif o == op.GATE:  # gate q0 q1 q2 p0 p1 p2
                nq, np_ = GATE_ARITY[a]
                qs = tuple(I[x] for x in (b, c, d)[:nq])
                if len(set(qs)) != nq:
                    raise _Err(op.ERR_QUBIT_REUSE)
                apply_gate(state, num_qubits, a, qs, tuple(F[x] for x in (e, f, g)[:np_]))
            elif o == op.UNITARY2:  # q0 q1 f: F[f:f+16] real parts, F[f+16:f+32] imaginary parts
                if I[a] == I[b]:
                    raise _Err(op.ERR_QUBIT_REUSE)
                m = (np.array(F[c:c + 16]) + 1j * np.array(F[c + 16:c + 32])).reshape(4, 4)
                apply_matrix(state, num_qubits, m, (I[a], I[b]))
            elif o == op.MEASURE:
                I[a] = _measure(state, I[b], rng.uniform())
            elif o == op.RESET:
                if _measure(state, I[a], rng.uniform()):
                    apply_gate(state, num_qubits, op.G_X, (I[a],))
            elif o == op.JUMP:
                nxt = a
            elif o == op.BRANCH:
                nxt = b if I[a] != 0 else c
            elif o == op.OUT_I:  # index src count
                out_i[a:a + c] = I[b:b + c]
            elif o == op.OUT_F:
                out_f[a:a + c] = F[b:b + c]
            else:
                raise ValueError(f"unknown opcode {o} at pc {pc}")
        except _Err as err:
            return err.status, pc
        pc = nxt


def run_reference(code: np.ndarray, ints0: np.ndarray, floats0: np.ndarray, num_qubits: int,
                  n_out_i: int, n_out_f: int, shots: int, seed: int, max_steps: int,
                  ) -> tuple[np.ndarray, np.ndarray, int, int, int]:
    """Run every shot from scratch; stop at the first failing shot.

    Returns ``(out_i, out_f, status, err_pc, err_shot)``; rows of shots that did not run are 0,
    and the failing shot's row holds what it wrote before failing.
    """
    code = np.asarray(code, dtype=np.int64).reshape(-1, op.WIDTH)
    out_i = np.zeros((shots, n_out_i), dtype=np.int64)
    out_f = np.zeros((shots, n_out_f), dtype=np.float64)
    for k in range(shots):
        ints = [int(v) for v in np.asarray(ints0, dtype=np.int64)]
        floats = [float(v) for v in np.asarray(floats0, dtype=np.float64)]
        status, pc = _run_shot(code, ints, floats, num_qubits, out_i[k], out_f[k],
                               ShotStream(seed, k), max_steps)
        if status != op.OK:
            return out_i, out_f, status, pc, k
    return out_i, out_f, op.OK, -1, -1
