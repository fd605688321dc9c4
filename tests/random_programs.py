"""Random dynamic programs as hybridrt kernel source and an equivalent Qiskit circuit, and sample comparison."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Clbit
from qiskit.circuit.classical import expr
from qiskit_aer import AerSimulator
from scipy.stats import chi2_contingency

# name -> (number of angle parameters, number of qubits)
GATES: dict[str, tuple[int, int]] = {
    **{g: (0, 1) for g in ("x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx")},
    **{g: (1, 1) for g in ("rx", "ry", "rz", "p")},
    "u": (3, 1),
    **{g: (0, 2) for g in ("cx", "cy", "cz", "ch", "swap")},
    **{g: (0, 3) for g in ("ccx", "cswap")},
    **{g: (1, 2) for g in ("crx", "cry", "crz", "cp", "rxx", "ryy", "rzz")},
}

# Condition kinds over measured bits a (and b): kernel text and Qiskit condition.
CONDITIONS = ("bit", "not", "xor", "and", "or", "neq", "eq", "nand")
MAX_MID_MEASUREMENTS = 5
MAX_DEPTH = 2


@dataclass(frozen=True)
class Angle:
    """`base + step * i` (step only inside a loop body; i is the loop variable)."""

    base: float
    step: float | None = None

    def source(self) -> str:
        return repr(self.base) if self.step is None else f"{self.base!r} + {self.step!r} * i"

    def value(self, i: int | None) -> float:
        if self.step is None:
            return self.base
        assert i is not None
        return self.base + self.step * i


@dataclass(frozen=True)
class Gate:
    name: str
    angles: tuple[Angle, ...]
    qubits: tuple[int, ...]


@dataclass(frozen=True)
class Measure:
    qubit: int
    bit: int


@dataclass(frozen=True)
class Reset:
    qubit: int


@dataclass(frozen=True)
class If:
    kind: str
    bits: tuple[int, ...]
    then: list[Stmt]
    orelse: list[Stmt]


@dataclass(frozen=True)
class For:
    count: int
    body: list[Stmt]
    unroll: bool  # Qiskit side: unrolled (always when the body reads i) or a for_loop op


Stmt = Gate | Measure | Reset | If | For


@dataclass(frozen=True)
class RandomProgram:
    """A generated program; clbit j < num_mid is mid-circuit bit m{j}, then one final bit per qubit."""

    name: str
    source: str
    circuit: QuantumCircuit
    num_qubits: int
    num_mid: int

    @property
    def num_bits(self) -> int:
        return self.num_mid + self.num_qubits


def to_key(values: Sequence[bool]) -> str:
    """Kernel return value [bit0, bit1, ...] -> Aer counts key (clbit i is the i-th char from the right)."""
    return "".join("1" if bool(v) else "0" for v in reversed(list(values)))


class _Gen:
    def __init__(self, seed: int, num_qubits: int) -> None:
        self.rng = random.Random(seed)
        self.n = num_qubits
        self.num_mid = 0

    def angle(self, in_loop: bool) -> Angle:
        base = round(self.rng.uniform(-3.2, 3.2), 4)
        if in_loop and self.rng.random() < 0.5:
            return Angle(base, round(self.rng.uniform(-1.0, 1.0), 4))
        return Angle(base)

    def gate(self, in_loop: bool) -> Gate:
        name = self.rng.choice([g for g, (_, k) in GATES.items() if k <= self.n])
        nparams, k = GATES[name]
        return Gate(name, tuple(self.angle(in_loop) for _ in range(nparams)),
                    tuple(self.rng.sample(range(self.n), k)))

    def mixer(self, qubit: int) -> Gate:
        """A non-diagonal one-qubit gate: makes phases from earlier gates visible in the outcomes."""
        name = self.rng.choice(("h", "sx", "rx", "ry", "u"))
        return Gate(name, tuple(self.angle(False) for _ in range(GATES[name][0])), (qubit,))

    def condition(self) -> tuple[str, tuple[int, ...]]:
        kinds = CONDITIONS if self.num_mid >= 2 else CONDITIONS[:2]
        kind = self.rng.choice(kinds)
        nbits = 1 if kind in ("bit", "not") else 2
        # Prefer the most recent bits so conditions depend on fresh outcomes.
        pool = list(range(self.num_mid))[-3:] if self.rng.random() < 0.7 else list(range(self.num_mid))
        if len(pool) < nbits:
            pool = list(range(self.num_mid))
        return kind, tuple(self.rng.sample(pool, nbits))

    def block(self, size: int, depth: int, in_loop: bool) -> list[Stmt]:
        out: list[Stmt] = []
        for _ in range(size):
            r = self.rng.random()
            if r < 0.18 and self.num_mid < MAX_MID_MEASUREMENTS:
                out.append(Measure(self.rng.randrange(self.n), self.num_mid))
                self.num_mid += 1
            elif r < 0.25:
                out.append(Reset(self.rng.randrange(self.n)))
            elif r < 0.42 and self.num_mid > 0 and depth < MAX_DEPTH:
                kind, bits = self.condition()
                then = self.block(self.rng.randint(1, 3), depth + 1, in_loop)
                orelse = self.block(self.rng.randint(1, 3), depth + 1, in_loop) if self.rng.random() < 0.6 else []
                out.append(If(kind, bits, then, orelse))
            elif r < 0.48 and not in_loop and depth < MAX_DEPTH:
                body = self.block(self.rng.randint(1, 4), depth + 1, True)
                out.append(For(self.rng.randint(1, 3), body, unroll=_reads_i(body) or self.rng.random() < 0.3))
            else:
                out.append(self.gate(in_loop))
        return out


def _reads_i(stmts: list[Stmt]) -> bool:
    for s in stmts:
        if isinstance(s, Gate) and any(a.step is not None for a in s.angles):
            return True
        if isinstance(s, If) and (_reads_i(s.then) or _reads_i(s.orelse)):
            return True
    return False


def _gate_names(stmts: list[Stmt]) -> set[str]:
    names: set[str] = set()
    for s in stmts:
        if isinstance(s, Gate):
            names.add(s.name)
        elif isinstance(s, Reset):
            names.add("reset")
        elif isinstance(s, If):
            names |= _gate_names(s.then) | _gate_names(s.orelse)
        elif isinstance(s, For):
            names |= _gate_names(s.body)
    return names


def _cond_source(kind: str, bits: tuple[int, ...]) -> str:
    a, b = (f"m{j}" for j in (bits + bits)[:2])
    return {"bit": a, "not": f"not {a}", "xor": f"{a} ^ {b}", "and": f"{a} and {b}", "or": f"{a} or {b}",
            "neq": f"{a} != {b}", "eq": f"{a} == {b}", "nand": f"not ({a} and {b})"}[kind]


def _emit_source(stmts: list[Stmt], indent: int, lines: list[str], elif_: bool = False) -> None:
    pad = "    " * indent
    for s in stmts:
        if isinstance(s, Gate):
            args = [a.source() for a in s.angles] + [f"q[{j}]" for j in s.qubits]
            lines.append(f"{pad}{s.name}({', '.join(args)})")
        elif isinstance(s, Measure):
            lines.append(f"{pad}m{s.bit} = mz(q[{s.qubit}])")
        elif isinstance(s, Reset):
            lines.append(f"{pad}reset(q[{s.qubit}])")
        elif isinstance(s, If):
            lines.append(f"{pad}{'elif' if elif_ else 'if'} {_cond_source(s.kind, s.bits)}:")
            _emit_source(s.then, indent + 1, lines)
            if len(s.orelse) == 1 and isinstance(s.orelse[0], If):
                _emit_source(s.orelse, indent, lines, elif_=True)
            elif s.orelse:
                lines.append(f"{pad}else:")
                _emit_source(s.orelse, indent + 1, lines)
        else:
            lines.append(f"{pad}for i in range({s.count}):")
            _emit_source(s.body, indent + 1, lines)
        elif_ = False


def _qiskit_condition(kind: str, bits: tuple[int, ...], c: ClassicalRegister) -> tuple[Clbit, int] | expr.Expr:
    a, b = (c[j] for j in (bits + bits)[:2])
    if kind == "bit":
        return (a, 1)
    if kind == "not":
        return (a, 0)
    return {"xor": lambda: expr.bit_xor(a, b), "and": lambda: expr.logic_and(a, b),
            "or": lambda: expr.logic_or(a, b), "neq": lambda: expr.not_equal(a, b),
            "eq": lambda: expr.equal(a, b), "nand": lambda: expr.logic_not(expr.logic_and(a, b))}[kind]()


def _emit_circuit(stmts: list[Stmt], qc: QuantumCircuit, c: ClassicalRegister, i: int | None) -> None:
    for s in stmts:
        if isinstance(s, Gate) and s.name == "ch":  # Aer has no native ch: Qiskit's own definition
            for g in ("s", "h", "t", "cx", "tdg", "h", "sdg"):
                getattr(qc, g)(*(s.qubits if g == "cx" else s.qubits[1:]))
        elif isinstance(s, Gate):
            getattr(qc, s.name)(*(a.value(i) for a in s.angles), *s.qubits)
        elif isinstance(s, Measure):
            qc.measure(s.qubit, c[s.bit])
        elif isinstance(s, Reset):
            qc.reset(s.qubit)
        elif isinstance(s, If):
            cond = _qiskit_condition(s.kind, s.bits, c)
            if s.orelse:
                with qc.if_test(cond) as else_:
                    _emit_circuit(s.then, qc, c, i)
                with else_:
                    _emit_circuit(s.orelse, qc, c, i)
            else:
                with qc.if_test(cond):
                    _emit_circuit(s.then, qc, c, i)
        elif s.unroll:
            for k in range(s.count):
                _emit_circuit(s.body, qc, c, k)
        else:
            with qc.for_loop(range(s.count)):
                _emit_circuit(s.body, qc, c, None)


def random_program(seed: int, num_qubits: int | None = None) -> RandomProgram:
    """A random dynamic program on 3..5 qubits (chosen by the seed unless given)."""
    gen = _Gen(seed, 0)
    n = num_qubits if num_qubits is not None else gen.rng.randint(3, 5)
    gen.n = n
    # Open with superposition and a measurement so that every program branches on something; close
    # with a mixing layer so that phase errors anywhere late in the program change the distribution.
    body: list[Stmt] = [gen.mixer(j) for j in range(n)]
    body += [gen.gate(False), Measure(gen.rng.randrange(n), 0)]
    gen.num_mid = 1
    body += gen.block(gen.rng.randint(6, 14), 0, False)
    body += [gen.mixer(j) for j in range(n)]
    m = gen.num_mid
    name = f"prog_{seed}"

    imports = ", ".join(["qubits", "mz", *sorted(_gate_names(body) - {"mz"})])
    lines = ["import hybridrt as hr", f"from hybridrt import {imports}", "", "", "@hr.kernel",
             f"def {name}() -> list[bool]:", f"    q = qubits({n})"]
    lines += [f"    m{j} = False" for j in range(m)]
    _emit_source(body, 1, lines)
    lines += [f"    f{j} = mz(q[{j}])" for j in range(n)]
    lines.append("    return [" + ", ".join([f"m{j}" for j in range(m)] + [f"f{j}" for j in range(n)]) + "]")

    c = ClassicalRegister(m + n, "c")
    qc = QuantumCircuit(QuantumRegister(n, "q"), c, name=name)
    _emit_circuit(body, qc, c, None)
    for j in range(n):
        qc.measure(j, c[m + j])
    return RandomProgram(name, "\n".join(lines) + "\n", qc, n, m)


_AER = AerSimulator(method="statevector")
MIN_POOLED = 10  # categories with fewer pooled samples are merged (keeps expected cell counts >= ~5)


def aer_counts(program: RandomProgram, shots: int, seed: int) -> dict[str, int]:
    """Sample the circuit on Aer; keys are plain bitstrings of length num_bits (one register)."""
    return dict(_AER.run(program.circuit, shots=shots, seed_simulator=seed).result().get_counts())


def two_sample_pvalue(a: dict[str, int], b: dict[str, int]) -> float:
    """Chi-square p-value that two count dicts come from one distribution (rare categories merged)."""
    keys = sorted(set(a) | set(b), key=lambda k: (-(a.get(k, 0) + b.get(k, 0)), k))  # deterministic order
    table = [[a.get(k, 0), b.get(k, 0)] for k in keys]
    kept = [row for row in table if sum(row) >= MIN_POOLED]
    rest = [sum(row[0] for row in table if sum(row) < MIN_POOLED),
            sum(row[1] for row in table if sum(row) < MIN_POOLED)]
    if sum(rest) >= MIN_POOLED or not kept:
        kept.append(rest)
    elif sum(rest):
        kept[-1] = [kept[-1][0] + rest[0], kept[-1][1] + rest[1]]
    if len(kept) < 2:
        return 1.0
    return float(chi2_contingency(np.array(kept).T, correction=False).pvalue)
