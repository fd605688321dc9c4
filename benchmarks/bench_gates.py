"""Gate throughput: one long gate sequence (no measurement) on hybridrt and on Qiskit Aer's statevector method.

The same op list drives both: single-qubit h/rz/sx cycling over qubits (7*i mod n, so low and high
qubits alike) plus a cx after every tenth gate. Times are per gate, whole ``run`` call included
(state allocation, Aer's circuit conversion) but never compilation/transpilation: hybridrt's
bytecode and Numba code are warmed up first; the circuit is already in Aer's native gate set.
Two groups: per gate, hybridrt without fusion (the unfused IR assembled as is: one pass over the
state per gate) against Aer with fusion off and a streaming NumPy copy of one 2^n complex128 state
(read once, write once, as a 1-qubit gate: the memory-bandwidth floor); and the same sequence with
fusion on both sides. Sizes: ``HYBRIDRT_BENCH_GATE_QUBITS`` (default 20,24; the bar covers 20-26).
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np
import pytest
from conftest import load_kernel, record

from hybridrt.assemble import assemble
from hybridrt.runtime import run_bytecode

QuantumCircuit = pytest.importorskip("qiskit").QuantumCircuit
AerSimulator = pytest.importorskip("qiskit_aer").AerSimulator

SIZES = tuple(int(n) for n in os.environ.get("HYBRIDRT_BENCH_GATE_QUBITS", "20,24").split(","))
ONE_QUBIT_GATES = 60
ROUNDS = {n: 3 if n <= 22 else 2 for n in range(30)}
CX_EVERY = 10

Op = tuple[str, tuple[int, ...], tuple[float, ...]]


@functools.cache
def sequence(n: int) -> list[Op]:
    ops: list[Op] = []
    for i in range(ONE_QUBIT_GATES):
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


def _bench(benchmark: Any, group: str, fn: Any, impl: str, gates: int, rounds: int) -> Any:
    benchmark.group = group
    out = benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=1)
    record(benchmark, impl, gates, "gate")
    return out


def _group(n: int, fusion: bool) -> str:
    return f"gates-{n}q-{'fused' if fusion else 'per-gate'}"


@pytest.mark.parametrize("fusion", [False, True], ids=["nofusion", "fusion"])
@pytest.mark.parametrize("n", SIZES)
def test_hybridrt(benchmark: Any, kernels: dict[int, Any], n: int, fusion: bool) -> None:
    k = kernels[n]
    if fusion:
        run = functools.partial(k.run, shots=1, seed=1)
    else:
        bytecode = assemble(k.ir)  # the IR as written: one engine instruction per gate
        assert len(bytecode.code) > len(sequence(n))
        run = functools.partial(run_bytecode, bytecode, [], 1, 1)
    res = _bench(benchmark, _group(n, fusion), run, "hybridrt", len(sequence(n)), ROUNDS[n])
    assert res.values == [None]


@pytest.mark.parametrize("fusion", [False, True], ids=["nofusion", "fusion"])
@pytest.mark.parametrize("n", SIZES)
def test_aer(benchmark: Any, n: int, fusion: bool) -> None:
    qc = circuit(n)
    sim = AerSimulator(method="statevector", fusion_enable=fusion)
    res = _bench(benchmark, _group(n, fusion), lambda: sim.run(qc, shots=1, seed_simulator=1).result(),
                 f"aer statevector fusion={'on' if fusion else 'off'}", len(sequence(n)), ROUNDS[n])
    meta = res.results[0].metadata
    benchmark.extra_info.update(aer_time_taken_s=res.results[0].time_taken, aer_fusion=meta["fusion"],
                                aer_threads=meta["parallel_state_update"])


@pytest.mark.parametrize("n", SIZES)
def test_numpy_copy_bound(benchmark: Any, n: int) -> None:
    src = np.full(1 << n, 0.5 + 0.5j)
    dst = np.zeros_like(src)
    _bench(benchmark, _group(n, False), lambda: np.copyto(dst, src), "numpy copy (bandwidth bound)", 1, 20)
