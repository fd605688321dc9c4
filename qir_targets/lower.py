"""IR -> QIR: ``to_qir`` lowers a kernel's program to QIR text/bitcode for a profile and an Azure target.

Base, Adaptive_RI and Adaptive_RIF come out as QIR 1.0 typed-pointer text
(``%Qubit*``, ``%Result*``, ``inttoptr``), Adaptive as QIR 2.1 with opaque ``ptr``,
as qdk emits them.  Registers become SSA values (``phi`` at joins); every measurement
gets its own static result (``__quantum__qis__mz__body``) and is read with
``__quantum__rt__read_result`` where the program computes or branches with it;
each returning block records the return value with the labeled output schema
(``__quantum__rt__*_record_output``), so the recorded shape is the kernel's.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hybridrt import ir
from hybridrt.errors import InternalError, TargetError
from hybridrt.passes import bind_arguments, decompose, specialize

from . import profiles as pr
from .catalog import QIR_GATES, Target
from .catalog import target as lookup_target


@dataclass(frozen=True)
class QirProgram:
    """A lowered kernel: ``str()`` is the QIR text, ``bitcode`` the same module as LLVM bitcode."""

    text: str
    profile: str
    target: str | None
    entry_point: str
    num_qubits: int
    num_results: int

    def __str__(self) -> str:
        return self.text

    @property
    def bitcode(self) -> bytes:
        import pyqir

        return pyqir.Module.from_ir(pyqir.Context(), self.text, self.entry_point).bitcode

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython shows the text
        printer.text(self.text)


# ---------------------------------------------------------------- the pipeline


def to_qir(program: ir.Program, profile: str | pr.Profile | None = None, target: str | Target | None = None,
           *, args: Sequence[Any] = ()) -> QirProgram:
    """Lower ``program`` (its parameters bound to ``args``) to QIR.

    Pipeline: bind arguments -> specialize -> decompose to the target's gates -> check the
    profile -> emit.  The profile defaults to the target's; with neither given, the weakest
    profile the program fits (Base, Adaptive_RI, Adaptive_RIF, Adaptive) is chosen.
    """
    t = lookup_target(target) if target is not None else None
    if profile is not None:
        candidates = [pr.profile(profile)]
    elif t is not None:
        candidates = [pr.profile(t.profile)]
    else:
        candidates = list(pr.PROFILES)
    if t is not None and candidates[0].rank > pr.profile(t.profile).rank:
        raise TargetError(f"target {t.id} runs QIR profile {t.profile}, not {candidates[0].name}")
    if program.params or args:
        program = bind_arguments(program, args)
    gates = t.gates if t is not None else QIR_GATES
    prepared: dict[bool, ir.Program] = {}
    for k, prof in enumerate(candidates):
        unroll = prof is not pr.ADAPTIVE
        try:
            if unroll not in prepared:
                prepared[unroll] = decompose(_specialize(program, unroll), gates)
            pr.check(prepared[unroll], prof, t)
        except TargetError:
            if k == len(candidates) - 1:
                raise
            continue
        return lower(prepared[unroll], prof, t)
    raise AssertionError


def _specialize(program: ir.Program, unroll: bool) -> ir.Program:
    """Specialize; when unrolling measurement-dependent loops blows the budget, keep them as loops
    instead (the profile check then names the loop, which says more than "too large")."""
    try:
        return specialize(program, unroll_dynamic=unroll)
    except TargetError as e:
        if not unroll or "too large" not in e.message:
            raise
        try:
            return specialize(program, unroll_dynamic=False)
        except TargetError:
            raise e from None


# ---------------------------------------------------------------- emitting


_TYPES = {ir.BOOL: "i1", ir.INT: "i64", ir.FLOAT: "double"}
_ICMP = {"eq": "eq", "ne": "ne", "lt": "slt", "le": "sle", "gt": "sgt", "ge": "sge"}
_FCMP = {"eq": "oeq", "ne": "une", "lt": "olt", "le": "ole", "gt": "ogt", "ge": "oge"}
_NAME = re.compile(r"^[-a-zA-Z$._][-a-zA-Z$._0-9]*$")


def llvm_double(v: float) -> str:
    """An LLVM double literal: decimal when finite, exact hex bits otherwise."""
    v = float(v)
    if not math.isfinite(v):
        return "0x%016X" % struct.unpack("<Q", struct.pack("<d", v))[0]
    text = repr(v)
    if "." not in text:
        mant, e, exp = text.partition("e")
        text = f"{mant}.0{e}{exp}"
    return text


def _literal(c: ir.Const) -> str:
    if c.type == ir.BOOL:
        return "true" if c.value else "false"
    if c.type == ir.FLOAT:
        return llvm_double(c.value)
    return str(int(c.value))


@dataclass(frozen=True)
class _Result:
    """A measurement result not read into a value (Base profile: it can only be recorded)."""

    index: int


@dataclass
class _Block:
    label: str
    ir_block: ir.Block | None
    lines: list[str] = field(default_factory=list)
    phis: dict[str, tuple[str, str]] = field(default_factory=dict)  # var -> (phi name, type)
    out: dict[str, Any] = field(default_factory=dict)
    preds: list[str] = field(default_factory=list)


class _Lowerer:
    def __init__(self, p: ir.Program, prof: pr.Profile, target: Target | None):
        self.p, self.prof, self.target = p, prof, target
        self.typed = prof.typed_pointers
        self.qubit_t = "%Qubit*" if self.typed else "ptr"
        self.result_t = "%Result*" if self.typed else "ptr"
        self.i8p = "i8*" if self.typed else "ptr"
        self.counter = 0
        self.num_results = 0
        self.decls: dict[str, str] = {}
        self.labels: dict[str, int] = {}  # output label text -> global index
        self.result_of: dict[int, int] = {}  # id(Measure) -> result index
        self.subst: dict[str, str] = {}  # phi -> the value it simplified to

    # -- names and operands
    def tmp(self) -> str:
        self.counter += 1
        return f"%v{self.counter}"

    def declare(self, name: str, sig: str, irreversible: bool = False) -> str:
        if name not in self.decls:
            self.decls[name] = f"declare {sig.replace('@NAME', '@' + name)}" + (" #1" if irreversible else "")
        return name

    def qubit(self, op: ir.Operand) -> str:
        assert isinstance(op, ir.Const)
        return f"{self.qubit_t} inttoptr (i64 {op.value} to {self.qubit_t})"

    def result(self, k: int) -> str:
        return f"{self.result_t} inttoptr (i64 {k} to {self.result_t})"

    def label_ref(self, text: str) -> str:
        k = self.labels.setdefault(text, len(self.labels))
        n = len(text) + 1
        if self.typed:
            return f"i8* getelementptr inbounds ([{n} x i8], [{n} x i8]* @{k}, i64 0, i64 0)"
        return f"ptr @{k}"

    @staticmethod
    def block_name(label: str) -> str:
        return f"%{label}" if _NAME.match(label) else '%"' + label.replace('"', "") + '"'

    # -- variables: scalar registers and array elements with a constant index
    @staticmethod
    def var(r: ir.Reg, k: int | None = None) -> str:
        return r.name if k is None else f"{r.name}[{k}]"

    def vtype(self, var: str) -> str:
        t = self.regs[var.partition("[")[0]].type
        return _TYPES[t.elem if isinstance(t, ir.ArrayType) else t]  # type: ignore[index]

    def read(self, op: ir.Operand, env: dict[str, Any]) -> str:
        if isinstance(op, ir.Const):
            return _literal(op)
        v = env[op.name]
        if isinstance(v, _Result):
            raise InternalError(f"QIR lowering: measurement result %{op.name} used in a computation under Base")
        return v

    # -- the whole module
    def run(self) -> str:
        p = self.p
        self.regs = {r.name: r for r in (*p.params, *p.regs)}
        live = self.live = self.variable_liveness()
        preds: dict[str, list[str]] = {b.label: [] for b in p.blocks}
        for b in p.blocks:
            for s in ir.successors(b.terminator):
                preds[s].append(b.label)
        entry_label = p.blocks[0].label
        blocks: list[_Block] = []
        if preds[entry_label]:  # LLVM's entry block cannot be a branch target
            blocks.append(_Block(self.fresh_label(p, "entry"), None))
        blocks += [_Block(b.label, b) for b in p.blocks]
        order = self.rpo(p)
        by_label = {b.label: b for b in blocks}
        processed: set[str] = set()
        zero = {ir.BOOL: "false", ir.INT: "0", ir.FLOAT: "0.0"}
        first = blocks[0]
        first.lines.append(f"call void @{self.declare('__quantum__rt__initialize', f'void @NAME({self.i8p})')}"
                           f"({self.i8p} null)")
        if first.ir_block is None:
            first.out = {v: zero[self.elem_type(v)] for v in live[entry_label]}
            first.lines.append(f"br label {self.block_name(entry_label)}")
            processed.add(first.label)
        for label in order:
            blk = by_label[label]
            ps = preds[label] if blk is not first else []
            if blk is first:
                env = {v: zero[self.elem_type(v)] for v in live[label]}
            elif first.ir_block is None and label == entry_label:
                ps = [*ps, first.label]
                env = self.phis(blk, live[label])
            elif len(ps) == 1 and ps[0] in processed:
                env = {v: by_label[ps[0]].out[v] for v in live[label]}
            else:
                env = self.phis(blk, live[label])
            blk.preds = ps
            self.block(blk, env)
            processed.add(label)
        # fill and simplify phis
        incoming: dict[str, list[tuple[str, str]]] = {}
        for blk in blocks:
            for var, (name, _) in blk.phis.items():
                incoming[name] = [(by_label[q].out[var], q) for q in blk.preds]
        self.simplify_phis(incoming)
        return self.module(blocks, incoming)

    @staticmethod
    def fresh_label(p: ir.Program, hint: str) -> str:
        labels = {b.label for b in p.blocks}
        k, label = 0, hint
        while label in labels:
            k += 1
            label = f"{hint}.{k}"
        return label

    def elem_type(self, var: str) -> str:
        t = self.regs[var.partition("[")[0]].type
        return t.elem if isinstance(t, ir.ArrayType) else t  # type: ignore[return-value]

    def phis(self, blk: _Block, live: frozenset[str]) -> dict[str, Any]:
        env = {}
        for v in sorted(live):
            self.counter += 1
            name = f"%p{self.counter}"
            blk.phis[v] = (name, self.vtype(v))
            env[v] = name
        return env

    @staticmethod
    def rpo(p: ir.Program) -> list[str]:
        succ = {b.label: ir.successors(b.terminator) for b in p.blocks}
        return ir.postorder(succ.__getitem__, p.blocks[0].label)[::-1]  # type: ignore[return-value]

    def variable_liveness(self) -> dict[str, frozenset[str]]:
        """Liveness of variables: a scalar register, or one element ``a[k]`` of an array."""
        p = self.p

        def name(r: ir.Reg, idx: ir.Operand | None = None) -> str:
            return r.name if idx is None else f"{r.name}[{idx.value}]"  # type: ignore[union-attr]

        uses: dict[str, set[str]] = {}
        defs: dict[str, set[str]] = {}
        for b in p.blocks:
            u: set[str] = set()
            d: set[str] = set()

            def use(x: str, u: set[str] = u, d: set[str] = d) -> None:
                if x not in d:
                    u.add(x)

            for i in b.instrs:
                if isinstance(i, ir.Load):
                    use(name(i.array, i.index))
                    d.add(i.dest.name)
                    continue
                if isinstance(i, ir.Store):
                    if isinstance(i.value, ir.Reg):
                        use(i.value.name)
                    d.add(name(i.array, i.index))
                    continue
                for field_name, value in vars(i).items():
                    if field_name in ("dest", "loc"):
                        continue
                    for v in value if isinstance(value, tuple) else (value,):
                        if isinstance(v, ir.Reg):
                            use(v.name)
                dest = getattr(i, "dest", None)
                if dest is not None:
                    d.add(dest.name)
            t = b.terminator
            if isinstance(t, ir.Branch) and isinstance(t.cond, ir.Reg):
                use(t.cond.name)
            if isinstance(t, ir.Return):
                for v in t.values:
                    if isinstance(v, ir.Reg):
                        if isinstance(v.type, ir.ArrayType):
                            for k in range(v.type.length):
                                use(f"{v.name}[{k}]")
                        else:
                            use(v.name)
            uses[b.label], defs[b.label] = u, d
        live: dict[str, set[str]] = {b.label: set() for b in p.blocks}
        changed = True
        while changed:
            changed = False
            for b in reversed(p.blocks):
                out: set[str] = set()
                for s in ir.successors(b.terminator):
                    out |= live[s]
                new = uses[b.label] | (out - defs[b.label])
                if new != live[b.label]:
                    live[b.label] = new
                    changed = True
        return {k: frozenset(v) for k, v in live.items()}

    # -- one block
    def block(self, blk: _Block, env: dict[str, Any]) -> None:
        b = blk.ir_block
        assert b is not None
        lines = blk.lines
        later_uses = self.uses_after(b)
        for n, i in enumerate(b.instrs):
            if isinstance(i, ir.Copy):
                env[i.dest.name] = env[i.src.name] if isinstance(i.src, ir.Reg) else _literal(i.src)
            elif isinstance(i, ir.Load):
                env[i.dest.name] = env[self.var(i.array, i.index.value)]  # type: ignore[union-attr]
            elif isinstance(i, ir.Store):
                env[self.var(i.array, i.index.value)] = (  # type: ignore[union-attr]
                    env[i.value.name] if isinstance(i.value, ir.Reg) else _literal(i.value))
            elif isinstance(i, ir.Unary):
                env[i.dest.name] = self.unary(i, self.read(i.a, env), lines)
            elif isinstance(i, ir.Binary):
                env[i.dest.name] = self.binary(i, self.read(i.a, env), self.read(i.b, env), lines)
            elif isinstance(i, ir.Gate):
                fn = f"__quantum__qis__{i.name[:-2]}__adj" if i.name in ("sdg", "tdg") \
                    else f"__quantum__qis__{i.name}__body"
                args = [f"double {self.read(a, env)}" for a in i.params] + [self.qubit(q) for q in i.qubits]
                sig = ", ".join(["double"] * len(i.params) + [self.qubit_t] * len(i.qubits))
                self.declare(fn, f"void @NAME({sig})")
                lines.append(f"call void @{fn}({', '.join(args)})")
            elif isinstance(i, ir.Measure):
                k = self.result_of.setdefault(id(i), self.num_results)
                if k == self.num_results:
                    self.num_results += 1
                self.declare("__quantum__qis__mz__body", f"void @NAME({self.qubit_t}, {self.result_t} writeonly)",
                             irreversible=True)
                lines.append(f"call void @__quantum__qis__mz__body({self.qubit(i.qubit)}, {self.result(k)})")
                if not self.prof.feedback:
                    env[i.dest.name] = _Result(k)
                elif i.dest.name in later_uses[n]:
                    self.declare("__quantum__rt__read_result", f"zeroext i1 @NAME({self.result_t} readonly)")
                    v = self.tmp()
                    lines.append(f"{v} = call zeroext i1 @__quantum__rt__read_result({self.result(k)})")
                    env[i.dest.name] = v
                else:
                    env.pop(i.dest.name, None)
            elif isinstance(i, ir.Reset):
                if not self.prof.feedback:
                    continue  # Base: only a reset of a fresh qubit gets here (the check saw to it): a no-op
                self.declare("__quantum__qis__reset__body", f"void @NAME({self.qubit_t})", irreversible=True)
                lines.append(f"call void @__quantum__qis__reset__body({self.qubit(i.qubit)})")
            else:
                raise InternalError(f"QIR lowering: unexpected instruction {i!r}")
        t = b.terminator
        if isinstance(t, ir.Jump):
            lines.append(f"br label {self.block_name(t.target)}")
        elif isinstance(t, ir.Branch):
            c = self.read(t.cond, env)
            if c in ("true", "false"):
                lines.append(f"br label {self.block_name(t.if_true if c == 'true' else t.if_false)}")
            else:
                lines.append(f"br i1 {c}, label {self.block_name(t.if_true)}, label {self.block_name(t.if_false)}")
        else:
            self.record_output(t, env, lines)
            lines.append("ret i64 0")
        blk.out = env

    def uses_after(self, b: ir.Block) -> list[set[str]]:
        """For each instruction of ``b``, the variables live right after it."""
        after: set[str] = set()
        for s_ in ir.successors(b.terminator):
            after |= self.live[s_]
        t = b.terminator
        if isinstance(t, ir.Branch) and isinstance(t.cond, ir.Reg):
            after.add(t.cond.name)
        if isinstance(t, ir.Return):
            for v in t.values:
                if isinstance(v, ir.Reg):
                    after |= ({f"{v.name}[{k}]" for k in range(v.type.length)} if isinstance(v.type, ir.ArrayType)
                              else {v.name})
        out: list[set[str]] = [set() for _ in b.instrs]
        for n in range(len(b.instrs) - 1, -1, -1):
            out[n] = set(after)
            i = b.instrs[n]
            if isinstance(i, ir.Store):
                after.discard(self.var(i.array, i.index.value))  # type: ignore[union-attr]
                if isinstance(i.value, ir.Reg):
                    after.add(i.value.name)
                continue
            dest = getattr(i, "dest", None)
            if dest is not None:
                after.discard(dest.name)
            if isinstance(i, ir.Load):
                after.add(self.var(i.array, i.index.value))  # type: ignore[union-attr]
                continue
            for field_name, value in vars(i).items():
                if field_name in ("dest", "loc"):
                    continue
                for v in value if isinstance(value, tuple) else (value,):
                    if isinstance(v, ir.Reg):
                        after.add(v.name)
        return out

    # -- arithmetic
    def emit(self, lines: list[str], text: str) -> str:
        v = self.tmp()
        lines.append(f"{v} = {text}")
        return v

    def unary(self, i: ir.Unary, a: str, lines: list[str]) -> str:
        e = lambda text: self.emit(lines, text)
        op = i.op
        if op == "not":
            return e(f"xor i1 {a}, true")
        if op == "invert":
            return e(f"xor i64 {a}, -1")
        if op == "neg.int":
            return e(f"sub i64 0, {a}")
        if op == "abs.int":
            neg = e(f"sub i64 0, {a}")
            return e(f"select i1 {e(f'icmp slt i64 {a}, 0')}, i64 {neg}, i64 {a}")
        if op == "neg.float":
            return e(f"fneg double {a}")
        if op == "abs.float":
            neg = e(f"fneg double {a}")
            return e(f"select i1 {e(f'fcmp olt double {a}, 0.0')}, double {neg}, double {a}")
        if op == "int_to_float":
            return e(f"sitofp i64 {a} to double")
        if op == "bool_to_int":
            return e(f"zext i1 {a} to i64")
        if op == "int_to_bool":
            return e(f"icmp ne i64 {a}, 0")
        if op == "float_to_bool":
            return e(f"fcmp une double {a}, 0.0")
        if op == "float_to_int":
            return e(f"fptosi double {a} to i64")
        if op in ("floor", "ceil"):
            t = e(f"fptosi double {a} to i64")
            back = e(f"sitofp i64 {t} to double")
            if op == "floor":
                return e(f"select i1 {e(f'fcmp ogt double {back}, {a}')}, i64 {e(f'sub i64 {t}, 1')}, i64 {t}")
            return e(f"select i1 {e(f'fcmp olt double {back}, {a}')}, i64 {e(f'add i64 {t}, 1')}, i64 {t}")
        raise InternalError(f"QIR lowering: no run-time {op}")

    def binary(self, i: ir.Binary, a: str, b: str, lines: list[str]) -> str:
        e = lambda text: self.emit(lines, text)
        op, t = i.op, i.a.type
        ty = _TYPES[t]  # type: ignore[index]
        if op in _ICMP:
            if t == ir.FLOAT:
                return e(f"fcmp {_FCMP[op]} double {a}, {b}")
            return e(f"icmp {_ICMP[op]} {ty} {a}, {b}")
        if t == ir.FLOAT:
            if op in ("add", "sub", "mul", "div"):
                return e(f"f{op} double {a}, {b}")
            if op in ("min", "max"):  # Python: min(a, b) = b if b < a else a
                c = e(f"fcmp {'olt' if op == 'min' else 'ogt'} double {b}, {a}")
                return e(f"select i1 {c}, double {b}, double {a}")
            raise InternalError(f"QIR lowering: no run-time float {op}")
        if op in ("add", "sub", "mul", "and", "or", "xor"):
            return e(f"{op} {ty} {a}, {b}")
        if op in ("min", "max"):
            c = e(f"icmp {'slt' if op == 'min' else 'sgt'} i64 {b}, {a}")
            return e(f"select i1 {c}, i64 {b}, i64 {a}")
        if op in ("floordiv", "mod"):
            # Python semantics on i64; a zero divisor (an error on the engine) gives 0 instead of UB,
            # and x // -1 wraps like the engine
            bad = e(f"icmp eq i64 {b}, 0")
            m1 = e(f"icmp eq i64 {b}, -1")
            safe = e(f"select i1 {e(f'or i1 {bad}, {m1}')}, i64 1, i64 {b}")
            q = e(f"sdiv i64 {a}, {safe}")
            r = e(f"srem i64 {a}, {safe}")
            nonzero = e(f"icmp ne i64 {r}, 0")
            signs = e(f"xor i64 {r}, {safe}")
            adjust = e(f"and i1 {nonzero}, {e(f'icmp slt i64 {signs}, 0')}")
            if op == "floordiv":
                fq = e(f"sub i64 {q}, {e(f'zext i1 {adjust} to i64')}")
                neg = e(f"sub i64 0, {a}")
                return e(f"select i1 {bad}, i64 0, i64 {e(f'select i1 {m1}, i64 {neg}, i64 {fq}')}")
            fr = e(f"select i1 {adjust}, i64 {e(f'add i64 {r}, {safe}')}, i64 {r}")
            return e(f"select i1 {e(f'or i1 {bad}, {m1}')}, i64 0, i64 {fr}")
        if op in ("shl", "shr"):
            big = e(f"icmp uge i64 {b}, 64")
            if op == "shl":
                return e(f"select i1 {big}, i64 0, i64 {e(f'shl i64 {a}, {b}')}")
            fill = e(f"ashr i64 {a}, 63")
            return e(f"select i1 {big}, i64 {fill}, i64 {e(f'ashr i64 {a}, {b}')}")
        if op == "pow":
            assert isinstance(i.b, ir.Const)
            result, base, n = "1", a, int(i.b.value)
            while n:
                if n & 1:
                    result = base if result == "1" else e(f"mul i64 {result}, {base}")
                n >>= 1
                if n:
                    base = e(f"mul i64 {base}, {base}")
            return result
        raise InternalError(f"QIR lowering: no run-time int {op}")

    # -- output
    def record_output(self, t: ir.Return, env: dict[str, Any], lines: list[str]) -> None:
        rt = self.p.returns
        count = [0]

        def label(path: str) -> str:
            text = f"{count[0]}_{path}"
            count[0] += 1
            return self.label_ref(text)

        def rec(kind: str, sig: str, value: str, path: str) -> None:
            fn = f"__quantum__rt__{kind}_record_output"
            self.declare(fn, f"void @NAME({sig}, {self.i8p})")
            lines.append(f"call void @{fn}({value}, {label(path)})")

        def scalar(v: Any, t: str, path: str) -> None:
            if isinstance(v, _Result):
                rec("result", self.result_t, self.result(v.index), path + "r")
            elif t == ir.BOOL:  # zeroext: the runtime reads a whole byte (as qdk declares it)
                rec("bool", "i1 zeroext", f"i1 zeroext {v}", path + "b")
            elif t == ir.INT:
                rec("int", "i64", f"i64 {v}", path + "i")
            else:
                rec("double", "double", f"double {v}", path + "d")

        def leaf(op: ir.Operand, lt: ir.Type, path: str) -> None:
            if isinstance(lt, ir.ArrayType):
                rec("array", "i64", f"i64 {lt.length}", path + "a")
                assert isinstance(op, ir.Reg)
                for k in range(lt.length):
                    scalar(env[self.var(op, k)], lt.elem, f"{path}a{k}")
            else:
                scalar(env[op.name] if isinstance(op, ir.Reg) else _literal(op), lt, path)  # type: ignore

        if rt is None:
            rec("tuple", "i64", "i64 0", "t")
        elif isinstance(rt, ir.TupleType):
            rec("tuple", "i64", f"i64 {len(rt.elems)}", "t")
            for k, (op, lt) in enumerate(zip(t.values, rt.elems)):
                leaf(op, lt, f"t{k}")
        else:
            leaf(t.values[0], rt, "")

    # -- phis and the module text
    def simplify_phis(self, incoming: dict[str, list[tuple[str, str]]]) -> None:
        """Replace phis whose incoming values (other than the phi itself) are all one value."""
        find = self.find
        changed = True
        while changed:
            changed = False
            for name, ins in incoming.items():
                if name in self.subst:
                    continue
                values = {find(v) for v, _ in ins} - {name}
                if len(values) == 1:
                    self.subst[name] = values.pop()
                    changed = True

    def find(self, v: str) -> str:
        while v in self.subst:
            v = self.subst[v]
        return v

    def module(self, blocks: list[_Block], incoming: dict[str, list[tuple[str, str]]]) -> str:
        token = re.compile(r"%p\d+\b")
        fix = lambda s: token.sub(lambda m: self.find(m.group(0)), s)
        prof, p = self.prof, self.p
        out: list[str] = []
        if self.typed:
            out += ["%Result = type opaque", "%Qubit = type opaque", ""]
        for text, k in self.labels.items():
            out.append(f'@{k} = internal constant [{len(text) + 1} x i8] c"{text}\\00"')
        entry = f"ENTRYPOINT__{p.name}"
        fn = entry if _NAME.match(entry) else f'"{entry}"'
        out += ["", f"define i64 @{fn}() #0 {{"]
        for blk in blocks:
            out.append(f"{self.block_name(blk.label)[1:]}:")
            for var, (name, ty) in blk.phis.items():
                if name in self.subst:
                    continue
                ins = ", ".join(f"[ {fix(v)}, {self.block_name(q)} ]" for v, q in incoming[name])
                out.append(f"  {name} = phi {ty} {ins}")
            out += [f"  {fix(line)}" for line in blk.lines]
        out += ["}", ""]
        out += [f"{d}\n" for d in self.decls.values()]
        schema = "adaptive_profile" if prof.feedback else "base_profile"
        out.append(f'attributes #0 = {{ "entry_point" "output_labeling_schema" "qir_profiles"="{schema}" '
                   f'"required_num_qubits"="{pr.required_qubits(p)}" "required_num_results"="{self.num_results}" }}')
        out.append('attributes #1 = { "irreversible" }')
        flags = [
            f'!{{i32 1, !"qir_major_version", i32 {prof.qir_version[0]}}}',
            f'!{{i32 7, !"qir_minor_version", i32 {prof.qir_version[1]}}}',
            '!{i32 1, !"dynamic_qubit_management", i1 false}',
            '!{i32 1, !"dynamic_result_management", i1 false}',
        ]
        if prof.int_computations:
            flags.append('!{i32 5, !"int_computations", !{!"i64"}}')
        if prof.float_computations:
            flags.append('!{i32 5, !"float_computations", !{!"double"}}')
        if prof.backwards_branching:
            flags.append(f'!{{i32 7, !"backwards_branching", i2 {2 if pr.loops(p) else 0}}}')
        out += ["", "; module flags", "", f"!llvm.module.flags = !{{{', '.join(f'!{k}' for k in range(len(flags)))}}}",
                ""]
        out += [f"!{k} = {f}" for k, f in enumerate(flags)]
        return "\n".join(out) + "\n"


def single_return(p: ir.Program) -> ir.Program:
    """``p`` with one returning block: QIR runners (qdk's among them) expect the output recorded once."""
    rets = [b for b in p.blocks if isinstance(b.terminator, ir.Return)]
    if len(rets) <= 1:
        return p
    names = {r.name for r in (*p.params, *p.regs)} | {b.label for b in p.blocks}

    def fresh(hint: str) -> str:
        k, name = 0, hint
        while name in names:
            k += 1
            name = f"{hint}.{k}"
        names.add(name)
        return name

    leaves = ir.return_leaves(p.returns)
    outs = [ir.Reg(fresh(f"ret{k}"), t) for k, t in enumerate(leaves)]
    temps = {t.elem: ir.Reg(fresh(f"ret.{t.elem}"), t.elem) for t in leaves if isinstance(t, ir.ArrayType)}
    exit_label = fresh("exit")
    blocks = []
    for b in p.blocks:
        t = b.terminator
        if not isinstance(t, ir.Return):
            blocks.append(b)
            continue
        moves: list[ir.Instr] = []
        for out, v in zip(outs, t.values):
            if isinstance(out.type, ir.ArrayType):
                tmp = temps[out.type.elem]
                for j in range(out.type.length):
                    moves += [ir.Load(tmp, v, ir.Const(j, ir.INT), t.loc),  # type: ignore[arg-type]
                              ir.Store(out, ir.Const(j, ir.INT), tmp, t.loc)]
            else:
                moves.append(ir.Copy(out, v, t.loc))
        blocks.append(ir.Block(b.label, b.instrs + tuple(moves), ir.Jump(exit_label, t.loc)))
    blocks.append(ir.Block(exit_label, (), ir.Return(tuple(outs), rets[0].terminator.loc)))
    return ir.verify(ir.Program(p.name, p.params, (*p.regs, *outs, *temps.values()), p.num_qubits,
                                tuple(blocks), p.returns, p.source))


def lower(program: ir.Program, profile: str | pr.Profile, target: Target | None = None) -> QirProgram:
    """Emit QIR for a program already specialized, decomposed and checked for ``profile``; verified with pyqir."""
    import pyqir

    prof = pr.profile(profile)
    program = single_return(program)
    lw = _Lowerer(program, prof, target)
    text = lw.run()
    entry = f"ENTRYPOINT__{program.name}"
    try:
        module = pyqir.Module.from_ir(pyqir.Context(), text, entry)
        problem = module.verify()
    except Exception as e:  # pragma: no cover - a bug in the emitter
        raise InternalError(f"QIR lowering produced text that LLVM rejects: {e}\n{text}") from None
    if problem:
        raise InternalError(f"QIR lowering produced an invalid module: {problem}\n{text}")
    return QirProgram(text, prof.name, target.id if target is not None else None, entry,
                      pr.required_qubits(program), lw.num_results)
