"""Gate fusion: runs of one-qubit gates on the same qubit become one ``u`` gate before execution.

Within a basic block, one-qubit gates with a static qubit and constant angles
are multiplied together per qubit until something else touches that qubit (a
multi-qubit gate, a measurement, a reset, or an operation on a qubit computed
at run time); then the product is emitted as a single ``u`` gate.  The result
equals the original up to a global phase, so every measurement statistic is
unchanged while the engine makes one pass over the state instead of several.
"""

from __future__ import annotations

import cmath
import math
from dataclasses import replace

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


def _fusible(i: ir.Instr) -> bool:
    return (isinstance(i, ir.Gate) and len(i.qubits) == 1 and isinstance(i.qubits[0], ir.Const)
            and all(isinstance(a, ir.Const) for a in i.params))


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


def _fused(gates: list[ir.Gate]) -> ir.Gate:
    if len(gates) == 1:
        return gates[0]
    m = np.eye(2, dtype=complex)
    for g in gates:
        m = one_qubit_matrix(g.name, tuple(float(a.value) for a in g.params)) @ m  # type: ignore[union-attr]
    angles = tuple(ir.Const(float(x), ir.FLOAT) for x in u_angles(m))
    return ir.Gate("u", gates[0].qubits, angles, gates[0].loc)


def _fuse_block(b: ir.Block) -> ir.Block:
    out: list[ir.Instr] = []
    pending: dict[int, list[ir.Gate]] = {}

    def flush(qubits: set[int] | None) -> None:
        for q in sorted(pending if qubits is None else qubits & pending.keys()):
            out.append(_fused(pending.pop(q)))

    for i in b.instrs:
        if _fusible(i):
            pending.setdefault(i.qubits[0].value, []).append(i)  # type: ignore[union-attr]
            continue
        touched = _touched(i)
        if isinstance(i, (ir.Measure, ir.Reset)):
            flush(None)  # no gate may move past a measurement: the engine samples what follows none
        elif touched is None or touched:
            flush(touched)
        out.append(i)
    flush(None)
    return replace(b, instrs=tuple(out))


def fuse_one_qubit_gates(p: ir.Program) -> ir.Program:
    """``p`` with each run of constant one-qubit gates on a qubit replaced by one ``u`` gate."""
    return replace(p, blocks=tuple(_fuse_block(b) for b in p.blocks))
