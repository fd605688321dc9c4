"""The engine compiles each of its functions once, from an empty cache.

Numba compiles a function again for every literal argument value it is called with (``-1``,
``True``), and each copy of the interpreter costs seconds of the first run's compile time.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import hybridrt.kernels  # compiles the engine into the empty cache
from hybridrt.kernels import branching, drivers, interpreter, statevector
functions = [interpreter.execute, drivers.run_into, drivers._trajectory_range, branching.run_branching,
             branching.sample_rows, branching.one_trajectory, branching.perform, statevector.apply_gate,
             statevector.apply_1q, statevector.apply_2q, statevector.apply_swap, statevector._one_qubit_range,
             statevector._controlled_range, statevector._two_qubit_range, statevector._sorted3,
             statevector.prob_one, statevector.collapse]
print({f.__name__: len(f.signatures) for f in functions})
"""


@pytest.mark.slow
def test_each_engine_function_is_compiled_once(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", SCRIPT], env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)},
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    assert "compiling the engine" in run.stderr  # the cache really was empty
    counts = ast.literal_eval(run.stdout.strip().splitlines()[-1])
    assert counts == dict.fromkeys(counts, 1)
