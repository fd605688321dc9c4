"""The kernel language end to end (source -> frontend -> IR -> engine), checked against Python's semantics."""

from __future__ import annotations

import math
from math import pi

import pytest

import hybridrt as hr
from hybridrt import cx, h, ir, mz, qubit, qubits, reset, rx, rz, x
from hybridrt.ir_text import format_program, parse_program

# ---------------------------------------------------------------- arithmetic

PAIRS = [(7, 2), (-7, 2), (7, -2), (-7, -2), (6, 3), (0, 5)]


@hr.kernel
def int_ops(a: int, b: int) -> tuple[int, int, float, int, int, int, int, int, int, int, int]:
    return a // b, a % b, a / b, a ** 2, (-a) ** 3, a & b, a | b, a ^ b, a << 3, a >> 1, ~a


def int_ops_py(a: int, b: int) -> tuple:
    return a // b, a % b, a / b, a ** 2, (-a) ** 3, a & b, a | b, a ^ b, a << 3, a >> 1, ~a


@pytest.mark.parametrize("a, b", PAIRS)
def test_int_arithmetic_at_run_time(a: int, b: int) -> None:
    assert int_ops(a, b) == int_ops_py(a, b)


def _folded(a: int, b: int) -> hr.Kernel:
    @hr.kernel
    def k() -> tuple[int, int, float, int, int, int, int, int, int, int, int]:
        return a // b, a % b, a / b, a ** 2, (-a) ** 3, a & b, a | b, a ^ b, a << 3, a >> 1, ~a
    return k


@pytest.mark.parametrize("a, b", PAIRS)
def test_int_arithmetic_folded_at_compile_time(a: int, b: int) -> None:
    k = _folded(a, b)
    assert not any(isinstance(i, (ir.Binary, ir.Unary)) for blk in k.ir.blocks for i in blk.instrs)
    assert k() == int_ops_py(a, b)


@hr.kernel
def float_ops(a: float, b: float) -> tuple[float, float, float, float, float, bool, bool]:
    return a // b, a % b, a / b, a ** b, -a * b + 0.5, a < b, a == b


@pytest.mark.parametrize("a, b", [(7.5, 2.0), (-7.5, 2.0), (7.5, -2.0), (2.0, 0.5), (2.0, -1.5)])
def test_float_arithmetic(a: float, b: float) -> None:
    assert float_ops(a, b) == (a // b, a % b, a / b, a ** b, -a * b + 0.5, a < b, a == b)


@hr.kernel
def mixed(n: int, f: float, t: bool) -> tuple[float, int, int, float, int, bool, int]:
    return n + f, t + t, t * n, n / 4, -t, t & True, n ** 0


def test_mixed_int_float_bool() -> None:
    assert mixed(3, 0.25, True) == (3.25, 2, 3, 0.75, -1, True, 1)


@hr.kernel
def power_negative_exponent(n: int) -> float:
    return n ** -2


def test_int_power_with_negative_constant_exponent_is_float() -> None:
    assert power_negative_exponent(2) == 0.25


@hr.kernel
def divide(a: int, b: int) -> int:
    return a // b


def test_division_by_zero_at_run_time() -> None:
    with pytest.raises(hr.KernelRuntimeError, match="division by zero"):
        divide(1, 0)


@hr.kernel
def chained(a: int, b: int, c: int) -> tuple[bool, bool, bool]:
    return a < b < c, a <= b == c, 0 < a != b >= c


@pytest.mark.parametrize("abc", [(1, 2, 3), (1, 3, 2), (2, 2, 2), (3, 2, 1), (0, 1, 1)])
def test_chained_comparisons(abc: tuple[int, int, int]) -> None:
    a, b, c = abc
    assert chained(a, b, c) == (a < b < c, a <= b == c, 0 < a != b >= c)


@hr.kernel
def middle_measured_once() -> int:
    q = qubit()
    h(q)
    ok = 0 <= int(mz(q)) <= 1
    h(q)
    return int(ok) + int(mz(q))


def test_chained_comparison_evaluates_the_middle_once() -> None:
    # one measurement collapses q; a second one inside the chain would show up as a random result
    vals = set(middle_measured_once.run(shots=200, seed=3).values)
    assert vals == {1, 2}
    ir = str(middle_measured_once.ir)
    assert ir.count("= mz") == 2


@hr.kernel
def and_or_values(a: int, b: int, f: float) -> tuple[int, int, float, bool]:
    return a or b, a and b, f or a, not a


@pytest.mark.parametrize("a, b", [(0, 5), (3, 5), (3, 0), (0, 0)])
def test_and_or_give_the_deciding_operand(a: int, b: int) -> None:
    assert and_or_values(a, b, 0.0) == (a or b, a and b, float(0.0 or a), not a)


@hr.kernel
def short_circuit(flag: bool, use_or: bool) -> bool:
    q = qubit()
    h(q)
    if use_or:
        _ = flag or mz(q)
    else:
        _ = flag and mz(q)
    h(q)
    return mz(q)  # |0> again unless the measurement in the condition happened


@pytest.mark.parametrize("flag, use_or", [(False, False), (True, True)])
def test_and_or_short_circuit_skips_the_measurement(flag: bool, use_or: bool) -> None:
    assert set(short_circuit.run(flag, use_or, shots=200, seed=1).values) == {False}


@pytest.mark.parametrize("flag, use_or", [(True, False), (False, True)])
def test_and_or_evaluate_the_right_operand_when_needed(flag: bool, use_or: bool) -> None:
    assert set(short_circuit.run(flag, use_or, shots=200, seed=1).values) == {False, True}


@hr.kernel
def conditional_expr(n: int) -> tuple[float, int]:
    return 0.5 if n > 0 else n, (n if n > 2 else 2) * 2  # noqa: FURB136


def test_conditional_expression_mixed_int_float() -> None:
    assert conditional_expr(5) == (0.5, 10)
    assert conditional_expr(-3) == (-3.0, 4)


# ---------------------------------------------------------------- math


@hr.kernel
def math_fns(v: float) -> tuple[float, float, int, int, float, float, float, int, float, float]:
    return (math.pi, math.sqrt(v), math.floor(v), math.ceil(v), math.sin(v) ** 2 + math.cos(v) ** 2,
            math.atan2(v, 1.0), math.log(v, 2), abs(-3), min(v, 1), max(2, -v))  # noqa: FURB163


def test_math_functions_and_constants() -> None:
    r = math_fns(2.5)
    assert r[:4] == (math.pi, math.sqrt(2.5), 2, 3)
    assert type(r[2]) is int and type(r[3]) is int
    assert r[4] == pytest.approx(1.0, abs=1e-12)
    assert r[5:] == (math.atan2(2.5, 1.0), math.log(2.5, 2), 3, 1.0, 2.0)  # noqa: FURB163


@hr.kernel
def from_math_import() -> float:
    return pi / 2


def test_from_math_import_pi() -> None:
    assert from_math_import() == pi / 2


@hr.kernel
def sqrt_negative(v: float) -> float:
    return math.sqrt(v)


def test_math_domain_error_at_run_time() -> None:
    with pytest.raises(hr.KernelRuntimeError, match="domain"):
        sqrt_negative(-1.0)


# ---------------------------------------------------------------- variables and control flow


@hr.kernel
def widened(n: int) -> float:
    x = 0
    for _ in range(n):
        x += 0.5
    return x


def test_variable_widened_from_int_to_float() -> None:
    assert widened(3) == 1.5
    assert "x: float" in str(widened.ir)


@hr.kernel
def classify(n: int) -> int:
    if n < 0:
        return -1
    elif n == 0:
        return 0
    elif n < 10:
        r = 1
    else:
        r = 2
    return r


def test_if_elif_else() -> None:
    assert [classify(n) for n in (-5, 0, 3, 42)] == [-1, 0, 1, 2]


@hr.kernel
def while_break_continue(limit: int) -> tuple[int, int]:
    i = 0
    total = 0
    while True:
        i += 1
        if i > limit:
            break
        if i % 2 == 0:
            continue
        total += i
    return i, total


def test_while_with_break_and_continue() -> None:
    assert while_break_continue(7) == (8, 1 + 3 + 5 + 7)


@hr.kernel
def ranges(n: int) -> tuple[int, int, int, int, int]:
    a = 0
    for i in range(4):
        a += i
    b = 0
    for i in range(2, 5):
        b += i
    c = 0
    for i in range(1, 10, 3):
        c = c * 10 + i
    d = 0
    for i in range(5, 0, -2):
        d = d * 10 + i
    e = 0
    for i in range(n, 2 * n):
        e += i
    return a, b, c, d, e


def test_for_over_range() -> None:
    assert ranges(3) == (6, 9, 147, 531, 3 + 4 + 5)
    assert ranges(0)[4] == 0


@hr.kernel
def over_register() -> int:
    q = qubits(4)
    x(q[1])
    x(q[3])
    n = 0
    for b in q:
        n = 2 * n + mz(b)
    return n


def test_for_over_a_qubit_register() -> None:
    assert over_register() == 0b0101


@hr.kernel
def over_list() -> int:
    q = qubits(3)
    x(q[0])
    x(q[2])
    n = 0
    for bit in mz(q):
        n = 2 * n + bit
    return n


def test_for_over_a_measured_list() -> None:
    assert over_list() == 0b101


@hr.kernel
def first_set(bits: list[bool]) -> int:
    for i in range(len(bits)):
        if bits[i]:
            return i
    return -1


def test_early_return_from_a_loop() -> None:
    assert first_set([False, False, True, True]) == 2
    assert first_set([False, False]) == -1


@hr.kernel
def loop_variable_after_loop() -> int:
    for i in range(3):
        last = i * 10
    return last + i


def test_names_bound_in_a_loop_that_surely_runs_stay_bound() -> None:
    assert loop_variable_after_loop() == 22


@hr.kernel
def assigned_on_both_branches(flag: bool) -> int:
    if flag:
        v = 1
    else:
        v = 2
    return v


def test_variable_assigned_on_both_branches() -> None:
    assert (assigned_on_both_branches(True), assigned_on_both_branches(False)) == (1, 2)


@hr.kernel
def bound_at_break() -> tuple[int, bool]:
    q = qubit()
    n = 0
    while True:
        h(q)
        m = mz(q)
        reset(q)
        n += 1
        if m:
            break
    return n, m


def test_variable_bound_before_every_break_is_bound_after_the_loop() -> None:
    values = bound_at_break.run(shots=100, seed=2).values
    assert {m for _, m in values} == {True} and {n for n, _ in values} >= {1, 2}


ANGLE = pi
OFFSET = 3


def _with_closure(n: int) -> hr.Kernel:
    @hr.kernel
    def k() -> tuple[bool, int]:
        q = qubit()
        rx(ANGLE, q)
        return mz(q), n + OFFSET
    return k


def test_module_constants_and_closures() -> None:
    assert _with_closure(4)() == (True, 7)
    assert _with_closure(10)() == (True, 13)


# ---------------------------------------------------------------- kernel calls


@hr.kernel
def bell(a, b) -> None:  # type: ignore[no-untyped-def]
    h(a)
    cx(a, b)


@hr.kernel
def use_bell() -> tuple[bool, bool]:
    a, b = qubits(2)
    bell(a, b)
    return mz(a), mz(b)


def test_sub_kernel_takes_qubits_by_reference() -> None:
    assert set(use_bell.run(shots=200, seed=5).values) == {(False, False), (True, True)}


@hr.kernel
def parity(a: int, b: int) -> int:
    return (a + b) % 2


@hr.kernel
def sign_and_size(n: int):
    if n < 0:
        return -1, -n
    return 1, n


@hr.kernel
def use_returns(n: int) -> tuple[int, int, int]:
    s, m = sign_and_size(n)
    return parity(n, 1), s, m


def test_sub_kernels_returning_values() -> None:
    assert use_returns(-4) == (1, -1, 4)
    assert use_returns(7) == (0, 1, 7)


@hr.kernel
def ladder(q, n: int) -> None:  # type: ignore[no-untyped-def]
    if n > 0:
        x(q[n - 1])
        ladder(q, n - 1)


@hr.kernel
def use_ladder() -> list[bool]:
    q = qubits(4)
    ladder(q, 3)
    return mz(q)


def test_bounded_recursion_on_a_compile_time_value() -> None:
    assert use_ladder() == [True, True, True, False]
    assert str(use_ladder.ir).count("gate x") == 3


# ---------------------------------------------------------------- parameters and arguments


@hr.kernel
def params(n: int, f: float, flag: bool, angles: list[float]) -> tuple[int, float, bool, int, float]:
    total = 0.0
    for a in angles:
        total += a
    return n, f, flag, len(angles), total


def test_parameter_types() -> None:
    assert params(2, 0.5, True, [0.25, 0.5]) == (2, 0.5, True, 2, 0.75)
    assert params(2, 1, False, [1, 2, 3]) == (2, 1.0, False, 3, 6.0)


def test_list_parameter_length_is_part_of_the_signature() -> None:
    p2 = params.compile(0, 0.0, False, [0.0, 0.0])
    p3 = params.compile(0, 0.0, False, [0.0, 0.0, 0.0])
    assert "float[2]" in str(p2) and "float[3]" in str(p3)


@hr.kernel
def defaults(n: int, scale: float = 2.0, negate: bool = False) -> float:
    return -n * scale if negate else n * scale


def test_keyword_arguments_and_defaults() -> None:
    assert defaults(3) == 6.0
    assert defaults(3, negate=True) == -6.0
    assert defaults(n=1, scale=0.5) == 0.5
    assert defaults.run(2, scale=3.0, shots=2, seed=0).values == [6.0, 6.0]


def test_wrong_argument_count_or_type() -> None:
    with pytest.raises(TypeError, match=r"kernel defaults\(\): missing a required argument: 'n'"):
        defaults()
    with pytest.raises(TypeError, match=r"kernel defaults\(\): too many positional arguments"):
        defaults(1, 2.0, True, 4)
    with pytest.raises(TypeError, match=r"argument 'n' must be int, got float 1.5"):
        defaults(1.5)
    with pytest.raises(TypeError, match=r"argument 'angles' must be a list of float, got str 'ab'"):
        params(1, 1.0, True, "ab")


# ---------------------------------------------------------------- lists, registers, indexing


@hr.kernel
def store_bits() -> list[bool]:
    q = qubits(3)
    x(q[1])
    bits = [False] * 3
    for i in range(3):
        bits[i] = mz(q[i])
    return bits


def test_list_item_assignment_and_repetition() -> None:
    assert store_bits() == [False, True, False]


@hr.kernel
def list_display() -> list[bool]:
    a, b = qubits(2)
    x(b)
    m0 = mz(a)
    m1 = mz(b)
    return [m0, m1]


@hr.kernel
def list_display_unannotated():
    a = qubit()
    return [mz(a), True]


def test_list_display_return() -> None:
    assert list_display() == [False, True]
    assert list_display_unannotated() == [False, True]


@hr.kernel
def register_ops() -> tuple[int, list[bool], bool, bool]:
    q = qubits(5)
    x(q[1:3])
    x(q[-1])
    return len(q), mz(q[1:4]), mz(q[-1]), mz(q[0])


def test_slices_len_and_negative_indices() -> None:
    assert register_ops() == (5, [True, True, False], True, False)


@hr.kernel
def broadcast() -> list[bool]:
    q = qubits(3)
    h(q)
    h(q)
    x(q)
    reset(q[0])
    return mz(q)


def test_gates_broadcast_over_a_register() -> None:
    assert broadcast() == [False, True, True]


@hr.kernel
def attribute_gates() -> tuple[bool, bool]:
    a, b = hr.qubits(2)
    hr.h(a)
    hr.cx(a, b)
    return hr.mz(a), hr.mz(b)


def test_gates_in_attribute_form() -> None:
    assert set(attribute_gates.run(shots=100, seed=4).values) == {(False, False), (True, True)}


@hr.kernel
def runtime_qubit_index(k: int) -> list[bool]:
    q = qubits(3)
    x(q[k])
    rz(0.5, q[k])
    return mz(q)


def test_qubit_index_known_only_at_run_time() -> None:
    assert runtime_qubit_index(2) == [False, False, True]
    with pytest.raises(hr.KernelRuntimeError, match="index out of range"):
        runtime_qubit_index(3)


# ---------------------------------------------------------------- IR text round trip


@pytest.mark.parametrize("program", [
    lambda: int_ops.ir, lambda: chained.ir, lambda: short_circuit.ir, lambda: while_break_continue.ir,
    lambda: ranges.ir, lambda: use_ladder.ir, lambda: store_bits.ir, lambda: runtime_qubit_index.ir,
    lambda: params.compile(0, 0.0, False, [0.0] * 4), lambda: use_returns.ir,
], ids=["int_ops", "chained", "short_circuit", "while", "ranges", "ladder", "store_bits", "qubit_at",
        "params", "returns"])
def test_ir_text_round_trip(program) -> None:  # type: ignore[no-untyped-def]
    p = program()
    assert parse_program(format_program(p)) == p
    assert str(p) == format_program(p)
