"""``to_qsharp``: an IR program as readable Q# source, one operation a Q# project can include.

The qubits are one register ``q`` (``use q = Qubit[n]``), reset at the end;
classical registers become variables (``let`` where assigned once at the top
level, ``mutable`` otherwise; a qubit register holds an index into ``q``);
control flow is recovered by :mod:`hybridrt.structure`.  Temporaries
used once fold into the expression that uses them, a measurement straight
into the ``if`` it decides, and a measurement followed by a reset is
``MResetZ``.  Python's floor division and modulo become small helper
functions emitted after the operation.

>>> import hybridrt as hr
>>> from hybridrt import qubits, h, x, mz
>>> @hr.kernel
... def feedback() -> tuple[bool, bool]:
...     a, b = qubits(2)
...     h(a)
...     if mz(a):
...         x(b)
...     return mz(a), mz(b)
>>> print(to_qsharp(feedback.ir), end="")
/// Kernel `feedback`, emitted by hybridrt.
operation feedback() : (Bool, Bool) {
    use q = Qubit[2];
    H(q[0]);
    if M(q[0]) == One {
        X(q[1]);
    }
    let m_1 = M(q[0]) == One;
    let m_2 = M(q[1]) == One;
    ResetAll(q);
    (m_1, m_2)
}
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hybridrt import ir
from hybridrt.passes import bind_arguments
from hybridrt.structure import (
    Break,
    BreakIfReturned,
    Cond,
    Continue,
    Do,
    Guard,
    If,
    Loop,
    Not,
    Ret,
    SetState,
    StateIs,
    Stmt,
    negate,
    structure,
    walk,
)

from .prepare import coalesce, needs_check, plan, reads, scalarize, writes

__all__ = ["to_qsharp"]


def to_qsharp(program: ir.Program, values: list[Any] | None = None) -> str:
    """Q# source for ``program``: with ``values`` bound to its parameters, else taking them as parameters."""
    if values is not None:
        program = bind_arguments(program, values)
    return _Emitter(*scalarize(coalesce(program))).render()


# ---------------------------------------------------------------- Q# vocabulary

_KEYWORDS = {  # Q# keywords, type names and literals, and the names the emitted code uses itself
    "Adj", "Adjoint", "BigInt", "Bool", "Controlled", "Ctl", "Double", "Int", "One", "Pauli", "PauliI", "PauliX",
    "PauliY", "PauliZ", "Qubit", "Range", "Result", "String", "Unit", "Zero", "and", "apply", "as", "auto",
    "body", "borrow", "controlled", "distribute", "elif", "else", "export", "fail", "false", "fixup", "for",
    "function", "if", "import", "in", "internal", "intrinsic", "invert", "is", "let", "mutable", "namespace",
    "new", "newtype", "not", "open", "operation", "or", "repeat", "return", "self", "set", "size", "struct",
    "true", "until", "use", "using", "w", "while", "within", "q", "returned", "state"
}

_GATE_NAMES = {"x": "X", "y": "Y", "z": "Z", "h": "H", "s": "S", "t": "T", "sx": "SX", "rx": "Rx", "ry": "Ry",
               "rz": "Rz", "p": "R1", "cx": "CNOT", "cy": "CY", "cz": "CZ", "swap": "SWAP", "rxx": "Rxx",
               "ryy": "Ryy", "rzz": "Rzz", "ccx": "CCNOT", "sdg": "Adjoint S", "tdg": "Adjoint T"}
_CONTROLLED = {"ch": "H", "crx": "Rx", "cry": "Ry", "crz": "Rz", "cp": "R1", "cswap": "SWAP"}

# precedence levels of Q# operators; the bitwise ones bind tighter than comparisons in Q#
TERNARY, OR, AND, CMP, BOR, BXOR, BAND, SHIFT, ADD, MUL, UNARY, POW, ATOM = range(13)
_BITWISE = {BOR, BXOR, BAND, SHIFT}
_BINARY: dict[str, tuple[str, int]] = {
    "add": ("+", ADD), "sub": ("-", ADD), "mul": ("*", MUL), "div": ("/", MUL), "pow": ("^", POW),
    "shl": ("<<<", SHIFT), "shr": (">>>", SHIFT), "eq": ("==", CMP), "ne": ("!=", CMP), "lt": ("<", CMP),
    "le": ("<=", CMP), "gt": (">", CMP), "ge": (">=", CMP),
}
_FLIP = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt", "eq": "ne", "ne": "eq"}
_BOOL_OPS = {"and": ("and", AND), "or": ("or", OR), "xor": ("!=", CMP)}
_INT_OPS = {"and": ("&&&", BAND), "or": ("|||", BOR), "xor": ("^^^", BXOR)}
_MATH = {"sqrt": "Sqrt", "log": "Log", "log2": "Lg", "log10": "Log10", "sin": "Sin", "cos": "Cos", "tan": "Tan",
         "asin": "ArcSin", "acos": "ArcCos", "atan": "ArcTan", "sinh": "Sinh", "cosh": "Cosh", "tanh": "Tanh",
         "asinh": "ArcSinh", "acosh": "ArcCosh", "atanh": "ArcTanh", "floor": "Floor", "ceil": "Ceiling",
         "float_to_int": "Truncate", "abs.int": "AbsI", "abs.float": "AbsD"}
_MINMAX = {("min", ir.INT): "MinI", ("max", ir.INT): "MaxI", ("min", ir.FLOAT): "MinD", ("max", ir.FLOAT): "MaxD",
           ("atan2", ir.FLOAT): "ArcTan2"}

#: Python's floor division and modulo (the remainder takes the divisor's sign), as Q# functions
HELPERS = {
    "PyFloorDivI": """function PyFloorDivI(a : Int, b : Int) : Int {
    let r = a % b;
    r != 0 and (r < 0) != (b < 0) ? a / b - 1 | a / b
}""",
    "PyModI": """function PyModI(a : Int, b : Int) : Int {
    let r = a % b;
    r != 0 and (r < 0) != (b < 0) ? r + b | r
}""",
    "PyFloorDivD": """function PyFloorDivD(a : Double, b : Double) : Double {
    let r = a % b;
    let d = (a - r) / b;
    IntAsDouble(Round(r != 0.0 and (r < 0.0) != (b < 0.0) ? d - 1.0 | d))
}""",
    "PyModD": """function PyModD(a : Double, b : Double) : Double {
    let r = a % b;
    r != 0.0 and (r < 0.0) != (b < 0.0) ? r + b | r
}""",
}
_HELPER_OPS = {("floordiv", ir.INT): "PyFloorDivI", ("mod", ir.INT): "PyModI",
               ("floordiv", ir.FLOAT): "PyFloorDivD", ("mod", ir.FLOAT): "PyModD"}
_CALLABLES = {*_MATH.values(), *_MINMAX.values(), *HELPERS, "IntAsDouble", "Round", "E", "Fact", "M", "MResetZ",
              "Reset", "ResetAll", *(g.split()[-1] for g in _GATE_NAMES.values())}


def qsharp_type(t: ir.Type | ir.TupleType | None) -> str:
    """The Q# type of an IR type (qubit registers are indices: Int)."""
    if t is None:
        return "Unit"
    if isinstance(t, ir.TupleType):
        return "(" + ", ".join(qsharp_type(e) for e in t.elems) + ")"
    if isinstance(t, ir.ArrayType):
        return qsharp_type(t.elem) + "[]"
    return {ir.BOOL: "Bool", ir.INT: "Int", ir.FLOAT: "Double", ir.QUBIT: "Int"}[t]


def _default(t: ir.Type | ir.TupleType) -> str:
    if isinstance(t, ir.TupleType):
        return "(" + ", ".join(_default(e) for e in t.elems) + ")"
    if isinstance(t, ir.ArrayType):
        return f"[{_default(t.elem)}, size = {t.length}]"
    return {ir.BOOL: "false", ir.INT: "0", ir.FLOAT: "0.0", ir.QUBIT: "0"}[t]


def literal(c: ir.Const) -> tuple[str, int]:
    """A constant as Q# text, with its precedence."""
    if c.type == ir.BOOL:
        return ("true" if c.value else "false"), ATOM
    if c.type == ir.FLOAT:
        v = float(c.value)
        if math.isnan(v):
            return "(0.0 / 0.0)", ATOM
        if math.isinf(v):
            return ("(1.0 / 0.0)" if v > 0 else "(-1.0 / 0.0)"), ATOM
        text = ir.Const(v, ir.FLOAT).__str__()
        return text, (UNARY if text.startswith("-") else ATOM)
    v = int(c.value)
    if v == -(2**63):
        return "(-9223372036854775807 - 1)", ATOM
    return str(v), (UNARY if v < 0 else ATOM)


def _paren(text_prec: tuple[str, int], parent: int, right: bool = False) -> str:
    text, prec = text_prec
    needs = prec < parent or (prec == parent and (right or parent in (CMP, POW, TERNARY)))
    if prec != parent and (prec in _BITWISE and parent in _BITWISE):
        needs = True
    if parent == POW and prec < ATOM:
        needs = True
    if parent == UNARY and prec == UNARY:
        needs = True
    return f"({text})" if needs else text


@dataclass(frozen=True)
class _Select:
    """``dest = cond ? a | b``: an ``if`` whose arms only assign ``dest``."""

    dest: ir.Reg
    cond: Cond
    a: ir.Operand
    b: ir.Operand


# ---------------------------------------------------------------- names


def _identifiers(p: ir.Program) -> dict[str, str]:
    """A Q# identifier for every register, unique and clear of Q# keywords and the callables used."""
    taken = set(_KEYWORDS) | _CALLABLES | {p.name}
    names: dict[str, str] = {}
    for r in (*p.params, *p.regs):
        base = re.sub(r"\W", "_", r.name).strip("_") or "v"
        if base[0].isdigit():
            base = "v" + base
        if base in _KEYWORDS or base in _CALLABLES or re.fullmatch(r"result\d*(_\d+)?", base):
            base += "_"
        name, k = base, 1
        while name in taken:
            k += 1
            name = f"{base}_{k}"
        taken.add(name)
        names[r.name] = name
    return names


def _operation_name(p: ir.Program) -> str:
    name = re.sub(r"\W", "_", p.name) or "Kernel"
    return ("K" + name) if name[0].isdigit() or name in _KEYWORDS else name


# ---------------------------------------------------------------- the emitter


class _Emitter:
    def __init__(self, p: ir.Program, elements: dict[str, tuple[ir.Reg, ...]]):
        self.p = p
        self.elements = elements
        self.name = _operation_name(p)
        self.names = _identifiers(p)
        self.plan = plan(p, elements)
        self.uses: dict[str, int] = {}
        for b in p.blocks:
            for i in (*b.instrs, b.terminator):
                for r in reads(i):
                    self.uses[r.name] = self.uses.get(r.name, 0) + 1
        self.selected: dict[str, _Select] = {}  # registers whose select is folded into the if that reads them
        self.body = self._selects(structure(p))
        self.imports: set[str] = set()
        self.helpers: set[str] = set()
        self.lines: list[str] = []
        written = {w.name for b in p.blocks for i in b.instrs if (w := writes(i)) is not None}
        self.param_args = {r.name: self.names[r.name] + ("_arg" if r.name in written else "") for r in p.params}
        rets = list(_walk(self.body, Ret))
        self.final_return = len(rets) == 1 and self.body[-1] is rets[0]
        self.flagged = any(True for _ in _walk(self.body, (Guard, BreakIfReturned)))
        self.declared: set[str] = set()
        self.lets, self.top = self._declarations()
        leaves = ir.return_leaves(p.returns)
        self.results: list[tuple[ir.Type, list[str]]] = []  # per returned value: its type, its result variables
        for k, t in enumerate(leaves):
            name = "result" if len(leaves) == 1 else f"result{k}"
            size = t.length if isinstance(t, ir.ArrayType) else 0
            self.results.append((t, [f"{name}_{j}" for j in range(size)] if size else [name]))

    # -- preparation

    def _folded(self, s: Any) -> bool:
        """Whether ``s`` computes a register folded into the expression that uses it."""
        return isinstance(s, Do) and (w := writes(s.instr)) is not None and w.name in self.plan.folded \
            and self.plan.folded[w.name] is s.instr

    def _selects(self, stmts: tuple[Stmt, ...]) -> tuple[Any, ...]:
        """Turn each ``if`` whose arms only assign one register into a :class:`_Select`, folded into the
        ``if`` right after it when that is its only use (so ``while a and b`` reads as such)."""
        out: list[Any] = []
        for s in stmts:
            if isinstance(s, If):
                then, orelse = self._selects(s.then), self._selects(s.orelse)
                a = [x for x in then if not self._folded(x)]
                b = [x for x in orelse if not self._folded(x)]
                if len(a) == len(b) == 1 and all(isinstance(x, Do) and isinstance(x.instr, ir.Copy)
                                                 and (x.block, x.index) not in self.plan.skip for x in (*a, *b)) \
                        and a[0].instr.dest == b[0].instr.dest:
                    sel = _Select(a[0].instr.dest, s.cond, a[0].instr.src, b[0].instr.src)
                    self._fold_condition(sel, out)
                    out.append(sel)
                    continue
                if out and isinstance(out[-1], _Select) and _cond_reg(s.cond) == out[-1].dest \
                        and self.uses.get(out[-1].dest.name) == 1:
                    folded = out.pop()
                    self.selected[folded.dest.name] = folded
                s = If(s.cond, then, orelse, s.loc)
            elif isinstance(s, Loop):
                s = Loop(self._selects(s.body))
            elif isinstance(s, Guard):
                s = Guard(self._selects(s.body))
            out.append(s)
        return tuple(out)

    def _fold_condition(self, sel: _Select, out: list[Any]) -> None:
        """Fold the select's condition register into it where it is computed just before and only read there
        (its branch, and the arm that copies it, which ``and``/``or`` writes once)."""
        c = sel.cond
        if not (isinstance(c, ir.Reg) and c in (sel.a, sel.b) and sel.dest.type == ir.BOOL and out
                and isinstance(d := out[-1], Do) and isinstance(d.instr, (ir.Copy, ir.Unary, ir.Binary))
                and d.instr.dest == c and self.uses.get(c.name) == 2 and (d.block, d.index) not in self.plan.skip):
            return
        self.plan.folded[c.name] = d.instr
        self.plan.skip.add((d.block, d.index))
        out.pop()

    def _declarations(self) -> tuple[set[str], list[str]]:
        """Registers declared where first assigned (``let`` if only there), and those declared at the top."""
        first: dict[str, bool] = {}  # name -> whether its first appearance is an assignment at the top level
        count: dict[str, int] = {}

        def assigned(r: ir.Reg, depth: int, weight: int = 1) -> None:
            first.setdefault(r.name, depth == 0 and weight == 1)
            count[r.name] = count.get(r.name, 0) + weight

        for depth, s in _events(self.body, 0):
            if isinstance(s, Do):
                if (s.block, s.index) in self.plan.skip:
                    continue
                for r in self._leaves(reads(s.instr)):
                    first.setdefault(r, False)
                if (w := writes(s.instr)) is not None:
                    assigned(w, depth, 2 if isinstance(s.instr, ir.Store) else 1)
            elif isinstance(s, _Select):
                for r in self._leaves([x for x in (_cond_reg(s.cond), s.a, s.b) if isinstance(x, ir.Reg)]):
                    first.setdefault(r, False)
                assigned(s.dest, depth)
            else:
                for r in self._leaves(_stmtreads(s)):
                    first.setdefault(r, False)
        params = {r.name for r in self.p.params}
        here = {r for r, at_top in first.items() if at_top and r not in params}
        lets = {r for r in here if count.get(r) == 1}
        top = [r.name for r in self.p.regs if r.name in first and r.name not in here]
        top += [r.name for r in self.p.params if r.name in count]
        return lets, top

    def _leaves(self, regs: list[ir.Reg]) -> Iterator[str]:
        """The registers read, looking through folded ones and aliases."""
        for r in regs:
            if r.name in self.plan.folded:
                yield from self._leaves(reads(self.plan.folded[r.name]))
            elif r.name in self.elements:
                yield from self._leaves(list(self.elements[r.name]))
            elif r.name in self.selected:
                sel = self.selected[r.name]
                yield from self._leaves([x for x in (_cond_reg(sel.cond), sel.a, sel.b) if isinstance(x, ir.Reg)])
            else:
                yield self.plan.aliases.get(r.name, r.name)

    # -- the whole operation

    def render(self) -> str:
        p = self.p
        params = ", ".join(f"{self.param_args[r.name]} : {qsharp_type(r.type)}" for r in p.params)
        self.line(0, f"operation {self.name}({params}) : {qsharp_type(p.returns)} {{")
        if p.num_qubits:
            self.line(1, f"use q = Qubit[{p.num_qubits}];")
        types = {r.name: r.type for r in (*p.params, *p.regs)}
        for name in self.top:
            init = self.param_args[name] if name in self.param_args else _default(types[name])
            self.line(1, f"mutable {self.names[name]} = {init};")
        if self.flagged:
            self.line(1, "mutable returned = false;")
        if not self.final_return and any(True for _ in _walk(self.body, Ret)):
            for t, names in self.results:  # one variable per scalar: qdk cannot update tuples or arrays there
                for name in names:
                    self.line(1, f"mutable {name} = {_default(t.elem if isinstance(t, ir.ArrayType) else t)};")
        if any(True for _ in _walk(self.body, SetState)):
            self.line(1, "mutable state = 0;")
        final = self.body[-1] if self.final_return else None
        self.block(self.body[:-1] if isinstance(final, Ret) else self.body, 1)
        if p.num_qubits:  # (one qubit: qdk's Adaptive QIR for ResetAll would hold a one-element qubit array)
            self.line(1, "ResetAll(q);" if p.num_qubits > 1 else "Reset(q[0]);")
        if p.returns is not None:
            self.line(1, self.ret_value(final.values) if isinstance(final, Ret) else self.ret_value(None))
        self.line(0, "}")
        head = [f"import {m}.*;" for m in sorted(self.imports)]
        doc = [f"/// Kernel `{p.name}`, emitted by hybridrt."]
        tail = [HELPERS[h] for h in sorted(self.helpers)]
        return "\n\n".join((["\n".join(head)] if head else []) + ["\n".join(doc + self.lines)] + tail) + "\n"

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def ret_value(self, values: tuple[ir.Operand, ...] | None) -> str:
        """The returned value: of ``values``, or (None) of the result variables."""
        if values is None:
            texts = [f"[{', '.join(names)}]" if isinstance(t, ir.ArrayType) else names[0] for t, names in self.results]
        else:
            texts = [self.expr(v)[0] for v in values]
        if isinstance(self.p.returns, ir.TupleType):
            return "(" + ", ".join(texts) + ")"
        return texts[0]

    # -- statements

    def block(self, stmts: tuple[Any, ...], depth: int) -> None:
        for s in stmts:
            self.stmt(s, depth)

    def stmt(self, s: Any, depth: int) -> None:
        if isinstance(s, Do):
            self.do(s, depth)
        elif isinstance(s, If):
            self.if_(s, depth)
        elif isinstance(s, _Select):
            self.assign(s.dest, self.select(s)[0], depth)
        elif isinstance(s, Loop):
            self.loop(s, depth)
        elif isinstance(s, Ret):
            for (t, names), v in zip(self.results, s.values):
                for j, name in enumerate(names):
                    self.line(depth, f"set {name} = {self.element(v, j) if isinstance(t, ir.ArrayType) else self.expr(v)[0]};")
            if self.flagged:
                self.line(depth, "set returned = true;")
        elif isinstance(s, Guard):
            self.line(depth, "if not returned {")
            self.block(s.body, depth + 1)
            self.line(depth, "}")
        else:
            self.line(depth, {Break: "break;", Continue: "continue;", BreakIfReturned: "if returned { break; }"}
                      .get(type(s)) or f"set state = {s.value};")

    def if_(self, s: If, depth: int) -> None:
        self.line(depth, f"if {self.cond(s.cond)} {{")
        self.block(s.then, depth + 1)
        while len(rest := [x for x in s.orelse if not self._folded(x)]) == 1 and isinstance(rest[0], If):
            s = rest[0]
            self.line(depth, f"}} elif {self.cond(s.cond)} {{")
            self.block(s.then, depth + 1)
        if s.orelse:
            self.line(depth, "} else {")
            self.block(s.orelse, depth + 1)
        self.line(depth, "}")

    def loop(self, s: Loop, depth: int) -> None:
        k = 0
        while k < len(s.body) and self._folded(s.body[k]):
            k += 1
        head = s.body[k] if k < len(s.body) else None
        if isinstance(head, If) and head.then == (Break(),) and not head.orelse:
            self.line(depth, f"while {self.cond(negate(head.cond))} {{")
            self.block(s.body[k + 1:], depth + 1)
        else:
            self.line(depth, "while true {")
            self.block(s.body, depth + 1)
        self.line(depth, "}")

    def do(self, s: Do, depth: int) -> None:
        if (s.block, s.index) in self.plan.skip:
            return
        i = s.instr
        if isinstance(i, ir.Gate):
            self.gate(i, depth)
        elif isinstance(i, ir.Reset):
            self.line(depth, f"Reset({self.qubit(i.qubit)});")
        elif isinstance(i, ir.Store):
            self.line(depth, f"set {self.names[i.array.name]} w/= {self.expr(i.index)[0]} <- {self.expr(i.value)[0]};")
        else:
            if isinstance(i, ir.QubitAt) and needs_check(self.p, i):
                self.imports.add("Std.Diagnostics")
                idx = _paren(self.expr(i.index), CMP)
                self.line(depth, f'Fact({idx} >= 0 and {idx} < {i.length}, "qubit index out of range");')
            self.assign(i.dest, self.value(i)[0], depth)  # type: ignore[union-attr]

    def assign(self, dest: ir.Reg, text: str, depth: int) -> None:
        name = self.names[dest.name]
        if dest.name in self.lets:
            self.line(depth, f"let {name} = {text};")
        elif dest.name in self.top or dest.name in self.declared:
            self.line(depth, f"set {name} = {text};")
        else:
            self.declared.add(dest.name)
            self.line(depth, f"mutable {name} = {text};")

    def gate(self, g: ir.Gate, depth: int) -> None:
        qs = [self.qubit(q) for q in g.qubits]
        ps = [self.expr(a)[0] for a in g.params]
        if g.name == "u":  # u(theta, phi, lam) = Rz(phi) Ry(theta) Rz(lam) up to a global phase
            theta, phi, lam = ps
            for name, angle in (("Rz", lam), ("Ry", theta), ("Rz", phi)):
                self.line(depth, f"{name}({angle}, {qs[0]});")
        elif g.name in _CONTROLLED:
            args = ps + qs[1:]
            target = args[0] if len(args) == 1 else "(" + ", ".join(args) + ")"
            self.line(depth, f"Controlled {_CONTROLLED[g.name]}([{qs[0]}], {target});")
        else:
            self.line(depth, f"{_GATE_NAMES[g.name]}({', '.join(ps + qs)});")

    def qubit(self, q: ir.Operand) -> str:
        return f"q[{q.value if isinstance(q, ir.Const) else self.expr(q)[0]}]"

    # -- expressions

    def cond(self, c: Cond) -> str:
        return self.cond_expr(c)[0]

    def cond_expr(self, c: Cond) -> tuple[str, int]:
        if isinstance(c, StateIs):
            return f"state == {c.value}", CMP
        if isinstance(c, Not) and isinstance(c.cond, StateIs):
            return f"state != {c.cond.value}", CMP
        if isinstance(c, Not):
            flipped = self._flipped(c.cond)
            if flipped is not None:
                return flipped
            return "not " + _paren(self.cond_expr(c.cond), UNARY), UNARY
        return self.expr(c)

    def _flipped(self, c: Cond) -> tuple[str, int] | None:
        """The negation of a folded ``not x`` or integer comparison, without a ``not``: ``x``, ``a >= b``."""
        i = self.plan.folded.get(c.name) if isinstance(c, ir.Reg) else None
        if isinstance(i, ir.Measure):
            return self.measure(i, "Zero"), CMP
        if isinstance(i, ir.Unary) and i.op == "not":
            return self.expr(i.a)
        if isinstance(i, ir.Binary) and i.a.type == ir.INT and i.op in _FLIP:
            return self.binary(ir.Binary(i.dest, _FLIP[i.op], i.a, i.b))
        if isinstance(i, ir.Binary) and i.a.type == ir.BOOL and i.op in ("eq", "ne", "xor"):
            return self.binary(ir.Binary(i.dest, "eq" if i.op != "eq" else "ne", i.a, i.b))
        return None

    def select(self, s: _Select) -> tuple[str, int]:
        c, a, b = self.cond_expr(s.cond), self.expr(s.a), self.expr(s.b)
        if s.dest.type == ir.BOOL and (s.b == s.cond or s.b == ir.Const(False, ir.BOOL)):
            return f"{_paren(c, AND)} and {_paren(a, AND, right=True)}", AND
        if s.dest.type == ir.BOOL and (s.a == s.cond or s.a == ir.Const(True, ir.BOOL)):
            return f"{_paren(c, OR)} or {_paren(b, OR, right=True)}", OR
        return f"{_paren(c, TERNARY)} ? {_paren(a, TERNARY)} | {_paren(b, TERNARY, right=True)}", TERNARY

    def element(self, array: ir.Operand, j: int) -> str:
        """Element ``j`` of a returned array."""
        if isinstance(array, ir.Reg) and array.name in self.elements:
            return self.expr(self.elements[array.name][j])[0]
        return f"{self.expr(array)[0]}[{j}]"

    def expr(self, op: ir.Operand) -> tuple[str, int]:
        if isinstance(op, ir.Const):
            return (str(op.value), ATOM) if op.type == ir.QUBIT else literal(op)
        if op.name in self.plan.folded:
            return self.value(self.plan.folded[op.name])
        if op.name in self.elements:
            return "[" + ", ".join(self.expr(r)[0] for r in self.elements[op.name]) + "]", ATOM
        if op.name in self.selected:
            return self.select(self.selected[op.name])
        name = self.plan.aliases.get(op.name, op.name)
        if name in self.param_args and name not in self.top:
            return self.param_args[name], ATOM
        return self.names[name], ATOM

    def call(self, fn: str, *args: ir.Operand, module: str = "Std.Math") -> tuple[str, int]:
        self.imports.add(module)
        return f"{fn}({', '.join(self.expr(a)[0] for a in args)})", ATOM

    def value(self, i: ir.Instr) -> tuple[str, int]:
        """The Q# expression computing instruction ``i``'s result."""
        if isinstance(i, ir.Copy):
            return self.expr(i.src)
        if isinstance(i, ir.Measure):
            return self.measure(i, "One"), CMP
        if isinstance(i, ir.QubitAt):
            idx = self.expr(i.index)
            if i.step != 1:
                idx = (f"{_paren(idx, MUL)} * {i.step}", MUL)
            return (f"{i.base} + {_paren(idx, ADD, right=True)}", ADD) if i.base else idx
        if isinstance(i, ir.Load):
            return f"{self.names[i.array.name]}[{self.expr(i.index)[0]}]", ATOM
        if isinstance(i, ir.Unary):
            return self.unary(i)
        assert isinstance(i, ir.Binary)
        return self.binary(i)

    def measure(self, i: ir.Measure, outcome: str) -> str:
        return f"{'MResetZ' if id(i) in self.plan.mresetz else 'M'}({self.qubit(i.qubit)}) == {outcome}"

    def unary(self, i: ir.Unary) -> tuple[str, int]:
        if i.op == "not" and (flipped := self._flipped(i.a)) is not None:
            return flipped
        a = self.expr(i.a)
        prefix = {"neg.int": "-", "neg.float": "-", "not": "not ", "invert": "~~~"}.get(i.op)
        if prefix is not None:
            return prefix + _paren(a, UNARY), UNARY
        if i.op == "int_to_float":
            return self.call("IntAsDouble", i.a, module="Std.Convert")
        if i.op == "bool_to_int":
            return f"{_paren(a, TERNARY)} ? 1 | 0", TERNARY
        if i.op in ("int_to_bool", "float_to_bool"):
            return f"{_paren(a, CMP)} != {'0' if i.op == 'int_to_bool' else '0.0'}", CMP
        if i.op == "exp":
            self.imports.add("Std.Math")
            return f"E() ^ {_paren(a, POW, right=True)}", POW
        return self.call(_MATH[i.op], i.a)

    def binary(self, i: ir.Binary) -> tuple[str, int]:
        key = (i.op, i.a.type)
        if key in _HELPER_OPS:
            self.helpers.add(_HELPER_OPS[key])
            if key[1] == ir.FLOAT:
                self.imports.update(("Std.Math", "Std.Convert"))
            return f"{_HELPER_OPS[key]}({self.expr(i.a)[0]}, {self.expr(i.b)[0]})", ATOM
        if key in _MINMAX:
            return self.call(_MINMAX[key], i.a, i.b)
        if i.op in _BOOL_OPS:
            sym, prec = (_BOOL_OPS if key[1] == ir.BOOL else _INT_OPS)[i.op]
        else:
            sym, prec = _BINARY[i.op]
        return f"{_paren(self.expr(i.a), prec)} {sym} {_paren(self.expr(i.b), prec, right=True)}", prec


# ---------------------------------------------------------------- tree walks


def _walk(stmts: tuple[Any, ...], kind: type | tuple[type, ...]) -> Iterator[Any]:
    return (s for s in walk(stmts) if isinstance(s, kind))


def _events(stmts: tuple[Any, ...], depth: int) -> Iterator[tuple[int, Any]]:
    """Every statement in textual order, with its nesting depth (0: the operation's top level)."""
    for s in stmts:
        yield depth, s
        if isinstance(s, If):
            yield from _events(s.then, depth + 1)
            yield from _events(s.orelse, depth + 1)
        elif isinstance(s, (Loop, Guard)):
            yield from _events(s.body, depth + 1)


def _cond_reg(c: Cond) -> ir.Operand | None:
    while isinstance(c, Not):
        c = c.cond
    return c if isinstance(c, (ir.Reg, ir.Const)) else None


def _stmtreads(s: Any) -> list[ir.Reg]:
    if isinstance(s, If):
        r = _cond_reg(s.cond)
        return [r] if isinstance(r, ir.Reg) else []
    if isinstance(s, Ret):
        return [v for v in s.values if isinstance(v, ir.Reg)]
    return []
