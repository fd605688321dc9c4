"""Tests of the Numba engine against the NumPy reference, Qiskit and Python: gates, shots, classical semantics, errors."""

from __future__ import annotations

import math
import operator
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hybridrt.kernels import opcodes as op
from hybridrt.kernels.branching import cumulative_probabilities, sample_basis
from hybridrt.kernels.statevector import apply_gate, collapse, flip, prob_one
from hybridrt.kernels.sweep import run_units
from qiskit import QuantumCircuit
from qiskit.circuit import library as lib
from qiskit.quantum_info import Operator
from scipy.stats import chi2_contingency, chisquare

from hybridrt import ir
from hybridrt.assemble import Bytecode, _classical_tail, assemble
from hybridrt.builder import Builder
from hybridrt.fusion import fuse_gates

from . import reference as ref

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
Run = tuple[np.ndarray, np.ndarray, int, int, int]  # out_i, out_f, status, err_pc, err_shot
#: every opcode of the bytecode
OPCODES = {v for k, v in vars(op).items()
           if k.isupper() and isinstance(v, int) and not k.startswith(("G_", "FN_", "ROUND_", "ERR_", "PAUSE_"))
           and k not in ("WIDTH", "EPS", "GOLDEN", "OK", "TRAJECTORIES", "BRANCHING")}

QISKIT_GATES: dict[str, Callable[..., Any]] = {
    "x": lib.XGate, "y": lib.YGate, "z": lib.ZGate, "h": lib.HGate, "s": lib.SGate,
    "sdg": lib.SdgGate, "t": lib.TGate, "tdg": lib.TdgGate, "sx": lib.SXGate,
    "rx": lib.RXGate, "ry": lib.RYGate, "rz": lib.RZGate, "p": lib.PhaseGate, "u": lib.UGate,
    "cx": lib.CXGate, "cy": lib.CYGate, "cz": lib.CZGate, "ch": lib.CHGate,
    "crx": lib.CRXGate, "cry": lib.CRYGate, "crz": lib.CRZGate, "cp": lib.CPhaseGate,
    "ccx": lib.CCXGate, "swap": lib.SwapGate, "cswap": lib.CSwapGate,
    "rxx": lib.RXXGate, "ryy": lib.RYYGate, "rzz": lib.RZZGate,
}


# ---------------------------------------------------------------- running bytecode on both sides


def prog(*rows: tuple[int, ...]) -> np.ndarray:
    code = np.zeros((len(rows), op.WIDTH), dtype=np.int64)
    for i, r in enumerate(rows):
        code[i, : len(r)] = r
    return code


def engine(code: np.ndarray, ints0: Any = (0,), floats0: Any = (0.0,), nq: int = 0, n_out_i: int = 0,
           n_out_f: int = 0, shots: int = 1, seed: int = 0, max_steps: int = 10_000,
           sample_terminal: bool = False, max_buffers: int = 64) -> Run:
    """Run on the engine: trajectories (the reference's semantics) or, with sample_terminal, branching."""
    code = np.asarray(code, dtype=np.int64)
    out_i, out_f, status, pc, _, shot = run_units(
        code, np.array([ints0], dtype=np.int64), np.array([floats0], dtype=np.float64), nq, np.array([shots]),
        np.array([seed % 2**64], np.uint64), max_steps, n_out_i, n_out_f, _classical_tail(code),
        op.BRANCHING if sample_terminal else op.TRAJECTORIES, max_buffers, 1)
    return out_i, out_f, int(status), int(pc), int(shot)


def reference(code: np.ndarray, ints0: Any = (0,), floats0: Any = (0.0,), nq: int = 0, n_out_i: int = 0,
              n_out_f: int = 0, shots: int = 1, seed: int = 0, max_steps: int = 10_000) -> Run:
    return ref.run_reference(code, np.array(ints0, dtype=np.int64), np.array(floats0, dtype=np.float64),
                             nq, n_out_i, n_out_f, shots, seed, max_steps)


def run_bc(bc: Bytecode, runner: Callable[..., Run], **kw: Any) -> Run:
    return runner(bc.code, bc.ints0, bc.floats0, bc.program.num_qubits, bc.n_out_i, bc.n_out_f, **kw)


def same_floats(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal as Python floats are: nan matches nan, and the sign of zero counts."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    na, nb = np.isnan(a), np.isnan(b)
    return bool((na == nb).all() and (a[~na] == b[~nb]).all()
                and (np.signbit(a[~na]) == np.signbit(b[~nb])).all())


def assert_identical(got: Run, want: Run) -> None:
    """Same status and outputs; after a failing shot the outputs of the others are unspecified (a run that
    fails raises), and shots may have run concurrently, so only the rows before the failing one count."""
    assert got[2:] == want[2:], f"(status, err_pc, err_shot): engine {got[2:]}, reference {want[2:]}"
    rows = slice(None) if got[2] == op.OK else slice(0, got[4])
    np.testing.assert_array_equal(got[0][rows], want[0][rows])
    assert same_floats(got[1][rows], want[1][rows]), (got[1], want[1])


def test_same_floats_is_strict() -> None:
    assert same_floats(np.array([1.0, math.nan, -0.0]), np.array([1.0, math.nan, -0.0]))
    assert not same_floats(np.array([0.0]), np.array([-0.0]))
    assert not same_floats(np.array([math.nan]), np.array([1.0]))
    assert not same_floats(np.array([1.0]), np.array([1.0, 1.0]))


# ---------------------------------------------------------------- statevector kernels


def random_state(rng: np.random.Generator, n: int) -> np.ndarray:
    psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return psi / np.linalg.norm(psi)


def test_every_gate_is_tested() -> None:
    assert set(QISKIT_GATES) == set(op.GATE_IDS)
    assert set(ref.GATE_ARITY) == set(op.GATE_IDS.values())


@pytest.mark.parametrize("name", sorted(op.GATE_IDS))
def test_apply_gate_matches_reference_and_qiskit(name: str) -> None:
    gid = op.GATE_IDS[name]
    nq, npar = ref.GATE_ARITY[gid]
    rng = np.random.default_rng(1000 + gid)
    for trial in range(6):
        qubits = [int(q) for q in rng.choice(5, nq, replace=False)]
        params = [float(x) for x in rng.uniform(-2 * math.pi, 2 * math.pi, npar)]
        if trial == 0 and npar:
            params[0] = 0.0  # angle 0: engine fast paths (diagonal / identity) must still be right
        if trial == 1 and npar:
            params[0] = math.pi  # angle pi: a permutation-with-phases matrix
        # unused qubit and parameter fields hold whatever the bytecode's slot 0 holds: ignored
        q = qubits + [int(x) for x in rng.integers(0, 5, 3 - nq)]
        p = params + [float(x) for x in rng.normal(size=3 - npar)]
        psi = random_state(rng, 5)
        qc = QuantumCircuit(5)
        qc.append(QISKIT_GATES[name](*params), qubits)
        expected = Operator(qc).data @ psi
        want = psi.copy()
        ref.apply_gate(want, 5, gid, qubits, tuple(params))
        got = psi.copy()
        apply_gate(got, gid, q[0], q[1], q[2], p[0], p[1], p[2])
        np.testing.assert_allclose(got, expected, atol=1e-10, rtol=0, err_msg=f"{name} on {qubits} {params}")
        np.testing.assert_allclose(got, want, atol=1e-10, rtol=0)


def test_prob_one_collapse_flip() -> None:
    rng = np.random.default_rng(5)
    idx = np.arange(32)
    for _ in range(5):
        psi = random_state(rng, 5)
        for q in range(5):
            bit = (idx >> q) & 1
            p1 = float(np.sum(np.abs(psi[bit == 1]) ** 2))
            assert abs(prob_one(psi, q) - p1) < 1e-12
            for outcome, prob in ((0, 1.0 - p1), (1, p1)):
                got = psi.copy()
                collapse(got, q, outcome)
                want = np.where(bit == outcome, psi, 0) / math.sqrt(prob)
                np.testing.assert_allclose(got, want, atol=1e-12, rtol=0)
                assert abs(np.linalg.norm(got) - 1.0) < 1e-12
            got = psi.copy()
            flip(got, q)
            np.testing.assert_array_equal(got, psi[idx ^ (1 << q)])


# ---------------------------------------------------------------- random programs (IR -> bytecode)

BOOL, INT, FLOAT, QUBIT = ir.BOOL, ir.INT, ir.FLOAT, ir.QUBIT
NBITS, HIST, FARR = 4, 4, 3
_SAFE_INT_OPS = ("add", "sub", "mul", "xor", "and", "or", "min", "max")
_FLOAT_OPS = ("add", "sub", "mul", "min", "max", "atan2")
_FUNCS = ("sqrt", "exp", "log", "log2", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
          "cosh", "tanh", "asinh", "acosh", "atanh", "neg.float", "abs.float")


class ProgramGen:
    """A random, valid, terminating hybrid program: gates with random and computed angles,
    mid-circuit measurement and reset, static and computed qubits, branches and loops on
    outcomes, int and float arithmetic, arrays.  ``risky`` adds operations that fail on some
    outcomes (division by an outcome, an index computed from outcomes, a computed qubit pair)."""

    def __init__(self, seed: int, risky: bool = False, terminal_only: bool = False):
        self.rng = random.Random(seed)
        self.risky = risky
        self.b = Builder(f"rand{seed}", "<test_engine>")
        self.n = self.rng.randint(2, 4)
        self.b.allocate_qubits(self.n)
        self.bits = [self.b.reg(f"m{j}", BOOL) for j in range(NBITS)]
        self.acc = self.b.reg("acc", INT)
        self.fa = self.b.reg("fa", FLOAT)
        self.theta = self.b.reg("theta", FLOAT)
        self.hist = self.b.reg("hist", ir.ArrayType(INT, HIST))
        self.farr = self.b.reg("farr", ir.ArrayType(FLOAT, FARR))
        self.terminal_only = terminal_only

    # helpers
    def tmp(self, t: ir.Type) -> ir.Reg:
        return self.b.reg("t", t)

    def emit(self, i: ir.Instr) -> None:
        self.b.emit(i)

    def un(self, opname: str, a: ir.Operand, t: str) -> ir.Reg:
        d = self.tmp(t)
        self.emit(ir.Unary(d, opname, a))
        return d

    def bin(self, opname: str, a: ir.Operand, b: ir.Operand, t: str) -> ir.Reg:
        d = self.tmp(t)
        self.emit(ir.Binary(d, opname, a, b))
        return d

    def bit_int(self) -> ir.Reg:
        return self.un("bool_to_int", self.rng.choice(self.bits), INT)

    def index(self, length: int) -> ir.Reg:
        """An int in range(length) computed from acc and the outcomes."""
        src = self.acc if self.rng.random() < 0.5 else self.bin("add", self.acc, self.bit_int(), INT)
        return self.bin("mod", src, ir.const(length), INT)  # Python mod: never negative here

    def qubit(self) -> ir.Operand:
        if self.terminal_only or self.rng.random() < 0.7:
            return ir.Const(self.rng.randrange(self.n), QUBIT)
        d = self.tmp(QUBIT)
        self.emit(ir.QubitAt(d, 0, 1, self.n, self.index(self.n)))
        return d

    def angle(self) -> ir.Operand:
        r = self.rng.random()
        if r < 0.5:
            return ir.const(round(self.rng.uniform(-3.2, 3.2), 4))
        return self.theta if r < 0.8 else self.fa

    # statements
    def gate(self) -> None:
        name = self.rng.choice([g for g, (k, _) in ir.GATES.items() if k <= self.n])
        k, npar = ir.GATES[name]
        params = tuple(self.angle() for _ in range(npar))
        if k == 1:
            qs: tuple[ir.Operand, ...] = (self.qubit(),)
        elif self.terminal_only or self.rng.random() < 0.7:
            qs = tuple(ir.Const(q, QUBIT) for q in self.rng.sample(range(self.n), k))
        else:  # computed distinct qubits: base index, then the others at distinct offsets
            i0 = self.index(self.n)
            offs = self.rng.sample(range(1, self.n), k - 1)
            regs = []
            for idx in [i0] + [self.bin("mod", self.bin("add", i0, ir.const(o), INT), ir.const(self.n), INT)
                               for o in offs]:
                d = self.tmp(QUBIT)
                self.emit(ir.QubitAt(d, 0, 1, self.n, idx))
                regs.append(d)
            qs = tuple(regs)
        self.emit(ir.Gate(name, qs, params))

    def measure(self) -> None:
        self.emit(ir.Measure(self.rng.choice(self.bits), self.qubit()))

    def int_update(self) -> None:
        r = self.rng.random()
        acc = self.acc
        if r < 0.4:
            other = self.rng.choice([self.bit_int(), ir.const(self.rng.randint(-9, 9)), acc])
            self.emit(ir.Binary(acc, self.rng.choice(_SAFE_INT_OPS), acc, other))
        elif r < 0.55:
            self.emit(ir.Binary(acc, self.rng.choice(("floordiv", "mod")), acc,
                                ir.const(self.rng.choice([3, -2, 5, 7, -1]))))
        elif r < 0.65:
            self.emit(ir.Binary(acc, self.rng.choice(("shl", "shr")), acc, ir.const(self.rng.choice([0, 1, 3, 70]))))
        elif r < 0.72:
            self.emit(ir.Binary(acc, "pow", acc, ir.const(self.rng.randint(0, 3))))
        elif r < 0.8:
            self.emit(ir.Unary(acc, self.rng.choice(("neg.int", "abs.int", "invert")), acc))
        elif r < 0.9:
            conv = self.rng.choice(("float_to_int", "floor", "ceil"))
            self.emit(ir.Binary(acc, "add", acc, self.un(conv, self.fa, INT)))
        elif self.risky and r < 0.95:  # division by an outcome: ERR_ZERO_DIVISION on the shots where it is 0
            self.emit(ir.Binary(acc, self.rng.choice(("floordiv", "mod")), acc, self.bit_int()))
        else:  # arrays
            i = self.index(HIST)
            self.emit(ir.Store(self.hist, i, self.rng.choice([acc, self.bit_int()])))
            self.emit(ir.Binary(acc, "add", acc, self.load(self.hist, self.index(HIST), INT)))

    def load(self, arr: ir.Reg, idx: ir.Operand, t: str) -> ir.Reg:
        d = self.tmp(t)
        self.emit(ir.Load(d, arr, idx))
        return d

    def float_update(self) -> None:
        fa = self.fa
        x = self.un("int_to_float", self.rng.choice([self.acc, self.bit_int()]), FLOAT)
        r = self.rng.random()
        if r < 0.4:
            self.emit(ir.Binary(fa, self.rng.choice(_FLOAT_OPS), fa, self.rng.choice([x, ir.const(1.25)])))
        elif r < 0.55:
            self.emit(ir.Binary(fa, self.rng.choice(("div", "floordiv", "mod")), self.rng.choice([fa, x]),
                                ir.const(self.rng.choice([0.5, -1.5, 2.0, math.pi, -0.75]))))
        elif r < 0.65:
            base = self.bin("add", self.un("abs.float", fa, FLOAT), ir.const(0.5), FLOAT)
            self.emit(ir.Binary(fa, "pow", base, ir.const(self.rng.choice([0.5, 2.0, -1.5, 3.0]))))
        elif r < 0.9:  # a math function on sin(fa) brought into its domain
            fn = self.rng.choice(_FUNCS)
            u = self.un("sin", fa, FLOAT)
            if fn in ("sqrt", "log", "log2", "log10"):
                u = self.bin("add", self.un("abs.float", u, FLOAT), ir.const(0.25), FLOAT)
            elif fn == "acosh":
                u = self.bin("add", u, ir.const(2.0), FLOAT)
            elif fn == "atanh":
                u = self.bin("mul", u, ir.const(0.9), FLOAT)
            elif fn not in ("asin", "acos"):
                u = self.bin("mul", u, ir.const(3.0), FLOAT)
            self.emit(ir.Unary(fa, fn, u))
        else:
            i = self.index(FARR)
            self.emit(ir.Store(self.farr, i, fa))
            self.emit(ir.Binary(fa, "add", fa, self.load(self.farr, self.index(FARR), FLOAT)))
        self.emit(ir.Binary(fa, "mod", fa, ir.const(6.5)))  # keep it finite and moderate
        r = self.rng.random()
        if r < 0.5:  # feed back into a gate angle
            self.emit(ir.Binary(self.theta, "mul", fa, ir.const(self.rng.choice([0.5, 1.0, -2.0]))))
        elif r < 0.7:
            self.emit(ir.Copy(self.theta, fa))

    def condition(self) -> ir.Operand:
        r = self.rng.random()
        a, b = self.rng.sample(self.bits, 2)
        cmps = ("eq", "ne", "lt", "le", "gt", "ge")
        if r < 0.3:
            return a
        if r < 0.4:
            return self.un("not", a, BOOL)
        if r < 0.6:
            return self.bin(self.rng.choice(("xor", "and", "or", "eq", "ne")), a, b, BOOL)
        if r < 0.75:
            return self.bin(self.rng.choice(cmps), self.acc, ir.const(self.rng.randint(-2, 4)), BOOL)
        if r < 0.9:
            return self.bin(self.rng.choice(cmps), self.fa, ir.const(round(self.rng.uniform(0, 6), 3)), BOOL)
        return self.un("int_to_bool", self.acc, BOOL) if r < 0.95 else self.un("float_to_bool", self.fa, BOOL)

    def if_(self, depth: int) -> None:
        cond = self.condition()
        then, other, join = (self.b.new_label(x) for x in ("then", "else", "join"))
        self.b.terminate(ir.Branch(cond, then, other))
        self.b.start(then)
        self.block(self.rng.randint(1, 4), depth + 1)
        self.b.jump(join)
        self.b.start(other)
        if self.rng.random() < 0.6:
            self.block(self.rng.randint(1, 3), depth + 1)
        self.b.jump(join)
        self.b.start(join)

    def for_(self, depth: int) -> None:
        k = self.tmp(INT)
        if self.rng.random() < 0.5:
            count: ir.Operand = ir.const(self.rng.randint(0, 3))
        else:
            count = self.bin("add", self.index(3), ir.const(1), INT)
        self.emit(ir.Copy(k, ir.const(0)))
        head, body, done = (self.b.new_label(x) for x in ("for", "body", "done"))
        self.b.jump(head)
        self.b.start(head)
        self.b.terminate(ir.Branch(self.bin("lt", k, count, BOOL), body, done))
        self.b.start(body)
        self.block(self.rng.randint(1, 4), depth + 1)
        self.emit(ir.Binary(k, "add", k, ir.const(1)))
        self.b.jump(head)
        self.b.start(done)

    def repeat_until_success(self, depth: int) -> None:
        ok, tries = self.tmp(BOOL), self.tmp(INT)
        q = ir.Const(self.rng.randrange(self.n), QUBIT)
        self.emit(ir.Copy(ok, ir.const(False)))
        self.emit(ir.Copy(tries, ir.const(0)))
        head, body, done = (self.b.new_label(x) for x in ("rus", "try", "done"))
        self.b.jump(head)
        self.b.start(head)
        go = self.bin("and", self.un("not", ok, BOOL), self.bin("lt", tries, ir.const(4), BOOL), BOOL)
        self.b.terminate(ir.Branch(go, body, done))
        self.b.start(body)
        name = self.rng.choice(("h", "ry"))
        self.emit(ir.Gate(name, (q,), (self.angle(),) if name == "ry" else ()))
        self.emit(ir.Measure(ok, q))
        if self.rng.random() < 0.5:
            self.emit(ir.Reset(q))
        self.emit(ir.Binary(tries, "add", tries, ir.const(1)))
        self.emit(ir.Binary(self.acc, "add", self.acc, tries))
        if depth < 2 and self.rng.random() < 0.4:
            self.block(self.rng.randint(1, 2), depth + 1)
        self.b.jump(head)
        self.b.start(done)
        self.emit(ir.Copy(self.rng.choice(self.bits), ok))

    def risky_stmt(self) -> None:
        r = self.rng.random()
        if r < 0.5:  # a computed qubit pair that coincides on some outcomes
            qa, qb = self.tmp(QUBIT), self.tmp(QUBIT)
            self.emit(ir.QubitAt(qa, 0, 1, self.n, self.bit_int()))
            self.emit(ir.QubitAt(qb, 0, 1, self.n, self.bit_int()))
            self.emit(ir.Gate("cx", (qa, qb)))
        else:  # an index that may be out of range
            i = self.bin("add", self.bit_int(), ir.const(HIST - 1), INT)
            self.emit(ir.Binary(self.acc, "add", self.acc, self.load(self.hist, i, INT)))

    def block(self, size: int, depth: int) -> None:
        for _ in range(size):
            r = self.rng.random()
            if self.terminal_only or r < 0.25:
                self.gate()
            elif r < 0.38:
                self.measure()
            elif r < 0.44:
                self.emit(ir.Reset(self.qubit()))
            elif r < 0.58:
                self.int_update()
            elif r < 0.7:
                self.float_update()
            elif r < 0.8 and depth < 2:
                self.if_(depth)
            elif r < 0.87 and depth < 2:
                self.for_(depth)
            elif r < 0.92 and depth < 2:
                self.repeat_until_success(depth)
            elif r < 0.96 and self.risky:
                self.risky_stmt()
            else:
                self.gate()

    def build(self) -> ir.Program:
        if not self.terminal_only and self.rng.random() < 0.5:  # a deterministic prefix: certain outcomes
            q = ir.Const(self.rng.randrange(self.n), QUBIT)
            self.emit(ir.Gate("x", (q,)))
            self.emit(ir.Measure(self.bits[1], q))  # certainly 1
            if self.rng.random() < 0.5:
                self.emit(ir.Reset(q))  # certainly flips back
            self.emit(ir.Measure(self.bits[2], ir.Const(self.rng.randrange(self.n), QUBIT)))
            self.int_update()
        if not self.terminal_only:
            self.emit(ir.Gate("h", (ir.Const(0, QUBIT),)))
            self.emit(ir.Measure(self.bits[0], ir.Const(0, QUBIT)))
        self.block(self.rng.randint(5, 14), 0)
        finals = [self.tmp(BOOL) for _ in range(self.n)]
        if self.terminal_only or self.rng.random() < 0.5:
            for j, f in enumerate(finals):
                self.emit(ir.Measure(f, ir.Const(j, QUBIT)))
        if self.terminal_only:  # classical work after the measurements (a classical tail)
            for f in finals:
                self.emit(ir.Binary(self.acc, "add", self.acc, self.un("bool_to_int", f, INT)))
        values = (*self.bits, *finals, self.acc, self.fa, self.hist, self.farr)
        self.b.terminate(ir.Return(values))
        returns = ir.TupleType((BOOL,) * (NBITS + self.n) + (INT, FLOAT, self.hist.type, self.farr.type))
        return self.b.finish(returns)


def random_bytecode(seed: int, **kw: Any) -> Bytecode:
    """Every third program is fused (``u`` and ``unitary2`` gates), as kernels run."""
    program = ProgramGen(seed, **kw).build()
    return assemble(fuse_gates(program) if seed % 3 == 0 else program)


DIFF_SHOTS = 50
FAST_PROGRAMS = range(20)
SLOW_PROGRAMS = range(20, 160)


def _differential(seed: int) -> tuple[Run, Bytecode]:
    bc = random_bytecode(seed, risky=seed % 5 == 4)
    kw = {"shots": DIFF_SHOTS, "seed": 7919 * seed + 1, "max_steps": 100_000}
    got = run_bc(bc, engine, **kw)
    assert_identical(got, run_bc(bc, reference, **kw))
    return got, bc


@pytest.mark.parametrize("seed", FAST_PROGRAMS)
def test_random_programs_identical_to_reference(seed: int) -> None:
    _differential(seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_PROGRAMS)
def test_random_programs_identical_to_reference_more(seed: int) -> None:
    _differential(seed)


def test_random_programs_cover_the_bytecode() -> None:
    """The generated programs use every opcode, math function and gate, and most have random outcomes."""
    all_code = np.concatenate([random_bytecode(s, risky=s % 5 == 4).code for s in range(200)])
    used = set(all_code[:, 0].tolist())
    assert OPCODES - used == set(), sorted(OPCODES - used)
    fns = set(all_code[all_code[:, 0] == op.FUNARY, 3].tolist())
    assert fns == set(PY_MATH)
    gates = set(all_code[all_code[:, 0] == op.GATE, 1].tolist())
    assert gates == set(op.GATE_IDS.values())
    random_outputs = 0
    for seed in FAST_PROGRAMS:
        out_i = run_bc(random_bytecode(seed), engine, shots=DIFF_SHOTS, seed=3, max_steps=100_000)[0]
        random_outputs += len({tuple(r) for r in out_i.tolist()}) > 1
    assert random_outputs >= 0.8 * len(FAST_PROGRAMS)


@pytest.mark.slow
def test_risky_programs_fail_identically() -> None:
    """Some risky programs stop at a shot after 0 with each kind of run-time error; the reference agrees."""
    seen: Counter[int] = Counter()
    for seed in range(200, 260):
        got, _ = _differential(seed * 5 + 4)
        if got[2] != op.OK:
            seen[got[2]] += 1
            assert got[4] >= 0
    assert {op.ERR_ZERO_DIVISION, op.ERR_INDEX, op.ERR_QUBIT_REUSE} <= set(seen), seen


# ---------------------------------------------------------------- terminal sampling


def _pooled_table(a: Counter[tuple[int, ...]], b: Counter[tuple[int, ...]], min_count: int = 10) -> np.ndarray:
    keys = sorted(set(a) | set(b))
    rows = [[a[k], b[k]] for k in keys]
    big = [r for r in rows if sum(r) >= min_count]
    small = [sum(r[0] for r in rows if sum(r) < min_count), sum(r[1] for r in rows if sum(r) < min_count)]
    if sum(small):
        big.append(small)
    return np.array(big)


TERMINAL_SHOTS = 4000
P_THRESHOLD = 1e-4  # fixed seeds: deterministic; a correct engine passes with a wide margin


#: generator seeds whose circuits have at least four likely outcomes
TERMINAL_PROGRAMS = (300, 301, 302, 304, 306, 307, 315, 318)


@pytest.mark.parametrize("seed", TERMINAL_PROGRAMS)
def test_terminal_sampling_matches_trajectories(seed: int) -> None:
    """Programs whose measurements all come at the end: basis sampling and per-shot trajectories
    give the same distribution (chi-square contingency), and the exact Born distribution."""
    gen = ProgramGen(seed, terminal_only=True)
    bc = assemble(gen.build())
    first_measure = int(np.flatnonzero(bc.code[:, 0] == op.MEASURE)[0])
    assert bc.classical_tail[first_measure]
    n = bc.program.num_qubits
    cols = slice(NBITS, NBITS + n)  # the final measurements of qubits 0..n-1
    sampled = run_bc(bc, engine, shots=TERMINAL_SHOTS, seed=11 + seed, sample_terminal=True)
    traj = run_bc(bc, engine, shots=TERMINAL_SHOTS, seed=12 + seed, sample_terminal=False)
    assert sampled[2] == traj[2] == op.OK
    # same seed, other strategy: different draws (so the sampling path really ran), same seed: identical
    same_seed = run_bc(bc, engine, shots=TERMINAL_SHOTS, seed=12 + seed, sample_terminal=True)
    assert not np.array_equal(same_seed[0], traj[0]) or len(set(map(tuple, traj[0][:, cols].tolist()))) == 1
    assert_identical(run_bc(bc, engine, shots=TERMINAL_SHOTS, seed=11 + seed, sample_terminal=True), sampled)
    for out in (sampled, traj):  # the classical tail (acc += each outcome) ran on every shot
        np.testing.assert_array_equal(out[0][:, NBITS + n], out[0][:, cols].sum(axis=1))
    a = Counter(map(tuple, sampled[0][:, cols].tolist()))
    b = Counter(map(tuple, traj[0][:, cols].tolist()))
    assert len(b) >= 4  # a distribution worth testing
    table = _pooled_table(a, b)
    if len(table) > 1:
        assert chi2_contingency(table.T, correction=False).pvalue > P_THRESHOLD, (a, b)
    # both against the exact distribution of the (measurement-free) circuit
    psi = np.zeros(2**n, complex)
    psi[0] = 1
    for row in bc.code:
        if row[0] == op.GATE:
            nq, npar = ref.GATE_ARITY[int(row[1])]
            ref.apply_gate(psi, n, int(row[1]), [int(bc.ints0[x]) for x in row[2:2 + nq]],
                           tuple(float(bc.floats0[x]) for x in row[5:5 + npar]))
    probs = np.abs(psi) ** 2
    for counts in (a, b):
        keep = probs * TERMINAL_SHOTS >= 5
        observed = np.array([counts[tuple((i >> j) & 1 for j in range(n))] for i in range(2**n)])
        f_obs = np.append(observed[keep], observed[~keep].sum())
        f_exp = np.append(probs[keep], probs[~keep].sum()) * TERMINAL_SHOTS
        f_obs, f_exp = f_obs[f_exp > 0], f_exp[f_exp > 0]
        if len(f_obs) > 1:
            assert chisquare(f_obs, f_exp * f_obs.sum() / f_exp.sum()).pvalue > P_THRESHOLD


def _ghz_then_branching_measures() -> np.ndarray:
    # ints: 0..2 qubits, 3 m0, 4 m1, 5 m2; floats: 0 theta
    return prog(
        (op.GATE, op.G_RY, 0, 0, 0, 0), (op.GATE, op.G_CX, 0, 1), (op.GATE, op.G_H, 2),
        (op.MEASURE, 3, 0),                         # 3: first random measurement
        (op.BRANCH, 3, 5, 7),
        (op.MEASURE, 4, 1), (op.JUMP, 8),           # 5: m0 -> measure q1 (always equal to m0)
        (op.MEASURE, 4, 2),                         # 7: not m0 -> measure q2 (a fair coin)
        (op.MEASURE, 5, 0),                         # 8: q0 again: repeats m0
        (op.OUT_I, 0, 3, 3), (op.HALT,),
    )


def test_terminal_sampling_with_branching_measurements() -> None:
    """Classical control between terminal measurements, and a qubit measured twice."""
    code = _ghz_then_branching_measures()
    theta = 2 * math.asin(math.sqrt(0.3))  # P(m0 = 1) = 0.3
    kw = {"ints0": [0, 1, 2, 0, 0, 0], "floats0": [theta], "nq": 3, "n_out_i": 3, "shots": 6000}
    assert _classical_tail(code)[3]
    sampled = engine(code, sample_terminal=True, seed=21, **kw)[0]
    traj = engine(code, sample_terminal=False, seed=22, **kw)[0]
    for out in (sampled, traj):
        assert (out[:, 2] == out[:, 0]).all()
        assert (out[out[:, 0] == 1, 1] == 1).all()
    a, b = Counter(map(tuple, sampled.tolist())), Counter(map(tuple, traj.tolist()))
    assert set(a) == set(b) == {(1, 1, 1), (0, 0, 0), (0, 1, 0)}
    assert chi2_contingency(_pooled_table(a, b).T, correction=False).pvalue > P_THRESHOLD
    expected = np.array([0.3, 0.35, 0.35]) * 6000
    for c in (a, b):
        observed = [c[(1, 1, 1)], c[(0, 0, 0)], c[(0, 1, 0)]]
        assert chisquare(observed, expected).pvalue > P_THRESHOLD


# ---------------------------------------------------------------- the deterministic prefix


def test_deterministic_prefix_then_random() -> None:
    # ints: 0..3 qubits, 4.. outcomes, 12 acc, 13 one; floats: 0 angle
    code = prog(
        (op.GATE, op.G_X, 0), (op.MEASURE, 4, 0),           # certainly 1
        (op.MEASURE, 5, 1),                                 # certainly 0 (|0>)
        (op.GATE, op.G_X, 2), (op.RESET, 2),                # a certain reset that flips
        (op.MEASURE, 6, 2),                                 # certainly 0
        (op.BRANCH, 4, 7, 9), (op.GATE, op.G_H, 1), (op.JUMP, 10),  # taken: H on qubit 1
        (op.GATE, op.G_X, 3),
        (op.IADD, 12, 4, 13),                               # acc = 2, classical work in the prefix
        (op.MEASURE, 7, 1),                                 # 11: the first random outcome
        (op.BRANCH, 7, 13, 14), (op.GATE, op.G_RY, 3, 0, 0, 0),
        (op.MEASURE, 8, 3), (op.RESET, 1), (op.MEASURE, 9, 1), (op.MEASURE, 10, 0),
        (op.GATE, op.G_H, 0), (op.MEASURE, 11, 0),
        (op.OUT_I, 0, 4, 9), (op.HALT,),
    )
    ints0 = [0, 1, 2, 3] + [0] * 8 + [0, 1]
    kw = {"ints0": ints0, "floats0": [1.1], "nq": 4, "n_out_i": 9, "shots": 200, "seed": 99}
    got = engine(code, **kw)
    assert_identical(got, reference(code, **kw))
    branched = engine(code, sample_terminal=True, **kw)  # branching: same deterministic part, own randomness
    for out in (got[0], branched[0]):
        assert (out[:, :3] == [1, 0, 0]).all() and (out[:, 8] == 2).all() and (out[:, 6] == 1).all()
        assert 0 < out[:, 3].sum() < 200 and 0 < out[:, 7].sum() < 200


def test_fully_deterministic_program_runs_once_for_all_shots() -> None:
    code = prog((op.GATE, op.G_X, 0), (op.MEASURE, 2, 0), (op.GATE, op.G_CX, 0, 1), (op.MEASURE, 3, 1),
                (op.RESET, 0), (op.MEASURE, 4, 0), (op.IADD, 5, 2, 3), (op.OUT_I, 0, 2, 4), (op.HALT,))
    kw = {"ints0": [0, 1, 0, 0, 0, 0], "nq": 2, "n_out_i": 4, "shots": 30, "seed": 5}
    got = engine(code, **kw)
    assert_identical(got, reference(code, **kw))
    assert (got[0] == [1, 1, 0, 2]).all()


def test_error_in_the_prefix_is_shot_zero() -> None:
    code = prog((op.GATE, op.G_X, 0), (op.MEASURE, 1, 0), (op.ISUB, 1, 1, 1), (op.IFLOORDIV, 2, 2, 1),
                (op.GATE, op.G_H, 0), (op.MEASURE, 1, 0), (op.HALT,))
    kw = {"ints0": [0, 0, 5], "nq": 1, "shots": 10}
    got = engine(code, **kw)
    assert got[2:] == (op.ERR_ZERO_DIVISION, 3, 0)
    assert_identical(got, reference(code, **kw))


def test_outputs_written_in_the_prefix_reach_every_shot() -> None:
    # the spec lets OUT_I run anywhere; the assembler only emits it right before HALT
    code = prog((op.OUT_I, 0, 1, 1), (op.GATE, op.G_H, 0), (op.MEASURE, 2, 0), (op.OUT_I, 1, 2, 1), (op.HALT,))
    kw = {"ints0": [0, 7, 0], "nq": 1, "n_out_i": 2, "shots": 20, "seed": 1}
    assert_identical(engine(code, **kw), reference(code, **kw))


# ---------------------------------------------------------------- classical edge cases: engine, reference, Python

FLOATS = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 2.5, -3.0, 3.0, 1e308, -1e308, 1e-308, 5e-324, 1e300, 710.0,
          -745.5, 0.1, math.pi, math.inf, -math.inf, math.nan]
INTS = [0, 1, -1, 2, -2, 3, -7, 7, 63, 64, 65, 1000, INT64_MIN, INT64_MAX, INT64_MIN + 1, -(2**32), 2**32 + 5]


def _wrap(x: int) -> int:
    return (x + 2**63) % 2**64 - 2**63


def python_int(o: int, a: int, b: int) -> tuple[int, int]:
    """(status, value) of the spec's rule: Python's int result mod 2**64, with its errors."""
    if o in (op.IFLOORDIV, op.IMOD) and b == 0:
        return op.ERR_ZERO_DIVISION, 0
    if o in (op.IPOW, op.ISHL, op.ISHR) and b < 0:
        return op.ERR_DOMAIN, 0
    table: dict[int, Callable[[int, int], int]] = {
        op.IADD: operator.add, op.ISUB: operator.sub, op.IMUL: operator.mul,
        op.IFLOORDIV: operator.floordiv, op.IMOD: operator.mod, op.IPOW: lambda x, y: pow(x, y, 2**64),
        op.IMIN: min, op.IMAX: max, op.IAND: operator.and_, op.IOR: operator.or_, op.IXOR: operator.xor,
        op.ISHL: lambda x, y: x << min(y, 64), op.ISHR: lambda x, y: x >> min(y, 64),
        op.IEQ: operator.eq, op.INE: operator.ne, op.ILT: operator.lt, op.ILE: operator.le,
        op.IGT: operator.gt, op.IGE: operator.ge,
    }
    return op.OK, _wrap(int(table[o](a, b)))


def python_float(o: int, a: float, b: float) -> tuple[int, float]:
    """(status, value) of Python's float operation."""
    fns: dict[int, Callable[[float, float], Any]] = {
        op.FADD: operator.add, op.FSUB: operator.sub, op.FMUL: operator.mul, op.FDIV: operator.truediv,
        op.FFLOORDIV: operator.floordiv, op.FMOD: operator.mod, op.FPOW: operator.pow, op.FMIN: min,
        op.FMAX: max, op.FATAN2: math.atan2,
    }
    try:
        r = fns[o](a, b)
    except ZeroDivisionError:
        return (op.ERR_DOMAIN if o == op.FPOW else op.ERR_ZERO_DIVISION), 0.0
    except (OverflowError, ValueError):
        return op.ERR_DOMAIN, 0.0
    if isinstance(r, complex):
        return op.ERR_DOMAIN, 0.0
    return op.OK, float(r)


PY_MATH: dict[int, Callable[[float], float]] = {
    op.FN_NEG: operator.neg, op.FN_ABS: abs, op.FN_SQRT: math.sqrt, op.FN_EXP: math.exp, op.FN_LOG: math.log,
    op.FN_LOG2: math.log2, op.FN_LOG10: math.log10, op.FN_SIN: math.sin, op.FN_COS: math.cos,
    op.FN_TAN: math.tan, op.FN_ASIN: math.asin, op.FN_ACOS: math.acos, op.FN_ATAN: math.atan,
    op.FN_SINH: math.sinh, op.FN_COSH: math.cosh, op.FN_TANH: math.tanh, op.FN_ASINH: math.asinh,
    op.FN_ACOSH: math.acosh, op.FN_ATANH: math.atanh,
}


def _one_instruction(row: tuple[int, ...], ints0: list[int], floats0: list[float], float_out: bool,
                     out_slot: int) -> tuple[tuple[int, float | int], tuple[int, float | int]]:
    """Run [row, OUT, HALT] on the engine and the reference; each as (status, value)."""
    code = prog(row, (op.OUT_F if float_out else op.OUT_I, 0, out_slot, 1), (op.HALT,))
    kw = {"ints0": ints0, "floats0": floats0, "n_out_i": 0 if float_out else 1, "n_out_f": 1 if float_out else 0}
    results = []
    for runner in (engine, reference):
        out_i, out_f, status, pc, _ = runner(code, **kw)
        assert status == op.OK or pc == 0
        value = float(out_f[0, 0]) if float_out else int(out_i[0, 0])
        results.append((status, value if status == op.OK else 0))
    return results[0], results[1]


def _same(x: tuple[int, float | int], y: tuple[int, float | int]) -> bool:
    if x[0] != y[0]:
        return False
    if isinstance(x[1], float) or isinstance(y[1], float):
        return same_floats(np.array([x[1]]), np.array([y[1]]))
    return x[1] == y[1]


@pytest.mark.parametrize(("opcode", "a", "b", "expected"), [
    (op.IFLOORDIV, INT64_MIN, -1, INT64_MIN), (op.IMOD, INT64_MIN, -1, 0),
    (op.IFLOORDIV, 7, -1, -7), (op.IMOD, -7, -1, 0), (op.IFLOORDIV, INT64_MIN, 1, INT64_MIN),
])
def test_int_division_edge_cases(opcode: int, a: int, b: int, expected: int) -> None:
    got, want = _one_instruction((opcode, 2, 0, 1), [a, b, 0], [0.0], False, 2)
    assert got == want == (op.OK, expected)


@pytest.mark.parametrize(("opcode", "a", "b", "status", "expected"), [
    (op.FFLOORDIV, 1e308, 1e-308, op.OK, math.inf), (op.FFLOORDIV, -1e308, 1e-308, op.OK, -math.inf),
    (op.FFLOORDIV, math.inf, 1.0, op.OK, math.nan), (op.FFLOORDIV, -1.0, math.inf, op.OK, -1.0),
    (op.FMOD, -4.0, 2.0, op.OK, 0.0), (op.FMOD, 4.0, -2.0, op.OK, -0.0), (op.FMOD, -1.0, math.inf, op.OK, math.inf),
    (op.FPOW, -math.inf, 0.5, op.OK, math.inf), (op.FPOW, 0.0, -math.inf, op.OK, math.inf),
    (op.FPOW, -2.0, math.nan, op.OK, math.nan), (op.FPOW, 1.0, math.nan, op.OK, 1.0),
    (op.FPOW, math.nan, 0.0, op.OK, 1.0), (op.FPOW, -0.0, 3.0, op.OK, -0.0), (op.FPOW, 1e-300, 1.05, op.OK, 1e-315),
    (op.FPOW, -8.0, 1 / 3, op.ERR_DOMAIN, None), (op.FPOW, 0.0, -1.0, op.ERR_DOMAIN, None),
    (op.FPOW, -0.0, -0.5, op.ERR_DOMAIN, None), (op.FPOW, 10.0, 400.0, op.ERR_DOMAIN, None),
    (op.FPOW, -1.5, 1e300, op.ERR_DOMAIN, None), (op.FPOW, -1.5, -1e300, op.OK, 0.0),
])
def test_float_binary_edge_cases(opcode: int, a: float, b: float, status: int, expected: float | None) -> None:
    got, want = _one_instruction((opcode, 2, 0, 1), [0], [a, b, 0.0], True, 2)
    assert _same(got, want) and _same(got, python_float(opcode, a, b))
    assert got[0] == status
    if expected is not None:
        assert same_floats(np.array([got[1]]), np.array([expected]))


@pytest.mark.parametrize(("fn", "x", "status"), [
    (op.FN_SQRT, math.nan, op.OK), (op.FN_LOG, math.nan, op.OK), (op.FN_ACOSH, math.nan, op.OK),
    (op.FN_ATANH, math.nan, op.OK), (op.FN_ASIN, math.nan, op.OK), (op.FN_SIN, math.nan, op.OK),
    (op.FN_SIN, math.inf, op.ERR_DOMAIN), (op.FN_COS, -math.inf, op.ERR_DOMAIN), (op.FN_TAN, math.inf, op.ERR_DOMAIN),
    (op.FN_EXP, 710.0, op.ERR_DOMAIN), (op.FN_SINH, -1000.0, op.ERR_DOMAIN), (op.FN_COSH, 1000.0, op.ERR_DOMAIN),
    (op.FN_EXP, math.inf, op.OK), (op.FN_LOG, 0.0, op.ERR_DOMAIN), (op.FN_ATANH, -1.0, op.ERR_DOMAIN),
    (op.FN_LOG, -math.inf, op.ERR_DOMAIN), (op.FN_SQRT, -0.0, op.OK), (op.FN_ACOSH, math.inf, op.OK),
])
def test_funary_edge_cases(fn: int, x: float, status: int) -> None:
    got, want = _one_instruction((op.FUNARY, 1, 0, fn), [0], [x, 0.0], True, 1)
    assert got[0] == status and _same(got, want)
    if status == op.OK:
        assert same_floats(np.array([got[1]]), np.array([PY_MATH[fn](x)]))


@pytest.mark.parametrize(("x", "mode", "expected"), [
    (-(2.0**63), op.ROUND_TRUNC, INT64_MIN), (-(2.0**63), op.ROUND_FLOOR, INT64_MIN),
    (-(2.0**63), op.ROUND_CEIL, INT64_MIN), (2.0**63 - 1024, op.ROUND_TRUNC, 2**63 - 1024),
    (2.0**63, op.ROUND_FLOOR, None), (-(2.0**63) - 2048, op.ROUND_CEIL, None),
    (math.nan, op.ROUND_TRUNC, None), (math.inf, op.ROUND_CEIL, None), (-math.inf, op.ROUND_FLOOR, None),
    (-0.5, op.ROUND_TRUNC, 0), (-0.5, op.ROUND_FLOOR, -1), (0.5, op.ROUND_CEIL, 1), (2.0**53 + 2, op.ROUND_TRUNC,
                                                                                  2**53 + 2),
])
def test_f2i_edge_cases(x: float, mode: int, expected: int | None) -> None:
    got, want = _one_instruction((op.F2I, 0, 0, mode), [0], [x], False, 0)
    assert got == want == ((op.ERR_DOMAIN, 0) if expected is None else (op.OK, expected))


INT_BINOPS = [op.IADD, op.ISUB, op.IMUL, op.IFLOORDIV, op.IMOD, op.IPOW, op.IMIN, op.IMAX, op.IAND, op.IOR,
              op.IXOR, op.ISHL, op.ISHR, op.IEQ, op.INE, op.ILT, op.ILE, op.IGT, op.IGE]
FLOAT_BINOPS = [op.FADD, op.FSUB, op.FMUL, op.FDIV, op.FFLOORDIV, op.FMOD, op.FPOW, op.FMIN, op.FMAX, op.FATAN2]
FLOAT_CMPS = [op.FEQ, op.FNE, op.FLT, op.FLE, op.FGT, op.FGE]


@pytest.mark.parametrize("opcode", INT_BINOPS)
def test_int_binop_table(opcode: int) -> None:
    bad = []
    for a in INTS:
        for b in INTS:
            got, want = _one_instruction((opcode, 2, 0, 1), [a, b, 0], [0.0], False, 2)
            py = python_int(opcode, a, b)
            if not (got == want == py):
                bad.append((a, b, got, want, py))
    assert not bad, bad[:5]


@pytest.mark.parametrize("opcode", FLOAT_BINOPS)
def test_float_binop_table(opcode: int) -> None:
    bad = []
    for a in FLOATS:
        for b in FLOATS:
            got, want = _one_instruction((opcode, 2, 0, 1), [0], [a, b, 0.0], True, 2)
            py = python_float(opcode, a, b)
            if not (_same(got, want) and _same(got, py)):
                bad.append((a, b, got, want, py))
    assert not bad, bad[:5]


@pytest.mark.parametrize("opcode", FLOAT_CMPS)
def test_float_compare_table(opcode: int) -> None:
    pyop = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge][opcode - op.FEQ]
    for a in FLOATS:
        for b in FLOATS:
            got, want = _one_instruction((opcode, 0, 0, 1), [0], [a, b], False, 0)
            assert got == want == (op.OK, int(pyop(a, b))), (a, b)


@pytest.mark.parametrize("fn", sorted(PY_MATH))
def test_funary_table(fn: int) -> None:
    xs = FLOATS + [2.0, 0.9, -0.9, 1e-310, -1e-310, math.pi / 2, 1e22, -800.0, 20.0, 1.0 - 2**-53]
    bad = []
    for x in xs:
        got, want = _one_instruction((op.FUNARY, 1, 0, fn), [0], [x, 0.0], True, 1)
        try:
            py: tuple[int, float] = (op.OK, float(PY_MATH[fn](x)))
        except (ValueError, OverflowError):
            py = (op.ERR_DOMAIN, 0.0)
        if not (_same(got, want) and _same(got, py)):
            bad.append((x, got, want, py))
    assert not bad, bad


@pytest.mark.parametrize("mode", [op.ROUND_TRUNC, op.ROUND_FLOOR, op.ROUND_CEIL])
def test_f2i_table(mode: int) -> None:
    rnd = {op.ROUND_TRUNC: math.trunc, op.ROUND_FLOOR: math.floor, op.ROUND_CEIL: math.ceil}[mode]
    xs = FLOATS + [2.0**63, -(2.0**63), 2.0**63 - 1024, -(2.0**63) - 2048, 1.5, -1.5, 2.0**62 + 0.5, -(2.0**52) - 0.5]
    for x in xs:
        got, want = _one_instruction((op.F2I, 0, 0, mode), [0], [x], False, 0)
        r = rnd(x) if math.isfinite(x) else None
        py = (op.OK, r) if r is not None and INT64_MIN <= r <= INT64_MAX else (op.ERR_DOMAIN, 0)
        assert got == want == py, x


def test_int_unary_table() -> None:
    cases = {op.INEG: lambda x: _wrap(-x), op.IABS: lambda x: _wrap(abs(x)), op.INVERT: lambda x: ~x,
             op.NOT: lambda x: _wrap(1 - x), op.I2B: lambda x: int(x != 0)}
    for opcode, fn in cases.items():
        for x in INTS:
            got, want = _one_instruction((opcode, 1, 0), [x, 0], [0.0], False, 1)
            assert got == want == (op.OK, fn(x)), (opcode, x)
    for x in INTS:
        got, want = _one_instruction((op.I2F, 0, 0), [x], [0.0], True, 0)
        assert got == want == (op.OK, float(x))
    for x in FLOATS:
        got, want = _one_instruction((op.F2B, 0, 0), [0], [x], False, 0)
        assert got == want == (op.OK, int(bool(x)))


# ---------------------------------------------------------------- errors


def _coin_then(*rows: tuple[int, ...]) -> np.ndarray:
    """H, measure qubit 0 into I[1] (a fair coin), then ``rows`` (whose pcs start at 2)."""
    return prog((op.GATE, op.G_H, 0), (op.MEASURE, 1, 0), *rows)


def test_runaway_loop_stops_at_the_looping_pc() -> None:
    # when the coin is 1: loop forever over pcs 3..5
    code = _coin_then((op.BRANCH, 1, 3, 6), (op.IADD, 2, 2, 3), (op.IMUL, 4, 2, 2), (op.JUMP, 3),
                      (op.OUT_I, 0, 1, 1), (op.HALT,))
    kw = {"ints0": [0, 0, 0, 1, 0], "nq": 1, "n_out_i": 1, "shots": 40, "seed": 4}
    first_one = [ref.ShotStream(4, k).uniform() < 0.5 for k in range(40)].index(True)
    assert first_one > 0
    want = reference(code, max_steps=1000, **kw)
    assert want[2] == op.ERR_STEPS and want[3] in (3, 4, 5) and want[4] == first_one
    for max_steps in (1000, 20_000_000):  # a large budget still ends (no hang), in the loop
        got = engine(code, max_steps=max_steps, **kw)
        assert got[2] == op.ERR_STEPS and got[3] in (3, 4, 5) and got[4] == first_one
        np.testing.assert_array_equal(got[0], want[0])  # earlier shots finished with outcome 0


def test_max_steps_counts_exactly() -> None:
    # every budget: the reference and the engine stop at the same pc (2 + 3 * 6 + 2 steps to finish)
    code = _coin_then((op.IADD, 2, 2, 3), (op.ILT, 4, 2, 5), (op.BRANCH, 4, 2, 5), (op.OUT_I, 0, 2, 1), (op.HALT,))
    kw = {"ints0": [0, 0, 0, 1, 0, 6], "nq": 1, "n_out_i": 1, "shots": 3, "seed": 1}
    for max_steps in range(26):
        assert_identical(engine(code, max_steps=max_steps, **kw), reference(code, max_steps=max_steps, **kw))


def test_max_steps_counts_exactly_before_random_events() -> None:
    # a deterministic program: the step count is exact on the engine
    code = prog((op.GATE, op.G_X, 0), (op.MEASURE, 1, 0), (op.IADD, 2, 2, 3), (op.ILT, 4, 2, 5),
                (op.BRANCH, 4, 2, 5), (op.OUT_I, 0, 2, 1), (op.HALT,))
    kw = {"ints0": [0, 0, 0, 1, 0, 6], "nq": 1, "n_out_i": 1, "shots": 3, "seed": 1}
    for max_steps in range(26):
        got = engine(code, max_steps=max_steps, **kw)
        assert_identical(got, reference(code, max_steps=max_steps, **kw))
        assert got[2] == (op.OK if max_steps >= 22 else op.ERR_STEPS)


@pytest.mark.parametrize(("rows", "ints0", "status", "pc"), [
    # I[1] is the coin; QUBIT_AT index 2*coin into length 2: out of range when the coin is 1
    (((op.IADD, 2, 1, 1), (op.QUBIT_AT, 3, 0, 1, 2, 2), (op.HALT,)), [0, 0, 0, 0], op.ERR_INDEX, 3),
    (((op.LOAD_I, 3, 4, 1, 1), (op.HALT,)), [0, 0, 0, 0, 9], op.ERR_INDEX, 2),
    (((op.STORE_F, 0, 1, 1, 0), (op.HALT,)), [0, 0], op.ERR_INDEX, 2),
    # 7 // (1 - coin), 7 % (1 - coin)
    (((op.ISUB, 2, 3, 1), (op.IFLOORDIV, 4, 5, 2), (op.HALT,)), [0, 0, 0, 1, 0, 7], op.ERR_ZERO_DIVISION, 3),
    (((op.ISUB, 2, 3, 1), (op.IMOD, 4, 5, 2), (op.HALT,)), [0, 0, 0, 1, 0, 7], op.ERR_ZERO_DIVISION, 3),
    # cx(q[coin], q[1]): the same qubit twice when the coin is 1
    (((op.QUBIT_AT, 2, 0, 1, 2, 1), (op.GATE, op.G_CX, 2, 3), (op.HALT,)), [0, 0, 0, 1], op.ERR_QUBIT_REUSE, 3),
    (((op.QUBIT_AT, 2, 0, 1, 2, 1), (op.GATE, op.G_CSWAP, 4, 3, 2), (op.HALT,)), [0, 0, 0, 1, 2], op.ERR_QUBIT_REUSE,
     3),
    (((op.QUBIT_AT, 2, 0, 1, 2, 1), (op.GATE, op.G_RZZ, 3, 2, 0, 0), (op.HALT,)), [0, 0, 0, 1], op.ERR_QUBIT_REUSE,
     3),
])
def test_runtime_errors_on_the_first_failing_shot(rows: tuple[tuple[int, ...], ...], ints0: list[int], status: int,
                                                  pc: int) -> None:
    code = _coin_then(*rows)
    kw = {"ints0": ints0, "floats0": [0.0], "nq": 3, "shots": 30, "seed": 17}
    got = engine(code, **kw)
    # every case fails exactly when the coin is 1: the first such shot fails, earlier ones finish
    fails_on = [ref.ShotStream(17, k).uniform() < 0.5 for k in range(30)].index(True)
    assert fails_on > 0
    assert got[2:] == (status, pc, fails_on)
    assert_identical(got, reference(code, **kw))


def test_qubit_reuse_from_ir_registers() -> None:
    """Through the assembler: a gate on two qubit registers that turn out equal at run time."""
    b = Builder("reuse", "<test>")
    b.allocate_qubits(2)
    m, i = b.reg("m", BOOL), b.reg("i", INT)
    qa, qb = b.reg("qa", QUBIT), b.reg("qb", QUBIT)
    b.emit(ir.Gate("h", (ir.Const(0, QUBIT),)))
    b.emit(ir.Measure(m, ir.Const(0, QUBIT)))
    b.emit(ir.Unary(i, "bool_to_int", m))
    b.emit(ir.QubitAt(qa, 0, 1, 2, i))
    b.emit(ir.QubitAt(qb, 0, 1, 2, ir.const(1)))
    b.emit(ir.Gate("cz", (qa, qb)))
    b.terminate(ir.Return((m,)))
    bc = assemble(b.finish(BOOL))
    got = run_bc(bc, engine, shots=20, seed=4)
    gate_pc = int(np.flatnonzero(bc.code[:, 0] == op.GATE)[-1])
    assert got[2:4] == (op.ERR_QUBIT_REUSE, gate_pc)
    assert_identical(got, run_bc(bc, reference, shots=20, seed=4))


# ---------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("sample_terminal", [False, True])
def test_same_seed_same_outputs_other_seed_other_outputs(sample_terminal: bool) -> None:
    kw = {"shots": 200, "max_steps": 100_000, "sample_terminal": sample_terminal}
    tried = 0
    for seed in range(20):
        bc = random_bytecode(seed)
        a = run_bc(bc, engine, seed=12345, **kw)
        if len({tuple(r) for r in a[0].tolist()}) == 1:
            continue  # outputs that do not depend on the outcomes
        tried += 1
        assert_identical(run_bc(bc, engine, seed=12345, **kw), a)
        assert not np.array_equal(run_bc(bc, engine, seed=12346, **kw)[0], a[0])
    assert tried >= 10
    # the whole uint64 seed range, as the reference takes it
    bc = random_bytecode(5)
    kw = {"shots": 20, "max_steps": 100_000}
    for seed in (2**63, 2**64 - 1):
        assert_identical(run_bc(bc, engine, seed=seed, **kw), run_bc(bc, reference, seed=seed, **kw))


@pytest.mark.parametrize("seed", range(5))
def test_one_pass_sampling_picks_what_a_cumulative_search_picks(seed):
    rng = np.random.default_rng(seed)
    state = rng.normal(size=64) + 1j * rng.normal(size=64)
    state[rng.random(64) < 0.3] = 0.0  # zero-probability states are never picked
    state /= np.linalg.norm(state)
    u = np.concatenate([rng.random(500), [0.0, 1.0 - 2**-53]])
    cdf = np.cumsum(np.abs(state) ** 2)
    expected = np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), np.flatnonzero(state)[-1])
    assert np.array_equal(sample_basis(state, u), expected)
    cdf, last = cumulative_probabilities(state)  # the small-state path: a binary search per shot
    assert np.array_equal(np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), last), expected)
    assert np.all(np.abs(state[sample_basis(state, u)]) > 0)
