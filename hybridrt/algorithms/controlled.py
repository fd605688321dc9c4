"""Controlled powers of a unitary kernel: the gates a kernel applies to a register, and their exact controlled form.

A *unitary kernel* is a ``@hybridrt.kernel`` function whose first parameter is a
register (``def u(q): ...``) and whose gates do not depend on measurements.
:func:`register_gates` compiles it for a register of ``n`` qubits and flattens it
(loops unrolled, indices and angles resolved) to a tuple of gates on qubits
``0 .. n-1``; a *power kernel* ``def u_pow(q, m: int)`` applying ``U^m`` is
compiled the same way for a given ``m``.  :func:`controlled` rewrites a gate
sequence so that it acts only when a control qubit is 1, exactly: the global phase
of every gate becomes a phase on the control, which is what phase estimation reads.

>>> import math
>>> import hybridrt as hr
>>> from hybridrt import cp
>>> @hr.kernel
... def u(q) -> None:
...     cp(math.pi / 4, q[0], q[1])
>>> [g.name for g in register_gates(u, 2)]
['cp']
>>> [(g.name, [q.value for q in g.qubits]) for g in controlled(power_gates(u, 2, 3), control=0, base=1)]
[('crz', [0, 2]), ('ccx', [0, 1, 2]), ('crz', [0, 2]), ('ccx', [0, 1, 2]), ('crz', [0, 1]), ('p', [0])]
"""

from __future__ import annotations

import cmath
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .. import ir
from ..errors import CompileError
from ..frontend import compile_kernel
from ..fusion import one_qubit_matrix, u_angles
from ..kernel import Kernel
from ..lang import qubits
from ..passes import specialize

_EPS = 1e-13  # angles below this are dropped (the engine's and QIR's doubles cannot tell)


def check_register_kernel(k: object, what: str, extra: int = 0) -> Kernel:
    """``k`` if it is a ``@hybridrt.kernel`` function taking a register (and ``extra`` more arguments)."""
    if not isinstance(k, Kernel) or k._hybridrt_function is None:
        raise TypeError(f"{what} must be a @hybridrt.kernel function taking a register of qubits, got {k!r}")
    required = [p for p in inspect.signature(k._hybridrt_function).parameters.values()
                if p.default is inspect.Parameter.empty]
    if len(required) != 1 + extra:
        shape = "(q)" if extra == 0 else "(q, m: int)"
        raise TypeError(f"{what} {k.name}() must take {1 + extra} argument{'s' * bool(extra)} {shape}, "
                        f"it takes {len(required)}")
    return k


def _call_on_register(k: Kernel, n: int, args: tuple[int, ...]) -> Callable[[], None]:
    """A kernel body that allocates ``n`` qubits and calls ``k`` on them (inlined by the frontend)."""
    if args:
        (m,) = args

        def apply_power() -> None:
            k(qubits(n), m)

        return apply_power

    def apply() -> None:
        k(qubits(n))

    return apply


def register_gates(k: Kernel, n: int, *args: int) -> tuple[ir.Gate, ...]:
    """The gates ``k(q, *args)`` applies to a register ``q`` of ``n`` qubits, flattened, on qubits ``0 .. n-1``.

    Raises ``CompileError`` at the user's line for a measurement, a reset or qubits allocated
    inside ``k``: a phase-estimation unitary must be a fixed sequence of gates.
    """
    program = specialize(compile_kernel(_call_on_register(k, n, args), {}))
    if program.num_qubits != n:
        raise CompileError(f"{k.name}() allocates {program.num_qubits - n} qubit(s) of its own: phase estimation "
                           f"needs it to act only on the register it is given ({n} qubits)")
    gates: list[ir.Gate] = []
    block = program.blocks[0]
    while True:
        for i in block.instrs:
            if isinstance(i, (ir.Measure, ir.Reset)):
                what = "measures" if isinstance(i, ir.Measure) else "resets"
                raise CompileError(f"{k.name}() {what} a qubit: phase estimation needs a unitary (gates only)", i.loc)
            if isinstance(i, ir.Gate):
                if not all(isinstance(x, ir.Const) for x in (*i.qubits, *i.params)):
                    raise CompileError(f"{k.name}(): the qubits and angles of this gate must be known before the "
                                       "run for phase estimation", i.loc)
                gates.append(i)
        term = block.terminator
        if isinstance(term, ir.Return):
            return tuple(gates)
        if isinstance(term, ir.Branch):
            raise CompileError(f"{k.name}() branches on a value known only at run time: phase estimation needs a "
                               "unitary (gates only)", term.loc)
        block = program.block(term.target)


def power_gates(unitary: Kernel, n: int, m: int, power: Kernel | None = None) -> tuple[ir.Gate, ...]:
    """The gates of ``U^m``: ``power(q, m)`` if a power kernel is given, else ``unitary(q)`` repeated ``m`` times."""
    if power is not None:
        return register_gates(power, n, m)
    return register_gates(unitary, n) * m


# ---------------------------------------------------------------- exact decomposition


@dataclass(frozen=True)
class _One:
    """A one-qubit unitary (exact, global phase included)."""

    qubit: int
    matrix: np.ndarray
    loc: object


@dataclass(frozen=True)
class _CX:
    control: int
    target: int
    loc: object


_Prim = _One | _CX
_PI = math.pi
#: two-qubit gates that are a controlled one-qubit gate: name -> the target's gate
_CONTROLLED_ONE = {"cy": "y", "cz": "z", "ch": "h", "crx": "rx", "cry": "ry", "crz": "rz", "cp": "p"}
#: other multi-qubit gates as exact sequences (name, qubit positions, angles from the gate's angles)
_EXACT: dict[str, Callable[[tuple[float, ...]], list[tuple[str, tuple[int, ...], tuple[float, ...]]]]] = {
    "swap": lambda p: [("cx", (0, 1), ()), ("cx", (1, 0), ()), ("cx", (0, 1), ())],
    "rzz": lambda p: [("cx", (0, 1), ()), ("rz", (1,), p), ("cx", (0, 1), ())],
    "rxx": lambda p: [("h", (0,), ()), ("h", (1,), ()), ("rzz", (0, 1), p), ("h", (0,), ()), ("h", (1,), ())],
    "ryy": lambda p: [("rx", (0,), (_PI / 2,)), ("rx", (1,), (_PI / 2,)), ("rzz", (0, 1), p),
                      ("rx", (0,), (-_PI / 2,)), ("rx", (1,), (-_PI / 2,))],
    "ccx": lambda p: [("h", (2,), ()), ("cx", (1, 2), ()), ("tdg", (2,), ()), ("cx", (0, 2), ()), ("t", (2,), ()),
                      ("cx", (1, 2), ()), ("tdg", (2,), ()), ("cx", (0, 2), ()), ("t", (1,), ()), ("t", (2,), ()),
                      ("h", (2,), ()), ("cx", (0, 1), ()), ("t", (0,), ()), ("tdg", (1,), ()), ("cx", (0, 1), ())],
    "cswap": lambda p: [("cx", (2, 1), ()), ("ccx", (0, 1, 2), ()), ("cx", (2, 1), ())],
}


def _zyz(m: np.ndarray) -> tuple[float, float, float, float]:
    """(gamma, phi, theta, lam) with ``m == exp(i gamma) rz(phi) ry(theta) rz(lam)``."""
    theta, phi, lam = u_angles(m)
    u = one_qubit_matrix("u", (theta, phi, lam))
    k = np.unravel_index(np.argmax(np.abs(u)), u.shape)
    alpha = cmath.phase(m[k] / u[k])
    return alpha + (phi + lam) / 2, phi, theta, lam


def _controlled_one(control: int, target: int, m: np.ndarray, loc: object) -> list[_Prim]:
    """``C-m`` as one-qubit gates and two cx (``m = e^{i g} A X B X C`` with ``ABC = I``)."""
    gamma, phi, theta, lam = _zyz(m)
    rz, ry = (lambda a: one_qubit_matrix("rz", (a,))), (lambda a: one_qubit_matrix("ry", (a,)))
    return [_One(control, one_qubit_matrix("p", (gamma,)), loc),
            _One(target, rz((lam - phi) / 2), loc), _CX(control, target, loc),
            _One(target, ry(-theta / 2) @ rz(-(lam + phi) / 2), loc), _CX(control, target, loc),
            _One(target, rz(phi) @ ry(theta / 2), loc)]


def _primitives(name: str, qs: tuple[int, ...], params: tuple[float, ...], loc: object) -> list[_Prim]:
    """One gate as one-qubit unitaries and cx, exactly (global phase included)."""
    if len(qs) == 1:
        return [_One(qs[0], one_qubit_matrix(name, params), loc)]
    if name == "cx":
        return [_CX(qs[0], qs[1], loc)]
    if name in _CONTROLLED_ONE:
        return _controlled_one(qs[0], qs[1], one_qubit_matrix(_CONTROLLED_ONE[name], params), loc)
    out: list[_Prim] = []
    for sub, positions, angles in _EXACT[name](params):
        out += _primitives(sub, tuple(qs[p] for p in positions), angles, loc)
    return out


def _fused(prims: list[_Prim]) -> list[_Prim]:
    """Runs of one-qubit unitaries on a qubit multiplied into one, until a cx touches that qubit (a diagonal
    one on the cx's control commutes with it and waits)."""
    out: list[_Prim] = []
    pending: dict[int, _One] = {}
    for p in prims:
        if isinstance(p, _One):
            before = pending.get(p.qubit)
            pending[p.qubit] = p if before is None else _One(p.qubit, p.matrix @ before.matrix, before.loc)
            continue
        for q in (p.control, p.target):
            one = pending.get(q)
            if one is not None and not (q == p.control and abs(one.matrix[0, 1]) + abs(one.matrix[1, 0]) < _EPS):
                out.append(pending.pop(q))
        out.append(p)
    return out + list(pending.values())


def _gate(name: str, qs: Sequence[int], params: Sequence[float], loc: object) -> ir.Gate:
    return ir.Gate(name, tuple(ir.Const(q, ir.QUBIT) for q in qs), tuple(ir.Const(float(a), ir.FLOAT) for a in params),
                   loc)  # type: ignore[arg-type]


def _small(angle: float) -> bool:
    return abs(math.remainder(angle, 4 * _PI)) < _EPS


@dataclass
class _Controlled1:
    """A controlled one-qubit gate, its target's matrix growing as equal neighbours are multiplied in."""

    qubits: tuple[int, ...]
    matrix: np.ndarray
    loc: object


def _merged(gates: Sequence[ir.Gate], base: int) -> list[_Prim]:
    """The gates (moved to qubits ``base ..``) as primitives; controlled one-qubit gates on the same pair of
    qubits, with nothing on those qubits in between (as in ``U^m`` for a ``U`` of one ``cp``), multiplied first."""
    items: list[_Controlled1 | tuple[str, tuple[int, ...], tuple[float, ...], object]] = []
    open_pairs: dict[tuple[int, ...], _Controlled1] = {}  # the last such gate on each pair, if nothing followed
    for g in gates:
        qs = tuple(base + int(q.value) for q in g.qubits)  # type: ignore[union-attr]
        params = tuple(float(a.value) for a in g.params)  # type: ignore[union-attr]
        item: _Controlled1 | tuple[str, tuple[int, ...], tuple[float, ...], object]
        if g.name in _CONTROLLED_ONE:
            m = one_qubit_matrix(_CONTROLLED_ONE[g.name], params)
            if qs in open_pairs:
                open_pairs[qs].matrix = m @ open_pairs[qs].matrix
                continue
            item = _Controlled1(qs, m, g.loc)
        else:
            item = (g.name, qs, params, g.loc)
        for pair in [pair for pair in open_pairs if set(pair) & set(qs)]:
            del open_pairs[pair]
        if isinstance(item, _Controlled1):
            open_pairs[qs] = item
        items.append(item)
    prims: list[_Prim] = []
    for it in items:
        if isinstance(it, _Controlled1):
            prims += _controlled_one(it.qubits[0], it.qubits[1], it.matrix, it.loc)
        else:
            prims += _primitives(*it)
    return prims


def controlled(gates: Sequence[ir.Gate], control: int, base: int = 0) -> list[ir.Gate]:
    """``gates`` (on qubits ``0 ..``, moved to ``base ..``) applied only when qubit ``control`` is 1.

    Exact, global phase included: every gate is written as one-qubit unitaries and cx, runs of
    one-qubit unitaries are multiplied together, then each ``e^{ig} rz(a) ry(b) rz(c)`` becomes
    ``crz(c) cry(b) crz(a)`` and each cx a ccx; the phases ``g``, which commute with all of it, are
    applied once at the end as ``p(sum g)`` on the control.
    """
    prims = _merged(gates, base)
    out: list[ir.Gate] = []
    phase = 0.0
    for p in _fused(prims):
        if isinstance(p, _CX):
            out.append(_gate("ccx", (control, p.control, p.target), (), p.loc))
            continue
        gamma, phi, theta, lam = _zyz(p.matrix)
        phase += gamma
        if _small(theta):
            lam, phi = lam + phi, 0.0
        else:
            if not _small(lam):
                out.append(_gate("crz", (control, p.qubit), (lam,), p.loc))
            out.append(_gate("cry", (control, p.qubit), (theta,), p.loc))
            lam = 0.0
        if not _small(lam + phi):
            out.append(_gate("crz", (control, p.qubit), (lam + phi,), p.loc))
    phase = math.remainder(phase, 2 * _PI)
    if abs(phase) >= _EPS:
        loc = gates[0].loc if gates else None
        out.append(_gate("p", (control,), (phase,), loc))
    return out


def moved(gates: Sequence[ir.Gate], base: int) -> list[ir.Gate]:
    """``gates`` on qubits ``base + q`` instead of ``q``."""
    return [ir.Gate(g.name, tuple(ir.Const(base + int(q.value), ir.QUBIT) for q in g.qubits), g.params, g.loc)
            for g in gates]  # type: ignore[union-attr]
