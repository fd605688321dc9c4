"""The frontend: a kernel's Python source (via ``ast``) -> a verified IR program.

Compile-time values (constants, qubits, registers, tuples, modules and
functions) stay in the compiler; only what must happen per shot becomes IR.
Calls to other kernels are inlined, their qubits passed by reference.

A *foreign operation* (a Q# operation, or anything else) is an object with a
method ``_hybridrt_subprogram(args) -> ir.Program``.  ``args`` describes the
call's positional arguments in order: ``ir.QUBIT`` for a qubit,
``ir.ArrayType(ir.QUBIT, n)`` for a register of ``n``, otherwise the argument's
compile-time value (bool, int, float, or a tuple of them for a list).  The
parameterless program it returns is inlined with its qubit ``k`` the ``k``-th
qubit passed (registers flattened in order); its further qubits are ancillas,
shared by all foreign calls of a kernel, that it receives in ``|0>`` and must
leave in ``|0>``.  Its return value is the call's value.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import linecache
import math
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from . import ir
from .builder import Builder
from .errors import CompileError, HybridrtError, Loc

# ---------------------------------------------------------------- compile-time values


@dataclass(frozen=True)
class CVal:
    """A constant known at compile time."""

    value: Union[bool, int, float]

    @property
    def type(self) -> str:
        return ir.const(self.value).type


@dataclass(frozen=True)
class RVal:
    """A scalar held in a register at run time."""

    reg: ir.Reg

    @property
    def type(self) -> str:
        return self.reg.type  # type: ignore[return-value]


@dataclass(frozen=True)
class QVal:
    """One qubit: a static index (``ir.Const``) or a register computed at run time."""

    op: ir.Operand


@dataclass(frozen=True)
class QRegVal:
    """A register of qubits ``base + k*step`` for ``k < length``."""

    base: int
    step: int
    length: int

    def qubit(self, k: int) -> QVal:
        return QVal(ir.Const(self.base + k * self.step, ir.QUBIT))


@dataclass(frozen=True)
class ListVal:
    """A fixed-length list of classical values held in an array register."""

    reg: ir.Reg

    @property
    def elem(self) -> str:
        return self.reg.type.elem  # type: ignore[union-attr]

    @property
    def length(self) -> int:
        return self.reg.type.length  # type: ignore[union-attr]


@dataclass(frozen=True)
class TupleVal:
    """A tuple, or a list display (``[a, b]``) whose items are not yet stored in an array."""

    items: tuple[Any, ...]
    is_list: bool = False


@dataclass(frozen=True)
class PyVal:
    """A Python object used at compile time: a module, a function, a kernel."""

    obj: Any


Value = Union[CVal, RVal, QVal, QRegVal, ListVal, TupleVal, PyVal]
SCALARS = (CVal, RVal)

_MATH_UNARY: dict[Callable[..., Any], str] = {
    getattr(math, n): n
    for n in "sqrt exp log2 log10 sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh".split()
}
_MATH_UNARY[math.fabs] = "abs.float"
_BINOPS = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.FloorDiv: "floordiv",
    ast.Mod: "mod", ast.Pow: "pow", ast.BitAnd: "and", ast.BitOr: "or", ast.BitXor: "xor",
    ast.LShift: "shl", ast.RShift: "shr",
}
_CMPOPS = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge"}
_PY_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "floordiv": lambda a, b: a // b, "mod": lambda a, b: a % b,
    "pow": lambda a, b: a ** b, "and": lambda a, b: a & b, "or": lambda a, b: a | b,
    "xor": lambda a, b: a ^ b, "shl": lambda a, b: a << b, "shr": lambda a, b: a >> b,
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
    "min": min, "max": max, "atan2": math.atan2,
}
_UNSUPPORTED = {
    ast.Lambda: "a lambda", ast.ListComp: "a list comprehension", ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension", ast.GeneratorExp: "a generator expression",
    ast.Dict: "a dict", ast.Set: "a set", ast.JoinedStr: "an f-string", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield", ast.Starred: "a starred expression",
    ast.NamedExpr: "the walrus operator", ast.Import: "import", ast.ImportFrom: "import",
    ast.ClassDef: "a class definition", ast.FunctionDef: "a nested function definition",
    ast.AsyncFunctionDef: "a nested function definition", ast.With: "a with statement",
    ast.Try: "a try statement", ast.Raise: "raise", ast.Assert: "assert", ast.Delete: "del",
    ast.Global: "global", ast.Nonlocal: "nonlocal", ast.AsyncFor: "async for",
    ast.AsyncWith: "async with", ast.Match: "a match statement",
}
MAX_INLINE_DEPTH = 64
_INT64 = (-(2**63), 2**63 - 1)


def describe(v: Value) -> str:
    """How a value is named in error messages."""
    if isinstance(v, (CVal, RVal)):
        return _kind(v.type)
    if isinstance(v, QVal):
        return "a qubit"
    if isinstance(v, QRegVal):
        return f"a register of {v.length} qubits"
    if isinstance(v, ListVal):
        return f"a list of {v.length} {v.elem}s"
    if isinstance(v, TupleVal):
        return "a tuple"
    return f"the Python object {getattr(v.obj, '__name__', type(v.obj).__name__)!r}"


# ---------------------------------------------------------------- sources


@dataclass
class KernelSource:
    """A kernel function's parsed source and where it lives."""

    func: Callable[..., Any]
    tree: ast.FunctionDef
    file: str
    first_line: int
    indent: int

    @classmethod
    def of(cls, func: Callable[..., Any]) -> "KernelSource":
        try:
            lines, first = inspect.getsourcelines(func)
            file = inspect.getsourcefile(func) or func.__code__.co_filename
        except (OSError, TypeError) as e:
            raise CompileError(
                f"cannot read the source of {func.__qualname__!r}: kernels must be defined in a file ({e})"
            ) from None
        text = "".join(lines)
        indent = len(lines[0]) - len(lines[0].lstrip())
        try:
            module = ast.parse(textwrap.dedent(text))
        except SyntaxError as e:
            raise CompileError(f"syntax error: {e.msg}", Loc(file, first + (e.lineno or 1) - 1, e.offset or 0)) from None
        tree = module.body[0]
        if not isinstance(tree, ast.FunctionDef):
            raise CompileError(f"{func.__qualname__!r} is not a plain function definition", Loc(file, first, indent))
        return cls(func, tree, file, first, indent)

    def loc(self, node: ast.AST) -> Loc:
        return Loc(self.file, self.first_line + getattr(node, "lineno", 1) - 1,
                   getattr(node, "col_offset", 0) + self.indent)

    def else_loc(self, node: ast.For | ast.While) -> Loc:
        """Where a loop's ``else`` keyword is (the AST does not record it)."""
        for line in range(node.body[-1].end_lineno + 1, node.orelse[0].lineno + 1):  # type: ignore[operator]
            text = linecache.getline(self.file, self.first_line + line - 1)
            if text.lstrip().startswith("else"):
                return Loc(self.file, self.first_line + line - 1, len(text) - len(text.lstrip()))
        return self.loc(node.orelse[0])

    def lookup_global(self, name: str) -> tuple[bool, Any]:
        """Resolve a free name: closure cells, then module globals, then builtins."""
        code = self.func.__code__
        if name in code.co_freevars and self.func.__closure__:
            cell = self.func.__closure__[code.co_freevars.index(name)]
            try:
                return True, cell.cell_contents
            except ValueError:
                return False, None
        g = self.func.__globals__
        if name in g:
            return True, g[name]
        if hasattr(builtins, name):
            return True, getattr(builtins, name)
        return False, None


def _annotation_type(node: ast.expr | None) -> Any:
    """An annotation as a type spec: 'int'/'float'/'bool'/'qubit', ('list', t), ('tuple', ...), None or '?'."""
    if node is None:
        return "?"
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _annotation_type(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return "?"
    if isinstance(node, ast.Name) and node.id in ("int", "float", "bool"):
        return node.id
    if isinstance(node, ast.Attribute) and node.attr in ("Qubit", "Qubits"):
        return "qubit"
    if isinstance(node, ast.Name) and node.id in ("Qubit", "Qubits"):
        return "qubit"
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if node.value.id in ("list", "List") and len(args) == 1:
            return ("list", _annotation_type(args[0]))
        if node.value.id in ("tuple", "Tuple"):
            return ("tuple", *(_annotation_type(a) for a in args))
    return "?"


def parameter_specs(func: Callable[..., Any]) -> list[tuple[str, Any, Loc]]:
    """The kernel's parameters: (name, annotation spec, location) for argument checking."""
    src = KernelSource.of(func)
    a = src.tree.args
    return [(p.arg, _annotation_type(p.annotation), src.loc(p)) for p in a.posonlyargs + a.args]


# ---------------------------------------------------------------- the compiler


class _Widen(Exception):
    """A variable needs a wider type than its first assignment gave it: restart lowering."""

    def __init__(self, key: tuple[int, str], type: str):
        self.key = key
        self.type = type


@dataclass
class _Loop:
    """An enclosing loop: where ``continue`` and ``break`` jump, and the variables bound at each jump."""

    cont: str
    brk: str
    conts: list[dict[str, Value]] = field(default_factory=list)  # falling off the end of the body included
    breaks: list[dict[str, Value]] = field(default_factory=list)


@dataclass
class _Frame:
    """The state of one function being lowered (the kernel itself or an inlined callee)."""

    src: KernelSource
    env: dict[str, Value]
    mutable: set[str]
    vars: dict[str, ir.Reg] = field(default_factory=dict)
    loops: list[_Loop] = field(default_factory=list)
    partial: set[str] = field(default_factory=set)  # names bound on some but not all paths to a join
    exit_label: str | None = None  # inlined callees: where a return goes
    result: Value | None = None  # inlined callees: the register(s) a return writes
    direct_return: bool = False  # inlined callee whose only return ends its body
    returns: Any = "?"  # the annotation spec of the return value


def _assigned_names(tree: ast.FunctionDef) -> tuple[dict[str, int], set[str]]:
    """How many places assign each name, and which names are rebound by loops/augmented assignment."""
    counts: dict[str, int] = {}
    always_mutable: set[str] = set()

    def targets(t: ast.expr) -> list[str]:
        if isinstance(t, ast.Name):
            return [t.id]
        if isinstance(t, (ast.Tuple, ast.List)):
            return [n for e in t.elts for n in targets(e)]
        return []

    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Assign):
            names = [n for t in node.targets for n in targets(t)]
        elif isinstance(node, ast.AnnAssign):
            names = targets(node.target)
        elif isinstance(node, (ast.AugAssign, ast.For)):
            names = targets(node.target)
            always_mutable.update(names)
        for n in names:
            counts[n] = counts.get(n, 0) + 1
    a = tree.args
    for p in a.posonlyargs + a.args:
        counts[p.arg] = counts.get(p.arg, 0) + 1
    return counts, always_mutable


class Compiler:
    """Lowers one kernel, with its argument types, to a verified IR program."""

    def __init__(self, func: Callable[..., Any], arg_types: dict[str, ir.Type]):
        self.src = KernelSource.of(func)
        self.arg_types = arg_types
        self.widened: dict[tuple[int, str], str] = {}

    def compile(self) -> ir.Program:
        for _ in range(100):
            try:
                return self._lower()
            except _Widen as w:
                self.widened[w.key] = w.type
        raise CompileError("could not settle the types of the kernel's variables", self.src.loc(self.src.tree))

    # -- setup

    def _lower(self) -> ir.Program:
        src = self.src
        self.b = Builder(src.tree.name, src.file)
        self.depth = 0
        self.loop_depth = 0
        self.ancillas: list[int] = []  # qubits lent to foreign operations
        self.returns: Any = "?"  # the program's return spec, fixed by the annotation or first return
        self.return_type: ir.ReturnType | str = "?"
        tree = src.tree
        self._check_signature(src)
        frame = self._new_frame(src)
        frame.returns = _annotation_type(tree.returns)
        for p in tree.args.posonlyargs + tree.args.args:
            spec = _annotation_type(p.annotation)
            if spec == "?" or spec == "qubit" or (isinstance(spec, tuple) and spec[0] != "list"):
                what = "has no type annotation" if spec == "?" else "cannot be passed from Python"
                raise CompileError(
                    f"parameter {p.arg!r} of kernel {tree.name!r} {what}: annotate it as int, float, "
                    "bool or list[int|float|bool]", src.loc(p))
            t = self.arg_types[p.arg]
            reg = self.b.param(p.arg, t)
            self._bind(frame, p.arg, ListVal(reg) if isinstance(t, ir.ArrayType) else RVal(reg), src.loc(p))
        self._body(frame, tree.body)
        if self.b.reachable:
            if frame.returns not in ("?", None):
                raise CompileError(f"kernel {tree.name!r} can reach its end without returning a value",
                                   src.loc(tree.body[-1]))
            self._emit_return(frame, None, src.loc(tree.body[-1]))
        rt = None if self.return_type == "?" else self.return_type
        return self.b.finish(rt)  # type: ignore[arg-type]

    def _check_signature(self, src: KernelSource) -> None:
        a = src.tree.args
        for what, bad in (("*args", a.vararg), ("**kwargs", a.kwarg)):
            if bad is not None:
                raise CompileError(f"{what} is not supported in a kernel", src.loc(bad))
        if a.kwonlyargs:
            raise CompileError("keyword-only parameters are not supported in a kernel", src.loc(a.kwonlyargs[0]))

    def _new_frame(self, src: KernelSource) -> _Frame:
        counts, always = _assigned_names(src.tree)
        mutable = {n for n, c in counts.items() if c > 1} | always
        return _Frame(src, {}, mutable)

    def fail(self, frame: _Frame, node: ast.AST, message: str) -> CompileError:
        return CompileError(message, frame.src.loc(node))

    # -- variables

    def _bind(self, frame: _Frame, name: str, value: Value, loc: Loc, node: ast.AST | None = None) -> None:
        if name not in frame.mutable:
            if isinstance(value, RVal):  # copy: later changes to the source must not show through
                reg = self.b.reg(name, value.type)
                self.b.emit(ir.Copy(reg, value.reg, loc))
                value = RVal(reg)
            frame.env[name] = value
            return
        key = (id(frame.src.tree), name)
        var = frame.vars.get(name)
        if isinstance(value, SCALARS):
            t = value.type
            if var is None:
                want = self.widened.get(key, t)
                var = frame.vars[name] = self.b.reg(name, _unify(want, t) or want)
            if var.type not in ir.CLASSICAL_TYPES:
                raise CompileError(f"variable {name!r} holds {_kind(var.type)} and cannot be assigned {_kind(t)}",
                                   loc)
            if t != var.type:
                if _unify(var.type, t) == var.type:
                    value = self._convert(value, var.type, loc)
                elif _unify(var.type, t):
                    raise _Widen(key, _unify(var.type, t))  # type: ignore[arg-type]
                else:
                    raise CompileError(f"variable {name!r} holds {_kind(var.type)} and cannot be assigned {_kind(t)}",
                                       loc)
            self.b.emit(ir.Copy(var, self._operand(value), loc))
            frame.env[name] = RVal(var)
        elif isinstance(value, QVal):
            if var is None:
                var = frame.vars[name] = self.b.reg(name, ir.QUBIT)
            if var.type != ir.QUBIT:
                raise CompileError(f"variable {name!r} holds {_kind(var.type)} and cannot be assigned a qubit", loc)
            self.b.emit(ir.Copy(var, value.op, loc))
            frame.env[name] = QVal(var)
        elif isinstance(value, ListVal):
            if var is None:
                var = frame.vars[name] = self.b.reg(name, value.reg.type)
            if var.type != value.reg.type:
                raise CompileError(
                    f"variable {name!r} holds {_kind(var.type)} and cannot be assigned {describe(value)}", loc)
            if var != value.reg:
                for k in range(value.length):
                    tmp = self.b.reg("t", value.elem)
                    self.b.emit(ir.Load(tmp, value.reg, ir.const(k), loc))
                    self.b.emit(ir.Store(var, ir.const(k), tmp, loc))
            frame.env[name] = ListVal(var)
        else:
            old = frame.env.get(name)
            if old is not None and old != value:
                raise CompileError(f"{name!r} is assigned {describe(value)} more than once with different "
                                   "values; only int, float, bool, qubit and list variables can change", loc)
            frame.env[name] = value

    def _lookup(self, frame: _Frame, node: ast.Name) -> Value:
        if node.id in frame.env:
            return frame.env[node.id]
        if node.id in frame.partial:
            raise self.fail(frame, node, f"variable {node.id!r} is not assigned on every path that reaches here")
        if node.id in frame.mutable or node.id in _assigned_names(frame.src.tree)[0]:
            raise self.fail(frame, node, f"variable {node.id!r} is used before it is assigned")
        found, obj = frame.src.lookup_global(node.id)
        if not found:
            raise self.fail(frame, node, f"name {node.id!r} is not defined")
        return self._from_python(frame, node, obj)

    def _from_python(self, frame: _Frame, node: ast.AST, obj: Any) -> Value:
        if isinstance(obj, (bool, int, float)) and not isinstance(obj, complex):
            if isinstance(obj, int) and not isinstance(obj, bool) and not _INT64[0] <= obj <= _INT64[1]:
                raise self.fail(frame, node, f"integer constant {obj} does not fit in 64 bits")
            return CVal(obj)
        if type(obj).__module__ == "numpy" and hasattr(obj, "item"):
            return self._from_python(frame, node, obj.item())
        if isinstance(obj, (tuple, list)):
            return TupleVal(tuple(self._from_python(frame, node, o) for o in obj), isinstance(obj, list))
        return PyVal(obj)

    # -- statements

    def _body(self, frame: _Frame, stmts: list[ast.stmt]) -> None:
        for s in stmts:
            self._stmt(frame, s)

    def _stmt(self, frame: _Frame, s: ast.stmt) -> None:
        loc = frame.src.loc(s)
        if isinstance(s, ast.Expr):
            if not (isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)):  # docstrings
                self._expr(frame, s.value)
        elif isinstance(s, ast.Assign):
            value = self._expr(frame, s.value)
            for t in s.targets:
                self._assign(frame, t, value, loc)
        elif isinstance(s, ast.AnnAssign):
            if s.value is None:
                raise self.fail(frame, s, "a variable annotation needs a value in a kernel")
            value = self._expr(frame, s.value)
            spec = _annotation_type(s.annotation)
            if spec in ir.CLASSICAL_TYPES and isinstance(value, SCALARS):
                value = self._convert(value, spec, loc, what=f"variable annotated {spec}")
            self._assign(frame, s.target, value, loc)
        elif isinstance(s, ast.AugAssign):
            op = _BINOPS.get(type(s.op))
            if op is None:
                raise self.fail(frame, s, f"the operator {type(s.op).__name__} is not supported")
            load = ast.copy_location(ast.Name(s.target.id, ast.Load()), s.target) if isinstance(
                s.target, ast.Name) else s.target
            current = self._expr(frame, load)  # type: ignore[arg-type]
            self._assign(frame, s.target, self._binop(frame, s, op, current, self._expr(frame, s.value)), loc)
        elif isinstance(s, ast.If):
            self._if(frame, s)
        elif isinstance(s, ast.While):
            self._while(frame, s)
        elif isinstance(s, ast.For):
            self._for(frame, s)
        elif isinstance(s, (ast.Break, ast.Continue)):
            if not frame.loops:
                raise self.fail(frame, s, f"'{type(s).__name__.lower()}' outside a loop")
            loop = frame.loops[-1]
            (loop.breaks if isinstance(s, ast.Break) else loop.conts).append(dict(frame.env))
            self.b.jump(loop.brk if isinstance(s, ast.Break) else loop.cont, loc)
        elif isinstance(s, ast.Return):
            value = self._expr(frame, s.value) if s.value is not None else None
            self._emit_return(frame, value, loc, s)
        elif isinstance(s, ast.Pass):
            pass
        else:
            what = _UNSUPPORTED.get(type(s), f"the statement {type(s).__name__}")
            hint = ": import at module level instead" if isinstance(s, (ast.Import, ast.ImportFrom)) else ""
            raise self.fail(frame, s, f"{what} is not supported in a kernel{hint}")

    def _assign(self, frame: _Frame, target: ast.expr, value: Value, loc: Loc) -> None:
        if isinstance(target, ast.Name):
            self._bind(frame, target.id, value, loc, target)
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = self._unpack(frame, target, value, len(target.elts))
            for t, v in zip(target.elts, items):
                self._assign(frame, t, v, loc)
        elif isinstance(target, ast.Subscript):
            container = self._expr(frame, target.value)
            if not isinstance(container, ListVal):
                raise self.fail(frame, target, f"cannot assign to an item of {describe(container)}")
            if not isinstance(value, SCALARS):
                raise self.fail(frame, target, f"cannot store {describe(value)} in a list of {container.elem}s")
            index = self._list_index(frame, target, container, self._expr(frame, target.slice))
            v = self._convert(value, container.elem, loc, what=f"an item of a list of {container.elem}s")
            self.b.emit(ir.Store(container.reg, index, self._operand(v), loc))
        else:
            raise self.fail(frame, target, f"cannot assign to {type(target).__name__}")

    def _unpack(self, frame: _Frame, node: ast.AST, value: Value, n: int) -> list[Value]:
        if isinstance(value, TupleVal):
            items = list(value.items)
        elif isinstance(value, QRegVal):
            items = [value.qubit(k) for k in range(value.length)]
        elif isinstance(value, ListVal):
            items = [self._load(value, ir.const(k), frame.src.loc(node)) for k in range(value.length)]
        else:
            raise self.fail(frame, node, f"cannot unpack {describe(value)}")
        if len(items) != n:
            raise self.fail(frame, node, f"cannot unpack {len(items)} values into {n} names")
        return items

    def _if(self, frame: _Frame, s: ast.If) -> None:
        cond = self._expr(frame, s.test)
        if isinstance(cond, CVal):
            self._body(frame, s.body if cond.value else s.orelse)
            return
        c = self._truth(frame, s.test, cond)
        b = self.b
        then_l, end_l = b.new_label("then"), b.new_label("endif")
        else_l = b.new_label("else") if s.orelse else end_l
        b.terminate(ir.Branch(c, then_l, else_l, frame.src.loc(s)))
        before = dict(frame.env)
        b.start(then_l)
        self._body(frame, s.body)
        ends = [self._leave(frame, end_l)]
        frame.env = dict(before)
        if s.orelse:
            b.start(else_l)
            self._body(frame, s.orelse)
            ends.append(self._leave(frame, end_l))
        else:
            ends.append(before)
        b.start(end_l)
        self._join(frame, s, ends)

    def _leave(self, frame: _Frame, label: str) -> dict[str, Value] | None:
        """Jump to ``label`` if the current block is reachable; the variables bound there, or None."""
        if not self.b.reachable:
            return None
        self.b.jump(label)
        return dict(frame.env)

    def _join(self, frame: _Frame, node: ast.AST, envs: list[dict[str, Value] | None]) -> None:
        """Continue where the paths with these variables meet: keep the names that every path binds."""
        live = [e for e in envs if e is not None]
        if not live:
            return  # nothing reaches here: the code that follows is dead
        joined: dict[str, Value] = {}
        for name, v in live[0].items():
            if all(name in e for e in live[1:]):
                other = next((e[name] for e in live[1:] if e[name] != v), v)
                if other != v:
                    raise self.fail(frame, node, f"{name!r} is {describe(v)} on one path through this "
                                    f"{type(node).__name__.lower()} and {describe(other)} on another; only int, "
                                    "float, bool, qubit and list variables can take different values on different "
                                    "paths")
                joined[name] = v
        frame.partial |= {n for e in live for n in e} - joined.keys()
        frame.env = joined

    def _loop_body(self, frame: _Frame, body: list[ast.stmt], cont: str, brk: str) -> _Loop:
        loop = _Loop(cont, brk)
        frame.loops.append(loop)
        self.loop_depth += 1
        self._body(frame, body)
        self.loop_depth -= 1
        frame.loops.pop()
        loop.conts.append(self._leave(frame, cont))  # type: ignore[arg-type]
        return loop

    def _after_loop(self, frame: _Frame, node: ast.AST, before: dict[str, Value], loop: _Loop,
                    may_skip: bool, exits: bool = True) -> None:
        """The variables bound after a loop: on its normal exit (``exits``) and at each ``break``."""
        ends: list[dict[str, Value] | None] = list(loop.breaks)
        if exits and may_skip:
            ends.append(before)
        elif exits:  # the body runs at least once: the exit sees what its end and each continue bind
            self._join(frame, node, loop.conts)
            ends.append(dict(frame.env))
        self._join(frame, node, ends)

    def _while(self, frame: _Frame, s: ast.While) -> None:
        if s.orelse:
            raise CompileError("'while ... else' is not supported in a kernel", frame.src.else_loc(s))
        b = self.b
        head, body, end = b.new_label("while"), b.new_label("body"), b.new_label("endwhile")
        b.jump(head)
        b.start(head)
        cond = self._expr(frame, s.test)
        if isinstance(cond, CVal):
            b.jump(body if cond.value else end)
        else:
            b.terminate(ir.Branch(self._truth(frame, s.test, cond), body, end, frame.src.loc(s)))
        before = dict(frame.env)
        b.start(body)
        loop = self._loop_body(frame, s.body, head, end)
        b.start(end)
        self._after_loop(frame, s, before, loop, True, exits=not (isinstance(cond, CVal) and cond.value))

    def _for(self, frame: _Frame, s: ast.For) -> None:
        if s.orelse:
            raise CompileError("'for ... else' is not supported in a kernel", frame.src.else_loc(s))
        loc = frame.src.loc(s)
        it = s.iter
        if isinstance(it, ast.Call) and isinstance(self._callee(frame, it.func), PyVal) \
                and self._callee(frame, it.func).obj is range:  # type: ignore[union-attr]
            self._for_range(frame, s, it)
            return
        seq = self._expr(frame, it)
        b = self.b
        if isinstance(seq, ListVal):
            counter = b.reg("k", ir.INT)
            b.emit(ir.Copy(counter, ir.const(0), loc))
            head, body, latch, end = (b.new_label(n) for n in ("for", "body", "next", "endfor"))
            b.jump(head)
            b.start(head)
            cond = b.reg("t", ir.BOOL)
            b.emit(ir.Binary(cond, "lt", counter, ir.const(seq.length), loc))
            b.terminate(ir.Branch(cond, body, end, loc))
            before = dict(frame.env)
            b.start(body)
            self._assign(frame, s.target, self._load(seq, counter, loc), loc)
            loop = self._loop_body(frame, s.body, latch, end)
            b.start(latch)
            b.emit(ir.Binary(counter, "add", counter, ir.const(1), loc))
            b.jump(head)
            b.start(end)
            self._after_loop(frame, s, before, loop, seq.length == 0)
            return
        if isinstance(seq, QRegVal):
            items = [seq.qubit(k) for k in range(seq.length)]
        elif isinstance(seq, TupleVal):
            items = list(seq.items)
        else:
            raise self.fail(frame, it, f"cannot iterate over {describe(seq)}")
        end = b.new_label("endfor")
        breaks: list[dict[str, Value]] = []
        for item in items:  # a compile-time sequence: unroll
            nxt = b.new_label("next")
            self._assign(frame, s.target, item, loc)
            loop = self._loop_body(frame, s.body, nxt, end)
            breaks += loop.breaks
            b.start(nxt)
            self._join(frame, s, loop.conts)
        b.jump(end)
        b.start(end)
        self._join(frame, s, [*breaks, dict(frame.env)])

    def _for_range(self, frame: _Frame, s: ast.For, call: ast.Call) -> None:
        loc = frame.src.loc(s)
        if call.keywords or not 1 <= len(call.args) <= 3:
            raise self.fail(frame, call, "range() takes 1 to 3 positional arguments")
        args = [self._expr(frame, a) for a in call.args]
        for a, node in zip(args, call.args):
            if not isinstance(a, SCALARS) or a.type not in (ir.INT, ir.BOOL):
                raise self.fail(frame, node, f"range() needs int arguments, got {describe(a)}")
        start, stop, step = (CVal(0), args[0], CVal(1)) if len(args) == 1 else (
            args[0], args[1], args[2] if len(args) == 3 else CVal(1))
        if not isinstance(step, CVal):
            raise self.fail(frame, call.args[2], "the step of range() must be known at compile time")
        if step.value == 0:
            raise self.fail(frame, call.args[2], "the step of range() must not be zero")
        b = self.b
        counter = b.reg("i", ir.INT)
        b.emit(ir.Copy(counter, self._operand(self._convert(start, ir.INT, loc)), loc))
        stop_op = self._operand(self._convert(stop, ir.INT, loc))
        if isinstance(stop_op, ir.Reg):  # evaluated once, as Python does
            end_reg = b.reg("stop", ir.INT)
            b.emit(ir.Copy(end_reg, stop_op, loc))
            stop_op = end_reg
        head, body, latch, end = (b.new_label(n) for n in ("for", "body", "next", "endfor"))
        b.jump(head)
        b.start(head)
        cond = b.reg("t", ir.BOOL)
        b.emit(ir.Binary(cond, "lt" if step.value > 0 else "gt", counter, stop_op, loc))
        b.terminate(ir.Branch(cond, body, end, loc))
        before = dict(frame.env)
        b.start(body)
        self._assign(frame, s.target, RVal(counter), loc)
        loop = self._loop_body(frame, s.body, latch, end)
        b.start(latch)
        b.emit(ir.Binary(counter, "add", counter, ir.const(step.value), loc))
        b.jump(head)
        b.start(end)
        known = isinstance(start, CVal) and isinstance(stop, CVal)
        runs = known and len(range(start.value, stop.value, step.value)) > 0  # type: ignore[union-attr]
        self._after_loop(frame, s, before, loop, not runs)

    # -- returns

    def _emit_return(self, frame: _Frame, value: Value | None, loc: Loc, node: ast.AST | None = None) -> None:
        where = node if node is not None else frame.src.tree
        if frame.exit_label is not None:  # an inlined callee
            if frame.direct_return:
                frame.result = value
            elif value is not None:
                frame.result = self._store_result(frame, where, frame.result, value, loc)
            self.b.jump(frame.exit_label, loc)
            return
        if value is None:
            if frame.returns not in ("?", None):
                raise CompileError(f"kernel {frame.src.tree.name!r} must return a value", loc)
            leaves: list[ir.Operand] = []
            rt: Any = None
        else:
            expr = node.value if isinstance(node, ast.Return) and node.value is not None else where
            leaves, rt = self._return_leaves(frame, expr, value, frame.returns, loc)
        if self.return_type == "?":
            self.return_type = rt
        elif self.return_type != rt:
            raise CompileError(f"this return gives {_rt_text(rt)} but an earlier return gave "
                               f"{_rt_text(self.return_type)}", loc)
        self.b.terminate(ir.Return(tuple(leaves), loc))

    def _return_leaves(self, frame: _Frame, node: ast.AST, value: Value, spec: Any, loc: Loc):
        if isinstance(value, TupleVal) and not value.is_list and not (isinstance(spec, tuple) and spec[0] == "list"):
            specs = spec[1:] if isinstance(spec, tuple) and spec[0] == "tuple" else ["?"] * len(value.items)
            if len(specs) != len(value.items):
                raise self.fail(frame, node, f"returns a tuple of {len(value.items)} values, but the return "
                                f"annotation has {len(specs)}")
            nodes = node.elts if isinstance(node, ast.Tuple) and len(node.elts) == len(specs) else [node] * len(specs)
            pairs = [self._return_leaf(frame, n, v, sp, loc) for n, v, sp in zip(nodes, value.items, specs)]
            return [p[0] for p in pairs], ir.TupleType(tuple(p[1] for p in pairs))
        leaf, t = self._return_leaf(frame, node, value, spec, loc)
        return [leaf], t

    def _return_leaf(self, frame: _Frame, node: ast.AST, value: Value, spec: Any, loc: Loc):
        if isinstance(value, TupleVal) and (value.is_list or isinstance(spec, tuple) and spec[0] == "list"):
            value = self._list_display(frame, node, list(value.items), loc)
        if isinstance(value, ListVal):
            if isinstance(spec, tuple) and spec[0] == "list" and spec[1] not in ("?", value.elem):
                value = self._convert_list(value, spec[1], loc)
            elif spec not in ("?",) and not (isinstance(spec, tuple) and spec[0] == "list"):
                raise self.fail(frame, node, f"returns {describe(value)}, but the return annotation says "
                                f"{_spec_text(spec)}")
            return value.reg, value.reg.type
        if isinstance(value, SCALARS):
            if spec != "?" and (spec not in ir.CLASSICAL_TYPES or _unify(spec, value.type) != spec):
                raise self.fail(frame, node, f"returns {describe(value)}, but the return annotation says "
                                f"{_spec_text(spec)}")
            if spec != "?":
                value = self._convert(value, spec, loc)
            return self._operand(value), value.type
        raise self.fail(frame, node, f"a kernel cannot return {describe(value)}; return bool, int, float, "
                        "or lists and tuples of them (measure qubits with mz)")

    def _store_result(self, frame: _Frame, node: ast.AST, holder: Value | None, value: Value, loc: Loc) -> Value:
        """Write an inlined callee's return value into the registers shared by all its returns."""
        if isinstance(value, TupleVal):
            held = holder.items if isinstance(holder, TupleVal) else [None] * len(value.items)
            if len(held) != len(value.items):
                raise self.fail(frame, node, "returns tuples of different lengths")
            return TupleVal(tuple(self._store_result(frame, node, h, v, loc) for h, v in zip(held, value.items)),
                            value.is_list)
        if isinstance(value, SCALARS):
            if holder is None:
                holder = RVal(self.b.reg("ret", value.type))
            if not isinstance(holder, RVal) or _unify(holder.type, value.type) != holder.type:
                raise self.fail(frame, node, f"returns {describe(value)} here but {describe(holder)} elsewhere")
            self.b.emit(ir.Copy(holder.reg, self._operand(self._convert(value, holder.type, loc)), loc))
            return holder
        if holder is not None and holder != value:
            raise self.fail(frame, node, f"returns {describe(value)} here but {describe(holder)} elsewhere")
        return value

    # -- expressions

    def _expr(self, frame: _Frame, node: ast.expr) -> Value:
        loc = frame.src.loc(node)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, (bool, int, float)) and not isinstance(v, complex):
                return self._from_python(frame, node, v)
            raise self.fail(frame, node, f"{type(v).__name__} constants are not supported in a kernel")
        if isinstance(node, ast.Name):
            return self._lookup(frame, node)
        if isinstance(node, ast.Attribute):
            base = self._expr(frame, node.value)
            if isinstance(base, PyVal) and hasattr(base.obj, node.attr):
                return self._from_python(frame, node, getattr(base.obj, node.attr))
            raise self.fail(frame, node, f"{describe(base)} has no attribute {node.attr!r} usable in a kernel")
        if isinstance(node, ast.BinOp):
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise self.fail(frame, node, f"the operator {type(node.op).__name__} is not supported")
            left, right = self._expr(frame, node.left), self._expr(frame, node.right)
            if op == "mul" and (isinstance(left, TupleVal) or isinstance(right, TupleVal)):
                return self._repeat(frame, node, left, right)
            return self._binop(frame, node, op, left, right)
        if isinstance(node, ast.UnaryOp):
            return self._unaryop(frame, node, self._expr(frame, node.operand))
        if isinstance(node, ast.BoolOp):
            return self._boolop(frame, node)
        if isinstance(node, ast.Compare):
            return self._compare(frame, node)
        if isinstance(node, ast.IfExp):
            return self._ifexp(frame, node)
        if isinstance(node, ast.Call):
            return self._call(frame, node)
        if isinstance(node, ast.Subscript):
            return self._subscript(frame, node)
        if isinstance(node, (ast.Tuple, ast.List)):
            return TupleVal(tuple(self._expr(frame, e) for e in node.elts), isinstance(node, ast.List))
        what = _UNSUPPORTED.get(type(node), f"the expression {type(node).__name__}")
        raise CompileError(f"{what} is not supported in a kernel", loc)

    def _operand(self, v: Value) -> ir.Operand:
        if isinstance(v, CVal):
            return ir.const(v.value)
        if isinstance(v, RVal):
            return v.reg
        raise AssertionError(v)

    def _scalar(self, frame: _Frame, node: ast.AST, v: Value, what: str) -> CVal | RVal:
        if not isinstance(v, SCALARS):
            raise self.fail(frame, node, f"{what} must be a number or bool, got {describe(v)}")
        return v

    def _convert(self, v: CVal | RVal, t: str, loc: Loc, what: str | None = None) -> CVal | RVal:
        """Convert implicitly (bool -> int -> float); anything narrower is an error."""
        if v.type == t:
            return v
        if _unify(t, v.type) != t:
            raise CompileError(f"{what or 'this value'} must be {t}, got {v.type}", loc)
        return self._cast(v, t, loc)

    def _cast(self, v: CVal | RVal, t: str, loc: Loc) -> CVal | RVal:
        """Explicit conversion, as int(), float() and bool() do."""
        if v.type == t:
            return v
        if isinstance(v, CVal):
            return CVal({"int": int, "float": float, "bool": bool}[t](v.value))
        op = {("bool", "int"): "bool_to_int", ("int", "float"): "int_to_float",
              ("float", "int"): "float_to_int", ("int", "bool"): "int_to_bool",
              ("float", "bool"): "float_to_bool"}.get((v.type, t))
        if op is None:  # bool -> float
            return self._cast(self._cast(v, ir.INT, loc), t, loc)
        dest = self.b.reg("t", t)
        self.b.emit(ir.Unary(dest, op, v.reg, loc))
        return RVal(dest)

    def _truth(self, frame: _Frame, node: ast.AST, v: Value) -> ir.Operand:
        return self._operand(self._cast(self._scalar(frame, node, v, "a condition"), ir.BOOL, frame.src.loc(node)))

    def _binop(self, frame: _Frame, node: ast.AST, op: str, a: Value, b: Value) -> CVal | RVal:
        loc = frame.src.loc(node)
        a = self._scalar(frame, node, a, f"an operand of {op}")
        b = self._scalar(frame, node, b, f"an operand of {op}")
        ta, tb = a.type, b.type
        if op in ("div", "atan2"):
            t = ir.FLOAT
        elif op in ("and", "or", "xor"):
            if ir.FLOAT in (ta, tb):
                raise self.fail(frame, node, f"bitwise {op} needs int or bool operands, got {ta} and {tb}")
            t = ir.BOOL if ta == tb == ir.BOOL else ir.INT
        elif op in ("shl", "shr"):
            if ir.FLOAT in (ta, tb):
                raise self.fail(frame, node, f"shifts need int operands, got {ta} and {tb}")
            t = ir.INT
        elif op in ("eq", "ne"):
            t = ta if ta == tb else _unify(_unify(ta, ir.INT), _unify(tb, ir.INT))  # type: ignore[assignment]
        else:
            t = _unify(_unify(ta, ir.INT), _unify(tb, ir.INT))  # type: ignore[assignment]
        if op == "pow" and t == ir.INT and isinstance(b, CVal) and b.value < 0:
            t = ir.FLOAT  # as Python: 2 ** -1 == 0.5
        a, b = self._cast(a, t, loc), self._cast(b, t, loc)
        if isinstance(a, CVal) and isinstance(b, CVal):
            return self._fold(frame, node, op, a.value, b.value)
        result = ir.BINARY_OPS[op][1] or t
        dest = self.b.reg("t", result)
        self.b.emit(ir.Binary(dest, op, self._operand(a), self._operand(b), loc))
        return RVal(dest)

    def _fold(self, frame: _Frame, node: ast.AST, op: str, a: Any, b: Any) -> CVal:
        try:
            v = _PY_OPS[op](a, b)
        except ZeroDivisionError:
            raise self.fail(frame, node, "division by zero") from None
        except (OverflowError, ValueError) as e:
            raise self.fail(frame, node, f"constant arithmetic failed: {e}") from None
        if isinstance(v, int) and not isinstance(v, bool) and not _INT64[0] <= v <= _INT64[1]:
            raise self.fail(frame, node, "integer constant does not fit in 64 bits")
        return CVal(v)

    def _unaryop(self, frame: _Frame, node: ast.UnaryOp, v: Value) -> CVal | RVal:
        loc = frame.src.loc(node)
        if isinstance(node.op, ast.Not):
            c = self._cast(self._scalar(frame, node, v, "the operand of not"), ir.BOOL, loc)
            if isinstance(c, CVal):
                return CVal(not c.value)
            dest = self.b.reg("t", ir.BOOL)
            self.b.emit(ir.Unary(dest, "not", c.reg, loc))
            return RVal(dest)
        s = self._scalar(frame, node, v, "the operand")
        if isinstance(node.op, ast.UAdd):
            return self._cast(s, _unify(s.type, ir.INT), loc)  # type: ignore[arg-type]
        if isinstance(node.op, ast.USub):
            s = self._cast(s, _unify(s.type, ir.INT), loc)  # type: ignore[arg-type]
            if isinstance(s, CVal):
                return CVal(-s.value)
            return self._unary(f"neg.{s.type}", s, s.type, loc)
        if s.type == ir.FLOAT:
            raise self.fail(frame, node, "~ needs an int operand, got float")
        s = self._cast(s, ir.INT, loc)
        return CVal(~s.value) if isinstance(s, CVal) else self._unary("invert", s, ir.INT, loc)

    def _unary(self, op: str, v: RVal, t: str, loc: Loc) -> RVal:
        dest = self.b.reg("t", t)
        self.b.emit(ir.Unary(dest, op, v.reg, loc))
        return RVal(dest)

    def _boolop(self, frame: _Frame, node: ast.BoolOp) -> CVal | RVal:
        return self._shortcircuit(frame, isinstance(node.op, ast.And),
                                  [(e, lambda e=e: self._expr(frame, e)) for e in node.values])  # type: ignore[misc]

    def _shortcircuit(self, frame: _Frame, is_and: bool,
                      operands: list[tuple[ast.AST, Callable[[], Value]]]) -> CVal | RVal:
        """``and``/``or`` as Python: the value of the first operand that decides (else the last), each
        operand evaluated only when reached; the result has the operands' common type."""
        b = self.b
        deciders: list[tuple[str, CVal | RVal, Loc]] = []  # (block that writes the result, value, loc)
        for k, (node, evaluate) in enumerate(operands):
            loc = frame.src.loc(node)
            v = self._scalar(frame, node, evaluate(), "an operand of and/or")
            last = k == len(operands) - 1
            if isinstance(v, CVal):
                if bool(v.value) == is_and and not last:
                    continue  # does not decide: the next operand does
                if not deciders:
                    return v
                deciders.append((b.new_label("bool"), v, loc))
                b.jump(deciders[-1][0], loc)
                break
            deciders.append((b.new_label("bool"), v, loc))
            if last:
                b.jump(deciders[-1][0], loc)
            else:
                nxt = b.new_label("and" if is_and else "or")
                c = self._truth(frame, node, v)
                b.terminate(ir.Branch(c, nxt, deciders[-1][0], loc) if is_and
                            else ir.Branch(c, deciders[-1][0], nxt, loc))
                b.start(nxt)
        t = ir.BOOL
        for _, v, _ in deciders:
            t = _unify(t, v.type)  # type: ignore[assignment]
        result, end = b.reg("t", t), b.new_label("endbool")
        for label, v, loc in deciders:
            b.start(label)
            b.emit(ir.Copy(result, self._operand(self._convert(v, t, loc)), loc))
            b.jump(end)
        b.start(end)
        return RVal(result)

    def _compare(self, frame: _Frame, node: ast.Compare) -> CVal | RVal:
        """``a < b <= c`` as Python: ``a < b and b <= c`` with ``b`` evaluated once."""
        values = [self._expr(frame, node.left)]

        def link(op: ast.cmpop, right: ast.expr) -> Callable[[], Value]:
            def evaluate() -> Value:
                values.append(self._expr(frame, right))
                return self._compare1(frame, node, op, values[-2], values[-1])
            return evaluate

        links = [link(op, right) for op, right in zip(node.ops, node.comparators)]
        if len(links) == 1:
            return links[0]()  # type: ignore[return-value]
        return self._shortcircuit(frame, True, [(node, f) for f in links])

    def _compare1(self, frame: _Frame, node: ast.AST, op: ast.cmpop, a: Value, b: Value) -> CVal | RVal:
        name = _CMPOPS.get(type(op))
        if name is None:
            raise self.fail(frame, node, f"the comparison {type(op).__name__} is not supported in a kernel")
        return self._binop(frame, node, name, a, b)

    def _ifexp(self, frame: _Frame, node: ast.IfExp) -> Value:
        cond = self._expr(frame, node.test)
        if isinstance(cond, CVal):
            return self._expr(frame, node.body if cond.value else node.orelse)
        b = self.b
        loc = frame.src.loc(node)
        then_l, else_l, end = b.new_label("then"), b.new_label("else"), b.new_label("endif")
        b.terminate(ir.Branch(self._truth(frame, node.test, cond), then_l, else_l, loc))
        b.start(then_l)
        tv = self._scalar(frame, node.body, self._expr(frame, node.body), "a conditional expression's value")
        held = b.reg("t", tv.type)  # converted after the other side has fixed the common type
        b.emit(ir.Copy(held, self._operand(tv), loc))
        convert_l = b.new_label("then")
        b.jump(convert_l)
        b.start(else_l)
        ev = self._scalar(frame, node.orelse, self._expr(frame, node.orelse), "a conditional expression's value")
        t = _unify(tv.type, ev.type)
        if t is None:
            raise self.fail(frame, node, f"the two values of a conditional expression are {tv.type} and {ev.type}")
        result = b.reg("t", t)
        b.emit(ir.Copy(result, self._operand(self._convert(ev, t, loc)), loc))
        b.jump(end)
        b.start(convert_l)
        b.emit(ir.Copy(result, self._operand(self._convert(RVal(held), t, loc)), loc))
        b.jump(end)
        b.start(end)
        return RVal(result)

    # -- subscripts

    def _subscript(self, frame: _Frame, node: ast.Subscript) -> Value:
        base = self._expr(frame, node.value)
        loc = frame.src.loc(node)
        if isinstance(node.slice, ast.Slice):
            if not isinstance(base, QRegVal):
                raise self.fail(frame, node, f"cannot slice {describe(base)}")
            parts = []
            for p in (node.slice.lower, node.slice.upper, node.slice.step):
                v = self._expr(frame, p) if p is not None else None
                if v is not None and not (isinstance(v, CVal) and v.type == ir.INT):
                    raise self.fail(frame, p, "slice bounds of a qubit register must be ints known at compile time")
                parts.append(v.value if v is not None else None)
            ks = range(base.length)[slice(*parts)]
            return QRegVal(base.base + ks.start * base.step, base.step * ks.step, len(ks))
        index = self._expr(frame, node.slice)
        if isinstance(base, TupleVal):
            if not isinstance(index, CVal) or index.type != ir.INT:
                if all(isinstance(i, SCALARS) for i in base.items) and base.items:
                    return self._subscript_list(frame, node, self._list_display(frame, node, list(base.items), loc),
                                                index)
                raise self.fail(frame, node.slice, "a tuple index must be an int known at compile time")
            try:
                return base.items[index.value]
            except IndexError:
                raise self.fail(frame, node.slice, f"index {index.value} out of range for a tuple of "
                                f"{len(base.items)}") from None
        if isinstance(base, QRegVal):
            i = self._scalar(frame, node.slice, index, "a qubit index")
            if i.type == ir.FLOAT:
                raise self.fail(frame, node.slice, "a qubit index must be an int, got float")
            if isinstance(i, CVal):
                k = int(i.value)
                if not -base.length <= k < base.length:
                    raise self.fail(frame, node.slice, f"qubit index {k} out of range for a register of "
                                    f"{base.length} qubits")
                return base.qubit(k % base.length)
            dest = self.b.reg("q", ir.QUBIT)
            self.b.emit(ir.QubitAt(dest, base.base, base.step, base.length,
                                   self._operand(self._cast(i, ir.INT, loc)), loc))
            return QVal(dest)
        if isinstance(base, ListVal):
            return self._subscript_list(frame, node, base, index)
        raise self.fail(frame, node, f"cannot index {describe(base)}")

    def _subscript_list(self, frame: _Frame, node: ast.Subscript, lst: ListVal, index: Value) -> RVal:
        return self._load(lst, self._list_index(frame, node, lst, index), frame.src.loc(node))

    def _list_index(self, frame: _Frame, node: ast.Subscript, lst: ListVal, index: Value) -> ir.Operand:
        i = self._scalar(frame, node.slice, index, "a list index")
        if i.type == ir.FLOAT:
            raise self.fail(frame, node.slice, "a list index must be an int, got float")
        if isinstance(i, CVal):
            k = int(i.value)
            if not -lst.length <= k < lst.length:
                raise self.fail(frame, node.slice, f"index {k} out of range for a list of {lst.length}")
            return ir.const(k % lst.length)
        return self._operand(self._cast(i, ir.INT, frame.src.loc(node)))

    def _load(self, lst: ListVal, index: ir.Operand, loc: Loc) -> RVal:
        dest = self.b.reg("t", lst.elem)
        self.b.emit(ir.Load(dest, lst.reg, index, loc))
        return RVal(dest)

    def _list_display(self, frame: _Frame, node: ast.AST, items: list[Value], loc: Loc) -> ListVal:
        scalars = [self._scalar(frame, node, v, "a list item") for v in items]
        t = ir.BOOL
        for s in scalars:
            u = _unify(t, s.type)
            t = u if u is not None else t
        if not scalars:
            raise self.fail(frame, node, "an empty list has no type; use e.g. [False] * n")
        t = scalars[0].type if all(s.type == scalars[0].type for s in scalars) else t
        reg = self.b.reg("list", ir.ArrayType(t, len(scalars)))
        for k, s in enumerate(scalars):
            self.b.emit(ir.Store(reg, ir.const(k), self._operand(self._convert(s, t, loc)), loc))
        return ListVal(reg)

    def _convert_list(self, lst: ListVal, t: str, loc: Loc) -> ListVal:
        items: list[Value] = [self._load(lst, ir.const(k), loc) for k in range(lst.length)]
        reg = self.b.reg("list", ir.ArrayType(t, lst.length))
        for k, v in enumerate(items):
            self.b.emit(ir.Store(reg, ir.const(k), self._operand(self._convert(v, t, loc)), loc))  # type: ignore[arg-type]
        return ListVal(reg)

    def _repeat(self, frame: _Frame, node: ast.BinOp, a: Value, b: Value) -> Value:
        seq, n = (a, b) if isinstance(a, TupleVal) else (b, a)
        if not isinstance(n, CVal) or n.type != ir.INT:
            raise self.fail(frame, node, "a list can only be repeated a compile-time int number of times")
        items = list(seq.items) * max(n.value, 0)  # type: ignore[union-attr]
        return self._list_display(frame, node, items, frame.src.loc(node)) if items else TupleVal(())

    # -- calls

    def _callee(self, frame: _Frame, node: ast.expr) -> Value:
        return self._expr(frame, node)

    def _call(self, frame: _Frame, node: ast.Call) -> Value:
        loc = frame.src.loc(node)
        f = self._callee(frame, node.func)
        if not isinstance(f, PyVal):
            raise self.fail(frame, node, f"{describe(f)} is not callable")
        obj = f.obj
        name = getattr(obj, "__name__", repr(obj))
        intrinsic = getattr(obj, "_hybridrt_intrinsic", None)
        kernel_fn = getattr(obj, "_hybridrt_function", None)
        if kernel_fn is not None:
            return self._inline(frame, node, kernel_fn)
        subprogram = getattr(obj, "_hybridrt_subprogram", None)
        if subprogram is not None and intrinsic is None:
            return self._foreign(frame, node, name, subprogram)
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(frame, node, "*args in a call is not supported in a kernel")
        if node.keywords and intrinsic is None:
            raise self.fail(frame, node, f"keyword arguments to {name}() are not supported in a kernel")
        if intrinsic is not None:
            if node.keywords:
                raise self.fail(frame, node, f"{name}() takes positional arguments only")
            return self._intrinsic(frame, node, intrinsic, [self._expr(frame, a) for a in node.args])
        args = [self._expr(frame, a) for a in node.args]
        if obj is len:
            self._arity(frame, node, "len", args, 1)
            v = args[0]
            if isinstance(v, (QRegVal, ListVal)):
                return CVal(v.length)
            if isinstance(v, TupleVal):
                return CVal(len(v.items))
            raise self.fail(frame, node, f"len() of {describe(v)}")
        if obj in (int, float, bool):
            self._arity(frame, node, name, args, 1)
            return self._cast(self._scalar(frame, node, args[0], f"the argument of {name}()"), name, loc)
        if obj is abs:
            self._arity(frame, node, "abs", args, 1)
            s = self._scalar(frame, node, args[0], "the argument of abs()")
            s = self._cast(s, _unify(s.type, ir.INT), loc)  # type: ignore[arg-type]
            return CVal(abs(s.value)) if isinstance(s, CVal) else self._unary(f"abs.{s.type}", s, s.type, loc)
        if obj in (min, max):
            if len(args) < 2:
                raise self.fail(frame, node, f"{name}() in a kernel needs two or more arguments")
            acc = args[0]
            for v in args[1:]:
                acc = self._binop(frame, node, name, acc, v)
            return acc
        if obj is pow or obj is math.pow:
            self._arity(frame, node, name, args, 2)
            a, b = args
            if obj is math.pow:
                a, b = (self._cast(self._scalar(frame, node, v, "an argument of pow()"), ir.FLOAT, loc) for v in args)
            return self._binop(frame, node, "pow", a, b)
        if obj is math.atan2:
            self._arity(frame, node, name, args, 2)
            return self._binop(frame, node, "atan2", *args)
        if obj in (math.floor, math.ceil, round) and obj is not round:
            self._arity(frame, node, name, args, 1)
            s = self._scalar(frame, node, args[0], f"the argument of {name}()")
            if s.type != ir.FLOAT:
                return self._cast(s, ir.INT, loc)
            if isinstance(s, CVal):
                return CVal(obj(s.value))
            return self._unary(name, s, ir.INT, loc)  # type: ignore[arg-type]
        if obj is math.log and len(args) == 2:
            return self._binop(frame, node, "div", self._math(frame, node, "log", args[:1]),
                               self._math(frame, node, "log", args[1:]))
        if obj is math.log:
            return self._math(frame, node, "log", args)
        if obj in _MATH_UNARY:
            return self._math(frame, node, _MATH_UNARY[obj], args)
        if obj is print:
            raise self.fail(frame, node, "print() is not supported in a kernel: return the values instead")
        if obj is range:
            raise self.fail(frame, node, "range() can only be used as the iterable of a for loop in a kernel")
        raise self.fail(frame, node, f"calling {name}() is not supported in a kernel (only gates, mz, reset, "
                        "qubit(s), other kernels, math functions and len/abs/min/max/int/float/bool)")

    def _arity(self, frame: _Frame, node: ast.AST, name: str, args: list[Value], n: int) -> None:
        if len(args) != n:
            raise self.fail(frame, node, f"{name}() takes {n} argument{'s' if n > 1 else ''}, got {len(args)}")

    def _math(self, frame: _Frame, node: ast.Call, fn: str, args: list[Value]) -> CVal | RVal:
        self._arity(frame, node, f"math.{fn}", args, 1)
        loc = frame.src.loc(node)
        x = self._cast(self._scalar(frame, node, args[0], f"the argument of math.{fn}()"), ir.FLOAT, loc)
        if isinstance(x, CVal):
            try:
                return CVal(float(getattr(math, "fabs" if fn == "abs.float" else fn)(x.value)))
            except (ValueError, OverflowError) as e:
                raise self.fail(frame, node, f"math.{fn}({x.value}): {e}") from None
        return self._unary(fn, x, ir.FLOAT, loc)

    def _qubit_arg(self, frame: _Frame, node: ast.AST, v: Value, gate: str) -> QVal | QRegVal:
        if not isinstance(v, (QVal, QRegVal)):
            raise self.fail(frame, node, f"{gate}() expects a qubit here, got {describe(v)}")
        return v

    def _intrinsic(self, frame: _Frame, node: ast.Call, name: str, args: list[Value]) -> Value:
        loc = frame.src.loc(node)
        b = self.b
        if name in ("qubit", "qubits"):
            if self.loop_depth:
                raise self.fail(frame, node, f"{name}() inside a loop: allocate qubits before the loop and "
                                "reuse them with reset()")
            if name == "qubit":
                self._arity(frame, node, "qubit", args, 0) if args else None
                return QVal(ir.Const(b.allocate_qubits(1), ir.QUBIT))
            self._arity(frame, node, "qubits", args, 1)
            n = args[0]
            if not isinstance(n, CVal) or n.type != ir.INT:
                raise self.fail(frame, node.args[0], "the size of qubits(n) must be an int known at compile time")
            if n.value < 0:
                raise self.fail(frame, node.args[0], f"cannot allocate {n.value} qubits")
            return QRegVal(b.allocate_qubits(n.value), 1, n.value)
        if name in ("mz", "reset"):
            self._arity(frame, node, name, args, 1)
            q = self._qubit_arg(frame, node.args[0], args[0], name)
            qs = [q] if isinstance(q, QVal) else [q.qubit(k) for k in range(q.length)]
            if name == "reset":
                for one in qs:
                    b.emit(ir.Reset(one.op, loc))
                return TupleVal(())
            regs = []
            for one in qs:
                r = b.reg("m", ir.BOOL)
                b.emit(ir.Measure(r, one.op, loc))
                regs.append(r)
            if isinstance(q, QVal):
                return RVal(regs[0])
            lst = b.reg("bits", ir.ArrayType(ir.BOOL, len(regs)))
            for k, r in enumerate(regs):
                b.emit(ir.Store(lst, ir.const(k), r, loc))
            return ListVal(lst)
        nq, npar = ir.GATES[name]
        if len(args) != nq + npar:
            params = f"{npar} angle{'s' if npar > 1 else ''} and " if npar else ""
            raise self.fail(frame, node, f"{name}() takes {params}{nq} qubit{'s' if nq > 1 else ''}, "
                            f"got {len(args)} arguments")
        for a, v in zip(node.args[:npar], args[:npar]):
            if isinstance(v, (QVal, QRegVal)):
                sig = ", ".join(["theta", "phi", "lam"][:npar] + (["q"] if nq == 1 else [f"q{k}" for k in range(nq)]))
                raise self.fail(frame, a, f"{name}() expects an angle here, got {describe(v)}: a gate's angles "
                                f"come before its qubits, as in {name}({sig})")
        params = [self._operand(self._convert(self._scalar(frame, a, v, f"an angle of {name}()"), ir.FLOAT, loc,
                                              what=f"an angle of {name}()"))
                  for a, v in zip(node.args[:npar], args[:npar])]
        qargs = [self._qubit_arg(frame, a, v, name) for a, v in zip(node.args[npar:], args[npar:])]
        lengths = {q.length for q in qargs if isinstance(q, QRegVal)}
        if len(lengths) > 1:
            raise self.fail(frame, node, f"{name}() applied to registers of different sizes {sorted(lengths)}")
        rounds = lengths.pop() if lengths else None
        for k in range(rounds if rounds is not None else 1):
            qs = [q.qubit(k) if isinstance(q, QRegVal) else q for q in qargs]
            static = [q.op.value for q in qs if isinstance(q.op, ir.Const)]
            if len(set(static)) != len(static):
                raise self.fail(frame, node, f"{name}() applied to the same qubit twice")
            b.emit(ir.Gate(name, tuple(q.op for q in qs), tuple(params), loc))
        return TupleVal(())

    def _inline(self, frame: _Frame, node: ast.Call, func: Callable[..., Any]) -> Value:
        """Lower a call to another kernel in place, its parameters bound to the arguments."""
        loc = frame.src.loc(node)
        self.depth += 1
        if self.depth > MAX_INLINE_DEPTH:
            raise CompileError(f"calls to {func.__name__}() nested more than {MAX_INLINE_DEPTH} deep: unbounded "
                               "recursion? (recursion must end on values known at compile time)", loc)
        src = KernelSource.of(func) if func is not frame.src.func else frame.src
        callee = self._new_frame(src)
        a = src.tree.args
        self._check_signature(src)
        params = a.posonlyargs + a.args
        args = [self._expr(frame, e) for e in node.args]
        by_name: dict[str, Value] = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise self.fail(frame, node, "**kwargs in a call is not supported in a kernel")
            by_name[kw.arg] = self._expr(frame, kw.value)
        defaults = dict(zip([p.arg for p in params][len(params) - len(a.defaults):], a.defaults))
        if len(args) > len(params):
            raise self.fail(frame, node, f"{src.tree.name}() takes {len(params)} arguments, got {len(args)}")
        for k, p in enumerate(params):
            if k < len(args):
                v = args[k]
            elif p.arg in by_name:
                v = by_name.pop(p.arg)
            elif p.arg in defaults:
                v = self._expr(callee, defaults[p.arg])
            else:
                raise self.fail(frame, node, f"{src.tree.name}() is missing the argument {p.arg!r}")
            spec = _annotation_type(p.annotation)
            if spec in ir.CLASSICAL_TYPES:
                v = self._convert(self._scalar(frame, node, v, f"argument {p.arg!r}"), spec, loc,
                                  what=f"argument {p.arg!r} of {src.tree.name}()")
            elif spec == "qubit" and not isinstance(v, (QVal, QRegVal)):
                raise self.fail(frame, node, f"argument {p.arg!r} of {src.tree.name}() must be qubits, "
                                f"got {describe(v)}")
            self._bind(callee, p.arg, v, loc)
        if by_name:
            raise self.fail(frame, node, f"{src.tree.name}() got an unexpected argument {next(iter(by_name))!r}")
        returns = [n for n in ast.walk(src.tree) if isinstance(n, ast.Return)]
        callee.direct_return = len(returns) == 1 and src.tree.body[-1] is returns[0]
        callee.exit_label = self.b.new_label(f"after_{src.tree.name}")
        callee.returns = _annotation_type(src.tree.returns)
        self._body(callee, src.tree.body)
        if self.b.reachable:
            self.b.jump(callee.exit_label)
        self.b.start(callee.exit_label)
        self.depth -= 1
        return callee.result if callee.result is not None else TupleVal(())


    def _foreign(self, frame: _Frame, node: ast.Call, name: str, subprogram: Callable[[tuple[Any, ...]], ir.Program]
                 ) -> Value:
        """Inline a foreign operation (see the module docstring) on the caller's qubits."""
        loc = frame.src.loc(node)
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(frame, node, f"{name}() takes positional arguments only")
        shape: list[Any] = []
        qubits: list[ir.Operand] = []
        for k, a in enumerate(node.args):
            v = self._expr(frame, a)
            if isinstance(v, QVal):
                shape.append(ir.QUBIT)
                qubits.append(v.op)
            elif isinstance(v, QRegVal):
                shape.append(ir.ArrayType(ir.QUBIT, v.length))
                qubits += [v.qubit(i).op for i in range(v.length)]
            else:
                shape.append(self._constant(frame, a, v, f"argument {k + 1} of {name}()"))
        static = [q.value for q in qubits if isinstance(q, ir.Const)]
        if len(set(static)) != len(static):
            raise self.fail(frame, node, f"{name}() applied to the same qubit twice")
        try:
            program = subprogram(tuple(shape))
        except (HybridrtError, TypeError, ValueError) as e:
            where = getattr(e, "loc", None)
            raise CompileError(f"{name}(): {getattr(e, 'message', e)}" + (f" (at {where})" if where else ""),
                               loc) from None
        return self._splice(name, program, qubits, loc)

    def _constant(self, frame: _Frame, node: ast.AST, v: Value, what: str) -> Any:
        if isinstance(v, CVal):
            return v.value
        if isinstance(v, TupleVal):
            return tuple(self._constant(frame, node, x, what) for x in v.items)
        raise self.fail(frame, node, f"{what} must be known when the kernel is compiled, got {describe(v)}")

    def _splice(self, name: str, p: ir.Program, qubits: list[ir.Operand], loc: Loc) -> Value:
        """Lower program ``p`` in place, its qubit ``k`` being ``qubits[k]`` (then the shared ancillas)."""
        b = self.b
        if p.params:
            raise CompileError(f"{name}(): a foreign operation must give a program without parameters", loc)
        while len(qubits) + len(self.ancillas) < p.num_qubits:
            self.ancillas.append(b.allocate_qubits(1))
        qmap = list(qubits) + [ir.Const(a, ir.QUBIT) for a in self.ancillas]
        regs = {r.name: b.reg(r.name, r.type) for r in p.regs}

        def op(x: Any) -> Any:
            if isinstance(x, ir.Reg):
                return regs[x.name]
            return qmap[x.value] if isinstance(x, ir.Const) and x.type == ir.QUBIT else x

        labels = {blk.label: b.new_label(f"{name}.{blk.label}") for blk in p.blocks}
        end = b.new_label(f"after_{name}")
        leaves = ir.return_leaves(p.returns)
        results = [b.reg("ret", t) for t in leaves]
        b.jump(labels[p.blocks[0].label], loc)
        for blk in p.blocks:
            b.start(labels[blk.label])
            for i in blk.instrs:
                fields = {f: tuple(op(x) for x in v) if isinstance(v, tuple) else op(v) for f, v in vars(i).items()}
                fields["loc"] = i.loc or loc
                if isinstance(i, ir.QubitAt):
                    fields.update(zip(("base", "step"), self._qubit_range(name, [qmap[i.base + k * i.step]
                                                                                  for k in range(i.length)], loc)))
                b.emit(type(i)(**fields))
            t = blk.terminator
            if isinstance(t, ir.Return):
                for r, v in zip(results, t.values):
                    for k in range(r.type.length) if isinstance(r.type, ir.ArrayType) else ():
                        tmp = b.reg("t", r.type.elem)
                        b.emit(ir.Load(tmp, op(v), ir.const(k), loc))
                        b.emit(ir.Store(r, ir.const(k), tmp, loc))
                    if not isinstance(r.type, ir.ArrayType):
                        b.emit(ir.Copy(r, op(v), loc))
                b.jump(end, loc)
            elif isinstance(t, ir.Jump):
                b.jump(labels[t.target], t.loc or loc)
            else:
                b.terminate(ir.Branch(op(t.cond), labels[t.if_true], labels[t.if_false], t.loc or loc))
        b.start(end)
        values = [ListVal(r) if isinstance(r.type, ir.ArrayType) else RVal(r) for r in results]
        if isinstance(p.returns, ir.TupleType):
            return TupleVal(tuple(values))
        return values[0] if values else TupleVal(())

    def _qubit_range(self, name: str, qs: list[ir.Operand], loc: Loc) -> tuple[int, int]:
        """``base, step`` of caller qubits that a foreign program indexes at run time: they must be evenly spaced."""
        values = [q.value for q in qs if isinstance(q, ir.Const)]
        step = values[1] - values[0] if len(values) > 1 else 1
        if len(values) != len(qs) or any(v != values[0] + k * step for k, v in enumerate(values)) or not values:
            raise CompileError(f"{name}() indexes its qubits at run time, so they must be one evenly spaced "
                               "register of the caller", loc)
        return values[0], step


def _unify(a: str, b: str) -> str | None:
    """The common type of two classical scalar types under bool -> int -> float, or None."""
    order = (ir.BOOL, ir.INT, ir.FLOAT)
    if a not in order or b not in order:
        return a if a == b else None
    return order[max(order.index(a), order.index(b))]


def _kind(t: ir.Type) -> str:
    """A type as named in error messages: "an int", "a qubit", "a list of 3 bools"."""
    if isinstance(t, ir.ArrayType):
        return f"a list of {t.length} {t.elem}s"
    return f"an {t}" if t == ir.INT else f"a {t}"


def _spec_text(spec: Any) -> str:
    if isinstance(spec, tuple):
        return f"{spec[0]}[{', '.join(_spec_text(s) for s in spec[1:])}]"
    return str(spec)


def _rt_text(rt: Any) -> str:
    return "nothing" if rt is None else str(rt)


def compile_kernel(func: Callable[..., Any], arg_types: dict[str, ir.Type]) -> ir.Program:
    """Compile ``func`` for arguments of the given types (list lengths included) to IR."""
    return Compiler(func, arg_types).compile()
