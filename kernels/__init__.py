"""The Numba statevector engine: gate kernels, measurement, the bytecode interpreter and shot drivers.

Plain arrays in and out; nothing here imports the rest of hybridrt.
"""

from __future__ import annotations

from .cache import prepare_cache

prepare_cache()

from .exact import exact_distribution
from .statevector import apply_gate
from .sweep import run_units

__all__ = ["apply_gate", "exact_distribution", "run_units"]
