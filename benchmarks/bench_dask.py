"""A shot-heavy run on Dask: 2 local worker processes vs 1, and the same run without Dask.

The job: 40,000 shots, shot by shot (``strategy="trajectories"``), of an 8-qubit kernel that
measures one qubit mid-circuit and applies 3 more layers of gates depending on the outcome,
so every shot costs state-vector work (a copy of the 256-amplitude prefix state and about
25 gates).  Shots run in chunks of 5,000 (8 chunks); all three implementations must return
the identical result (same seed, same chunks).  The closing table's ratio (2 workers / this)
is the speed-up's inverse: about 0.5 means 2 workers halve the time.  On a 2-core machine
shared with other work the speed-up is bounded by the cores actually free.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import distributed
import numpy as np
import pytest
from conftest import record

import hybridrt as hr
from hybridrt import cx, h, mz, qubits, ry, rz

SHOTS = 40_000
CHUNK = 5_000
SEED = 3
N = 8


@hr.kernel
def layered() -> tuple[bool, int]:
    q = qubits(N)
    for k in range(N):
        ry(0.3 + 0.1 * k, q[k])
    for k in range(N - 1):
        cx(q[k], q[k + 1])
    m = mz(q[0])
    for layer in range(3):
        for k in range(1, N):
            rz(0.2 * (layer + 1) if m else -0.2, q[k])
            h(q[k])
        for k in range(1, N - 1):
            cx(q[k], q[k + 1])
    ones = 0
    for k in range(1, N):
        ones += int(mz(q[k]))
    return m, ones


@pytest.fixture(scope="module")
def clusters() -> Iterator[dict[int, Any]]:
    made = {n: distributed.Client(distributed.LocalCluster(n_workers=n, processes=True, threads_per_worker=1,
                                                           dashboard_address=":0", silence_logs=logging.ERROR))
            for n in (1, 2)}
    yield made
    for c in made.values():
        c.cluster.close()
        c.close()


@pytest.fixture(scope="module")
def reference() -> hr.Result:
    return layered.run(shots=SHOTS, seed=SEED, chunk_shots=CHUNK, strategy="trajectories")


@pytest.mark.parametrize("impl", ["hybridrt", "dask, 1 worker", "no dask (this process)"])
def test_dask(benchmark: Any, clusters: dict[int, Any], reference: hr.Result, impl: str) -> None:
    executor = {"hybridrt": clusters[2], "dask, 1 worker": clusters[1]}.get(impl)
    benchmark.group = "dask-40k-trajectories"
    res = benchmark.pedantic(lambda: layered.run(shots=SHOTS, seed=SEED, chunk_shots=CHUNK, strategy="trajectories",
                                                 executor=executor), rounds=3, iterations=1, warmup_rounds=1)
    record(benchmark, impl, 1, "run")
    assert all(np.array_equal(a, b) for a, b in zip(res.outputs, reference.outputs))
    benchmark.extra_info["workers"] = 0 if executor is None else len(executor.scheduler_info()["workers"])
