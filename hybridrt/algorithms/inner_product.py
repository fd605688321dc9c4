"""The inner product of two single-qubit states by phase estimation: the oracle and state of Microsoft's sample.

The vectors ``v = (cos θ₁/2, sin θ₁/2)`` and ``c = (cos θ₂/2, sin θ₂/2)`` are encoded on a
target qubit ``t`` entangled with an ancilla ``a`` (register ``[t, a]``):
``A|00> = (|v>|+> + |c>|->)/√2``.  The oracle ``G = Z_a · A · (X⊗X · CZ · X⊗X) · A†`` has
eigenphases ``1/2 ± arccos(<v|c>)/(2π)`` on that state, so ``n+1`` bits of phase estimation
give an ``x`` with ``<v|c> ≈ -cos(π·x/2^n)`` (the integrated-hybrid sample by KPMG in
Microsoft's QDK, reproduced here as hybridrt kernels).

>>> from hybridrt.algorithms import phase_estimation as pe
>>> oracle, prepare = kernels(0.0, 0.0)                       # equal vectors: <v|c> = 1
>>> pe.iterative_kernel(oracle, prepare, bits=3, num_qubits=2).distribution()
Distribution({4: 1.0...}, dropped=0)
>>> from_outcome(4, 2), exact(0.0, 0.0)
(1.0, 1.0)
"""

from __future__ import annotations

import math

from ..kernel import Kernel, kernel
from ..lang import cry, cz, h, x, z


def kernels(theta1: float, theta2: float) -> tuple[Kernel, Kernel]:
    """The oracle ``G`` and the state preparation ``A``, as kernels on a register ``[t, a]`` of two qubits."""

    @kernel
    def prepare(q) -> None:  # type: ignore[no-untyped-def]
        t, a = q[0], q[1]
        h(a)
        cry(theta1, a, t)  # |v> where a = 1 ...
        x(a)
        cry(theta2, a, t)  # ... and |c> where a = 0, then back to the |+>/|-> basis
        x(a)
        h(a)

    @kernel
    def unprepare(q) -> None:  # type: ignore[no-untyped-def]
        t, a = q[0], q[1]
        h(a)
        x(a)
        cry(-theta2, a, t)
        x(a)
        cry(-theta1, a, t)
        h(a)

    @kernel
    def oracle(q) -> None:  # type: ignore[no-untyped-def]
        z(q[1])
        unprepare(q)
        x(q)
        cz(q[1], q[0])
        x(q)
        prepare(q)

    return oracle, prepare


def from_outcome(x: int, n: int) -> float:
    """The inner product an outcome ``x`` of ``n+1`` bits stands for: ``-cos(π·x/2^n)``."""
    return -math.cos(math.pi * x / 2**n)


def exact(theta1: float, theta2: float) -> float:
    """``<v|c> = cos(θ₁/2)·cos(θ₂/2) + sin(θ₁/2)·sin(θ₂/2)``."""
    return math.cos(theta1 / 2) * math.cos(theta2 / 2) + math.sin(theta1 / 2) * math.sin(theta2 / 2)
