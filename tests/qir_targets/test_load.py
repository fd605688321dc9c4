"""Loading QIR: exact LLVM semantics, control flow and memory, input forms, errors, and qdk's QIR for Q# programs."""

from __future__ import annotations

import math
import re
import struct
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pyqir
import pyqir.rt
import pytest
from hybridrt.qir_targets.load import QirError, load
from scipy.stats import chi2_contingency

import hybridrt as hr
from hybridrt import ir

# Two-sample chi-square test of hybridrt's counts against qsharp.run's (and qdk's QIR simulator's) for
# the same program; categories with fewer than 10 pooled shots are merged.  Seeds are fixed on every
# side, so each test is deterministic; a case fails when p < SIGNIFICANCE.
SIGNIFICANCE = 1e-4
SHOTS = 4000

DECLS = """
declare void @__quantum__rt__initialize(ptr)
declare void @__quantum__qis__h__body(ptr)
declare void @__quantum__qis__x__body(ptr)
declare void @__quantum__qis__ry__body(double, ptr)
declare void @__quantum__qis__cx__body(ptr, ptr)
declare void @__quantum__qis__mz__body(ptr, ptr)
declare void @__quantum__qis__mresetz__body(ptr, ptr)
declare void @__quantum__qis__reset__body(ptr)
declare i1 @__quantum__rt__read_result(ptr)
declare void @__quantum__rt__write_result(i1, ptr)
declare ptr @__quantum__rt__qubit_allocate()
declare void @__quantum__rt__qubit_release(ptr)
declare void @__quantum__rt__tuple_record_output(i64, ptr)
declare void @__quantum__rt__array_record_output(i64, ptr)
declare void @__quantum__rt__result_record_output(ptr, ptr)
declare void @__quantum__rt__bool_record_output(i1, ptr)
declare void @__quantum__rt__int_record_output(i64, ptr)
declare void @__quantum__rt__double_record_output(double, ptr)
"""


def module(body: str, extra: str = "", qubits: int = 1, results: int = 1) -> str:
    """An Adaptive-profile QIR module whose entry point @main has ``body``; ``extra`` holds more definitions."""
    return (f"{extra}\ndefine i64 @main() #0 {{\n{body}\n}}\n{DECLS}\n"
            f'attributes #0 = {{ "entry_point" "output_labeling_schema" "qir_profiles"="adaptive_profile" '
            f'"required_num_qubits"="{qubits}" "required_num_results"="{results}" }}\n')


def q(i: int) -> str:
    return "ptr null" if i == 0 else f"ptr inttoptr (i64 {i} to ptr)"


def one_shot(text: str | bytes) -> Any:
    return hr.from_qir(text).run(shots=1, seed=0).values[0]


# ---------------------------------------------------------------- LLVM semantics, checked against Python


def _u(v: int, n: int) -> int:
    return v % 2**n


def _s(v: int, n: int) -> int:
    v %= 2**n
    return v - 2**n if v >> (n - 1) else v


def _int_ref(op: str, n: int, a: int, b: int) -> int:
    ua, ub, sa, sb = _u(a, n), _u(b, n), _s(a, n), _s(b, n)
    trunc_q = (abs(sa) // abs(sb)) * (1 if (sa < 0) == (sb < 0) else -1) if sb else 0
    ops = {"add": lambda: sa + sb, "sub": lambda: sa - sb, "mul": lambda: sa * sb, "and": lambda: ua & ub,
           "or": lambda: ua | ub, "xor": lambda: ua ^ ub, "shl": lambda: ua << ub, "lshr": lambda: ua >> ub,
           "ashr": lambda: sa >> ub, "sdiv": lambda: trunc_q, "srem": lambda: sa - sb * trunc_q,
           "udiv": lambda: ua // ub, "urem": lambda: ua % ub}
    return _s(ops[op](), n)


def _icmp_ref(pred: str, n: int, a: int, b: int) -> bool:
    x, y = (_u(a, n), _u(b, n)) if pred[0] == "u" else (_s(a, n), _s(b, n))
    return {"eq": x == y, "ne": x != y, "lt": x < y, "le": x <= y, "gt": x > y, "ge": x >= y}[
        pred if pred in ("eq", "ne") else pred[1:]]


def _fcmp_ref(pred: str, a: float, b: float) -> bool:
    if pred in ("true", "false"):
        return pred == "true"
    unordered = math.isnan(a) or math.isnan(b)
    if pred in ("ord", "uno"):
        return unordered == (pred == "uno")
    rel = {"eq": a == b, "ne": a != b and not unordered, "gt": a > b, "ge": a >= b, "lt": a < b,
           "le": a <= b}[pred[1:]]
    return (unordered or rel) if pred[0] == "u" else (not unordered and rel)


def _dbl(x: float) -> str:
    """``x`` as an LLVM double literal (the exact bits, in hex)."""
    return f"0x{struct.unpack('<Q', struct.pack('<d', x))[0]:016X}"


def semantics_cases() -> list[tuple[str, str, Any]]:
    """(LLVM lines computing %r, the type recorded, expected value) for each case; operands go through registers."""
    cases: list[tuple[str, str, Any]] = []
    big, low = 2**63 - 1, -(2**63)
    pairs64 = [(7, 2), (-7, 2), (7, -2), (-7, -2), (low, 3), (-1, 5), (big, -1), (-8, 3), (-1, -2), (5, -3),
               (low, -1 + 2), (123456789123, 1000)]
    for op in ("add", "sub", "mul", "and", "or", "xor", "sdiv", "srem", "udiv", "urem"):
        for a, b in pairs64:
            cases.append((f"%a = add i64 {a}, 0\n%b = add i64 {b}, 0\n%r = {op} i64 %a, %b", "int",
                          _int_ref(op, 64, a, b)))
    for op in ("sdiv", "srem", "udiv", "urem"):  # a constant divisor
        for a, b in [(-7, 2), (7, -2), (-9, 4), (-1, 3), (low, 7)]:
            cases.append((f"%a = add i64 {a}, 0\n%r = {op} i64 %a, {b}", "int", _int_ref(op, 64, a, b)))
    for op in ("shl", "lshr", "ashr"):
        for a, b in [(-8, 1), (-1, 63), (-1, 0), (5, 2), (3, 62), (low, 1), (big, 3)]:
            cases.append((f"%a = add i64 {a}, 0\n%b = add i64 {b}, 0\n%r = {op} i64 %a, %b", "int",
                          _int_ref(op, 64, a, b)))
    for n in (8, 16, 32):
        pairs = [(2**(n - 1) - 1, 1), (-8, 3), (2**(n // 2), 2**(n // 2)), (-(2**(n - 1)), -1 + 2), (100, -7), (-1, 1)]
        for op in ("add", "sub", "mul", "sdiv", "srem", "udiv", "urem", "lshr", "ashr", "shl", "xor"):
            for a, b in pairs:
                if op in ("lshr", "ashr", "shl"):
                    b = _u(b, n) % n
                cases.append(((f"%a = add i{n} {_s(a, n)}, 0\n%b = add i{n} {_s(b, n)}, 0\n%x = {op} i{n} %a, %b\n"
                              f"%r = sext i{n} %x to i64"), "int", _int_ref(op, n, a, b)))
    for pred in ("eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"):
        for n, a, b in [(64, -1, 1), (64, 3, 3), (64, low, big), (32, -1, 1), (32, 5, -5), (8, 100, -100),
                        (1, 1, 0), (1, 0, 1), (1, 1, 1)]:
            cases.append(((f"%a = add i{n} {_s(a, n) if n > 1 else ('true' if a else 'false')}, "
                          f"{'false' if n == 1 else 0}\n%r = icmp {pred} i{n} %a, "
                          f"{_s(b, n) if n > 1 else ('true' if b else 'false')}"), "bool", _icmp_ref(pred, n, a, b)))
    for v in (2**32 + 2**31, -1, 300, 5, 2**40 + 7):
        for n in (1, 8, 32):
            if n == 1:
                cases.append((f"%a = add i64 {v}, 0\n%r = trunc i64 %a to i1", "bool", bool(v & 1)))
            else:
                cases.append((f"%a = add i64 {v}, 0\n%x = trunc i64 %a to i{n}\n%r = sext i{n} %x to i64", "int",
                              _s(v, n)))
                cases.append((f"%a = add i64 {v}, 0\n%x = trunc i64 %a to i{n}\n%r = zext i{n} %x to i64", "int",
                              _u(v, n)))
                cases.append((f"%a = add i64 {v}, 0\n%x = trunc i64 %a to i{n}\n%r = uitofp i{n} %x to double",
                              "double", float(_u(v, n))))
                cases.append((f"%a = add i64 {v}, 0\n%x = trunc i64 %a to i{n}\n%r = sitofp i{n} %x to double",
                              "double", float(_s(v, n))))
    for b in (True, False):
        t = "true" if b else "false"
        cases += [(f"%a = add i1 {t}, false\n%r = zext i1 %a to i64", "int", int(b)),
                  (f"%a = add i1 {t}, false\n%r = sext i1 %a to i64", "int", -int(b)),
                  (f"%a = add i1 {t}, false\n%r = sitofp i1 %a to double", "double", -float(b)),
                  (f"%a = add i1 {t}, false\n%r = uitofp i1 %a to double", "double", float(b))]
    for v in (-1, low, 12345):
        cases.append((f"%a = add i64 {v}, 0\n%r = uitofp i64 %a to double", "double", float(_u(v, 64))))
    for x in (-2.7, 2.7, 1e10, -0.5):
        cases.append((f"%a = fadd double {_dbl(x)}, 0.0\n%r = fptosi double %a to i64", "int", math.trunc(x)))
        cases.append((f"%a = fadd double {_dbl(x)}, 0.0\n%x = fptosi double %a to i32\n%r = sext i32 %x to i64",
                      "int", math.trunc(x) if abs(x) < 2**31 else _s(math.trunc(x), 32)))
    cases.append(("%a = fadd double 3.9, 0.0\n%r = fptoui double %a to i64", "int", 3))
    for a, b in [(5.5, 2.0), (-5.5, 2.0), (5.5, -2.0), (-5.5, -2.0), (7.0, 7.0), (1e300, 3.0)]:
        cases.append((f"%a = fadd double {_dbl(a)}, 0.0\n%r = frem double %a, {_dbl(b)}", "double", math.fmod(a, b)))
        for op, f in (("fadd", a + b), ("fsub", a - b), ("fmul", a * b), ("fdiv", a / b)):
            cases.append((f"%a = fadd double {_dbl(a)}, 0.0\n%r = {op} double %a, {_dbl(b)}", "double", f))
    cases.append(("%a = fadd double 2.5, 0.0\n%r = fneg double %a", "double", -2.5))
    nan = float("nan")
    for pred in ("false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge", "ult", "ule",
                 "une", "uno", "true"):
        for a, b in [(1.0, 2.0), (2.0, 2.0), (nan, 1.0), (1.0, nan), (3.0, -1.0)]:
            cases.append((f"%a = fadd double {_dbl(a)}, 0.0\n%r = fcmp {pred} double %a, {_dbl(b)}", "bool",
                          _fcmp_ref(pred, a, b)))
    for c in (True, False):
        t = "true" if c else "false"
        cases += [
            (f"%c = add i1 {t}, false\n%r = select i1 %c, double 1.5, double -2.5", "double", 1.5 if c else -2.5),
            (f"%c = add i1 {t}, false\n%a = add i64 {low}, 0\n%r = select i1 %c, i64 %a, i64 {big}", "int",
             low if c else big),
            (f"%c = add i1 {t}, false\n%r = select i1 %c, i64 1, i64 0", "int", int(c)),
            (f"%c = add i1 {t}, false\n%x = icmp eq i1 %c, false\n%r = select i1 %c, i1 true, i1 %x", "bool", True),
            (f"%c = add i1 {t}, false\n%r = select i1 %c, i1 false, i1 true", "bool", not c),
            (f"%c = add i1 {t}, false\n%x = add i1 %c, true\n%r = select i1 %c, i1 %c, i1 %x", "bool", True),
            (f"%r = select i1 {t}, i64 7, i64 8", "int", 7 if c else 8),
        ]
    return cases


def test_integer_float_cast_and_select_semantics_match_llvm() -> None:
    cases = semantics_cases()
    body, kinds = ["entry:", f"  call void @__quantum__rt__tuple_record_output(i64 {len(cases)}, ptr null)"], []
    for k, (lines, kind, _) in enumerate(cases):
        for line in lines.split("\n"):
            body.append("  " + line.replace("%", f"%c{k}_"))
        llvm_type = {"int": "i64", "bool": "i1", "double": "double"}[kind]
        body.append(f"  call void @__quantum__rt__{kind}_record_output({llvm_type} %c{k}_r, ptr null)")
        kinds.append(kind)
    body.append("  ret i64 0")
    text = module("\n".join(body))
    program = load(text)
    assert program.returns == ir.TupleType(tuple({"int": ir.INT, "bool": ir.BOOL, "double": ir.FLOAT}[k]
                                                 for k in kinds))
    got = one_shot(text)
    bad = [(lines, want, have) for (lines, _, want), have in zip(cases, got)
           if not (have == want and type(have) is type(want)
                   or isinstance(want, float) and math.isnan(want) and math.isnan(have))]
    assert not bad, "\n".join(f"{lines!r}: want {want!r}, got {have!r}" for lines, want, have in bad[:20])
    assert len(cases) > 600


# ---------------------------------------------------------------- control flow, memory, functions


def test_phis_are_parallel_copies_on_loop_edges() -> None:
    body = """entry:
  br label %loop
loop:
  %a = phi i64 [ 0, %entry ], [ %b, %loop ]
  %b = phi i64 [ 1, %entry ], [ %c, %loop ]
  %x = phi i64 [ 10, %entry ], [ %y, %loop ]
  %y = phi i64 [ 20, %entry ], [ %x, %loop ]
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %c = add i64 %a, %b
  %i1 = add i64 %i, 1
  %done = icmp sge i64 %i1, 11
  br i1 %done, label %exit, label %loop
exit:
  call void @__quantum__rt__tuple_record_output(i64 3, ptr null)
  call void @__quantum__rt__int_record_output(i64 %a, ptr null)
  call void @__quantum__rt__int_record_output(i64 %x, ptr null)
  call void @__quantum__rt__int_record_output(i64 %c, ptr null)
  ret i64 0"""
    a, b, x, y, i = 0, 1, 10, 20, 0
    while True:  # the same loop in Python, with the phis' simultaneous assignment
        c, i1 = a + b, i + 1
        if i1 >= 11:
            break
        a, b, x, y, i = b, c, y, x, i1
    assert one_shot(module(body)) == (a, x, c) == (55, 10, 144)


def test_switch_inlined_functions_and_alloca_arrays() -> None:
    extra = """
define internal i64 @absdiff(i64 %a, i64 %b) {
entry:
  %lt = icmp slt i64 %a, %b
  br i1 %lt, label %neg, label %pos
neg:
  %d1 = sub i64 %b, %a
  ret i64 %d1
pos:
  %d2 = sub i64 %a, %b
  %d3 = call i64 @twice(i64 %d2)
  ret i64 %d3
}
define internal i64 @twice(i64 %x) {
entry:
  %y = shl i64 %x, 1
  ret i64 %y
}"""
    body = """entry:
  %arr = alloca [4 x i64]
  %acc = alloca i64
  store i64 0, ptr %acc
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %next ]
  %m = srem i64 %i, 4
  switch i64 %m, label %other [ i64 0, label %zero
                                 i64 2, label %two ]
zero:
  br label %next
two:
  br label %next
other:
  %d = call i64 @absdiff(i64 %i, i64 5)
  br label %next
next:
  %v = phi i64 [ 100, %zero ], [ 200, %two ], [ %d, %other ]
  %slot = getelementptr [4 x i64], ptr %arr, i64 0, i64 %m
  %old = load i64, ptr %slot
  %new = add i64 %old, %v
  store i64 %new, ptr %slot
  %a0 = load i64, ptr %acc
  %a1 = add i64 %a0, %v
  store i64 %a1, ptr %acc
  %i1 = add i64 %i, 1
  %again = icmp slt i64 %i1, 10
  br i1 %again, label %loop, label %exit
exit:
  call void @__quantum__rt__tuple_record_output(i64 2, ptr null)
  call void @__quantum__rt__array_record_output(i64 4, ptr null)
  %p0 = getelementptr i64, ptr %arr, i64 0
  %e0 = load i64, ptr %p0
  call void @__quantum__rt__int_record_output(i64 %e0, ptr null)
  %p1 = getelementptr i64, ptr %arr, i64 1
  %e1 = load i64, ptr %p1
  call void @__quantum__rt__int_record_output(i64 %e1, ptr null)
  %p2 = getelementptr [4 x i64], ptr %arr, i64 0, i64 2
  %e2 = load i64, ptr %p2
  call void @__quantum__rt__int_record_output(i64 %e2, ptr null)
  %p3 = getelementptr [4 x i64], ptr %arr, i64 0, i64 3
  %e3 = load i64, ptr %p3
  call void @__quantum__rt__int_record_output(i64 %e3, ptr null)
  %total = load i64, ptr %acc
  call void @__quantum__rt__int_record_output(i64 %total, ptr null)
  ret i64 0"""
    arr = [0, 0, 0, 0]
    for i in range(10):
        v = {0: 100, 2: 200}.get(i % 4, 5 - i if i < 5 else 2 * (i - 5))
        arr[i % 4] += v
    program = load(module(body, extra))
    assert program.returns == ir.TupleType((ir.ArrayType(ir.INT, 4), ir.INT))
    assert one_shot(module(body, extra)) == (arr, sum(arr))


def test_global_arrays_of_qubits_and_results_indexed_at_run_time() -> None:
    extra = """
@qs = internal constant [3 x ptr] [ptr null, ptr inttoptr (i64 1 to ptr), ptr inttoptr (i64 2 to ptr)]
@rs = internal constant [3 x ptr] [ptr inttoptr (i64 2 to ptr), ptr inttoptr (i64 1 to ptr), ptr null]
@weights = internal constant [3 x i64] [i64 1, i64 10, i64 100]"""
    body = """entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %measure ]
  %n = phi i64 [ 0, %entry ], [ %n1, %measure ]
  %qp = getelementptr [3 x ptr], ptr @qs, i64 0, i64 %i
  %q = load ptr, ptr %qp
  %odd = and i64 %i, 1
  %flip = icmp eq i64 %odd, 0
  br i1 %flip, label %doflip, label %measure
doflip:
  call void @__quantum__qis__x__body(ptr %q)
  br label %measure
measure:
  %rp = getelementptr inbounds [3 x ptr], ptr @rs, i64 0, i64 %i
  %r = load ptr, ptr %rp
  call void @__quantum__qis__mz__body(ptr %q, ptr %r)
  %bit = call i1 @__quantum__rt__read_result(ptr %r)
  %wp = getelementptr [3 x i64], ptr @weights, i64 0, i64 %i
  %w = load i64, ptr %wp
  %z = zext i1 %bit to i64
  %wz = mul i64 %w, %z
  %n1 = add i64 %n, %wz
  %i1 = add i64 %i, 1
  %more = icmp ult i64 %i1, 3
  br i1 %more, label %loop, label %exit
exit:
  call void @__quantum__rt__tuple_record_output(i64 2, ptr null)
  call void @__quantum__rt__array_record_output(i64 3, ptr null)
  call void @__quantum__rt__result_record_output(ptr null, ptr null)
  call void @__quantum__rt__result_record_output(ptr inttoptr (i64 1 to ptr), ptr null)
  call void @__quantum__rt__result_record_output(ptr inttoptr (i64 2 to ptr), ptr null)
  call void @__quantum__rt__int_record_output(i64 %n1, ptr null)
  ret i64 0"""
    # qubits 0 and 2 are flipped and measured into results 2 and 0 with weights 1 and 100
    program = load(module(body, extra, qubits=3, results=3))
    assert program.num_qubits == 3
    assert one_shot(module(body, extra, qubits=3, results=3)) == ([True, False, True], 101)


def test_results_written_read_and_never_written() -> None:
    body = f"""entry:
  call void @__quantum__rt__write_result(i1 true, {q(1)})
  %a = call i1 @__quantum__rt__read_result({q(1)})
  %b = call i1 @__quantum__rt__read_result({q(2)})
  call void @__quantum__qis__x__body({q(0)})
  call void @__quantum__qis__mresetz__body({q(0)}, {q(0)})
  call void @__quantum__qis__mz__body({q(0)}, {q(3)})
  call void @__quantum__rt__tuple_record_output(i64 5, ptr null)
  call void @__quantum__rt__bool_record_output(i1 %a, ptr null)
  call void @__quantum__rt__bool_record_output(i1 %b, ptr null)
  call void @__quantum__rt__result_record_output(ptr null, ptr null)
  call void @__quantum__rt__result_record_output({q(3)}, ptr null)
  call void @__quantum__rt__result_record_output({q(2)}, ptr null)
  ret i64 0"""
    assert one_shot(module(body, qubits=1, results=4)) == (True, False, True, False, False)


def test_dynamic_qubit_allocation_and_release() -> None:
    body = """entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %n = phi i64 [ 0, %entry ], [ %n1, %loop ]
  %q = call ptr @__quantum__rt__qubit_allocate()
  call void @__quantum__qis__x__body(ptr %q)
  call void @__quantum__qis__mz__body(ptr %q, ptr null)
  %r = call i1 @__quantum__rt__read_result(ptr null)
  call void @__quantum__rt__qubit_release(ptr %q)
  %z = zext i1 %r to i64
  %n1 = add i64 %n, %z
  %i1 = add i64 %i, 1
  %more = icmp slt i64 %i1, 4
  br i1 %more, label %loop, label %exit
exit:
  %q2 = call ptr @__quantum__rt__qubit_allocate()
  call void @__quantum__qis__h__body(ptr %q2)
  call void @__quantum__qis__cx__body(ptr %q2, ptr null)
  call void @__quantum__qis__mz__body(ptr %q2, ptr inttoptr (i64 1 to ptr))
  call void @__quantum__qis__mz__body(ptr null, ptr inttoptr (i64 2 to ptr))
  call void @__quantum__rt__tuple_record_output(i64 3, ptr null)
  call void @__quantum__rt__int_record_output(i64 %n1, ptr null)
  call void @__quantum__rt__result_record_output(ptr inttoptr (i64 1 to ptr), ptr null)
  call void @__quantum__rt__result_record_output(ptr inttoptr (i64 2 to ptr), ptr null)
  ret i64 0"""
    k = hr.from_qir(module(body, qubits=1, results=3))
    assert k.ir.num_qubits == 3  # qubit 0 from the module, one per allocation site
    counts = k.run(shots=400, seed=2).counts()
    assert set(counts) == {(4, False, False), (4, True, True)}
    # allocating at the same site again before releasing is an error at run time
    leaky = body.replace("  call void @__quantum__rt__qubit_release(ptr %q)\n", "")
    with pytest.raises(hr.KernelRuntimeError, match="qubit allocated again"):
        hr.from_qir(module(leaky)).run(shots=1, seed=0)


def test_unreachable_and_fail_end_the_shot_with_an_error() -> None:
    body = f"""entry:
  call void @__quantum__qis__h__body({q(0)})
  call void @__quantum__qis__mz__body({q(0)}, {q(0)})
  %r = call i1 @__quantum__rt__read_result({q(0)})
  br i1 %r, label %bad, label %good
bad:
  unreachable
good:
  call void @__quantum__rt__int_record_output(i64 7, ptr null)
  ret i64 0"""
    k = hr.from_qir(module(body))
    assert k.ir.returns == ir.INT
    with pytest.raises(hr.KernelRuntimeError, match="unreachable"):
        k.run(shots=50, seed=1)
    assert hr.from_qir(module(body.replace("%r, label %bad", "false, label %bad"))).run(shots=5).counts() == {7: 5}


def test_no_output_recording_returns_none_and_unit_returns_empty_tuple() -> None:
    body = f"entry:\n  call void @__quantum__qis__x__body({q(0)})\n  ret i64 0"
    assert load(module(body)).returns is None
    assert one_shot(module(body)) is None
    unit = body.replace("  ret", "  call void @__quantum__rt__tuple_record_output(i64 0, ptr null)\n  ret")
    assert one_shot(module(unit)) == ()


def test_pyqir_style_qir_with_cnot_and_read_result_body() -> None:
    m = pyqir.SimpleModule("qiskit_like", num_qubits=2, num_results=2)
    qis = pyqir.BasicQisBuilder(m.builder)
    qis.h(m.qubits[0])
    qis.cx(m.qubits[0], m.qubits[1])
    qis.mz(m.qubits[0], m.results[0])
    qis.if_result(m.results[0], one=lambda: qis.x(m.qubits[1]))
    qis.mz(m.qubits[1], m.results[1])
    i64 = pyqir.IntType(m.context, 64)
    label = pyqir.Constant.null(pyqir.PointerType(pyqir.IntType(m.context, 8)))
    pyqir.rt.array_record_output(m.builder, pyqir.const(i64, 2), label)
    for r in m.results:
        pyqir.rt.result_record_output(m.builder, r, label)
    text = m.ir()
    assert "__quantum__qis__cnot__body" in text and "__quantum__qis__read_result__body" in text
    counts = hr.from_qir(text).run(shots=1000, seed=4).counts()
    assert set(counts) == {(False, False), (True, False)}  # the second qubit is always flipped back


# ---------------------------------------------------------------- input forms


BELL = module(f"""entry:
  call void @__quantum__qis__h__body({q(0)})
  call void @__quantum__qis__cx__body({q(0)}, {q(1)})
  call void @__quantum__qis__mz__body({q(0)}, {q(0)})
  call void @__quantum__qis__mz__body({q(1)}, {q(1)})
  call void @__quantum__rt__array_record_output(i64 2, ptr null)
  call void @__quantum__rt__result_record_output({q(0)}, ptr null)
  call void @__quantum__rt__result_record_output({q(1)}, ptr null)
  ret i64 0""", qubits=2, results=2)


def bitcode(text: str) -> bytes:
    return pyqir.Module.from_ir(pyqir.Context(), text).bitcode


def test_text_bitcode_and_paths_load_to_the_same_program(tmp_path: Path) -> None:
    want = str(load(BELL))
    assert str(load(BELL.encode())) == want
    assert str(load(bitcode(BELL))) == want
    (tmp_path / "bell.ll").write_text(BELL)
    (tmp_path / "bell.bc").write_bytes(bitcode(BELL))
    for path in (tmp_path / "bell.ll", tmp_path / "bell.bc"):
        for src in (path, str(path)):
            assert str(load(src)).replace(str(path), "<qir>") == want
    assert load(tmp_path / "bell.ll").source == str(tmp_path / "bell.ll")
    k = hr.from_qir(bitcode(BELL))
    assert isinstance(k, hr.Kernel)
    assert set(k.run(shots=200, seed=1).counts()) == {(False, False), (True, True)}


def test_entry_point_choice() -> None:
    two = BELL + BELL.split("attributes #0")[0].replace("@main", "@other").split("\ndeclare")[0]
    two = two.replace("define i64 @other() #0", "define i64 @other() #0")
    with pytest.raises(QirError, match="several entry points.*@main.*@other.*entry="):
        load(two)
    assert load(two, entry="other").name == "other"
    with pytest.raises(QirError, match="no function named 'nope'"):
        load(two, entry="nope")
    with pytest.raises(QirError, match="no entry point"):
        load(BELL.replace('"entry_point" ', ""))


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("source,error,match", [
    ("this is not QIR", QirError, "invalid QIR text: error: expected top-level entity"),
    (b"\xff\xfe\x00garbage", QirError, "neither LLVM bitcode"),
    (b"BC\xc0\xde\x01\x02\x03\x04", QirError, "invalid QIR bitcode"),
    ("no/such/file.ll", QirError, "cannot read QIR file no/such/file.ll"),
    ("define i64 @main() {\nentry:\n  %x = add i64 %y, 1\n  ret i64 0\n}", QirError, "invalid QIR text"),
])
def test_malformed_input_raises_a_clear_error(source: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        load(source)


def test_truncated_bitcode_raises_a_clear_error() -> None:
    data = bitcode(BELL)
    for n in (4, 8, 40, len(data) // 2, len(data) - 1):
        with pytest.raises(QirError, match="invalid QIR bitcode"):
            hr.from_qir(data[:n])


@pytest.mark.parametrize("body,extra,match", [
    (f"entry:\n  call void @__quantum__qis__foo__body({q(0)})\n  ret i64 0",
     "declare void @__quantum__qis__foo__body(ptr)",
     r"unsupported quantum instruction in @main: call void @__quantum__qis__foo__body\(ptr null\)"),
    ("entry:\n  %x = call i64 @f(i64 3)\n  ret i64 0",
     ("define internal i64 @f(i64 %n) {\nentry:\n  %m = call i64 @g(i64 %n)\n  ret i64 %m\n}\n"
     "define internal i64 @g(i64 %n) {\nentry:\n  %m = call i64 @f(i64 %n)\n  ret i64 %m\n}"),
     r"recursive call @main -> @f -> @g -> @f"),
    ("entry:\n  %x = call double @mystery(double 1.0)\n  ret i64 0", "declare double @mystery(double)",
     r"call of unknown external function @mystery in @main: %x = call double @mystery\(double 1.0+e\+00\)"),
    ("entry:\n  %x = fadd float 1.0, 2.0\n  ret i64 0", "", r"unsupported type"),
    (("entry:\n  call void @__quantum__rt__tuple_record_output(i64 2, ptr null)\n"
     "  call void @__quantum__rt__tuple_record_output(i64 1, ptr null)\n"
     "  call void @__quantum__rt__int_record_output(i64 1, ptr null)\n"
     "  call void @__quantum__rt__int_record_output(i64 2, ptr null)\n  ret i64 0"), "",
     "nested tuple output is not supported"),
    (("entry:\n  call void @__quantum__rt__array_record_output(i64 2, ptr null)\n"
     "  call void @__quantum__rt__int_record_output(i64 1, ptr null)\n  ret i64 0"), "",
     "array output must hold exactly its declared number"),
    (("entry:\n  call void @__quantum__rt__int_record_output(i64 1, ptr null)\n  br label %next\n"
     "next:\n  ret i64 0"), "", "output recorded in a block that does not return"),
    (f"entry:\n  call void @__quantum__qis__cx__body({q(1)}, {q(1)})\n  ret i64 0", "",
     "gate applied to the same qubit twice"),
    (f"entry:\n  %m = call ptr @__quantum__qis__m__body({q(0)})\n  ret i64 0",
     "declare ptr @__quantum__qis__m__body(ptr)", r"expected the signature void \(ptr, ptr\)"),
    ("entry:\n  %x = atomicrmw add ptr @g, i64 1 seq_cst\n  ret i64 0", "@g = global i64 0",
     "unsupported instruction in @main: %x = atomicrmw"),
])
def test_unsupported_qir_raises_target_error_naming_the_instruction(body: str, extra: str, match: str) -> None:
    with pytest.raises(hr.TargetError, match=match):
        hr.from_qir(module(body, extra, qubits=2))


# ---------------------------------------------------------------- qdk's QIR for Q# programs

BASE, RI, RIF, ADAPTIVE = "Base", "Adaptive_RI", "Adaptive_RIF", "Adaptive"
ALL = (BASE, RI, RIF, ADAPTIVE)

# name -> (Q# source with an operation Main, profiles qdk compiles it under, whether qdk's QIR simulator runs it)
QSHARP: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "bell": ("""
        operation Main() : (Result, Result) {
            use (a, b) = (Qubit(), Qubit());
            H(a); CNOT(a, b);
            let r = (M(a), M(b));
            ResetAll([a, b]);
            r
        }""", ALL, True),
    "all_gates": ("""
        operation Main() : Result[] {
            use qs = Qubit[3];
            H(qs[0]); X(qs[1]); Y(qs[2]); Z(qs[0]); S(qs[1]); Adjoint S(qs[2]); T(qs[2]); Adjoint T(qs[0]);
            SX(qs[0]); Rx(0.3, qs[0]); Ry(0.4, qs[1]); Rz(0.5, qs[2]); R1(0.7, qs[0]); H(qs[0]);
            CNOT(qs[0], qs[1]); CZ(qs[1], qs[2]); CY(qs[0], qs[2]); CCNOT(qs[0], qs[1], qs[2]);
            SWAP(qs[0], qs[2]); Rxx(0.3, qs[0], qs[1]); Ryy(0.9, qs[1], qs[2]); Rzz(0.5, qs[0], qs[2]);
            H(qs[2]); Reset(qs[1]); Ry(1.2, qs[1]);
            MResetEachZ(qs)
        }""", ALL, True),
    "reuse": ("""
        operation Main() : Result[] {
            use q = Qubit();
            mutable rs = [];
            for i in 1..4 {
                Ry(0.4 * Microsoft.Quantum.Convert.IntAsDouble(i), q);
                set rs += [MResetZ(q)];
            }
            H(q);
            let extra = M(q);
            Reset(q);
            X(q);
            rs + [extra, MResetZ(q)]
        }""", ALL, True),
    "teleport": ("""
        operation Main() : (Result, Result, Result) {
            use (msg, a, b) = (Qubit(), Qubit(), Qubit());
            Ry(1.1, msg);
            H(a); CNOT(a, b);
            CNOT(msg, a); H(msg);
            let m1 = M(msg);
            let m2 = M(a);
            if m1 == One { Z(b); }
            if m2 == One { X(b); }
            let r = M(b);
            ResetAll([msg, a, b]);
            (r, m1, m2)
        }""", (RI, RIF, ADAPTIVE), True),
    "int_feedback": ("""
        operation Main() : (Int, Bool) {
            use qs = Qubit[3];
            Ry(1.0, qs[0]); Ry(2.0, qs[1]); H(qs[2]);
            mutable n = 0;
            for q in qs { if MResetZ(q) == One { set n += 1; } }
            (n * 3 - 7 / (n + 1) + n % 2, n % 2 == 0)
        }""", (RI, RIF, ADAPTIVE), True),
    "nested_branches": ("""
        operation Main() : (Result, Int) {
            use (a, b, c) = (Qubit(), Qubit(), Qubit());
            H(a); Ry(0.8, b);
            mutable k = 0;
            if MResetZ(a) == One {
                if MResetZ(b) == One { X(c); set k = 3; } else { H(c); set k = 2; }
            } else {
                Ry(2.2, c);
                if MResetZ(b) == Zero { set k = -1; }
            }
            (MResetZ(c), k)
        }""", (RI, RIF, ADAPTIVE), True),
    "repetition_code": ("""
        operation Main() : (Result, Int) {
            use data = Qubit[3];
            use anc = Qubit[2];
            Ry(0.5, data[0]);
            CNOT(data[0], data[1]); CNOT(data[0], data[2]);
            mutable fixes = 0;
            for round in 1..3 {
                Rx(0.35, data[round % 3]);
                CNOT(data[0], anc[0]); CNOT(data[1], anc[0]);
                CNOT(data[1], anc[1]); CNOT(data[2], anc[1]);
                let s0 = MResetZ(anc[0]) == One;
                let s1 = MResetZ(anc[1]) == One;
                if s0 and not s1 { X(data[0]); set fixes += 1; }
                if s0 and s1 { X(data[1]); set fixes += 1; }
                if not s0 and s1 { X(data[2]); set fixes += 1; }
            }
            CNOT(data[0], data[2]); CNOT(data[0], data[1]);
            Ry(-0.5, data[0]);
            let r = MResetZ(data[0]);
            ResetAll(data);
            (r, fixes)
        }""", (RI, RIF, ADAPTIVE), True),
    "double_feedback": ("""
        operation Main() : (Result[], Double) {
            use qs = Qubit[2];
            Ry(0.9, qs[0]); H(qs[1]);
            let rs = MResetEachZ(qs);
            mutable d = 0.5;
            for r in rs { if r == One { set d = d * 3.0 + 1.25; } }
            (rs, d / 2.0 - 0.125)
        }""", (RIF, ADAPTIVE), True),
    "math": ("""
        operation Main() : (Double, Int, Bool) {
            use q = Qubit();
            Ry(1.3, q);
            let b = MResetZ(q) == One;
            let x = b ? 1.5 | -2.25;
            let i = b ? 7 | -9;
            let y = Microsoft.Quantum.Math.ArcTan2(x, 1.0) + Microsoft.Quantum.Math.Cos(x)
                - Microsoft.Quantum.Convert.IntAsDouble(i) / 4.0 + Microsoft.Quantum.Math.Sqrt(x * x);
            (y, Microsoft.Quantum.Math.Truncate(x * 3.3) + i / 2 + (i >>> 1) + (i <<< 2) ^^^ 5, x >= 0.0 and not b or b)
        }""", (RIF, ADAPTIVE), False),
    "functions": ("""
        function Sq(x : Int) : Int { x * x + 1 }
        operation Flip(q : Qubit, theta : Double) : Bool { Ry(theta, q); MResetZ(q) == One }
        operation Main() : (Int, Double, Bool) {
            use q = Qubit();
            mutable t = 0;
            for k in 1..5 { if Flip(q, 0.5 * Microsoft.Quantum.Convert.IntAsDouble(k)) { set t += 1; } }
            let d = Microsoft.Quantum.Convert.IntAsDouble(Sq(t)) / 2.0;
            (Sq(t) / 3 - t % 2, Microsoft.Quantum.Math.Sqrt(d), d > 2.0)
        }""", (ADAPTIVE,), False),
    "repeat_until_success": ("""
        operation Main() : (Int, Result) {
            use (a, t) = (Qubit(), Qubit());
            mutable n = 0;
            mutable done = false;
            while not done {
                Ry(1.1, a);
                set done = MResetZ(a) == One;
                set n += 1;
            }
            X(t);
            (n, MResetZ(t))
        }""", (ADAPTIVE,), True),
    "repeat_until": ("""
        operation Main() : (Int, Int) {
            mutable n = 0;
            mutable c = 0;
            repeat {
                use q = Qubit();
                H(q);
                set n += 1;
                if M(q) == One { set c += 1; }
                Reset(q);
            } until c >= 2 or n >= 6;
            (n, c)
        }""", (ADAPTIVE,), True),
    "array_outputs": ("""
        operation Main() : (Int[], Result[]) {
            use qs = Qubit[4];
            mutable ints = [0, size = 4];
            for i in 0..3 {
                Ry(0.6 * Microsoft.Quantum.Convert.IntAsDouble(i + 1), qs[i]);
                set ints w/= i <- i * i - 2;
            }
            let rs = MResetEachZ(qs);
            if rs[2] == One { X(qs[1]); }
            (ints, rs + MResetEachZ(qs))
        }""", (RI, RIF, ADAPTIVE), True),
    "one_qubit_array": ("""
        operation Main() : Int {
            use qs = Qubit[1];  // qdk: a global [1 x ptr] zeroinitializer
            mutable n = 0;
            H(qs[0]);
            while MResetZ(qs[0]) == Zero and n < 3 { set n += 1; H(qs[0]); }
            ResetAll(qs);
            n
        }""", (ADAPTIVE,), True),
}

CASES = [(name, profile) for name, (_, profiles, _) in QSHARP.items() for profile in profiles]


def key(v: Any) -> Any:
    """A hashable, comparable form of a value from qdk or hybridrt: Results as bools, floats rounded."""
    if isinstance(v, (list, tuple)):
        return tuple(key(x) for x in v)
    if type(v).__name__ == "Result":
        return str(v) == "One"
    if isinstance(v, float):
        return round(v, 9)
    return v


def pvalue(a: dict[Any, int], b: dict[Any, int]) -> float:
    """Two-sample chi-square p-value that two count dicts come from one distribution (rare categories pooled)."""
    keys = sorted(set(a) | set(b), key=lambda k: (-(a.get(k, 0) + b.get(k, 0)), repr(k)))
    rows = [[a.get(k, 0), b.get(k, 0)] for k in keys]
    kept = [r for r in rows if sum(r) >= 10]
    rest = [sum(r[0] for r in rows if sum(r) < 10), sum(r[1] for r in rows if sum(r) < 10)]
    if sum(rest):
        kept.append(rest)
    if len(kept) < 2:
        return 1.0
    return float(chi2_contingency(np.array(kept).T, correction=False).pvalue)


def qsharp_qir(name: str, profile: str) -> tuple[str, Counter]:
    """qdk's QIR for program ``name`` under ``profile``, and qsharp.run's counts for it."""
    import qdk
    from qdk import qsharp

    qsharp.init(target_profile=getattr(qsharp.TargetProfile, profile))
    qsharp.eval(QSHARP[name][0])
    text = str(qsharp.compile("Main()"))
    counts = Counter(key(v) for v in qsharp.run("Main()", shots=SHOTS, seed=11))
    assert qdk is not None
    return text, counts


@pytest.mark.slow
@pytest.mark.parametrize("name,profile", CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_qdk_qir_runs_with_the_distribution_of_qsharp_run(name: str, profile: str) -> None:
    text, theirs = qsharp_qir(name, profile)
    assert ("%Qubit*" in text) == (profile != ADAPTIVE)  # typed pointers (QIR 1), opaque ones for Adaptive
    ours = Counter(key(v) for v in hr.from_qir(text).run(shots=SHOTS, seed=7).values)
    p = pvalue(ours, theirs)
    table = "\n".join(f"  {k}: hybridrt {ours.get(k, 0)}  qsharp.run {theirs.get(k, 0)}"
                      for k in sorted(set(ours) | set(theirs), key=repr)[:20])
    assert p >= SIGNIFICANCE, f"p = {p:.3g}\n{table}"
    assert {k for k in ours if ours[k] >= 20} <= set(theirs), table  # no frequent value qsharp.run never gives
    if QSHARP[name][2]:  # qdk's own QIR simulator on the very same QIR text
        from qdk import simulation

        sim = Counter(key(v) for v in simulation.run_qir(text, shots=SHOTS, seed=5, type="cpu"))
        assert pvalue(ours, sim) >= SIGNIFICANCE, f"against run_qir: {dict(sim)}\nours: {dict(ours)}"


@pytest.mark.slow
def test_qdk_qir_as_bitcode_and_from_a_file(tmp_path: Path) -> None:
    text, _ = qsharp_qir("teleport", RI)
    path = tmp_path / "teleport.ll"
    path.write_text(text)
    want = hr.from_qir(text).run(shots=500, seed=3).values
    assert hr.from_qir(bitcode(text)).run(shots=500, seed=3).values == want
    assert hr.from_qir(path).run(shots=500, seed=3).values == want


def gate_program(calls: list[str], n: int = 3) -> str:
    """QIR applying ``calls`` (``name(args)`` with qubit numbers) then measuring every qubit into an array."""
    lines = ["entry:"]
    decls = set()
    for c in calls:
        name, args = c.rstrip(")").split("(")
        parts = [a.strip() for a in args.split(",")]
        typed = [f"double {_dbl(float(a))}" if "." in a else q(int(a)) for a in parts]
        lines.append(f"  call void @__quantum__qis__{name}({', '.join(typed)})")
        decls.add(f"declare void @__quantum__qis__{name}({', '.join('double' if '.' in a else 'ptr' for a in parts)})")
    lines += [f"  call void @__quantum__qis__mz__body({q(i)}, {q(i)})" for i in range(n)]
    lines.append(f"  call void @__quantum__rt__array_record_output(i64 {n}, ptr null)")
    lines += [f"  call void @__quantum__rt__result_record_output({q(i)}, ptr null)" for i in range(n)]
    lines.append("  ret i64 0")
    extra = "\n".join(d for d in sorted(decls) if d.split("(")[0] + "(" not in DECLS)
    return module("\n".join(lines), extra, qubits=n, results=n)


PROBE = ["h__body(0)", "ry__body(0.7, 1)", "rx__body(1.9, 2)", "cx__body(0, 2)"]


@pytest.mark.slow
def test_every_qis_gate_qdk_emits_agrees_with_qdk_simulator() -> None:
    from qdk import simulation
    gates = ["x__body(0)", "y__body(1)", "z__body(2)", "h__body(1)", "s__body(0)", "s__adj(1)", "t__body(2)",
             "t__adj(0)", "sx__body(1)", "sx__adj(2)", "rx__body(0.3, 0)", "ry__body(0.4, 1)", "rz__body(0.5, 2)",
             "cx__body(0, 1)", "cnot__body(1, 2)", "cz__body(2, 0)", "cy__body(0, 2)", "ccx__body(2, 1, 0)",
             "swap__body(0, 1)", "rxx__body(0.7, 0, 1)", "ryy__body(0.8, 1, 2)", "rzz__body(0.9, 0, 2)"]
    for k, g in enumerate(gates):  # each gate between two layers that make its phases observable
        text = gate_program(PROBE + [g, "h__body(0)", "h__body(1)", "h__body(2)"] + PROBE[::-1])
        ours = Counter(key(v) for v in hr.from_qir(text).run(shots=SHOTS, seed=k).values)
        theirs = Counter(key(v) for v in simulation.run_qir(text, shots=SHOTS, seed=k, type="cpu"))
        assert pvalue(ours, theirs) >= SIGNIFICANCE, (g, dict(ours), dict(theirs))


@pytest.mark.parametrize("gate,same", [
    ("rx__adj(0.3, 0)", ["rx__body(-0.3, 0)"]),
    ("ry__adj(0.3, 0)", ["ry__body(-0.3, 0)"]),
    ("rzz__adj(0.3, 0, 1)", ["rzz__body(-0.3, 0, 1)"]),
    ("r1__body(0.6, 1)", ["rz__body(0.6, 1)"]),  # equal up to a global phase
    ("ccnot__body(0, 1, 2)", ["ccx__body(0, 1, 2)"]),
    ("sx__adj(2)", ["sx__body(2)", "sx__body(2)", "sx__body(2)"]),
    ("x__adj(1)", ["x__body(1)"]),
    ("s__adj(1)", ["s__body(1)", "s__body(1)", "s__body(1)"]),
    ("t__adj(1)", ["s__adj(1)", "t__body(1)"]),
])
def test_adjoint_and_alias_gates_are_their_equivalents(gate: str, same: list[str]) -> None:
    a = hr.from_qir(gate_program(PROBE + [gate] + PROBE[::-1])).run(shots=300, seed=9).values
    b = hr.from_qir(gate_program(PROBE + same + PROBE[::-1])).run(shots=300, seed=9).values
    assert a == b


LOOP = module(f"""entry:
  %a = alloca i64
  store i64 3, ptr %a
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %body ]
  %more = icmp slt i64 %i, 4
  br i1 %more, label %body, label %exit
body:
  call void @__quantum__qis__ry__body(double 0.7, {q(0)})
  call void @__quantum__qis__mresetz__body({q(0)}, {q(0)})
  %r = call i1 @__quantum__rt__read_result({q(0)})
  %z = zext i1 %r to i64
  %old = load i64, ptr %a
  %new = add i64 %old, %z
  %s = select i1 %r, i64 %new, i64 %old
  store i64 %s, ptr %a
  %i1 = add i64 %i, 1
  br label %loop
exit:
  %v = load i64, ptr %a
  %d = sitofp i64 %v to double
  call void @__quantum__rt__tuple_record_output(i64 2, ptr null)
  call void @__quantum__rt__int_record_output(i64 %v, ptr null)
  call void @__quantum__rt__double_record_output(double %d, ptr null)
  ret i64 0""")


def test_mutated_qir_never_crashes() -> None:
    """Random token substitutions in valid QIR: each mutant loads and runs, or fails with a HybridrtError."""
    rng = np.random.default_rng(12345)
    texts = [BELL, LOOP, gate_program(PROBE)]
    extra_words = ["i32", "i8", "i128", "float", "undef", "poison", "-1", "99", "select", "switch", "phi", "ptr"]
    outcomes: Counter[str] = Counter()
    for _ in range(300):
        tokens = re.split(r"(\s+|[(),\[\]])", texts[rng.integers(len(texts))])
        words = [w for w in tokens if w.strip() and w not in "(),[]"] + extra_words
        for _ in range(rng.integers(1, 3)):
            i = int(rng.integers(len(tokens)))
            if tokens[i].strip() and tokens[i] not in "(),[]":
                tokens[i] = words[rng.integers(len(words))]
        try:
            hr.from_qir("".join(tokens)).run(shots=2, seed=1, max_steps=10_000)
            outcomes["ran"] += 1
        except hr.HybridrtError as e:
            outcomes[type(e).__name__] += 1
    assert outcomes["ran"] > 30 and outcomes["QirError"] > 30, outcomes


@pytest.mark.slow
@pytest.mark.parametrize("profile", [BASE, RI])
def test_qiskit_circuit_qir_from_qdk_agrees_with_aer(profile: str) -> None:
    """A Qiskit (dynamic) circuit -> QIR by qdk's Qiskit backend -> hybridrt, against Qiskit Aer on the circuit."""
    import qiskit
    import qiskit_aer as aer
    from qdk import TargetProfile
    from qdk.qiskit import QSharpBackend

    qc = qiskit.QuantumCircuit(3, 3)
    qc.h(0)
    qc.cx(0, 1)
    qc.sdg(2)
    qc.sx(2)
    qc.u(0.4, 0.2, 0.3, 1)
    qc.cp(0.4, 0, 2)
    qc.crz(0.3, 1, 2)
    qc.ch(0, 1)
    qc.cswap(0, 1, 2)
    qc.rxx(0.7, 0, 2)
    qc.ry(0.9, 2)
    if profile == RI:
        qc.measure(0, 0)
        with qc.if_test((qc.clbits[0], 1)):
            qc.x(2)
        qc.reset(0)
        qc.ry(1.2, 0)
    qc.measure([0, 1, 2], [0, 1, 2])
    text = QSharpBackend(target_profile=getattr(TargetProfile, profile)).qir(qc)
    ours = Counter("".join("1" if b else "0" for b in v) for v in hr.from_qir(text).run(shots=SHOTS, seed=8).values)
    sim = aer.AerSimulator(seed_simulator=8)
    theirs = sim.run(qiskit.transpile(qc, sim), shots=SHOTS).result().get_counts()
    assert pvalue(ours, theirs) >= SIGNIFICANCE, (dict(ours), theirs)


def test_entry_point_parameters_become_kernel_parameters() -> None:
    text = module("""entry:
  %y = fmul double %x, 2.0
  %m = mul i64 %n, 3
  call void @__quantum__rt__tuple_record_output(i64 2, ptr null)
  call void @__quantum__rt__int_record_output(i64 %m, ptr null)
  call void @__quantum__rt__double_record_output(double %y, ptr null)
  ret i64 0""").replace("define i64 @main()", "define i64 @main(i64 %n, double %x)")
    k = hr.from_qir(text)
    assert [r.type for r in k.ir.params] == [ir.INT, ir.FLOAT]
    assert k(5, 1.25) == (15, 2.5)
