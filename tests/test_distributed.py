"""Runs, sweeps, batches and sessions on a Dask cluster: a LocalCluster of 1, 2 and 4 worker processes.

The same seed must give the identical result (whole output arrays) whatever the number of
workers and without Dask at all; a run on the cluster must also agree statistically with a
differently seeded local run (chi-square test of homogeneity, p < 1e-4 rejects).  One cluster
serves the whole module (starting worker processes costs seconds); it is scaled between tests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import distributed
import numpy as np
import pytest
from scipy.stats import chi2_contingency

import hybridrt as hr
from hybridrt.batch import run_batch
from hybridrt.session import Session

from .test_session import pair, ratio, same


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=1, dashboard_address=":0",
                                       silence_logs=logging.ERROR)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def scale(client: Any, n: int) -> None:
    client.cluster.scale(n)
    deadline = time.monotonic() + 120
    while len(client.scheduler_info()["workers"]) != n:
        assert time.monotonic() < deadline, f"the cluster did not reach {n} workers"
        time.sleep(0.1)


ROWS = [(0.3 * k, 1.1, k % 2 == 1) for k in range(9)]


def test_identical_results_on_1_2_and_4_workers(client: Any) -> None:
    local_run = pair.run(0.7, 1.3, True, shots=3000, seed=7, chunk_shots=250)
    local_sweep = pair.sweep(ROWS, shots=400, seed=8, chunk_shots=150, strategy="trajectories")
    jobs = [(pair, (0.2, 0.4, False)), (ratio, (5,)), (pair, (1.0, 2.0, True))]
    local_batch = run_batch(jobs, shots=700, seed=9, chunk_shots=300)
    for n in (1, 2, 4):
        scale(client, n)
        with distributed.get_task_stream(client) as stream:
            run = pair.run(0.7, 1.3, True, shots=3000, seed=7, chunk_shots=250, executor=client)
            sweep = pair.sweep(ROWS, shots=400, seed=8, chunk_shots=150, strategy="trajectories", executor=client)
            batch = run_batch(jobs, shots=700, seed=9, chunk_shots=300, executor=client)
        assert same(run, local_run), n
        assert all(same(a, b) for a, b in zip(sweep, local_sweep)), n
        assert all(same(a, b) for a, b in zip(batch, local_batch)), n
        used = {t["worker"] for t in stream.data if t["key"].startswith("_run-")}
        assert used <= set(client.scheduler_info()["workers"]) and len(used) >= min(n, 2), (n, used)


def test_agrees_statistically_with_the_local_path(client: Any) -> None:
    scale(client, 2)
    remote = pair.run(0.9, 1.4, False, shots=40_000, seed=101, chunk_shots=5000, executor=client).counts()
    local = pair.run(0.9, 1.4, False, shots=40_000, seed=202).counts()
    values = sorted(set(remote) | set(local), key=lambda v: -(remote.get(v, 0) + local.get(v, 0)))
    table = np.array([[remote.get(v, 0) for v in values], [local.get(v, 0) for v in values]])
    common = table[:, table.min(axis=0) >= 5]  # the chi-square approximation needs expected counts >= 5
    rare = table[:, table.min(axis=0) < 5].sum(axis=1, keepdims=True)
    _, p, _, _ = chi2_contingency(np.hstack([common, rare]) if rare.sum() else common)
    assert p > 1e-4, (p, table)


def test_sessions_and_progress_on_the_cluster(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    scale(client, 2)
    with Session(pair, shots=600, seed=3, chunk_shots=200, executor=client) as remote, \
            Session(pair, shots=600, seed=3, chunk_shots=200) as local:
        for row in ROWS[:3]:
            assert same(remote.run(*row), local.run(*row))
        assert all(same(a, b) for a, b in zip(remote.sweep(ROWS[3:6]), local.sweep(ROWS[3:6])))
    loud = pair.run(0.5, 0.5, True, shots=2400, seed=4, chunk_shots=300, executor=client, progress=True)
    assert same(loud, pair.run(0.5, 0.5, True, shots=2400, seed=4, chunk_shots=300))
    assert "2.40k/2.40k" in capsys.readouterr().err


def test_worker_errors_are_the_local_errors(client: Any) -> None:
    scale(client, 2)
    with pytest.raises(hr.KernelRuntimeError) as local:
        ratio.sweep([4, 3, 1, 2], shots=64, seed=5, chunk_shots=16)
    with pytest.raises(hr.KernelRuntimeError) as remote:
        ratio.sweep([4, 3, 1, 2], shots=64, seed=5, chunk_shots=16, executor=client)
    assert str(remote.value) == str(local.value)
    assert "row 2, shot" in str(remote.value) and "division by zero" in str(remote.value)


def test_executor_must_be_a_dask_client() -> None:
    with pytest.raises(TypeError, match="executor must be a dask.distributed.Client, got str"):
        pair.run(0.1, 0.2, False, executor="tcp://scheduler:8786")
