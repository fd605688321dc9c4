"""Gate kernels on states large enough for the multi-threaded paths agree with the reference."""

from __future__ import annotations

import numpy as np
import pytest

from hybridrt.kernels import opcodes as op
from hybridrt.kernels.statevector import PARALLEL_MIN_SIZE, apply_gate

from .reference import GATE_ARITY
from .reference import apply_gate as reference_gate

N = 15
assert 1 << N >= PARALLEL_MIN_SIZE


@pytest.mark.parametrize("name", sorted(op.GATE_IDS))
def test_gate_on_a_large_state(name):
    gid = op.GATE_IDS[name]
    nq, npar = GATE_ARITY[gid]
    rng = np.random.default_rng(gid)
    psi = rng.normal(size=1 << N) + 1j * rng.normal(size=1 << N)
    psi /= np.linalg.norm(psi)
    for qubits in ([0, N - 1, 7][:nq], [N - 1, 3, 0][:nq], list(rng.choice(N, nq, replace=False))):
        params = rng.uniform(-np.pi, np.pi, size=npar)
        want = psi.copy()
        reference_gate(want, N, gid, [int(q) for q in qubits], tuple(params))
        got = psi.copy()
        qs = [int(q) for q in qubits] + [0] * (3 - nq)
        ps = list(params) + [0.0] * (3 - npar)
        apply_gate(got, gid, *qs, *ps)
        np.testing.assert_allclose(got, want, atol=1e-10, rtol=0)
