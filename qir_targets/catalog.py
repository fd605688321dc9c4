"""The catalogue of Azure Quantum QIR targets: profile, qubit count, the gates their QIR may use, QIR version.

Sources: the Azure Quantum provider pages (Quantinuum, IonQ, Rigetti), the QIR
specification and Quantinuum's QIR reference (the ``qir-qis`` compiler: the QIS it
accepts).  Gate names are hybridrt's (``sdg`` is QIR's ``__quantum__qis__s__adj``);
gates outside a target's set are decomposed before lowering.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from hybridrt.errors import TargetError

#: every gate QIR has an intrinsic for, as qdk emits and qdk's simulator and qirrunner run them
QIR_GATES = frozenset("x y z h s sdg t tdg sx rx ry rz cx cy cz ccx swap rxx ryy rzz".split())

#: Quantinuum's QIR gate set (native rz/rzz plus the "de facto" gates its compiler decomposes)
QUANTINUUM_GATES = frozenset("x y z h s sdg t tdg rx ry rz cx cz ccx rzz".split())
#: IonQ's circuit gates as Azure translates QIR to them (v = sx, xx/yy/zz = rxx/ryy/rzz, controlled not)
IONQ_GATES = frozenset("x y z h s sdg t tdg sx rx ry rz cx ccx swap rxx ryy rzz".split())
#: Rigetti's Quil gates that QIR intrinsics map onto
RIGETTI_GATES = frozenset("x y z h s sdg t tdg rx ry rz cx cz ccx swap".split())


@dataclass(frozen=True)
class Target:
    """One Azure Quantum target that takes QIR."""

    id: str
    provider: str
    profile: str  # the QIR profile it runs (hybridrt.qir_targets.profiles names)
    num_qubits: int
    gates: frozenset[str]
    qir_version: str
    notes: str = ""

    def __str__(self) -> str:
        return self.id


def _quantinuum(id: str, kind: str, qubits: int, profile: str, notes: str) -> Target:
    return Target(id, "quantinuum", profile, qubits, QUANTINUUM_GATES, "1.0", f"{kind}. {notes}".strip())


_H2 = ("64-bit signed integers, forward branching on results, mid-circuit measurement and reset; "
       "loops only with a classically known trip count (unrolled); no floating-point computation at run time.")
_HELIOS = ("The SDK's default profile for Helios is Adaptive_RIF; one Azure documentation page says no Azure "
           "target runs RIF yet: treat as uncertain.")

_TARGETS: tuple[Target, ...] = (
    _quantinuum("quantinuum.sim.h2-1sc", "H2-1 syntax checker (compiles, returns all-zero results)", 56,
                "Adaptive_RI", _H2),
    _quantinuum("quantinuum.sim.h2-2sc", "H2-2 syntax checker (compiles, returns all-zero results)", 56,
                "Adaptive_RI", _H2),
    _quantinuum("quantinuum.sim.h2-1e", "H2-1 emulator (56 qubits stabilizer-only, 32 otherwise)", 56,
                "Adaptive_RI", _H2),
    _quantinuum("quantinuum.sim.h2-2e", "H2-2 emulator (56 qubits stabilizer-only, 32 otherwise)", 56,
                "Adaptive_RI", _H2),
    _quantinuum("quantinuum.qpu.h2-1", "H2-1 trapped-ion QPU", 56, "Adaptive_RI", _H2),
    _quantinuum("quantinuum.qpu.h2-2", "H2-2 trapped-ion QPU", 56, "Adaptive_RI", _H2),
    _quantinuum("quantinuum.qpu.helios-1", "Helios-1 trapped-ion QPU", 98, "Adaptive_RIF", _HELIOS),
    _quantinuum("quantinuum.sim.helios-1e", "Helios-1 emulator", 98, "Adaptive_RIF", _HELIOS),
    _quantinuum("quantinuum.sim.helios-1sc", "Helios-1 syntax checker", 98, "Adaptive_RIF", _HELIOS),
    Target("ionq.simulator", "ionq", "Base", 29, IONQ_GATES, "1.0",
           "IonQ's idealized cloud simulator; no control flow: results only recorded at the end."),
    Target("ionq.qpu.aria-1", "ionq", "Base", 25, IONQ_GATES, "1.0", "IonQ Aria trapped-ion QPU; no control flow."),
    Target("ionq.qpu.forte-1", "ionq", "Base", 36, IONQ_GATES, "1.0", "IonQ Forte trapped-ion QPU; no control flow."),
    Target("ionq.qpu.forte-enterprise-1", "ionq", "Base", 36, IONQ_GATES, "1.0",
           "IonQ Forte Enterprise trapped-ion QPU; no control flow."),
    Target("rigetti.sim.qvm", "rigetti", "Base", 108, RIGETTI_GATES, "1.0",
           "Rigetti's Quantum Virtual Machine (simulator); no control flow."),
    Target("rigetti.qpu.cepheus-1-108q", "rigetti", "Base", 108, RIGETTI_GATES, "1.0",
           "Rigetti Cepheus-1 superconducting QPU; no control flow."),
)
_BY_ID = {t.id: t for t in _TARGETS}


def targets() -> tuple[Target, ...]:
    """Every target in the catalogue."""
    return _TARGETS


def target(id: str | Target) -> Target:
    """The target named ``id``; an unknown id raises ``TargetError`` naming the closest ones."""
    if isinstance(id, Target):
        return id
    key = str(id).strip().lower()
    if key in _BY_ID:
        return _BY_ID[key]
    close = difflib.get_close_matches(key, list(_BY_ID), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise TargetError(f"unknown target {id!r}{hint} (hybridrt.qir_targets.targets() lists them)")
