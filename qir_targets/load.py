"""Loading QIR (LLVM text, bitcode or a file; Base and Adaptive profiles) into an IR program: ``load``.

Each SSA value becomes a register (``i1`` -> bool, other integers and qubit/result
pointers -> int, ``double`` -> float); ``phi`` nodes become copies on the incoming
edges; ``alloca`` slots become registers (arrays: array registers) and constant
global arrays become initialised array registers; calls to functions defined in
the module are inlined.  Qubit pointers are static ids (``inttoptr`` / ``null``)
or ids computed at run time; results are bool registers (a result never written
reads as ``False``, i.e. ``Zero``).  The labelled output recording
(``__quantum__rt__*_record_output``) of the returning block becomes the program's
return value, with the same shape.  Integers narrower than 64 bits are kept
sign-extended in 64-bit registers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyqir

from hybridrt import ir
from hybridrt.builder import Builder
from hybridrt.errors import HybridrtError, Loc, TargetError

__all__ = ["QirError", "load"]

Source = str | bytes | bytearray | Path
_INT64_MIN = -(2**63)
_BITCODE_MAGIC = (b"BC\xc0\xde", b"\xde\xc0\x17\x0b")
O = pyqir.Opcode


class QirError(HybridrtError, ValueError):
    """The input is not valid QIR: it does not parse, has no entry point, or is inconsistent."""


def load(source: Source, entry: str | None = None) -> ir.Program:
    """The IR program of QIR ``source``: LLVM text (str), bitcode (bytes) or a ``.ll`` / ``.bc`` path.

    ``entry`` names the function to load when the module has several entry points.
    Raises :class:`QirError` for malformed input and :class:`hybridrt.TargetError`
    for QIR that uses something hybridrt cannot run (the message quotes the instruction).
    """
    module, name = _parse(source)
    fn = _entry_point(module, entry)
    _name_values(module)
    first = _Translator(module, fn, name, None)
    program = first.run()
    if program is None:  # qubits or results addressed at run time: translate again with final sizes
        program = _Translator(module, fn, name, first.sizes()).run()
        assert program is not None
    return program


# ---------------------------------------------------------------- parsing


def _parse(source: Source) -> tuple[pyqir.Module, str]:
    name = "<qir>"
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        name = str(path)
        try:
            source = path.read_bytes()
        except OSError as e:
            raise QirError(f"cannot read QIR file {path}: {e.strerror or e}") from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if data[:4] in _BITCODE_MAGIC:
            try:
                module = pyqir.Module.from_bitcode(pyqir.Context(), data)
            except ValueError as e:
                raise QirError(f"invalid QIR bitcode ({len(data)} bytes): {e}") from None
            return _verified(module), name
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError:
            raise QirError("QIR bytes are neither LLVM bitcode (no 'BC' magic number) nor UTF-8 text") from None
    if not isinstance(source, str):
        raise TypeError(f"QIR source must be str (text or path), bytes (bitcode) or a Path, not {type(source).__name__}")
    try:
        module = pyqir.Module.from_ir(pyqir.Context(), source)
    except ValueError as e:
        raise QirError(f"invalid QIR text: {str(e).strip()}") from None
    return _verified(module), name


def _looks_like_path(text: str) -> bool:
    if "\n" in text or len(text) > 4096 or not text.strip():
        return False
    path = Path(text)
    return path.suffix in (".ll", ".bc") or path.is_file()


def _verified(module: pyqir.Module) -> pyqir.Module:
    problem = module.verify()
    if problem:
        raise QirError(f"invalid QIR module: {problem.strip()}")
    return module


def _entry_point(module: pyqir.Module, entry: str | None) -> pyqir.Function:
    defined = [f for f in module.functions if f.basic_blocks]
    if entry is not None:
        for f in defined:
            if f.name == entry:
                return f
        raise QirError(f"no function named {entry!r} is defined in the QIR module")
    eps = [f for f in defined if "entry_point" in f.attributes.func or "EntryPoint" in f.attributes.func]
    if not eps:
        raise QirError("the QIR module has no entry point (a function with the \"entry_point\" attribute)")
    if len(eps) > 1:
        raise QirError("the QIR module has several entry points (" + ", ".join(f"@{f.name}" for f in eps)
                       + "); choose one with entry=")
    return eps[0]


def _name_values(module: pyqir.Module) -> None:
    """Give every global, argument, block and value a name: the translator keys values by name."""
    k = 0
    for g in module.global_variables:
        if not g.name:
            g.name = f"g{k}"
            k += 1
    for f in module.functions:
        for p in f.params:
            if not p.name:
                p.name = f"a{k}"
                k += 1
        for bb in f.basic_blocks:
            if not bb.name:
                bb.name = f"b{k}"
                k += 1
            for i in bb.instructions:
                if not i.name and not i.type.is_void:
                    i.name = f"v{k}"
                    k += 1


def _attr_int(fn: pyqir.Function, *names: str) -> int:
    attrs = fn.attributes.func
    for n in names:
        if n in attrs:
            text = attrs[n].string_value
            try:
                value = int(text or "")
            except ValueError:
                raise QirError(f"entry point attribute \"{n}\"={text!r} is not a count") from None
            if value < 0:
                raise QirError(f"entry point attribute \"{n}\"={value} is negative")
            return value
    return 0


# ---------------------------------------------------------------- translation state


@dataclass(frozen=True)
class _Mem:
    """A memory object: an ``alloca`` slot or a global, held in a (scalar or array) register."""

    name: str
    reg: ir.Reg
    elem: str
    width: int  # of an integer element (64 for pointers, 1 for i1); 0 for double
    length: int | None  # None: a scalar
    const: bool


@dataclass(frozen=True)
class _Addr:
    """A pointer into memory: an object and the element index."""

    mem: _Mem
    index: ir.Operand


Value = ir.Reg | ir.Const | _Addr


@dataclass(frozen=True)
class _Sizes:
    """What pass 1 learns: qubits addressed by constant ids, allocation sites, results, dynamic result ids."""

    static_qubits: int
    allocated: int
    results: int
    dynamic_results: bool


@dataclass
class _Frame:
    """One function body being translated (the entry point, or an inlined call)."""

    fn: pyqir.Function
    values: dict[str, Value]
    labels: dict[str, str]
    ret: ir.Reg | None = None
    cont: str | None = None  # where an inlined body continues; None in the entry point
    records: list[tuple] = field(default_factory=list)


_NO_SHAPE = object()
_INTTOPTR = re.compile(r"\s*ptr inttoptr \(i(\d+) (-?\d+) to ptr\)\s*")
_GEP = re.compile(r"getelementptr\s+(?:(?:inbounds|nuw|nusw|inrange\([^)]*\))\s+)*(.+?),\s*ptr\b")

# __quantum__qis__<name>__body: IR gate, number of double parameters (they come first), number of qubits
_QIS_GATES: dict[str, tuple[str, int, int]] = {
    **{g: (g, 0, 1) for g in ("x", "y", "z", "h", "s", "t", "sx")},
    **{g: (g, 1, 1) for g in ("rx", "ry", "rz")},
    "r1": ("p", 1, 1),
    "cx": ("cx", 0, 2), "cnot": ("cx", 0, 2), "cy": ("cy", 0, 2), "cz": ("cz", 0, 2), "swap": ("swap", 0, 2),
    **{g: (g, 1, 2) for g in ("rxx", "ryy", "rzz")},
    "ccx": ("ccx", 0, 3), "ccnot": ("ccx", 0, 3),
}
_SELF_ADJOINT = {"x", "y", "z", "h", "cx", "cy", "cz", "swap", "ccx"}
_ADJOINT = {"s": "sdg", "t": "tdg"}

# external math functions (Q# standard library intrinsics, LLVM intrinsics) -> IR unary op
_MATH_UNARY = {
    "Sqrt": "sqrt", "Sin": "sin", "Cos": "cos", "Tan": "tan", "ArcSin": "asin", "ArcCos": "acos",
    "ArcTan": "atan", "Sinh": "sinh", "Cosh": "cosh", "Tanh": "tanh", "Log": "log",
    "llvm.sqrt.f64": "sqrt", "llvm.sin.f64": "sin", "llvm.cos.f64": "cos", "llvm.exp.f64": "exp",
    "llvm.log.f64": "log", "llvm.log2.f64": "log2", "llvm.log10.f64": "log10", "llvm.fabs.f64": "abs.float",
}
_MATH_BINARY = {"ArcTan2": "atan2", "llvm.pow.f64": "pow"}

_ICMP = {
    pyqir.IntPredicate.EQ: "eq", pyqir.IntPredicate.NE: "ne",
    pyqir.IntPredicate.SLT: "lt", pyqir.IntPredicate.SLE: "le", pyqir.IntPredicate.SGT: "gt",
    pyqir.IntPredicate.SGE: "ge", pyqir.IntPredicate.ULT: "lt", pyqir.IntPredicate.ULE: "le",
    pyqir.IntPredicate.UGT: "gt", pyqir.IntPredicate.UGE: "ge",
}
_UNSIGNED = {pyqir.IntPredicate.ULT, pyqir.IntPredicate.ULE, pyqir.IntPredicate.UGT, pyqir.IntPredicate.UGE}
_FP = pyqir.FloatPredicate
# ordered comparisons are IEEE comparisons; an unordered one is the negation of the opposite ordered one
_FCMP_ORDERED = {_FP.OEQ: "eq", _FP.OGT: "gt", _FP.OGE: "ge", _FP.OLT: "lt", _FP.OLE: "le", _FP.UNE: "ne"}
_FCMP_UNORDERED = {_FP.UGT: "le", _FP.UGE: "lt", _FP.ULT: "ge", _FP.ULE: "gt"}


def _text(v: object) -> str:
    return " ".join(str(v).split())


def _clean(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", name) or "v"


class _Translator:
    """Translates one entry point (pass 1 learns the qubit and result counts when they are needed up front)."""

    def __init__(self, module: pyqir.Module, fn: pyqir.Function, source: str, sizes: _Sizes | None):
        self.module = module
        self.fn = fn
        self.b = Builder(_clean(fn.name), source)
        self.final = sizes is not None
        sizes = sizes or _Sizes(0, 0, 0, False)
        self.static_qubits = sizes.static_qubits  # allocated qubits come after the statically addressed ones
        self.qubit_space = sizes.static_qubits + sizes.allocated
        self.num_qubits = max(_attr_int(fn, "required_num_qubits", "num_required_qubits"), sizes.static_qubits)
        self.num_results = max(_attr_int(fn, "required_num_results", "num_required_results"), sizes.results)
        self.dynamic_results = sizes.dynamic_results
        self.max_array_ptr = -1  # the largest id in a global array of pointers (maybe result ids)
        self.needs_sizes = False
        self.results: dict[int, ir.Reg] = {}
        self.result_array: ir.Reg | None = None
        self.globals: dict[str, _Mem] = {}
        self.stack: list[str] = []
        self.shape: object = _NO_SHAPE
        self.abort_label: str | None = None
        self.pending: list[tuple[str, list[ir.Instr], str]] = []
        self.allocations: list[tuple[int, ir.Reg]] = []  # (qubit id, busy flag) per allocation site
        self.provisional: set[int] = set()

    def sizes(self) -> _Sizes:
        results = max(self.num_results, self.max_array_ptr + 1) if self.dynamic_results else self.num_results
        return _Sizes(self.num_qubits, len(self.allocations), results, self.dynamic_results)

    # ------------------------------------------------------------ driver

    def run(self) -> ir.Program | None:
        b = self.b
        if self.dynamic_results:
            self.result_array = b.reg("results", ir.ArrayType(ir.BOOL, self.num_results))
        for f in _reachable(self.fn):  # globals, as registers initialised before the entry block
            for bb in f.basic_blocks:
                for ins in bb.instructions:
                    callee = ins.callee if ins.opcode == O.CALL else None  # type: ignore[attr-defined]
                    if not isinstance(callee, pyqir.Function) or callee.basic_blocks:
                        for v in ins.operands:
                            if isinstance(v, pyqir.GlobalVariable):
                                self._global(v)
        values: dict[str, Value] = {}
        for p in self.fn.params:
            t = self._type(p.type, f"parameter %{p.name} of @{self.fn.name}")
            values[p.name] = b.param(_clean(p.name), t)
        frame = self._frame(self.fn, values, "")
        b.jump(frame.labels[self.fn.basic_blocks[0].name])
        self._body(frame)
        if self.abort_label is not None:
            b.start(self.abort_label)
            leaves = ir.return_leaves(None if self.shape is _NO_SHAPE else self.shape)  # type: ignore[arg-type]
            b.terminate(ir.Return(tuple(b.reg("undefined", t) if isinstance(t, ir.ArrayType)
                                        else _zero(t) for t in leaves)))
        if self.needs_sizes and not self.final:
            return None
        b.num_qubits = max(self.num_qubits, self.qubit_space)
        returns = None if self.shape is _NO_SHAPE else self.shape
        try:
            return b.finish(returns)  # type: ignore[arg-type]
        except HybridrtError as e:
            raise TargetError(f"QIR entry point @{self.fn.name} does not translate to valid IR: {e}") from None

    def _frame(self, fn: pyqir.Function, values: dict[str, Value], prefix: str) -> _Frame:
        labels = {bb.name: self.b.new_label(_clean(prefix + bb.name)) for bb in fn.basic_blocks}
        return _Frame(fn, values, labels)

    def _body(self, fr: _Frame) -> None:
        for bb in fr.fn.basic_blocks:
            self.b.start(fr.labels[bb.name])
            fr.records = []
            term = bb.terminator
            if term is None:
                raise QirError(f"block %{bb.name} of @{fr.fn.name} has no terminator")
            for ins in bb.instructions[:-1]:
                self._instr(fr, ins)
            self._terminator(fr, bb, term)

    # ------------------------------------------------------------ errors and helpers

    def unsupported(self, fr: _Frame, ins: object, why: str = "unsupported instruction") -> TargetError:
        return TargetError(f"QIR: {why} in @{fr.fn.name}: {_text(ins)}")

    def _type(self, t: pyqir.Type, what: object) -> str:
        """The IR type of LLVM type ``t`` of ``what`` (a description, or the instruction, quoted on error)."""
        it = _ir_type(t)
        if it is None:
            raise TargetError(f"QIR: {_BAD_TYPE} for {what if isinstance(what, str) else _text(what)}")
        return it

    def _tmp(self, t: str, hint: str = "t") -> ir.Reg:
        return self.b.reg(hint, t)

    def _emit(self, instr: ir.Instr) -> None:
        self.b.emit(instr)

    def _bin(self, op: str, a: ir.Operand, b: ir.Operand) -> ir.Reg:
        rt = ir.BINARY_OPS[op][1] or a.type
        dest = self._tmp(rt)  # type: ignore[arg-type]
        self._emit(ir.Binary(dest, op, a, b))
        return dest

    def _un(self, op: str, a: ir.Operand) -> ir.Reg:
        dest = self._tmp(ir.UNARY_OPS[op][1])
        self._emit(ir.Unary(dest, op, a))
        return dest

    def _wrap(self, x: ir.Operand, width: int) -> ir.Operand:
        """``x`` reduced to a sign-extended ``width``-bit integer."""
        if width >= 64:
            return x
        s = ir.Const(64 - width, ir.INT)
        return self._bin("shr", self._bin("shl", x, s), s)

    def _mask(self, x: ir.Operand, width: int) -> ir.Operand:
        """The unsigned value of the ``width``-bit integer ``x`` (width < 64)."""
        return self._bin("and", x, ir.Const((1 << width) - 1, ir.INT))

    def _lshr64(self, x: ir.Operand, n: ir.Operand) -> ir.Operand:
        # (x >> n) & (2**(64-n) - 1); for n == 0 the engine's 1 << 64 is 0, so the mask is -1
        mask = self._bin("sub", self._bin("shl", ir.Const(1, ir.INT), self._bin("sub", ir.Const(64, ir.INT), n)),
                         ir.Const(1, ir.INT))
        return self._bin("and", self._bin("shr", x, n), mask)

    def _b2i(self, x: ir.Operand) -> ir.Operand:
        return self._un("bool_to_int", x)

    def _set(self, fr: _Frame, ins: pyqir.Value, value: Value) -> None:
        """Define SSA value ``ins`` as ``value`` (a copy if a register was already made for it)."""
        old = fr.values.get(ins.name)
        if isinstance(old, ir.Reg) and old != value:
            if isinstance(value, _Addr) or value.type != old.type:
                raise self.unsupported(fr, ins, "a pointer into memory used before its definition")
            self._emit(ir.Copy(old, value))
        else:
            fr.values[ins.name] = value

    def _dest(self, fr: _Frame, ins: pyqir.Value) -> ir.Reg:
        r = self._val(fr, ins)
        assert isinstance(r, ir.Reg)
        return r

    # ------------------------------------------------------------ values

    def _val(self, fr: _Frame, v: pyqir.Value) -> Value:
        if isinstance(v, pyqir.IntConstant):
            w = v.type.width
            if w > 64:  # (pyqir cannot read wider constants)
                raise TargetError(f"QIR: {_BAD_TYPE} for {_text(v)} in @{fr.fn.name}")
            x = v.value
            if w == 1:
                return ir.Const(bool(x & 1), ir.BOOL)
            x &= (1 << w) - 1
            return ir.Const(x - (1 << w) if x >> (w - 1) else x, ir.INT)
        if isinstance(v, pyqir.FloatConstant):
            if not v.type.is_double:
                raise TargetError(f"QIR: {_BAD_TYPE} for {_text(v)} in @{fr.fn.name}")
            return ir.Const(float(v.value), ir.FLOAT)
        if isinstance(v, pyqir.GlobalVariable):
            if v.name not in self.globals:
                raise TargetError(f"QIR: global @{v.name} used in an unsupported way in @{fr.fn.name}")
            return _Addr(self.globals[v.name], ir.Const(0, ir.INT))
        if isinstance(v, pyqir.Function):
            raise TargetError(f"QIR: function @{v.name} used as a value (indirect calls are not supported)")
        if isinstance(v, pyqir.Constant):
            if isinstance(v.type, pyqir.PointerType):
                if v.is_null:
                    return ir.Const(0, ir.INT)
                m = _INTTOPTR.fullmatch(str(v))
                if m and int(m.group(1)) <= 64:
                    return ir.Const(_i64(int(m.group(2)) % 2 ** int(m.group(1))), ir.INT)
            if _is_undef(v):
                return _zero(self._type(v.type, v))
            raise TargetError(f"QIR: unsupported constant expression in @{fr.fn.name}: {_text(v)}")
        got = fr.values.get(v.name)
        if got is None:
            got = self.b.reg(_clean(v.name), self._type(v.type, f"%{v.name} in @{fr.fn.name}"))
            fr.values[v.name] = got
        return got

    def _op(self, fr: _Frame, v: pyqir.Value, ins: object) -> ir.Operand:
        x = self._val(fr, v)
        if isinstance(x, _Addr):
            raise self.unsupported(fr, ins, "a pointer into memory used as a value")
        return x

    def _addr(self, fr: _Frame, v: pyqir.Value, ins: object) -> _Addr:
        x = self._val(fr, v)
        if not isinstance(x, _Addr):
            raise self.unsupported(fr, ins, "memory access through a pointer that is not an alloca or a global")
        return x

    def _global(self, g: pyqir.GlobalVariable) -> _Mem:
        if g.name in self.globals:
            return self.globals[g.name]
        init = g.initializer
        if init is None:
            raise TargetError(f"QIR: global @{g.name} has no initializer")
        zeros = isinstance(init.type, pyqir.ArrayType) and init.is_null  # [N x T] zeroinitializer
        if isinstance(init, pyqir.ArrayConstant) or zeros:
            t, w = self._elem_type(init.type.element, f"global @{g.name}")  # type: ignore[attr-defined]
            consts = ([ir.Const(0.0 if t == ir.FLOAT else 0, t)] * init.type.count if zeros  # type: ignore[attr-defined]
                      else [self._const(e, g) for e in init.elements])  # type: ignore[attr-defined]
            if not consts:
                raise TargetError(f"QIR: empty global array @{g.name} is not supported")
            reg = self.b.reg(_clean(g.name), ir.ArrayType(t, len(consts)))
            mem = _Mem(g.name, reg, t, w, len(consts), g.is_constant)
            for k, c in enumerate(consts):
                self._emit(ir.Store(reg, ir.Const(k, ir.INT), c))
                if w == 64 and not isinstance(init.type.element, pyqir.IntType):  # type: ignore[attr-defined]
                    self.max_array_ptr = max(self.max_array_ptr, int(c.value))
        else:
            t, w = self._elem_type(init.type, f"global @{g.name}")
            reg = self.b.reg(_clean(g.name), t)
            mem = _Mem(g.name, reg, t, w, None, g.is_constant)
            self._emit(ir.Copy(reg, self._const(init, g)))
        self.globals[g.name] = mem
        return mem

    def _const(self, c: pyqir.Constant, g: pyqir.GlobalVariable) -> ir.Const:
        frame = _Frame(self.fn, {}, {})
        x = self._val(frame, c)
        if not isinstance(x, ir.Const):
            raise TargetError(f"QIR: unsupported initializer of global @{g.name}: {_text(c)}")
        return x

    def _elem_type(self, t: pyqir.Type, what: object) -> tuple[str, int]:
        it = self._type(t, what)
        if isinstance(t, pyqir.IntType):
            return it, t.width
        return it, 64 if isinstance(t, pyqir.PointerType) else 0

    # ------------------------------------------------------------ qubits and results

    def _qubit(self, x: ir.Operand) -> ir.Operand:
        if isinstance(x, ir.Const):
            if x.value < 0:
                if x.value in self.provisional:  # pass 1: an allocated qubit, numbered in pass 2
                    return ir.Const(x.value, ir.QUBIT)
                raise TargetError(f"QIR: negative qubit id {x.value}")
            self.num_qubits = max(self.num_qubits, x.value + 1)
            return ir.Const(x.value, ir.QUBIT)
        self.needs_sizes = True
        q = self._tmp(ir.QUBIT, "q")
        self._emit(ir.QubitAt(q, 0, 1, self.qubit_space, x))
        return q

    def _result_index(self, x: ir.Operand) -> ir.Operand:
        if isinstance(x, ir.Const):
            if x.value < 0:
                raise TargetError(f"QIR: negative result id {x.value}")
            self.num_results = max(self.num_results, x.value + 1)
        else:
            self.needs_sizes = True
            self.dynamic_results = True
        return x

    def _result_array(self) -> ir.Reg:
        if self.result_array is None:  # pass 1 found a dynamic result only now: a stand-in, pass 2 redoes it
            self.result_array = self.b.reg("results", ir.ArrayType(ir.BOOL, 0))
        return self.result_array

    def _write_result(self, r: ir.Operand, value: ir.Operand | None, qubit: ir.Operand | None = None) -> None:
        """Result ``r`` := ``value``, or := the measurement of ``qubit``."""
        r = self._result_index(r)
        if isinstance(r, ir.Const) and not self.dynamic_results:
            reg = self.results.get(r.value)  # type: ignore[arg-type]
            if reg is None:
                reg = self.results[r.value] = self.b.reg(f"r{r.value}", ir.BOOL)  # type: ignore[index]
            self._emit(ir.Measure(reg, qubit) if qubit is not None else ir.Copy(reg, value))  # type: ignore[arg-type]
            return
        if qubit is not None:
            value = self._tmp(ir.BOOL, "m")
            self._emit(ir.Measure(value, qubit))
        self._emit(ir.Store(self._result_array(), r, value))  # type: ignore[arg-type]

    def _read_result(self, r: ir.Operand) -> ir.Reg:
        r = self._result_index(r)
        dest = self._tmp(ir.BOOL, "res")
        if isinstance(r, ir.Const) and not self.dynamic_results:
            reg = self.results.get(r.value)  # type: ignore[arg-type]
            self._emit(ir.Copy(dest, reg if reg is not None else ir.Const(False, ir.BOOL)))
        else:
            self._emit(ir.Load(dest, self._result_array(), r))
        return dest

    # ------------------------------------------------------------ instructions

    def _instr(self, fr: _Frame, ins: pyqir.Instruction) -> None:
        op = ins.opcode
        if not ins.type.is_void and _ir_type(ins.type) is None:
            raise self.unsupported(fr, ins, _BAD_TYPE)
        if op == O.PHI:
            self._val(fr, ins)  # its register; the copies go on the incoming edges
        elif op == O.CALL:
            self._call(fr, ins)  # type: ignore[arg-type]
        elif op in _INT_BINOPS:
            self._int_binop(fr, ins)
        elif op in _FLOAT_BINOPS:
            self._float_binop(fr, ins)
        elif op == O.FNEG:
            self._set(fr, ins, self._un("neg.float", self._op(fr, ins.operands[0], ins)))
        elif op == O.ICMP:
            self._icmp(fr, ins)  # type: ignore[arg-type]
        elif op == O.FCMP:
            self._fcmp(fr, ins)  # type: ignore[arg-type]
        elif op == O.SELECT:
            self._select(fr, ins)
        elif op in _CASTS:
            self._cast(fr, ins)
        elif op == O.ALLOCA:
            self._alloca(fr, ins)  # type: ignore[arg-type]
        elif op == O.LOAD:
            self._load(fr, ins)
        elif op == O.STORE:
            self._store(fr, ins)
        elif op == O.GET_ELEMENT_PTR:
            self._gep(fr, ins)
        else:
            raise self.unsupported(fr, ins)

    def _int_binop(self, fr: _Frame, ins: pyqir.Instruction) -> None:
        op = ins.opcode
        a, b = (self._op(fr, v, ins) for v in ins.operands)
        w = ins.type.width  # type: ignore[attr-defined]
        if w == 1:
            name = {O.AND: "and", O.OR: "or", O.XOR: "xor", O.ADD: "xor", O.SUB: "xor", O.MUL: "and"}.get(op)
            if name is None:
                raise self.unsupported(fr, ins, "unsupported i1 arithmetic")
            self._set(fr, ins, self._bin(name, a, b))
            return
        simple = {O.ADD: "add", O.SUB: "sub", O.MUL: "mul", O.SHL: "shl"}
        if op in simple:
            r: ir.Operand = self._wrap(self._bin(simple[op], a, b), w)
        elif op in (O.AND, O.OR, O.XOR):
            r = self._bin({O.AND: "and", O.OR: "or", O.XOR: "xor"}[op], a, b)
        elif op == O.ASHR:
            r = self._bin("shr", a, b)
        elif op == O.LSHR:
            r = self._lshr64(a, b) if w == 64 else self._wrap(self._bin("shr", self._mask(a, w), b), w)
        elif op in (O.SDIV, O.SREM):
            q = self._sdiv(a, b)
            r = self._wrap(q, w) if op == O.SDIV else self._bin("sub", a, self._bin("mul", q, b))
        else:  # UDIV, UREM
            if w < 64:
                ua, ub = self._mask(a, w), self._mask(b, w)
                r = self._wrap(self._bin("floordiv" if op == O.UDIV else "mod", ua, ub), w)
            else:
                q = self._udiv64(a, b)
                r = q if op == O.UDIV else self._bin("sub", a, self._bin("mul", q, b))
        self._set(fr, ins, r)

    def _sdiv(self, a: ir.Operand, b: ir.Operand) -> ir.Operand:
        """``a / b`` rounded toward zero (LLVM ``sdiv``) from the engine's floor division."""
        q = self._bin("floordiv", a, b)
        rem = self._bin("ne", self._bin("mod", a, b), ir.Const(0, ir.INT))
        a_neg = self._bin("lt", a, ir.Const(0, ir.INT))
        if isinstance(b, ir.Const):
            signs_differ: ir.Operand = a_neg if b.value > 0 else self._un("not", a_neg)
        else:
            signs_differ = self._bin("ne", a_neg, self._bin("lt", b, ir.Const(0, ir.INT)))
        return self._bin("add", q, self._b2i(self._bin("and", rem, signs_differ)))

    def _udiv64(self, a: ir.Operand, b: ir.Operand) -> ir.Operand:
        """Unsigned 64-bit ``a / b`` from signed operations."""
        low = ir.Const(_INT64_MIN, ir.INT)

        def uge(x: ir.Operand, y: ir.Operand) -> ir.Operand:
            return self._b2i(self._bin("ge", self._bin("xor", x, low), self._bin("xor", y, low)))

        big = uge(a, b)  # the quotient when b >= 2**63
        half = self._bin("and", self._bin("shr", a, ir.Const(1, ir.INT)), ir.Const(2**63 - 1, ir.INT))
        q = self._bin("shl", self._bin("floordiv", half, b), ir.Const(1, ir.INT))
        q = self._bin("add", q, uge(self._bin("sub", a, self._bin("mul", q, b)), b))
        b_big = self._b2i(self._bin("lt", b, ir.Const(0, ir.INT)))
        return self._bin("add", q, self._bin("mul", self._bin("sub", big, q), b_big))

    def _float_binop(self, fr: _Frame, ins: pyqir.Instruction) -> None:
        a, b = (self._op(fr, v, ins) for v in ins.operands)
        op = ins.opcode
        if op == O.FREM:  # C fmod: the sign of a, |a| mod |b|
            m = self._bin("mod", self._un("abs.float", a), self._un("abs.float", b))
            neg = self._un("int_to_float", self._b2i(self._bin("lt", a, ir.Const(0.0, ir.FLOAT))))
            sign = self._bin("sub", ir.Const(1.0, ir.FLOAT), self._bin("mul", ir.Const(2.0, ir.FLOAT), neg))
            self._set(fr, ins, self._bin("mul", m, sign))
        else:
            self._set(fr, ins, self._bin({O.FADD: "add", O.FSUB: "sub", O.FMUL: "mul", O.FDIV: "div"}[op], a, b))

    def _icmp(self, fr: _Frame, ins: pyqir.ICmp) -> None:
        a, b = (self._op(fr, v, ins) for v in ins.operands)
        pred = ins.predicate
        name = _ICMP[pred]
        t = ins.operands[0].type
        w = t.width if isinstance(t, pyqir.IntType) else 64
        if w == 1 and name not in ("eq", "ne"):  # as integers: unsigned 0/1, signed 0/-1
            a, b = self._b2i(a), self._b2i(b)
            if pred not in _UNSIGNED:
                a, b = self._un("neg.int", a), self._un("neg.int", b)
        elif pred in _UNSIGNED:
            if w < 64:
                a, b = self._mask(a, w), self._mask(b, w)
            else:
                low = ir.Const(_INT64_MIN, ir.INT)
                a, b = self._bin("xor", a, low), self._bin("xor", b, low)
        self._set(fr, ins, self._bin(name, a, b))

    def _fcmp(self, fr: _Frame, ins: pyqir.FCmp) -> None:
        a, b = (self._op(fr, v, ins) for v in ins.operands)
        p = ins.predicate
        if p in _FCMP_ORDERED:
            r: ir.Operand = self._bin(_FCMP_ORDERED[p], a, b)
        elif p in _FCMP_UNORDERED:
            r = self._un("not", self._bin(_FCMP_UNORDERED[p], a, b))
        elif p in (_FP.ONE, _FP.UEQ):
            r = self._bin("or", self._bin("lt", a, b), self._bin("gt", a, b))
            r = r if p == _FP.ONE else self._un("not", r)
        elif p in (_FP.ORD, _FP.UNO):
            r = self._bin("and", self._bin("eq", a, a), self._bin("eq", b, b))
            r = r if p == _FP.ORD else self._un("not", r)
        else:
            r = ir.Const(p == _FP.TRUE, ir.BOOL)
        self._set(fr, ins, r)

    def _select(self, fr: _Frame, ins: pyqir.Instruction) -> None:
        c = self._op(fr, ins.operands[0], ins)
        if isinstance(c, ir.Const):
            self._set(fr, ins, self._val(fr, ins.operands[1 if c.value else 2]))
            return
        x, y = (self._op(fr, v, ins) for v in ins.operands[1:])
        if x.type == ir.INT:  # y + (x - y) * c, exact in wrapping int64 arithmetic
            d = ir.Const(_i64(x.value - y.value), ir.INT) if isinstance(x, ir.Const) and isinstance(y, ir.Const) \
                else self._bin("sub", x, y)  # type: ignore[operator]
            r = self._b2i(c)
            if not (isinstance(d, ir.Const) and d.value == 1):
                r = self._bin("mul", r, d)
            self._set(fr, ins, r if isinstance(y, ir.Const) and y.value == 0 else self._bin("add", r, y))
            return
        if x.type == ir.BOOL and (isinstance(x, ir.Const) or isinstance(y, ir.Const)):
            if isinstance(x, ir.Const):  # c ? true : y == c or y;  c ? false : y == not c and y
                r2 = self._bin("or", c, y) if x.value else self._bin("and", self._un("not", c), y)
            else:  # c ? x : true == not c or x;  c ? x : false == c and x
                r2 = self._bin("or", self._un("not", c), x) if y.value else self._bin("and", c, x)
            self._set(fr, ins, r2)
            return
        dest = self._dest(fr, ins)
        b = self.b
        lt, lf, join = b.new_label("sel.t"), b.new_label("sel.f"), b.new_label("sel.join")
        b.terminate(ir.Branch(c, lt, lf))
        for label, v in ((lt, x), (lf, y)):
            b.start(label)
            self._emit(ir.Copy(dest, v))
            b.jump(join)
        b.start(join)

    def _cast(self, fr: _Frame, ins: pyqir.Instruction) -> None:
        op = ins.opcode
        src = ins.operands[0]
        if op in (O.BIT_CAST, O.FREEZE, O.INT_TO_PTR, O.PTR_TO_INT, O.FP_EXT, O.FP_TRUNC):
            x = self._val(fr, src)
            if isinstance(x, _Addr) and op != O.BIT_CAST:
                raise self.unsupported(fr, ins, "a pointer into memory used as a value")
            if op == O.INT_TO_PTR and isinstance(src.type, pyqir.IntType) and src.type.width == 1:
                x = self._b2i(x)  # type: ignore[arg-type]
            self._set(fr, ins, x)
            return
        x = self._op(fr, src, ins)
        st, dt = src.type, ins.type
        sw = st.width if isinstance(st, pyqir.IntType) else 0
        dw = dt.width if isinstance(dt, pyqir.IntType) else 0
        r: ir.Operand
        if op in (O.ZEXT, O.SEXT):
            if sw == 1:
                r = self._b2i(x) if op == O.ZEXT else self._un("neg.int", self._b2i(x))
            else:
                r = self._mask(x, sw) if op == O.ZEXT and sw < 64 else x
        elif op == O.TRUNC:
            if dw == 1:
                r = self._un("int_to_bool", self._bin("and", x, ir.Const(1, ir.INT)))
            else:
                r = self._wrap(x, dw)
        elif op in (O.SI_TO_FP, O.UI_TO_FP):
            if sw == 1:
                i = self._b2i(x)
                r = self._un("int_to_float", i if op == O.UI_TO_FP else self._un("neg.int", i))
            elif op == O.UI_TO_FP and sw < 64:
                r = self._un("int_to_float", self._mask(x, sw))
            elif op == O.UI_TO_FP:  # a negative i64 is x + 2**64 unsigned
                hi = self._un("int_to_float", self._b2i(self._bin("lt", x, ir.Const(0, ir.INT))))
                r = self._bin("add", self._un("int_to_float", x),
                              self._bin("mul", hi, ir.Const(18446744073709551616.0, ir.FLOAT)))
            else:
                r = self._un("int_to_float", x)
        elif op in (O.FP_TO_SI, O.FP_TO_UI):
            i = self._un("float_to_int", x)
            r = self._un("int_to_bool", self._bin("and", i, ir.Const(1, ir.INT))) if dw == 1 else self._wrap(i, dw)
        else:
            raise self.unsupported(fr, ins)
        self._set(fr, ins, r)

    # ------------------------------------------------------------ memory

    def _alloca(self, fr: _Frame, ins: pyqir.Alloca) -> None:
        count = ins.operands[0] if ins.operands else None
        if count is not None and not (isinstance(count, pyqir.IntConstant) and count.value == 1):
            raise self.unsupported(fr, ins, "alloca of a run-time number of elements")
        t = ins.allocated_type
        name = _clean(ins.name)
        if isinstance(t, pyqir.ArrayType):
            et, w = self._elem_type(t.element, ins)
            reg = self.b.reg(name, ir.ArrayType(et, t.count))
            mem = _Mem(ins.name, reg, et, w, t.count, False)
        else:
            et, w = self._elem_type(t, ins)
            mem = _Mem(ins.name, self.b.reg(name, et), et, w, None, False)
        self._set(fr, ins, _Addr(mem, ir.Const(0, ir.INT)))

    def _check_access(self, fr: _Frame, ins: object, a: _Addr, t: pyqir.Type) -> None:
        et, w = self._elem_type(t, ins)
        if (et, w) != (a.mem.elem, a.mem.width):
            raise self.unsupported(fr, ins, f"access of a different type than the memory object %{a.mem.name} holds")
        if a.mem.length is None and not (isinstance(a.index, ir.Const) and a.index.value == 0):
            raise self.unsupported(fr, ins, f"access past the scalar memory object %{a.mem.name}")

    def _load(self, fr: _Frame, ins: pyqir.Instruction) -> None:
        a = self._addr(fr, ins.operands[0], ins)
        self._check_access(fr, ins, a, ins.type)
        dest = self._dest(fr, ins)
        self._emit(ir.Copy(dest, a.mem.reg) if a.mem.length is None else ir.Load(dest, a.mem.reg, a.index))

    def _store(self, fr: _Frame, ins: pyqir.Instruction) -> None:
        value, ptr = ins.operands
        a = self._addr(fr, ptr, ins)
        if a.mem.const:
            raise self.unsupported(fr, ins, f"store into the constant global @{a.mem.name}")
        self._check_access(fr, ins, a, value.type)
        v = self._op(fr, value, ins)
        self._emit(ir.Copy(a.mem.reg, v) if a.mem.length is None else ir.Store(a.mem.reg, a.index, v))

    def _gep(self, fr: _Frame, ins: pyqir.Instruction) -> None:
        base = self._addr(fr, ins.operands[0], ins)
        idx = [self._op(fr, v, ins) for v in ins.operands[1:]]
        m = _GEP.search(str(ins))
        src = m.group(1).strip() if m else ""
        arr = re.fullmatch(r"\[(\d+) x ([^\[\]{}]+)\]", src)
        if arr and len(idx) == 2:
            flat = self._add(self._mul(idx[0], int(arr.group(1))), idx[1])
        elif len(idx) == 1 and re.fullmatch(r"i\d+|double|ptr", src):
            flat = idx[0]
        else:
            raise self.unsupported(fr, ins, "unsupported getelementptr (only into arrays of scalars)")
        self._set(fr, ins, _Addr(base.mem, self._add(base.index, flat)))

    def _add(self, a: ir.Operand, b: ir.Operand) -> ir.Operand:
        if isinstance(a, ir.Const) and isinstance(b, ir.Const):
            return ir.Const(_i64(a.value + b.value), ir.INT)  # type: ignore[operator]
        if isinstance(a, ir.Const) and a.value == 0:
            return b
        if isinstance(b, ir.Const) and b.value == 0:
            return a
        return self._bin("add", a, b)

    def _mul(self, a: ir.Operand, k: int) -> ir.Operand:
        if isinstance(a, ir.Const):
            return ir.Const(_i64(a.value * k), ir.INT)  # type: ignore[operator]
        return a if k == 1 else self._bin("mul", a, ir.Const(k, ir.INT))

    # ------------------------------------------------------------ calls

    def _call(self, fr: _Frame, ins: pyqir.Call) -> None:
        callee = ins.callee
        if not isinstance(callee, pyqir.Function):
            raise self.unsupported(fr, ins, "indirect call")
        name = callee.name
        if callee.basic_blocks:
            self._inline(fr, ins, callee)
        elif name.startswith("__quantum__qis__"):
            self._qis(fr, ins, name[len("__quantum__qis__"):])
        elif name.startswith("__quantum__rt__"):
            self._rt(fr, ins, name[len("__quantum__rt__"):])
        elif name in _MATH_UNARY or name in _MATH_BINARY:
            args = self._args(fr, ins, "d:d" if name in _MATH_UNARY else "d:dd")
            self._set(fr, ins, self._un(_MATH_UNARY[name], args[0]) if name in _MATH_UNARY
                      else self._bin(_MATH_BINARY[name], args[0], args[1]))
        else:
            raise self.unsupported(fr, ins, f"call of unknown external function @{name}")

    def _args(self, fr: _Frame, ins: pyqir.Call, sig: str) -> list[ir.Operand]:
        """The arguments of a call whose signature is ``sig``, "RET:ARGS" with v void, b i1, l i64, d double,
        p ptr, s a ptr that is not read (an output label)."""
        ret, params = sig.split(":")
        if _code(ins.type) + ":" + "".join(_code(a.type) for a in ins.args) != sig.replace("s", "p"):
            names = {"v": "void", "b": "i1", "l": "i64", "d": "double", "p": "ptr", "s": "ptr"}
            text = f"{names[ret]} ({', '.join(names[c] for c in params)})"
            raise self.unsupported(fr, ins, f"expected the signature {text}")
        return [self._op(fr, a, ins) for a, c in zip(ins.args, params) if c != "s"]

    def _inline(self, fr: _Frame, ins: pyqir.Call, callee: pyqir.Function) -> None:
        if callee.name in self.stack or callee.name == self.fn.name:
            chain = " -> ".join(f"@{n}" for n in (self.fn.name, *self.stack, callee.name))
            raise TargetError(f"QIR: recursive call {chain} (IR functions are inlined, so recursion is not "
                              f"supported): {_text(ins)}")
        if not _same_types([ins.type, *(a.type for a in ins.args)], [callee.type.ret, *callee.type.params]):
            raise self.unsupported(fr, ins, f"call does not match the signature of @{callee.name}")
        values = {p.name: self._val(fr, a) for p, a in zip(callee.params, ins.args)}
        new = self._frame(callee, values, callee.name + ".")
        new.ret = None if ins.type.is_void else self._dest(fr, ins)
        new.cont = self.b.new_label(_clean(callee.name + ".ret"))
        self.b.jump(new.labels[callee.basic_blocks[0].name])
        self.stack.append(callee.name)
        self._body(new)
        self.stack.pop()
        self.b.start(new.cont)

    def _qis(self, fr: _Frame, ins: pyqir.Call, name: str) -> None:
        if name in ("m__body", "mz__body", "mresetz__body"):
            q, r = self._args(fr, ins, "v:pp")
            q = self._qubit(q)
            self._write_result(r, None, qubit=q)
            if name == "mresetz__body":
                self._emit(ir.Reset(q))
        elif name == "reset__body":
            self._emit(ir.Reset(self._qubit(self._args(fr, ins, "v:p")[0])))
        elif name == "read_result__body":
            self._set(fr, ins, self._read_result(self._args(fr, ins, "b:p")[0]))
        elif name == "barrier__body":
            pass
        elif name == "move__body":  # (qubit, i64, i64): device scheduling metadata, the identity here
            self._qubit(self._args(fr, ins, "v:pll")[0])
        elif name == "sx__adj":  # SX^-1 == SX^3 == SX X
            q = self._qubit(self._args(fr, ins, "v:p")[0])
            self._emit(ir.Gate("x", (q,)))
            self._emit(ir.Gate("sx", (q,)))
        else:
            base, _, kind = name.rpartition("__")
            if base not in _QIS_GATES or kind not in ("body", "adj"):
                raise self.unsupported(fr, ins, "unsupported quantum instruction")
            gate, npar, nq = _QIS_GATES[base]
            args = self._args(fr, ins, "v:" + "d" * npar + "p" * nq)
            params = args[:npar]
            if kind == "adj":
                if gate in _ADJOINT:
                    gate = _ADJOINT[gate]
                elif npar:
                    params = [self._un("neg.float", p) if isinstance(p, ir.Reg)
                              else ir.Const(-p.value, ir.FLOAT) for p in params]  # type: ignore[operator]
                elif gate not in _SELF_ADJOINT:
                    raise self.unsupported(fr, ins, "unsupported adjoint")
            qubits = tuple(self._qubit(q) for q in args[npar:])
            static = [q.value for q in qubits if isinstance(q, ir.Const)]
            if len(set(static)) != len(static):
                raise self.unsupported(fr, ins, "gate applied to the same qubit twice")
            self._emit(ir.Gate(gate, qubits, tuple(params)))

    def _rt(self, fr: _Frame, ins: pyqir.Call, name: str) -> None:
        if name in ("initialize", "begin_parallel", "end_parallel", "message"):
            return
        if name == "read_result":
            self._set(fr, ins, self._read_result(self._args(fr, ins, "b:p")[0]))
        elif name == "write_result":
            value, r = self._args(fr, ins, "v:bp")
            self._write_result(r, value)
        elif name == "read_loss":  # no qubit loss on this simulator
            self._set(fr, ins, ir.Const(False, ir.BOOL))
        elif name == "qubit_allocate":
            self._allocate(fr, ins)
        elif name == "qubit_release":
            self._release(fr, ins)
        elif name == "fail":
            self._abort("__quantum__rt__fail was called")
            self.b.start(self.b.new_label("after.fail"))
        elif name.endswith("_record_output"):
            self._record(fr, ins, name[: -len("_record_output")])
        else:
            raise self.unsupported(fr, ins, "unsupported runtime function")

    def _allocate(self, fr: _Frame, ins: pyqir.Call) -> None:
        """A static qubit per allocation site; allocating again before releasing it is a run-time error."""
        self._args(fr, ins, "p:")
        self.needs_sizes = True
        if self.final:
            qid = self.static_qubits + len(self.allocations)
            self.num_qubits = max(self.num_qubits, qid + 1)
        else:
            qid = -1 - len(self.allocations)
            self.provisional.add(qid)
        busy = self.b.reg(f"allocated{qid}", ir.BOOL)
        self.allocations.append((qid, busy))
        ok = self.b.new_label("alloc.ok")
        fail = self.b.new_label("alloc.again")
        self.b.terminate(ir.Branch(busy, fail, ok))
        self.b.start(fail)
        self._abort(f"qubit allocated again at {_text(ins)} before its release")
        self.b.start(ok)
        self._emit(ir.Copy(busy, ir.Const(True, ir.BOOL)))
        self._emit(ir.Reset(self._qubit(ir.Const(qid, ir.INT))))  # a reused qubit starts in |0> again
        self._set(fr, ins, ir.Const(qid, ir.INT))

    def _release(self, fr: _Frame, ins: pyqir.Call) -> None:
        (q,) = self._args(fr, ins, "v:p")
        for qid, busy in self.allocations:
            if isinstance(q, ir.Const):
                if q.value == qid:
                    self._emit(ir.Copy(busy, ir.Const(False, ir.BOOL)))
            else:
                same = self._bin("eq", q, ir.Const(qid, ir.INT))
                self._emit(ir.Binary(busy, "and", busy, self._un("not", same)))

    def _abort(self, why: str) -> None:
        """End the shot with a run-time error (the engine has no abort: a division by zero, located here)."""
        if self.abort_label is None:
            self.abort_label = self.b.new_label("abort")
        junk = self._tmp(ir.INT, "abort")
        self._emit(ir.Binary(junk, "floordiv", ir.Const(1, ir.INT), ir.Const(0, ir.INT), Loc(f"<QIR: {why}>", 1, 0)))
        self.b.jump(self.abort_label)

    def _record(self, fr: _Frame, ins: pyqir.Call, kind: str) -> None:
        if fr.cont is not None:
            raise self.unsupported(fr, ins, "output recorded inside an IR function")
        sig = {"tuple": "v:ls", "array": "v:ls", "result": "v:ps", "bool": "v:bs", "int": "v:ls",
               "double": "v:ds", "float": "v:ds"}.get(kind)
        if sig is None:
            raise self.unsupported(fr, ins, "unsupported output recording")
        x = self._args(fr, ins, sig)[0]
        if kind in ("tuple", "array"):
            if not isinstance(x, ir.Const) or x.value < 0:
                raise self.unsupported(fr, ins, "a run-time or negative number of recorded elements")
            fr.records.append((kind, x.value, ins))
        else:
            fr.records.append(("leaf", ir.BOOL, self._read_result(x), ins) if kind == "result"
                              else ("leaf", x.type, x, ins))

    # ------------------------------------------------------------ terminators and edges

    def _terminator(self, fr: _Frame, bb: pyqir.BasicBlock, term: pyqir.Instruction) -> None:
        op = term.opcode
        if fr.records and op != O.RET:
            raise self.unsupported(fr, fr.records[0][-1], "output recorded in a block that does not return")
        b = self.b
        if op == O.BR:
            ops = term.operands
            if len(ops) == 1:
                self._goto(fr, bb, ops[0])
                return
            c = self._op(fr, ops[0], term)
            if isinstance(c, ir.Const):
                self._goto(fr, bb, ops[2] if c.value else ops[1])
                return
            b.terminate(ir.Branch(c, self._edge(fr, bb, ops[2]), self._edge(fr, bb, ops[1])))
        elif op == O.SWITCH:
            assert isinstance(term, pyqir.Switch)
            c = self._op(fr, term.cond, term)
            cases = [(self._op(fr, v, term), t) for v, t in term.cases]
            if isinstance(c, ir.Const):
                target = next((t for v, t in cases if v == c), term.default)
                self._goto(fr, bb, target)
                return
            for v, target in cases:
                nxt = b.new_label("switch.next")
                b.terminate(ir.Branch(self._bin("eq", c, v), self._edge(fr, bb, target), nxt))
                b.start(nxt)
            b.terminate(ir.Jump(self._edge(fr, bb, term.default)))
        elif op == O.RET:
            self._return(fr, term)
        elif op == O.UNREACHABLE:
            self._abort("reached an unreachable instruction")
        else:
            raise self.unsupported(fr, term, "unsupported terminator")
        for label, copies, target in self.pending:
            b.start(label)
            for c in copies:
                self._emit(c)
            b.jump(target)
        self.pending = []

    def _phi_copies(self, fr: _Frame, pred: pyqir.BasicBlock, succ: pyqir.BasicBlock) -> list[ir.Instr]:
        pairs: list[tuple[ir.Reg, ir.Operand]] = []
        for phi in succ.instructions:
            if phi.opcode != O.PHI:
                break
            assert isinstance(phi, pyqir.Phi)
            incoming = [v for v, blk in phi.incoming if blk.name == pred.name]
            if not incoming:
                raise QirError(f"phi in block %{succ.name} of @{fr.fn.name} has no value for predecessor "
                               f"%{pred.name}: {_text(phi)}")
            if _is_undef(incoming[0]):
                continue
            pairs.append((self._dest(fr, phi), self._op(fr, incoming[0], phi)))
        dests = {d.name for d, _ in pairs}
        if not any(isinstance(s, ir.Reg) and s.name in dests and s != d for d, s in pairs):
            return [ir.Copy(d, s) for d, s in pairs if d != s]
        temps = [(d, self._tmp(d.type, "phi")) for d, _ in pairs]  # type: ignore[arg-type]
        return [ir.Copy(t, s) for (_, t), (_, s) in zip(temps, pairs)] + [ir.Copy(d, t) for d, t in temps]

    def _goto(self, fr: _Frame, pred: pyqir.BasicBlock, succ: pyqir.BasicBlock) -> None:
        for c in self._phi_copies(fr, pred, succ):
            self._emit(c)
        self.b.jump(fr.labels[succ.name])

    def _edge(self, fr: _Frame, pred: pyqir.BasicBlock, succ: pyqir.BasicBlock) -> str:
        """The label to branch to for the edge pred -> succ: succ itself, or a block of phi copies."""
        copies = self._phi_copies(fr, pred, succ)
        if not copies:
            return fr.labels[succ.name]
        for label, cs, target in self.pending:
            if target == fr.labels[succ.name] and cs == copies:
                return label
        label = self.b.new_label(_clean(f"{pred.name}.to.{succ.name}"))
        self.pending.append((label, copies, fr.labels[succ.name]))
        return label

    def _return(self, fr: _Frame, term: pyqir.Instruction) -> None:
        if fr.cont is not None:  # an inlined function returns to its caller
            if fr.ret is not None:
                self._emit(ir.Copy(fr.ret, self._op(fr, term.operands[0], term)))
            self.b.jump(fr.cont)
            return
        shape, values = self._output(fr)
        if self.shape is _NO_SHAPE:
            self.shape = shape
        elif self.shape != shape:
            raise self.unsupported(fr, term, f"returning blocks record different output shapes "
                                             f"({_shape_text(self.shape)} and {_shape_text(shape)})")
        self.b.terminate(ir.Return(tuple(values)))

    def _output(self, fr: _Frame) -> tuple[ir.ReturnType, list[ir.Operand]]:
        """The return type and values that the block's output recording describes."""
        records = fr.records
        pos = 0

        def fail(why: str) -> TargetError:
            where = records[min(pos, len(records) - 1)][-1] if records else "ret"
            return self.unsupported(fr, where, why)

        def item() -> tuple[ir.Type, ir.Operand]:
            nonlocal pos
            if pos >= len(records):
                raise fail("output recording declares more elements than it records")
            rec = records[pos]
            pos += 1
            if rec[0] == "leaf":
                return rec[1], rec[2]
            if rec[0] == "tuple":
                raise fail("nested tuple output is not supported (hybridrt returns flat tuples)")
            n = rec[1]
            elems = []
            for _ in range(n):
                if pos >= len(records) or records[pos][0] != "leaf":
                    raise fail("array output must hold exactly its declared number of scalars")
                elems.append(records[pos])
                pos += 1
            types = {e[1] for e in elems}
            if len(types) > 1:
                raise fail("array output with elements of different types")
            t = ir.ArrayType(types.pop() if types else ir.BOOL, n)
            arr = self.b.reg("out", t)
            for k, e in enumerate(elems):
                self._emit(ir.Store(arr, ir.Const(k, ir.INT), e[2]))
            return t, arr

        if not records:
            return None, []
        if records[0][0] == "tuple":
            n = records[0][1]
            pos = 1
            parts = [item() for _ in range(n)]
        else:
            parts = []
            while pos < len(records):
                parts.append(item())
            if len(parts) == 1:
                return parts[0][0], [parts[0][1]]
        if pos != len(records):
            raise fail("output recording records more elements than it declares")
        return ir.TupleType(tuple(t for t, _ in parts)), [v for _, v in parts]


_INT_BINOPS = {O.ADD, O.SUB, O.MUL, O.SDIV, O.SREM, O.UDIV, O.UREM, O.SHL, O.ASHR, O.LSHR, O.AND, O.OR, O.XOR}
_FLOAT_BINOPS = {O.FADD, O.FSUB, O.FMUL, O.FDIV, O.FREM}
_CASTS = {O.ZEXT, O.SEXT, O.TRUNC, O.SI_TO_FP, O.UI_TO_FP, O.FP_TO_SI, O.FP_TO_UI, O.BIT_CAST, O.FREEZE,
          O.INT_TO_PTR, O.PTR_TO_INT, O.FP_EXT, O.FP_TRUNC}


def _reachable(fn: pyqir.Function) -> list[pyqir.Function]:
    """``fn`` and the functions defined in the module that it calls, directly or not."""
    seen = {fn.name: fn}
    work = [fn]
    while work:
        for bb in work.pop().basic_blocks:
            for ins in bb.instructions:
                if ins.opcode == O.CALL:
                    callee = ins.callee  # type: ignore[attr-defined]
                    if isinstance(callee, pyqir.Function) and callee.basic_blocks and callee.name not in seen:
                        seen[callee.name] = callee
                        work.append(callee)
    return list(seen.values())


_BAD_TYPE = "unsupported type (only i1, integers up to i64, double and ptr)"


def _ir_type(t: pyqir.Type) -> str | None:
    if isinstance(t, pyqir.IntType):
        return None if t.width > 64 else ir.BOOL if t.width == 1 else ir.INT
    if isinstance(t, pyqir.PointerType):
        return ir.INT
    return ir.FLOAT if t.is_double else None


def _code(t: pyqir.Type) -> str:
    """A one-letter code of an LLVM type: v void, b i1, l i64, d double, p ptr, ? another."""
    if isinstance(t, pyqir.IntType):
        return {1: "b", 64: "l"}.get(t.width, "?")
    if isinstance(t, pyqir.PointerType):
        return "p"
    return "v" if t.is_void else "d" if t.is_double else "?"


def _same_types(a: list[pyqir.Type], b: list[pyqir.Type]) -> bool:
    def same(x: pyqir.Type, y: pyqir.Type) -> bool:
        if isinstance(x, pyqir.IntType) or isinstance(y, pyqir.IntType):
            return isinstance(x, pyqir.IntType) and isinstance(y, pyqir.IntType) and x.width == y.width
        if isinstance(x, pyqir.PointerType) or isinstance(y, pyqir.PointerType):
            return isinstance(x, pyqir.PointerType) and isinstance(y, pyqir.PointerType)
        return x.is_void == y.is_void and x.is_double == y.is_double and (x.is_void or x.is_double)

    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))


def _is_undef(v: pyqir.Value) -> bool:
    return (isinstance(v, pyqir.Constant) and not isinstance(v, (pyqir.IntConstant, pyqir.FloatConstant))
            and _text(v).endswith(("undef", "poison")))


def _i64(v: int) -> int:
    return (v + 2**63) % 2**64 - 2**63


def _zero(t: str) -> ir.Const:
    return ir.Const({ir.BOOL: False, ir.INT: 0, ir.FLOAT: 0.0}[t], t)


def _shape_text(shape: object) -> str:
    return "nothing" if shape is None else str(shape)

