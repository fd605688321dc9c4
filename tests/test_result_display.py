"""What users see: Result tables and notebook views, Result.plot, SweepResult views, the kernel's drawing and view.

Every displayed number is checked against ``counts()`` of the same result, the bar heights of
the plot against its probabilities, the drawings against golden text.
"""

from __future__ import annotations

import html
import re

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import hybridrt as hr
from hybridrt import cx, h, mz, qubit, qubits, reset, ry, rz, x
from hybridrt.result import HTML_ROWS, Result, SweepResult

matplotlib.use("Agg")


@hr.kernel
def spread(n: int) -> tuple[int, list[bool]]:
    q = qubits(5)
    h(q)
    total = 0
    for k in range(n):
        total += int(mz(q[k]))
    return total, [mz(q[0]), mz(q[1]), mz(q[2])]


@hr.kernel
def coin() -> bool:
    q = qubit()
    h(q)
    return mz(q)


@hr.kernel
def feedback(theta: float) -> tuple[bool, bool]:
    q = qubits(3)
    h(q[0])
    cx(q[0], q[2])
    rz(theta, q[1])
    m = mz(q[0])
    if m:
        x(q[1])
    k = int(m)
    h(q[k + 1])
    reset(q[0])
    return m, mz(q[1])


def html_rows(text: str) -> list[list[str]]:
    """The cells of each data row of an HTML table (tags stripped, entities decoded)."""
    rows = re.findall(r"<tr>(.*?)</tr>", text)[1:]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)] for r in rows]


# ---------------------------------------------------------------- Result


def test_result_html_lists_the_counts() -> None:
    res = spread.run(5, shots=3000, seed=4)
    page = res._repr_html_()
    assert page.startswith("<div><b>Result</b>: 3000 shots, seed 4, ") and f"{len(res.counts())} distinct" in page
    rows = html_rows(page)
    shown = res.count_rows()[:HTML_ROWS]
    assert len(res.counts()) > HTML_ROWS and len(rows) == HTML_ROWS + 1
    for (value, count), cells in zip(shown, rows):
        assert cells[:3] == [repr(value), str(count), f"{count / 3000:.4f}"]
    assert rows[-1] == [f"... {len(res.counts()) - HTML_ROWS} more values"]
    assert isinstance(shown[0][0][1], list)  # values in the kernel's shape: the list stays a list


def test_result_table_matches_counts() -> None:
    res = spread.run(3, shots=500, seed=1)
    lines = res.table(top=3, hint="!").splitlines()
    assert lines[0].split() == ["value", "count", "probability"]
    for line, (value, count) in zip(lines[1:4], res.count_rows()):
        assert line.startswith(repr(value)) and f" {count} " in line and f"{count / 500:.4f}" in line
    rest = sum(c for _, c in res.count_rows()[3:])
    assert lines[4] == f"... {len(res.counts()) - 3} more values in {rest} shots ({rest / 500:.2%})!"
    assert "\u2588" in lines[1] and "#" in res.table(ascii=True).splitlines()[1]


def test_plot_bars_are_the_probabilities() -> None:
    res = spread.run(4, shots=2000, seed=2)
    ax = Figure().subplots()
    assert res.plot(ax=ax, top=6) is ax
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([c / 2000 for _, c in res.count_rows()[:6]], abs=1e-12)
    assert [t.get_text() for t in ax.get_xticklabels()] == [repr(v) for v, _ in res.count_rows()[:6]]
    assert ax.get_ylabel() == "probability"
    assert ax.get_title() == f"2000 shots, seed 2, top 6 of {len(res.counts())} values"


def test_plot_with_pyplot() -> None:
    import matplotlib.pyplot as plt

    res = coin.run(shots=100, seed=3)
    ax = res.plot()
    try:
        assert [round(p.get_height(), 12) for p in ax.patches] == [c / 100 for c in res.counts().values()]
        assert ax.get_title() == "100 shots, seed 3"
    finally:
        plt.close(ax.figure)


def test_a_result_without_a_seed() -> None:
    res = Result(hr.ir.BOOL, (np.array([True, True, False]),), None, 3)  # type: ignore[arg-type]
    assert "seed" not in res._repr_html_() and html_rows(res._repr_html_())[0][:2] == ["True", "2"]


# ---------------------------------------------------------------- SweepResult


def test_sweep_result_views() -> None:
    thetas = np.linspace(0, np.pi, 25)

    @hr.kernel
    def tilt(theta: float) -> bool:
        q = qubit()
        ry(theta, q)
        return mz(q)

    res = tilt.sweep(thetas, shots=400, seed=6)
    assert isinstance(res, SweepResult) and len(res) == 25 and repr(res) == "SweepResult(rows=25, shots=400)"
    assert res[-1].seed == res.seeds[24] and [r.seed for r in res[2:5]] == res.seeds[2:5]
    assert res.counts()[0] == {False: 400} and res.counts()[-1] == {True: 400}
    with pytest.raises(IndexError):
        res[25]
    rows = html_rows(res._repr_html_())
    assert len(rows) == HTML_ROWS + 1 and rows[-1] == ["... 5 more rows"]
    for k, cells in enumerate(rows[:HTML_ROWS]):
        value, count = res[k].count_rows()[0]
        assert cells == [str(k), f"({float(thetas[k])!r})", repr(value), f"{count / 400:.4f}"]


# ---------------------------------------------------------------- kernels


def test_kernel_drawing() -> None:
    assert feedback.draw() == """entry:
  q0: ─H──●───────M───────
  q1: ────┼──RZ(%theta.1)─
  q2: ────X───────────────
  -> if %m.2: then else endif
then:
  q0: ───
  q1: ─X─
  q2: ───
  -> jump endif
endif:
  q0:   ───────|0>─
  q1:   ────────M──
  q2:   ───────────
  q[?]: ─H %q──────
  -> return %m.2, %m.4"""


def test_kernel_html_shows_drawing_and_ir() -> None:
    page = feedback._repr_html_()
    assert page.startswith("<div><b>kernel</b> <code>feedback(theta: float) -&gt; tuple[bool, bool]</code>")
    assert html.escape(feedback.draw()) in page and html.escape(str(feedback.ir)) in page

    @hr.kernel
    def listed(angles: list[float]) -> bool:
        q = qubit()
        ry(angles[0], q)
        return mz(q)

    assert "use .compile(*args)" in listed._repr_html_()
    assert listed.draw([0.5]).startswith("entry:\n  q0: ─RY(%")

    @hr.kernel
    def broken() -> bool:
        q = qubit()
        print(q)
        return mz(q)

    page = broken._repr_html_()
    assert "print() is not supported in a kernel" in page and "test_result_display.py:" in page
