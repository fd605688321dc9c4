"""The IR's canonical text form: ``format_program`` and its inverse ``parse_program``.

Example::

    kernel flip(%theta: float) -> bool
    source "flip.py"
    qubits 1
    reg %m: bool
    entry:
      gate ry(%theta) q0 !4:4
      %m = mz q0 !5:8
      ret %m
"""

from __future__ import annotations

import json
import re

from . import ir
from .errors import InternalError, Loc

# ---------------------------------------------------------------- format


def _type_text(t: ir.Type | ir.TupleType | None) -> str:
    return "none" if t is None else str(t)


def _loc_text(loc: Loc | None, source: str) -> str:
    if loc is None:
        return ""
    where = f"{loc.line}:{loc.col}" if loc.file == source else f"{json.dumps(loc.file)}:{loc.line}:{loc.col}"
    return f" !{where}"


def _instr_text(i: ir.Instr | ir.Terminator) -> str:
    j = ", ".join
    if isinstance(i, ir.Copy):
        return f"{i.dest} = copy {i.src}"
    if isinstance(i, ir.Unary):
        return f"{i.dest} = {i.op} {i.a}"
    if isinstance(i, ir.Binary):
        return f"{i.dest} = {i.op} {i.a}, {i.b}"
    if isinstance(i, ir.Gate):
        params = f"({j(map(str, i.params))})" if i.params else ""
        return f"gate {i.name}{params} {j(map(str, i.qubits))}"
    if isinstance(i, ir.Measure):
        return f"{i.dest} = mz {i.qubit}"
    if isinstance(i, ir.Reset):
        return f"reset {i.qubit}"
    if isinstance(i, ir.QubitAt):
        return f"{i.dest} = qubit_at {i.base}, {i.step}, {i.length}, {i.index}"
    if isinstance(i, ir.Load):
        return f"{i.dest} = load {i.array}, {i.index}"
    if isinstance(i, ir.Store):
        return f"store {i.array}, {i.index}, {i.value}"
    if isinstance(i, ir.Jump):
        return f"jump {i.target}"
    if isinstance(i, ir.Branch):
        return f"branch {i.cond}, {i.if_true}, {i.if_false}"
    if isinstance(i, ir.Return):
        return "ret" + (" " + j(map(str, i.values)) if i.values else "")
    raise InternalError(f"cannot format {i!r}")


def format_program(p: ir.Program) -> str:
    """The canonical text of ``p`` (``parse_program`` reads it back to an equal program)."""
    params = ", ".join(f"{r}: {r.type}" for r in p.params)
    lines = [
        f"kernel {p.name}({params}) -> {_type_text(p.returns)}",
        f"source {json.dumps(p.source)}",
        f"qubits {p.num_qubits}",
    ]
    lines += [f"reg {r}: {r.type}" for r in p.regs]
    for b in p.blocks:
        lines.append(f"{b.label}:")
        for i in (*b.instrs, b.terminator):
            lines.append(f"  {_instr_text(i)}{_loc_text(i.loc, p.source)}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- parse

_LOC = re.compile(r'\s+!(?:("(?:[^"\\]|\\.)*"):)?(\d+):(\d+)$')
_ARRAY = re.compile(r"^(bool|int|float)\[(\d+)\]$")


class _Parser:
    def __init__(self, text: str):
        self.lines = [ln for ln in text.splitlines() if ln.strip()]
        self.n = 0
        self.types: dict[str, ir.Type] = {}
        self.source = "<unknown>"

    def fail(self, msg: str) -> None:
        raise InternalError(f"IR text line {self.n}: {msg}")

    def type(self, text: str) -> ir.Type:
        text = text.strip()
        if text in ir.SCALAR_TYPES:
            return text
        m = _ARRAY.match(text)
        if not m:
            self.fail(f"unknown type {text!r}")
        return ir.ArrayType(m.group(1), int(m.group(2)))

    def return_type(self, text: str) -> ir.ReturnType:
        text = text.strip()
        if text == "none":
            return None
        if text.startswith("("):
            inner = text[1:-1].strip()
            return ir.TupleType(tuple(self.type(t) for t in inner.split(",") if t.strip()))
        return self.type(text)

    def operand(self, text: str) -> ir.Operand:
        text = text.strip()
        if text.startswith("%"):
            name = text[1:]
            if name not in self.types:
                self.fail(f"undeclared register {text}")
            return ir.Reg(name, self.types[name])
        if text in ("true", "false"):
            return ir.Const(text == "true", ir.BOOL)
        if re.fullmatch(r"q\d+", text):
            return ir.Const(int(text[1:]), ir.QUBIT)
        if re.fullmatch(r"-?\d+", text):
            return ir.Const(int(text), ir.INT)
        try:
            return ir.Const(float(text), ir.FLOAT)
        except ValueError:
            self.fail(f"bad operand {text!r}")
            raise

    def operands(self, text: str) -> tuple[ir.Operand, ...]:
        return tuple(self.operand(t) for t in text.split(",")) if text.strip() else ()

    def reg(self, text: str) -> ir.Reg:
        op = self.operand(text)
        if not isinstance(op, ir.Reg):
            self.fail(f"expected a register, got {text!r}")
        return op  # type: ignore[return-value]

    def loc(self, line: str) -> tuple[str, Loc | None]:
        m = _LOC.search(line)
        if not m:
            return line, None
        file = json.loads(m.group(1)) if m.group(1) else self.source
        return line[: m.start()], Loc(file, int(m.group(2)), int(m.group(3)))

    def instr(self, text: str, loc: Loc | None) -> ir.Instr | ir.Terminator:
        text = text.strip()
        word, _, rest = text.partition(" ")
        if word == "gate":
            m = re.fullmatch(r"(\w+)(?:\((.*)\))?\s+(.*)", rest)
            if not m:
                self.fail(f"bad gate {text!r}")
            return ir.Gate(m.group(1), self.operands(m.group(3)), self.operands(m.group(2) or ""), loc)
        if word == "reset":
            return ir.Reset(self.operand(rest), loc)
        if word == "store":
            a, i, v = self.operands(rest)
            return ir.Store(a, i, v, loc)  # type: ignore[arg-type]
        if word == "jump":
            return ir.Jump(rest.strip(), loc)
        if word == "branch":
            c, t, f = (s.strip() for s in rest.split(","))
            return ir.Branch(self.operand(c), t, f, loc)
        if word == "ret":
            return ir.Return(self.operands(rest), loc)
        dest_text, eq, rhs = text.partition("=")
        if not eq:
            self.fail(f"cannot read {text!r}")
        dest = self.reg(dest_text)
        op, _, args = rhs.strip().partition(" ")
        if op == "copy":
            return ir.Copy(dest, self.operand(args), loc)
        if op == "mz":
            return ir.Measure(dest, self.operand(args), loc)
        if op == "load":
            a, i = self.operands(args)
            return ir.Load(dest, a, i, loc)  # type: ignore[arg-type]
        if op == "qubit_at":
            base, step, length, idx = (s.strip() for s in args.split(","))
            return ir.QubitAt(dest, int(base), int(step), int(length), self.operand(idx), loc)
        if op in ir.UNARY_OPS:
            return ir.Unary(dest, op, self.operand(args), loc)
        if op in ir.BINARY_OPS:
            a, b = self.operands(args)
            return ir.Binary(dest, op, a, b, loc)
        self.fail(f"unknown operation {op!r}")
        raise AssertionError

    def program(self) -> ir.Program:
        m = re.fullmatch(r"kernel (\w+)\((.*)\) -> (.*)", self.lines[0].strip())
        if not m:
            self.fail("expected 'kernel NAME(...) -> TYPE'")
        params = []
        for ptext in filter(str.strip, re.split(r",(?![^\[]*\])", m.group(2))):
            name, _, t = ptext.partition(":")
            r = ir.Reg(name.strip().lstrip("%"), self.type(t))
            self.types[r.name] = r.type
            params.append(r)
        returns = self.return_type(m.group(3))
        self.n = 1
        if self.lines[1].startswith("source "):
            self.source = json.loads(self.lines[1][len("source "):])
            self.n = 2
        qm = re.fullmatch(r"qubits (\d+)", self.lines[self.n].strip())
        if not qm:
            self.fail("expected 'qubits N'")
        num_qubits = int(qm.group(1))
        self.n += 1
        regs = []
        while self.n < len(self.lines) and self.lines[self.n].startswith("reg "):
            name, _, t = self.lines[self.n][4:].partition(":")
            r = ir.Reg(name.strip().lstrip("%"), self.type(t))
            self.types[r.name] = r.type
            regs.append(r)
            self.n += 1
        blocks: list[ir.Block] = []
        label, instrs = None, []
        for self.n in range(self.n, len(self.lines)):
            line = self.lines[self.n]
            if not line.startswith(" "):
                label, instrs = line.strip().rstrip(":"), []
                continue
            body, loc = self.loc(line)
            i = self.instr(body, loc)
            if isinstance(i, (ir.Jump, ir.Branch, ir.Return)):
                if label is None:
                    self.fail("instruction outside a block")
                blocks.append(ir.Block(label, tuple(instrs), i))
                label = None
            else:
                instrs.append(i)
        if label is not None:
            self.fail(f"block {label} has no terminator")
        return ir.Program(m.group(1), tuple(params), tuple(regs), num_qubits, tuple(blocks), returns, self.source)


def parse_program(text: str) -> ir.Program:
    """Read the canonical text form back into a verified :class:`~hybridrt.ir.Program`."""
    return ir.verify(_Parser(text).program())
