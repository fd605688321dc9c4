"""``from_qir``: a kernel that runs QIR from any producer (Q#/qdk, Qiskit, pyqir) on the engine."""

from __future__ import annotations

from pathlib import Path

from .kernel import Kernel


def from_qir(source: str | bytes | bytearray | Path, entry: str | None = None) -> Kernel:
    """The kernel of QIR ``source``: LLVM text, bitcode bytes, or the path of a ``.ll`` / ``.bc`` file.

    Its return value per shot has the shape of the QIR's labelled output recording
    (a tuple, a list, or a scalar; results as bools).

    >>> import hybridrt as hr
    >>> k = hr.from_qir("bell.ll")          # doctest: +SKIP
    >>> k.run(shots=1000, seed=1).counts()  # doctest: +SKIP
    {(False, False): 507, (True, True): 493}
    """
    from hybridrt.qir_targets.load import load

    return Kernel.from_ir(load(source, entry))
