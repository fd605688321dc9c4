"""Classical expressions, variables and stores that Qiskit Aer rejects, checked against exact hand-computed
distributions: integer arithmetic with wraparound, Float values, stores into Vars, while loops on registers."""

from __future__ import annotations

import math

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit.classical import expr, types

import hybridrt as hr
from hybridrt.qiskit import from_qiskit

U4, U8, U64, F = types.Uint(4), types.Uint(8), types.Uint(64), types.Float()


def assert_distribution(actual: dict, expected: dict) -> None:
    assert set(actual) == set(expected)
    for key, p in expected.items():
        assert actual[key] == pytest.approx(p, abs=1e-10), key


def coins(n: int, creg: str = "c") -> QuantumCircuit:
    """``n`` qubits in uniform superposition, measured into register ``creg``: each value has probability 2^-n."""
    c = ClassicalRegister(n, creg)
    qc = QuantumCircuit(QuantumRegister(n + 1, "q"), c)
    qc.h(range(n))
    qc.measure(range(n), c)
    return qc


def test_uint_arithmetic_wraps_and_feeds_back() -> None:
    qc = coins(3)
    c = qc.cregs[0]
    flag = ClassicalRegister(1, "d")
    qc.add_register(flag)
    v = qc.add_var("v", expr.lift(0, U4))
    qc.store(v, expr.add(expr.mul(expr.cast(c, U4), 3), 5))  # (3c + 5) mod 16
    with qc.if_test(expr.greater(v, 10)):
        qc.x(3)
    qc.measure(3, flag[0])
    expected = {}
    for value in range(8):
        w = (3 * value + 5) % 16
        expected[(f"{int(w > 10)} {value:03b}", w)] = 1 / 8
    assert_distribution(from_qiskit(qc).distribution(vars=True), expected)


def test_uint_operations_at_every_width() -> None:
    """Sub, div, shifts, bit_not, comparisons and casts at widths 8 and 64 (unsigned, wrapping)."""
    qc = coins(2)
    c = qc.cregs[0]
    x8, x64 = expr.cast(c, U8), expr.cast(c, U64)
    outs = {
        "sub8": expr.sub(x8, 5), "div8": expr.div(expr.lift(200, U8), expr.add(x8, 1)),
        "shl8": expr.shift_left(expr.add(x8, 1), 7), "shr8": expr.shift_right(expr.lift(0xF0, U8), expr.add(x8, 2)),
        "not8": expr.bit_not(x8),
        "sub64": expr.sub(x64, 1), "div64": expr.div(expr.sub(x64, 1), expr.add(x64, 2)),
        "shr64": expr.shift_right(expr.sub(x64, 3), expr.add(x64, 60)),
        "wide": expr.shift_left(expr.lift(1, U64), expr.mul(x64, 40)),
    }
    variables = {name: qc.add_var(name, e) for name, e in outs.items()}
    qc.add_var("big", expr.greater(expr.sub(x64, 1), expr.lift(2**63, U64)))
    qc.add_var("as_float", expr.cast(expr.sub(x64, 1), F))
    qc.add_var("back", expr.cast(expr.mul(expr.cast(expr.sub(x64, 1), F), 0.5), U64))
    m = (1 << 64) - 1
    expected = {}
    for value in range(4):
        row = {"sub8": (value - 5) % 256, "div8": 200 // (value + 1), "shl8": ((value + 1) << 7) % 256,
               "shr8": 0xF0 >> (value + 2), "not8": 255 - value,
               "sub64": (value - 1) & m, "div64": ((value - 1) & m) // (value + 2),
               "shr64": ((value - 3) & m) >> (value + 60), "wide": (1 << (40 * value)) & m if 40 * value < 64 else 0}
        key = [f"{value:02b}", *(row[name] for name in variables)]
        key += [((value - 1) & m) > 2**63, float((value - 1) & m), int(float((value - 1) & m) * 0.5)]
        expected[tuple(key)] = 1 / 4
    k = from_qiskit(qc)
    assert k.layout.vars == (*variables, "big", "as_float", "back")
    got = {}
    for (bits, *values), p in k.distribution(vars=True).items():  # int vars hold 64-bit patterns
        got[(bits, *(v & m if isinstance(v, int) and not isinstance(v, bool) else v for v in values))] = p
    assert_distribution(got, expected)


def test_float_variable_accumulates_in_a_repeat_until_success_loop() -> None:
    q = QuantumRegister(2, "q")
    done, flag = ClassicalRegister(1, "done"), ClassicalRegister(1, "flag")
    qc = QuantumCircuit(q, done, flag)
    f = qc.add_var("f", expr.lift(0.0))
    n = qc.add_var("n", expr.lift(0, U8))
    with qc.while_loop(expr.logic_not(done[0])):
        qc.reset(0)
        qc.h(0)
        qc.measure(0, done[0])
        qc.store(n, expr.add(n, 1))
        qc.store(f, expr.add(f, expr.div(1.0, expr.cast(n, F))))  # harmonic numbers
    with qc.if_test(expr.greater(f, 1.6)):  # H_n > 1.6 from n = 3 on
        qc.x(1)
    qc.measure(1, flag[0])
    dist = from_qiskit(qc).distribution(vars=True, cutoff=1e-12)
    harmonic = 0.0
    for k in range(1, 30):
        harmonic += 1.0 / k
        assert dist[(f"{int(harmonic > 1.6)} 1", harmonic, k)] == pytest.approx(2.0**-k, abs=1e-12)
    assert sum(dist.values()) + dist.dropped == pytest.approx(1.0, abs=1e-12)


def test_while_loop_on_a_register_counts_rounds() -> None:
    """Repeat two coin flips until both read 1: round count is geometric with p = 1/4."""
    q = QuantumRegister(2, "q")
    c = ClassicalRegister(2, "c")
    qc = QuantumCircuit(q, c)
    rounds = qc.add_var("rounds", expr.lift(0, U8))
    with qc.while_loop(expr.not_equal(c, 3)):
        qc.reset(q)
        qc.h(q)
        qc.measure(q, c)
        qc.store(rounds, expr.add(rounds, 1))
    dist = from_qiskit(qc).distribution(vars=True, cutoff=1e-13)
    for k in range(1, 20):
        assert dist[("11", k)] == pytest.approx(0.75 ** (k - 1) * 0.25, abs=1e-12)


def test_while_on_register_value_tuple_and_stores_into_registers_and_bits() -> None:
    q = QuantumRegister(1, "q")
    c, d = ClassicalRegister(3, "c"), ClassicalRegister(4, "d")
    qc = QuantumCircuit(q, c, d)
    i = qc.add_var("i", expr.lift(0, U8))
    with qc.while_loop((c, 0b000)):  # one pass: c becomes non-zero
        qc.h(0)
        qc.measure(0, c[0])
        qc.store(expr.index(c, 2), True)
    qc.store(d, expr.bit_or(expr.shift_left(expr.cast(c, U4), 1), 1))  # a whole register
    qc.store(expr.index(d, expr.add(i, 3)), expr.lift(False))  # a bit chosen at run time
    qc.store(expr.index(i, 2), expr.index(c, 0))  # one bit of a variable
    dist = from_qiskit(qc).distribution(vars=True)
    assert_distribution(dist, {("0001 100", 0): 0.5, ("0011 101", 4): 0.5})


def test_switch_on_an_expression_and_logic() -> None:
    qc = coins(2)
    c = qc.cregs[0]
    out = ClassicalRegister(2, "o")
    qc.add_register(out)
    with qc.switch(expr.add(expr.cast(c, U8), 1)) as case:
        with case(1, 4):
            qc.x(2)
        with case(2):
            qc.store(out[1], expr.logic_and(c[0], expr.logic_not(c[1])))
        with case(case.DEFAULT):
            qc.store(out[1], expr.bit_xor(c[0], c[1]))
    qc.measure(2, out[0])
    assert_distribution(from_qiskit(qc).distribution(),
                        {"01 00": 0.25, "10 01": 0.25, "10 10": 0.25, "01 11": 0.25})


def test_for_loop_over_values_with_break_and_continue() -> None:
    qc = QuantumCircuit(QuantumRegister(1, "q"), ClassicalRegister(1, "c"))
    n = qc.add_var("n", expr.lift(0, U8))
    with qc.for_loop([5, 7, 9, 11]) as angle_index:
        qc.store(n, expr.add(n, 1))
        with qc.if_test(expr.equal(n, 2)):
            qc.continue_loop()
        qc.rx(angle_index * math.pi / 8, 0)
        with qc.if_test(expr.equal(n, 3)):
            qc.break_loop()
    qc.measure(0, 0)
    theta = (5 + 9) * math.pi / 8  # the 7 is skipped, the loop breaks after 9
    p1 = math.sin(theta / 2) ** 2
    assert_distribution(from_qiskit(qc).distribution(vars=True), {("1", 3): p1, ("0", 3): 1 - p1})


def test_input_vars_are_kernel_arguments() -> None:
    qc = QuantumCircuit(QuantumRegister(1, "q"), ClassicalRegister(1, "c"))
    flip = qc.add_input("flip", types.Bool())
    times = qc.add_input("times", U8)
    with qc.if_test(expr.logic_and(flip, expr.greater(times, 2))):
        qc.x(0)
    qc.measure(0, 0)
    k = from_qiskit(qc)
    assert dict(k.distribution(True, 3)) == {"1": 1.0}
    assert dict(k.distribution(flip=True, times=2)) == {"0": 1.0}


def test_integers_wider_than_64_bits_are_refused_by_name() -> None:
    qc = QuantumCircuit(1, 1)
    qc.add_var("wide", expr.lift(1, types.Uint(65)))
    with pytest.raises(hr.TargetError, match=r"instruction 0 \('store'\).*wider than 64 bits"):
        from_qiskit(qc)
    r = ClassicalRegister(70, "r")
    qc = QuantumCircuit(QuantumRegister(1), r)
    with qc.if_test((r, 5)):  # a comparison bit by bit: fine
        qc.x(0)
    with qc.if_test(expr.equal(r, 5)):  # the register as a number: too wide
        qc.x(0)
    with pytest.raises(hr.TargetError, match="instruction 1 .*register 'r' used as an integer.*wider than 64"):
        from_qiskit(qc)
