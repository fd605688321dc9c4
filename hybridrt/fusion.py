"""Gate fusion: runs of gates on one or two qubits become one dense gate before execution.

Within a basic block, gates with static qubits and constant angles are multiplied
together: one-qubit gates per qubit, and everything on a pair of qubits from a
two-qubit gate on, until something else touches those qubits (a gate on another
pair, a three-qubit gate, a gate whose qubit or angle is computed at run time).
No gate moves past a measurement or reset, so the engine still samples
measurements that only classical code follows.  A one-qubit product becomes one
``u`` gate; a pair's product with more than one gate in it becomes one dense
``unitary2`` (``ir.FUSED_GATES``).  The result equals the original up to a global
phase, so every measurement statistic is unchanged while the engine makes one
pass over the state where it made several.
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass, field, replace

import numpy as np

from . import ir

_S = 1 / math.sqrt(2)
_FIXED = {
    "x": [[0, 1], [1, 0]], "y": [[0, -1j], [1j, 0]], "z": [[1, 0], [0, -1]],
    "h": [[_S, _S], [_S, -_S]], "s": [[1, 0], [0, 1j]], "sdg": [[1, 0], [0, -1j]],
    "t": [[1, 0], [0, cmath.exp(1j * math.pi / 4)]], "tdg": [[1, 0], [0, cmath.exp(-1j * math.pi / 4)]],
    "sx": [[0.5 + 0.5j, 0.5 - 0.5j], [0.5 - 0.5j, 0.5 + 0.5j]],
}


def one_qubit_matrix(name: str, params: tuple[float, ...]) -> np.ndarray:
    """The 2x2 matrix of a one-qubit gate (Qiskit's conventions)."""
    if name in _FIXED:
        return np.array(_FIXED[name], dtype=complex)
    if name == "p":
        return np.diag([1, cmath.exp(1j * params[0])])
    if name == "rz":
        return np.diag([cmath.exp(-0.5j * params[0]), cmath.exp(0.5j * params[0])])
    c, s = math.cos(params[0] / 2), math.sin(params[0] / 2)
    if name == "rx":
        return np.array([[c, -1j * s], [-1j * s, c]])
    if name == "ry":
        return np.array([[c, -s], [s, c]], dtype=complex)
    phi, lam = params[1], params[2]  # u
    return np.array([[c, -cmath.exp(1j * lam) * s], [cmath.exp(1j * phi) * s, cmath.exp(1j * (phi + lam)) * c]])


def u_angles(m: np.ndarray) -> tuple[float, float, float]:
    """(theta, phi, lam) with ``m == exp(i alpha) u(theta, phi, lam)`` for some global phase alpha."""
    a, b, c, d = m[0, 0], m[0, 1], m[1, 0], m[1, 1]
    theta = 2 * math.atan2(abs(c), abs(a))
    if abs(a) > 1e-12:
        alpha = cmath.phase(a)
        if abs(c) > 1e-12:
            return theta, cmath.phase(c) - alpha, cmath.phase(-b) - alpha
        return theta, 0.0, cmath.phase(d) - alpha
    return theta, 0.0, cmath.phase(-b) - cmath.phase(c)


_CONTROLLED = {"cx": "x", "cy": "y", "cz": "z", "ch": "h", "crx": "rx", "cry": "ry", "crz": "rz", "cp": "p"}
_PAULI = {"rxx": "x", "ryy": "y", "rzz": "z"}
_SWAP = np.eye(4, dtype=complex)[[0, 2, 1, 3]]


def two_qubit_matrix(name: str, params: tuple[float, ...]) -> np.ndarray:
    """The 4x4 matrix of a two-qubit gate on (q0, q1), basis index bit(q0) + 2 bit(q1) (Qiskit's order)."""
    if name in _CONTROLLED:  # q0 controls
        m = np.eye(4, dtype=complex)
        m[1::2, 1::2] = one_qubit_matrix(_CONTROLLED[name], params)
        return m
    if name == "swap":
        return _SWAP.copy()
    p = one_qubit_matrix(_PAULI[name], ())
    return math.cos(params[0] / 2) * np.eye(4) - 1j * math.sin(params[0] / 2) * np.kron(p, p)


def _static(i: ir.Instr) -> bool:
    return isinstance(i, ir.Gate) and i.name in ir.GATES and all(
        isinstance(x, ir.Const) for x in (*i.qubits, *i.params))


def _touched(i: ir.Instr) -> set[int] | None:
    """The static qubits an instruction acts on; None if it acts on a qubit computed at run time."""
    if isinstance(i, ir.Gate):
        qs = i.qubits
    elif isinstance(i, (ir.Measure, ir.Reset)):
        qs = (i.qubit,)
    else:
        return set()
    if any(not isinstance(q, ir.Const) for q in qs):
        return None
    return {q.value for q in qs}  # type: ignore[union-attr]


def _values(g: ir.Gate) -> tuple[float, ...]:
    return tuple(float(a.value) for a in g.params)  # type: ignore[union-attr]


def _qubits(g: ir.Gate) -> tuple[int, ...]:
    return tuple(q.value for q in g.qubits)  # type: ignore[union-attr]


def _one_qubit_gate(gates: list[ir.Gate]) -> ir.Gate:
    if len(gates) == 1:
        return gates[0]
    m = np.eye(2, dtype=complex)
    for g in gates:
        m = one_qubit_matrix(g.name, _values(g)) @ m
    angles = tuple(ir.Const(float(x), ir.FLOAT) for x in u_angles(m))
    return ir.Gate("u", gates[0].qubits, angles, gates[0].loc)


@dataclass
class _Pair:
    """Gates on qubits (a, b) since a two-qubit gate, as one 4x4 matrix (basis bit(a) + 2 bit(b))."""

    a: int
    b: int
    gates: list[ir.Gate] = field(default_factory=list)
    matrix: np.ndarray = field(default_factory=lambda: np.eye(4, dtype=complex))

    def add(self, g: ir.Gate) -> None:
        qs = _qubits(g)
        if len(qs) == 1:
            m = one_qubit_matrix(g.name, _values(g))
            m = np.kron(np.eye(2), m) if qs[0] == self.a else np.kron(m, np.eye(2))
        else:
            m = two_qubit_matrix(g.name, _values(g))
            if qs[0] != self.a:
                m = _SWAP @ m @ _SWAP
        self.matrix = m @ self.matrix
        self.gates.append(g)

    def gate(self) -> ir.Gate:
        if len(self.gates) == 1:
            return self.gates[0]
        m = self.matrix.reshape(-1)
        params = tuple(ir.Const(float(x), ir.FLOAT) for x in (*m.real, *m.imag))
        qs = (ir.Const(self.a, ir.QUBIT), ir.Const(self.b, ir.QUBIT))
        return ir.Gate("unitary2", qs, params, self.gates[-1].loc)


def _fuse_block(b: ir.Block) -> ir.Block:
    out: list[ir.Instr] = []
    single: dict[int, list[ir.Gate]] = {}  # qubit -> one-qubit gates not yet emitted
    pairs: dict[int, _Pair] = {}  # qubit -> the open pair it belongs to

    def flush(qubits: set[int] | None) -> None:
        for q in sorted(set(single) | set(pairs) if qubits is None else qubits):
            if q in single:
                out.append(_one_qubit_gate(single.pop(q)))
            if q in pairs:
                pair = pairs.pop(q)
                pairs.pop(pair.b if q == pair.a else pair.a)
                out.append(pair.gate())

    for i in b.instrs:
        qs = _qubits(i) if _static(i) else ()  # type: ignore[arg-type]
        if len(qs) == 1 and qs[0] in pairs:
            pairs[qs[0]].add(i)  # type: ignore[arg-type]
        elif len(qs) == 1:
            single.setdefault(qs[0], []).append(i)  # type: ignore[arg-type]
        elif len(qs) == 2 and qs[0] in pairs and pairs[qs[0]] is pairs.get(qs[1]):
            pairs[qs[0]].add(i)  # type: ignore[arg-type]
        elif len(qs) == 2:
            flush({q for q in qs if q in pairs})
            pair = _Pair(*qs)
            for q in qs:
                for g in single.pop(q, []):
                    pair.add(g)
                pairs[q] = pair
            pair.add(i)  # type: ignore[arg-type]
        else:
            touched = _touched(i)
            flush(None if isinstance(i, (ir.Measure, ir.Reset)) else touched)
            out.append(i)
    flush(None)
    return replace(b, instrs=tuple(out))


def fuse_gates(p: ir.Program) -> ir.Program:
    """``p`` with gates fused into one-qubit ``u`` and two-qubit ``unitary2`` gates (see the module docstring)."""
    return replace(p, blocks=tuple(_fuse_block(b) for b in p.blocks))
