"""The assembler: IR program -> engine bytecode (int64 code, register images, output layout)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import ir
from .errors import InternalError, Loc
from .kernels import opcodes as oc


@dataclass(frozen=True)
class Slot:
    """Where a value lives in the engine's memory: int or float slots, first index, array length."""

    is_float: bool
    index: int
    length: int | None  # None for a scalar


@dataclass(frozen=True)
class Bytecode:
    """A program ready for the engine; ``ints0``/``floats0`` still need the parameters written in."""

    program: ir.Program
    code: np.ndarray
    ints0: np.ndarray
    floats0: np.ndarray
    params: tuple[Slot, ...]
    outputs: tuple[Slot, ...]  # index = offset in the output row
    n_out_i: int
    n_out_f: int
    locs: tuple[Loc | None, ...]
    classical_tail: np.ndarray  # per pc: no gate or reset is reachable from here
    pause_row: np.ndarray  # per pc: its row in live_ints/live_floats if MEASURE or RESET, else -1
    live_ints: np.ndarray  # (pauses, int slots): which int slots may still be read after that pause
    live_floats: np.ndarray  # (pauses, float slots)


_INT_BINARY = {
    "add": oc.IADD, "sub": oc.ISUB, "mul": oc.IMUL, "floordiv": oc.IFLOORDIV, "mod": oc.IMOD,
    "pow": oc.IPOW, "min": oc.IMIN, "max": oc.IMAX, "and": oc.IAND, "or": oc.IOR,
    "xor": oc.IXOR, "shl": oc.ISHL, "shr": oc.ISHR, "eq": oc.IEQ, "ne": oc.INE,
    "lt": oc.ILT, "le": oc.ILE, "gt": oc.IGT, "ge": oc.IGE,
}
_FLOAT_BINARY = {
    "add": oc.FADD, "sub": oc.FSUB, "mul": oc.FMUL, "div": oc.FDIV, "floordiv": oc.FFLOORDIV,
    "mod": oc.FMOD, "pow": oc.FPOW, "min": oc.FMIN, "max": oc.FMAX, "atan2": oc.FATAN2,
    "eq": oc.FEQ, "ne": oc.FNE, "lt": oc.FLT, "le": oc.FLE, "gt": oc.FGT, "ge": oc.FGE,
}
_FUNCTIONS = {
    "neg.float": oc.FN_NEG, "abs.float": oc.FN_ABS, "sqrt": oc.FN_SQRT, "exp": oc.FN_EXP,
    "log": oc.FN_LOG, "log2": oc.FN_LOG2, "log10": oc.FN_LOG10, "sin": oc.FN_SIN,
    "cos": oc.FN_COS, "tan": oc.FN_TAN, "asin": oc.FN_ASIN, "acos": oc.FN_ACOS,
    "atan": oc.FN_ATAN, "sinh": oc.FN_SINH, "cosh": oc.FN_COSH, "tanh": oc.FN_TANH,
    "asinh": oc.FN_ASINH, "acosh": oc.FN_ACOSH, "atanh": oc.FN_ATANH,
}
_INT_UNARY = {
    "neg.int": (oc.INEG, 0), "abs.int": (oc.IABS, 0), "invert": (oc.INVERT, 0), "not": (oc.NOT, 0),
    "int_to_float": (oc.I2F, 0), "bool_to_int": (oc.COPY_I, 0), "int_to_bool": (oc.I2B, 0),
    "float_to_bool": (oc.F2B, 0), "float_to_int": (oc.F2I, oc.ROUND_TRUNC),
    "floor": (oc.F2I, oc.ROUND_FLOOR), "ceil": (oc.F2I, oc.ROUND_CEIL),
}


class _Memory:
    """Allocates int and float slots for registers and (deduplicated) constants."""

    def __init__(self) -> None:
        self.ints: list[int] = [0]  # slot 0: the constant 0, used for absent operands
        self.floats: list[float] = [0.0]
        self.regs: dict[str, Slot] = {}
        self.consts: dict[tuple[bool, object], int] = {(False, 0): 0, (True, 0.0): 0}

    def add_reg(self, r: ir.Reg) -> Slot:
        t = r.type
        elem, length = (t.elem, t.length) if isinstance(t, ir.ArrayType) else (t, None)
        is_float = elem == ir.FLOAT
        pool = self.floats if is_float else self.ints
        slot = Slot(is_float, len(pool), length)
        pool.extend([0] * (length if length is not None else 1))
        self.regs[r.name] = slot
        return slot

    def block(self, values: list[float]) -> int:
        """Consecutive float slots holding ``values`` (a fused gate's matrix); the first one's index."""
        self.floats.extend(values)
        return len(self.floats) - len(values)

    def slot(self, op: ir.Operand) -> int:
        if isinstance(op, ir.Reg):
            return self.regs[op.name].index
        is_float = op.type == ir.FLOAT
        value = float(op.value) if is_float else int(op.value)
        key = (is_float, value)
        if key not in self.consts:
            pool = self.floats if is_float else self.ints
            self.consts[key] = len(pool)
            pool.append(value)
        return self.consts[key]


def assemble(p: ir.Program) -> Bytecode:
    """Lay out memory and translate every block of ``p`` into engine instructions."""
    mem = _Memory()
    params = tuple(mem.add_reg(r) for r in p.params)
    for r in p.regs:
        mem.add_reg(r)
    rows: list[list[int]] = []
    locs: list[Loc | None] = []
    fixups: list[tuple[int, int, str]] = []  # (row, field, label)
    starts: dict[str, int] = {}
    outputs = _output_layout(p.returns)

    def emit(loc: Loc | None, *fields: int) -> int:
        rows.append(list(fields) + [0] * (oc.WIDTH - len(fields)))
        locs.append(loc)
        return len(rows) - 1

    def jump_to(row: int, field: int, label: str) -> None:
        fixups.append((row, field, label))

    s = mem.slot
    for b in p.blocks:
        starts[b.label] = len(rows)
        for i in b.instrs:
            if isinstance(i, ir.Copy):
                emit(i.loc, oc.COPY_F if i.dest.type == ir.FLOAT else oc.COPY_I, s(i.dest), s(i.src))
            elif isinstance(i, ir.Binary):
                table = _FLOAT_BINARY if i.a.type == ir.FLOAT else _INT_BINARY
                emit(i.loc, table[i.op], s(i.dest), s(i.a), s(i.b))
            elif isinstance(i, ir.Unary):
                if i.op in _FUNCTIONS:
                    emit(i.loc, oc.FUNARY, s(i.dest), s(i.a), _FUNCTIONS[i.op])
                else:
                    opcode, mode = _INT_UNARY[i.op]
                    emit(i.loc, opcode, s(i.dest), s(i.a), mode)
            elif isinstance(i, ir.Gate) and i.name == "unitary2":
                emit(i.loc, oc.UNITARY2, s(i.qubits[0]), s(i.qubits[1]),
                     mem.block([float(a.value) for a in i.params]))  # type: ignore[union-attr]
            elif isinstance(i, ir.Gate):
                qs = [s(q) for q in i.qubits] + [0] * (3 - len(i.qubits))
                ps = [s(a) for a in i.params] + [0] * (3 - len(i.params))
                emit(i.loc, oc.GATE, oc.GATE_IDS[i.name], *qs, *ps)
            elif isinstance(i, ir.Measure):
                emit(i.loc, oc.MEASURE, s(i.dest), s(i.qubit))
            elif isinstance(i, ir.Reset):
                emit(i.loc, oc.RESET, s(i.qubit))
            elif isinstance(i, ir.QubitAt):
                emit(i.loc, oc.QUBIT_AT, s(i.dest), i.base, i.step, i.length, s(i.index))
            elif isinstance(i, ir.Load):
                fl = i.dest.type == ir.FLOAT
                emit(i.loc, oc.LOAD_F if fl else oc.LOAD_I, s(i.dest), s(i.array), i.array.type.length, s(i.index))
            elif isinstance(i, ir.Store):
                fl = i.array.type.elem == ir.FLOAT
                emit(i.loc, oc.STORE_F if fl else oc.STORE_I, s(i.array), i.array.type.length, s(i.index), s(i.value))
            else:
                raise InternalError(f"cannot assemble {i!r}")
        t = b.terminator
        if isinstance(t, ir.Jump):
            jump_to(emit(t.loc, oc.JUMP), 1, t.target)
        elif isinstance(t, ir.Branch):
            row = emit(t.loc, oc.BRANCH, s(t.cond))
            jump_to(row, 2, t.if_true)
            jump_to(row, 3, t.if_false)
        else:
            for v, out in zip(t.values, outputs):
                emit(t.loc, oc.OUT_F if out.is_float else oc.OUT_I, out.index, s(v), out.length or 1)
            emit(t.loc, oc.HALT)
    for row, field, label in fixups:
        rows[row][field] = starts[label]
    code = np.array(rows, dtype=np.int64).reshape(-1, oc.WIDTH)
    return Bytecode(
        program=p,
        code=code,
        ints0=np.array(mem.ints, dtype=np.int64),
        floats0=np.array(mem.floats, dtype=np.float64),
        params=params,
        outputs=tuple(outputs),
        n_out_i=sum(o.length or 1 for o in outputs if not o.is_float),
        n_out_f=sum(o.length or 1 for o in outputs if o.is_float),
        locs=tuple(locs),
        classical_tail=_classical_tail(code),
        **_pause_liveness(code, len(mem.ints), len(mem.floats)),
    )


def _output_layout(returns: ir.ReturnType) -> tuple[Slot, ...]:
    """Where each returned value goes in a shot's int and float output rows."""
    layout, used = [], [0, 0]
    for leaf in ir.return_leaves(returns):
        elem, length = (leaf.elem, leaf.length) if isinstance(leaf, ir.ArrayType) else (leaf, None)
        is_float = elem == ir.FLOAT
        layout.append(Slot(is_float, used[is_float], length))
        used[is_float] += length if length is not None else 1
    return tuple(layout)


def _classical_tail(code: np.ndarray) -> np.ndarray:
    """For each pc: True when no gate or reset can execute from there on."""
    n = code.shape[0]
    preds: list[list[int]] = [[] for _ in range(n)]
    for pc in range(n):
        for t in _successors(code, pc):
            preds[t].append(pc)
    quantum = np.isin(code[:, 0], (oc.GATE, oc.UNITARY2, oc.RESET))
    reaches = quantum.copy()
    work = [int(pc) for pc in np.flatnonzero(quantum)]
    while work:
        pc = work.pop()
        for q in preds[pc]:
            if not reaches[q]:
                reaches[q] = True
                work.append(q)
    return ~reaches


def _successors(code: np.ndarray, pc: int) -> list[int]:
    op = code[pc, 0]
    if op == oc.JUMP:
        return [int(code[pc, 1])]
    if op == oc.BRANCH:
        return [int(code[pc, 2]), int(code[pc, 3])]
    if op == oc.HALT:
        return []
    return [pc + 1]


def _uses_defs(row: np.ndarray) -> tuple[int, int, int, int]:
    """Bitsets of the int slots and float slots an instruction reads and (surely) writes."""
    op, a, b, c, d, e, f, g = (int(x) for x in row)
    bit = lambda k: 1 << k  # noqa: E731
    span = lambda base, n: ((1 << n) - 1) << base  # noqa: E731
    ui = uf = di = df = 0
    if op == oc.COPY_I or op in (oc.INEG, oc.IABS, oc.INVERT, oc.NOT, oc.I2B):
        ui, di = bit(b), bit(a)
    elif op == oc.COPY_F:
        uf, df = bit(b), bit(a)
    elif oc.IADD <= op <= oc.ISHR or oc.IEQ <= op <= oc.IGE:
        ui, di = bit(b) | bit(c), bit(a)
    elif oc.FADD <= op <= oc.FATAN2:
        uf, df = bit(b) | bit(c), bit(a)
    elif oc.FEQ <= op <= oc.FGE:
        uf, di = bit(b) | bit(c), bit(a)
    elif op == oc.F2B or op == oc.F2I:
        uf, di = bit(b), bit(a)
    elif op == oc.I2F:
        ui, df = bit(b), bit(a)
    elif op == oc.FUNARY:
        uf, df = bit(b), bit(a)
    elif op == oc.QUBIT_AT:
        ui, di = bit(e), bit(a)
    elif op == oc.LOAD_I:
        ui, di = span(b, c) | bit(d), bit(a)
    elif op == oc.LOAD_F:
        ui, uf, df = bit(d), span(b, c), bit(a)
    elif op == oc.STORE_I:
        ui = bit(c) | bit(d)
    elif op == oc.STORE_F:
        ui, uf = bit(c), bit(d)
    elif op == oc.GATE:
        ui, uf = bit(b) | bit(c) | bit(d), bit(e) | bit(f) | bit(g)
    elif op == oc.UNITARY2:
        ui, uf = bit(a) | bit(b), span(c, 32)
    elif op == oc.MEASURE:
        ui, di = bit(b), bit(a)
    elif op == oc.RESET:
        ui = bit(a)
    elif op == oc.BRANCH:
        ui = bit(a)
    elif op == oc.OUT_I:
        ui = span(b, c)
    elif op == oc.OUT_F:
        uf = span(b, c)
    return ui, uf, di, df


def _pause_liveness(code: np.ndarray, n_ints: int, n_floats: int) -> dict[str, np.ndarray]:
    """Which registers may be read after each MEASURE/RESET: branches equal on those are interchangeable."""
    n = code.shape[0]
    facts = [_uses_defs(code[pc]) for pc in range(n)]
    succs = [_successors(code, pc) for pc in range(n)]
    preds: list[list[int]] = [[] for _ in range(n)]
    for pc, ss in enumerate(succs):
        for t in ss:
            preds[t].append(pc)
    live_i, live_f = [0] * n, [0] * n
    work, queued = list(range(n)), [True] * n  # backward problem: start from the end
    while work:
        pc = work.pop()
        queued[pc] = False
        out_i = out_f = 0
        for t in succs[pc]:
            out_i |= live_i[t]
            out_f |= live_f[t]
        ui, uf, di, df = facts[pc]
        new_i, new_f = ui | (out_i & ~di), uf | (out_f & ~df)
        if new_i != live_i[pc] or new_f != live_f[pc]:
            live_i[pc], live_f[pc] = new_i, new_f
            for p in preds[pc]:
                if not queued[p]:
                    queued[p] = True
                    work.append(p)
    pauses = [pc for pc in range(n) if code[pc, 0] in (oc.MEASURE, oc.RESET)]
    pause_row = np.full(n, -1, dtype=np.int64)
    pause_row[pauses] = np.arange(len(pauses))

    def mask(bits: list[int], width: int) -> np.ndarray:
        size = (width + 7) // 8
        raw = b"".join(bits[pc].to_bytes(size, "little") for pc in pauses)
        unpacked = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")
        return unpacked.reshape(len(pauses), size * 8)[:, :width].astype(np.bool_)

    return {"pause_row": pause_row, "live_ints": mask(live_i, n_ints), "live_floats": mask(live_f, n_floats)}
