"""Structured control flow recovered from an IR program's CFG, shared by the Q# and Qiskit emitters.

``structure(program)`` turns the blocks of a program into a tree of statements
that a language without ``goto`` can write down: :class:`If`, :class:`Loop`
(``while true``, left by :class:`Break`), :class:`Continue` and :class:`Ret`.
Loops are the natural loops of the (reducible) CFG; the code after an
``if`` starts at its *follow*, the merge block it immediately dominates (the
latest one, as in Cifuentes' structuring); a branch without one runs each arm
to the end of the enclosing region.  An exit of a loop other than the one
after it runs its code inside the loop, then breaks (an exit out of several
loops at once must end in returns).  A return that is not the program's last
statement sets a flag, and the code it must skip is wrapped in :class:`Guard`
(or left by :class:`BreakIfReturned` inside a loop).  Where no such structure
exists (an irreducible CFG, a multi-level ``break`` or ``continue``, or more
code duplication than :data:`MAX_GROWTH` allows) the whole program becomes
one loop over a block-number state machine.

>>> import hybridrt as hr
>>> from hybridrt import qubit, h, mz
>>> @hr.kernel
... def coin() -> int:
...     q = qubit()
...     h(q)
...     return 1 if mz(q) else 0
>>> [type(s).__name__ for s in structure(coin.ir)]
['Do', 'Do', 'If', 'Ret']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hybridrt import ir

#: a structured program may hold at most this many times the original instructions (duplicated arms)
MAX_GROWTH = 4


@dataclass(frozen=True)
class Do:
    """One IR instruction: ``block`` and ``index`` say where it is in the program."""

    instr: ir.Instr
    block: str
    index: int


@dataclass(frozen=True)
class StateIs:
    """The condition ``state == value`` of the state-machine form."""

    value: int


@dataclass(frozen=True)
class Not:
    """The negation of a condition."""

    cond: Cond


Cond = ir.Operand | StateIs | Not


@dataclass(frozen=True)
class If:
    """``if cond {then} else {orelse}``; ``loc`` is the source location of the IR branch (None if made up)."""

    cond: Cond
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]
    loc: ir.Loc | None = None


@dataclass(frozen=True)
class Loop:
    """``while true {body}``: left by :class:`Break` (or a flagged return)."""

    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Break:
    """Leave the innermost loop."""


@dataclass(frozen=True)
class Continue:
    """Start the next iteration of the innermost loop."""


@dataclass(frozen=True)
class Ret:
    """Return ``values`` (set the result; the code that follows is skipped by guards or breaks)."""

    values: tuple[ir.Operand, ...]
    loc: ir.Loc | None = None


@dataclass(frozen=True)
class Guard:
    """``if not returned {body}``: the rest of a region that a return earlier in it must skip."""

    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class BreakIfReturned:
    """``if returned { break; }`` after an inner loop that returned."""


@dataclass(frozen=True)
class SetState:
    """``state = value`` in the state-machine form (-1 leaves the machine)."""

    value: int


Stmt = Do | If | Loop | Break | Continue | Ret | Guard | BreakIfReturned | SetState


def structure(program: ir.Program) -> tuple[Stmt, ...]:
    """The program's body as structured statements (the state-machine form where no structure is found)."""
    try:
        body = _Structurer(program).run()
    except _Unstructured:
        body = state_machine(program)
    return tidy(seal(body, in_loop=False))


def state_machine(program: ir.Program) -> tuple[Stmt, ...]:
    """The program as one loop that runs block number ``state`` (starting at 0) until a return sets it to -1."""
    order = {b.label: k for k, b in enumerate(program.blocks)}
    cases: tuple[Stmt, ...] = ()
    for b in reversed(program.blocks):
        code: list[Stmt] = [Do(i, b.label, k) for k, i in enumerate(b.instrs)]
        t = b.terminator
        if isinstance(t, ir.Return):
            code += [Ret(t.values, t.loc), SetState(-1)]
        elif isinstance(t, ir.Jump):
            code.append(SetState(order[t.target]))
        else:
            code.append(If(t.cond, (SetState(order[t.if_true]),), (SetState(order[t.if_false]),), t.loc))
        cases = (If(StateIs(order[b.label]), tuple(code), cases),)
    return (Loop((If(StateIs(-1), (Break(),), ()), *cases)),)


# ---------------------------------------------------------------- clean-up passes


def walk(stmts: tuple[Stmt, ...]) -> Iterator[Stmt]:
    """Every statement in ``stmts`` at any depth, in textual order."""
    for s in stmts:
        yield s
        if isinstance(s, If):
            yield from walk(s.then)
            yield from walk(s.orelse)
        elif isinstance(s, (Loop, Guard)):
            yield from walk(s.body)


def returns(stmts: tuple[Stmt, ...]) -> bool:
    """Whether any statement in ``stmts`` (at any depth) returns."""
    return any(isinstance(s, Ret) for s in walk(stmts))


def seal(stmts: tuple[Stmt, ...] | list[Stmt], in_loop: bool) -> tuple[Stmt, ...]:
    """Make returns skip what follows them: guard the rest of a list after a statement that may have
    returned (outside loops), and leave a loop after an inner loop that returned (inside loops)."""
    out: list[Stmt] = []
    for k, s in enumerate(stmts):
        if isinstance(s, If):
            s = If(s.cond, seal(s.then, in_loop), seal(s.orelse, in_loop), s.loc)
        elif isinstance(s, Loop):
            s = Loop(seal(s.body, True))
        out.append(s)
        rest = stmts[k + 1:]
        if isinstance(s, Loop) and in_loop and returns(s.body):
            out.append(BreakIfReturned())
        elif rest and not in_loop and not isinstance(s, Ret) and returns((s,)):
            out.append(Guard(seal(rest, in_loop)))
            break
    return tuple(out)


def _transfers(stmts: tuple[Stmt, ...]) -> bool:
    """Whether every path through ``stmts`` ends in a break or continue (it never falls through)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (Break, Continue)):
        return True
    return isinstance(last, If) and _transfers(last.then) and _transfers(last.orelse)


def negate(c: Cond) -> Cond:
    return c.cond if isinstance(c, Not) else Not(c)


def tidy(stmts: tuple[Stmt, ...]) -> tuple[Stmt, ...]:
    """Readability: no empty ``then`` arms, and an arm that always breaks or continues becomes a guard clause."""
    out: list[Stmt] = []
    for s in stmts:
        if isinstance(s, If):
            cond, then, orelse = s.cond, tidy(s.then), tidy(s.orelse)
            if not then and orelse:
                cond, then, orelse = negate(cond), orelse, ()
            if orelse and _transfers(orelse) and not _transfers(then):
                cond, then, orelse = negate(cond), orelse, then
            if orelse and _transfers(then):
                out += [If(cond, then, (), s.loc), *orelse]
                continue
            out.append(If(cond, then, orelse, s.loc))
        elif isinstance(s, Loop):
            out.append(Loop(tidy(s.body)))
        elif isinstance(s, Guard):
            out.append(Guard(tidy(s.body)))
        else:
            out.append(s)
    return tuple(out)


# ---------------------------------------------------------------- structuring


class _Unstructured(Exception):
    """No structured form was found: fall back to the state machine."""


_END, _CONT = "\0end", "\0continue"  # virtual nodes of a level graph: its exit, the next iteration


@dataclass(frozen=True)
class _Ctx:
    """Where a region is emitted: its loop level, where it falls through, and the Q# loop it is inside."""

    level: str | None  # header of the loop whose body holds the region's blocks (None: the top level)
    stop: str | None  # the block where the region falls through (None: the end of the program)
    loop: str | None  # header of the loop the emitted code is physically inside (None: no loop)
    follow: str | None  # where that loop's break lands
    exit_stop: str | None  # where an exit of that loop that is not its follow stops
    transfers: bool  # break/continue of ``level`` are real statements here (not inside an inlined exit)


class _Level:
    """The CFG seen from inside one loop (or the top level): inner loops collapsed to their headers,
    edges that leave the loop cut, edges back to its header going to a virtual "continue" node."""

    def __init__(self, s: _Structurer, header: str | None):
        self.header = header
        entry = header if header is not None else s.entry
        succ: dict[str, list[str]] = {}
        work = [entry]
        while work:
            n = work.pop()
            if n in succ:
                continue
            succ[n] = []
            for t in s.level_targets(n, header):
                m = s.node_at(t, header)
                if m is not None and m not in succ[n]:
                    succ[n].append(m)
            work += [m for m in succ[n] if m != header]
        self.succ = succ
        fwd = {n: [m for m in out if m != header] for n, out in succ.items()}
        order = _rpo(entry, fwd)
        self.preds: dict[str, list[str]] = {n: [] for n in order}
        for n in order:
            for m in fwd[n]:
                self.preds[m].append(n)
        idom = _dominators(entry, fwd)
        self.merges: dict[str, list[str]] = {}  # node -> the merge nodes it immediately dominates
        for m in order:
            if len(self.preds[m]) >= 2 and idom[m] is not None:
                self.merges.setdefault(idom[m], []).append(m)
        # post-dominators: dominators of the reversed graph, from a virtual end after every sink
        down = {n: [_CONT if m == header else m for m in out] or [_END] for n, out in succ.items()}
        down[_CONT] = [_END]
        up: dict[str, list[str]] = {_END: []}
        for n, out in down.items():
            for m in out:
                up.setdefault(m, []).append(n)
        self.ipdom = _dominators(_END, up)

    def post_dominates(self, a: str | None, b: str) -> bool:
        """Whether every path from ``b`` reaches ``a`` (None: the end of the program)."""
        target = _END if a is None else _CONT if a == self.header else a
        n: str | None = b
        while n is not None:
            if n == target:
                return True
            n = self.ipdom.get(n)
        return False


def _rpo(entry: str, succ: dict[str, list[str]]) -> list[str]:
    """The nodes reachable from ``entry``, in reverse postorder."""
    return ir.postorder(lambda n: succ.get(n, ()), entry)[::-1]  # type: ignore[return-value,arg-type]


def _dominators(entry: str, succ: dict[str, list[str]]) -> dict[str, str | None]:
    """The immediate dominator of each node reachable from ``entry`` (None for the entry)."""
    idom = ir.immediate_dominators(lambda n: succ.get(n, ()), entry)  # type: ignore[arg-type]
    return {n: None if n == entry else d for n, d in idom.items()}  # type: ignore[misc]


class _Structurer:
    def __init__(self, p: ir.Program):
        self.blocks = {b.label: b for b in p.blocks}
        self.entry = p.blocks[0].label
        self.budget = MAX_GROWTH * (sum(len(b.instrs) + 1 for b in p.blocks) + 8)
        self._postorder()
        self._loops()
        self.levels: dict[str | None, _Level] = {}

    # -- the whole CFG

    def _postorder(self) -> None:
        succ = {label: list(ir.successors(b.terminator)) for label, b in self.blocks.items()}
        order = _rpo(self.entry, succ)
        self.rpo = {n: k for k, n in enumerate(order)}
        self.preds: dict[str, list[str]] = {n: [] for n in order}
        for n in order:
            for m in succ[n]:
                self.preds[m].append(n)
        self.dom = _dominators(self.entry, succ)

    def dominates(self, a: str, b: str) -> bool:
        n: str | None = b
        while n is not None:
            if n == a:
                return True
            n = self.dom[n]
        return False

    def _loops(self) -> None:
        """Natural loops (one per header), their nesting, and each block's innermost loop."""
        self.body: dict[str, set[str]] = {}
        for u in self.rpo:
            for h in ir.successors(self.blocks[u].terminator):
                if self.rpo[h] <= self.rpo[u]:  # a retreating edge: must be a back edge
                    if not self.dominates(h, u):
                        raise _Unstructured("irreducible control flow")
                    body = self.body.setdefault(h, {h})
                    work = [u]
                    while work:
                        n = work.pop()
                        if n not in body:
                            body.add(n)
                            work += self.preds[n]
        by_size = sorted(self.body, key=lambda h: len(self.body[h]))
        self.parent: dict[str, str | None] = {}
        for h in self.body:
            outer = [g for g in by_size if g != h and h in self.body[g]]
            if any(not self.body[h] <= self.body[g] for g in outer):
                raise _Unstructured("overlapping loops")
            self.parent[h] = min(outer, key=lambda g: len(self.body[g])) if outer else None
        self.loop_of: dict[str, str | None] = {n: None for n in self.rpo}
        for h in reversed(by_size):  # largest first, so the innermost loop wins
            for n in self.body[h]:
                self.loop_of[n] = h

    def node_at(self, t: str, level: str | None) -> str | None:
        """Block ``t`` as a node of ``level``'s graph: itself, the header of the inner loop holding it,
        or None where it is outside the level's loop."""
        if level is not None and t not in self.body[level]:
            return None
        h = self.loop_of[t]
        if h == level:
            return t
        while h is not None and self.parent[h] != level:
            h = self.parent[h]
        if h is None:
            raise _Unstructured("a loop entered other than at its header")
        if t != h:
            raise _Unstructured("a loop entered other than at its header")
        return h

    def level_targets(self, n: str, level: str | None) -> list[str]:
        """Where node ``n`` of ``level`` goes: its successors, or for a collapsed inner loop its exits."""
        if n != level and n in self.body:
            return sorted({t for u in self.body[n] for t in ir.successors(self.blocks[u].terminator)
                           if t not in self.body[n]}, key=lambda t: self.rpo[t])
        return list(ir.successors(self.blocks[n].terminator))

    def level(self, header: str | None) -> _Level:
        if header not in self.levels:
            self.levels[header] = _Level(self, header)
        return self.levels[header]

    def follow(self, n: str, ctx: _Ctx) -> str | None:
        """The block where the construct headed by ``n`` (a branch or a collapsed loop) continues."""
        lv = self.level(ctx.level)
        merges = lv.merges.get(n, [])
        if merges:
            j = max(merges, key=lambda m: self.rpo[m])
        elif n in self.body and n != ctx.level and len(lv.succ[n]) == 1:
            j = lv.succ[n][0]
        else:
            return None
        if j != ctx.stop and not lv.post_dominates(ctx.stop, j):
            return None  # the region ends before the merge: emit each arm to the region's end
        return j

    # -- regions

    def run(self) -> list[Stmt]:
        return self.region(self.entry, _Ctx(None, None, None, None, None, True))

    def spend(self, n: int) -> None:
        self.budget -= n
        if self.budget < 0:
            raise _Unstructured("too much duplicated code")

    def region(self, n: str | None, ctx: _Ctx, first: bool = False) -> list[Stmt]:
        """The code for the paths from ``n`` until they reach ``ctx.stop`` or leave by a transfer."""
        out: list[Stmt] = []
        while n is not None and (first or n != ctx.stop):
            first = False
            if n in self.body and n != ctx.level:
                n = self.loop(n, ctx, out)
                continue
            b = self.blocks[n]
            self.spend(len(b.instrs) + 1)
            out += [Do(i, n, k) for k, i in enumerate(b.instrs)]
            t = b.terminator
            if isinstance(t, ir.Return):
                out.append(Ret(t.values, t.loc))
                if ctx.loop is not None:
                    out.append(Break())
                return out
            if isinstance(t, ir.Jump):
                n = self.edge(t.target, ctx, out)
                continue
            j = self.follow(n, ctx)
            sub = ctx if j is None else _Ctx(ctx.level, j, ctx.loop, ctx.follow, ctx.exit_stop, ctx.transfers)
            arms = []
            for target in (t.if_true, t.if_false):
                arm: list[Stmt] = []
                nxt = self.edge(target, sub, arm)
                arms.append(tuple(arm + self.region(nxt, sub)) if nxt is not None else tuple(arm))
            out.append(If(t.cond, arms[0], arms[1], t.loc))
            n = j
        return out

    def edge(self, t: str, ctx: _Ctx, out: list[Stmt]) -> str | None:
        """Follow an edge to ``t``: the next node of the region, or None after emitting a transfer."""
        if t == ctx.stop:
            return t
        if ctx.level is not None and (t == ctx.level or t not in self.body[ctx.level]):
            if not ctx.transfers:
                if self.loop_of[t] is not None:
                    raise _Unstructured("a break or continue of an outer loop")
                # a jump out of every loop: what follows it ends in returns, so it runs here, returns and
                # breaks (the loops around leave through the returned flag)
                out += self.region(t, _Ctx(None, None, ctx.loop, None, None, False))
                return None
            if t == ctx.level:
                out.append(Continue())
            elif t == ctx.follow:
                out.append(Break())
            else:  # another exit: run its code to the follow inside the loop, then leave
                inner = _Ctx(self.parent[ctx.level], ctx.exit_stop, ctx.loop, ctx.follow, ctx.exit_stop, False)
                code: list[Stmt] = []
                nxt = self.edge(t, inner, code)
                code += self.region(nxt, inner)
                out += code
                if not _transfers(tuple(code)):
                    out.append(Break())
            return None
        return t

    def loop(self, h: str, ctx: _Ctx, out: list[Stmt]) -> str | None:
        """Emit the loop headed by ``h``; where the code after it continues."""
        follow = self.follow(h, ctx)
        exit_stop = follow if follow is not None else ctx.stop
        body = self.region(h, _Ctx(h, h, h, follow, exit_stop, True), first=True)
        out.append(Loop(tuple(body)))
        if follow is None:
            return None
        return self.edge(follow, ctx, out) if follow != ctx.stop else follow
