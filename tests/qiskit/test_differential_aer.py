"""300 random dynamic circuits: hybridrt's exact distribution agrees with Qiskit Aer's counts and our own samples.

For each circuit (``random_circuits.random_circuit(seed)``) the exact distribution of its register
bitstrings (``from_qiskit(circuit).distribution()``) is tested against 2000 shots of Aer (statevector
method; gates Aer lacks replaced by their definitions) and 2000 shots of ``kernel.run``, with a
chi-square goodness-of-fit test that rejects at p < 1e-4.  Seeds are fixed on every side, so the
outcome is reproducible; with correct simulators the chance that the 600 tests of this seed set
hold a false alarm at all is about 600 * 1e-4 = 6%, and a real discrepancy (a wrong gate, branch,
loop exit or bit order) moves far more probability than 2000 shots can hide at this level.
"""

from __future__ import annotations

import pytest
from qiskit_aer import AerSimulator

from hybridrt.qiskit import from_qiskit

from .random_circuits import for_aer, goodness_of_fit, random_circuit

pytestmark = pytest.mark.slow

NUM_CIRCUITS = 300
SHOTS = 2000
ALPHA = 1e-4
SIMULATOR = AerSimulator(method="statevector")


@pytest.mark.parametrize("seed", range(NUM_CIRCUITS))
def test_random_circuit_matches_aer(seed: int) -> None:
    qc = random_circuit(seed)
    kernel = from_qiskit(qc)
    dist = kernel.distribution(cutoff=1e-10)
    exact = dict(dist)
    assert sum(exact.values()) + dist.dropped == pytest.approx(1.0, abs=1e-9)
    aer = SIMULATOR.run(for_aer(qc), shots=SHOTS, seed_simulator=seed).result().get_counts()
    ours = kernel.run(shots=SHOTS, seed=seed).counts()
    for name, counts in (("aer", aer), ("hybridrt", ours)):
        p = goodness_of_fit(exact, counts)
        table = "\n".join(f"  {k}: exact {exact.get(k, 0.0) * SHOTS:8.1f}  {name} {counts.get(k, 0):5d}"
                          for k in sorted(set(exact) | set(counts)))
        assert p >= ALPHA, f"{name}: p = {p:.3g} < {ALPHA}\n{qc}\n{table}"
