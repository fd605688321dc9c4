"""Phase estimation: exact outcome distributions against NumPy references, known phases recovered at fixed seeds.

Exact checks (probabilities to 1e-10) use ``kernel.distribution()``; sampled estimates use fixed
seeds and state their error bound; ``run`` against ``distribution`` is a chi-square test (p < 1e-4
rejects).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator
from scipy.integrate import quad

import hybridrt as hr
from hybridrt.algorithms import inner_product
from hybridrt.algorithms import phase_estimation as pe
from hybridrt.algorithms.estimate import Estimate
from hybridrt.lang import cp, cz, h, p, ry, x

from .reference import ALPHA, chi2_gof, ipe_reference, qpe_textbook, random_walk_reference


def phase_kernels(phase: float) -> tuple[hr.Kernel, hr.Kernel]:
    """p(2π·phase) with its eigenvector |1>."""

    @hr.kernel
    def u(q) -> None:  # type: ignore[no-untyped-def]
        p(2 * math.pi * phase, q)

    @hr.kernel
    def one(q) -> None:  # type: ignore[no-untyped-def]
        x(q)

    return u, one


def tilted_kernels(phase: float) -> tuple[hr.Kernel, hr.Kernel, hr.Kernel]:
    """U = W·cp(2π·phase)·W† on two qubits, its eigenvector W|11>, and a power kernel for U^m."""

    @hr.kernel
    def w(q) -> None:  # type: ignore[no-untyped-def]
        ry(0.7, q[0])
        cz(q[0], q[1])
        h(q[1])

    @hr.kernel
    def w_dagger(q) -> None:  # type: ignore[no-untyped-def]
        h(q[1])
        cz(q[0], q[1])
        ry(-0.7, q[0])

    @hr.kernel
    def u(q) -> None:  # type: ignore[no-untyped-def]
        w_dagger(q)
        cp(2 * math.pi * phase, q[0], q[1])
        w(q)

    @hr.kernel
    def u_pow(q, m: int) -> None:  # type: ignore[no-untyped-def]
        w_dagger(q)
        cp(2 * math.pi * phase * m, q[0], q[1])
        w(q)

    @hr.kernel
    def eigenvector(q) -> None:  # type: ignore[no-untyped-def]
        x(q)
        w(q)

    return u, eigenvector, u_pow


PHASES = [0.375, 1 / math.pi, 0.9, 0.03]  # 3/8 is exact with 3+ bits; the others are not


def distribution_array(k: hr.Kernel, bits: int, floats: bool) -> np.ndarray:
    d = k.distribution(cutoff=0.0)
    assert d.dropped == 0
    out = np.zeros(2**bits)
    for v, prob in d.items():
        out[round(v * 2**bits) if floats else v] += prob
    return out


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("floats", [False, True])
def test_iterative_distribution_is_textbook_phase_estimation(phase: float, floats: bool) -> None:
    u, one = phase_kernels(phase)
    got = distribution_array(pe.iterative_kernel(u, one, bits=5, floats=floats), 5, floats)
    np.testing.assert_allclose(got, qpe_textbook(phase, 5), atol=1e-10)
    np.testing.assert_allclose(got, ipe_reference(phase, 5), atol=1e-10)


@pytest.mark.parametrize("phase", [1 / math.pi, 0.9])
def test_majority_votes_and_power_kernels_exactly(phase: float) -> None:
    u, eigenvector, u_pow = tilted_kernels(phase)
    for votes, power in ((3, None), (3, u_pow), (1, u_pow)):
        k = pe.iterative_kernel(u, eigenvector, bits=4, num_qubits=2, votes=votes, power=power)
        np.testing.assert_allclose(distribution_array(k, 4, False), ipe_reference(phase, 4, votes), atol=1e-10)


def test_votes_sharpen_the_distribution() -> None:
    best = round(0.3 * 2**4)
    assert ipe_reference(0.3, 4, 5)[best] > ipe_reference(0.3, 4, 3)[best] > ipe_reference(0.3, 4, 1)[best]


def test_sampled_outcomes_follow_the_exact_distribution() -> None:
    u, eigenvector, _ = tilted_kernels(0.2)
    k = pe.iterative_kernel(u, eigenvector, bits=6, num_qubits=2)
    counts = k.run(shots=4000, seed=5).counts()
    assert chi2_gof(counts, dict(k.distribution())) >= ALPHA


@pytest.mark.parametrize("phase, bits", [(0.375, 3), (0.375, 8), (0.8125, 4), (0.0, 6)])
def test_exactly_representable_phases_are_found_exactly(phase: float, bits: int) -> None:
    u, eigenvector, u_pow = tilted_kernels(phase)
    for floats in (False, True):
        est = pe.iterative(u, eigenvector, bits=bits, shots=300, seed=3, num_qubits=2, floats=floats, power=u_pow)
        assert est.phase == phase and est.histogram() == {phase: 300} and est.outliers == 0
        assert est.std == pytest.approx(2.0**-bits / math.sqrt(12))  # only the resolution's floor


@pytest.mark.parametrize("phase", [1 / math.pi, math.e - 2, 0.999, 0.0004])
@pytest.mark.parametrize("seed", [1, 2])
def test_other_phases_within_one_step(phase: float, seed: int) -> None:
    """Stated error: |estimate - phase| <= 2^-bits (around the circle), one shot's std <= 2·2^-bits, at fixed seeds."""
    u, eigenvector, u_pow = tilted_kernels(phase)
    est = pe.iterative(u, eigenvector, bits=9, shots=1000, seed=seed, num_qubits=2, power=u_pow)
    assert est.error(phase) <= 2.0**-9
    assert est.std <= 2 * 2.0**-9 and est.outliers < 0.1


# ---------------------------------------------------------------- random walk


def posterior_moments(mu: float, sigma: float, m: int, outcome: int) -> tuple[float, float]:
    """Mean and variance of N(mu, sigma²) times the likelihood of ``outcome``, by numerical integration."""

    def weight(f: float) -> float:
        prior = math.exp(-((f - mu) ** 2) / (2 * sigma**2))
        return prior * (1 + (-1) ** outcome * math.cos(m * (f - mu) + math.pi / 2)) / 2

    z, first, second = (quad(lambda f, k=k: f**k * weight(f), mu - 12 * sigma, mu + 12 * sigma, limit=400,
                             epsabs=0, epsrel=1e-13)[0] for k in range(3))
    return first / z, second / z - (first / z) ** 2


@pytest.mark.parametrize("mu, sigma, m", [(0.3, 1.8, 1), (-2.0, 0.4, 2), (5.0, 0.05, 20), (1.0, 0.02, 31)])
def test_random_walk_steps_are_the_exact_posterior_moments(mu: float, sigma: float, m: int) -> None:
    """The schedule's step and width against the posterior's moments by numerical integration."""
    (step,), final = pe.random_walk_schedule(1, sigma / (2 * math.pi), max_power=m)
    for outcome, sign in ((0, -1), (1, +1)):
        mean, variance = posterior_moments(mu, sigma, step.power, outcome)
        assert mean == pytest.approx(mu + sign * step.step, abs=1e-9 * max(1, abs(mu)))
        assert variance == pytest.approx(final**2, rel=1e-8)


def test_random_walk_schedule_with_power_one_over_sigma() -> None:
    """Where 1/sigma is an integer the steps are the familiar sigma/√e and sigma·√(1-1/e)."""
    steps, final = pe.random_walk_schedule(1, 1 / (2 * math.pi * 4))  # sigma = 1/4 rad
    assert steps[0].power == 4
    assert steps[0].step == pytest.approx(0.25 / math.sqrt(math.e), rel=1e-12)
    assert final == pytest.approx(0.25 * math.sqrt(1 - 1 / math.e), rel=1e-12)


@pytest.mark.parametrize("phase", [1 / math.pi, 0.9])
def test_random_walk_distribution_exactly(phase: float) -> None:
    u, eigenvector, u_pow = tilted_kernels(phase)
    steps, final = pe.random_walk_schedule(6, 0.2)
    expected = sorted(random_walk_reference(phase, [(s.power, s.step) for s in steps], 0.45).items())
    for power in (None, u_pow):
        k = pe.random_walk_kernel(u, eigenvector, iterations=6, num_qubits=2, power=power, mean=0.45, std=0.2)
        got = sorted(k.distribution(cutoff=0.0).items())
        assert len(got) == len(expected) == 2**6
        for ((mean, width), prob), (ref_mean, ref_prob) in zip(got, expected):
            assert mean == pytest.approx(ref_mean, abs=1e-12) and prob == pytest.approx(ref_prob, abs=1e-10)
            assert width == pytest.approx(final / (2 * math.pi), rel=1e-12)


@pytest.mark.parametrize("phase", [1 / math.pi, 0.9, 0.02, 0.5])
def test_random_walk_recovers_phases(phase: float) -> None:
    """Stated error: |estimate - phase| <= std (one shot's spread) at a fixed seed, outliers under 10%."""
    u, eigenvector, u_pow = tilted_kernels(phase)
    est = pe.random_walk(u, eigenvector, iterations=24, shots=1000, seed=11, num_qubits=2, power=u_pow)
    assert est.error(phase) <= est.std
    assert est.std <= 2 * est.resolution and est.outliers < 0.1


# ---------------------------------------------------------------- the dot-product sample


def dot_reference(theta1: float, theta2: float, bits: int) -> np.ndarray:
    """P(x): the prepared state's weight on each eigenvector of G (matrices from Qiskit) times textbook QPE."""
    a = QuantumCircuit(2)
    a.h(1)
    a.cry(theta1, 1, 0)
    a.x(1)
    a.cry(theta2, 1, 0)
    a.x(1)
    a.h(1)
    g = QuantumCircuit(2)
    g.z(1)
    g.compose(a.inverse(), inplace=True)
    g.x([0, 1])
    g.cz(1, 0)
    g.x([0, 1])
    g.compose(a, inplace=True)
    values, vectors = np.linalg.eig(Operator(g).data)
    state = Operator(a).data[:, 0]
    weights = np.abs(vectors.conj().T @ state) ** 2
    return sum(w * qpe_textbook(np.angle(v) / (2 * np.pi) % 1.0, bits) for v, w in zip(values, weights))


def test_dot_product_matches_the_microsoft_sample() -> None:
    """θ₁ = π/7, θ₂ = π/5, n = 4 (5 bits): x = 16 with probability 0.48, 15 and 17 with 0.19 each."""
    oracle, prepare = inner_product.kernels(math.pi / 7, math.pi / 5)
    k = pe.iterative_kernel(oracle, prepare, bits=5, num_qubits=2)
    got = distribution_array(k, 5, False)
    np.testing.assert_allclose(got, dot_reference(math.pi / 7, math.pi / 5, 5), atol=1e-10)
    assert got[16] == pytest.approx(0.4764, abs=5e-4)
    assert got[15] == pytest.approx(0.1926, abs=5e-4) and got[17] == pytest.approx(got[15], abs=1e-12)
    inner = inner_product.exact(math.pi / 7, math.pi / 5)
    assert inner == pytest.approx(math.cos((math.pi / 7 - math.pi / 5) / 2), abs=1e-15)
    assert inner_product.from_outcome(int(np.argmax(got)), 4) == pytest.approx(inner, abs=1 - math.cos(math.pi / 16))


# ---------------------------------------------------------------- the estimate and bad input


def test_estimate_statistics_histogram_and_plot() -> None:
    import matplotlib

    matplotlib.use("Agg")
    samples = np.array([0.998] * 40 + [0.002] * 50 + [0.006] * 9 + [0.5])  # around 0 = 1, one far outlier
    est = Estimate(samples, resolution=0.004, discrete=True, method="test")
    assert est.outliers == pytest.approx(0.01)
    kept = np.array([-0.002] * 40 + [0.002] * 50 + [0.006] * 9)
    assert est.phase == pytest.approx(kept.mean() % 1.0, abs=1e-12)
    assert est.std == pytest.approx(math.hypot(kept.std(), 0.004 / math.sqrt(12)), rel=1e-9)
    assert est.error(1 - 1e-3) == pytest.approx(abs(kept.mean() + 1e-3), abs=1e-12)
    assert est.histogram() == {0.002: 50, 0.006: 9, 0.5: 1, 0.998: 40}
    binned = est.histogram(bins=4)
    assert binned == {0.125: 59, 0.625: 1, 0.875: 40}
    ax = est.plot(exact=0.0)
    assert ax.get_xlabel() == "phase (turns)" and len(ax.patches) == 4
    assert "Estimate(phase=" in repr(est)
    with pytest.raises(ValueError, match="at least one sample"):
        Estimate(np.array([]), 0.1, True)


def test_bad_arguments_are_clear_errors() -> None:
    u, one = phase_kernels(0.25)
    with pytest.raises(ValueError, match="bits must be a positive int at most 62, got 0"):
        pe.iterative(u, one, bits=0)
    with pytest.raises(TypeError, match="bits must be a positive int at most 62, got float 4.0"):
        pe.iterative(u, one, bits=4.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="votes must be odd"):
        pe.iterative(u, one, bits=3, votes=2)
    with pytest.raises(ValueError, match="num_qubits must be a positive int, got 0"):
        pe.iterative(u, one, bits=3, num_qubits=0)
    with pytest.raises(ValueError, match=r"std must be a width in turns in \(0, 1\], got 2"):
        pe.random_walk(u, one, iterations=3, std=2)
    with pytest.raises(TypeError, match="the eigenstate kernel must be a @hybridrt.kernel function"):
        pe.iterative(u, "x", bits=3)  # type: ignore[arg-type]
    with pytest.raises(hr.CompileError, match="out of range"):  # the unitary indexes past its register
        pe.iterative(tilted_kernels(0.1)[0], None, bits=3, num_qubits=1)
    with pytest.raises(ValueError, match="shots must be a positive int"):
        pe.iterative(u, one, bits=3, shots=0)
