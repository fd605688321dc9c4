"""Adaptive phase estimation of a unitary kernel: iterative (Kitaev) and Bayesian random-walk, as hybrid kernels.

Give a *unitary kernel* ``u(q)`` acting on a register and an *eigenstate kernel*
``prepare(q)`` preparing (a superposition of) its eigenvectors; phases are in
turns: ``U|ψ> = e^{2πi·phase}|ψ>``.  Controlled powers ``U^m`` are built
automatically and exactly (see :mod:`hybridrt.algorithms.controlled`): by
repeating ``u``, or from a *power kernel* ``u_pow(q, m: int)`` applying ``U^m``
(``power=u_pow``) when a cheaper circuit for ``U^m`` is known.

- :func:`iterative`: one ancilla, measured and reset each round, bits least
  significant first; the feedback rotation that removes the bits already known is
  computed in the kernel.  Integer variant (default): the feedback is one ``rz``
  per earlier bit, guarded by a branch on that bit, and the bits are accumulated in
  an int ``x`` (phase ``x/2^bits``), so the kernel lowers to QIR Adaptive_RI
  (Quantinuum H2).  ``floats=True``: the feedback angle and the phase are floats
  computed in the kernel (Adaptive_RIF).  ``votes=k``: each bit is measured ``k``
  times and decided by majority (robust against a noisy round).
- :func:`random_walk`: Bayesian phase estimation with a Gaussian posterior, as the
  random walk of Granade and Wiebe (arXiv:2208.04526): each iteration measures with
  ``U^M`` and a rotation computed from the posterior mean ``mu``, then moves ``mu``
  by a fixed step down or up with the outcome; the width ``sigma`` shrinks on a
  fixed schedule.  With integer powers ``M`` (a general unitary), the steps are the
  exact posterior mean and variance updates for the chosen ``M`` (see
  :func:`random_walk_schedule`).  ``mu`` is a float updated in the kernel: the
  kernel lowers to Adaptive_RIF.

Each function returns an :class:`~hybridrt.algorithms.estimate.Estimate`
(``.phase``, ``.std``, ``.histogram()``, ``.plot()``, the raw ``.result`` and the
``.kernel``, whose ``to_qir(target=...)`` gives QIR for Azure Quantum); the
``*_kernel`` functions return the kernel alone.

>>> import math
>>> import hybridrt as hr
>>> from hybridrt import p, x
>>> @hr.kernel
... def u(q) -> None:
...     p(2 * math.pi * 0.375, q)            # eigenvalue e^{2πi·3/8} on |1>
>>> @hr.kernel
... def one(q) -> None:
...     x(q)
>>> est = iterative(u, one, bits=3, shots=100, seed=1)
>>> est.phase, est.histogram()
(0.375, {0.375: 100})
>>> iterative_kernel(u, one, bits=3).distribution()[3]   # x = 3 = 0.375 * 2^3, with certainty
1.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import ir
from ..builder import Builder
from ..kernel import Kernel
from .controlled import check_register_kernel, controlled, moved, power_gates, register_gates
from .estimate import Estimate

_ANCILLA = ir.Const(0, ir.QUBIT)
_MAX_BITS = 62  # x = sum of bits << k in a 64-bit signed int


def _positive_int(name: str, value: object, limit: int | None = None) -> int:
    bound = f" at most {limit}" if limit is not None else ""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be a positive int{bound}, got {type(value).__name__} {value!r}")
    if value < 1 or (limit is not None and value > limit):
        raise ValueError(f"{name} must be a positive int{bound}, got {value!r}")
    return value


class _PhaseKernel:
    """Builds a phase-estimation program: ancilla ``q0``, the system register from ``q1``, the eigenstate prepared."""

    def __init__(self, name: str, unitary: object, eigenstate: object, num_qubits: int, power: object):
        self.unitary = check_register_kernel(unitary, "the unitary kernel")
        self.power = None if power is None else check_register_kernel(power, "the power kernel", extra=1)
        self.n = _positive_int("num_qubits", num_qubits)
        source = getattr(self.unitary._hybridrt_function, "__code__", None)
        self.b = Builder(name, source.co_filename if source is not None else "<phase estimation>")
        self.b.allocate_qubits(1 + self.n)
        if eigenstate is not None:
            prepare = check_register_kernel(eigenstate, "the eigenstate kernel")
            self.gates(moved(register_gates(prepare, self.n), 1))

    def gates(self, gates: list[ir.Gate]) -> None:
        for g in gates:
            self.b.emit(g)

    def controlled_power(self, m: int) -> list[ir.Gate]:
        """The gates of controlled ``U^m`` (control: the ancilla)."""
        return controlled(power_gates(self.unitary, self.n, m, self.power), control=0, base=1)

    def gate(self, name: str, *params: ir.Operand) -> None:
        self.b.emit(ir.Gate(name, (_ANCILLA,), params))

    def op(self, hint: str, type: str, op: str, a: ir.Operand, b: ir.Operand | None = None) -> ir.Reg:
        dest = self.b.reg(hint, type)
        self.b.emit(ir.Unary(dest, op, a) if b is None else ir.Binary(dest, op, a, b))
        return dest

    def measure_ancilla(self) -> ir.Reg:
        """``h``, measure and reset the ancilla: the outcome register."""
        self.gate("h")
        m = self.b.reg("m", ir.BOOL)
        self.b.emit(ir.Measure(m, _ANCILLA))
        self.b.emit(ir.Reset(_ANCILLA))
        return m

    def when(self, cond: ir.Reg, gate: ir.Gate) -> None:
        """Apply ``gate`` if ``cond`` (a branch and a join)."""
        then, join = self.b.new_label("then"), self.b.new_label("join")
        self.b.terminate(ir.Branch(cond, then, join))
        self.b.start(then)
        self.b.emit(gate)
        self.b.jump(join)
        self.b.start(join)

    def finish(self, values: tuple[ir.Operand, ...], returns: ir.ReturnType) -> Kernel:
        self.b.terminate(ir.Return(values))
        return Kernel.from_ir(self.b.finish(returns))


# ---------------------------------------------------------------- iterative phase estimation


def iterative_kernel(unitary: Kernel, eigenstate: Kernel | None = None, *, bits: int, num_qubits: int = 1,
                     power: Kernel | None = None, votes: int = 1, floats: bool = False) -> Kernel:
    """The iterative phase-estimation kernel: returns ``x`` (int, phase ``x/2^bits``), or the phase (float).

    ``bits`` rounds (``votes`` measurements each), round ``r`` with ``U^(2^(bits-1-r))``, on an
    ancilla (qubit 0) and a register of ``num_qubits`` (qubits 1..) prepared by ``eigenstate``.
    """
    _positive_int("bits", bits, _MAX_BITS)
    if _positive_int("votes", votes) % 2 == 0:
        raise ValueError(f"votes must be odd (a majority must exist), got {votes}")
    k = _PhaseKernel(f"iterative_pe_{bits}", unitary, eigenstate, num_qubits, power)
    acc = k.b.reg("phase" if floats else "x", ir.FLOAT if floats else ir.INT)
    k.b.emit(ir.Copy(acc, ir.const(0.0 if floats else 0)))
    for r in range(bits):
        cu = k.controlled_power(2 ** (bits - 1 - r))
        ones: ir.Reg | None = None
        for _ in range(votes):
            k.gate("h")
            if floats and r:  # rz(-π·x/2^r) = rz(-π·phase so far)
                k.gate("rz", k.op("angle", ir.FLOAT, "mul", acc, ir.const(-math.pi)))
            elif not floats:  # the same as one rz(-π·2^(j-r)) per earlier bit j set in x
                for j in range(r):
                    bit = k.op("set", ir.BOOL, "ne", k.op("t", ir.INT, "and", acc, ir.const(1 << j)), ir.const(0))
                    k.when(bit, ir.Gate("rz", (_ANCILLA,), (ir.const(-math.pi * 2.0 ** (j - r)),)))
            k.gates(cu)
            m = k.measure_ancilla()
            if votes > 1:
                one = k.op("one", ir.INT, "bool_to_int", m)
                ones = one if ones is None else k.op("ones", ir.INT, "add", ones, one)
        bit = m if ones is None else k.op("bit", ir.BOOL, "gt", ones, ir.const(votes // 2))
        if floats:  # phase = (phase + bit) / 2
            b = k.op("b", ir.FLOAT, "int_to_float", k.op("b", ir.INT, "bool_to_int", bit))
            k.b.emit(ir.Binary(acc, "mul", k.op("s", ir.FLOAT, "add", acc, b), ir.const(0.5)))
        else:  # x |= bit << r
            b = k.op("b", ir.INT, "shl", k.op("b", ir.INT, "bool_to_int", bit), ir.const(r))
            k.b.emit(ir.Binary(acc, "or", acc, b))
    return k.finish((acc,), ir.FLOAT if floats else ir.INT)


def iterative(unitary: Kernel, eigenstate: Kernel | None = None, *, bits: int, shots: int = 1000,
              seed: int | None = None, num_qubits: int = 1, power: Kernel | None = None, votes: int = 1,
              floats: bool = False) -> Estimate:
    """Iterative phase estimation with ``bits`` bits: run :func:`iterative_kernel` for ``shots`` shots.

    The estimate's samples are the shots' ``bits``-bit phases; a phase that is a multiple of
    ``2^-bits`` is found exactly, any other lies within ``2^-bits`` with probability ≥ 8/π² ≈ 0.81
    per shot (and ``phase`` combines all shots).
    """
    k = iterative_kernel(unitary, eigenstate, bits=bits, num_qubits=num_qubits, power=power, votes=votes,
                         floats=floats)
    res = k.run(shots=shots, seed=seed)
    samples = res.outputs[0] if floats else res.outputs[0] / 2.0**bits
    return Estimate(samples, 2.0**-bits, True, res, k, f"iterative, {bits} bits")


# ---------------------------------------------------------------- random-walk phase estimation


@dataclass(frozen=True)
class WalkStep:
    """One random-walk iteration: the power ``M`` of ``U``, the step of ``mu`` and the prior width (radians)."""

    power: int
    step: float
    sigma: float


def random_walk_schedule(iterations: int, std: float = 1 / math.sqrt(12),
                         max_power: int | None = None) -> tuple[list[WalkStep], float]:
    """The iterations' powers and steps, and the final width (radians), for a prior of width ``std`` turns.

    For a Gaussian prior ``N(mu, sigma²)`` on the eigenphase ``φ`` (radians) and the likelihood
    ``P(0) = (1 + cos(M(φ - mu) + π/2))/2`` of an iteration with ``U^M``, the posterior has mean
    ``mu ∓ M·sigma²·e^{-M²sigma²/2}`` (outcome 0 / 1) and variance
    ``sigma² - M²·sigma⁴·e^{-M²sigma²}``: the random walk keeps the posterior Gaussian with these
    moments.  ``M`` is the integer (≥ 1, at most ``max_power``) next to ``1/sigma`` that shrinks
    the variance most; with ``M = 1/sigma`` exactly the updates are the familiar
    ``mu ∓ sigma/√e`` and ``sigma·√(1 - 1/e)``.

    >>> steps, final = random_walk_schedule(3)
    >>> [s.power for s in steps], round(final, 4)
    ([1, 1, 1], 1.3789)
    """
    _positive_int("iterations", iterations)
    if not isinstance(std, (int, float)) or isinstance(std, bool):
        raise TypeError(f"std must be a width in turns (a float), got {std!r}")
    if not 0 < std <= 1:
        raise ValueError(f"std must be a width in turns in (0, 1], got {std!r}")
    sigma, steps = 2 * math.pi * float(std), []
    for _ in range(iterations):
        candidates = {max(1, math.floor(1 / sigma)), max(1, math.ceil(1 / sigma))}
        if max_power is not None:
            candidates = {min(m, max_power) for m in candidates}
        m = max(sorted(candidates), key=lambda m: m * m * math.exp(-m * m * sigma * sigma))
        steps.append(WalkStep(m, m * sigma * sigma * math.exp(-m * m * sigma * sigma / 2), sigma))
        sigma = math.sqrt(sigma * sigma - m * m * sigma**4 * math.exp(-m * m * sigma * sigma))
    return steps, sigma


def random_walk_kernel(unitary: Kernel, eigenstate: Kernel | None = None, *, iterations: int, num_qubits: int = 1,
                       power: Kernel | None = None, mean: float = 0.5, std: float = 1 / math.sqrt(12),
                       max_power: int | None = None) -> Kernel:
    """The random-walk kernel: returns ``(phase, std)`` in turns, the posterior mean (not reduced mod 1) and width.

    ``mean``, ``std``: the prior, in turns (default: as wide as the uniform distribution);
    ``max_power``: a cap on ``M`` (see :func:`random_walk_schedule`).
    """
    if not isinstance(mean, (int, float)) or isinstance(mean, bool):
        raise TypeError(f"mean must be a phase in turns (a float), got {mean!r}")
    steps, final = random_walk_schedule(iterations, std, max_power)
    k = _PhaseKernel(f"random_walk_pe_{iterations}", unitary, eigenstate, num_qubits, power)
    mu = k.b.reg("mu", ir.FLOAT)
    k.b.emit(ir.Copy(mu, ir.const(2 * math.pi * float(mean))))
    for s in steps:
        k.gate("h")  # rz(π/2 - M·mu): P(0) = (1 + cos(M(φ - mu) + π/2))/2
        k.gate("rz", k.op("angle", ir.FLOAT, "add", k.op("t", ir.FLOAT, "mul", mu, ir.const(-float(s.power))),
                          ir.const(math.pi / 2)))
        k.gates(k.controlled_power(s.power))
        b = k.op("b", ir.FLOAT, "int_to_float", k.op("b", ir.INT, "bool_to_int", k.measure_ancilla()))
        down = k.op("mu", ir.FLOAT, "sub", mu, ir.const(s.step))  # mu - step + 2·step·b
        k.b.emit(ir.Binary(mu, "add", down, k.op("t", ir.FLOAT, "mul", b, ir.const(2 * s.step))))
    turns = k.op("phase", ir.FLOAT, "mul", mu, ir.const(1 / (2 * math.pi)))  # not reduced mod 1: QIR has no fmod
    return k.finish((turns, ir.const(final / (2 * math.pi))), ir.TupleType((ir.FLOAT, ir.FLOAT)))


def random_walk(unitary: Kernel, eigenstate: Kernel | None = None, *, iterations: int, shots: int = 1000,
                seed: int | None = None, num_qubits: int = 1, power: Kernel | None = None, mean: float = 0.5,
                std: float = 1 / math.sqrt(12), max_power: int | None = None) -> Estimate:
    """Random-walk phase estimation with ``iterations`` iterations: run :func:`random_walk_kernel` ``shots`` times.

    Each shot's posterior mean is a sample; ``resolution`` is the posterior's final width.  Most
    shots land within a few widths of the phase; a few wander off early and are set aside as
    outliers by the estimate.
    """
    k = random_walk_kernel(unitary, eigenstate, iterations=iterations, num_qubits=num_qubits, power=power,
                           mean=mean, std=std, max_power=max_power)
    res = k.run(shots=shots, seed=seed)
    return Estimate(res.outputs[0], float(res.outputs[1][0]), False, res, k, f"random walk, {iterations} iterations")

