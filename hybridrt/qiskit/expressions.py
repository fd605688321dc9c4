"""Qiskit's classical values as IR: ``expr`` trees (Bool, Uint with wraparound, Float), stores, parameters.

A ``Uint(w)`` value lives in an int register holding its bit pattern: ``0 <= v < 2**w`` for
``w < 64``; for ``w == 64`` the register holds the 64-bit two's-complement pattern and
comparisons, right shifts, division and conversions to float are done unsigned.
Arithmetic wraps modulo ``2**w`` (the result is masked to the width), shifts by the
width or more give 0, ``Float`` is a double.  Wider integers are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qiskit.circuit import ClassicalRegister, Clbit, Parameter, ParameterExpression
from qiskit.circuit.classical import expr, types

from .. import ir
from ..builder import Builder
from ..errors import TargetError
from ..passes import FoldError, fold_binary, fold_unary

_MIN = -(2**63)
_BIN = expr.Binary.Op
_UN = expr.Unary.Op
_COMPARE = {_BIN.LESS: "lt", _BIN.LESS_EQUAL: "le", _BIN.GREATER: "gt", _BIN.GREATER_EQUAL: "ge"}
_BITWISE = {_BIN.BIT_AND: "and", _BIN.BIT_OR: "or", _BIN.BIT_XOR: "xor", _BIN.LOGIC_AND: "and",
            _BIN.LOGIC_OR: "or", _BIN.EQUAL: "eq", _BIN.NOT_EQUAL: "ne"}
_ARITH = {_BIN.ADD: "add", _BIN.SUB: "sub", _BIN.MUL: "mul"}
# ParameterExpression replay opcodes (qiskit's OpCode values, as QPY writes them)
_P_BINARY = {0: "add", 1: "sub", 2: "mul", 3: "div", 4: "pow", 18: "rsub", 19: "rdiv", 20: "rpow"}
_P_UNARY = {5: "sin", 6: "cos", 7: "tan", 8: "asin", 9: "acos", 10: "exp", 11: "log", 12: "sign",
            14: "conj", 16: "abs.float", 17: "atan"}


class Emitter:
    """Typed IR operations into a :class:`Builder`, folded when every operand is a constant."""

    def __init__(self, builder: Builder):
        self.b = builder

    def binary(self, op: str, a: ir.Operand, b: ir.Operand) -> ir.Operand:
        t = ir.BINARY_OPS[op][1] or a.type
        if isinstance(a, ir.Const) and isinstance(b, ir.Const):
            try:
                return ir.Const(fold_binary(op, a.type, a.value, b.value), t)  # type: ignore[arg-type]
            except FoldError:
                pass  # fails when it runs, with the engine's error
        r = self.b.reg("t", t)
        self.b.emit(ir.Binary(r, op, a, b))
        return r

    def unary(self, op: str, a: ir.Operand) -> ir.Operand:
        t = ir.UNARY_OPS[op][1]
        if isinstance(a, ir.Const):
            try:
                return ir.Const(fold_unary(op, a.value), t)
            except FoldError:
                pass
        r = self.b.reg("t", t)
        self.b.emit(ir.Unary(r, op, a))
        return r

    def int_(self, v: int) -> ir.Const:
        return ir.Const(v, ir.INT)

    def select(self, cond: ir.Operand, then: Callable[[], ir.Operand], other: Callable[[], ir.Operand],
               t: str) -> ir.Operand:
        """``then() if cond else other()``, each computed only on its own path."""
        if isinstance(cond, ir.Const):
            return then() if cond.value else other()
        r = self.b.reg("sel", t)
        yes, no, end = self.b.new_label("sel.then"), self.b.new_label("sel.else"), self.b.new_label("sel.end")
        self.b.terminate(ir.Branch(cond, yes, no))
        for label, arm in ((yes, then), (no, other)):
            self.b.start(label)
            self.b.emit(ir.Copy(r, arm()))
            self.b.jump(end)
        self.b.start(end)
        return r

    # -- unsigned integers of width w
    def wrap(self, x: ir.Operand, w: int) -> ir.Operand:
        return x if w >= 64 else self.binary("and", x, self.int_((1 << w) - 1))

    def ucompare(self, op: str, a: ir.Operand, b: ir.Operand, w: int) -> ir.Operand:
        if w < 64:
            return self.binary(op, a, b)
        return self.binary(op, self.binary("xor", a, self.int_(_MIN)), self.binary("xor", b, self.int_(_MIN)))

    def shift_amount(self, n: ir.Operand, w: int) -> ir.Operand:
        """``min(n, 64)`` for an unsigned ``n`` of width ``w``."""
        if w < 64:
            return self.binary("min", n, self.int_(64))
        small = self.ucompare("lt", n, self.int_(64), 64)
        return self.select(small, lambda: n, lambda: self.int_(64), ir.INT)

    def lshr(self, a: ir.Operand, n: ir.Operand, w: int) -> ir.Operand:
        """Logical right shift of a width-``w`` value by ``0 <= n <= 64``."""
        shifted = self.binary("shr", a, n)
        if w < 64:
            return shifted
        mask = self.binary("sub", self.binary("shl", self.int_(1), self.binary("sub", self.int_(64), n)),
                           self.int_(1))
        return self.binary("and", shifted, mask)

    def udiv(self, a: ir.Operand, b: ir.Operand, w: int) -> ir.Operand:
        if w < 64:
            return self.binary("floordiv", a, b)
        big = self.binary("lt", b, self.int_(0))  # b >= 2**63: the quotient is 0 or 1

        def small() -> ir.Operand:  # halve a to make it non-negative, divide, then correct by one
            q = self.binary("shl", self.binary("floordiv", self.lshr(a, self.int_(1), 64), b), self.int_(1))
            r = self.binary("sub", a, self.binary("mul", q, b))
            return self.binary("add", q, self.unary("bool_to_int", self.ucompare("ge", r, b, 64)))

        return self.select(big, lambda: self.unary("bool_to_int", self.ucompare("ge", a, b, 64)), small, ir.INT)

    def uint_to_float(self, a: ir.Operand, w: int) -> ir.Operand:
        if w < 64:
            return self.unary("int_to_float", a)

        def high() -> ir.Operand:  # halve with a sticky low bit, so that rounding is still correct
            half = self.binary("or", self.lshr(a, self.int_(1), 64), self.binary("and", a, self.int_(1)))
            return self.binary("mul", self.unary("int_to_float", half), ir.Const(2.0, ir.FLOAT))

        return self.select(self.binary("lt", a, self.int_(0)), high, lambda: self.unary("int_to_float", a),
                           ir.FLOAT)

    def float_to_uint(self, f: ir.Operand, w: int) -> ir.Operand:
        if w < 64:
            return self.wrap(self.unary("float_to_int", f), w)
        top = ir.Const(2.0**63, ir.FLOAT)
        high = self.binary("ge", f, top)

        def above() -> ir.Operand:
            return self.binary("xor", self.unary("float_to_int", self.binary("sub", f, top)), self.int_(_MIN))

        return self.select(high, above, lambda: self.unary("float_to_int", f), ir.INT)

    def from_bits(self, bits: list[ir.Operand]) -> ir.Operand:
        """The unsigned integer whose bit ``i`` is ``bits[i]``."""
        value: ir.Operand = self.int_(0)
        for i, bit in enumerate(bits):
            term = self.unary("bool_to_int", bit)
            value = self.binary("or", value, self.binary("shl", term, self.int_(i))) if i else term
        return value

    def bit(self, value: ir.Operand, n: ir.Operand, w: int) -> ir.Operand:
        """Bit ``n`` (at most 64) of a width-``w`` value (``False`` past the width)."""
        shifted = self.lshr(value, n, w)
        return self.binary("ne", self.binary("and", shifted, self.int_(1)), self.int_(0))


def _width(t: types.Type, what: str) -> int:
    if t.width > 64:
        raise TargetError(f"{what}: unsigned integers wider than 64 bits are not supported (type {t})")
    return t.width


def ir_type(t: types.Type, what: str) -> str:
    """The IR type holding values of Qiskit type ``t``."""
    if isinstance(t, types.Bool):
        return ir.BOOL
    if isinstance(t, types.Uint):
        _width(t, what)
        return ir.INT
    if isinstance(t, types.Float):
        return ir.FLOAT
    raise TargetError(f"{what}: values of type {t} are not supported")


class Classical:
    """Translates Qiskit classical expressions, stores and parameter expressions into IR.

    ``clbit`` maps a ``Clbit`` to its bool register in the current scope; ``vars`` holds a
    register per standalone ``Var``; ``params`` a float operand per ``Parameter`` in scope.
    """

    def __init__(self, builder: Builder, clbit: Callable[[Clbit], ir.Reg], vars: dict[expr.Var, ir.Reg],
                 params: Callable[[], dict[Parameter, ir.Operand]]):
        self.e = Emitter(builder)
        self.b = builder
        self.clbit = clbit
        self.vars = vars
        self.params = params
        self.where = ""  # the instruction being translated, for error messages

    def fail(self, message: str) -> TargetError:
        return TargetError(f"{self.where}: {message}")

    def var_reg(self, v: expr.Var) -> ir.Reg:
        if v not in self.vars:
            self.vars[v] = self.b.reg(_identifier(v.name), ir_type(v.type, self.where))
        return self.vars[v]

    def register_bits(self, creg: ClassicalRegister) -> list[ir.Reg]:
        return [self.clbit(c) for c in creg]

    # -- conditions
    def condition(self, cond: Any) -> ir.Operand:
        """A bool operand for an ``if``/``while`` condition: ``(clbit, bool)``, ``(register, int)`` or an expr."""
        if isinstance(cond, expr.Expr):
            if not isinstance(cond.type, types.Bool):
                raise self.fail(f"a condition must be Bool, not {cond.type}")
            return self.value(cond)
        target, value = cond
        if isinstance(target, Clbit):
            bit = self.clbit(target)
            return bit if value else self.e.unary("not", bit)
        return self.register_equals(self.register_bits(target), int(value))

    def register_equals(self, bits: list[ir.Reg], value: int) -> ir.Operand:
        if value < 0 or value >= 1 << len(bits):
            return ir.Const(False, ir.BOOL)
        result: ir.Operand = ir.Const(True, ir.BOOL)
        for i, bit in enumerate(bits):
            term = bit if value >> i & 1 else self.e.unary("not", bit)
            result = self.e.binary("and", result, term)
        return result

    # -- expressions
    def value(self, node: expr.Expr) -> ir.Operand:
        """The operand holding ``node``'s value (bool, int bit pattern or float)."""
        if isinstance(node, expr.Var):
            return self._var_value(node)
        if isinstance(node, expr.Value):
            return self._constant(node)
        if isinstance(node, expr.Cast):
            return self._cast(self.value(node.operand), node.operand.type, node.type)
        if isinstance(node, expr.Unary):
            return self._unary(node)
        if isinstance(node, expr.Binary):
            return self._binary(node)
        if isinstance(node, expr.Index):
            return self._index(node)
        raise self.fail(f"classical expression {node} is not supported")

    def _var_value(self, node: expr.Var) -> ir.Operand:
        if isinstance(node.var, Clbit):
            return self.clbit(node.var)
        if isinstance(node.var, ClassicalRegister):
            _width(node.type, f"{self.where}: register {node.var.name!r} used as an integer")
            return self.e.from_bits(self.register_bits(node.var))  # type: ignore[arg-type]
        if node not in self.vars:
            raise self.fail(f"variable {node.name!r} is used before it is declared")
        return self.vars[node]

    def _constant(self, node: expr.Value) -> ir.Const:
        t = node.type
        if isinstance(t, types.Bool):
            return ir.Const(bool(node.value), ir.BOOL)
        if isinstance(t, types.Uint):
            w = _width(t, self.where)
            v = int(node.value) & ((1 << w) - 1)
            return ir.Const(v - (1 << 64) if v >= 1 << 63 else v, ir.INT)
        if isinstance(t, types.Float):
            return ir.Const(float(node.value), ir.FLOAT)
        raise self.fail(f"constants of type {t} are not supported")

    def _cast(self, x: ir.Operand, src: types.Type, dst: types.Type) -> ir.Operand:
        e = self.e
        if isinstance(dst, types.Bool):
            if isinstance(src, types.Uint):
                return e.binary("ne", x, e.int_(0))
            return x if isinstance(src, types.Bool) else e.unary("float_to_bool", x)
        if isinstance(dst, types.Uint):
            w = _width(dst, self.where)
            if isinstance(src, types.Bool):
                return e.unary("bool_to_int", x)
            if isinstance(src, types.Uint):
                return e.wrap(x, w) if w < _width(src, self.where) else x
            return e.float_to_uint(x, w)
        if isinstance(dst, types.Float):
            if isinstance(src, types.Bool):
                return e.unary("int_to_float", e.unary("bool_to_int", x))
            if isinstance(src, types.Uint):
                return e.uint_to_float(x, _width(src, self.where))
            return x
        raise self.fail(f"a cast to {dst} is not supported")

    def _unary(self, node: expr.Unary) -> ir.Operand:
        x = self.value(node.operand)
        if node.op == _UN.LOGIC_NOT or (node.op == _UN.BIT_NOT and isinstance(node.type, types.Bool)):
            return self.e.unary("not", x)
        if node.op == _UN.BIT_NOT and isinstance(node.type, types.Uint):
            return self.e.wrap(self.e.unary("invert", x), _width(node.type, self.where))
        if node.op == _UN.NEGATE and isinstance(node.type, types.Float):
            return self.e.unary("neg.float", x)
        raise self.fail(f"{node.op.name} of {node.type} is not supported")

    def _binary(self, node: expr.Binary) -> ir.Operand:
        a, b = self.value(node.left), self.value(node.right)
        lt, op = node.left.type, node.op
        uint = isinstance(lt, types.Uint)
        w = _width(lt, self.where) if uint else 0
        e = self.e
        if op in _BITWISE:
            return e.binary(_BITWISE[op], a, b)
        if op in _COMPARE:
            return e.ucompare(_COMPARE[op], a, b, w) if uint else e.binary(_COMPARE[op], a, b)
        if op in _ARITH:
            r = e.binary(_ARITH[op], a, b)
            return e.wrap(r, w) if uint else r
        if op == _BIN.DIV:
            return e.udiv(a, b, w) if uint else e.binary("div", a, b)
        if op in (_BIN.SHIFT_LEFT, _BIN.SHIFT_RIGHT) and uint:
            n = e.shift_amount(b, _width(node.right.type, self.where))
            return e.wrap(e.binary("shl", a, n), w) if op == _BIN.SHIFT_LEFT else e.lshr(a, n, w)
        raise self.fail(f"{op.name} of {lt} and {node.right.type} is not supported")

    def _index(self, node: expr.Index) -> ir.Operand:
        target, index = node.target, node.index
        if isinstance(target, expr.Var) and isinstance(target.var, ClassicalRegister) and isinstance(index, expr.Value):
            k = int(index.value)
            return self.clbit(target.var[k]) if k < len(target.var) else ir.Const(False, ir.BOOL)
        n = self.e.shift_amount(self.value(index), _width(index.type, self.where))
        return self.e.bit(self.value(target), n, _width(target.type, self.where))

    # -- stores
    def store(self, lvalue: expr.Expr, rvalue: expr.Expr) -> None:
        """``lvalue = rvalue`` for a variable, a clbit, a register or one bit of a register or variable."""
        value = self.value(rvalue)
        e = self.e
        if isinstance(lvalue, expr.Var):
            if isinstance(lvalue.var, Clbit):
                self.b.emit(ir.Copy(self.clbit(lvalue.var), value))
            elif isinstance(lvalue.var, ClassicalRegister):
                _width(lvalue.type, f"{self.where}: store into register {lvalue.var.name!r}")
                bits = self.register_bits(lvalue.var)
                extracted = [e.bit(value, e.int_(i), len(bits)) for i in range(len(bits))]
                for bit, new in zip(bits, extracted):
                    self.b.emit(ir.Copy(bit, new))
            else:
                self.b.emit(ir.Copy(self.var_reg(lvalue), value))
            return
        if isinstance(lvalue, expr.Index):
            self._store_bit(lvalue, value)
            return
        raise self.fail(f"cannot store into {lvalue}")

    def _store_bit(self, lvalue: expr.Index, value: ir.Operand) -> None:
        e = self.e
        target, index = lvalue.target, self.value(lvalue.index)
        if isinstance(target, expr.Var) and isinstance(target.var, ClassicalRegister):
            bits = self.register_bits(target.var)
            if isinstance(index, ir.Const):
                if 0 <= index.value < len(bits):
                    self.b.emit(ir.Copy(bits[index.value], value))
                return
            for i, bit in enumerate(bits):  # bit i keeps its value unless i is the index
                hit = e.binary("eq", index, e.int_(i))
                new = e.binary("or", e.binary("and", hit, value), e.binary("and", e.unary("not", hit), bit))
                self.b.emit(ir.Copy(bit, new))
            return
        if not (isinstance(target, expr.Var) and not isinstance(target.var, Clbit)):
            raise self.fail(f"cannot store into {lvalue}")
        reg = self.var_reg(target)
        w = _width(target.type, self.where)
        n = e.shift_amount(index, _width(lvalue.index.type, self.where))
        one = e.binary("shl", e.int_(1), n)
        cleared = e.binary("and", reg, e.unary("invert", one))
        self.b.emit(ir.Copy(reg, e.wrap(e.binary("or", cleared, e.binary("shl", e.unary("bool_to_int", value), n)),
                                        w)))

    # -- gate parameters
    def angle(self, p: Any) -> ir.Operand:
        """A float operand for a gate parameter: a number, a ``Parameter`` or a ``ParameterExpression``."""
        if isinstance(p, ParameterExpression) and p.parameters:
            return self._parameter(p) if isinstance(p, Parameter) else self._replay(p)
        try:
            return ir.Const(float(p), ir.FLOAT)
        except (TypeError, ValueError):
            raise self.fail(f"gate parameter {p!r} is not a real number") from None

    def _parameter(self, p: Parameter) -> ir.Operand:
        params = self.params()
        if p not in params:
            raise self.fail(f"parameter {p.name!r} is not bound")
        return params[p]

    def _replay(self, p: ParameterExpression) -> ir.Operand:
        """Evaluate ``p`` from its operation list (the one QPY serialises): a stack machine."""
        stack: list[ir.Operand] = []
        e = self.e
        for step in p._qpy_replay:
            code = int(getattr(step, "op", -1))
            if code not in _P_BINARY and code not in _P_UNARY:
                raise self.fail(f"parameter expression {p} uses an operation hybridrt cannot evaluate")
            for x in (step.lhs, step.rhs):
                if x is not None:
                    stack.append(self.angle(x))
            if code in _P_BINARY:
                b, a = stack.pop(), stack.pop()
                name = _P_BINARY[code]
                if name.startswith("r"):
                    a, b, name = b, a, name[1:]
                stack.append(e.binary(name, a, b))
            else:
                stack.append(self._math(_P_UNARY[code], stack.pop()))
        return stack.pop()

    def _math(self, name: str, x: ir.Operand) -> ir.Operand:
        e = self.e
        if name == "conj":
            return x
        if name == "sign":
            pos, neg = (e.unary("bool_to_int", e.binary(op, x, ir.Const(0.0, ir.FLOAT))) for op in ("gt", "lt"))
            return e.unary("int_to_float", e.binary("sub", pos, neg))
        return e.unary(name, x)


def _identifier(name: str) -> str:
    """``name`` made a Python identifier (kernel parameter and register names must be)."""
    text = "".join(c if c.isalnum() or c == "_" else "_" for c in name).strip("_") or "v"
    return text if text.isidentifier() else f"v_{text}"
