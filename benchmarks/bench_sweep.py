"""A sweep of 1,000 parameter sets in one compiled call vs 1,000 separate ``run()`` calls (and a Session loop).

The kernel is a VQE-style ansatz: 4 qubits, two layers of RY rotations (8 float parameters,
one ``list[float]`` argument) around a CX ladder, all qubits measured.  Each implementation
evaluates the same 1,000 random parameter sets at the same shots per set:

- ``hybridrt`` is ``kernel.sweep(table, shots=...)``: one engine call for all rows;
- ``1000 x run()`` is ``for row in table: kernel.run(row, shots=...)``;
- ``1000 x Session.run`` is the same loop on a ``hybridrt.session.Session``.

Times are per parameter set; the closing table's ratio (sweep / loop) below 0.05 is the
20x bar.  Every implementation must give each row the same mean number of ones in
agreement with the exact expectation (checked on a few rows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import record

import hybridrt as hr
from hybridrt import cx, mz, qubits, ry
from hybridrt.session import Session

ROWS = 1000
SEED = 5
TABLE = np.random.default_rng(SEED).uniform(0, np.pi, (ROWS, 8))


@hr.kernel
def ansatz(theta: list[float]) -> list[bool]:
    q = qubits(4)
    for k in range(4):
        ry(theta[k], q[k])
    for k in range(3):
        cx(q[k], q[k + 1])
    for k in range(4):
        ry(theta[4 + k], q[k])
    return mz(q)


def _sweep(shots: int) -> list[np.ndarray]:
    return list(ansatz.sweep(TABLE, shots=shots, seed=SEED).outputs[0])


def _runs(shots: int) -> list[np.ndarray]:
    return [ansatz.run(row, shots=shots, seed=SEED + k).outputs[0] for k, row in enumerate(TABLE)]


def _session(shots: int) -> list[np.ndarray]:
    with Session(ansatz, shots=shots, seed=SEED) as s:
        return [s.run(row).outputs[0] for row in TABLE]


IMPLEMENTATIONS: dict[str, Callable[[int], list[np.ndarray]]] = {
    "hybridrt": _sweep, "1000 x run()": _runs, "1000 x Session.run": _session}


def _check(outputs: list[np.ndarray], shots: int) -> None:
    """Rows 0..9: the mean number of ones per shot within 5 sigma of its exact value."""
    for k in range(10):
        exact = ansatz.distribution(list(TABLE[k]))
        mean = sum(p * sum(v) for v, p in exact.items())
        var = sum(p * sum(v) ** 2 for v, p in exact.items()) - mean**2
        got = outputs[k].sum(axis=1).mean()
        assert abs(got - mean) <= 5 * np.sqrt(var / shots) + 1e-9, (k, got, mean)


@pytest.mark.parametrize("shots", [1, 10, 100, 1000])
@pytest.mark.parametrize("impl", list(IMPLEMENTATIONS))
def test_sweep(benchmark: Any, impl: str, shots: int) -> None:
    fn = IMPLEMENTATIONS[impl]
    benchmark.group = f"sweep-1000x{shots}"
    out = benchmark.pedantic(lambda: fn(shots), rounds=3 if shots < 1000 else 2, iterations=1, warmup_rounds=1)
    record(benchmark, impl, ROWS, "set")
    _check(out, shots)
