"""Differential tests: 200 random dynamic programs sampled by hybridrt and by Qiskit Aer agree in distribution."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import hybridrt  # noqa: F401  (a missing hybridrt must fail collection loudly, never skip)

from .random_programs import RandomProgram, aer_counts, random_program, to_key, two_sample_pvalue

pytestmark = pytest.mark.slow

NUM_PROGRAMS = 200
SHOTS = 2000
# Two-sample chi-square, reject at p < 1e-4 per program. Seeds are fixed on both sides, so the outcome
# is deterministic and reproducible; if the engine is correct, the chance that this seed set holds a
# false alarm at all is about 200 * 1e-4 = 2%, and a real discrepancy (a wrong branch, gate or bit
# order) moves probability mass by far more than 2000 shots can hide at this level.
ALPHA = 1e-4


def load_kernel(prog: RandomProgram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Import the generated source from a real file (the frontend reads it with inspect.getsource)."""
    path = tmp_path / f"{prog.name}.py"
    path.write_text(prog.source)
    spec = importlib.util.spec_from_file_location(f"_hybridrt_random_{prog.name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return getattr(module, prog.name)


@pytest.mark.parametrize("seed", range(NUM_PROGRAMS))
def test_random_program_matches_aer(seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prog = random_program(seed)
    kernel = load_kernel(prog, tmp_path, monkeypatch)
    values = list(kernel.run(shots=SHOTS, seed=seed).values)
    assert len(values) == SHOTS
    for v in values:
        assert len(v) == prog.num_bits and all(isinstance(b, bool) for b in v), (v, prog.source)
    ours = dict(Counter(to_key(v) for v in values))
    theirs = aer_counts(prog, SHOTS, seed)
    p = two_sample_pvalue(ours, theirs)
    top = sorted(set(ours) | set(theirs), key=lambda k: (-(ours.get(k, 0) + theirs.get(k, 0)), k))[:16]
    table = "\n".join(f"  {k}: hybridrt {ours.get(k, 0):5d}  aer {theirs.get(k, 0):5d}" for k in top)
    assert p >= ALPHA, f"p = {p:.3g} < {ALPHA}\n{prog.source}\nkey (clbit 0 rightmost):\n{table}"
