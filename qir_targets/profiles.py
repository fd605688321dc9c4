"""QIR profile capabilities (Base, Adaptive_RI, Adaptive_RIF, Adaptive) and the check that a program fits one.

``check`` runs on a program that ``hybridrt.passes.specialize`` has already
partially evaluated: every register left in it holds a value computed at run time
(from a measurement).  Each violation raises ``TargetError`` naming what the
program does, the capability it needs, the target/profile that lacks it, and the
user's source line — like Q#'s capability checker (``Qdk.Qsc.CapabilitiesCk.*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hybridrt import ir
from hybridrt.errors import Loc, TargetError

from .catalog import Target


@dataclass(frozen=True)
class Profile:
    """What a QIR profile lets a program do at run time."""

    name: str
    rank: int
    qir_version: tuple[int, int]
    typed_pointers: bool
    feedback: bool  # mid-circuit measurement, reset, forward branching on results
    int_computations: bool
    float_computations: bool
    backwards_branching: bool


BASE = Profile("Base", 0, (1, 0), True, False, False, False, False)
ADAPTIVE_RI = Profile("Adaptive_RI", 1, (1, 0), True, True, True, False, False)
ADAPTIVE_RIF = Profile("Adaptive_RIF", 2, (1, 0), True, True, True, True, False)
ADAPTIVE = Profile("Adaptive", 3, (2, 1), False, True, True, True, True)
PROFILES = (BASE, ADAPTIVE_RI, ADAPTIVE_RIF, ADAPTIVE)
_BY_KEY = {p.name.lower().replace("_", ""): p for p in PROFILES}


def profile(name: str | Profile | Any) -> Profile:
    """The profile named ``name`` (any case, with or without ``_``; a ``qdk.TargetProfile`` works too)."""
    if isinstance(name, Profile):
        return name
    text = str(getattr(name, "name", name)).split(".")[-1]
    key = text.lower().replace("_", "").replace("-", "").replace(" ", "")
    if key in _BY_KEY:
        return _BY_KEY[key]
    raise TargetError(f"unknown QIR profile {name!r}; the profiles are {', '.join(p.name for p in PROFILES)}")


#: operations QIR can compute at run time: op -> operand types it works on
RUNTIME_BINARY: dict[str, tuple[str, ...]] = {
    **{op: (ir.INT,) for op in ("add", "sub", "mul", "floordiv", "mod", "shl", "shr")},
    **{op: (ir.INT, ir.BOOL) for op in ("and", "or", "xor")},
    **{op: (ir.INT, ir.FLOAT) for op in ("min", "max", "lt", "le", "gt", "ge")},
    **{op: (ir.INT, ir.FLOAT, ir.BOOL) for op in ("eq", "ne")},
    "pow": (ir.INT,),  # with a constant exponent 0..64
}
RUNTIME_FLOAT_BINARY = frozenset(("add", "sub", "mul", "div", "min", "max", "eq", "ne", "lt", "le", "gt", "ge"))
RUNTIME_UNARY = frozenset(("neg.int", "abs.int", "neg.float", "abs.float", "not", "invert", "int_to_float",
                           "float_to_int", "bool_to_int", "int_to_bool", "float_to_bool", "floor", "ceil"))
_FLOAT_UNARY = frozenset(("neg.float", "abs.float", "int_to_float", "float_to_int", "float_to_bool", "floor", "ceil"))


def runtime_op_error(i: ir.Unary | ir.Binary) -> str | None:
    """Why QIR cannot compute ``i`` at run time, or None when it can."""
    if isinstance(i, ir.Unary):
        if i.op in RUNTIME_UNARY:
            return None
        return f"math function {i.op}() of a value computed at run time"
    t = i.a.type
    if t == ir.FLOAT:
        if i.op in RUNTIME_FLOAT_BINARY:
            return None
        name = {"floordiv": "floor division //", "mod": "remainder %", "pow": "power **"}.get(i.op, f"{i.op}()")
        return f"float {name} of values computed at run time"
    if i.op == "pow":
        if isinstance(i.b, ir.Const) and 0 <= i.b.value <= 64:
            return None
        return "integer power ** with an exponent computed at run time"
    return None


def _uses_float(i: ir.Unary | ir.Binary) -> bool:
    return i.a.type == ir.FLOAT or i.dest.type == ir.FLOAT or (isinstance(i, ir.Unary) and i.op in _FLOAT_UNARY)


def qubit_indices(i: object) -> list[int]:
    """The static qubit indices an instruction acts on."""
    ops = i.qubits if isinstance(i, ir.Gate) else (i.qubit,) if isinstance(i, (ir.Measure, ir.Reset)) else ()
    return [q.value for q in ops if isinstance(q, ir.Const)]  # type: ignore[union-attr]


def required_qubits(p: ir.Program) -> int:
    """1 + the highest qubit index the program acts on (0 for none)."""
    return max((q + 1 for b in p.blocks for i in b.instrs for q in qubit_indices(i)), default=0)


def loops(p: ir.Program) -> list[tuple[ir.Block, set[str]]]:
    """Each backward branch's target (loop header) block with the loop's body, in block order."""
    succ = {b.label: ir.successors(b.terminator) for b in p.blocks}
    preds: dict[str, list[str]] = {b.label: [] for b in p.blocks}
    for b, ss in succ.items():
        for s in ss:
            preds[s].append(b)
    back: list[tuple[str, str]] = []
    state: dict[str, int] = {}
    stack = [(p.blocks[0].label, iter(succ[p.blocks[0].label]))]
    state[p.blocks[0].label] = 1
    while stack:
        node, it = stack[-1]
        nxt = next(it, None)
        if nxt is None:
            state[node] = 2
            stack.pop()
        elif state.get(nxt) == 1:
            back.append((node, nxt))
        elif nxt not in state:
            state[nxt] = 1
            stack.append((nxt, iter(succ[nxt])))
    order = {b.label: k for k, b in enumerate(p.blocks)}
    out = []
    for tail, head in sorted(back, key=lambda e: order[e[1]]):
        body, work = {head, tail}, [tail]
        while work:
            n = work.pop()
            if n != head:
                for m in preds[n]:
                    if m not in body:
                        body.add(m)
                        work.append(m)
        out.append((p.block(head), body))
    return out


class _Checker:
    def __init__(self, p: ir.Program, prof: Profile, target: Target | None):
        self.p, self.prof, self.target = p, prof, target
        self.where = f"target {target.id} (profile {prof.name})" if target else f"QIR profile {prof.name}"

    def fail(self, what: str, needs: str, detail: str, hint: str, loc: Loc | None) -> None:
        """``WHAT needs NEEDS, which WHERE does not have (DETAIL); HINT`` at ``loc``."""
        raise TargetError(f"{what} needs {needs}, which {self.where} does not have ({detail}); {hint}", loc)

    def not_in_qir(self, what: str, detail: str, hint: str, loc: Loc | None) -> None:
        raise TargetError(f"{what} cannot be expressed in QIR for {self.where} ({detail}); {hint}", loc)

    def need_feedback(self, what: str, loc: Loc | None) -> None:
        self.fail(what, "mid-circuit measurement and feedback", "it measures qubits only at the end",
                  "use a target with the Adaptive_RI profile or richer, e.g. quantinuum.sim.h2-1e", loc)

    def float_error(self, loc: Loc | None) -> None:
        self.fail("a float computed at run time from a measurement result",
                  "floating-point computation at run time (float_computations)", "Q#: UseOfDynamicDouble",
                  "compute angles from values known before the run, or use the Adaptive_RIF or Adaptive profile", loc)

    def run(self) -> None:
        p, prof = self.p, self.prof
        if p.params:
            raise TargetError(f"kernel {p.name!r} still has parameters ({', '.join(r.name for r in p.params)}): "
                              "bind their values before lowering to QIR")
        self.check_qubits()
        measured: set[int] = set()  # Base: qubits measured so far
        touched: set[int] = set()
        results: set[str] = set()  # Base: registers / array elements holding a measurement result
        float_defs: list[Loc | None] = []
        for b in p.blocks:
            for i in b.instrs:
                self.check_static(i)
                if isinstance(i, (ir.Unary, ir.Binary)):
                    if not prof.int_computations:
                        self.fail("computing with a measurement result at run time",
                                  "classical computation at run time (int_computations)",
                                  "it can only record measurement results",
                                  "return the measured bools and compute after the run, or use the Adaptive_RI "
                                  "profile", i.loc)
                    why = runtime_op_error(i)
                    if why is not None:
                        self.not_in_qir(why, "QIR computes only integer and float arithmetic and comparisons at "
                                        "run time", "compute it from values known before the run", i.loc)
                    if _uses_float(i) and not prof.float_computations:
                        self.float_error(i.loc)
                elif isinstance(i, ir.Gate) and any(isinstance(a, ir.Reg) for a in i.params):
                    if not prof.float_computations:
                        self.float_error(i.loc)
                elif isinstance(i, (ir.Copy, ir.Load)) and i.dest.type == ir.FLOAT:
                    float_defs.append(i.loc)
                elif isinstance(i, ir.Store) and isinstance(i.value, ir.Reg) and i.value.type == ir.FLOAT:
                    float_defs.append(i.loc)
                if not prof.feedback:
                    self.base_instr(i, measured, touched, results)
            t = b.terminator
            if isinstance(t, ir.Branch) and not prof.feedback:
                self.need_feedback("branching on a measurement result", t.loc)
            if isinstance(t, ir.Return):
                self.check_return(t, results, float_defs)
        if float_defs and not prof.float_computations:
            self.float_error(float_defs[0])
        if not prof.backwards_branching:
            for head, body in loops(p):
                exits = [b for b in p.blocks if b.label in body and isinstance(b.terminator, ir.Branch)
                         and any(s not in body for s in ir.successors(b.terminator))]
                loc = exits[0].terminator.loc if exits else head.terminator.loc
                what = "a loop whose exit depends on a measurement result" if exits else "a loop that never ends"
                self.fail(what, "backward branching (backwards_branching)",
                          "it runs only loops with a classically known number of iterations, which are unrolled; "
                          "Q#: LoopWithDynamicCondition",
                          "bound the loop (e.g. `for _ in range(10):` with `break`) or use the Adaptive profile", loc)

    def check_qubits(self) -> None:
        t = self.target
        if t is None:
            return
        need = required_qubits(self.p)
        if need <= t.num_qubits:
            return
        for b in self.p.blocks:
            for i in b.instrs:
                if any(q >= t.num_qubits for q in qubit_indices(i)):
                    raise TargetError(f"the kernel uses {need} qubits, but target {t.id} has {t.num_qubits}; "
                                      "use fewer qubits (reset and reuse them) or a larger target", i.loc)

    def check_static(self, i: ir.Instr) -> None:
        """Qubits, list indices and gates must be known when compiling (every profile)."""
        if isinstance(i, ir.QubitAt) or any(isinstance(q, ir.Reg) for q in getattr(i, "qubits", ())) or (
                isinstance(i, (ir.Measure, ir.Reset)) and isinstance(i.qubit, ir.Reg)):
            self.not_in_qir("a qubit chosen at run time (its index depends on a measurement result)",
                            "every qubit must be known when the program is compiled; Q#: UseOfDynamicQubit",
                            "index qubits with values known before the run, or branch on the value", i.loc)
        if isinstance(i, (ir.Load, ir.Store)) and isinstance(i.index, ir.Reg):
            self.not_in_qir("a list index computed at run time from a measurement result",
                            "lists are unrolled into scalars, so indices must be known when the program is "
                            "compiled; Q#: UseOfDynamicIndex",
                            "index lists with values known before the run, or branch on the value", i.loc)
        if isinstance(i, ir.Gate) and self.target is not None and i.name not in self.target.gates:
            raise TargetError(f"gate {i.name} is not in the gate set of target {self.target.id} "
                              f"({', '.join(sorted(self.target.gates))}); decompose it first "
                              "(hybridrt.passes.decompose)", i.loc)

    def base_instr(self, i: ir.Instr, measured: set[int], touched: set[int], results: set[str]) -> None:
        """Base profile: every qubit is measured at most once, and nothing acts on it after that."""
        qs = qubit_indices(i)
        for q in qs:
            if q in measured:
                action = "reset" if isinstance(i, ir.Reset) else "measured again" if isinstance(i, ir.Measure) \
                    else f"used by gate {i.name}"  # type: ignore[union-attr]
                self.need_feedback(f"qubit q{q} {action} after it was measured (a mid-circuit measurement)", i.loc)
            if isinstance(i, ir.Reset) and q in touched:
                self.need_feedback(f"resetting qubit q{q} after use (qubit reuse)", i.loc)
        if isinstance(i, ir.Measure):
            measured.add(qs[0])
            results.add(i.dest.name)
        touched.update(qs)
        if isinstance(i, ir.Copy):
            (results.add if isinstance(i.src, ir.Reg) and i.src.name in results else results.discard)(i.dest.name)
        elif isinstance(i, ir.Store):
            key = f"{i.array.name}[{i.index.value}]"  # type: ignore[union-attr]
            (results.add if isinstance(i.value, ir.Reg) and i.value.name in results else results.discard)(key)
        elif isinstance(i, ir.Load):
            key = f"{i.array.name}[{i.index.value}]"  # type: ignore[union-attr]
            (results.add if key in results else results.discard)(i.dest.name)

    def check_return(self, t: ir.Return, results: set[str], float_defs: list[Loc | None]) -> None:
        leaves = ir.return_leaves(self.p.returns)
        for k, (v, leaf) in enumerate(zip(t.values, leaves)):
            elem = leaf.elem if isinstance(leaf, ir.ArrayType) else leaf
            which = f" (item {k} of the returned tuple)" if isinstance(self.p.returns, ir.TupleType) else ""
            if elem == ir.FLOAT and not self.prof.float_computations:
                self.fail(f"returning a float{which}", "float output (float_computations)", "Q#: UseOfDoubleOutput",
                          "return ints or bools, or use the Adaptive_RIF or Adaptive profile", t.loc)
            if isinstance(v, ir.Reg) and v.type == ir.FLOAT:
                float_defs.insert(0, t.loc)
            if self.prof.feedback:
                continue
            if elem == ir.INT:
                self.fail(f"returning an int{which}", "int output", "it records only measurement results; "
                          "Q#: UseOfIntOutput", "return the measured bools and compute after the run, or use the "
                          "Adaptive_RI profile", t.loc)
            if isinstance(leaf, ir.ArrayType):
                bad = [j for j in range(leaf.length) if f"{v.name}[{j}]" not in results]  # type: ignore[union-attr]
                if bad:
                    self.fail(f"returning a list whose item {bad[0]} is not a measurement result{which}",
                              "bool output", "it records only measurement results; Q#: UseOfBoolOutput",
                              "return only bools that mz() gave, or use the Adaptive_RI profile", t.loc)
            elif not (isinstance(v, ir.Reg) and v.name in results):
                self.fail(f"returning a bool that is not a measurement result{which}", "bool output",
                          "it records only measurement results; Q#: UseOfBoolOutput",
                          "return only bools that mz() gave, or use the Adaptive_RI profile", t.loc)


def check(program: ir.Program, prof: str | Profile, target: Target | None = None) -> None:
    """Raise ``TargetError`` at the first thing in ``program`` that profile ``prof`` (on ``target``) cannot run."""
    p = profile(prof)
    if target is not None and p.rank > profile(target.profile).rank:
        raise TargetError(f"target {target.id} runs QIR profile {target.profile}, not {p.name}")
    _Checker(program, p, target).run()
