"""Random dynamic Qiskit circuits within what Qiskit Aer runs, and a goodness-of-fit test of counts.

Each circuit has 3 or 4 qubits and two 2-bit classical registers, and nests (depth <= 2)
gates, mid-circuit measurements, resets, ``if_test``/``else`` on clbits, registers and
classical expressions, ``for_loop`` (with its loop parameter in an angle), ``while_loop``
(a repeat-until-success loop that ends with probability one), ``switch`` on a register,
``break``/``continue`` inside loops, barriers and delays.
"""

from __future__ import annotations

import math
import random

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import library as lib
from qiskit.circuit.classical import expr
from scipy.stats import chisquare

# gate factory and its number of qubits: engine gates and some only reachable through their definitions
GATES: list[tuple[str, int, int]] = [
    *((g, 0, 1) for g in ("x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg")),
    *((g, 1, 1) for g in ("rx", "ry", "rz", "p")),
    ("u", 3, 1), ("r", 2, 1),
    *((g, 0, 2) for g in ("cx", "cy", "cz", "ch", "swap", "csx", "ecr", "iswap", "dcx")),
    *((g, 1, 2) for g in ("crx", "cry", "crz", "cp", "rxx", "ryy", "rzz", "rzx")),
    ("cu", 4, 2), ("ccx", 0, 3), ("cswap", 0, 3), ("ccz", 0, 3), ("rccx", 0, 3),
]
_CLASSES = {"x": lib.XGate, "y": lib.YGate, "z": lib.ZGate, "h": lib.HGate, "s": lib.SGate, "sdg": lib.SdgGate,
            "t": lib.TGate, "tdg": lib.TdgGate, "sx": lib.SXGate, "sxdg": lib.SXdgGate, "rx": lib.RXGate,
            "ry": lib.RYGate, "rz": lib.RZGate, "p": lib.PhaseGate, "u": lib.UGate, "r": lib.RGate,
            "cx": lib.CXGate, "cy": lib.CYGate, "cz": lib.CZGate, "ch": lib.CHGate, "swap": lib.SwapGate,
            "csx": lib.CSXGate, "ecr": lib.ECRGate, "iswap": lib.iSwapGate, "dcx": lib.DCXGate,
            "crx": lib.CRXGate, "cry": lib.CRYGate, "crz": lib.CRZGate, "cp": lib.CPhaseGate,
            "rxx": lib.RXXGate, "ryy": lib.RYYGate, "rzz": lib.RZZGate, "rzx": lib.RZXGate, "cu": lib.CUGate,
            "ccx": lib.CCXGate, "cswap": lib.CSwapGate, "ccz": lib.CCZGate, "rccx": lib.RCCXGate}


class _Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        n = self.rng.choice((3, 4))
        self.a, self.b = ClassicalRegister(2, "a"), ClassicalRegister(2, "b")
        self.qc = QuantumCircuit(QuantumRegister(n, "q"), self.a, self.b, name=f"random_{seed}")
        self.n = n
        self.budget = 14  # statements left, so circuits stay small
        self.protected: list[object] = []  # clbits that decide a while loop: nothing else writes them

    def angle(self) -> float:
        return round(self.rng.uniform(-math.pi, math.pi), 3)

    def gate(self) -> None:
        name, nparams, nq = self.rng.choice([g for g in GATES if g[2] <= self.n])
        qubits = self.rng.sample(range(self.n), nq)
        self.qc.append(_CLASSES[name](*(self.angle() for _ in range(nparams))), qubits)

    def clbit(self, writable: bool = False):
        return self.rng.choice([c for c in self.qc.clbits if not (writable and c in self.protected)])

    def condition(self):
        r = self.rng
        kind = r.randrange(8)
        if kind == 0:
            return (self.clbit(), r.random() < 0.5)
        if kind == 1:
            return (r.choice((self.a, self.b)), r.randrange(4))
        c1, c2 = self.clbit(), self.clbit()
        if kind == 2:
            return expr.logic_and(c1, expr.logic_not(c2))
        if kind == 3:
            return expr.logic_or(c1, c2)
        if kind == 4:
            return expr.bit_xor(c1, c2)
        if kind == 5:
            return expr.equal(self.a, self.b)
        if kind == 6:
            return expr.less(r.choice((self.a, self.b)), r.randrange(1, 4))
        return expr.not_equal(expr.bit_and(self.a, r.randrange(1, 4)), 0)

    def statements(self, depth: int, in_loop: bool) -> None:
        for _ in range(self.rng.randint(1, 4)):
            if self.budget <= 0:
                return
            self.budget -= 1
            self.statement(depth, in_loop)

    def statement(self, depth: int, in_loop: bool) -> None:
        r, qc = self.rng, self.qc
        kinds = ["gate"] * 5 + ["measure"] * 3 + ["reset", "barrier"]
        if depth < 2:
            kinds += ["if"] * 3 + ["for", "while", "switch"]
        if in_loop:
            kinds += ["break", "continue"]
        kind = r.choice(kinds)
        if kind == "gate":
            self.gate()
        elif kind == "measure":
            qc.measure(r.randrange(self.n), self.clbit(writable=True))
        elif kind == "reset":
            qc.reset(r.randrange(self.n))
        elif kind == "barrier":
            if r.random() < 0.5:
                qc.barrier()
            else:
                qc.delay(100, r.randrange(self.n))
        elif kind in ("break", "continue"):
            with qc.if_test(self.condition()):
                self.gate()
                qc.break_loop() if kind == "break" else qc.continue_loop()
        elif kind == "if":
            with qc.if_test(self.condition()) as orelse:
                self.statements(depth + 1, in_loop)
            if r.random() < 0.5:
                with orelse:
                    self.statements(depth + 1, in_loop)
        elif kind == "for":
            with qc.for_loop(range(r.randint(1, 3))) as i:
                qc.rx(0.3 + 0.7 * i, r.randrange(self.n))
                self.statements(depth + 1, True)
        elif kind == "while":
            q, bit = r.randrange(self.n), self.clbit(writable=True)
            qc.measure(q, bit)
            self.protected.append(bit)
            with qc.while_loop((bit, False)):  # until the qubit reads 1 (p >= 0.3 each time): ends
                qc.reset(q)
                qc.ry(r.uniform(1.2, math.pi), q)
                qc.measure(q, bit)
                self.statements(depth + 1, True)
            self.protected.pop()
        else:
            with qc.switch(r.choice((self.a, self.b))) as case:
                with case(0):
                    self.statements(depth + 1, in_loop)
                with case(1, 2):
                    self.statements(depth + 1, in_loop)
                if r.random() < 0.5:
                    with case(case.DEFAULT):
                        self.gate()


def random_circuit(seed: int) -> QuantumCircuit:
    """A random dynamic circuit; every run of it ends (loops end with probability one)."""
    g = _Generator(seed)
    for _ in range(g.rng.randint(1, 3)):
        g.gate()
    g.statements(0, False)
    for q in g.rng.sample(range(g.n), min(g.n, 4)):
        g.gate()
        g.qc.measure(q, g.clbit(writable=True))
    return g.qc


def goodness_of_fit(exact: dict[str, float], counts: dict[str, int]) -> float:
    """The chi-square p-value of ``counts`` against the probabilities ``exact``.

    Outcomes expected fewer than 5 times are pooled, and the pool joins the least likely other
    bin while it is itself expected fewer than 5 times, so every bin has an expected count of 5
    or more (the chi-square approximation holds).  An observed outcome of exact probability 0
    gives p = 0.
    """
    shots = sum(counts.values())
    if any(exact.get(k, 0.0) <= 0.0 for k in counts):
        return 0.0
    bins = [(p * shots, counts.get(k, 0)) for k, p in exact.items() if p * shots >= 5]
    pooled = (sum(p * shots for p in exact.values() if p * shots < 5),
              sum(counts.get(k, 0) for k, p in exact.items() if p * shots < 5))
    if pooled[0] >= 5 or (pooled[0] > 0 and not bins):
        bins.append(pooled)
    elif pooled[0] > 0:
        bins.sort()
        bins[0] = (bins[0][0] + pooled[0], bins[0][1] + pooled[1])
    if len(bins) < 2:
        return 1.0
    expected, observed = zip(*bins)
    scale = sum(observed) / sum(expected)  # the exact mass may miss a cut-off tail of ~1e-10
    return float(chisquare(observed, [e * scale for e in expected]).pvalue)


AER_GATES = frozenset(("x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg", "rx", "ry", "rz", "p", "u", "r",
                       "cx", "cy", "cz", "swap", "csx", "ecr", "crx", "cry", "crz", "cp", "rxx", "ryy", "rzz",
                       "rzx", "cu", "ccx", "cswap", "ccz", "measure", "reset", "barrier", "delay", "store",
                       "break_loop", "continue_loop"))


def for_aer(qc: QuantumCircuit) -> QuantumCircuit:
    """``qc`` with the gates Aer lacks replaced by their definitions, inside control flow too (cheaper than
    ``transpile``)."""
    out = qc.copy_empty_like()
    for inst in qc.data:
        op = inst.operation
        if getattr(op, "blocks", None):
            out.append(op.replace_blocks([for_aer(b) for b in op.blocks]), inst.qubits, inst.clbits)
        elif op.name in AER_GATES:
            out.append(inst)
        else:
            out.compose(for_aer(op.definition), inst.qubits, inst.clbits, inplace=True)
    return out
