"""Phase-estimation kernels lower to the QIR profiles their arithmetic needs and run on qdk and qirrunner.

Each QIR program runs on ``qdk.simulation.run_qir`` (and one on ``qirrunner``); the counts must fit
the engine's exact distribution (chi-square goodness of fit, p < 1e-4 rejects).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import hybridrt as hr
from hybridrt.algorithms import inner_product
from hybridrt.algorithms import phase_estimation as pe

from .reference import ALPHA, chi2_gof
from .test_phase_estimation import tilted_kernels

SHOTS = 2000
H2, HELIOS = "quantinuum.sim.h2-1e", "quantinuum.sim.helios-1e"


def rounded(v: Any) -> Any:
    """Floats rounded so that the engine's and a runner's doubles compare equal."""
    if isinstance(v, tuple):
        return tuple(rounded(a) for a in v)
    return round(v, 9) if isinstance(v, float) else v


def run_qdk(qir: Any, shots: int, seed: int) -> Counter:
    from qdk.simulation import run_qir

    return Counter(rounded(v) for v in run_qir(str(qir), shots=shots, seed=seed, type="cpu"))


def assert_fits(k: hr.Kernel, counts: Counter, what: str) -> None:
    exact: dict[Any, float] = {}
    for v, p in k.distribution(cutoff=0.0).items():
        exact[rounded(v)] = exact.get(rounded(v), 0.0) + p
    p = chi2_gof(counts, exact)
    assert p >= ALPHA, f"{what}: p = {p:.2e}; runner {counts.most_common(6)}"


def tilted(make: Any, **options: Any) -> hr.Kernel:
    """``make`` (a kernel builder) for test_phase_estimation's tilted two-qubit unitary, with its power kernel:
    run_qir's time grows with the program's size, and by repetition U^(2^k) is 2^k times as long."""
    u, eigenvector, u_pow = tilted_kernels(0.3)
    return make(u, eigenvector, num_qubits=2, power=u_pow, **options)


# name -> (kernel maker, target, profile, shots)
CASES = {
    "iterative, int": (lambda: tilted(pe.iterative_kernel, bits=6), H2, "Adaptive_RI", SHOTS),
    "iterative, float, votes": (lambda: tilted(pe.iterative_kernel, bits=4, floats=True, votes=3), HELIOS,
                                "Adaptive_RIF", SHOTS),
    "random walk": (lambda: tilted(pe.random_walk_kernel, iterations=6), HELIOS, "Adaptive_RIF", SHOTS),
    # the oracle's powers by repetition: 31 controlled oracles, 0.5 MB of QIR, so fewer shots
    "dot product": (lambda: pe.iterative_kernel(*inner_product.kernels(math.pi / 7, math.pi / 5), bits=5,
                                                num_qubits=2), H2, "Adaptive_RI", 400),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_lowers_to_its_profile_and_runs_on_run_qir(name: str) -> None:
    make, target, profile, shots = CASES[name]
    k = make()
    qir = k.to_qir(target=target)
    assert qir.profile == profile and '"qir_profiles"="adaptive_profile"' in str(qir)
    assert_fits(k, run_qdk(qir, shots, seed=3), f"{name} on run_qir")


@pytest.mark.slow
def test_iterative_runs_on_qirrunner(tmp_path: Path) -> None:
    import qirrunner

    k = tilted(pe.iterative_kernel, bits=5)
    path = tmp_path / "ipe.ll"
    path.write_text(str(k.to_qir(target=H2)))
    out = qirrunner.OutputHandler()
    qirrunner.run(str(path), shots=SHOTS, rng_seed=4, output_fn=out.handle)
    values = [int(line.split("\t")[2]) for line in out.get_output().splitlines() if line.startswith("OUTPUT\tINT")]
    assert len(values) == SHOTS
    assert_fits(k, Counter(values), "iterative on qirrunner")


def test_float_kernels_are_refused_by_integer_only_targets() -> None:
    u, eigenvector, _ = tilted_kernels(0.3)
    for k in (pe.iterative_kernel(u, eigenvector, bits=3, num_qubits=2, floats=True),
              pe.random_walk_kernel(u, eigenvector, iterations=3, num_qubits=2)):
        with pytest.raises(hr.TargetError, match="float_computations.*quantinuum.sim.h2-1e"):
            k.to_qir(target=H2)
