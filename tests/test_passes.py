"""IR passes: bind_arguments, specialize (partial evaluation) and decompose.

``specialize`` must not change what a kernel does: each suite kernel runs on the engine
before and after (``Kernel.from_ir``), 3000 shots at fixed seeds, and a chi-square test of
homogeneity must give p >= 1e-3.  Constant folding must compute exactly what the engine
computes.  ``decompose`` must preserve each gate's unitary up to a global phase (1e-10).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import Any

import numpy as np
import pytest

import hybridrt as hr
from hybridrt import h, ir, mz, qubit, qubits, reset
from hybridrt.kernels import opcodes as oc
from hybridrt.passes import FoldError, bind_arguments, decompose, fold_binary, fold_unary, specialize
from hybridrt.qir_targets import catalog, profiles

from .kernels.reference import apply_gate
from .qir_targets.suite import CASES, ghz, repetition_code, rus_bounded, rus_unbounded
from .qir_targets.test_lower import as_value, chi2_p

ALPHA = 1e-3


def prepared(k: hr.Kernel, *args: Any, **kw: Any) -> ir.Program:
    return specialize(bind_arguments(k.compile(*args), args), **kw)


def counts(k: hr.Kernel, args: tuple[Any, ...], seed: int) -> Counter:
    return Counter(as_value(v) for v in k.run(*args, shots=3000, seed=seed).values)


# ---------------------------------------------------------------- bind_arguments


def test_bind_arguments_removes_parameters() -> None:
    p = bind_arguments(ghz.compile(5, 0.3), (5, 0.3))
    assert p.params == ()
    assert "copy 5" in str(p) and "copy 0.3" in str(p)
    from .qir_targets.suite import list_argument

    p = bind_arguments(list_argument.compile([0.1, 0.2, 0.3]), ([0.1, 0.2, 0.3],))
    assert "store %angles, 2, 0.3" in str(p)
    with pytest.raises(TypeError, match="must be a list of 3 floats"):
        bind_arguments(list_argument.compile([0.1, 0.2, 0.3]), ([0.1],))


# ---------------------------------------------------------------- specialize


@pytest.mark.slow
@pytest.mark.parametrize("unroll", [True, False], ids=["unroll", "keep-loops"])
@pytest.mark.parametrize("k,args", [(k, a) for k, a, _ in CASES], ids=[k.name for k, _, _ in CASES])
def test_specialize_preserves_distribution(k: hr.Kernel, args: tuple[Any, ...], unroll: bool) -> None:
    spec = hr.Kernel.from_ir(prepared(k, *args, unroll_dynamic=unroll))
    before, after = counts(k, args, 1), counts(spec, (), 2)
    assert set(after) <= set(before) or sum(after[v] for v in set(after) - set(before)) <= 5
    assert chi2_p(before, after) >= ALPHA


def test_static_loops_unroll_and_qubit_indices_become_static() -> None:
    p = prepared(ghz, 5, 0.3)
    assert len(p.blocks) == 1
    assert not any(isinstance(i, ir.QubitAt) for i in p.blocks[0].instrs)
    assert [i.name for i in p.blocks[0].instrs if isinstance(i, ir.Gate)] == ["h", "cx", "cx", "cx", "cx", "rz"]


def test_bounded_repeat_until_success_unrolls() -> None:
    p = prepared(rus_bounded, 6)
    assert not profiles.loops(p)
    assert sum(isinstance(i, ir.Measure) for b in p.blocks for i in b.instrs) == 7  # 6 rounds + the target
    kept = prepared(rus_bounded, 6, unroll_dynamic=False)
    assert profiles.loops(kept)  # the same loop, kept as a loop


def test_measurement_dependent_loop_stays_a_loop() -> None:
    for unroll in (True, False):
        p = prepared(rus_unbounded, unroll_dynamic=unroll)
        assert len(profiles.loops(p)) == 1
        assert len(p.blocks) <= 4


def test_repetition_code_unrolls_rounds_and_merges_branches() -> None:
    p = prepared(repetition_code, 0.6)
    assert not profiles.loops(p)
    assert sum(isinstance(i, ir.Measure) for b in p.blocks for i in b.instrs) == 3 * 2 + 3
    assert len(p.blocks) < 40  # merged at each round's join, not one path per syndrome history


def test_branch_on_known_value_is_pruned() -> None:
    @hr.kernel
    def k(flag: bool) -> bool:
        q = qubit()
        if flag:
            h(q)
        return mz(q)

    assert "gate h" in str(prepared(k, True)) and "gate h" not in str(prepared(k, False))
    assert not any(isinstance(b.terminator, ir.Branch) for b in prepared(k, True).blocks)


def test_work_is_bounded() -> None:
    @hr.kernel
    def forever() -> int:
        q = qubit()
        n = 0
        while n >= 0:
            h(q)
            n += 1
        return n

    with pytest.raises(hr.TargetError, match="too large to lower"):
        prepared(forever, max_blocks=500)


def test_always_failing_operation_is_reported() -> None:
    @hr.kernel
    def k(d: int) -> int:
        q = qubit()
        h(q)
        return 7 // d

    with pytest.raises(hr.TargetError, match="always fails when it runs: division by zero"):
        prepared(k, 0)


def test_dynamic_list_index_keeps_known_items() -> None:
    @hr.kernel
    def k(table: list[int]) -> int:
        q = qubits(2)
        h(q[0])
        h(q[1])
        i = int(mz(q[0])) + 2 * int(mz(q[1]))
        table[1] = 25
        return table[i]

    p = prepared(k, [10, 20, 30, 40])
    assert any(isinstance(i, ir.Load) and isinstance(i.index, ir.Reg) for b in p.blocks for i in b.instrs)
    assert counts(hr.Kernel.from_ir(p), (), 3).keys() == {10, 25, 30, 40}


# ---------------------------------------------------------------- folding matches the engine

_INTS = [-(2**63), -7, -1, 0, 1, 3, 64, 2**62]
_FLOATS = [-2.5, -0.0, 0.0, 1.5, 3.0, 1e300, float("inf"), float("nan")]


def _engine_binary(op: str, t: str, a: Any, b: Any) -> Any:
    ra, rb, rd = ir.Reg("a", t), ir.Reg("b", t), ir.Reg("d", ir.BINARY_OPS[op][1] or t)
    p = ir.Program("f", (ra, rb), (rd,), 0, (ir.Block("entry", (ir.Binary(rd, op, ra, rb),), ir.Return((rd,))),),
                   rd.type)
    return hr.Kernel.from_ir(p)(a, b)


def _engine_unary(op: str, a: Any) -> Any:
    ta, tr = ir.UNARY_OPS[op]
    ra, rd = ir.Reg("a", ta), ir.Reg("d", tr)
    p = ir.Program("f", (ra,), (rd,), 0, (ir.Block("entry", (ir.Unary(rd, op, ra),), ir.Return((rd,))),), tr)
    return hr.Kernel.from_ir(p)(a)


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return (math.isnan(x) and math.isnan(y)) or (x == y and math.copysign(1, x) == math.copysign(1, y))
    return x == y and type(x) is type(y)


@pytest.mark.parametrize("t", [ir.INT, ir.FLOAT, ir.BOOL])
def test_binary_folding_matches_engine(t: str) -> None:
    values = {ir.INT: _INTS, ir.FLOAT: _FLOATS, ir.BOOL: [False, True]}[t]
    for op, (types, _) in ir.BINARY_OPS.items():
        if t not in types:
            continue
        for a, b in itertools.product(values, values):
            try:
                folded: Any = fold_binary(op, t, a, b)
            except FoldError:
                folded = "error"
            try:
                ran: Any = _engine_binary(op, t, a, b)
            except hr.KernelRuntimeError:
                ran = "error"
            assert _same(folded, ran), (op, a, b, folded, ran)


def test_unary_folding_matches_engine() -> None:
    for op, (ta, _) in ir.UNARY_OPS.items():
        for a in {ir.INT: _INTS, ir.FLOAT: _FLOATS, ir.BOOL: [False, True]}[ta]:
            try:
                folded: Any = fold_unary(op, a)
            except FoldError:
                folded = "error"
            try:
                ran: Any = _engine_unary(op, a)
            except hr.KernelRuntimeError:
                ran = "error"
            assert _same(folded, ran), (op, a, folded, ran)


# ---------------------------------------------------------------- decompose

GATE_SETS = {
    "qir": catalog.QIR_GATES,
    "quantinuum": catalog.QUANTINUUM_GATES,
    "ionq": catalog.IONQ_GATES,
    "rigetti": catalog.RIGETTI_GATES,
    "rz-rx-cz": frozenset({"rz", "rx", "cz"}),
    "rz-ry-h-cx": frozenset({"rz", "ry", "h", "cx"}),
    "rx-rz-rzz": frozenset({"rx", "rz", "rzz"}),
}


def unitary(instrs: list[ir.Instr], n: int) -> np.ndarray:
    cols = []
    for k in range(2**n):
        state = np.zeros(2**n, dtype=complex)
        state[k] = 1
        for g in instrs:
            assert isinstance(g, ir.Gate)
            apply_gate(state, n, oc.GATE_IDS[g.name], [q.value for q in g.qubits],  # type: ignore[union-attr]
                       [a.value for a in g.params])  # type: ignore[union-attr]
        cols.append(state)
    return np.array(cols).T


def equal_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    k = np.unravel_index(np.argmax(np.abs(a)), a.shape)
    phase = b[k] / a[k]
    return abs(abs(phase) - 1) < 1e-10 and np.allclose(a * phase, b, atol=1e-10)


def one_gate(name: str, params: tuple[ir.Operand, ...], regs: tuple[ir.Reg, ...] = ()) -> ir.Program:
    nq, _ = ir.GATES[name]
    qs = tuple(ir.Const(q, ir.QUBIT) for q in (2, 0, 1)[:nq])  # not in order, to catch mixed-up qubits
    return ir.Program("g", regs, (), 3, (ir.Block("entry", (ir.Gate(name, qs, params),), ir.Return(())),))


@pytest.mark.parametrize("gate_set", list(GATE_SETS), ids=list(GATE_SETS))
def test_decompose_preserves_unitaries(gate_set: str) -> None:
    gates = GATE_SETS[gate_set]
    rng = np.random.default_rng(7)
    for name, (nq, npar) in ir.GATES.items():
        params = tuple(ir.Const(float(x), ir.FLOAT) for x in rng.uniform(-4, 4, npar))
        p = one_gate(name, params)
        d = decompose(p, gates)
        got = list(d.blocks[0].instrs)
        assert all(isinstance(g, ir.Gate) and g.name in gates for g in got), (name, got)
        assert equal_up_to_phase(unitary(list(p.blocks[0].instrs), 3), unitary(got, 3)), (gate_set, name)


def test_decompose_with_run_time_angles() -> None:
    """Angles held in registers become float arithmetic; after binding they fold to the same gates."""
    gates = GATE_SETS["rz-rx-cz"]
    for name, (nq, npar) in ir.GATES.items():
        if not npar:
            continue
        regs = tuple(ir.Reg(f"a{k}", ir.FLOAT) for k in range(npar))
        values = [0.3 + 0.7 * k for k in range(npar)]
        d = decompose(one_gate(name, regs, regs), gates)
        folded = specialize(bind_arguments(d, values))
        expected = unitary(list(one_gate(name, tuple(ir.Const(v, ir.FLOAT) for v in values)).blocks[0].instrs), 3)
        assert equal_up_to_phase(expected, unitary(list(folded.blocks[0].instrs), 3)), name


def test_decompose_reports_impossible_gate_sets() -> None:
    with pytest.raises(hr.TargetError, match="gate h cannot be expressed with the target's gates"):
        decompose(one_gate("h", ()), {"x", "cx"})


def test_reset_and_measure_untouched() -> None:
    @hr.kernel
    def k() -> bool:
        q = qubit()
        h(q)
        reset(q)
        return mz(q)

    p = k.ir
    assert str(decompose(p, catalog.QIR_GATES)) == str(p)
