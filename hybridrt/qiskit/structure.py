"""Structured control flow from an IR CFG: nested ``If``s, infinite ``Loop``s with ``Break``/``Continue``.

Qiskit (like most circuit languages) has no ``goto``: ``structure`` turns a reducible CFG
into a tree.  A branch's arms run until the branch's immediate post-dominator within the
enclosing loop (arms that leave the loop end with ``Break``/``Continue`` or a ``Ret``).  A
loop (a natural loop of the CFG) becomes ``Loop(body)``; a jump out of it is a ``Break``,
and when it has several exits, the exit taken is recorded in a synthetic int register
and dispatched on after the loop.  Blocks reached along several paths are duplicated.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from .. import ir
from ..errors import TargetError


@dataclass
class Straight:
    """Instructions run in order."""

    instrs: list[ir.Instr]


@dataclass
class If:
    cond: ir.Operand
    then: list[Node]
    orelse: list[Node]
    loc: ir.Loc | None = None


@dataclass
class Loop:
    """``while True: body``; it ends only through a ``Break`` (or never)."""

    body: list[Node]


@dataclass
class Break:
    pass


@dataclass
class Continue:
    pass


@dataclass
class Ret:
    values: tuple[ir.Operand, ...]
    loc: ir.Loc | None = None


Node = Straight | If | Loop | Break | Continue | Ret
_EXIT = "\0exit"


def _dominates(idom: dict[Hashable, Hashable], a: Hashable, b: Hashable) -> bool:
    while True:
        if a == b:
            return True
        if idom[b] == b:
            return False
        b = idom[b]


@dataclass
class _LoopInfo:
    header: str
    body: set[str]
    exits: list[str]


@dataclass
class _Ctx:
    loop: _LoopInfo | None = None
    selector: ir.Reg | None = None
    stop: str | None = None
    joins: dict[str, str | None] = field(default_factory=dict)


class _Structurer:
    def __init__(self, p: ir.Program, max_nodes: int):
        self.p = p
        self.blocks = {b.label: b for b in p.blocks}
        self.order = {b.label: k for k, b in enumerate(p.blocks)}
        self.succ = {b.label: ir.successors(b.terminator) for b in p.blocks}
        self.preds: dict[str, list[str]] = {b.label: [] for b in p.blocks}
        for label, targets in self.succ.items():
            for t in dict.fromkeys(targets):
                self.preds[t].append(label)
        self.budget = max_nodes
        entry = p.blocks[0].label
        idom = ir.immediate_dominators(self.succ.__getitem__, entry)
        order = ir.postorder(self.succ.__getitem__, entry)
        position = {n: k for k, n in enumerate(order)}
        self.loops: dict[str, _LoopInfo] = {}
        for u in order:
            for h in self.succ[u]:
                if position[h] < position[u]:
                    continue
                if not _dominates(idom, h, u):  # a retreating edge that is no back edge: a loop with two entries
                    raise TargetError(f"kernel {p.name!r} has control flow that is not nested loops and branches "
                                      "(an irreducible CFG), which has no structured form")
                self._add_loop(h, u)
        for info in self.loops.values():
            info.exits = sorted({s for n in info.body for s in self.succ[n] if s not in info.body},
                                key=self.order.__getitem__)
        self._selectors = 0

    def _add_loop(self, header: str, latch: str) -> None:
        info = self.loops.setdefault(header, _LoopInfo(header, {header}, []))
        work = [latch]
        while work:
            n = work.pop()
            if n not in info.body:
                info.body.add(n)
                work.extend(self.preds[n])

    def _spend(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise TargetError(f"kernel {self.p.name!r}: its structured form grows too large (branches that "
                              "rejoin in complicated ways are duplicated)")

    def _join(self, label: str, ctx: _Ctx) -> str | None:
        """The immediate post-dominator of ``label`` within the current loop body (None: none there)."""
        if label not in ctx.joins:
            region = ctx.loop.body if ctx.loop else set(self.blocks)
            header = ctx.loop.header if ctx.loop else None

            def rsucc(n: Hashable) -> list[Hashable]:  # the reversed region graph, from a virtual exit
                if n == _EXIT:
                    return [m for m in region if any(s not in region or s == header for s in self.succ[m])
                            or not self.succ[m]]
                return [] if n == header else [m for m in self.preds[n] if m in region]

            ipdom = ir.immediate_dominators(rsucc, _EXIT)
            for n in region:
                j = ipdom.get(n, _EXIT)
                ctx.joins[n] = None if j == _EXIT else j  # type: ignore[assignment]
        return ctx.joins[label]

    def seq(self, label: str | None, ctx: _Ctx, entering: bool = False) -> list[Node]:
        out: list[Node] = []
        while label is not None:
            self._spend()
            if label == ctx.stop:
                return out
            if ctx.loop is not None and not entering:
                if label == ctx.loop.header:
                    out.append(Continue())
                    return out
                if label not in ctx.loop.body:
                    out += self._exit(label, ctx)
                    return out
            if label in self.loops and not entering:
                nodes, label = self._loop(label, ctx)
                out += nodes
                continue
            entering = False
            b = self.blocks[label]
            if b.instrs:
                out.append(Straight(list(b.instrs)))
            t = b.terminator
            if isinstance(t, ir.Return):
                out.append(Ret(t.values, t.loc))
                return out
            if isinstance(t, ir.Jump):
                label = t.target
                continue
            join = self._join(label, ctx)
            arms = _Ctx(ctx.loop, ctx.selector, join, ctx.joins)
            out.append(If(t.cond, self.seq(t.if_true, arms), self.seq(t.if_false, arms), t.loc))
            label = join
        return out

    def _exit(self, label: str, ctx: _Ctx) -> list[Node]:
        assert ctx.loop is not None
        if ctx.selector is None:
            return [Break()]
        k = ctx.loop.exits.index(label)
        return [Straight([ir.Copy(ctx.selector, ir.Const(k, ir.INT))]), Break()]

    def _loop(self, header: str, ctx: _Ctx) -> tuple[list[Node], str | None]:
        """The loop at ``header`` and where control goes after it (None: nowhere, or dispatched already)."""
        info = self.loops[header]
        selector = None
        if len(info.exits) > 1:
            selector = ir.Reg(f"loop.exit.{self._selectors}", ir.INT)
            self._selectors += 1
        body = self.seq(header, _Ctx(info, selector, None, {}), entering=True)
        if body and isinstance(body[-1], Continue):
            body.pop()
        nodes: list[Node] = [Loop(body)]
        if selector is None:
            return nodes, (info.exits[0] if info.exits else None)
        dispatch: list[Node] = self.seq(info.exits[-1], ctx)
        for k in reversed(range(len(info.exits) - 1)):
            hit = ir.Reg(f"{selector.name}.is{k}", ir.BOOL)
            dispatch = [Straight([ir.Binary(hit, "eq", selector, ir.Const(k, ir.INT))]),
                        If(hit, self.seq(info.exits[k], ctx), dispatch)]
        return nodes + dispatch, None


def structure(program: ir.Program, max_nodes: int = 100_000) -> list[Node]:
    """The structured form of ``program`` (raises ``TargetError`` for an irreducible CFG or a blow-up).

    >>> from hybridrt import ir_text
    >>> p = ir_text.parse_program('''
    ... kernel k() -> bool
    ... qubits 1
    ... reg %m: bool
    ... entry:
    ...   jump loop
    ... loop:
    ...   gate h q0
    ...   %m = mz q0
    ...   branch %m, done, loop
    ... done:
    ...   ret %m
    ... ''')
    >>> [type(n).__name__ for n in structure(p)]
    ['Loop', 'Ret']
    """
    return _Structurer(program, max_nodes).seq(program.blocks[0].label, _Ctx())
