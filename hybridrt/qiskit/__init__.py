"""Qiskit interop: dynamic circuits in and out, a Sampler and a backend on the engine, OpenQASM 3."""

from __future__ import annotations

from .backend import HybridBackend
from .circuit_kernel import CircuitKernel, CircuitResult, Layout
from .exporter import to_qiskit
from .importer import from_qiskit
from .qasm import from_qasm
from .sampler import Sampler

__all__ = ["CircuitKernel", "CircuitResult", "HybridBackend", "Layout", "Sampler", "from_qasm", "from_qiskit", "to_qiskit"]
