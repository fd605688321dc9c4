"""``Sampler``: Qiskit's ``BaseSamplerV2`` primitive on hybridrt's engine, dynamic circuits included.

Each PUB's circuit is imported once (``from_qiskit``, its free parameters as kernel
arguments) and run for every parameter set of the PUB's bindings array; the shots
of each classical register come back as a ``BitArray`` in a ``DataBin`` of the PUB's shape.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from qiskit.primitives import (
    BaseSamplerV2,
    BitArray,
    DataBin,
    PrimitiveJob,
    PrimitiveResult,
    SamplerPub,
    SamplerPubLike,
    SamplerPubResult,
)

from .importer import from_qiskit


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Bits ``(..., n)`` with bit 0 first -> ``BitArray``'s bytes: big-endian, the last byte least significant.

    >>> pack_bits(np.array([[True, False, False, False, False, False, False, False, True]]))
    array([[1, 1]], dtype=uint8)
    """
    n = bits.shape[-1]
    pad = (-n) % 8
    msb_first = np.concatenate([np.zeros((*bits.shape[:-1], pad), bool), bits[..., ::-1]], axis=-1)
    return np.packbits(msb_first, axis=-1)


class Sampler(BaseSamplerV2):
    """A ``BaseSamplerV2`` that samples on hybridrt's engine (mid-circuit measurement, feedback, loops).

    ``seed`` (an int or a ``numpy.random.Generator``) makes runs reproducible; ``strategy`` is
    passed to ``Kernel.run`` ("branching" or "trajectories").

    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(1, 1)
    >>> _ = qc.x(0); _ = qc.measure(0, 0)
    >>> Sampler(seed=1).run([qc], shots=10).result()[0].data.c.get_counts()
    {'1': 10}
    """

    def __init__(self, *, default_shots: int = 1024, seed: int | np.random.Generator | None = None,
                 strategy: str = "branching"):
        self._default_shots = default_shots
        self._seed = seed
        self._strategy = strategy

    @property
    def default_shots(self) -> int:
        return self._default_shots

    @property
    def seed(self) -> int | np.random.Generator | None:
        return self._seed

    def run(self, pubs: Iterable[SamplerPubLike], *,
            shots: int | None = None) -> PrimitiveJob[PrimitiveResult[SamplerPubResult]]:
        """Sample each PUB ``(circuit, parameter values, shots)``; ``shots`` is the default for PUBs without."""
        coerced = [SamplerPub.coerce(pub, self._default_shots if shots is None else shots) for pub in pubs]
        for pub in coerced:
            if pub.circuit.num_input_vars:
                raise ValueError(f"circuit {pub.circuit.name!r} has input variables, which a Sampler cannot set; "
                                 "use hybridrt.from_qiskit(circuit) and pass their values to run()")
        job = PrimitiveJob(self._run, coerced)
        job._submit()
        return job

    def _run(self, pubs: list[SamplerPub]) -> PrimitiveResult[SamplerPubResult]:
        rng = np.random.default_rng(self._seed)
        return PrimitiveResult([self._run_pub(pub, rng) for pub in pubs], metadata={"version": 2})

    def _run_pub(self, pub: SamplerPub, rng: np.random.Generator) -> SamplerPubResult:
        circuit = pub.circuit
        kernel = from_qiskit(circuit)
        values = pub.parameter_values.as_array(circuit.parameters)
        registers = kernel.layout.registers
        arrays = {name: np.zeros((*pub.shape, pub.shots, (size + 7) // 8), np.uint8) for name, size in registers}
        for index in np.ndindex(pub.shape):
            result = kernel.run(*values[index].tolist(), shots=pub.shots, seed=int(rng.integers(2**63)),
                                strategy=self._strategy)
            for name, bits in result.registers.items():
                arrays[name][index] = pack_bits(bits)
        data = DataBin(**{name: BitArray(arrays[name], size) for name, size in registers}, shape=pub.shape)
        return SamplerPubResult(data, metadata={"shots": pub.shots, "circuit_metadata": circuit.metadata})
