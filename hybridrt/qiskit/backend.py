"""``HybridBackend``: a Qiskit ``BackendV2`` on hybridrt's engine, with a ``Target`` that advertises control flow.

``transpile(circuit, HybridBackend())`` keeps ``if_else``, ``while_loop``, ``for_loop``,
``switch_case``, ``break_loop``, ``continue_loop`` and ``store``, and rewrites other gates
into the engine's; ``backend.run(circuits, shots=, seed_simulator=, memory=)`` returns a
job whose ``result()`` is a standard ``qiskit.result.Result``.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import (
    BreakLoopOp,
    ContinueLoopOp,
    Delay,
    ForLoopOp,
    IfElseOp,
    Measure,
    Parameter,
    Reset,
    Store,
    SwitchCaseOp,
    WhileLoopOp,
)
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.providers import BackendV2, JobStatus, JobV1, Options
from qiskit.result import Result
from qiskit.transpiler import Target

from .. import __version__, ir
from ..runtime import MAX_QUBITS, available_memory
from .importer import from_qiskit

_CONTROL_FLOW = {"if_else": IfElseOp, "while_loop": WhileLoopOp, "for_loop": ForLoopOp,
                 "switch_case": SwitchCaseOp, "break_loop": BreakLoopOp, "continue_loop": ContinueLoopOp,
                 "store": Store}


def engine_target(num_qubits: int) -> Target:
    """A ``Target`` of the engine's gates (on all qubits, ideal), measure, reset, delay and control flow.

    >>> sorted(engine_target(5).operation_names)[:6]
    ['break_loop', 'ccx', 'ch', 'continue_loop', 'cp', 'crx']
    """
    target = Target(description="hybridrt statevector engine", num_qubits=num_qubits)
    standard = get_standard_gate_name_mapping()
    for name in ir.GATES:
        target.add_instruction(standard[name], name=name)
    target.add_instruction(Measure())
    target.add_instruction(Reset())
    target.add_instruction(Delay(Parameter("t")))
    for name, cls in _CONTROL_FLOW.items():
        target.add_instruction(cls, name=name)
    return target


class HybridJob(JobV1):
    """A finished run of ``HybridBackend`` (runs are synchronous)."""

    def __init__(self, backend: BackendV2, job_id: str, result: Result):
        super().__init__(backend, job_id)
        self._result = result

    def submit(self) -> None:
        """Nothing to do: the job ran when the backend created it."""

    def result(self) -> Result:  # type: ignore[override]
        return self._result

    def status(self) -> JobStatus:
        return JobStatus.DONE


class HybridBackend(BackendV2):
    """hybridrt's engine as a Qiskit backend.

    >>> from qiskit import QuantumCircuit, transpile
    >>> qc = QuantumCircuit(2, 2)
    >>> _ = qc.h(0); _ = qc.measure(0, 0)
    >>> with qc.if_test((qc.clbits[0], 1)):
    ...     _ = qc.x(1)
    >>> _ = qc.measure(1, 1)
    >>> backend = HybridBackend()
    >>> counts = backend.run(transpile(qc, backend), shots=1000, seed_simulator=3).result().get_counts()
    >>> sorted(counts)
    ['00', '11']
    """

    def __init__(self) -> None:
        super().__init__(name="hybridrt", description="hybridrt's Numba statevector engine, dynamic circuits",
                         backend_version=__version__)
        qubits = min(MAX_QUBITS, int(math.log2(max(available_memory(), 1 << 20) / 48)))
        self._target = engine_target(qubits)

    @property
    def target(self) -> Target:
        return self._target

    @property
    def max_circuits(self) -> None:
        return None

    @classmethod
    def _default_options(cls) -> Options:
        return Options(shots=1024, seed_simulator=None, memory=False, strategy="branching")

    def run(self, run_input: QuantumCircuit | list[QuantumCircuit], **options: Any) -> HybridJob:
        """Run each circuit (all parameters bound) for ``shots``; ``memory=True`` keeps every shot's bits."""
        unknown = set(options) - set(vars(self.options))
        if unknown:
            raise ValueError(f"unknown option(s) for HybridBackend.run: {', '.join(sorted(unknown))}")
        opts = {**vars(self.options), **options}
        circuits = [run_input] if isinstance(run_input, QuantumCircuit) else list(run_input)
        rng = np.random.default_rng(opts["seed_simulator"])
        results = [self._run_circuit(qc, opts, int(rng.integers(2**63))) for qc in circuits]
        job_id = str(uuid.uuid4())
        result = Result.from_dict({"backend_name": self.name, "backend_version": self.backend_version,
                                   "job_id": job_id, "qobj_id": job_id, "success": True, "results": results})
        return HybridJob(self, job_id, result)

    def _run_circuit(self, qc: QuantumCircuit, opts: dict[str, Any], seed: int) -> dict[str, Any]:
        if qc.parameters:
            raise ValueError(f"circuit {qc.name!r} has unbound parameters {[p.name for p in qc.parameters]}; "
                             "bind them (assign_parameters) or use hybridrt.qiskit.Sampler")
        kernel = from_qiskit(qc)
        res = kernel.run(shots=opts["shots"], seed=seed, strategy=opts["strategy"])
        data: dict[str, Any] = {"counts": {_hex(k): n for k, n in res.counts().items()}}
        if opts["memory"]:
            data["memory"] = [_hex(k) for k in res.memory()]
        header = {"name": qc.name, "memory_slots": sum(size for _, size in kernel.layout.registers),
                  "creg_sizes": [list(r) for r in kernel.layout.registers], "metadata": qc.metadata}
        return {"shots": opts["shots"], "success": True, "status": "DONE", "seed_simulator": seed,
                "data": data, "header": header}


def _hex(bitstring: str) -> str:
    """A Qiskit counts key ("01 1") as the hex memory word backends report ("0x3")."""
    return hex(int(bitstring.replace(" ", "") or "0", 2))
