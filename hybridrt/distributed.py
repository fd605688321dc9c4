"""Runs, sweeps and batches spread over a Dask cluster: ``executor=`` a ``dask.distributed.Client``.

The work units of ``hybridrt.units`` (argument rows x shot chunks, each with its own
seed) go to the workers in contiguous ranges, one task per range; a task carries the
program's ``Engine`` (its bytecode arrays and run settings, scattered once per call), never
a pickled Python function, so kernels defined in a notebook or a test module run on any
worker that has hybridrt installed.  The units, and so the results, do not depend on how
many workers there are: the same seed gives the identical result on 1, 2 or 40 workers and
without Dask.

Any Dask cluster works::

    from dask.distributed import Client, LocalCluster
    client = Client(LocalCluster(n_workers=4, threads_per_worker=1))   # this machine
    client = Client("tcp://scheduler-host:8786")                        # a running cluster
    kernel.run(shots=10_000_000, seed=1, executor=client, chunk_shots=250_000)

Workers need the same hybridrt version (``pip install 'hybridrt[dask]'``); each loads the
engine from its Numba cache (compiled once per machine) before its first task.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .runtime import Engine
from .units import Plan, concat

TASKS_PER_THREAD = 2  # ranges per worker thread: enough to balance unequal ranges, few enough to keep overhead low


def execute_on(client: Any, plans: Sequence[Plan], progress: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every unit of ``plans`` run on ``client``'s workers; per plan its output rows, in unit order.

    ``progress.update(shots)`` is called as ranges finish.  A failed shot raises its
    ``KernelRuntimeError`` (the first in unit order), as a local run would.
    """
    from distributed import Client, as_completed

    if not isinstance(client, Client):
        raise TypeError(f"executor must be a dask.distributed.Client, got {type(client).__name__}")
    threads = max(1, sum(client.nthreads().values()))
    futures, where = [], {}
    for k, plan in enumerate(plans):
        engine = client.scatter(plan.engine, broadcast=True, hash=False)  # small: every worker gets a copy
        for lo, hi in plan.blocks(TASKS_PER_THREAD * threads):
            f = client.submit(_run, engine, plan.ints[lo:hi], plan.floats[lo:hi], plan.unit_shots[lo:hi],
                              plan.unit_seeds[lo:hi], pure=False)
            where[f.key] = (k, lo, int(plan.unit_shots[lo:hi].sum()))
            futures.append(f)
    raw: dict[str, tuple[Any, ...]] = {}
    for f in as_completed(futures):
        raw[f.key] = f.result()
        progress.update(where[f.key][2])
    outs: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in plans]
    for f in futures:
        k, lo, _ = where[f.key]
        outs[k].append(plans[k].check(raw[f.key], lo))
    return [concat(o) for o in outs]


def _run(engine: Engine, ints: np.ndarray, floats: np.ndarray, shots: np.ndarray,
         seeds: np.ndarray) -> tuple[Any, ...]:
    """A task on a worker: one range of units, its units on Numba's threads only where the worker runs
    one task at a time (Numba's workqueue threading layer cannot run parallel loops from several threads)."""
    from distributed import get_worker

    return engine.run(ints, floats, shots, seeds, None if get_worker().state.nthreads == 1 else 1)
