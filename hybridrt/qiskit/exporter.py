"""``to_qiskit``: an IR program -> an equivalent Qiskit ``QuantumCircuit`` with dynamic-circuit control flow.

The program is specialized first (arguments bound when given, classically bounded loops
unrolled), then structured (:mod:`hybridrt.structure`) into ``if_test``/``while_loop`` with
``break_loop``/``continue_loop`` (a ``returned`` variable skips the code after an early return,
a ``state`` variable drives the state-machine form of an unstructured CFG).  Bool registers
become (loose) clbits, int registers ``Uint(64)`` variables holding the two's-complement bits
(signed comparisons, division, shifts and conversions are spelled out in unsigned operations),
float registers ``Float`` variables.  Unbound float parameters become ``Parameter``s; their arithmetic becomes
``ParameterExpression``s; unbound int and bool parameters become input variables.
Returned values are written, at each return, into classical registers ``out0``,
``out1``, ... (a bool: 1 bit; a list of bools: one bit each; an int: 64 bits, two's
complement) or, for floats, into ``Float`` variables of those names.

What Qiskit cannot express raises ``TargetError`` at the kernel's source line: a gate
angle computed at run time, math functions or float ``//``/``%``/``**`` on run-time
values, integer ``**`` on run-time values, a qubit chosen at run time.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from typing import Any

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Clbit, Parameter, ParameterExpression
from qiskit.circuit.classical import expr, types

from .. import ir
from .. import structure as st
from ..errors import TargetError
from ..passes import bind_arguments, specialize

U64 = types.Uint(64)
_MASK = (1 << 64) - 1
_Sym = ParameterExpression | float


def _call(a: _Sym, method: str, f: Callable[[float], float]) -> _Sym:
    return getattr(a, method)() if isinstance(a, ParameterExpression) else f(a)


_SYM_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
}
_SYM_UNARY: dict[str, Callable[[Any], Any]] = {
    "neg.float": lambda a: -a, "abs.float": abs, "sqrt": lambda a: a**0.5,
    "log2": lambda a: _call(a, "log", math.log) / math.log(2), "log10": lambda a: _call(a, "log", math.log) / math.log(10),
    **{name: functools.partial(_call, method=method, f=getattr(math, name)) for name, method in
       (("sin", "sin"), ("cos", "cos"), ("tan", "tan"), ("asin", "arcsin"), ("acos", "arccos"), ("atan", "arctan"),
        ("exp", "exp"), ("log", "log"))},
}


def to_qiskit(program: ir.Program, values: list[Any] | None = None) -> QuantumCircuit:
    """The circuit of ``program``, with its arguments bound to ``values`` (None: parameters stay free).

    >>> import hybridrt as hr
    >>> from hybridrt import qubits, h, cx, mz
    >>> @hr.kernel
    ... def bell() -> list[bool]:
    ...     q = qubits(2)
    ...     h(q[0])
    ...     cx(q[0], q[1])
    ...     return mz(q)
    >>> qc = bell.to_qiskit()
    >>> [r.name for r in qc.cregs], qc.count_ops()["measure"]
    (['out0'], 2)
    """
    if values is not None:
        program = bind_arguments(program, values)
    program = specialize(program, unroll_dynamic=False)
    return _Exporter(program).run()


def _symbolic(p: ir.Program, params: dict[str, Parameter]) -> dict[str, ParameterExpression]:
    """Float registers whose one definition computes them from parameters (and constants) only."""
    defs: dict[str, int] = {}
    for b in p.blocks:
        for i in b.instrs:
            target = i.array if isinstance(i, ir.Store) else getattr(i, "dest", None)
            if target is not None:
                defs[target.name] = defs.get(target.name, 0) + 1
    sym: dict[str, ParameterExpression] = dict(params)

    def known(op: ir.Operand) -> _Sym | None:
        if isinstance(op, ir.Const):
            return float(op.value) if op.type == ir.FLOAT else None
        return sym.get(op.name)

    changed = True
    while changed:
        changed = False
        for b in p.blocks:
            for i in b.instrs:
                if not isinstance(i, (ir.Copy, ir.Unary, ir.Binary)) or i.dest.type != ir.FLOAT:
                    continue
                if i.dest.name in sym or defs.get(i.dest.name) != 1:
                    continue
                if isinstance(i, ir.Copy):
                    value = known(i.src)
                elif isinstance(i, ir.Unary):
                    a = known(i.a)
                    value = _SYM_UNARY[i.op](a) if a is not None and i.op in _SYM_UNARY else None
                else:
                    a, c = known(i.a), known(i.b)
                    value = _SYM_BINARY[i.op](a, c) if a is not None and c is not None and i.op in _SYM_BINARY \
                        else None
                if isinstance(value, ParameterExpression) and value.parameters:
                    sym[i.dest.name] = value
                    changed = True
    return sym


def _registers(nodes: tuple[st.Stmt, ...]) -> Iterator[ir.Reg]:
    for n in st.walk(nodes):
        if isinstance(n, st.Do):
            for v in vars(n.instr).values():
                for x in v if isinstance(v, tuple) else (v,):
                    if isinstance(x, ir.Reg):
                        yield x
        elif isinstance(n, st.If):
            c = n.cond
            while isinstance(c, st.Not):
                c = c.cond
            if isinstance(c, ir.Reg):
                yield c
        elif isinstance(n, st.Ret):
            yield from (v for v in n.values if isinstance(v, ir.Reg))


class _Exporter:
    def __init__(self, p: ir.Program):
        self.p = p
        self.qc = QuantumCircuit(QuantumRegister(p.num_qubits, "q"), name=p.name)
        self.params = {r.name: Parameter(r.name) for r in p.params if r.type == ir.FLOAT}
        self.sym = _symbolic(p, self.params)
        self.tree = st.structure(p)
        self.bits: dict[tuple[str, int], Clbit] = {}  # (register, element or -1) -> clbit
        self.vars: dict[tuple[str, int], expr.Var] = {}
        self.qubits: dict[str, int] = {}  # qubit registers set from a constant index
        self.outputs: list[list[Any]] = []  # per returned value: the lvalue of each element
        self.names: set[str] = set()
        self.returned: expr.Var | None = None  # set by a return that code after it must skip
        self.state: expr.Var | None = None  # the block number of the state-machine form

    def run(self) -> QuantumCircuit:
        qc = self.qc
        self._allocate_outputs()
        if any(isinstance(n, (st.Guard, st.BreakIfReturned)) for n in st.walk(self.tree)):
            self.returned = qc.add_var(self._name("returned"), expr.lift(False))
        if any(isinstance(n, st.SetState) for n in st.walk(self.tree)):
            self.state = qc.add_var(self._name("state"), expr.lift(0, U64))
        for r in self.p.params:
            if r.type != ir.FLOAT:
                if isinstance(r.type, ir.ArrayType):
                    raise TargetError(f"kernel {self.p.name!r}: pass the list argument {r.name!r} to to_qiskit()")
                self.vars[(r.name, -1)] = qc.add_input(self._name(r.name), types.Bool() if r.type == ir.BOOL else U64)
        seen = set(self.vars) | {(name, -1) for name in self.sym}
        for r in _registers(self.tree):
            if (r.name, -1) in seen or r.type == ir.QUBIT:
                continue
            seen.add((r.name, -1))
            elems = [(r.type.elem, k) for k in range(r.type.length)] if isinstance(r.type, ir.ArrayType) \
                else [(r.type, -1)]
            for t, k in elems:
                self._allocate(r.name, k, t)
        self.nodes(self.tree)
        return qc

    def _allocate(self, name: str, k: int, t: str) -> None:
        if t == ir.BOOL:
            bit = Clbit()
            self.qc.add_bits([bit])
            self.bits[(name, k)] = bit
        else:
            init = expr.lift(0.0) if t == ir.FLOAT else expr.lift(0, U64)
            self.vars[(name, k)] = self.qc.add_var(self._name(name if k < 0 else f"{name}_{k}"), init)

    def _name(self, hint: str) -> str:
        """A fresh identifier for a variable (outputs keep their names ``out0``...: they are made first)."""
        base = "".join(c if c.isalnum() else "_" for c in hint)
        name, n = base, 0
        while name in self.names:
            n += 1
            name = f"{base}_{n}"
        self.names.add(name)
        return name

    def _allocate_outputs(self) -> None:
        for k, t in enumerate(ir.return_leaves(self.p.returns)):
            name = self._name(f"out{k}")
            elem, n = (t.elem, t.length) if isinstance(t, ir.ArrayType) else (t, -1)
            names = [name] if n < 0 or elem == ir.BOOL else [self._name(f"{name}_{i}") for i in range(n)]
            if elem == ir.BOOL:
                creg = ClassicalRegister(1 if n < 0 else n, name)
                self.qc.add_register(creg)
                self.outputs.append(list(creg))
            elif elem == ir.INT:
                regs = [ClassicalRegister(64, x) for x in names]
                self.qc.add_register(*regs)
                self.outputs.append(regs)
            else:
                self.outputs.append([self.qc.add_var(x, expr.lift(0.0)) for x in names])

    # -- operands
    def fail(self, message: str, loc: ir.Loc | None) -> TargetError:
        return TargetError(f"to_qiskit: {message}", loc)

    def value(self, op: ir.Operand, loc: ir.Loc | None, k: int = -1) -> expr.Expr:
        """The Qiskit expression of a scalar operand (or element ``k`` of an array register)."""
        if isinstance(op, ir.Const):
            if op.type == ir.INT:
                return expr.lift(op.value & _MASK, U64)
            if op.type == ir.QUBIT:
                raise self.fail("a qubit used as a value", loc)
            return expr.lift(op.value)
        if op.name in self.sym:
            names = ", ".join(repr(p.name) for p in sorted(self.sym[op.name].parameters, key=lambda p: p.name))
            raise self.fail(f"parameter {names} is used in a classical computation at run "
                            "time, which Qiskit cannot express; pass the arguments to to_qiskit() to bind them", loc)
        key = (op.name, k)
        if key in self.bits:
            return expr.lift(self.bits[key])
        return self.vars[key]

    def lvalue(self, reg: ir.Reg, k: int = -1) -> Any:
        return self.bits.get((reg.name, k)) or self.vars[(reg.name, k)]

    def angle(self, op: ir.Operand, gate: str, loc: ir.Loc | None) -> _Sym:
        if isinstance(op, ir.Const):
            return float(op.value)
        if op.name in self.sym:
            return self.sym[op.name]
        raise self.fail(f"gate {gate} has an angle computed at run time (from measurement results); Qiskit "
                        "gates take angles known before the circuit runs", loc)

    def qubit(self, op: ir.Operand, loc: ir.Loc | None) -> int:
        if isinstance(op, ir.Const):
            return int(op.value)
        if op.name in self.qubits:
            return self.qubits[op.name]
        raise self.fail("a qubit chosen at run time cannot be expressed in Qiskit", loc)

    # -- the tree
    def nodes(self, nodes: tuple[st.Stmt, ...]) -> None:
        qc = self.qc
        for n in nodes:
            if isinstance(n, st.Do):
                self.instr(n.instr)
            elif isinstance(n, st.If):
                cond = self.cond(n.cond, n.loc)
                if n.orelse:
                    with qc.if_test(cond) as orelse:
                        self.nodes(n.then)
                    with orelse:
                        self.nodes(n.orelse)
                else:
                    with qc.if_test(cond):
                        self.nodes(n.then)
            elif isinstance(n, st.Loop):
                with qc.while_loop(expr.lift(True)):
                    self.nodes(n.body)
            elif isinstance(n, st.Break):
                qc.break_loop()
            elif isinstance(n, st.Continue):
                qc.continue_loop()
            elif isinstance(n, st.Guard):
                assert self.returned is not None
                with qc.if_test(expr.logic_not(self.returned)):
                    self.nodes(n.body)
            elif isinstance(n, st.BreakIfReturned):
                assert self.returned is not None
                with qc.if_test(self.returned):
                    qc.break_loop()
            elif isinstance(n, st.SetState):
                assert self.state is not None
                qc.store(self.state, self.value(ir.const(n.value), None))
            else:
                self.ret(n)

    def cond(self, c: st.Cond, loc: ir.Loc | None) -> expr.Expr:
        if isinstance(c, st.Not):
            return expr.logic_not(self.cond(c.cond, loc))
        if isinstance(c, st.StateIs):
            assert self.state is not None
            return expr.equal(self.state, self.value(ir.const(c.value), loc))
        return self.value(c, loc)

    def ret(self, n: st.Ret) -> None:
        for targets, v in zip(self.outputs, n.values):
            if isinstance(v.type, ir.ArrayType):
                for k, target in enumerate(targets):
                    self.qc.store(target, self.value(v, n.loc, k))
            else:
                self.qc.store(targets[0], self.value(v, n.loc))
        if self.returned is not None:
            self.qc.store(self.returned, expr.lift(True))

    def store(self, dest: ir.Reg, value: expr.Expr) -> None:
        self.qc.store(self.lvalue(dest), value)

    def instr(self, i: ir.Instr) -> None:
        qc, loc = self.qc, i.loc
        if isinstance(i, ir.Gate):
            getattr(qc, i.name)(*(self.angle(a, i.name, loc) for a in i.params),
                                *(self.qubit(q, loc) for q in i.qubits))
        elif isinstance(i, ir.Measure):
            qc.measure(self.qubit(i.qubit, loc), self.lvalue(i.dest))
        elif isinstance(i, ir.Reset):
            qc.reset(self.qubit(i.qubit, loc))
        elif isinstance(i, ir.QubitAt):
            if not isinstance(i.index, ir.Const) or not 0 <= i.index.value < i.length:
                raise self.fail("a qubit chosen at run time cannot be expressed in Qiskit", loc)
            self.qubits[i.dest.name] = i.base + i.index.value * i.step
        elif isinstance(i, ir.Copy):
            if i.dest.type == ir.QUBIT:
                self.qubits[i.dest.name] = self.qubit(i.src, loc)
            elif i.dest.name not in self.sym:  # a parameter expression is used where it is needed, not stored
                self.store(i.dest, self.value(i.src, loc))
        elif isinstance(i, ir.Unary):
            if i.dest.name not in self.sym:
                self.unary(i)
        elif isinstance(i, ir.Binary):
            if i.dest.name not in self.sym:
                self.binary(i)
        else:
            self.element(i)

    def element(self, i: ir.Load | ir.Store) -> None:
        """An array element read or written; a run-time index becomes a ``switch`` over the positions."""
        length = i.array.type.length  # type: ignore[union-attr]

        def access(k: int) -> None:
            if isinstance(i, ir.Load):
                self.store(i.dest, self.value(i.array, i.loc, k))
            else:
                self.qc.store(self.lvalue(i.array, k), self.value(i.value, i.loc))

        if isinstance(i.index, ir.Const):
            if 0 <= i.index.value < length:
                access(i.index.value)
            return
        with self.qc.switch(self.value(i.index, i.loc)) as case:
            for k in range(length):
                with case(k):
                    access(k)

    # -- classical operations
    def select(self, dest: ir.Reg, cond: expr.Expr, then: expr.Expr, other: expr.Expr) -> None:
        with self.qc.if_test(cond) as orelse:
            self.store(dest, then)
        with orelse:
            self.store(dest, other)

    def unary(self, i: ir.Unary) -> None:
        a = self.value(i.a, i.loc)
        op = i.op
        if op == "not":
            return self.store(i.dest, expr.logic_not(a))
        if op in _INT_UNARY:
            return self.store(i.dest, _INT_UNARY[op](a))
        if op == "neg.float":
            return self.store(i.dest, expr.negate(a))
        if op == "abs.float":
            return self.select(i.dest, expr.less(a, 0.0), expr.negate(a), a)
        if op == "float_to_bool":
            return self.store(i.dest, expr.not_equal(a, 0.0))
        if op in ("float_to_int", "floor", "ceil"):
            t = _trunc(a)
            if op == "floor":
                t = expr.sub(t, expr.cast(expr.less(a, _signed_float(t)), U64))
            elif op == "ceil":
                t = expr.add(t, expr.cast(expr.greater(a, _signed_float(t)), U64))
            return self.store(i.dest, t)
        raise self.fail(f"{op}() of a value known only at run time cannot be expressed in Qiskit's classical "
                        "expressions", i.loc)

    def binary(self, i: ir.Binary) -> None:
        a, b = self.value(i.a, i.loc), self.value(i.b, i.loc)
        op, t = i.op, i.a.type
        if op in ("and", "or", "xor"):
            return self.store(i.dest, {"and": expr.bit_and, "or": expr.bit_or, "xor": expr.bit_xor}[op](a, b))
        if op in ("eq", "ne"):
            return self.store(i.dest, (expr.equal if op == "eq" else expr.not_equal)(a, b))
        if op in _COMPARE:
            return self.store(i.dest, _COMPARE[op](_bias(a), _bias(b)) if t == ir.INT else _COMPARE[op](a, b))
        if op in ("add", "sub", "mul"):
            return self.store(i.dest, {"add": expr.add, "sub": expr.sub, "mul": expr.mul}[op](a, b))
        if op in ("min", "max"):  # Python's min(a, b): b if b < a else a; max(a, b): b if b > a else a
            x, y = (b, a) if op == "min" else (a, b)
            return self.select(i.dest, expr.less(_bias(x), _bias(y)) if t == ir.INT else expr.less(x, y), b, a)
        if t == ir.INT and op in _INT_BINARY:
            return self.store(i.dest, _INT_BINARY[op](a, b))
        if op == "div":
            return self.store(i.dest, expr.div(a, b))
        raise self.fail(f"the operation {op} on {t}s known only at run time cannot be expressed in Qiskit's "
                        "classical expressions", i.loc)


# Two's-complement int64 semantics on Uint(64) expressions.
def _u(v: int) -> expr.Expr:
    return expr.lift(v & _MASK, U64)


def _bias(a: expr.Expr) -> expr.Expr:
    """Flip the sign bit: unsigned order of the result = signed order of ``a``."""
    return expr.bit_xor(a, _u(1 << 63))


def _sign_mask(a: expr.Expr) -> expr.Expr:
    """All ones if ``a`` is negative, else 0."""
    return expr.sub(_u(0), expr.shift_right(a, _u(63)))


def _negate_if(a: expr.Expr, mask: expr.Expr) -> expr.Expr:
    """``-a`` where ``mask`` is all ones, ``a`` where it is 0."""
    return expr.sub(expr.bit_xor(a, mask), mask)


def _magnitude(a: expr.Expr) -> expr.Expr:
    """``|a|`` as an unsigned value (``|INT64_MIN|`` is ``2**63``)."""
    return _negate_if(a, _sign_mask(a))


def _divmod(a: expr.Expr, b: expr.Expr) -> tuple[expr.Expr, expr.Expr]:
    """Python's floor division and modulo of int64s, from unsigned division of the magnitudes."""
    ma, mb = _sign_mask(a), _sign_mask(b)
    ua, ub = _magnitude(a), _magnitude(b)
    q0 = expr.div(ua, ub)
    r0 = expr.sub(ua, expr.mul(q0, ub))
    differ = expr.bit_xor(ma, mb)
    qt, rt = _negate_if(q0, differ), _negate_if(r0, ma)
    adjust = expr.cast(expr.logic_and(expr.not_equal(rt, _u(0)), expr.not_equal(differ, _u(0))), U64)
    return expr.sub(qt, adjust), expr.add(rt, expr.bit_and(b, expr.sub(_u(0), adjust)))


def _signed_float(a: expr.Expr) -> expr.Expr:
    sign = expr.cast(expr.shift_right(a, _u(63)), types.Float())
    return expr.mul(expr.cast(_magnitude(a), types.Float()), expr.sub(1.0, expr.mul(2.0, sign)))


def _trunc(f: expr.Expr) -> expr.Expr:
    negative = expr.less(f, 0.0)
    size = expr.mul(f, expr.sub(1.0, expr.mul(2.0, expr.cast(negative, types.Float()))))
    return _negate_if(expr.cast(size, U64), expr.sub(_u(0), expr.cast(negative, U64)))


def _arith_shr(a: expr.Expr, n: expr.Expr) -> expr.Expr:
    m = _sign_mask(a)
    return expr.bit_xor(expr.shift_right(expr.bit_xor(a, m), n), m)


_COMPARE = {"lt": expr.less, "le": expr.less_equal, "gt": expr.greater, "ge": expr.greater_equal}
_INT_UNARY: dict[str, Callable[[expr.Expr], expr.Expr]] = {
    "neg.int": lambda a: expr.sub(_u(0), a),
    "abs.int": _magnitude,
    "invert": expr.bit_not,
    "int_to_bool": lambda a: expr.not_equal(a, _u(0)),
    "bool_to_int": lambda a: expr.cast(a, U64),
    "int_to_float": _signed_float,
}
_INT_BINARY: dict[str, Callable[[expr.Expr, expr.Expr], expr.Expr]] = {
    "floordiv": lambda a, b: _divmod(a, b)[0],
    "mod": lambda a, b: _divmod(a, b)[1],
    "shl": expr.shift_left,
    "shr": _arith_shr,
}
