"""Preparing an IR program for Q#: straight-line blocks merged, constant-indexed arrays split, and what folds.

``coalesce`` and ``scalarize`` are passes ``Program -> Program``; ``plan`` decides
which instructions are no Q# statement of their own: temporaries used once
later in their block (folded into the expression that uses them), a
measurement followed by a reset of its qubit (one ``MResetZ``), copies of
parameters and copies nothing reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from hybridrt import ir

__all__ = ["PURE", "Plan", "coalesce", "needs_check", "plan", "reads", "scalarize", "writes"]


def scalarize(p: ir.Program) -> tuple[ir.Program, dict[str, tuple[ir.Reg, ...]]]:
    """Arrays indexed only by constants become one register per element (qdk cannot update an array under
    measurement-dependent control flow); the program, and the element registers of each such array."""
    arrays = {r.name: r for r in p.regs if isinstance(r.type, ir.ArrayType)}
    for b in p.blocks:
        for i in b.instrs:
            if isinstance(i, (ir.Load, ir.Store)) and not (isinstance(i.index, ir.Const)
                                                          and 0 <= i.index.value < i.array.type.length):  # type: ignore[union-attr]
                arrays.pop(i.array.name, None)
    taken = {r.name for r in (*p.params, *p.regs)}
    elems: dict[str, tuple[ir.Reg, ...]] = {}
    for a in arrays.values():
        regs = []
        for k in range(a.type.length):  # type: ignore[union-attr]
            name = f"{a.name}_{k}"
            while name in taken:
                name += "_"
            taken.add(name)
            regs.append(ir.Reg(name, a.type.elem))  # type: ignore[union-attr]
        elems[a.name] = tuple(regs)
    if not elems:
        return p, {}

    def rewrite(i: ir.Instr) -> ir.Instr:
        if isinstance(i, ir.Store) and i.array.name in elems:
            return ir.Copy(elems[i.array.name][i.index.value], i.value, i.loc)  # type: ignore[union-attr]
        if isinstance(i, ir.Load) and i.array.name in elems:
            return ir.Copy(i.dest, elems[i.array.name][i.index.value], i.loc)  # type: ignore[union-attr]
        return i

    blocks = tuple(replace(b, instrs=tuple(rewrite(i) for i in b.instrs)) for b in p.blocks)
    regs = p.regs + tuple(r for rs in elems.values() for r in rs)
    return ir.verify(replace(p, regs=regs, blocks=blocks)), elems


def coalesce(p: ir.Program) -> ir.Program:
    """``p`` with each block that only one jump reaches merged into the block that jumps to it."""
    blocks = {b.label: b for b in p.blocks}
    preds: dict[str, int] = {}
    for b in p.blocks:
        for t in ir.successors(b.terminator):
            preds[t] = preds.get(t, 0) + 1
    entry = p.blocks[0].label
    for b in p.blocks:
        if b.label not in blocks:
            continue
        merged = blocks[b.label]
        while isinstance(merged.terminator, ir.Jump) and preds.get(t := merged.terminator.target) == 1 \
                and t not in (entry, b.label):
            nxt = blocks.pop(t)
            merged = ir.Block(b.label, merged.instrs + nxt.instrs, nxt.terminator)
        blocks[b.label] = merged
    return ir.verify(replace(p, blocks=tuple(blocks.values())))


def reads(i: ir.Instr | ir.Terminator) -> list[ir.Reg]:
    """The registers an instruction or terminator reads: its register operands other than ``dest``."""
    return [x for name, v in vars(i).items() if name != "dest"
            for x in (v if isinstance(v, tuple) else (v,)) if isinstance(x, ir.Reg)]


def writes(i: ir.Instr) -> ir.Reg | None:
    if isinstance(i, ir.Store):
        return i.array
    return getattr(i, "dest", None)


@dataclass
class Plan:
    """Which instructions are not statements of their own."""

    folded: dict[str, ir.Instr] = field(default_factory=dict)  # register -> the instruction computing it
    skip: set[tuple[str, int]] = field(default_factory=set)  # (block, index) of folded, dead or fused code
    mresetz: set[int] = field(default_factory=set)  # id() of measurements fused with the reset that follows
    aliases: dict[str, str] = field(default_factory=dict)  # register -> the parameter it is a copy of


def plan(p: ir.Program, elements: dict[str, tuple[ir.Reg, ...]]) -> Plan:
    """What of ``p`` folds, fuses or goes; ``elements``: the element registers of scalarized arrays."""
    out = Plan()
    defs: dict[str, int] = {}
    uses: dict[str, list[tuple[str, int]]] = {}
    for b in p.blocks:
        for k, i in enumerate((*b.instrs, b.terminator)):
            for r in reads(i):
                for x in elements.get(r.name, (r,)):  # a returned array of element registers reads them all
                    uses.setdefault(x.name, []).append((b.label, k))
            if k < len(b.instrs) and (w := writes(i)) is not None:  # type: ignore[arg-type]
                defs[w.name] = defs.get(w.name, 0) + 1
    params = {r.name for r in p.params}
    for k, i in enumerate(p.blocks[0].instrs):  # the frontend's copies of parameters never written again
        if isinstance(i, ir.Copy) and isinstance(i.src, ir.Reg) and i.src.name in params \
                and i.src.name not in defs and defs[i.dest.name] == 1:
            out.aliases[i.dest.name] = i.src.name
            out.skip.add((p.blocks[0].label, k))
    for b in p.blocks:
        code = (*b.instrs, b.terminator)
        for k, i in enumerate(b.instrs):
            if isinstance(i, ir.Copy) and i.dest.name not in uses:
                out.skip.add((b.label, k))  # a dead copy
            if isinstance(i, ir.Measure):  # a reset of the measured qubit, past classical code only: MResetZ
                j = k + 1
                while isinstance(code[j], PURE) and writes(code[j]) != i.qubit:  # type: ignore[arg-type]
                    j += 1
                if isinstance(code[j], ir.Reset) and code[j].qubit == i.qubit:  # type: ignore[union-attr]
                    out.mresetz.add(id(i))
                    out.skip.add((b.label, j))
        _fold(p, b, defs, uses, params, out)
    return out


PURE = (ir.Copy, ir.Unary, ir.Binary, ir.Load, ir.QubitAt)


def _fold(p: ir.Program, b: ir.Block, defs: dict[str, int], uses: dict[str, list[tuple[str, int]]],
          params: set[str], out: Plan) -> None:
    """Fold each register of ``b`` used once, later in ``b``, into that use, where moving it there is safe."""
    code = (*b.instrs, b.terminator)
    reach: dict[str, set[str]] = {}  # folded register -> the registers its expression reads
    measured: list[tuple[int, ir.Reg]] = []
    for k, i in enumerate(b.instrs):
        dest = writes(i)
        if dest is None or (b.label, k) in out.skip or not isinstance(i, (*PURE, ir.Measure)):
            continue
        u = uses.get(dest.name, [])
        if defs.get(dest.name) != 1 or len(u) != 1 or u[0][0] != b.label or u[0][1] <= k or dest.name in params:
            continue
        if isinstance(i, ir.QubitAt) and needs_check(p, i):
            continue
        if isinstance(i, ir.Measure):
            measured.append((k, dest))
            continue
        read = {r.name for r in reads(i)}
        for r in list(read):
            read |= reach.get(r, set())
        if any((w := writes(x)) is not None and w.name in read for x in b.instrs[k + 1:u[0][1]]):
            continue
        reach[dest.name] = read
        out.folded[dest.name] = i
        out.skip.add((b.label, k))
    for k, dest in measured:  # a measurement folds where its value is used, past classical code only,
        at, via = uses[dest.name][0][1], []  # and never into an operand that may not be evaluated (and, or)
        while at < len(b.instrs) and (w := writes(b.instrs[at])) is not None and w.name in out.folded:
            via.append(b.instrs[at])
            at = uses[w.name][0][1]
        user = code[at]
        if isinstance(user, ir.Return) or any(isinstance(i, ir.Binary) and i.op in ("and", "or") and
                                               i.a.type == ir.BOOL for i in (*via, user)):
            continue
        between = [x for x in range(k + 1, at) if (b.label, x) not in out.skip]
        if between and not (isinstance(user, ir.Branch) and all(isinstance(b.instrs[x], PURE) for x in between)):
            continue
        out.folded[dest.name] = b.instrs[k]
        out.skip.add((b.label, k))


def needs_check(p: ir.Program, i: ir.QubitAt) -> bool:
    """Whether a computed qubit index needs its own range check (Q# checks ``q[k]`` against ``q`` itself)."""
    if isinstance(i.index, ir.Const):
        return not 0 <= i.index.value < i.length
    return not (i.base == 0 and i.step == 1 and i.length == p.num_qubits)
