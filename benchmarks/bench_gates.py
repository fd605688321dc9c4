"""Gate throughput: one long gate sequence (no measurement) on hybridrt and on Qiskit Aer's statevector method.

The same op list drives both: single-qubit h/rz/sx cycling over qubits (7*i mod n, so low and high
qubits alike) plus a cx after every tenth gate. Times are per gate, whole ``run`` call included
(state allocation, Aer's circuit conversion) but never compilation/transpilation: hybridrt's
bytecode and Numba code are warmed up first; the circuit is already in Aer's native gate set.
A streaming NumPy copy of one 2^n complex128 state (read once, write once, as a 1-qubit gate)
gives the memory-bandwidth floor per gate.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from conftest import load_kernel, record

QuantumCircuit = pytest.importorskip("qiskit").QuantumCircuit
AerSimulator = pytest.importorskip("qiskit_aer").AerSimulator

SIZES = (16, 20, 24)
ONE_QUBIT_GATES = {16: 200, 20: 60, 24: 60}  # fewer at larger n keeps the whole run to a few minutes
ROUNDS = {16: 7, 20: 3, 24: 2}
CX_EVERY = 10

Op = tuple[str, tuple[int, ...], tuple[float, ...]]


@functools.cache
def sequence(n: int) -> list[Op]:
    ops: list[Op] = []
    for i in range(ONE_QUBIT_GATES[n]):
        q = 7 * i % n
        ops.append([("h", (q,), ()), ("rz", (q,), (0.1 * i,)), ("sx", (q,), ())][i % 3])
        if i % CX_EVERY == CX_EVERY - 1:
            ops.append(("cx", (q, (q + 1) % n), ()))
    return ops


def kernel_source(n: int) -> str:
    body = [f"    {g}({', '.join([*map(repr, params), *(f'q[{x}]' for x in qs)])})" for g, qs, params in sequence(n)]
    return "\n".join(["import hybridrt as hr", "from hybridrt import qubits, h, rz, sx, cx", "",
                      "@hr.kernel", f"def gates{n}():", f"    q = qubits({n})", *body, ""])


def circuit(n: int) -> Any:
    qc = QuantumCircuit(n)
    for g, qs, params in sequence(n):
        getattr(qc, g)(*params, *qs)
    qc.save_amplitudes([0])  # O(1) output: without any save/measure Aer skips the simulation entirely
    return qc


@pytest.fixture(scope="module")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Any]:
    d = tmp_path_factory.mktemp("gates")
    return {n: load_kernel(kernel_source(n), f"gates{n}", d) for n in SIZES}


def _bench(benchmark: Any, n: int, fn: Any, impl: str, gates: int, rounds: int) -> Any:
    benchmark.group = f"gates-{n}q"
    out = benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=1)
    record(benchmark, impl, gates, "gate")
    return out


@pytest.mark.parametrize("n", SIZES)
def test_hybridrt(benchmark: Any, kernels: dict[int, Any], n: int) -> None:
    k = kernels[n]
    res = _bench(benchmark, n, lambda: k.run(shots=1, seed=1), "hybridrt", len(sequence(n)), ROUNDS[n])
    assert res.values == [None]


@pytest.mark.parametrize("fusion", [False, True], ids=["nofusion", "fusion"])
@pytest.mark.parametrize("n", SIZES)
def test_aer(benchmark: Any, n: int, fusion: bool) -> None:
    qc = circuit(n)
    sim = AerSimulator(method="statevector", fusion_enable=fusion)
    res = _bench(benchmark, n, lambda: sim.run(qc, shots=1, seed_simulator=1).result(),
                 f"aer statevector fusion={'on' if fusion else 'off'}", len(sequence(n)), ROUNDS[n])
    meta = res.results[0].metadata
    benchmark.extra_info.update(aer_time_taken_s=res.results[0].time_taken, aer_fusion=meta["fusion"],
                                aer_threads=meta["parallel_state_update"])


@pytest.mark.parametrize("n", SIZES)
def test_numpy_copy_bound(benchmark: Any, n: int) -> None:
    src = np.full(1 << n, 0.5 + 0.5j)
    dst = np.zeros_like(src)
    _bench(benchmark, n, lambda: np.copyto(dst, src), "numpy copy (bandwidth bound)", 1, 20)  # 1 copy ~ 1 gate
