"""Results of runs and sweeps: per-shot values, counts, probabilities, NumPy arrays, tables, plots, notebook views."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from functools import cached_property
from typing import Any, overload

import numpy as np

from . import ir

HTML_ROWS = 20  # values shown in a notebook's table, most frequent first


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

    def count_rows(self) -> list[tuple[Any, int]]:
        """``counts()`` as (value, count) pairs with values in the kernel's shape (lists where it returns lists)."""
        return [(_shaped(v, self.returns), c) for v, c in self.counts().items()]

    def table(self, top: int = 40, ascii: bool = False, hint: str = "") -> str:
        """The counts as a text table: value, count, probability and a bar; ``top`` rows (0: all).

        >>> print(Result(ir.BOOL, (np.array([True, False, True]),), 0, 3).table(ascii=True))
        value  count  probability
        True       2       0.6667  ########################################
        False      1       0.3333  ####################
        """
        return counts_table(self.count_rows(), self.shots, top, block="#" if ascii else "\u2588", hint=hint)

    def plot(self, ax: Any = None, top: int = 20) -> Any:
        """A bar chart of the ``top`` most frequent values' probabilities (matplotlib); returns the Axes.

        Without ``ax`` it draws in a new pyplot figure; pass ``ax`` to draw elsewhere (e.g. a
        ``matplotlib.figure.Figure().subplots()`` to save a file without pyplot).
        """
        rows = self.count_rows()[:top] if top else self.count_rows()
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(max(4.0, 0.5 * len(rows) + 2), 3.5))
        labels = [repr(v) for v, _ in rows]
        ax.bar(range(len(rows)), [c / self.shots for _, c in rows], color="#4c72b0")
        ax.set_xticks(range(len(rows)), labels, rotation=45 if max(map(len, labels), default=0) > 6 else 0,
                      ha="right" if max(map(len, labels), default=0) > 6 else "center")
        ax.set_ylabel("probability")
        more = f", top {len(rows)} of {len(self.counts())} values" if len(rows) < len(self.counts()) else ""
        ax.set_title(f"{self.shots} shots{'' if self.seed is None else f', seed {self.seed}'}{more}")
        ax.figure.tight_layout()
        return ax

    def _repr_html_(self) -> str:
        rows = self.count_rows()
        peak = max((c for _, c in rows), default=1)
        body = "".join(
            f"<tr><td style='text-align:left'><code>{html.escape(repr(v))}</code></td><td>{c}</td>"
            f"<td>{c / self.shots:.4f}</td><td style='text-align:left'><div style='background:#4c72b0;height:0.8em;"
            f"width:{100 * c / peak:.1f}px'></div></td></tr>" for v, c in rows[:HTML_ROWS])
        more = (f"<tr><td colspan='4'>... {len(rows) - HTML_ROWS} more values</td></tr>"
                if len(rows) > HTML_ROWS else "")
        seed = "" if self.seed is None else f", seed {self.seed}"
        return (f"<div><b>Result</b>: {self.shots} shots{seed}, {len(rows)} distinct values<table>"
                "<tr><th>value</th><th>count</th><th>probability</th><th></th></tr>"
                f"{body}{more}</table></div>")

    def __len__(self) -> int:
        return self.shots

    def __repr__(self) -> str:
        top = list(self.counts().items())[:8]
        more = ", ..." if len(self.counts()) > 8 else ""
        return f"Result(shots={self.shots}, seed={self.seed}, counts={{{', '.join(f'{k!r}: {c}' for k, c in top)}{more}}})"


class SweepResult(Sequence[Result]):
    """What ``Kernel.sweep`` returns: one ``Result`` per parameter row, in row order.

    ``outputs`` holds one NumPy array per returned value over all rows, shaped
    ``(rows, shots)`` for a scalar and ``(rows, shots, n)`` for a list, so statistics over
    every row are one NumPy expression; ``seeds[r]`` is the seed row ``r`` ran with (run
    ``kernel.run(*args[r], shots=shots, seed=seeds[r])`` to reproduce it alone).
    """

    def __init__(self, returns: ir.ReturnType, outputs: tuple[np.ndarray, ...], seeds: list[int],
                 args: Sequence[list[Any]], shots: int):
        self.returns = returns
        self.outputs = outputs
        self.seeds = seeds
        self._args = args
        self.shots = shots

    def __len__(self) -> int:
        return len(self.seeds)

    @property
    def args(self) -> list[list[Any]]:
        """Each row's argument values, as a list."""
        if not isinstance(self._args, list):
            self._args = list(self._args)
        return self._args

    @overload
    def __getitem__(self, i: int) -> Result: ...

    @overload
    def __getitem__(self, i: slice) -> list[Result]: ...

    def __getitem__(self, i: int | slice) -> Result | list[Result]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        r = range(len(self))[i]
        return Result(self.returns, tuple(o[r] for o in self.outputs), self.seeds[r], self.shots)

    def counts(self) -> list[dict[Any, int]]:
        """Each row's ``counts()``."""
        return [r.counts() for r in self]

    def _repr_html_(self) -> str:
        cells = []
        for k in range(min(len(self), HTML_ROWS)):
            value, count = self[k].count_rows()[0]
            cells.append(f"<tr><td>{k}</td><td><code>{html.escape(_args_text(self._args[k]))}</code></td>"
                         f"<td style='text-align:left'><code>{html.escape(repr(value))}</code></td>"
                         f"<td>{count / self.shots:.4f}</td></tr>")
        more = f"<tr><td colspan='4'>... {len(self) - HTML_ROWS} more rows</td></tr>" if len(self) > HTML_ROWS else ""
        return (f"<div><b>SweepResult</b>: {len(self)} rows x {self.shots} shots<table><tr><th>row</th>"
                f"<th>arguments</th><th>most frequent value</th><th>probability</th></tr>{''.join(cells)}{more}"
                "</table></div>")

    def __repr__(self) -> str:
        return f"SweepResult(rows={len(self)}, shots={self.shots})"


def counts_table(rows: list[tuple[Any, int]], shots: int, top: int = 40, width: int = 40, block: str = "#",
                 hint: str = "") -> str:
    """(value, count) rows as a table: value, count, probability and a bar scaled to the most frequent value.

    Past ``top`` rows (0: all) one line sums up the rest, followed by ``hint``.
    """
    shown = rows if top == 0 else rows[:top]
    texts = [repr(v) for v, _ in shown]
    vw = max([len("value"), *map(len, texts)])
    cw = max([len("count"), *(len(str(c)) for _, c in shown)])
    peak = max((c for _, c in shown), default=1)
    lines = [f"{'value':<{vw}}  {'count':>{cw}}  probability"]
    for text, (_, c) in zip(texts, shown):
        bar = block * max(1 if c else 0, round(width * c / peak))
        lines.append(f"{text:<{vw}}  {c:>{cw}}  {c / shots:>11.4f}  {bar}")
    if len(rows) > len(shown):
        rest = sum(c for _, c in rows[len(shown):])
        lines.append(f"... {len(rows) - len(shown)} more values in {rest} shots ({rest / shots:.2%}){hint}")
    return "\n".join(lines)


def _shaped(key: Any, returns: ir.ReturnType) -> Any:
    """A ``counts()`` key back in the kernel's shape: lists where the kernel returns lists."""
    if not isinstance(key, tuple):  # a scalar, or a key a subclass made (e.g. a bit string)
        return key
    if isinstance(returns, ir.ArrayType):
        return list(key)
    if isinstance(returns, ir.TupleType):
        return tuple(list(v) if isinstance(t, ir.ArrayType) else v for v, t in zip(key, returns.elems))
    return key


def _args_text(args: list[Any]) -> str:
    return "(" + ", ".join(repr(a) for a in args) + ")"


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
