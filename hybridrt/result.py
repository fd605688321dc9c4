"""``Result``: the per-shot values of a run, with counts, probabilities and NumPy arrays."""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from typing import Any

import numpy as np

from . import ir


class Result:
    """What ``Kernel.run`` returns: one value per shot, each exactly what a single call returns.

    >>> res.values[:3]        # doctest: +SKIP
    [(1, True), (2, True), (1, True)]
    >>> res.counts()          # doctest: +SKIP
    {(1, True): 5021, (2, True): 2488, ...}

    Lists in return values become tuples in ``counts()`` keys (they must be hashable).
    """

    def __init__(self, returns: ir.ReturnType, outputs: tuple[np.ndarray, ...], seed: int, shots: int):
        self.returns = returns
        #: one NumPy array per returned value (a tuple's items in order): shape (shots,) for a
        #: scalar, (shots, n) for a list; dtype bool, int64 or float64
        self.outputs = outputs
        self.seed = seed
        self.shots = shots

    @cached_property
    def values(self) -> list[Any]:
        """The return value of each shot, as Python objects."""
        columns = [a.tolist() for a in self.outputs]
        if self.returns is None:
            return [None] * self.shots
        if isinstance(self.returns, ir.TupleType):
            return list(zip(*columns)) if columns else [()] * self.shots
        return columns[0]

    def counts(self) -> dict[Any, int]:
        """How often each value occurred, most frequent first."""
        return dict(Counter(hashable(v) for v in self.values).most_common())

    def probabilities(self) -> dict[Any, float]:
        """The observed frequency of each value, most frequent first."""
        return {v: c / self.shots for v, c in self.counts().items()}

    def __len__(self) -> int:
        return self.shots

    def __repr__(self) -> str:
        top = list(self.counts().items())[:8]
        more = ", ..." if len(self.counts()) > 8 else ""
        return f"Result(shots={self.shots}, seed={self.seed}, counts={{{', '.join(f'{k!r}: {c}' for k, c in top)}{more}}})"


class Distribution(dict):
    """Exact probabilities of a kernel's return values, most likely first (see ``Kernel.distribution``).

    ``dropped`` is the probability mass of branches cut off below the cutoff (0.0 if none).
    """

    def __init__(self, items: Any = (), dropped: float = 0.0):
        super().__init__(items)
        self.dropped = dropped

    def __repr__(self) -> str:
        return f"Distribution({dict.__repr__(self)}, dropped={self.dropped:.3g})"


def hashable(v: Any) -> Any:
    """A value usable as a dict key: lists become tuples."""
    if isinstance(v, list):
        return tuple(v)
    if isinstance(v, tuple):
        return tuple(hashable(x) for x in v)
    return v
