"""Structuring IR CFGs for Qiskit: loops with several exits, early returns, irreducible CFGs as a state machine;
run-time list indices become switches, run-time qubit indices are refused."""

from __future__ import annotations

import pytest

import hybridrt as hr
from hybridrt import h, mz, qubits, x
from hybridrt.ir_text import parse_program
from hybridrt.qiskit import from_qiskit, to_qiskit
from hybridrt.qiskit.exporter import _Exporter
from hybridrt.structure import Break, If, Loop, Ret, SetState, structure, walk

from ..test_programs import return_from_nested_loops

TWO_EXIT_LOOP = """
kernel k() -> int
qubits 1
reg %m: bool
reg %n: int
reg %more: bool
entry:
  jump loop
loop:
  gate h q0
  %m = mz q0
  branch %m, found, next
next:
  %n = add %n, 1
  %more = lt %n, 3
  branch %more, loop, giveup
found:
  ret %n
giveup:
  ret -1
"""

IRREDUCIBLE = """
kernel k() -> bool
qubits 1
reg %m: bool
entry:
  gate h q0
  %m = mz q0
  branch %m, a, b
a:
  gate x q0
  %m = mz q0
  branch %m, b, done
b:
  gate h q0
  %m = mz q0
  branch %m, a, done
done:
  ret %m
"""


def test_loop_with_two_exits_runs_each_exit_inside_the_loop() -> None:
    tree = structure(parse_program(TWO_EXIT_LOOP))
    assert len(tree) == 1 and isinstance(tree[0], Loop)
    exits = [n.then for n in walk(tree[0].body) if isinstance(n, If)]
    assert [[type(s) for s in arm] for arm in exits] == [[Ret, Break]] * 2  # each exit returns, then breaks
    k = from_qiskit(to_qiskit(parse_program(TWO_EXIT_LOOP)))
    key = {n: format(n & (2**64 - 1), "064b") for n in (-1, 0, 1, 2)}
    assert dict(k.distribution()) == pytest.approx({key[0]: 0.5, key[1]: 0.25, key[2]: 0.125, key[-1]: 0.125})


def test_breaks_leave_only_the_loop() -> None:
    tree = structure(parse_program(TWO_EXIT_LOOP))
    assert sum(isinstance(n, Break) for n in walk(tree[0].body)) == 2
    assert not any(isinstance(n, Break) for n in walk(tree[1:]))


def test_irreducible_control_flow_becomes_a_state_machine() -> None:
    program = parse_program(IRREDUCIBLE)
    assert any(isinstance(n, SetState) for n in walk(structure(program)))
    qc = _Exporter(program).run()  # (to_qiskit first splits the loop's second entry off: specialize)
    assert "state" in [v.name for v in qc.iter_vars()]
    expected = {str(int(v)): p for v, p in hr.Kernel.from_ir(program).distribution().items()}
    for circuit in (qc, to_qiskit(program)):
        assert dict(from_qiskit(circuit).distribution()) == pytest.approx(expected, abs=1e-10)


def test_a_return_from_nested_loops_leaves_both_through_the_returned_flag() -> None:
    qc = _Exporter(return_from_nested_loops.ir).run()  # (to_qiskit would unroll these bounded loops)
    names = [v.name for v in qc.iter_vars()]
    assert "returned" in names and "state" not in names
    expected = {format(v & (2**64 - 1), "064b"): p for v, p in return_from_nested_loops.distribution().items()}
    assert dict(from_qiskit(qc).distribution()) == pytest.approx(expected, abs=1e-10)


@hr.kernel
def runtime_list_index(weights: list[int]) -> tuple[int, list[int]]:
    q = qubits(2)
    h(q)
    i = int(mz(q[0])) + 2 * int(mz(q[1]))
    out = [0] * 4
    out[i] = weights[i] * 10  # a store and a load at a run-time index
    return weights[3 - i], out


@hr.kernel
def runtime_qubit_index() -> bool:
    q = qubits(3)
    h(q[0])
    i = int(mz(q[0]))
    x(q[i + 1])
    return mz(q[2])


def test_run_time_list_indices_become_switches() -> None:
    qc = runtime_list_index.to_qiskit([3, 5, 7, 9])
    assert qc.count_ops()["switch_case"] >= 2
    dist = from_qiskit(qc).distribution()
    b64 = {v: format(v, "064b") for v in (0, 3, 5, 7, 9, 30, 50, 70, 90)}
    expected = {}
    for i, (w, back) in enumerate(zip((30, 50, 70, 90), (9, 7, 5, 3))):
        regs = [b64[back]] + [b64[w] if k == i else b64[0] for k in range(4)]
        expected[" ".join(reversed(regs))] = 0.25
    assert dict(dist) == pytest.approx(expected, abs=1e-10)


def test_run_time_qubit_index_is_refused_at_its_line() -> None:
    with pytest.raises(hr.TargetError, match="a qubit chosen at run time") as info:
        runtime_qubit_index.to_qiskit()
    assert info.value.loc is not None and info.value.loc.line > 0
