"""``Estimate``: a phase estimated from many shots, with its uncertainty, histogram and plot.

Phases are in turns: ``phase`` in ``[0, 1)`` stands for the eigenvalue ``e^{2πi·phase}``.
Each shot of a phase-estimation kernel gives one estimate (a *sample*).  The
combined estimate is a trimmed circular mean: the samples are centred on their
most frequent value (to the method's resolution), those farther than
``max(3·resolution, 5·spread)`` from the centre are dropped as outliers (a failed
random walk, a wrong high bit), and the rest averaged; ``std`` is the spread of
the kept samples, i.e. the uncertainty of a single shot, combined with the
resolution's floor for discrete methods (``resolution/√12``: a ``b``-bit
estimate cannot tell phases within one ``2^-b`` step apart).

>>> import numpy as np
>>> est = Estimate(np.array([0.25, 0.25, 0.25, 0.75]), resolution=0.125, discrete=True)
>>> est.phase, est.outliers, round(est.std, 4)
(0.25, 0.25, 0.0361)
>>> est.histogram()
{0.25: 3, 0.75: 1}
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np


def wrapped(d: np.ndarray | float) -> Any:
    """Phase differences in turns, wrapped into ``[-1/2, 1/2)``."""
    return (np.asarray(d) + 0.5) % 1.0 - 0.5


class Estimate:
    """A phase estimated from ``samples`` (one per shot, in turns), with its uncertainty.

    ``resolution``: the method's step (``2^-bits``) or its final posterior width (random walk);
    ``discrete``: samples lie on a grid of that step.  ``result`` is the raw ``hybridrt.Result``
    and ``kernel`` the kernel that was run (``kernel.to_qir(...)`` for Azure), when known.
    """

    def __init__(self, samples: np.ndarray, resolution: float, discrete: bool, result: Any = None,
                 kernel: Any = None, method: str = ""):
        self.samples = np.asarray(samples, dtype=float) % 1.0
        if self.samples.size == 0:
            raise ValueError("an estimate needs at least one sample")
        self.resolution = float(resolution)
        self.discrete = discrete
        self.result = result
        self.kernel = kernel
        self.method = method

    @cached_property
    def _kept(self) -> tuple[float, np.ndarray]:
        """The centre (most frequent sample on the resolution grid) and the kept samples' offsets from it."""
        grid = np.round(self.samples / self.resolution).astype(np.int64)
        values, counts = np.unique(grid, return_counts=True)
        centre = float(values[np.argmax(counts)] * self.resolution) % 1.0
        d = wrapped(self.samples - centre)
        mad = float(np.median(np.abs(d - np.median(d))))
        keep = np.abs(d) <= max(3 * self.resolution, 5 * 1.4826 * mad)
        return centre, d[keep]

    @property
    def phase(self) -> float:
        """The estimated phase in turns, in ``[0, 1)``."""
        centre, d = self._kept
        return float((centre + d.mean()) % 1.0)

    @property
    def std(self) -> float:
        """The uncertainty of one shot's estimate, in turns."""
        _, d = self._kept
        floor = self.resolution / math.sqrt(12) if self.discrete else 0.0
        return float(math.hypot(d.std(), floor))

    @property
    def outliers(self) -> float:
        """The fraction of samples left out of ``phase`` and ``std`` as outliers."""
        return 1.0 - self._kept[1].size / self.samples.size

    def error(self, exact: float) -> float:
        """The distance from ``exact`` (in turns) to ``phase``, around the circle."""
        return abs(float(wrapped(self.phase - exact)))

    def histogram(self, bins: int | None = None) -> dict[float, int]:
        """How often each sample occurred, by phase: exact values for a discrete method, else ``bins`` bins
        of ``[0, 1)`` (default: one per resolution step, at most 1024), keyed by their centres."""
        if self.discrete and bins is None:
            values, counts = np.unique(self.samples, return_counts=True)
            return {float(v): int(c) for v, c in zip(values, counts)}
        counts, edges = np.histogram(self.samples, bins=self._bins(bins), range=(0.0, 1.0))
        return {float((a + b) / 2): int(c) for a, b, c in zip(edges[:-1], edges[1:], counts) if c}

    def _bins(self, bins: int | None) -> int:
        return bins or int(min(1024, max(1, round(1 / self.resolution))))

    def plot(self, ax: Any = None, exact: float | None = None, bins: int | None = None) -> Any:
        """A bar chart of :meth:`histogram` (matplotlib), with the estimate and ``exact`` marked; returns the axes."""
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.figure().add_subplot()
        hist = self.histogram(bins)
        width = self.resolution if self.discrete and bins is None else 1.0 / self._bins(bins)
        ax.bar(list(hist), [c / self.samples.size for c in hist.values()], width=width * 0.9,
               label=f"{self.method or 'shots'} ({self.samples.size})")
        half = max(8 * self.std, 8 * width)
        if half < 0.5:  # zoom on the estimate
            ax.set_xlim(self.phase - half, self.phase + half)
        ax.axvline(self.phase, color="C1", label=f"estimate {self.phase:.6f} ± {self.std:.2g}")
        if exact is not None:
            ax.axvline(exact, color="C2", linestyle="--", label=f"exact {exact:.6f}")
        ax.set_xlabel("phase (turns)")
        ax.set_ylabel("fraction of shots")
        ax.legend()
        return ax

    def __repr__(self) -> str:
        return (f"Estimate(phase={self.phase:.10g}, std={self.std:.3g}, shots={self.samples.size}, "
                f"outliers={self.outliers:.3g})")
