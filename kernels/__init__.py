"""The Numba statevector engine: gate kernels, measurement, the bytecode interpreter and shot drivers.

Plain arrays in and out; nothing here imports the rest of hybridrt.
"""

from __future__ import annotations

from .drivers import run_shots
from .statevector import apply_gate

__all__ = ["apply_gate", "run_shots"]
