"""Batches: many kernels with their arguments in one call, seeded per job; Azure batches as one session of jobs.

Job ``j`` of ``run_batch(jobs, seed=s)`` must be exactly ``kernel.run(*args, seed=row_seeds(s, 0, n)[j])``
(whole output arrays compared).  The Azure part is checked offline: the payloads are the kernels'
QIR for the target, and ``submit_batch`` refuses bad input before it would contact Azure.
"""

from __future__ import annotations

import sys

import pytest
from hybridrt.qir_targets import azure

import hybridrt as hr
from hybridrt import cx, h, mz, qubit, qubits, reset
from hybridrt.batch import batch_payloads, run_batch, submit_batch
from hybridrt.units import row_seeds

from .qir_targets.suite import rus_unbounded
from .test_session import same, tilt

WORKSPACE = ("SubscriptionId=00000000-0000-0000-0000-000000000000;ResourceGroupName=rg;WorkspaceName=ws;"
             "ApiKey=offline;QuantumEndpoint=https://eastus.quantum.azure.com/;")


@hr.kernel
def ghz(n: int) -> list[bool]:
    q = qubits(4)
    h(q[0])
    for k in range(1, n):
        cx(q[k - 1], q[k])
    return mz(q)


@hr.kernel
def tries(limit: int) -> int:
    a = qubit()
    n = 0
    while n < limit:
        h(a)
        n += 1
        if mz(a):
            break
        reset(a)
    return 10 // (limit - n)


def test_each_job_is_the_run_with_its_seed() -> None:
    jobs = [(tilt, (0.4,)), (ghz, [3]), (tilt, (2.5,)), (hr.Kernel.from_ir(ghz.compile(2)), (2,)), (ghz, (4,)),
            (tilt, (), {"theta": 1.0}), (tries, (40,))]
    results = run_batch(jobs, shots=500, seed=13)
    seeds = row_seeds(13, 0, len(jobs))
    assert [r.seed for r in results] == seeds
    expected = [tilt.run(0.4, shots=500, seed=seeds[0]), ghz.run(3, shots=500, seed=seeds[1]),
                tilt.run(2.5, shots=500, seed=seeds[2]), jobs[3][0].run(2, shots=500, seed=seeds[3]),
                ghz.run(4, shots=500, seed=seeds[4]), tilt.run(1.0, shots=500, seed=seeds[5]),
                tries.run(40, shots=500, seed=seeds[6])]
    for got, want in zip(results, expected):
        assert same(got, want)
    assert set(results[1].counts()) == {(False,) * 4, (True, True, True, False)}


def test_a_batch_of_one_kernel_is_its_sweep() -> None:
    thetas = [0.1, 0.9, 1.7, 2.6]
    batch = run_batch([(tilt, (t,)) for t in thetas], shots=200, seed=5, strategy="trajectories")
    sweep = tilt.sweep(thetas, shots=200, seed=5, strategy="trajectories")
    assert all(same(a, b) for a, b in zip(batch, sweep))
    chunked = run_batch([(tilt, (t,)) for t in thetas], shots=200, seed=5, strategy="trajectories", chunk_shots=64)
    assert all(same(a, tilt.run(t, shots=200, seed=a.seed, strategy="trajectories", chunk_shots=64))
               for a, t in zip(chunked, thetas))


def test_batch_errors() -> None:
    assert run_batch([]) == []
    with pytest.raises(TypeError, match=r"batch job 1: the arguments must be a tuple or list.*\(kernel, \(x,\)\)"):
        run_batch([(tilt, (0.1,)), (tilt, 0.2)])
    with pytest.raises(TypeError, match="batch job 0: the keyword arguments must be a dict"):
        run_batch([(tilt, (), [("theta", 1.0)])])
    with pytest.raises(TypeError, match="batch job 0 must be a kernel, .* got a tuple of 4"):
        run_batch([(tilt, (0.1,), {}, 5)])
    with pytest.raises(TypeError, match="batch job 1: expected a hybridrt kernel, got function"):
        run_batch([tilt, lambda: None])
    with pytest.raises(TypeError, match=r"batch job 0: kernel ghz\(\): argument 'n' must be int"):
        run_batch([(ghz, ("three",))])
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        run_batch([tilt], seed=-2)
    with pytest.raises(hr.KernelRuntimeError, match=r"kernel 'tries', batch job 2, shot \d+: division by zero"):
        run_batch([(tries, (30,)), (tilt, (0.3,)), (tries, (1,))], shots=50, seed=1)


# ---------------------------------------------------------------- Azure Quantum, offline


def test_batch_payloads_are_the_kernels_qir_for_the_target() -> None:
    jobs = [(tilt, (0.25,)), (ghz, (3,)), ghz.to_qir(2, target="quantinuum.sim.h2-1e")]
    payloads = batch_payloads(jobs, target="quantinuum.sim.h2-1e", shots=100, name="vqe-step")
    assert [p["name"] for p in payloads] == ["vqe-step-0", "vqe-step-1", "vqe-step-2"]
    assert payloads[0]["input_data"] == tilt.to_qir(0.25, target="quantinuum.sim.h2-1e").text
    assert payloads[1]["input_data"] == ghz.to_qir(3, target="quantinuum.sim.h2-1e").text
    assert payloads[2]["input_data"] == jobs[2].text
    for p in payloads:
        assert p["target"] == "quantinuum.sim.h2-1e" and p["provider_id"] == "quantinuum"
        assert p["input_data_format"] == azure.INPUT_DATA_FORMAT and p["content_type"] == azure.CONTENT_TYPE
        assert p["input_params"]["shots"] == 100 and p["input_params"]["target_profile"] == "Adaptive_RI"
        assert p["input_params"]["entryPoint"] in p["input_data"]
    with pytest.raises(hr.TargetError, match="backwards_branching"):
        batch_payloads([(tilt, (0.1,)), rus_unbounded], target="quantinuum.sim.h2-1e", shots=10)
    with pytest.raises(TypeError, match="QIR binds positional arguments only"):
        batch_payloads([(tilt, (), {"theta": 0.1})], target="ionq.simulator", shots=10)


def test_submit_batch_checks_everything_before_contacting_azure(monkeypatch: pytest.MonkeyPatch) -> None:
    import azure.quantum as aq

    workspace = aq.Workspace.from_connection_string(WORKSPACE)  # building it does not contact Azure
    with pytest.raises(TypeError, match="azure.quantum.Workspace"):
        submit_batch([(tilt, (0.5,))], target="ionq.simulator", shots=10, workspace="my-workspace")
    with pytest.raises(hr.TargetError, match="backwards_branching"):
        submit_batch([(tilt, (0.5,)), rus_unbounded], target="quantinuum.sim.h2-1e", shots=10, workspace=workspace)
    with pytest.raises(hr.TargetError, match="unknown target"):
        submit_batch([(tilt, (0.5,))], target="nowhere.qpu", shots=10, workspace=workspace)
    with pytest.raises(ValueError, match="shots"):
        submit_batch([(tilt, (0.5,))], target="ionq.simulator", shots=0, workspace=workspace)
    with pytest.raises(ValueError, match="no jobs"):
        submit_batch([], target="ionq.simulator", shots=10, workspace=workspace)
    monkeypatch.setitem(sys.modules, "azure.quantum", None)  # as if not installed: importing it fails
    with pytest.raises(ImportError, match=r"pip install 'hybridrt\[azure\]'"):
        submit_batch([(tilt, (0.5,))], target="ionq.simulator", shots=10, workspace=workspace)
