"""from_qsharp: Q# text, files and projects run on the engine with Q#'s value shapes; Q#'s errors reach the user."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import pytest

import hybridrt as hr
from hybridrt.qsharp import QsharpError

from .util import assert_same_distribution

SHAPES = """
operation Main() : (Result, Bool, Int, Double, Result[], Int[]) {
    use qs = Qubit[2];
    X(qs[0]);
    let r = MResetZ(qs[0]);
    let rs = [MResetZ(qs[1]), r];
    (r, r == Zero, 7 / 2, 1.5 * 3.0, rs, [1, -2, 3])
}
"""


def test_values_keep_their_qsharp_shape() -> None:
    assert hr.from_qsharp(SHAPES)() == (True, False, 3, 4.5, [False, True], [1, -2, 3])


def test_unit_is_none_and_the_kernel_is_named_after_the_entry() -> None:
    k = hr.from_qsharp("operation Prepare() : Unit { use q = Qubit(); H(q); Reset(q); }", entry="Prepare")
    assert k.name == "Prepare" and k() is None


def test_entry_expressions_with_arguments() -> None:
    source = """
        operation Main(n : Int, theta : Double) : (Int, Result) {
            use q = Qubit();
            for _ in 1..n { Ry(theta, q); }
            (n, MResetZ(q))
        }"""
    d = hr.from_qsharp(source, entry="Main(3, 0.5)").distribution()
    p1 = math.sin(3 * 0.5 / 2) ** 2
    assert_same_distribution(d, {(3, True): p1, (3, False): 1 - p1})


def test_mid_circuit_feedback_loops_on_results_and_doubles() -> None:
    source = """
        import Std.Convert.*;
        operation Main() : (Int, Double) {
            use (a, b) = (Qubit(), Qubit());
            mutable n = 0;
            mutable angle = 0.0;
            repeat {
                H(a);
                set n += 1;
                set angle += 0.25 * IntAsDouble(n);
            } until MResetZ(a) == One or n >= 3;
            Ry(angle, b);
            (n, angle + (MResetZ(b) == One ? 10.0 | 0.0))
        }"""
    d = hr.from_qsharp(source).distribution()
    want: dict[tuple[int, float], float] = {}
    for n, p_n in ((1, 0.5), (2, 0.25), (3, 0.25)):
        angle = 0.25 * n * (n + 1) / 2
        want[(n, angle + 10.0)] = p_n * math.sin(angle / 2) ** 2
        want[(n, angle)] = p_n * math.cos(angle / 2) ** 2
    assert_same_distribution(d, want)


def test_qs_file_and_project_folder(tmp_path: Path) -> None:
    (tmp_path / "flip.qs").write_text("operation Main() : Result { use q = Qubit(); X(q); MResetZ(q) }\n")
    assert hr.from_qsharp(tmp_path / "flip.qs")() is True
    assert hr.from_qsharp(str(tmp_path / "flip.qs"))() is True
    project = tmp_path / "project"
    (project / "src" / "Lib").mkdir(parents=True)
    (project / "qsharp.json").write_text("{}\n")
    (project / "src" / "Lib" / "Gates.qs").write_text("operation Flip(q : Qubit, k : Int) : Unit {\n"
                                                       "    for _ in 1..k { X(q); }\n}\n")
    (project / "src" / "Program.qs").write_text("@EntryPoint()\noperation Run() : (Int, Result) {\n"
                                                "    use q = Qubit();\n    Lib.Gates.Flip(q, 3);\n"
                                                "    (3, MResetZ(q))\n}\n")
    k = hr.from_qsharp(project)
    assert k.name == "Run" and k.run(shots=5, seed=1).counts() == {(3, True): 5}


def test_a_program_needing_the_adaptive_profile_gets_it_unless_told_otherwise() -> None:
    source = """
        operation Main() : Int {
            use q = Qubit();
            mutable n = 1;
            while MResetZ(q) == Zero and n < 20 {
                H(q);
                set n += 1;
            }
            n
        }"""
    d = hr.from_qsharp(source).distribution()  # the first measurement reads |0>; then each exits with 1/2
    assert_same_distribution(d, {**{n: 0.5 ** (n - 1) for n in range(2, 20)}, 20: 0.5 ** 18})
    with pytest.raises(QsharpError, match=r"LoopWithDynamicCondition.*profile: adaptive_rif"):
        hr.from_qsharp(source, profile="adaptive_rif")
    with pytest.raises(ValueError, match="unknown QIR profile 'fast'"):
        hr.from_qsharp(source, profile="fast")


ERRORS = [
    ("operation Main() : Unit {\n    let x = ;\n}", None,
     ("<Q# source>:2:13: Q# syntax error: expected expression, found `;` [Qdk.Qsc.Parse.Rule]\n"
      "        let x = ;\n                ^")),
    ("operation Main() : Int {\n    let x = 1.0;\n    x + 1\n}", None,
     ("<Q# source>:3:9: Q# type error: expected Double, found Int [Qdk.Qsc.TypeCk.TyMismatch] (and 1 more Q# "
      "error)\n        x + 1\n            ^")),
    ("operation Main() : Double {\n    use q = Qubit();\n    let x = MResetZ(q) == One ? 1.0 | 2.0;\n    2.0 ^ x\n}",
     None, ("<Q# source>:4:5: Q# cannot use a dynamic exponent [Qdk.Qsc.CapabilitiesCk.UseOfDynamicExponent] "
            "(using an exponent that depends on a measurement result is not supported by the configured target "
            "profile; profile: adaptive)\n        2.0 ^ x\n        ^")),
    ("operation Main() : Int { 1 }", "Main(3)",
     ("<Q# entry expression>:1:6: Q# type error: expected Unit, found Int [Qdk.Qsc.TypeCk.TyMismatch]\n"
      "    Main(3)\n         ^")),
    ("operation Main(n : Int) : Int { n }", None, "Main takes parameters (n : Int): pass them with entry=\"Main(...)\""),
    ("operation Foo() : Int { 1 }", None,
     "no entry point: mark an operation @EntryPoint(), name it Main, or pass entry=\"Op(args)\""),
    ("namespace A { operation Main() : Int { 1 } }\nnamespace B { operation Main() : Int { 2 } }", None,
     "several operations named Main (A.Main, B.Main): choose one with entry="),
]


@pytest.mark.parametrize("source,entry,message", ERRORS)
def test_qsharp_errors_carry_qsharps_message_and_location(source: str, entry: str | None, message: str) -> None:
    with pytest.raises(QsharpError) as e:
        hr.from_qsharp(source, entry=entry)
    assert str(e.value) == message
    assert isinstance(e.value, hr.CompileError)


def test_errors_in_a_file_point_into_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.qs"
    path.write_text("operation Main() : Unit {\n    Foo();\n}\n")
    with pytest.raises(QsharpError) as e:
        hr.from_qsharp(path)
    assert str(e.value) == f"{path}:2:5: Q# name error: `Foo` not found [Qdk.Qsc.Resolve.NotFound]\n        Foo();\n        ^"
    with pytest.raises(QsharpError, match="cannot read Q# file .*missing.qs"):
        hr.from_qsharp(tmp_path / "missing.qs")
    with pytest.raises(QsharpError, match="a folder without a qsharp.json"):
        hr.from_qsharp(tmp_path)


def test_unsupported_results_raise_clear_errors() -> None:
    with pytest.raises(QsharpError, match="UseOfAdvancedOutput"):
        hr.from_qsharp("operation Main() : Pauli { PauliX }")
    with pytest.raises(hr.TargetError, match=r"Q# Main\(\): .*nested tuple output is not supported"):
        hr.from_qsharp("operation Main() : ((Result, Int), Bool) { use q = Qubit(); ((MResetZ(q), 1), true) }")


def test_qdks_global_interpreter_is_left_alone_and_other_threads_can_compile() -> None:
    from qdk import qsharp

    qsharp.init()
    qsharp.eval("function HybridrtMarker() : Int { 42 }")
    hr.from_qsharp("operation Main() : Int { 1 }")
    assert qsharp.eval("HybridrtMarker()") == 42
    values: list[object] = []
    worker = threading.Thread(target=lambda: values.append(hr.from_qsharp("operation Main() : Int { 5 }")()))
    worker.start()
    worker.join()
    assert values == [5]
