"""Pure IR passes ``Program -> Program`` for lowering: bind arguments, specialize (partial evaluation), decompose gates.

``specialize`` is an online partial evaluator over the CFG.  It specializes each
block for the classical values known on entry (an *environment*): constant
computation folds away, loops with a classically known trip count unroll, computed
qubit indices and list indices become static, and branches on known conditions
disappear.  A branch on a value only known at run time (a measurement) stays: its
two arms are explored and the environments that reach their join (the branch's
immediate post-dominator) are merged, so values that differ across the arms become
run-time registers again.  A path that comes back to such a branch (a loop whose
exit depends on a measurement) either unrolls further (``unroll_dynamic``, up to
``max_unroll`` times, as bounded repeat-until-success needs) or generalises the loop
header until its environment is a fixpoint, and stays a backward branch.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from . import ir
from .errors import InternalError, Loc, TargetError

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


# ---------------------------------------------------------------- bind_arguments


def _const_of(value: Any, t: str, what: str) -> ir.Const:
    """``value`` as a constant of kernel type ``t`` (bool -> int -> float widen, as for kernel arguments)."""
    ok = {ir.BOOL: (bool,), ir.INT: (bool, int), ir.FLOAT: (bool, int, float)}[t]
    if not isinstance(value, ok):
        raise TypeError(f"{what} must be {t}, got {type(value).__name__} {value!r}")
    if t == ir.INT and not _INT64_MIN <= int(value) <= _INT64_MAX:
        raise TypeError(f"{what}: {value!r} does not fit in a 64-bit int")
    return ir.Const({ir.BOOL: bool, ir.INT: int, ir.FLOAT: float}[t](value), t)


def bind_arguments(program: ir.Program, values: Sequence[Any]) -> ir.Program:
    """``program`` with its parameters set to ``values``: they become registers assigned in a new entry block."""
    if len(values) != len(program.params):
        raise TypeError(f"kernel {program.name}() takes {len(program.params)} arguments, got {len(values)}")
    instrs: list[ir.Instr] = []
    for r, v in zip(program.params, values):
        what = f"kernel {program.name}(): argument {r.name!r}"
        if isinstance(r.type, ir.ArrayType):
            items = list(v)
            if len(items) != r.type.length:
                raise TypeError(f"{what} must be a list of {r.type.length} {r.type.elem}s, got {len(items)}")
            instrs += [ir.Store(r, ir.Const(k, ir.INT), _const_of(x, r.type.elem, what)) for k, x in enumerate(items)]
        else:
            instrs.append(ir.Copy(r, _const_of(v, r.type, what)))  # type: ignore[arg-type]
    labels = {b.label for b in program.blocks}
    label = next(name for name in ("args", *(f"args.{k}" for k in range(1, len(labels) + 2))) if name not in labels)
    entry = ir.Block(label, tuple(instrs), ir.Jump(program.blocks[0].label))
    return ir.verify(replace(program, params=(), regs=program.params + program.regs,
                             blocks=(entry, *program.blocks)))


# ---------------------------------------------------------------- constant folding (the engine's semantics)


class FoldError(Exception):
    """A constant operation that fails whenever it runs (division by zero, a domain error)."""


def _wrap(x: int) -> int:
    x &= (1 << 64) - 1
    return x - (1 << 64) if x > _INT64_MAX else x


def _int_binary(op: str, a: int, b: int) -> int:
    if op in ("floordiv", "mod") and b == 0:
        raise FoldError("division by zero")
    if op in ("pow", "shl", "shr") and b < 0:
        raise FoldError("math domain error (a negative power or shift)")
    if op == "shl":
        return 0 if b >= 64 else _wrap(a << b)
    if op == "shr":
        return (-1 if a < 0 else 0) if b >= 64 else a >> b
    if op == "pow":
        return _wrap(pow(a, b, 1 << 64))
    return _wrap(_PY_BINARY[op](a, b))


def _float_pow(a: float, b: float) -> float:
    try:
        r = a**b
    except (ZeroDivisionError, OverflowError):
        raise FoldError("math domain error") from None
    if isinstance(r, complex):
        raise FoldError("math domain error")
    return float(r)


def _float_binary(op: str, a: float, b: float) -> float:
    if op in ("div", "floordiv", "mod") and b == 0.0:
        raise FoldError("division by zero")
    if op == "pow":
        return _float_pow(a, b)
    return float(_PY_BINARY[op](a, b))


_PY_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "floordiv": lambda a, b: a // b, "mod": lambda a, b: a % b,
    "min": lambda a, b: b if b < a else a, "max": lambda a, b: b if b > a else a,
    "atan2": math.atan2, "and": lambda a, b: a & b, "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b,
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
}


def fold_binary(op: str, t: str, a: Any, b: Any) -> Any:
    """``a op b`` for operands of type ``t``, exactly as the engine computes it."""
    if op in ("eq", "ne", "lt", "le", "gt", "ge"):
        return bool(_PY_BINARY[op](a, b))
    if t == ir.BOOL:
        return bool(_PY_BINARY[op](a, b))
    if t == ir.INT:
        return _int_binary(op, a, b)
    return _float_binary(op, a, b)


def _to_int(x: float, f: Callable[[float], int]) -> int:
    if not math.isfinite(x):
        raise FoldError("math domain error (a float too large for an int)")
    r = f(x)
    if not _INT64_MIN <= r <= _INT64_MAX:
        raise FoldError("math domain error (a float too large for an int)")
    return r


_MATH: dict[str, Callable[[float], float]] = {
    name: getattr(math, name) for name in
    "sqrt exp log log2 log10 sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh".split()}


def fold_unary(op: str, a: Any) -> Any:
    """``op a`` exactly as the engine computes it."""
    if op == "neg.int":
        return _wrap(-a)
    if op == "abs.int":
        return _wrap(abs(a))
    if op == "neg.float":
        return -a
    if op == "abs.float":
        return abs(a)
    if op == "not":
        return not a
    if op == "invert":
        return ~a
    if op == "int_to_float":
        return float(a)
    if op == "bool_to_int":
        return int(a)
    if op == "int_to_bool":
        return a != 0
    if op == "float_to_bool":
        return a != 0.0
    if op == "float_to_int":
        return _to_int(a, math.trunc)
    if op == "floor":
        return _to_int(a, math.floor)
    if op == "ceil":
        return _to_int(a, math.ceil)
    try:
        return float(_MATH[op](a))
    except (ValueError, OverflowError):
        raise FoldError("math domain error") from None


# ---------------------------------------------------------------- CFG analyses


def _uses_defs(b: ir.Block) -> tuple[set[str], set[str]]:
    """Upward-exposed uses and (killing) definitions of ``b``; a store is a use of its array."""
    uses: set[str] = set()
    defs: set[str] = set()

    def use(op: object) -> None:
        if isinstance(op, ir.Reg) and op.name not in defs:
            uses.add(op.name)

    for i in b.instrs:
        if isinstance(i, ir.Copy):
            use(i.src)
        elif isinstance(i, ir.Unary):
            use(i.a)
        elif isinstance(i, ir.Binary):
            use(i.a)
            use(i.b)
        elif isinstance(i, ir.Gate):
            for op in (*i.qubits, *i.params):
                use(op)
        elif isinstance(i, (ir.Measure, ir.Reset)):
            use(i.qubit)
        elif isinstance(i, ir.QubitAt):
            use(i.index)
        elif isinstance(i, ir.Load):
            use(i.array)
            use(i.index)
        elif isinstance(i, ir.Store):
            use(i.array)
            use(i.index)
            use(i.value)
        dest = getattr(i, "dest", None)
        if dest is not None:
            defs.add(dest.name)
    t = b.terminator
    if isinstance(t, ir.Branch):
        use(t.cond)
    elif isinstance(t, ir.Return):
        for v in t.values:
            use(v)
    return uses, defs


def live_in(p: ir.Program) -> dict[str, frozenset[str]]:
    """The registers live on entry to each block."""
    info = {b.label: _uses_defs(b) for b in p.blocks}
    succ = {b.label: ir.successors(b.terminator) for b in p.blocks}
    live: dict[str, set[str]] = {b.label: set() for b in p.blocks}
    changed = True
    while changed:
        changed = False
        for b in reversed(p.blocks):
            out: set[str] = set()
            for s in succ[b.label]:
                out |= live[s]
            uses, defs = info[b.label]
            new = uses | (out - defs)
            if new != live[b.label]:
                live[b.label] = new
                changed = True
    return {k: frozenset(v) for k, v in live.items()}


_EXIT = "\0exit"


def post_dominators(p: ir.Program) -> dict[str, str | None]:
    """The immediate post-dominator of each block (None: the virtual exit, or no path to it)."""
    succ = {b.label: list(ir.successors(b.terminator)) or [_EXIT] for b in p.blocks}
    preds: dict[str, list[str]] = {b.label: [] for b in p.blocks}
    preds[_EXIT] = []
    for b, ss in succ.items():
        for s in ss:
            preds[s].append(b)
    idom = ir.immediate_dominators(preds.__getitem__, _EXIT)  # dominators of the reversed graph
    return {b.label: (None if idom.get(b.label, _EXIT) == _EXIT else idom[b.label]) for b in p.blocks}


def _joins(p: ir.Program) -> dict[str, str | None]:
    """Where the arms of a branch in each block meet: its immediate post-dominator, skipping blocks that
    only branch on a register (``endbool`` of ``while not done and n < 5``), whose arms must not merge
    before that register's value decides where they go."""
    ipdom = post_dominators(p)
    blocks = {b.label: b for b in p.blocks}

    def skip(label: str | None) -> str | None:
        seen = set()
        while label is not None and label not in seen:
            b = blocks[label]
            if b.instrs or not isinstance(b.terminator, ir.Branch) or not isinstance(b.terminator.cond, ir.Reg):
                break
            seen.add(label)
            label = ipdom[label]
        return label

    return {label: skip(j) for label, j in ipdom.items()}


# ---------------------------------------------------------------- environments

_UNKNOWN = object()  # an array element whose value is only known at run time
Env = dict  # register name -> value (bool/int/float, a qubit index) or tuple for arrays


def _vkey(v: Any) -> Any:
    if isinstance(v, tuple):
        return tuple(_vkey(x) for x in v)
    if v is _UNKNOWN:
        return "?"
    if isinstance(v, float):
        return ("f", v.hex())
    return (type(v).__name__, v)


def _env_key(env: Env) -> tuple[Any, ...]:
    return tuple(sorted((k, _vkey(v)) for k, v in env.items()))


def _merge(envs: Sequence[Env]) -> Env:
    """What all ``envs`` agree on."""
    first, rest = envs[0], envs[1:]
    out: Env = {}
    for name, v in first.items():
        if not all(name in e for e in rest):
            continue
        if isinstance(v, tuple):
            elems = list(v)
            for e in rest:
                elems = [x if x is not _UNKNOWN and _vkey(x) == _vkey(y) else _UNKNOWN
                         for x, y in zip(elems, e[name])]
            if any(x is not _UNKNOWN for x in elems):
                out[name] = tuple(elems)
        elif all(_vkey(e[name]) == _vkey(v) for e in rest):
            out[name] = v
    return out


def _covers(general: Env, env: Env) -> bool:
    """True when everything ``general`` knows, ``env`` knows with the same value."""
    for name, v in general.items():
        if name not in env:
            return False
        if isinstance(v, tuple):
            if any(x is not _UNKNOWN and _vkey(x) != _vkey(y) for x, y in zip(v, env[name])):
                return False
        elif _vkey(v) != _vkey(env[name]):
            return False
    return True


def _zero(t: ir.Type) -> Any:
    if isinstance(t, ir.ArrayType):
        return tuple(_zero(t.elem) for _ in range(t.length))
    return {ir.BOOL: False, ir.INT: 0, ir.FLOAT: 0.0, ir.QUBIT: 0}[t]


# ---------------------------------------------------------------- specialize


@dataclass(eq=False)
class _Spec:
    """One specialized block: an original block for an entry environment."""

    label: str
    orig: str
    env: Env
    instrs: list[ir.Instr] = field(default_factory=list)
    term: tuple[Any, ...] = ()


@dataclass(eq=False)
class _Edge:
    env: Env = field(default_factory=dict)
    spec: _Spec | None = None
    via: _Edge | None = None  # resolved later, through a region's merged edge

    def target(self) -> _Spec:
        e: _Edge = self
        while e.spec is None:
            if e.via is None:
                raise InternalError("specialize: an edge was never resolved")
            e = e.via
        return e.spec


@dataclass(eq=False)
class _Region:
    """A branch on a run-time value being explored: arrivals at its join merge; paths back to it are loops."""

    serial: int
    header: str
    spec: _Spec
    join: str | None
    no_unroll: bool
    arrivals: list[_Edge] = field(default_factory=list)


class _Generalize(Exception):
    def __init__(self, region: _Region, env: Env):
        self.region = region
        self.env = env


Ctx = tuple  # of _Region, outermost first


class _Specializer:
    def __init__(self, p: ir.Program, max_blocks: int, max_instrs: int, unroll_dynamic: bool, max_unroll: int):
        self.p = p
        self.blocks = {b.label: b for b in p.blocks}
        self.regs = {r.name: r for r in (*p.params, *p.regs)}
        self.live = live_in(p)
        self.join = _joins(p)
        self.max_blocks, self.max_instrs = max_blocks, max_instrs
        self.unroll_dynamic, self.max_unroll = unroll_dynamic, max_unroll
        self.memo: dict[Any, _Spec] = {}
        self.serial = 0
        self.nblocks = self.ninstrs = 0
        self.labels: set[str] = set()
        self.next_suffix: dict[str, int] = {}

    # -- labels, budget
    def fresh(self, hint: str) -> str:
        label, k = hint, self.next_suffix.get(hint, 0)
        while label in self.labels:
            k += 1
            label = f"{hint}.{k}"
        self.next_suffix[hint] = k
        self.labels.add(label)
        return label

    def charge(self, block: ir.Block) -> None:
        self.nblocks += 1
        self.ninstrs += len(block.instrs) + 1
        if self.nblocks > self.max_blocks or self.ninstrs > self.max_instrs:
            loc = next((i.loc for i in (*block.instrs, block.terminator) if i.loc is not None), None)
            raise TargetError(
                f"kernel {self.p.name!r} is too large to lower: specializing it for the target needs more than "
                f"{self.max_blocks:,} blocks or {self.max_instrs:,} instructions (a loop with a very large or "
                "unbounded classical trip count?)", loc)

    # -- edges
    def resolve(self, edge: _Edge, target: str, env: Env, ctx: Ctx, work: list[_Spec]) -> None:
        env = {k: v for k, v in env.items() if k in self.live[target]}
        edge.env = env
        headers = [r for r in ctx if r.header == target]
        if headers:
            for r in reversed(headers):
                if _covers(r.spec.env, env):
                    edge.spec = r.spec  # a backward branch to the loop's header
                    return
            outer = headers[0]
            if not self.unroll_dynamic or outer.no_unroll or len(headers) >= self.max_unroll:
                raise _Generalize(outer, _merge([outer.spec.env, env]))
        for r in reversed(ctx):
            if r.join == target:
                r.arrivals.append(edge)
                return
            if r.header == target:
                break
        key = (target, _env_key(env), tuple(r.serial for r in ctx))
        spec = self.memo.get(key)
        if spec is None:
            spec = self.memo[key] = _Spec(self.fresh(target), target, env)
            work.append(spec)
        edge.spec = spec

    def explore(self, work: list[_Spec], ctx: Ctx) -> None:
        while work:
            self.process(work.pop(), ctx, work)

    # -- one block
    def process(self, spec: _Spec, ctx: Ctx, work: list[_Spec]) -> None:
        block = self.blocks[spec.orig]
        no_unroll = False
        while True:
            self.charge(block)
            env = dict(spec.env)
            spec.instrs = []
            for i in block.instrs:
                self.instr(i, env, spec.instrs)
            t = block.terminator
            if isinstance(t, ir.Return):
                values = []
                for v in t.values:
                    if isinstance(v.type, ir.ArrayType):
                        self.materialize_array(v, env, spec.instrs, t.loc)  # type: ignore[arg-type]
                        values.append(v)
                    else:
                        values.append(self.subst(v, env))
                spec.term = ("ret", tuple(values), t.loc)
                return
            if isinstance(t, ir.Jump):
                targets: tuple[str, ...] = (t.target,)
            else:
                c = self.value(t.cond, env)
                targets = ((t.if_true if c else t.if_false,) if c is not None
                           else (t.if_true,) if t.if_true == t.if_false else (t.if_true, t.if_false))
            if len(targets) == 1:
                edge = _Edge()
                spec.term = ("jump", edge, t.loc)
                self.resolve(edge, targets[0], env, ctx, work)
                return
            assert isinstance(t, ir.Branch)
            self.serial += 1
            region = _Region(self.serial, spec.orig, spec, self.join[spec.orig], no_unroll)
            inner = (*ctx, region)
            et, ef = _Edge(), _Edge()
            spec.term = ("branch", self.subst(t.cond, env), et, ef, t.loc)
            sub: list[_Spec] = []
            try:
                for edge, label, known in ((et, t.if_true, True), (ef, t.if_false, False)):
                    arm = dict(env)
                    arm[t.cond.name] = known  # type: ignore[union-attr]  (the branch tells its value)
                    self.resolve(edge, label, arm, inner, sub)
                self.explore(sub, inner)
            except _Generalize as g:
                if g.region is not region:
                    raise
                spec.env = g.env
                no_unroll = True
                continue
            if region.arrivals:
                assert region.join is not None
                merged = _Edge()
                for e in region.arrivals:
                    e.via = merged
                self.resolve(merged, region.join, _merge([e.env for e in region.arrivals]), ctx, work)
            return

    # -- values
    def value(self, op: ir.Operand, env: Env) -> Any:
        """The known value of a scalar operand, or None."""
        if isinstance(op, ir.Const):
            return op.value
        return env.get(op.name)

    def subst(self, op: ir.Operand, env: Env) -> ir.Operand:
        if isinstance(op, ir.Reg) and op.name in env and not isinstance(op.type, ir.ArrayType):
            return ir.Const(env[op.name], op.type)  # type: ignore[arg-type]
        return op

    def materialize_array(self, r: ir.Reg, env: Env, out: list[ir.Instr], loc: Loc | None) -> None:
        """Write the known elements of array ``r`` into it; afterwards none is known."""
        elems = env.pop(r.name, None)
        if elems is None:
            return
        elem_type = r.type.elem  # type: ignore[union-attr]
        for k, x in enumerate(elems):
            if x is not _UNKNOWN:
                out.append(ir.Store(r, ir.Const(k, ir.INT), ir.Const(x, elem_type), loc))

    def define(self, dest: ir.Reg, v: Any, env: Env) -> None:
        if v is None:
            env.pop(dest.name, None)
        else:
            env[dest.name] = v

    def instr(self, i: ir.Instr, env: Env, out: list[ir.Instr]) -> None:
        s = self.subst
        if isinstance(i, ir.Copy):
            v = self.value(i.src, env)
            self.define(i.dest, v, env)
            if v is None:
                out.append(replace(i, src=s(i.src, env)))
        elif isinstance(i, (ir.Unary, ir.Binary)):
            args = (i.a,) if isinstance(i, ir.Unary) else (i.a, i.b)
            vals = [self.value(a, env) for a in args]
            if all(v is not None for v in vals):
                try:
                    v = (fold_unary(i.op, vals[0]) if isinstance(i, ir.Unary)
                         else fold_binary(i.op, i.a.type, vals[0], vals[1]))  # type: ignore[arg-type]
                except FoldError as e:
                    raise TargetError(f"this operation always fails when it runs: {e}", i.loc) from None
                self.define(i.dest, v, env)
            else:
                env.pop(i.dest.name, None)
                out.append(replace(i, a=s(i.a, env)) if isinstance(i, ir.Unary)
                           else replace(i, a=s(i.a, env), b=s(i.b, env)))
        elif isinstance(i, ir.Gate):
            g = replace(i, qubits=tuple(s(q, env) for q in i.qubits), params=tuple(s(a, env) for a in i.params))
            static = [q.value for q in g.qubits if isinstance(q, ir.Const)]
            if len(set(static)) != len(static):
                raise TargetError(f"gate {i.name} is applied to the same qubit twice", i.loc)
            out.append(g)
        elif isinstance(i, ir.Measure):
            out.append(replace(i, qubit=s(i.qubit, env)))
            env.pop(i.dest.name, None)
        elif isinstance(i, ir.Reset):
            out.append(replace(i, qubit=s(i.qubit, env)))
        elif isinstance(i, ir.QubitAt):
            k = self.value(i.index, env)
            if k is None:
                env.pop(i.dest.name, None)
                out.append(replace(i, index=s(i.index, env)))
            else:
                if not 0 <= k < i.length:
                    raise TargetError(f"qubit index {k} is out of range for a register of {i.length} qubits", i.loc)
                env[i.dest.name] = i.base + k * i.step
        elif isinstance(i, ir.Load):
            k = self.value(i.index, env)
            length = i.array.type.length  # type: ignore[union-attr]
            if k is None:
                self.materialize_array(i.array, env, out, i.loc)
                env.pop(i.dest.name, None)
                out.append(replace(i, index=s(i.index, env)))
                return
            if not 0 <= k < length:
                raise TargetError(f"list index {k} is out of range for a list of length {length}", i.loc)
            elems = env.get(i.array.name)
            v = None if elems is None or elems[k] is _UNKNOWN else elems[k]
            self.define(i.dest, v, env)
            if v is None:
                out.append(replace(i, index=ir.Const(k, ir.INT)))
        elif isinstance(i, ir.Store):
            k = self.value(i.index, env)
            length = i.array.type.length  # type: ignore[union-attr]
            v = self.value(i.value, env)
            if k is None:
                self.materialize_array(i.array, env, out, i.loc)
                out.append(replace(i, index=s(i.index, env), value=s(i.value, env)))
                return
            if not 0 <= k < length:
                raise TargetError(f"list index {k} is out of range for a list of length {length}", i.loc)
            elems = list(env.get(i.array.name, (_UNKNOWN,) * length))
            elems[k] = _UNKNOWN if v is None else v
            if any(x is not _UNKNOWN for x in elems):
                env[i.array.name] = tuple(elems)
            else:
                env.pop(i.array.name, None)
            if v is None:
                out.append(replace(i, index=ir.Const(k, ir.INT), value=s(i.value, env)))
        else:
            raise InternalError(f"specialize: unknown instruction {i!r}")

    # -- materialization and the result
    def copies(self, src: Env, dst: Env, loc: Loc | None) -> list[ir.Instr]:
        """Instructions that store what ``src`` knows and ``dst`` does not into the registers."""
        out: list[ir.Instr] = []
        for name, v in src.items():
            r = self.regs[name]
            if isinstance(v, tuple):
                have = dst.get(name)
                for k, x in enumerate(v):
                    if x is not _UNKNOWN and (have is None or have[k] is _UNKNOWN):
                        out.append(ir.Store(r, ir.Const(k, ir.INT), ir.Const(x, r.type.elem), loc))  # type: ignore
            elif name not in dst:
                out.append(ir.Copy(r, ir.Const(v, r.type), loc))  # type: ignore[arg-type]
        return out

    def run(self) -> ir.Program:
        entry = self.p.blocks[0].label
        params = {r.name for r in self.p.params}
        env0 = {r.name: _zero(r.type) for r in self.p.regs if r.name not in params}
        root = _Edge()
        work: list[_Spec] = []
        self.resolve(root, entry, env0, (), work)
        self.explore(work, ())
        return self.assemble(root.target())

    def assemble(self, first: _Spec) -> ir.Program:
        blocks: dict[str, ir.Block] = {}
        order: list[str] = []
        stack, seen = [first], {first.label}
        while stack:
            spec = stack.pop()
            order.append(spec.label)
            kind = spec.term[0]
            if kind == "ret":
                blocks[spec.label] = ir.Block(spec.label, tuple(spec.instrs), ir.Return(spec.term[1], spec.term[2]))
                continue
            edges = spec.term[1:2] if kind == "jump" else spec.term[2:4]
            loc = spec.term[-1]
            labels = []
            extra = []
            for arm, e in zip(("then", "else"), edges):
                tgt = e.target()
                if tgt.label not in seen:
                    seen.add(tgt.label)
                    stack.append(tgt)
                cp = self.copies(e.env, tgt.env, loc)
                if kind == "jump":
                    extra = cp
                    labels.append(tgt.label)
                elif cp:
                    tramp = self.fresh(f"{spec.label}.{arm}")
                    blocks[tramp] = ir.Block(tramp, tuple(cp), ir.Jump(tgt.label, loc))
                    order.append(tramp)
                    labels.append(tramp)
                else:
                    labels.append(tgt.label)
            term: ir.Terminator = (ir.Jump(labels[0], loc) if kind == "jump"
                                   else ir.Branch(spec.term[1], labels[0], labels[1], loc))
            blocks[spec.label] = ir.Block(spec.label, tuple(spec.instrs) + tuple(extra), term)
        return _finish(self.p, [blocks[label] for label in order])


def _finish(p: ir.Program, blocks: list[ir.Block]) -> ir.Program:
    """Thread jumps through empty blocks, fuse single-predecessor chains, drop unused registers; verify."""
    by_label = {b.label: b for b in blocks}
    entry = blocks[0].label

    def forward(label: str) -> str:
        seen = set()
        while label != entry and label not in seen:
            b = by_label[label]
            if b.instrs or not isinstance(b.terminator, ir.Jump):
                break
            seen.add(label)
            label = b.terminator.target
        return label

    def retarget(t: ir.Terminator) -> ir.Terminator:
        if isinstance(t, ir.Jump):
            return replace(t, target=forward(t.target))
        if isinstance(t, ir.Branch):
            a, b = forward(t.if_true), forward(t.if_false)
            return ir.Jump(a, t.loc) if a == b else replace(t, if_true=a, if_false=b)
        return t

    by_label = {b.label: replace(b, terminator=retarget(b.terminator)) for b in blocks}
    # fuse a block into its only predecessor when that one jumps to it
    changed = True
    while changed:
        changed = False
        reach = _reachable(by_label, entry)
        preds: dict[str, int] = {label: 0 for label in reach}
        for label in reach:
            for s in ir.successors(by_label[label].terminator):
                preds[s] += 1
        for label in reach:
            b = by_label.get(label)
            if b is None or not isinstance(b.terminator, ir.Jump):
                continue
            t = b.terminator.target
            if t != entry and t != label and preds.get(t) == 1 and t in by_label:
                nb = by_label.pop(t)
                by_label[label] = ir.Block(label, b.instrs + nb.instrs, nb.terminator)
                changed = True
    reach = set(_reachable(by_label, entry))
    final = _dead_code([by_label[b.label] for b in blocks if b.label in reach and b.label in by_label], p)
    used = set()
    for b in final:
        for node in (*b.instrs, b.terminator):
            for value in vars(node).values():
                for v in value if isinstance(value, tuple) else (value,):
                    if isinstance(v, ir.Reg):
                        used.add(v.name)
    params = {r.name for r in p.params}
    regs = tuple(r for r in p.regs if r.name in used and r.name not in params)
    return ir.verify(replace(p, regs=regs, blocks=tuple(final)))


_SAFE_OPS = frozenset(("add", "sub", "mul", "min", "max", "and", "or", "xor", "eq", "ne", "lt", "le", "gt", "ge",
                       "neg.int", "abs.int", "neg.float", "abs.float", "not", "invert", "int_to_float",
                       "bool_to_int", "int_to_bool", "float_to_bool"))


def _operands(i: object) -> list[ir.Reg]:
    out = []
    for name, value in vars(i).items():
        if name == "dest":
            continue
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, ir.Reg):
                out.append(v)
    return out


def _dead_code(blocks: list[ir.Block], p: ir.Program) -> list[ir.Block]:
    """Drop copies and arithmetic that cannot fail and whose result is never read."""
    while True:
        live = live_in(replace(p, blocks=tuple(blocks)))
        changed = False
        out = []
        for b in blocks:
            now = set()
            for s in ir.successors(b.terminator):
                now |= live[s]
            now |= {r.name for r in _operands(b.terminator)}
            kept: list[ir.Instr] = []
            for i in reversed(b.instrs):
                dest = getattr(i, "dest", None)
                removable = isinstance(i, ir.Copy) or (isinstance(i, (ir.Unary, ir.Binary)) and i.op in _SAFE_OPS)
                if removable and dest.name not in now:  # type: ignore[union-attr]
                    changed = True
                    continue
                if dest is not None:
                    now.discard(dest.name)
                now |= {r.name for r in _operands(i)}
                kept.append(i)
            out.append(replace(b, instrs=tuple(reversed(kept))))
        blocks = out
        if not changed:
            return blocks


def _reachable(blocks: dict[str, ir.Block], entry: str) -> list[str]:
    seen, order, stack = {entry}, [], [entry]
    while stack:
        label = stack.pop()
        order.append(label)
        for s in ir.successors(blocks[label].terminator):
            if s not in seen:
                seen.add(s)
                stack.append(s)
    return order


def specialize(program: ir.Program, *, unroll_dynamic: bool = True, max_unroll: int = 64,
               max_blocks: int = 20_000, max_instrs: int = 1_000_000) -> ir.Program:
    """Partially evaluate ``program`` for what is known before it runs (see the module docstring).

    ``unroll_dynamic``: unroll a loop whose exit depends on a measurement while the classical
    state keeps changing, up to ``max_unroll`` iterations deep (bounded repeat-until-success
    becomes forward branches); otherwise such a loop stays a loop.  Raises ``TargetError`` when
    the work exceeds ``max_blocks`` specialized blocks or ``max_instrs`` instructions, or when
    an operation on known values always fails (a division by zero, an index out of range).
    """
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        return _Specializer(program, max_blocks, max_instrs, unroll_dynamic, max_unroll).run()
    finally:
        sys.setrecursionlimit(limit)


# ---------------------------------------------------------------- decompose

# A decomposition: gates in time order; each (name, qubit positions, params).  A param is
# ("p", k, a, b) = a * param_k + b, or ("c", value).
_P = tuple
_PI = math.pi


def _lin(k: int, a: float = 1.0, b: float = 0.0) -> _P:
    return ("p", k, a, b)


def _c(v: float) -> _P:
    return ("c", v)


_RULES: dict[str, list[list[tuple[str, tuple[int, ...], tuple[_P, ...]]]]] = {
    "x": [[("rx", (0,), (_c(_PI),))], [("h", (0,), ()), ("z", (0,), ()), ("h", (0,), ())]],
    "y": [[("ry", (0,), (_c(_PI),))]],
    "z": [[("rz", (0,), (_c(_PI),))]],
    "s": [[("rz", (0,), (_c(_PI / 2),))]],
    "sdg": [[("rz", (0,), (_c(-_PI / 2),))]],
    "t": [[("rz", (0,), (_c(_PI / 4),))]],
    "tdg": [[("rz", (0,), (_c(-_PI / 4),))]],
    "sx": [[("rx", (0,), (_c(_PI / 2),))]],
    "p": [[("rz", (0,), (_lin(0),))]],
    "h": [[("rz", (0,), (_c(_PI),)), ("ry", (0,), (_c(_PI / 2),))]],
    "rx": [[("h", (0,), ()), ("rz", (0,), (_lin(0),)), ("h", (0,), ())]],
    "ry": [[("rx", (0,), (_c(_PI / 2),)), ("rz", (0,), (_lin(0),)), ("rx", (0,), (_c(-_PI / 2),))],
           [("sdg", (0,), ()), ("h", (0,), ()), ("rz", (0,), (_lin(0),)), ("h", (0,), ()), ("s", (0,), ())]],
    "rz": [[("h", (0,), ()), ("rx", (0,), (_lin(0),)), ("h", (0,), ())]],
    "u": [[("rz", (0,), (_lin(2),)), ("ry", (0,), (_lin(0),)), ("rz", (0,), (_lin(1),))]],
    "cx": [[("h", (1,), ()), ("cz", (0, 1), ()), ("h", (1,), ())]],
    "cz": [[("h", (1,), ()), ("cx", (0, 1), ()), ("h", (1,), ())],
           [("rz", (0,), (_c(_PI / 2),)), ("rz", (1,), (_c(_PI / 2),)), ("rzz", (0, 1), (_c(-_PI / 2),))]],
    "cy": [[("sdg", (1,), ()), ("cx", (0, 1), ()), ("s", (1,), ())]],
    "ch": [[("ry", (1,), (_c(-_PI / 4),)), ("cz", (0, 1), ()), ("ry", (1,), (_c(_PI / 4),))]],
    "crz": [[("rz", (1,), (_lin(0, 0.5),)), ("cx", (0, 1), ()), ("rz", (1,), (_lin(0, -0.5),)), ("cx", (0, 1), ())]],
    "cry": [[("ry", (1,), (_lin(0, 0.5),)), ("cx", (0, 1), ()), ("ry", (1,), (_lin(0, -0.5),)), ("cx", (0, 1), ())]],
    "crx": [[("h", (1,), ()), ("crz", (0, 1), (_lin(0),)), ("h", (1,), ())]],
    "cp": [[("rz", (0,), (_lin(0, 0.5),)), ("rz", (1,), (_lin(0, 0.5),)), ("rzz", (0, 1), (_lin(0, -0.5),))]],
    "rzz": [[("cx", (0, 1), ()), ("rz", (1,), (_lin(0),)), ("cx", (0, 1), ())]],
    "rxx": [[("h", (0,), ()), ("h", (1,), ()), ("rzz", (0, 1), (_lin(0),)), ("h", (0,), ()), ("h", (1,), ())]],
    "ryy": [[("rx", (0,), (_c(_PI / 2),)), ("rx", (1,), (_c(_PI / 2),)), ("rzz", (0, 1), (_lin(0),)),
             ("rx", (0,), (_c(-_PI / 2),)), ("rx", (1,), (_c(-_PI / 2),))]],
    "swap": [[("cx", (0, 1), ()), ("cx", (1, 0), ()), ("cx", (0, 1), ())]],
    "ccx": [[("h", (2,), ()), ("cx", (1, 2), ()), ("tdg", (2,), ()), ("cx", (0, 2), ()), ("t", (2,), ()),
             ("cx", (1, 2), ()), ("tdg", (2,), ()), ("cx", (0, 2), ()), ("t", (1,), ()), ("t", (2,), ()),
             ("h", (2,), ()), ("cx", (0, 1), ()), ("t", (0,), ()), ("tdg", (1,), ()), ("cx", (0, 1), ())]],
    "cswap": [[("cx", (2, 1), ()), ("ccx", (0, 1, 2), ()), ("cx", (2, 1), ())]],
}


def decomposition_plan(gate_set: Iterable[str]) -> dict[str, list[tuple[str, tuple[int, ...], tuple[_P, ...]]]]:
    """For each gate expressible in ``gate_set``: [] if native, else the rule used (acyclic by construction)."""
    plan: dict[str, list[Any]] = {g: [] for g in gate_set if g in ir.GATES}
    changed = True
    while changed:
        changed = False
        for g, alternatives in _RULES.items():
            if g in plan:
                continue
            for alt in alternatives:
                if all(name in plan for name, _, _ in alt):
                    plan[g] = alt
                    changed = True
                    break
    return plan


def decompose(program: ir.Program, gate_set: Iterable[str]) -> ir.Program:
    """Rewrite every gate outside ``gate_set`` into gates inside it (exact up to a global phase per gate).

    Angles computed at run time become float arithmetic on registers (``dc.N``).  Raises
    ``TargetError`` for a gate that cannot be expressed in ``gate_set``.
    """
    gates = frozenset(gate_set)
    plan = decomposition_plan(gates)
    names = {r.name for r in (*program.params, *program.regs)}
    new_regs: list[ir.Reg] = []

    def fresh() -> ir.Reg:
        k = len(new_regs)
        while f"dc.{k}" in names:
            k += 1
        r = ir.Reg(f"dc.{k}", ir.FLOAT)
        names.add(r.name)
        new_regs.append(r)
        return r

    def param(spec: _P, params: tuple[ir.Operand, ...], out: list[ir.Instr], loc: Loc | None) -> ir.Operand:
        if spec[0] == "c":
            return ir.Const(float(spec[1]), ir.FLOAT)
        _, k, a, b = spec
        x = params[k]
        if isinstance(x, ir.Const):
            return ir.Const(float(a * x.value + b), ir.FLOAT)
        if a != 1.0:
            r = fresh()
            out.append(ir.Binary(r, "mul", x, ir.Const(float(a), ir.FLOAT), loc))
            x = r
        if b != 0.0:
            r = fresh()
            out.append(ir.Binary(r, "add", x, ir.Const(float(b), ir.FLOAT), loc))
            x = r
        return x

    def expand(g: ir.Gate, out: list[ir.Instr]) -> None:
        if g.name in gates:
            out.append(g)
            return
        if g.name not in plan:
            raise TargetError(f"gate {g.name} cannot be expressed with the target's gates "
                              f"({', '.join(sorted(gates))})", g.loc)
        for name, qs, ps in plan[g.name]:
            sub = ir.Gate(name, tuple(g.qubits[k] for k in qs), tuple(param(p, g.params, out, g.loc) for p in ps), g.loc)
            expand(sub, out)

    blocks = []
    for b in program.blocks:
        out: list[ir.Instr] = []
        for i in b.instrs:
            if isinstance(i, ir.Gate):
                expand(i, out)
            else:
                out.append(i)
        blocks.append(replace(b, instrs=tuple(out)))
    return ir.verify(replace(program, regs=program.regs + tuple(new_regs), blocks=tuple(blocks)))

