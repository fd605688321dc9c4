"""Batches: many programs (kernels with their arguments) in one call, here, on Dask, or on Azure as one session.

``run_batch(jobs)`` runs each job ``(kernel, args)`` for ``shots`` shots.  Entry ``j`` is
seeded with a seed derived from the batch's ``seed`` (the ``j``-th row seed of
``hybridrt.units``), so it gives what ``kernel.run(*args, seed=results[j].seed)`` gives,
and a batch of one kernel with different arguments gives what ``kernel.sweep`` gives.
Jobs of the same kernel and argument types share one compiled engine call.

``submit_batch(jobs, target=, workspace=)`` sends the jobs to an Azure Quantum target as
one session (``azure.quantum`` ``Target.open_session``): the target keeps the session's
jobs together, and ``AzureBatch.results()`` waits for them all.

>>> import hybridrt as hr
>>> from hybridrt import qubit, qubits, h, x, cx, mz
>>> @hr.kernel
... def ones(n: int) -> int:
...     q = qubits(3)
...     total = 0
...     for k in range(n):
...         x(q[k])
...         total += int(mz(q[k]))
...     return total
>>> @hr.kernel
... def coin() -> bool:
...     q = qubit()
...     h(q)
...     return mz(q)
>>> results = run_batch([(ones, (2,)), (ones, (3,)), coin], shots=100, seed=4)
>>> [sorted(r.counts()) for r in results]
[[2], [3], [False, True]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import ir
from .kernel import Kernel
from .progress import wanted
from .result import Result
from .runtime import DEFAULT_MAX_STEPS, make_engine
from .units import Plan, check_run_options, execute, new_seed, row_seeds


def run_batch(jobs: Sequence[Any], *, shots: int = 1000, seed: int | None = None,
              max_steps: int = DEFAULT_MAX_STEPS, strategy: str = "branching", executor: Any = None,
              chunk_shots: int | None = None, progress: bool | None = None) -> list[Result]:
    """One ``Result`` per job, in order; a job is ``kernel``, ``(kernel,)``, ``(kernel, args)`` or
    ``(kernel, args, kwargs)`` with ``args`` a tuple or list of the kernel's arguments.

    The options are those of ``Kernel.run``; ``executor`` (a ``dask.distributed.Client``)
    spreads every job's shot chunks over the cluster, with the identical results.
    """
    check_run_options(shots, seed, chunk_shots)
    entries = [_kernel_entry(k, job) for k, job in enumerate(jobs)]
    if not entries:
        return []
    seed = new_seed() if seed is None else int(seed)
    seeds = row_seeds(seed, 0, len(entries))
    groups: dict[tuple[int, tuple[ir.Type, ...]], list[tuple[int, list[Any]]]] = {}
    kernels: dict[int, Kernel] = {}
    for j, (kernel, args, kwargs) in enumerate(entries):
        try:
            types, values = kernel._bind(args, kwargs)
        except TypeError as e:
            raise TypeError(f"batch job {j}: {e}") from None
        kernels[id(kernel)] = kernel
        groups.setdefault((id(kernel), types), []).append((j, values))
    plans = []
    for (kid, types), members in groups.items():
        program = make_engine(kernels[kid]._bytecode(types), max_steps, strategy)
        plans.append(Plan(program, [v for _, v in members], [seeds[j] for j, _ in members], int(shots),
                          chunk_shots, lambda r, members=members: f"batch job {members[r][0]}"))
    qubits = max(p.engine.num_qubits for p in plans)
    show = wanted(progress, int(shots) * len(entries), len(entries), qubits)
    results: list[Result | None] = [None] * len(entries)
    for ((_, members), sweep) in zip(groups.items(), execute(plans, executor, show, "batch")):
        for r, (j, _) in enumerate(members):
            results[j] = sweep[r]
    return results  # type: ignore[return-value]


def _entry(k: int, job: Any) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
    """Job ``k`` as (kernel or QIR, args, kwargs)."""
    if not isinstance(job, tuple):
        job = (job,)
    if not 1 <= len(job) <= 3:
        raise TypeError(f"batch job {k} must be a kernel, (kernel, args) or (kernel, args, kwargs), got a tuple of "
                        f"{len(job)}")
    program, args, kwargs = job + ((), {})[len(job) - 1:]
    if not isinstance(args, (tuple, list)):
        raise TypeError(f"batch job {k}: the arguments must be a tuple or list, got {type(args).__name__} {args!r} "
                        "(write (kernel, (x,)) for one argument)")
    if not isinstance(kwargs, dict):
        raise TypeError(f"batch job {k}: the keyword arguments must be a dict, got {type(kwargs).__name__}")
    return program, tuple(args), kwargs


def _kernel_entry(k: int, job: Any) -> tuple[Kernel, tuple[Any, ...], dict[str, Any]]:
    kernel, args, kwargs = _entry(k, job)
    if not isinstance(kernel, Kernel):
        raise TypeError(f"batch job {k}: expected a hybridrt kernel, got {type(kernel).__name__}")
    return kernel, args, kwargs


# ---------------------------------------------------------------- Azure Quantum


def batch_payloads(jobs: Sequence[Any], *, target: Any, shots: int, name: str = "hybridrt-batch") -> list[dict[str, Any]]:
    """The Azure job payload of each job (``hybridrt.qir_targets.azure.job_payload``), named ``name-0``, ``name-1``...

    A job is a kernel with its arguments as for ``run_batch`` (QIR binds positional
    arguments only), or QIR (a ``QirProgram``, QIR text, a ``.ll`` path).  Every job is
    lowered and checked against ``target`` here, before anything is sent.

    >>> import hybridrt as hr
    >>> from hybridrt import qubit, h, rz, mz
    >>> @hr.kernel
    ... def fringe(phase: float) -> bool:
    ...     q = qubit()
    ...     h(q)
    ...     rz(phase, q)
    ...     h(q)
    ...     return mz(q)
    >>> jobs = [(fringe, (0.1,)), (fringe, (0.2,))]
    >>> [p["name"] for p in batch_payloads(jobs, target="ionq.simulator", shots=10)]
    ['hybridrt-batch-0', 'hybridrt-batch-1']
    """
    from .qir_targets.azure import job_payload

    payloads = []
    for k, job in enumerate(jobs):
        program, args, kwargs = _entry(k, job)
        if kwargs:
            raise TypeError(f"batch job {k}: QIR binds positional arguments only; pass them in args")
        payloads.append(job_payload(program, *args, target=target, shots=shots, name=f"{name}-{k}"))
    return payloads


class AzureBatch:
    """Jobs submitted together in one Azure Quantum session: ``session`` (an ``azure.quantum`` ``Session``),
    ``jobs`` (``AzureJob``s, in the batch's order); ``results()`` waits for them all."""

    def __init__(self, session: Any, jobs: list[Any]):
        self.session = session
        self.jobs = jobs

    @property
    def session_id(self) -> str:
        return str(self.session.id)

    def results(self, timeout_secs: float = 300) -> list[Any]:
        """Each job's ``AzureResult``, in order (each waits at most ``timeout_secs``)."""
        return [job.result(timeout_secs=timeout_secs) for job in self.jobs]

    def __repr__(self) -> str:
        return f"<AzureBatch session {self.session_id}: {len(self.jobs)} jobs>"


def submit_batch(jobs: Sequence[Any], *, target: str, shots: int, workspace: Any,
                 name: str = "hybridrt-batch") -> AzureBatch:
    """Submit ``jobs`` (as ``batch_payloads`` takes them) to ``target`` in ``workspace`` as one session.

    Every payload is built and checked before Azure is contacted.  Needs the ``azure``
    extra: ``pip install 'hybridrt[azure]'``.
    """
    from .qir_targets.azure import AzureJob, _returns_of, azure_target, check_workspace, submit_payload

    payloads = batch_payloads(jobs, target=target, shots=shots, name=name)
    returns = [_returns_of(program, args) for program, args, _ in (_entry(k, job) for k, job in enumerate(jobs))]
    check_workspace(workspace)
    if not payloads:
        raise ValueError("the batch has no jobs")
    az_target = azure_target(workspace, payloads[0]["target"])
    with az_target.open_session(name=name) as session:
        submitted = [AzureJob(submit_payload(az_target, payload), rt) for payload, rt in zip(payloads, returns)]
    return AzureBatch(session, submitted)
