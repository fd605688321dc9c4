"""The hybrid IR: a CFG of basic blocks over typed registers, and its verifier.

A :class:`Program` is what every part of hybridrt speaks: the frontend builds
it, the assembler turns it into engine bytecode, QIR lowering and the interop
modules read and write it.  Registers are mutable (not SSA); each has one
type.  Qubits are static indices ``0 .. num_qubits-1``; a register of type
``qubit`` holds one computed at run time (see :class:`QubitAt`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Union

from .errors import InternalError, Loc

# ---------------------------------------------------------------- types

BOOL = "bool"
INT = "int"
FLOAT = "float"
QUBIT = "qubit"
SCALAR_TYPES = (BOOL, INT, FLOAT, QUBIT)
CLASSICAL_TYPES = (BOOL, INT, FLOAT)


@dataclass(frozen=True)
class ArrayType:
    """A fixed-length array of a classical scalar type."""

    elem: str
    length: int

    def __str__(self) -> str:
        return f"{self.elem}[{self.length}]"


Type = Union[str, ArrayType]


@dataclass(frozen=True)
class TupleType:
    """The shape of a kernel that returns a tuple of scalars and arrays."""

    elems: tuple[Type, ...]

    def __str__(self) -> str:
        return "(" + ", ".join(str(e) for e in self.elems) + ")"


ReturnType = Union[None, str, ArrayType, TupleType]


def return_leaves(rt: ReturnType) -> tuple[Type, ...]:
    """The types of the values a ``ret`` carries for a program returning ``rt``."""
    if rt is None:
        return ()
    if isinstance(rt, TupleType):
        return rt.elems
    return (rt,)


# ---------------------------------------------------------------- operands


@dataclass(frozen=True)
class Reg:
    name: str
    type: Type

    def __str__(self) -> str:
        return f"%{self.name}"


@dataclass(frozen=True)
class Const:
    value: Union[bool, int, float]
    type: str

    def __str__(self) -> str:
        if self.type == BOOL:
            return "true" if self.value else "false"
        if self.type == QUBIT:
            return f"q{self.value}"
        if self.type == FLOAT:
            return _float_text(self.value)
        return str(self.value)


def _float_text(v: float) -> str:
    text = repr(float(v))
    return text if any(c in text for c in ".einfa") else text + ".0"


Operand = Union[Reg, Const]


def const(value: Union[bool, int, float]) -> Const:
    """The constant operand for a Python bool, int or float."""
    if isinstance(value, bool):
        return Const(value, BOOL)
    if isinstance(value, int):
        return Const(value, INT)
    return Const(float(value), FLOAT)


# ---------------------------------------------------------------- operations

#: binary operators: name -> (allowed operand types, result type or None = operand type)
BINARY_OPS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "add": ((INT, FLOAT), None),
    "sub": ((INT, FLOAT), None),
    "mul": ((INT, FLOAT), None),
    "div": ((FLOAT,), None),
    "floordiv": ((INT, FLOAT), None),
    "mod": ((INT, FLOAT), None),
    "pow": ((INT, FLOAT), None),
    "min": ((INT, FLOAT), None),
    "max": ((INT, FLOAT), None),
    "atan2": ((FLOAT,), None),
    "and": ((BOOL, INT), None),
    "or": ((BOOL, INT), None),
    "xor": ((BOOL, INT), None),
    "shl": ((INT,), None),
    "shr": ((INT,), None),
    "eq": ((BOOL, INT, FLOAT), BOOL),
    "ne": ((BOOL, INT, FLOAT), BOOL),
    "lt": ((INT, FLOAT), BOOL),
    "le": ((INT, FLOAT), BOOL),
    "gt": ((INT, FLOAT), BOOL),
    "ge": ((INT, FLOAT), BOOL),
}

#: unary operators: name -> (operand type, result type)
UNARY_OPS: dict[str, tuple[str, str]] = {
    "neg.int": (INT, INT),
    "neg.float": (FLOAT, FLOAT),
    "abs.int": (INT, INT),
    "abs.float": (FLOAT, FLOAT),
    "not": (BOOL, BOOL),
    "invert": (INT, INT),
    "int_to_float": (INT, FLOAT),
    "float_to_int": (FLOAT, INT),
    "bool_to_int": (BOOL, INT),
    "int_to_bool": (INT, BOOL),
    "float_to_bool": (FLOAT, BOOL),
    "floor": (FLOAT, INT),
    "ceil": (FLOAT, INT),
    **{
        f: (FLOAT, FLOAT)
        for f in (
            "sqrt exp log log2 log10 sin cos tan asin acos atan sinh cosh tanh "
            "asinh acosh atanh"
        ).split()
    },
}

#: gates: name -> (number of qubits, number of float parameters)
GATES: dict[str, tuple[int, int]] = {
    **{g: (1, 0) for g in ("x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx")},
    **{g: (1, 1) for g in ("rx", "ry", "rz", "p")},
    "u": (1, 3),
    **{g: (2, 0) for g in ("cx", "cy", "cz", "ch", "swap")},
    **{g: (2, 1) for g in ("crx", "cry", "crz", "cp", "rxx", "ryy", "rzz")},
    "ccx": (3, 0),
    "cswap": (3, 0),
}

#: gates that only gate fusion writes, for the engine (not the kernel language, not QIR):
#: ``unitary2`` is a dense two-qubit unitary given by 32 constant floats (see kernels/opcodes.py)
FUSED_GATES: dict[str, tuple[int, int]] = {"unitary2": (2, 32)}


@dataclass(frozen=True)
class Copy:
    dest: Reg
    src: Operand
    loc: Loc | None = None


@dataclass(frozen=True)
class Unary:
    dest: Reg
    op: str
    a: Operand
    loc: Loc | None = None


@dataclass(frozen=True)
class Binary:
    dest: Reg
    op: str
    a: Operand
    b: Operand
    loc: Loc | None = None


@dataclass(frozen=True)
class Gate:
    name: str
    qubits: tuple[Operand, ...]
    params: tuple[Operand, ...] = ()
    loc: Loc | None = None


@dataclass(frozen=True)
class Measure:
    dest: Reg
    qubit: Operand
    loc: Loc | None = None


@dataclass(frozen=True)
class Reset:
    qubit: Operand
    loc: Loc | None = None


@dataclass(frozen=True)
class QubitAt:
    """``dest = base + index*step`` as a qubit, after checking ``0 <= index < length``."""

    dest: Reg
    base: int
    step: int
    length: int
    index: Operand
    loc: Loc | None = None


@dataclass(frozen=True)
class Load:
    """``dest = array[index]``, with ``index`` checked against the array's length."""

    dest: Reg
    array: Reg
    index: Operand
    loc: Loc | None = None


@dataclass(frozen=True)
class Store:
    """``array[index] = value``, with ``index`` checked against the array's length."""

    array: Reg
    index: Operand
    value: Operand
    loc: Loc | None = None


Instr = Union[Copy, Unary, Binary, Gate, Measure, Reset, QubitAt, Load, Store]


@dataclass(frozen=True)
class Jump:
    target: str
    loc: Loc | None = None


@dataclass(frozen=True)
class Branch:
    cond: Operand
    if_true: str
    if_false: str
    loc: Loc | None = None


@dataclass(frozen=True)
class Return:
    values: tuple[Operand, ...]
    loc: Loc | None = None


Terminator = Union[Jump, Branch, Return]


@dataclass(frozen=True)
class Block:
    label: str
    instrs: tuple[Instr, ...]
    terminator: Terminator


@dataclass(frozen=True)
class Program:
    """A whole kernel: parameters, registers, qubit count, blocks (the first is the entry)."""

    name: str
    params: tuple[Reg, ...]
    regs: tuple[Reg, ...]
    num_qubits: int
    blocks: tuple[Block, ...]
    returns: ReturnType = None
    source: str = "<unknown>"

    def __str__(self) -> str:
        from .ir_text import format_program

        return format_program(self)

    def block(self, label: str) -> Block:
        for b in self.blocks:
            if b.label == label:
                return b
        raise KeyError(label)


def successors(term: Terminator) -> tuple[str, ...]:
    if isinstance(term, Jump):
        return (term.target,)
    if isinstance(term, Branch):
        return (term.if_true, term.if_false)
    return ()


def postorder(succ: Callable[[Hashable], Iterable[Hashable]], entry: Hashable) -> list[Hashable]:
    """The nodes reachable from ``entry`` in depth-first postorder (``entry`` last).

    An edge ``u -> v`` with ``v`` at or after ``u`` in this order goes back to a node still being
    visited (an ancestor in the depth-first tree, or ``u`` itself).
    """
    order: list[Hashable] = []
    seen = {entry}
    stack = [(entry, iter(succ(entry)))]
    while stack:
        node, it = stack[-1]
        nxt = next((n for n in it if n not in seen), None)
        if nxt is None:
            order.append(node)
            stack.pop()
        else:
            seen.add(nxt)
            stack.append((nxt, iter(succ(nxt))))
    return order


def immediate_dominators(succ: Callable[[Hashable], Iterable[Hashable]], entry: Hashable) -> dict[Hashable, Hashable]:
    """The immediate dominator of every node reachable from ``entry`` (the entry maps to itself).

    >>> g = {"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}
    >>> sorted(immediate_dominators(g.__getitem__, "a").items())
    [('a', 'a'), ('b', 'a'), ('c', 'a'), ('d', 'a')]
    """
    order = postorder(succ, entry)
    index = {n: k for k, n in enumerate(order)}
    preds: dict[Hashable, list[Hashable]] = {n: [] for n in order}
    for n in order:
        for s in succ(n):
            preds[s].append(n)
    idom = {entry: entry}

    def intersect(a: Hashable, b: Hashable) -> Hashable:
        while a != b:
            while index[a] < index[b]:
                a = idom[a]
            while index[b] < index[a]:
                b = idom[b]
        return a

    changed = True
    while changed:
        changed = False
        for n in reversed(order[:-1]):
            done = [p for p in preds[n] if p in idom]
            new = done[0]
            for p in done[1:]:
                new = intersect(p, new)
            if idom.get(n) != new:
                idom[n] = new
                changed = True
    return idom


# ---------------------------------------------------------------- verifier


def operand_type(op: Operand) -> Type:
    return op.type


def verify(p: Program) -> Program:
    """Check the program's invariants; raise :class:`InternalError` naming the first broken one."""

    def fail(msg: str, where: object = None) -> None:
        raise InternalError(f"invalid IR in kernel {p.name!r}: {msg}" + (f" (in {where})" if where else ""))

    declared: dict[str, Type] = {}
    for r in p.params + p.regs:
        if r.name in declared:
            fail(f"register %{r.name} declared twice")
        if isinstance(r.type, ArrayType):
            if r.type.elem not in CLASSICAL_TYPES or r.type.length < 0:
                fail(f"bad array type {r.type}")
        elif r.type not in SCALAR_TYPES:
            fail(f"bad type {r.type!r} for %{r.name}")
        declared[r.name] = r.type
    if p.num_qubits < 0:
        fail("negative qubit count")
    if not p.blocks:
        fail("no blocks")
    labels = [b.label for b in p.blocks]
    if len(set(labels)) != len(labels):
        fail("duplicate block labels")
    label_set = set(labels)

    def use(op: Operand, types: tuple[str, ...] | str, where: object) -> str:
        if isinstance(types, str):
            types = (types,)
        if isinstance(op, Reg):
            if declared.get(op.name) != op.type:
                fail(f"%{op.name} used as {op.type} but declared {declared.get(op.name)}", where)
        elif isinstance(op, Const):
            if op.type == QUBIT and not (0 <= op.value < p.num_qubits):
                fail(f"qubit q{op.value} out of range", where)
        else:
            fail(f"bad operand {op!r}", where)
        if op.type not in types:
            fail(f"operand {op} has type {op.type}, expected {' or '.join(map(str, types))}", where)
        return op.type  # type: ignore[return-value]

    def define(r: Reg, t: Type, where: object) -> None:
        if not isinstance(r, Reg) or declared.get(r.name) != r.type:
            fail(f"destination {r} is not a declared register", where)
        if r.type != t:
            fail(f"destination {r} has type {r.type}, value has type {t}", where)

    leaves = return_leaves(p.returns)
    for b in p.blocks:
        for i in b.instrs:
            if isinstance(i, Copy):
                define(i.dest, use(i.src, SCALAR_TYPES, i), i)
            elif isinstance(i, Unary):
                if i.op not in UNARY_OPS:
                    fail(f"unknown unary op {i.op}", i)
                a, r = UNARY_OPS[i.op]
                use(i.a, a, i)
                define(i.dest, r, i)
            elif isinstance(i, Binary):
                if i.op not in BINARY_OPS:
                    fail(f"unknown binary op {i.op}", i)
                allowed, r = BINARY_OPS[i.op]
                ta = use(i.a, allowed, i)
                if use(i.b, allowed, i) != ta:
                    fail("binary operands of different types", i)
                define(i.dest, r or ta, i)
            elif isinstance(i, Gate):
                if i.name not in GATES and i.name not in FUSED_GATES:
                    fail(f"unknown gate {i.name}", i)
                nq, npar = GATES.get(i.name) or FUSED_GATES[i.name]
                if i.name in FUSED_GATES and not all(isinstance(a, Const) for a in i.params):
                    fail(f"gate {i.name} takes constant parameters only", i)
                if len(i.qubits) != nq or len(i.params) != npar:
                    fail(f"gate {i.name} takes {nq} qubits and {npar} parameters", i)
                for q in i.qubits:
                    use(q, QUBIT, i)
                for a in i.params:
                    use(a, FLOAT, i)
                static = [q.value for q in i.qubits if isinstance(q, Const)]
                if len(set(static)) != len(static):
                    fail("gate applied to the same qubit twice", i)
            elif isinstance(i, Measure):
                use(i.qubit, QUBIT, i)
                define(i.dest, BOOL, i)
            elif isinstance(i, Reset):
                use(i.qubit, QUBIT, i)
            elif isinstance(i, QubitAt):
                use(i.index, INT, i)
                define(i.dest, QUBIT, i)
                if i.length < 0 or (i.length and not (0 <= i.base < p.num_qubits
                                                        and 0 <= i.base + (i.length - 1) * i.step < p.num_qubits)):
                    fail("qubit range out of bounds", i)
            elif isinstance(i, (Load, Store)):
                if not isinstance(i.array.type, ArrayType) or declared.get(i.array.name) != i.array.type:
                    fail(f"{i.array} is not a declared array", i)
                use(i.index, INT, i)
                if isinstance(i, Load):
                    define(i.dest, i.array.type.elem, i)
                else:
                    use(i.value, i.array.type.elem, i)
            else:
                fail(f"unknown instruction {i!r}")
        t = b.terminator
        if isinstance(t, Branch):
            use(t.cond, BOOL, t)
        elif isinstance(t, Return):
            if len(t.values) != len(leaves):
                fail(f"return of {len(t.values)} values, kernel returns {len(leaves)}", t)
            for v, lt in zip(t.values, leaves):
                if isinstance(lt, ArrayType):
                    if not isinstance(v, Reg) or v.type != lt:
                        fail(f"returned {v} is not an array of type {lt}", t)
                    use_ok = declared.get(v.name) == v.type
                    if not use_ok:
                        fail(f"{v} not declared", t)
                else:
                    use(v, lt, t)
        elif not isinstance(t, Jump):
            fail(f"block {b.label} has no terminator")
        for s in successors(t):
            if s not in label_set:
                fail(f"jump to unknown block {s}", t)
    return p
