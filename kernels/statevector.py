"""Statevector kernels: gate application specialised by kind, measurement probability, collapse."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .jit import no_alloc
from .opcodes import (
    G_CCX,
    G_CP,
    G_CSWAP,
    G_CX,
    G_H,
    G_P,
    G_RX,
    G_RY,
    G_RYY,
    G_RZ,
    G_RZZ,
    G_S,
    G_SDG,
    G_SWAP,
    G_SX,
    G_T,
    G_TDG,
    G_U,
    G_X,
    G_Y,
    G_Z,
)

_SQRT1_2 = 1.0 / math.sqrt(2.0)

#: states at least this large (2**14 amplitudes) are updated by all threads
PARALLEL_MIN_SIZE = 1 << 14
_CHUNKS = 64

#: "no qubit" and a zero start, as NumPy scalars, not literals (see jit.py)
_NONE = np.int64(-1)
_ZERO = np.int64(0)

#: controlled gate id -> the 1-qubit gate id it controls
_CONTROLLED_BASE = np.array([G_X, G_Y, G_Z, G_H, G_RX, G_RY, G_RZ, G_P], dtype=np.int64)


@njit(cache=True, inline="always")  # inlined into its callers, whose settings it takes
def _spread(k, lo, mid, hi):
    """Insert a zero bit at each position lo < mid < hi (-1 = none) into the bits of ``k``."""
    for pos in (lo, mid, hi):
        if pos >= 0:
            k = ((k >> pos) << (pos + 1)) | (k & ((1 << pos) - 1))
    return k


@no_alloc
def _sorted3(a, b, c):
    """Sort three positions ascending; -1 entries (absent) come first and are skipped by _spread."""
    if a > b:
        a, b = b, a
    if b > c:
        b, c = c, b
    if a > b:
        a, b = b, a
    return a, b, c


@no_alloc
def one_qubit_matrix(gid, a, b, c):
    """The 2x2 matrix (m00, m01, m10, m11) of 1-qubit gate ``gid`` with parameters a, b, c."""
    one = 1.0 + 0.0j
    zero = 0.0j
    if gid == G_X:
        return zero, one, one, zero
    if gid == G_Y:
        return zero, -1j, 1j, zero
    if gid == G_Z:
        return one, zero, zero, -one
    if gid == G_H:
        h = _SQRT1_2 + 0.0j
        return h, h, h, -h
    if gid == G_S:
        return one, zero, zero, 1j
    if gid == G_SDG:
        return one, zero, zero, -1j
    if gid == G_T:
        return one, zero, zero, complex(_SQRT1_2, _SQRT1_2)
    if gid == G_TDG:
        return one, zero, zero, complex(_SQRT1_2, -_SQRT1_2)
    if gid == G_SX:
        return 0.5 + 0.5j, 0.5 - 0.5j, 0.5 - 0.5j, 0.5 + 0.5j
    co = math.cos(a / 2.0)
    si = math.sin(a / 2.0)
    if gid == G_RX:
        return co + 0j, -1j * si, -1j * si, co + 0j
    if gid == G_RY:
        return co + 0j, -si + 0j, si + 0j, co + 0j
    if gid == G_RZ:
        return complex(co, -si), zero, zero, complex(co, si)
    if gid == G_P:
        return one, zero, zero, complex(math.cos(a), math.sin(a))
    # G_U: u(theta=a, phi=b, lambda=c)
    eb = complex(math.cos(b), math.sin(b))
    ec = complex(math.cos(c), math.sin(c))
    return co + 0j, -ec * si, eb * si, eb * ec * co


@no_alloc
def _one_qubit_range(state, t, m00, m01, m10, m11, k0, k1):
    """Apply a 2x2 matrix to qubit ``t`` for the amplitude pairs k0 <= k < k1, specialised by kind."""
    bit = 1 << t
    low = bit - 1
    if m01 == 0 and m10 == 0:
        if m00 == 1:  # a phase: only the |1> half changes
            for k in range(k0, k1):
                state[((k >> t) << (t + 1)) | (k & low) | bit] *= m11
        else:
            for k in range(k0, k1):
                i0 = ((k >> t) << (t + 1)) | (k & low)
                state[i0] *= m00
                state[i0 | bit] *= m11
    elif m00 == 0 and m11 == 0:  # a permutation with phases
        for k in range(k0, k1):
            i0 = ((k >> t) << (t + 1)) | (k & low)
            a0 = state[i0]
            state[i0] = m01 * state[i0 | bit]
            state[i0 | bit] = m10 * a0
    else:
        for k in range(k0, k1):
            i0 = ((k >> t) << (t + 1)) | (k & low)
            a0 = state[i0]
            a1 = state[i0 | bit]
            state[i0] = m00 * a0 + m01 * a1
            state[i0 | bit] = m10 * a0 + m11 * a1


@no_alloc
def _controlled_range(state, target, ctrl_mask, lo, mid, hi, m00, m01, m10, m11, k0, k1):
    """As _one_qubit_range where every bit of ``ctrl_mask`` is 1 (``lo < mid < hi``: fixed bit positions)."""
    t = 1 << target
    if m01 == 0 and m10 == 0:
        for k in range(k0, k1):
            i0 = _spread(k, lo, mid, hi) | ctrl_mask
            if m00 != 1:
                state[i0] *= m00
            state[i0 | t] *= m11
    elif m00 == 0 and m11 == 0:
        for k in range(k0, k1):
            i0 = _spread(k, lo, mid, hi) | ctrl_mask
            a0 = state[i0]
            state[i0] = m01 * state[i0 | t]
            state[i0 | t] = m10 * a0
    else:
        for k in range(k0, k1):
            i0 = _spread(k, lo, mid, hi) | ctrl_mask
            a0 = state[i0]
            a1 = state[i0 | t]
            state[i0] = m00 * a0 + m01 * a1
            state[i0 | t] = m10 * a0 + m11 * a1


@njit(cache=True, parallel=True)
def _one_qubit_parallel(state, t, m00, m01, m10, m11):
    n = state.shape[0] >> 1
    for c in prange(_CHUNKS):
        _one_qubit_range(state, t, m00, m01, m10, m11, c * n // _CHUNKS, (c + 1) * n // _CHUNKS)


@njit(cache=True, parallel=True)
def _controlled_parallel(state, target, ctrl_mask, lo, mid, hi, m00, m01, m10, m11, n):
    for c in prange(_CHUNKS):
        _controlled_range(state, target, ctrl_mask, lo, mid, hi, m00, m01, m10, m11,
                          c * n // _CHUNKS, (c + 1) * n // _CHUNKS)


@no_alloc
def apply_1q(state, target, ctrl_mask, c0, c1, m00, m01, m10, m11):
    """Apply a 2x2 matrix to ``target`` where every bit of ``ctrl_mask`` (qubits c0, c1; -1 = none) is 1."""
    big = state.shape[0] >= PARALLEL_MIN_SIZE
    if ctrl_mask == 0:
        if big:
            _one_qubit_parallel(state, target, m00, m01, m10, m11)
        else:
            _one_qubit_range(state, target, m00, m01, m10, m11, _ZERO, state.shape[0] >> 1)
        return
    lo, mid, hi = _sorted3(target, c0, c1)
    n = state.shape[0] >> (1 + (c0 >= 0) + (c1 >= 0))
    if big:
        _controlled_parallel(state, target, ctrl_mask, lo, mid, hi, m00, m01, m10, m11, n)
    else:
        _controlled_range(state, target, ctrl_mask, lo, mid, hi, m00, m01, m10, m11, _ZERO, n)


@no_alloc
def _two_qubit_range(state, a, b, m, k0, k1):
    """Apply the 4x4 matrix ``m`` (16 entries, row-major; basis index bit(a) + 2 bit(b)) for the quads k0 <= k < k1."""
    lo, mid, hi = _sorted3(a, b, _NONE)
    ma = 1 << a
    mb = 1 << b
    for k in range(k0, k1):
        i0 = _spread(k, lo, mid, hi)
        i1 = i0 | ma
        i2 = i0 | mb
        i3 = i1 | mb
        v0 = state[i0]
        v1 = state[i1]
        v2 = state[i2]
        v3 = state[i3]
        state[i0] = m[0] * v0 + m[1] * v1 + m[2] * v2 + m[3] * v3
        state[i1] = m[4] * v0 + m[5] * v1 + m[6] * v2 + m[7] * v3
        state[i2] = m[8] * v0 + m[9] * v1 + m[10] * v2 + m[11] * v3
        state[i3] = m[12] * v0 + m[13] * v1 + m[14] * v2 + m[15] * v3


@njit(cache=True, parallel=True)
def _two_qubit_parallel(state, a, b, m):
    n = state.shape[0] >> 2
    for c in prange(_CHUNKS):
        _two_qubit_range(state, a, b, m, c * n // _CHUNKS, (c + 1) * n // _CHUNKS)


@no_alloc
def apply_2q(state, a, b, re_im):
    """Apply a dense two-qubit unitary given as 32 floats (row-major 4x4, real then imaginary parts)."""
    r, i = re_im[:16], re_im[16:]
    m = (complex(r[0], i[0]), complex(r[1], i[1]), complex(r[2], i[2]), complex(r[3], i[3]),
         complex(r[4], i[4]), complex(r[5], i[5]), complex(r[6], i[6]), complex(r[7], i[7]),
         complex(r[8], i[8]), complex(r[9], i[9]), complex(r[10], i[10]), complex(r[11], i[11]),
         complex(r[12], i[12]), complex(r[13], i[13]), complex(r[14], i[14]), complex(r[15], i[15]))
    if state.shape[0] >= PARALLEL_MIN_SIZE:
        _two_qubit_parallel(state, a, b, m)
    else:
        _two_qubit_range(state, a, b, m, _ZERO, state.shape[0] >> 2)


@no_alloc
def apply_swap(state, a, b, control):
    """Swap qubits ``a`` and ``b`` (where qubit ``control`` is 1, if ``control`` >= 0)."""
    lo, mid, hi = _sorted3(a, b, control)
    ctrl_mask = (1 << control) if control >= 0 else 0
    n = state.shape[0] >> (2 + (control >= 0))
    for k in range(n):
        i = _spread(k, lo, mid, hi) | ctrl_mask
        i01 = i | (1 << a)
        i10 = i | (1 << b)
        tmp = state[i01]
        state[i01] = state[i10]
        state[i10] = tmp


@no_alloc
def apply_pauli_rotation2(state, gid, a, b, theta):
    """exp(-i theta/2 P(a) P(b)) for P = X, Y or Z (gates rxx, ryy, rzz)."""
    lo, mid, hi = _sorted3(a, b, _NONE)
    co = math.cos(theta / 2.0)
    si = math.sin(theta / 2.0)
    n = state.shape[0] >> 2
    ma = 1 << a
    mb = 1 << b
    if gid == G_RZZ:
        even = complex(co, -si)
        odd = complex(co, si)
        for k in range(n):
            i = _spread(k, lo, mid, hi)
            state[i] *= even
            state[i | ma] *= odd
            state[i | mb] *= odd
            state[i | ma | mb] *= even
        return
    # rxx: |00>,|11> and |01>,|10> mix with -i sin; ryy: the |00>,|11> pair has +i sin
    s_outer = 1j * si if gid == G_RYY else -1j * si
    s_inner = -1j * si
    for k in range(n):
        i00 = _spread(k, lo, mid, hi)
        i01 = i00 | ma
        i10 = i00 | mb
        i11 = i01 | mb
        a00 = state[i00]
        a11 = state[i11]
        state[i00] = co * a00 + s_outer * a11
        state[i11] = s_outer * a00 + co * a11
        a01 = state[i01]
        a10 = state[i10]
        state[i01] = co * a01 + s_inner * a10
        state[i10] = s_inner * a01 + co * a10


@no_alloc
def apply_gate(state, gid, q0, q1, q2, a, b, c):
    """Apply gate ``gid`` to qubits q0, q1, q2 (as many as it takes) with parameters a, b, c."""
    if gid <= G_U:
        m00, m01, m10, m11 = one_qubit_matrix(gid, a, b, c)
        apply_1q(state, q0, _ZERO, _NONE, _NONE, m00, m01, m10, m11)
    elif gid <= G_CP:
        m00, m01, m10, m11 = one_qubit_matrix(_CONTROLLED_BASE[gid - G_CX], a, b, c)
        apply_1q(state, q1, 1 << q0, q0, _NONE, m00, m01, m10, m11)
    elif gid == G_CCX:
        apply_1q(state, q2, (1 << q0) | (1 << q1), q0, q1, 0j, 1 + 0j, 1 + 0j, 0j)
    elif gid == G_SWAP:
        apply_swap(state, q0, q1, _NONE)
    elif gid == G_CSWAP:
        apply_swap(state, q1, q2, q0)
    else:
        apply_pauli_rotation2(state, gid, q0, q1, a)


@no_alloc
def prob_one(state, q):
    """Probability that measuring qubit ``q`` gives 1."""
    lo, mid, hi = _sorted3(q, _NONE, _NONE)
    t = 1 << q
    p = 0.0
    for k in range(state.shape[0] >> 1):
        v = state[_spread(k, lo, mid, hi) | t]
        p += v.real * v.real + v.imag * v.imag
    return p


@no_alloc
def collapse(state, q, outcome):
    """Project qubit ``q`` onto ``outcome`` and renormalise by the kept half's own norm.

    Using the actual norm (not 1 - p of the other half) keeps states that are
    collapsed many times at unit norm, so equal histories stay bit-for-bit close.
    """
    lo, mid, hi = _sorted3(q, _NONE, _NONE)
    t = 1 << q
    keep = t if outcome else 0
    drop = 0 if outcome else t
    half = state.shape[0] >> 1
    norm = 0.0
    for k in range(half):
        v = state[_spread(k, lo, mid, hi) | keep]
        norm += v.real * v.real + v.imag * v.imag
    scale = 1.0 / math.sqrt(norm)
    for k in range(half):
        i = _spread(k, lo, mid, hi)
        state[i | keep] *= scale
        state[i | drop] = 0j


@no_alloc
def flip(state, q):
    """Apply X to qubit ``q``."""
    apply_1q(state, q, _ZERO, _NONE, _NONE, 0j, 1 + 0j, 1 + 0j, 0j)
