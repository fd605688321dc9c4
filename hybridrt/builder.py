"""An incremental builder of IR programs: fresh registers, blocks, and a final clean-up."""

from __future__ import annotations

from . import ir
from .errors import Loc


class Builder:
    """Appends instructions to a current block; ``finish`` drops unreachable blocks and verifies."""

    def __init__(self, name: str, source: str):
        self.name = name
        self.source = source
        self.regs: dict[str, ir.Reg] = {}
        self.params: list[ir.Reg] = []
        self.num_qubits = 0
        self.blocks: dict[str, ir.Block] = {}
        self._order: list[str] = []
        self._names: set[str] = set()  # every register name and block label handed out
        self._counter = 0
        self.label: str | None = None
        self._instrs: list[ir.Instr] = []
        self.start(self.new_label("entry"))

    # registers and labels
    def fresh_name(self, hint: str) -> str:
        name = hint
        while name in self._names:
            self._counter += 1
            name = f"{hint}.{self._counter}"
        self._names.add(name)
        return name

    def reg(self, hint: str, type: ir.Type) -> ir.Reg:
        r = ir.Reg(self.fresh_name(hint), type)
        self.regs[r.name] = r
        return r

    def param(self, name: str, type: ir.Type) -> ir.Reg:
        r = self.reg(name, type)
        self.params.append(r)
        return r

    def new_label(self, hint: str) -> str:
        label = self.fresh_name(hint)
        self._order.append(label)
        return label

    def allocate_qubits(self, n: int) -> int:
        base = self.num_qubits
        self.num_qubits += n
        return base

    # blocks
    @property
    def reachable(self) -> bool:
        return self.label is not None

    def start(self, label: str) -> None:
        """Continue emitting into block ``label`` (the current block must be terminated)."""
        self.label = label
        self._instrs = []

    def emit(self, instr: ir.Instr) -> None:
        if self.label is None:  # code after return/break/continue: lower it into a dead block
            self.start(self.new_label("dead"))
        self._instrs.append(instr)

    def terminate(self, term: ir.Terminator) -> None:
        if self.label is None:
            self.start(self.new_label("dead"))
        assert self.label is not None
        self.blocks[self.label] = ir.Block(self.label, tuple(self._instrs), term)
        self.label = None
        self._instrs = []

    def jump(self, target: str, loc: Loc | None = None) -> None:
        self.terminate(ir.Jump(target, loc))

    def finish(self, returns: ir.ReturnType) -> ir.Program:
        """The verified program with only the blocks reachable from the entry, in creation order."""
        reachable, work = set(), [self._order[0]]
        while work:
            label = work.pop()
            if label in reachable:
                continue
            reachable.add(label)
            work.extend(ir.successors(self.blocks[label].terminator))
        blocks = tuple(self.blocks[label] for label in self._order if label in reachable)
        params = {r.name for r in self.params}
        used = _used_registers(blocks)
        regs = tuple(r for name, r in self.regs.items() if name not in params and name in used)
        return ir.verify(ir.Program(self.name, tuple(self.params), regs, self.num_qubits, blocks,
                                    returns, self.source))


def _used_registers(blocks: tuple[ir.Block, ...]) -> set[str]:
    used: set[str] = set()
    for b in blocks:
        for node in (*b.instrs, b.terminator):
            for value in vars(node).values():
                for v in value if isinstance(value, tuple) else (value,):
                    if isinstance(v, ir.Reg):
                        used.add(v.name)
    return used
