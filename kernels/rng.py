"""Per-shot random streams (splitmix64), reproducible for a seed whatever the order shots run in."""

from __future__ import annotations

import numpy as np

from .jit import no_alloc

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@no_alloc
def mix64(z):
    """The splitmix64 finaliser, a bijection of uint64."""
    z = np.uint64(z)
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@no_alloc
def shot_stream(seed, shot):
    """The initial stream state of shot number ``shot`` of a run seeded with ``seed``."""
    return mix64(np.uint64(seed) ^ mix64(np.uint64(shot) + np.uint64(1)))


@no_alloc
def next_uniform(stream):
    """Advance ``stream`` (a 1-element uint64 array) and return a uniform float in [0, 1)."""
    stream[0] += _GOLDEN
    return float(mix64(stream[0]) >> np.uint64(11)) * _TO_UNIT


@no_alloc
def split_stream(stream):
    """A new independent stream state derived from (and advancing) ``stream``."""
    stream[0] += _GOLDEN
    return mix64(mix64(stream[0]) ^ _M2)


@no_alloc
def binomial(n, p, stream):
    """An exact Binomial(n, p) draw: the number of n uniforms from ``stream`` below p."""
    k = 0
    for _ in range(n):
        if next_uniform(stream) < p:
            k += 1
    return k
