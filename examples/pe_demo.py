"""Shared by the phase-estimation example scripts: a demo unitary, the common options, QIR output, figures.

Not a script itself: ``iterative_phase_estimation.py``, ``random_walk_phase_estimation.py``
and ``dot_product.py`` import it.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import Any

from tqdm import tqdm

import hybridrt as hr
from hybridrt import cp, cx, h, ry, x

#: the default phase: 1/π, not a multiple of any 2^-bits
PHASE = 1 / math.pi
TILT = 0.7  # the angle of the basis change W below


def example_unitary(phase: float) -> tuple[hr.Kernel, hr.Kernel]:
    """``U = W·cp(2π·phase)·W†`` on two qubits and a kernel preparing its eigenvector ``W|11>`` (eigenvalue
    ``e^{2πi·phase}``): a unitary that is neither diagonal nor a single gate, controlled automatically."""

    @hr.kernel
    def unitary(q) -> None:  # type: ignore[no-untyped-def]
        h(q[1])  # W† = h·cx·ry(-TILT)
        cx(q[0], q[1])
        ry(-TILT, q[0])
        cp(2 * math.pi * phase, q[0], q[1])
        ry(TILT, q[0])  # W = ry(TILT)·cx·h
        cx(q[0], q[1])
        h(q[1])

    @hr.kernel
    def eigenstate(q) -> None:  # type: ignore[no-untyped-def]
        x(q)
        ry(TILT, q[0])
        cx(q[0], q[1])
        h(q[1])

    return unitary, eigenstate


def parser(doc: str, shots: int) -> argparse.ArgumentParser:
    """An argument parser with the options every phase-estimation script takes."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=doc)
    p.add_argument("--shots", type=int, default=shots, help=f"shots (default {shots})")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--plot", metavar="FILE", help="write a figure to FILE (png, pdf, svg)")
    p.add_argument("--qir", metavar="TARGET", help="print the kernel's QIR for an Azure Quantum target "
                   "(e.g. quantinuum.sim.h2-1e) instead of running it")
    return p


def print_qir(kernel: hr.Kernel, target: str) -> int:
    """Print ``kernel``'s QIR for ``target``; a target that cannot run it is a one-line error (exit status 1)."""
    try:
        print(kernel.to_qir(target=target))
    except hr.HybridrtError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def figure(ncols: int) -> tuple[Any, Any]:
    """A matplotlib figure (Agg backend: no display needed) with ``ncols`` axes side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(6 * ncols, 4.5), layout="constrained", squeeze=False)
    return fig, list(axes[0])


def save(fig: Any, path: str) -> None:
    fig.savefig(path, dpi=120)
    print(f"figure written to {path}")


def report(est: Any, exact: float) -> str:
    """One line: the estimate, its one-shot uncertainty and its error against ``exact``."""
    return (f"estimate {est.phase:.8f} ± {est.std:.2g} (one shot), exact {exact:.8f}: "
            f"error {est.error(exact):.2e}")


def sweep_figure(path: str, est: Any, exact: float, sizes: list[int], run: Callable[[int], Any],
                 what: tuple[str, str], floor: tuple[str, Callable[[Any, int], float]]) -> None:
    """Write a figure: left, the error and one-shot std of ``run(size)`` for each size (a progress bar while
    they run) with a reference curve ``floor`` = (label, f(estimate, size)); right, ``est``'s histogram.
    ``what`` = (the method's title, the size's name)."""
    fig, (left, right) = figure(2)
    runs = [run(n) for n in tqdm(sizes, desc=f"error vs {what[1]}", unit="size")]
    left.semilogy(sizes, [max(r.error(exact), 1e-12) for r in runs], "o-", label="|estimate - exact|")
    left.semilogy(sizes, [r.std for r in runs], "s--", label="std of one shot")
    left.semilogy(sizes, [floor[1](r, n) for r, n in zip(runs, sizes)], ":", color="gray", label=floor[0])
    left.set_xlabel(what[1])
    left.set_ylabel("phase error (turns)")
    left.set_title(f"{what[0]}, {est.samples.size} shots per size")
    left.legend()
    est.plot(right, exact=exact)
    right.set_title(f"{est.method}: outcomes")
    save(fig, path)
