"""Q# operations called inside kernels: inlined on the caller's qubits, with the semantics of the Q# program."""

from __future__ import annotations

import math

import pytest

import hybridrt as hr
from hybridrt import h, mz, qubit, qubits, ry, x

from .util import assert_same_distribution

qft = hr.qsharp.operation("Std.Canon.ApplyQFT")
iqft = hr.qsharp.operation("Adjoint Std.Canon.ApplyQFT")
ccnot = hr.qsharp.operation("Controlled Std.Intrinsic.X")

KICK = """
/// A phase kick controlled by the AND of `controls`, computed into an ancilla and uncomputed;
/// the target is then measured in the X basis.
operation Kick(theta : Double, controls : Qubit[], target : Qubit) : Result {
    use anc = Qubit();
    Controlled X(controls, anc);
    Controlled R1([anc], (theta, target));
    Controlled X(controls, anc);
    H(target);
    MResetZ(target)
}
"""
kick = hr.qsharp.operation("Kick", source=KICK)


@hr.kernel
def qft_then_rotations() -> list[bool]:
    q = qubits(3)
    x(q[0])
    ry(0.4, q[2])
    qft(q)
    h(q[1])
    ry(0.9, q[0])
    return mz(q)


QFT_PROGRAM = """
operation Main() : Result[] {
    use q = Qubit[3];
    X(q[0]);
    Ry(0.4, q[2]);
    Std.Canon.ApplyQFT(q);
    H(q[1]);
    Ry(0.9, q[0]);
    MResetEachZ(q)
}
"""


def test_library_operation_acts_on_the_callers_qubits_as_in_qsharp() -> None:
    assert qft.signature == (["Qubit[]"], "Unit")
    assert_same_distribution(qft_then_rotations.distribution(), hr.from_qsharp(QFT_PROGRAM).distribution())


@hr.kernel
def round_trip() -> list[bool]:
    q = qubits(4)
    x(q[1])
    ry(0.3, q[3])
    qft(q)
    iqft(q)
    ry(-0.3, q[3])
    return mz(q)


def test_adjoint_operation_undoes_it() -> None:
    assert_same_distribution(round_trip.distribution(), {(False, True, False, False): 1.0})


@hr.kernel
def toffoli(a: bool, b: bool) -> bool:
    c = qubits(2)
    t = qubit()
    if a:
        x(c[0])
    if b:
        x(c[1])
    ccnot(c, t)
    return mz(t)


@pytest.mark.parametrize("a,b", [(False, False), (True, False), (False, True), (True, True)])
def test_controlled_operation(a: bool, b: bool) -> None:
    assert toffoli.distribution(a, b) == {a and b: 1.0}


@hr.kernel
def kicks(theta: float) -> tuple[bool, bool]:
    c = qubits(2)
    t = qubit()
    h(c[0])
    x(c[1])
    h(t)
    first = kick(0.8, c, t)  # a compile-time angle, a register, a qubit; returns its Result as a bool
    h(t)
    second = kick(1.6, c, t)
    return first, second


KICKS_PROGRAM = KICK + """
operation Main() : (Result, Result) {
    use c = Qubit[2];
    use t = Qubit();
    H(c[0]);
    X(c[1]);
    H(t);
    let first = Kick(0.8, c, t);
    H(t);
    let second = Kick(1.6, c, t);
    ResetAll(c);
    (first, second)
}
"""


def test_user_operation_with_classical_arguments_ancilla_and_result() -> None:
    d = kicks.distribution(0.0)
    assert_same_distribution(d, hr.from_qsharp(KICKS_PROGRAM).distribution())
    p_first = 0.5 * 1.0 + 0.5 * math.cos(0.8 / 2) ** 2  # H R1 H on |0> after H: kicked only when c0 = 1
    assert abs(sum(p for (f, _), p in d.items() if not f) - p_first) < 1e-10
    assert kicks.compile(0.0).num_qubits == 4  # one ancilla, lent to both calls
    assert len(kick._programs) == 2  # compiled once per (angle, register size, qubit) shape


@hr.kernel
def runtime_angle(theta: float) -> bool:
    c = qubits(2)
    t = qubit()
    return kick(theta, c, t)


@hr.kernel
def wrong_kind() -> bool:
    c = qubits(2)
    return kick(0.5, c[0], c[1])


@hr.kernel
def same_qubit_twice() -> bool:
    c = qubits(2)
    return kick(0.5, c, c[0])


@hr.kernel
def wrong_count() -> None:
    q = qubits(2)
    qft(q[0:1], q[1:2])


missing = hr.qsharp.operation("Std.Canon.NoSuchThing")


@hr.kernel
def unknown() -> None:
    q = qubits(2)
    missing(q)


@pytest.mark.parametrize("kernel,args,message", [
    (runtime_angle, (0.5,), r"argument 1 of Kick\(\) must be known when the kernel is compiled, got a float"),
    (wrong_kind, (), r"Kick\(\): argument 2 of Kick is a Qubit\[\], got a qubit"),
    (same_qubit_twice, (), r"Kick\(\) applied to the same qubit twice"),
    (wrong_count, (), r"Std.Canon.ApplyQFT\(\): Std.Canon.ApplyQFT takes 1 argument \(Qubit\[\]\), got 2"),
    (unknown, (), (r"Std.Canon.NoSuchThing\(\): Q# name error: `Std.Canon.NoSuchThing` not found "
                   r"\[Qdk.Qsc.Resolve.NotFound\] \(at <Q# name Std.Canon.NoSuchThing>:1:28\)")),
])
def test_bad_calls_are_compile_errors_at_the_call(kernel: hr.Kernel, args: tuple, message: str) -> None:
    with pytest.raises(hr.CompileError, match=message) as e:
        kernel.compile(*args)
    assert e.value.loc is not None and e.value.loc.file == __file__


def test_operations_need_a_kernel_and_an_operation() -> None:
    with pytest.raises(TypeError, match="can only be called inside a @hr.kernel function"):
        qft([1, 2])
    with pytest.raises(ValueError, match="a Q# operation name"):
        hr.qsharp.operation("not a name!")
    with pytest.raises(hr.qsharp.QsharpError, match="a Q# function"):
        _ = hr.qsharp.operation("Std.Math.Sqrt").signature
    with pytest.raises(hr.qsharp.QsharpError, match="generic or callable-valued"):
        _ = hr.qsharp.operation("Std.Canon.ApplyToEach").signature
