"""VQE: the ground state of a transverse-field Ising chain, with a hybridrt Session and SciPy's COBYLA.

The Hamiltonian on ``N = 4`` qubits (an open chain) is ``H = -J sum Z_i Z_i+1 - h sum X_i``
with ``J = h = 1``; its exact ground energy comes from diagonalising the 16 x 16 matrix
with NumPy.  The ansatz is ``LAYERS`` layers of a CX ladder and RY rotations.  Each energy
evaluation is one engine call: a two-row sweep on a ``Session`` (the state measured in the
Z basis for the ZZ terms, in the X basis for the X terms), which never recompiles.

Run:   python examples/vqe.py
It converges to within 2% of the exact ground energy (checked by tests/test_session.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

import hybridrt as hr
from hybridrt import cx, h, mz, qubits, ry
from hybridrt.session import Session

N = 4
LAYERS = 2
J = 1.0
HX = 1.0
PARAMETERS = N * (LAYERS + 1)


@hr.kernel
def ansatz(theta: list[float], x_basis: bool) -> list[bool]:
    """The trial state, measured in the Z basis (or the X basis)."""
    q = qubits(N)
    for k in range(N):
        ry(theta[k], q[k])
    for layer in range(LAYERS):
        for k in range(N - 1):
            cx(q[k], q[k + 1])
        for k in range(N):
            ry(theta[N * (layer + 1) + k], q[k])
    if x_basis:
        h(q)
    return mz(q)


def hamiltonian() -> np.ndarray:
    """H as a matrix (qubit k is bit k of the basis index, as in hybridrt and Qiskit)."""
    z, x = np.diag([1.0, -1.0]), np.array([[0.0, 1.0], [1.0, 0.0]])

    def on(op: np.ndarray, k: int) -> np.ndarray:
        m = np.eye(1)
        for i in range(N):
            m = np.kron(op if i == k else np.eye(2), m)
        return m

    return -J * sum(on(z, k) @ on(z, k + 1) for k in range(N - 1)) - HX * sum(on(x, k) for k in range(N))


def exact_ground_energy() -> float:
    return float(np.linalg.eigvalsh(hamiltonian())[0])


def energy(z_bits: np.ndarray, x_bits: np.ndarray) -> float:
    """The energy estimated from shots measured in the Z basis and in the X basis (bool arrays, shots x N)."""
    z = 1 - 2 * z_bits.astype(np.int8)
    x = 1 - 2 * x_bits.astype(np.int8)
    return float(-J * (z[:, :-1] * z[:, 1:]).sum(1).mean() - HX * x.sum(1).mean())


def exact_energy(theta: np.ndarray) -> float:
    """<H> of the ansatz state, from its exact measurement distributions (no shot noise)."""
    e = 0.0
    for x_basis in (False, True):
        for bits, p in ansatz.distribution(list(theta), x_basis).items():
            s = [1 - 2 * b for b in bits]
            e -= p * (HX * sum(s) if x_basis else J * sum(s[k] * s[k + 1] for k in range(N - 1)))
    return e


@dataclass
class VqeResult:
    theta: np.ndarray  # the optimiser's parameters
    estimate: float  # their energy as the optimiser last measured it (with shot noise)
    energy: float  # their exact energy
    ground: float  # the exact ground energy
    evaluations: int
    seconds: float

    @property
    def error(self) -> float:
        """Relative error of the exact energy reached."""
        return abs(self.energy - self.ground) / abs(self.ground)


def solve(shots: int = 4000, seed: int = 7, maxiter: int = 400) -> VqeResult:
    """Minimise the shot estimate of <H> with COBYLA, ``shots`` shots per basis and evaluation."""
    with Session(ansatz, shots=shots, seed=seed) as session:
        def estimate(theta: np.ndarray) -> float:
            # the same seed in every evaluation (common random numbers): shot noise stays, but it no longer
            # jumps between neighbouring parameters, so COBYLA's steps compare like with like
            bits = session.sweep([(list(theta), False), (list(theta), True)], seed=seed).outputs[0]
            return energy(bits[0], bits[1])

        theta0 = np.full(PARAMETERS, 0.1)
        theta0[:N] = np.pi / 4
        start = time.perf_counter()
        opt = minimize(estimate, theta0, method="COBYLA", options={"maxiter": maxiter, "rhobeg": 0.4})
        evaluations = session.evaluations // 2
        seconds = time.perf_counter() - start
    return VqeResult(opt.x, float(opt.fun), exact_energy(opt.x), exact_ground_energy(), evaluations, seconds)


if __name__ == "__main__":
    r = solve()
    print(f"exact ground energy      {r.ground:.6f}")
    print(f"VQE energy (exact, est.) {r.energy:.6f}, {r.estimate:.6f}   relative error {r.error:.2%}")
    print(f"{r.evaluations} energy evaluations in {r.seconds:.2f} s: {r.evaluations / r.seconds:.0f} per second")
