"""Running kernels: results, seeds, argument checks, runaway loops and memory limits."""

from __future__ import annotations

import numpy as np
import pytest

import hybridrt as hr
from hybridrt import h, mz, qubits, runtime, rx, x
from hybridrt.runtime import states_needed


@hr.kernel
def coin(theta: float) -> tuple[bool, int, float]:
    q = qubits(1)
    rx(theta, q[0])
    m = mz(q[0])
    return m, 3 if m else 4, theta * 2


def test_result_values_counts_probabilities_and_arrays():
    res = coin.run(1.0, shots=1000, seed=12)
    assert len(res.values) == 1000 and len(res) == 1000
    assert all(v in ((True, 3, 2.0), (False, 4, 2.0)) for v in res.values)
    counts = res.counts()
    assert sum(counts.values()) == 1000 and list(counts.values()) == sorted(counts.values(), reverse=True)
    assert res.probabilities() == {k: c / 1000 for k, c in counts.items()}
    m, n, f = res.outputs
    assert m.dtype == bool and n.dtype == np.int64 and f.dtype == np.float64
    assert np.array_equal(n, np.where(m, 3, 4)) and np.all(f == 2.0)
    assert [tuple(v) for v in zip(m.tolist(), n.tolist(), f.tolist())] == res.values


def test_same_seed_same_result_different_seed_differs():
    a = coin.run(1.0, shots=500, seed=99).values
    assert a == coin.run(1.0, shots=500, seed=99).values
    assert a != coin.run(1.0, shots=500, seed=100).values


def test_calling_a_kernel_runs_one_shot():
    assert coin(0.0) == (False, 4, 0.0)
    assert coin(np.pi) == (True, 3, 2 * np.pi)


def test_argument_errors_are_clear_type_errors():
    with pytest.raises(TypeError, match=r"coin\(\): argument 'theta' must be float, got str 'a'"):
        coin.run("a")
    with pytest.raises(TypeError, match=r"coin\(\): missing a required argument: 'theta'"):
        coin()
    with pytest.raises(TypeError, match=r"too many positional arguments"):
        coin(1.0, 2.0)
    with pytest.raises(ValueError, match="shots must be a positive int"):
        coin.run(1.0, shots=0)


@hr.kernel
def spin(limit: int) -> int:
    q = qubits(1)
    n = 0
    while mz(q[0]) == False:  # noqa: E712  (never becomes True)
        n += 1
        if n == limit:
            break
    return n


def test_runaway_loop_stops_with_a_located_error():
    assert spin.run(10, shots=3).values == [10, 10, 10]
    with pytest.raises(hr.KernelRuntimeError) as e:
        spin.run(-1, shots=1, max_steps=10_000)
    assert "did not finish within 10,000 steps" in str(e.value)
    first = spin.__wrapped__.__code__.co_firstlineno  # the decorator's line
    assert first + 4 <= e.value.loc.line <= first + 7  # inside the loop


@hr.kernel
def index_error(i: int) -> bool:
    q = qubits(3)
    x(q[i])
    return mz(q[i])


def test_runtime_index_error_points_at_the_line():
    assert index_error(2) is True
    with pytest.raises(hr.KernelRuntimeError, match="index out of range") as e:
        index_error(3)
    assert e.value.loc.line == index_error.__wrapped__.__code__.co_firstlineno + 3


@hr.kernel
def huge() -> bool:
    q = qubits(36)
    h(q[0])
    return mz(q[0])


@hr.kernel
def enormous() -> bool:
    q = qubits(64)
    return mz(q[0])


def test_too_many_qubits_fail_up_front():
    with pytest.raises(hr.CapacityError, match=r"'huge' uses 36 qubits: simulating it needs about 1.0 TiB of memory \(1 statevector\)"):
        huge()
    with pytest.raises(hr.CapacityError, match="'enormous' uses 64 qubits"):
        enormous()


@hr.kernel
def terminal() -> list[bool]:
    q = qubits(3)
    h(q)
    return mz(q)


@hr.kernel
def midcircuit() -> tuple[bool, bool]:
    q = qubits(2)
    h(q[0])
    a = mz(q[0])
    if a:
        x(q[1])
    h(q[1])
    return a, mz(q[1])


def test_a_run_needs_a_second_state_only_where_an_outcome_precedes_more_gates():
    bytecode = {k: k._bytecode(()) for k in (terminal, midcircuit)}
    assert states_needed(bytecode[terminal], "branching") == 1  # the final measurements are sampled
    assert states_needed(bytecode[terminal], "trajectories") == 2
    assert states_needed(bytecode[midcircuit], "branching") == 2


@hr.kernel
def many_histories() -> list[bool]:
    q = qubits(10)
    bits = [False] * 6
    for i in range(6):
        h(q[i])
        bits[i] = mz(q[i])
        rx(0.3 * i, q[9])
    return bits


def test_exact_distribution_past_the_memory_for_its_statevectors_is_a_capacity_error(monkeypatch):
    state = 16 << 10
    assert len(many_histories.distribution()) == 64
    monkeypatch.setattr(runtime, "available_memory", lambda: 40 * state)  # room for 30 states: 32 histories
    with pytest.raises(hr.CapacityError, match=r"more than 30 10-qubit statevectors at once \(16.0 KiB each\)"):
        many_histories.distribution()
