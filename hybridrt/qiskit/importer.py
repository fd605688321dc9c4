"""``from_qiskit``: a Qiskit ``QuantumCircuit`` with dynamic-circuit control flow -> a kernel on the engine.

Standard gates map to the engine's gates; any other gate or instruction is expanded
through its ``definition`` (recursively), a gate known only by its matrix through a
synthesised one.  ``measure``, ``reset``, ``store``, ``if_else``,
``while_loop``, ``for_loop``, ``switch_case``, ``break_loop``, ``continue_loop`` and
``box`` run as written; ``barrier``, ``delay`` and ``id`` are ignored.  Each clbit is a bool
register, each standalone ``Var`` a register of its type (see ``expressions``).  Free
circuit parameters become the kernel's float parameters (in ``circuit.parameters``
order), followed by the circuit's input variables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qiskit import QuantumCircuit
from qiskit.circuit import CircuitError, CircuitInstruction, Clbit, Gate, Parameter, Qubit
from qiskit.circuit.classical import expr
from qiskit.circuit.controlflow import CASE_DEFAULT
from qiskit.circuit.library import UnitaryGate, get_standard_gate_name_mapping

from .. import ir
from ..builder import Builder
from ..errors import TargetError
from .circuit_kernel import CircuitKernel, Layout
from .expressions import Classical, _identifier, ir_type

_ENGINE_GATES = frozenset(ir.GATES)
_IGNORED = frozenset(("barrier", "delay", "id"))  # no effect on the state
_MAX_DEFINITION_DEPTH = 64


def from_qiskit(circuit: QuantumCircuit, parameters: Mapping[Any, float] | Sequence[float] | None = None,
                name: str | None = None) -> CircuitKernel:
    """The kernel of ``circuit``; ``k.run(*parameter values, shots=, seed=).counts()`` counts as Qiskit does.

    ``parameters`` binds circuit parameters now (as ``circuit.assign_parameters`` takes them);
    the ones left free are the kernel's float arguments, in ``circuit.parameters`` order.

    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(2, 2)
    >>> _ = qc.h(0); _ = qc.measure(0, 0)
    >>> with qc.if_test((qc.clbits[0], 1)):
    ...     _ = qc.x(1)
    >>> _ = qc.measure(1, 1)
    >>> k = from_qiskit(qc)
    >>> {key: round(p, 12) for key, p in k.distribution().items()}
    {'00': 0.5, '11': 0.5}
    """
    if not isinstance(circuit, QuantumCircuit):
        raise TypeError(f"from_qiskit expects a qiskit QuantumCircuit, got {type(circuit).__name__}")
    if parameters is not None:
        circuit = circuit.assign_parameters(parameters, inplace=False)
    program, layout = _Importer(circuit, name or circuit.name).run()
    k = CircuitKernel.from_ir(program)
    k.layout = layout
    return k


@dataclass
class _Scope:
    """How one (sub)circuit's bits and parameters map onto the program's qubits, registers and operands."""

    qubits: dict[Qubit, int]
    clbits: dict[Clbit, ir.Reg]
    params: dict[Parameter, ir.Operand]
    where: str
    loops: list[tuple[str, str]] = field(default_factory=list)  # (continue label, break label)


class _Importer:
    def __init__(self, circuit: QuantumCircuit, name: str):
        self.circuit = circuit
        self.b = Builder(_identifier(name), f"<qiskit circuit {circuit.name!r}>")
        self.standard = get_standard_gate_name_mapping()
        self.scope: _Scope | None = None
        self.vars: dict[expr.Var, ir.Reg] = {}
        self.c = Classical(self.b, self._clbit, self.vars, lambda: self._scope().params)

    def _scope(self) -> _Scope:
        assert self.scope is not None
        return self.scope

    def _clbit(self, bit: Clbit) -> ir.Reg:
        clbits = self._scope().clbits
        if bit not in clbits:
            raise TargetError(f"{self.c.where}: a classical bit outside the circuit is used")
        return clbits[bit]

    def run(self) -> tuple[ir.Program, Layout]:
        qc = self.circuit
        params: dict[Parameter, ir.Operand] = {p: self.b.param(_identifier(p.name), ir.FLOAT) for p in qc.parameters}
        for v in qc.iter_input_vars():
            self.vars[v] = self.b.param(_identifier(v.name), ir_type(v.type, f"circuit {qc.name!r}: input {v.name}"))
        used = {q for inst in qc.data if inst.operation.name not in _IGNORED for q in inst.qubits}
        qubits = {q: k for k, q in enumerate(q for q in qc.qubits if q in used)}
        self.b.allocate_qubits(len(qubits))
        clbits = {c: self.b.reg(_clbit_name(qc, c), ir.BOOL) for c in qc.clbits}
        self.emit(qc, _Scope(qubits, clbits, params, f"circuit {qc.name!r}"))
        declared = list(qc.iter_declared_vars())
        for v in declared:
            self.c.var_reg(v)  # a variable declared but never stored still has a value
        values: list[ir.Operand] = []
        for creg in qc.cregs:
            array = self.b.reg(_identifier(creg.name), ir.ArrayType(ir.BOOL, len(creg)))
            for i, bit in enumerate(creg):
                self.b.emit(ir.Store(array, ir.Const(i, ir.INT), clbits[bit]))
            values.append(array)
        values += [self.vars[v] for v in declared]
        self.b.terminate(ir.Return(tuple(values)))
        returns = ir.TupleType(tuple(v.type for v in values))
        layout = Layout(tuple((creg.name, len(creg)) for creg in qc.cregs), tuple(v.name for v in declared))
        return self.b.finish(returns), layout

    # -- circuits and instructions
    def emit(self, circuit: QuantumCircuit, scope: _Scope, depth: int = 0) -> None:
        outer, self.scope = self.scope, scope
        try:
            for k, inst in enumerate(circuit.data):
                self.c.where = f"{scope.where}, instruction {k} ({inst.operation.name!r})"
                self.instruction(inst, scope, depth)
        finally:
            self.scope = outer

    def _sub_scope(self, body: QuantumCircuit, inst: CircuitInstruction, scope: _Scope, where: str,
                   params: dict[Parameter, ir.Operand] | None = None) -> _Scope:
        qubits = {q: scope.qubits[o] for q, o in zip(body.qubits, inst.qubits)}
        clbits = {c: scope.clbits[o] for c, o in zip(body.clbits, inst.clbits)}
        return _Scope(qubits, clbits, scope.params if params is None else params, where, scope.loops)

    def instruction(self, inst: CircuitInstruction, scope: _Scope, depth: int) -> None:
        op, name, b = inst.operation, inst.operation.name, self.b
        where = self.c.where
        if name in _IGNORED:
            return
        qubits = [ir.Const(scope.qubits[q], ir.QUBIT) for q in inst.qubits]
        if name == "measure":
            b.emit(ir.Measure(scope.clbits[inst.clbits[0]], qubits[0]))
        elif name == "reset":
            b.emit(ir.Reset(qubits[0]))
        elif name == "store":
            self.c.store(op.lvalue, op.rvalue)
        elif name in ("if_else", "while_loop", "for_loop", "switch_case", "box"):
            getattr(self, "_" + name)(op, inst, scope, depth)
        elif name in ("break_loop", "continue_loop"):
            if not scope.loops:
                raise TargetError(f"{where}: {name} outside a loop")
            cont, brk = scope.loops[-1]
            b.jump(brk if name == "break_loop" else cont)
        elif self._is_engine_gate(op):
            b.emit(ir.Gate(name, tuple(qubits), tuple(self.c.angle(p) for p in op.params)))
        else:
            self._definition(op, inst, scope, depth, where)

    def _is_engine_gate(self, op: Any) -> bool:
        if op.name not in _ENGINE_GATES or op.name not in self.standard:
            return False
        if op.base_class is not self.standard[op.name].base_class:
            return False  # a custom gate that only shares a standard name
        ctrl = getattr(op, "ctrl_state", None)
        return ctrl is None or ctrl == (1 << op.num_ctrl_qubits) - 1

    def _definition(self, op: Any, inst: CircuitInstruction, scope: _Scope, depth: int, where: str) -> None:
        try:
            definition = op.definition
            if definition is None and isinstance(op, Gate):  # a gate known by its matrix only: synthesise it
                definition = UnitaryGate(op.to_matrix()).definition
        except CircuitError:
            definition = None  # a gate with neither a definition nor a matrix
        except Exception as e:  # noqa: BLE001 (qiskit raises many kinds while synthesising a definition)
            raise TargetError(f"{where}: cannot expand instruction {op.name!r}: {e}") from None
        if definition is None:
            raise TargetError(f"{where}: instruction {op.name!r} ({type(op).__name__}) is not a standard gate "
                              "and has neither a definition nor a matrix, so hybridrt cannot run it")
        if depth >= _MAX_DEFINITION_DEPTH:
            raise TargetError(f"{where}: the definition of {op.name!r} nests more than "
                              f"{_MAX_DEFINITION_DEPTH} levels deep")
        self.emit(definition, self._sub_scope(definition, inst, scope, f"{where} > definition"), depth + 1)

    # -- control flow
    def _body(self, body: QuantumCircuit, inst: CircuitInstruction, scope: _Scope, where: str, depth: int,
              params: dict[Parameter, ir.Operand] | None = None) -> None:
        self.emit(body, self._sub_scope(body, inst, scope, where, params), depth)

    def _if_else(self, op: Any, inst: CircuitInstruction, scope: _Scope, depth: int) -> None:
        b, where = self.b, self.c.where
        cond = self.c.condition(op.condition)
        then, other, end = b.new_label("if.then"), b.new_label("if.else"), b.new_label("if.end")
        b.terminate(ir.Branch(cond, then, other))
        b.start(then)
        self._body(op.blocks[0], inst, scope, f"{where} > true body", depth)
        b.jump(end)
        b.start(other)
        if len(op.blocks) > 1 and op.blocks[1] is not None:
            self._body(op.blocks[1], inst, scope, f"{where} > false body", depth)
        b.jump(end)
        b.start(end)

    def _while_loop(self, op: Any, inst: CircuitInstruction, scope: _Scope, depth: int) -> None:
        b, where = self.b, self.c.where
        head, body, end = b.new_label("while"), b.new_label("while.body"), b.new_label("while.end")
        b.jump(head)
        b.start(head)
        self.c.where = f"{where} > condition"
        b.terminate(ir.Branch(self.c.condition(op.condition), body, end))
        b.start(body)
        scope.loops.append((head, end))
        try:
            self._body(op.blocks[0], inst, scope, f"{where} > body", depth)
        finally:
            scope.loops.pop()
        b.jump(head)
        b.start(end)

    def _for_loop(self, op: Any, inst: CircuitInstruction, scope: _Scope, depth: int) -> None:
        b, e, where = self.b, self.c.e, self.c.where
        indexset, loop_param, body_circuit = op.params
        counter = b.reg("for.k", ir.INT)
        b.emit(ir.Copy(counter, ir.Const(0, ir.INT)))
        if not isinstance(indexset, range):  # the values in a table, the loop runs over their positions
            table = b.reg("for.values", ir.ArrayType(ir.INT, len(indexset)))
            for k, v in enumerate(indexset):
                b.emit(ir.Store(table, ir.Const(k, ir.INT), ir.Const(int(v), ir.INT)))
        head, body, step, end = (b.new_label(h) for h in ("for", "for.body", "for.step", "for.end"))
        b.jump(head)
        b.start(head)
        b.terminate(ir.Branch(e.binary("lt", counter, ir.Const(len(indexset), ir.INT)), body, end))
        b.start(body)
        params = scope.params
        if loop_param is not None:
            if isinstance(indexset, range):
                value = e.binary("add", ir.Const(indexset.start, ir.INT),
                                 e.binary("mul", counter, ir.Const(indexset.step, ir.INT)))
            else:
                value = b.reg("for.value", ir.INT)
                b.emit(ir.Load(value, table, counter))
            angle = b.reg(_identifier(loop_param.name), ir.FLOAT)
            b.emit(ir.Unary(angle, "int_to_float", value))
            params = {**params, loop_param: angle}
        scope.loops.append((step, end))
        try:
            self._body(body_circuit, inst, scope, f"{where} > body", depth, params)
        finally:
            scope.loops.pop()
        b.jump(step)
        b.start(step)
        b.emit(ir.Binary(counter, "add", counter, ir.Const(1, ir.INT)))
        b.jump(head)
        b.start(end)

    def _switch_case(self, op: Any, inst: CircuitInstruction, scope: _Scope, depth: int) -> None:
        b, e, c, where = self.b, self.c.e, self.c, self.c.where
        target = op.target
        if isinstance(target, expr.Expr):
            value = c.value(target)
        elif isinstance(target, Clbit):
            value = c.clbit(target)
        else:
            value = e.from_bits(c.register_bits(target))
        if not isinstance(value, ir.Const):  # evaluate once, before any case runs
            held = b.reg("switch", value.type)  # type: ignore[arg-type]
            b.emit(ir.Copy(held, value))
            value = held
        end = b.new_label("switch.end")
        default = None
        for k, (labels, body) in enumerate(op.cases_specifier()):
            if any(v is CASE_DEFAULT for v in labels):
                default = (k, body)
                continue
            hit: ir.Operand = ir.Const(False, ir.BOOL)
            for v in labels:
                const = ir.Const(bool(v), ir.BOOL) if value.type == ir.BOOL else ir.Const(int(v), ir.INT)
                hit = e.binary("or", hit, e.binary("eq", value, const))
            yes, no = b.new_label("case"), b.new_label("case.next")
            b.terminate(ir.Branch(hit, yes, no))
            b.start(yes)
            self._body(body, inst, scope, f"{where} > case {k}", depth)
            b.jump(end)
            b.start(no)
        if default is not None:
            self._body(default[1], inst, scope, f"{where} > case {default[0]} (default)", depth)
        b.jump(end)
        b.start(end)

    def _box(self, op: Any, inst: CircuitInstruction, scope: _Scope, depth: int) -> None:
        self._body(op.blocks[0], inst, scope, f"{self.c.where} > box", depth)


def _clbit_name(circuit: QuantumCircuit, bit: Clbit) -> str:
    regs = circuit.find_bit(bit).registers
    return _identifier(f"{regs[0][0].name}_{regs[0][1]}") if regs else "clbit"
