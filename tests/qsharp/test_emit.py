"""Kernels written as Q#: readable text, and every kernel round-trips through qdk with the same distribution."""

from __future__ import annotations

from pathlib import Path

import pytest

import hybridrt as hr
from hybridrt import cx, h, ir, mz, qubit, qubits, reset, rx, ry, x
from hybridrt.builder import Builder

from .. import test_programs as programs
from ..qir_targets import suite
from ..random_programs import random_program
from ..test_differential_aer import load_kernel
from .util import SIGNIFICANCE, assert_same_distribution, fits, key, keyed, round_trip

RUS_QSHARP = """\
/// Kernel `rus`, emitted by hybridrt.
operation rus() : (Int, Bool) {
    use q = Qubit[2];
    mutable n = 0;
    mutable done = false;
    while not done {
        H(q[0]);
        set done = MResetZ(q[0]) == One;
        set n = n + 1;
    }
    X(q[1]);
    let m_2 = M(q[1]) == One;
    ResetAll(q);
    (n, m_2)
}
"""


def test_emitted_qsharp_is_readable() -> None:
    assert programs.rus.to_qsharp() == RUS_QSHARP


@hr.kernel
def early_exit(limit: int) -> int:
    a, b = qubits(2)
    tries = 0
    while tries < limit:
        tries += 1
        h(a)
        if mz(a):
            reset(a)
            continue
        h(b)
        if mz(b):
            return 100 + tries  # a return inside a loop
        reset(b)
    if tries > 2:
        x(b)
    return tries + 10 * int(mz(b))


def test_loops_with_continue_and_early_return_stay_structured() -> None:
    text = early_exit.to_qsharp(4)
    assert "break;" in text and "state" not in text
    assert_same_distribution(early_exit.distribution(4), round_trip(early_exit, 4).distribution())


@hr.kernel
def nested_return() -> int:
    a, b = qubits(2)
    h(a)
    h(b)
    n = 0
    if mz(a):
        ry(0.7, b)
        if mz(b):
            return 7
        n = 1
    x(b)
    return n + 2 * int(mz(b))


def test_code_after_a_return_in_a_branch_is_guarded() -> None:
    text = nested_return.to_qsharp()
    assert "set returned = true;" in text and "if not returned {" in text
    assert_same_distribution(nested_return.distribution(), round_trip(nested_return).distribution())


def test_a_return_from_nested_loops_leaves_both_through_the_returned_flag() -> None:
    kernel = programs.return_from_nested_loops
    text = kernel.to_qsharp()
    assert "state" not in text and text.count("if returned { break; }") == 1
    assert_same_distribution(kernel.distribution(), round_trip(kernel).distribution())


@hr.kernel
def keyword_names(theta: float) -> tuple[int, float, bool]:
    q = qubits(2)
    set = 1
    result = 2.5
    returned = False
    let = theta
    ry(let, q[0])
    if mz(q[0]):
        set += 1
        result = result * 2
        returned = True
    return set, result, returned


def test_names_that_clash_with_qsharp() -> None:
    text = keyword_names.to_qsharp()
    assert "operation keyword_names(theta : Double) : (Int, Double, Bool)" in text
    back = hr.from_qsharp(text, entry="keyword_names(0.8)")
    assert_same_distribution(keyword_names.distribution(0.8), back.distribution())


def test_parameters_stay_parameters_without_arguments() -> None:
    text = suite.teleport.to_qsharp()
    assert "operation teleport(theta : Double)" in text
    back = hr.from_qsharp(text, entry="teleport(1.1)")
    assert_same_distribution(suite.teleport.distribution(1.1), back.distribution())


def test_list_arguments_are_bound() -> None:
    with pytest.raises(TypeError, match="parameter 'angles' is a list"):
        suite.list_argument.to_qsharp()
    text = suite.list_argument.to_qsharp([0.1, 0.2, 0.3])
    assert "operation list_argument() : (Bool[], Int)" in text and "set angles w/= 2 <- 0.3;" in text


@pytest.mark.parametrize("kernel,args", [(k, a) for k, a, _ in suite.CASES], ids=[k.name for k, _, _ in suite.CASES])
def test_suite_kernel_round_trips(kernel: hr.Kernel, args: tuple) -> None:
    assert_same_distribution(kernel.distribution(*args, cutoff=1e-9),
                             round_trip(kernel, *args).distribution(cutoff=1e-9))


PROGRAMS = [(programs.teleport, (1.1, 0.3)), (programs.teleport_raw, (0.7,)), (programs.rus, ()),
            (programs.rus_rotation, (4,)), (programs.active_reset, (8,)),
            (programs.parity, ([True, False, True, True, False, False],)), (programs.random_parity, ())]


@pytest.mark.parametrize("kernel,args", PROGRAMS, ids=[k.name for k, _ in PROGRAMS])
def test_program_round_trips(kernel: hr.Kernel, args: tuple) -> None:
    assert_same_distribution(kernel.distribution(*args, cutoff=1e-9),
                             round_trip(kernel, *args).distribution(cutoff=1e-9))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12))
def test_random_program_round_trips(seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kernel = load_kernel(random_program(seed), tmp_path, monkeypatch)
    assert_same_distribution(kernel.distribution(), round_trip(kernel).distribution())


def irreducible() -> ir.Program:
    """A loop entered at two places (no structured form): n counts up from a random start by 1s and 2s."""
    b = Builder("irreducible", "<test>")
    q = b.allocate_qubits(1)
    n, m, c = b.reg("n", ir.INT), b.reg("m", ir.BOOL), b.reg("c", ir.BOOL)
    left, right, done = b.new_label("left"), b.new_label("right"), b.new_label("done")
    b.emit(ir.Gate("h", (ir.Const(q, ir.QUBIT),)))
    b.emit(ir.Measure(m, ir.Const(q, ir.QUBIT)))
    b.terminate(ir.Branch(m, left, right))
    b.start(left)
    b.emit(ir.Binary(n, "add", n, ir.const(1)))
    b.emit(ir.Binary(c, "lt", n, ir.const(4)))
    b.terminate(ir.Branch(c, right, done))
    b.start(right)
    b.emit(ir.Binary(n, "add", n, ir.const(2)))
    b.emit(ir.Binary(c, "lt", n, ir.const(6)))
    b.terminate(ir.Branch(c, left, done))
    b.start(done)
    b.terminate(ir.Return((n,)))
    return b.finish(ir.INT)


def test_irreducible_control_flow_becomes_a_state_machine() -> None:
    kernel = hr.Kernel.from_ir(irreducible())
    text = kernel.to_qsharp()
    assert "while state != -1 {" in text
    back = hr.from_qsharp(text, entry="irreducible()")
    assert_same_distribution(kernel.distribution(), back.distribution())
    assert_same_distribution(kernel.distribution(), {4: 0.5, 6: 0.5})


@hr.kernel
def syndrome_history() -> list[bool]:
    """Bits stored at run-time indices inside a measurement-dependent loop: Q# that qdk runs but cannot
    compile to QIR (an array updated under dynamic control flow)."""
    q = qubit()
    anc = qubit()
    bits = [False] * 4
    i = 0
    while i < 4:
        rx(0.9, q)
        cx(q, anc)
        bits[i] = mz(anc)
        reset(anc)
        if bits[i]:
            x(q)
            i += 1
        i += 1
    return bits


def test_emitted_qsharp_runs_on_qsharp_run_where_qir_cannot_express_it() -> None:
    import qdk

    text = syndrome_history.to_qsharp()
    with pytest.raises(hr.qsharp.QsharpError, match="UseOfDynamicArray"):
        hr.from_qsharp(text, entry="syndrome_history()")
    ctx = qdk.Context()
    ctx.eval(text)
    samples = [key(v) for v in ctx.run("syndrome_history()", 3000, seed=5)]
    assert fits(keyed(syndrome_history.distribution()), samples) >= SIGNIFICANCE
