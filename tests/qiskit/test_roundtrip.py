"""Round trip: ``from_qiskit(k.to_qiskit())`` has exactly the distribution of ``k`` (the QIR suite's kernels, which
include the README's repeat-until-success as ``rus_unbounded``, and more), and what Qiskit cannot express is a
``TargetError`` at the kernel's line."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from qiskit import QuantumCircuit

import hybridrt as hr
from hybridrt import cp, h, ir, mz, qubits, reset, rx
from hybridrt.qiskit import CircuitKernel, from_qiskit

from ..qir_targets import suite

INEXPRESSIBLE = {"float_feedback": "gate ry has an angle computed at run time",
                 "phase_estimation": "gate rz has an angle computed at run time"}


@hr.kernel
def two_coins() -> int:  # Kernel.distribution's docstring
    q = qubits(2)
    h(q)
    return int(mz(q[0])) + int(mz(q[1]))


@hr.kernel
def signed_ints(k: int) -> tuple[int, int, int, int, int, float, int, int, bool]:
    q = qubits(3)
    h(q)
    v = int(mz(q[0])) + 2 * int(mz(q[1])) + 4 * int(mz(q[2])) - k  # negative for most outcomes
    f = v * 0.5 - 0.25
    return v // 3, v % 3, v >> 1, min(v, -2), max(v, -2), float(v), math.floor(f), math.ceil(f), v < -2


@hr.kernel
def nested_loops(rounds: int) -> tuple[int, int]:
    a, b = qubits(2)
    outer = 0
    inner = 0
    for _ in range(rounds):
        while True:  # exits through a break, twice nested
            h(a)
            if mz(a):
                reset(a)
                break
            inner += 1
            h(b)
            if mz(b):
                reset(b)
                continue
        outer += 1
        if inner > 3:
            break
    return outer, inner


@hr.kernel
def early_exit_loop() -> int:
    q = qubits(1)
    n = 0
    while n < 40:  # two exits: the bound and the return inside the loop
        h(q[0])
        if mz(q[0]):
            return n
        n += 1
    return -1


@hr.kernel
def param_angles(theta: float, phi: float) -> list[bool]:
    q = qubits(2)
    rx(2 * theta + math.sin(phi), q[0])
    cp(theta / 3 - phi ** 2, q[0], q[1])
    h(q[1])
    cp(math.sqrt(abs(phi)) + math.exp(-theta), q[0], q[1])
    h(q[1])
    return mz(q)


def expected_key(kernel: CircuitKernel, returns: ir.ReturnType, value: Any) -> Any:
    """The key ``from_qiskit(k.to_qiskit()).distribution(vars=True)`` gives an original return value."""
    leaves = ir.return_leaves(returns)
    values = value if isinstance(returns, ir.TupleType) else (value,)
    bits: list[tuple[bool, ...]] = []
    floats: list[float] = []
    for t, v in zip(leaves, values):
        elem, items = (t.elem, list(v)) if isinstance(t, ir.ArrayType) else (t, [v])
        if elem == ir.BOOL:
            bits.append(tuple(items))
        elif elem == ir.INT:
            bits += [tuple(bool((i >> k) & 1) for k in range(64)) for i in items]
        else:
            floats += items
    return (kernel.layout.bitstring(tuple(bits)), *floats)


def assert_same_distribution(k: hr.Kernel, args: tuple[Any, ...], qc: QuantumCircuit, run_args: dict[str, Any]) -> None:
    back = from_qiskit(qc)
    ours = k.distribution(*args, cutoff=1e-12)
    outputs = [k for k, name in enumerate(back.layout.vars) if re.fullmatch(r"out\d+(_\d+)?", name)]  # floats returned
    theirs: dict[Any, float] = {}
    full = back.distribution(vars=True, cutoff=1e-12, **run_args)
    for (bits, *values), p in full.items():
        key = (bits, *(values[k] for k in outputs))
        theirs[key] = theirs.get(key, 0.0) + p
    returns = k.compile(*args).returns
    expected: dict[Any, float] = {}
    for value, p in ours.items():
        key = expected_key(back, returns, value)
        expected[key] = expected.get(key, 0.0) + p
    assert set(theirs) == set(expected)
    for key, p in expected.items():
        assert theirs[key] == pytest.approx(p, abs=1e-10), key
    assert full.dropped == pytest.approx(ours.dropped, abs=1e-10)


CASES = [(k, args) for k, args, _ in suite.CASES if k.name not in INEXPRESSIBLE] + [
    (two_coins, ()), (signed_ints, (5,)), (nested_loops, (3,)), (early_exit_loop, ()),
    (param_angles, (0.7, -1.3)),
]


@pytest.mark.parametrize(("kernel", "args"), CASES, ids=[k.name for k, _ in CASES])
def test_round_trip_preserves_the_distribution(kernel: hr.Kernel, args: tuple[Any, ...]) -> None:
    assert_same_distribution(kernel, args, kernel.to_qiskit(*args), {})


@pytest.mark.parametrize(("kernel", "args"), [(suite.teleport, (1.1,)), (param_angles, (0.7, -1.3)),
                                              (suite.rus_bounded, (4,)), (signed_ints, (5,))],
                         ids=["teleport", "param_angles", "rus_bounded", "signed_ints"])
def test_unbound_parameters_become_circuit_parameters_and_inputs(kernel: hr.Kernel, args: tuple[Any, ...]) -> None:
    qc = kernel.to_qiskit()
    floats = [p.name for p in qc.parameters]
    inputs = [v.name for v in qc.iter_input_vars()]
    names = [r.name for r in kernel.compile(*args).params]
    assert sorted(floats + inputs) == sorted(names)
    assert_same_distribution(kernel, args, qc, dict(zip(names, args)))  # qiskit sorts parameters by name


@pytest.mark.parametrize("name", sorted(INEXPRESSIBLE))
def test_inexpressible_kernels_name_the_construct_and_line(name: str) -> None:
    kernel, args = next((k, a) for k, a, _ in suite.CASES if k.name == name)
    with pytest.raises(hr.TargetError, match=INEXPRESSIBLE[name]) as info:
        kernel.to_qiskit(*args)
    assert info.value.loc is not None and info.value.loc.file.endswith("suite.py")


def test_float_parameter_in_run_time_arithmetic_asks_for_binding() -> None:
    @hr.kernel
    def scaled(theta: float) -> bool:
        q = qubits(1)
        h(q[0])
        return mz(q[0]) and theta > 0.5

    with pytest.raises(hr.TargetError, match="parameter 'theta' is used in a classical computation at run time"):
        scaled.to_qiskit()
    assert set(from_qiskit(scaled.to_qiskit(0.7)).distribution()) == {"0", "1"}
