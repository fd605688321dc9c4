"""Sweeps, sessions and shot chunks: one compiled program re-run with new arguments, seeds derived as documented.

Every equality here is exact (whole output arrays): a sweep row, a session run, a chunk is
compared with the plain ``Kernel.run`` that the seeding contract of ``hybridrt.units`` says it
equals.  The VQE and QAOA examples must reach their known optima within the stated tolerances.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chi2

import hybridrt as hr
from hybridrt import cx, h, mz, qubit, qubits, reset, ry, x
from hybridrt.session import Session
from hybridrt.units import CHUNK_SHOTS, chunk_seeds, row_seeds

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@hr.kernel
def tilt(theta: float) -> bool:
    q = qubit()
    ry(theta, q)
    return mz(q)


@hr.kernel
def pair(a: float, b: float, flip: bool) -> tuple[bool, bool, int]:
    q = qubits(2)
    ry(a, q[0])
    ry(b, q[1])
    cx(q[0], q[1])
    if flip:
        x(q[0])
    n = 0
    while not mz(q[1]):  # a measurement-dependent loop: branching and trajectories differ in their draws
        h(q[1])
        n += 1
    reset(q[1])
    return mz(q[0]), mz(q[1]), n


@hr.kernel
def layer(angles: list[float]) -> list[bool]:
    q = qubits(3)
    for k in range(3):
        ry(angles[k], q[k])
    cx(q[0], q[2])
    return mz(q)


@hr.kernel
def ratio(k: int) -> int:
    q = qubit()
    h(q)
    return 6 // (k - int(mz(q)))


def same(a: hr.Result, b: hr.Result) -> bool:
    """Identical results: the same shots, seed and per-shot outputs."""
    return a.shots == b.shots and a.seed == b.seed and len(a.outputs) == len(b.outputs) and all(
        np.array_equal(x, y) for x, y in zip(a.outputs, b.outputs))


# ---------------------------------------------------------------- sweeps


@pytest.mark.parametrize("strategy", ["branching", "trajectories"])
def test_each_sweep_row_is_the_run_with_its_row_seed(strategy: str) -> None:
    table = np.random.default_rng(3).uniform(0, math.pi, (12, 2))
    rows = [(a, b, bool(k % 2)) for k, (a, b) in enumerate(table)]
    res = pair.sweep(rows, shots=300, seed=11, strategy=strategy)
    assert len(res) == 12 and res.seeds == row_seeds(11, 0, 12) and res.args == [list(r) for r in rows]
    assert res.outputs[0].shape == (12, 300) and res.outputs[2].dtype == np.int64
    for r, row in enumerate(rows):
        assert same(res[r], pair.run(*row, shots=300, seed=res.seeds[r], strategy=strategy))
    assert [r.seed for r in res[-3:]] == res.seeds[-3:]


@pytest.mark.parametrize("strategy", ["branching", "trajectories"])
def test_sweeps_do_not_depend_on_the_thread_count(strategy: str) -> None:
    """Rows of a small register run one per thread; each row draws only on its own seed."""
    import numba

    table = np.random.default_rng(5).uniform(0, math.pi, (40, 2))
    rows = [(a, b, bool(k % 2)) for k, (a, b) in enumerate(table)]
    threads = numba.get_num_threads()
    try:
        runs = []
        for n in sorted({1, threads}):
            numba.set_num_threads(n)
            runs.append(pair.sweep(rows, shots=200, seed=9, strategy=strategy))
    finally:
        numba.set_num_threads(threads)
    assert all(same(a, b) for a, b in zip(runs[0], runs[-1]))


def test_table_forms() -> None:
    angles = [0.3, 1.1, 2.0]
    by_rows = tilt.sweep(angles, shots=50, seed=2)
    for table in (np.array(angles), np.array(angles)[:, None], [(a,) for a in angles], {"theta": angles},
                  [[a] for a in angles]):
        res = tilt.sweep(table, shots=50, seed=2)
        assert all(same(a, b) for a, b in zip(res, by_rows)), table
    lists = layer.sweep([[0.1, 0.2, 0.3], np.array([1.0, 2.0, 3.0])], shots=40, seed=5)
    assert same(lists[1], layer.run([1.0, 2.0, 3.0], shots=40, seed=lists.seeds[1]))
    assert lists.outputs[0].shape == (2, 40, 3)
    as_array = layer.sweep(np.array([[0.1, 0.2, 0.3], [1.0, 2.0, 3.0]]), shots=40, seed=5)  # bound column-wise
    assert all(same(a, b) for a, b in zip(as_array, lists)) and as_array.args == lists.args
    ints = ratio.sweep(np.array([3, 4, 5], np.uint8), shots=30, seed=1)
    assert all(same(a, b) for a, b in zip(ints, ratio.sweep([3, 4, 5], shots=30, seed=1)))
    assert ints.args == [[3], [4], [5]] and all(type(a[0]) is int for a in ints.args)
    with pytest.raises(TypeError, match=r"argument 'k' must be int, got float64 .*3\.0.*in row 0 of the sweep"):
        ratio.sweep(np.array([3.0, 4.0]))
    with pytest.raises(TypeError, match="argument 'k' must be int"):
        ratio.sweep(np.array([2**63], np.uint64))
    columns = pair.sweep({"a": [0.1, 0.2], "b": [0.3, 0.4], "flip": [True, False]}, shots=30, seed=8)
    assert same(columns[1], pair.run(0.2, 0.4, False, shots=30, seed=columns.seeds[1]))


def test_sweep_table_errors() -> None:
    with pytest.raises(TypeError, match=r"row 1 of the sweep has argument types \(float\[2\]\), row 0 has "
                                        r"\(float\[3\]\).*same length"):
        layer.sweep([[0.1, 0.2, 0.3], [0.1, 0.2]])
    with pytest.raises(TypeError, match=r"argument 'flip' must be bool.*in row 1 of the sweep"):
        pair.sweep([(0.1, 0.2, True), (0.1, 0.2, "yes")])
    with pytest.raises(ValueError, match="no rows"):
        tilt.sweep([])
    with pytest.raises(ValueError, match="different lengths"):
        pair.sweep({"a": [0.1, 0.2], "b": [0.3], "flip": [True, True]})
    with pytest.raises(TypeError, match="must be a sequence of 3 arguments"):
        pair.sweep([0.5])
    with pytest.raises(TypeError, match="rows of arguments or columns"):
        tilt.sweep(0.5)
    with pytest.raises(ValueError, match="shots must be a positive int"):
        tilt.sweep([0.1], shots=0)


def test_runtime_error_names_the_row_and_its_shot() -> None:
    with pytest.raises(hr.KernelRuntimeError) as alone:
        ratio.run(1, shots=64, seed=row_seeds(3, 0, 3)[2])
    with pytest.raises(hr.KernelRuntimeError) as swept:
        ratio.sweep([3, 4, 1, 5, 1, 1], shots=64, seed=3)  # rows run in parallel: the first failing row is named
    message = str(swept.value)
    assert "kernel 'ratio', row 2, shot " in message and "division by zero" in message
    assert message.split("shot ")[1] == str(alone.value).split("shot ")[1]  # same shot, same line
    assert f"test_session.py:{ratio.__wrapped__.__code__.co_firstlineno + 4}:" in message


def test_sweep_statistics_follow_the_rotation() -> None:
    """Born's rule row by row: sum over rows of the squared z-scores of P(1) = sin^2(theta/2) is chi-square."""
    thetas = np.linspace(0.2, 3.0, 30)
    res = tilt.sweep(thetas, shots=2000, seed=17)
    p = np.sin(thetas / 2) ** 2
    ones = res.outputs[0].sum(axis=1)
    stat = float((((ones - 2000 * p) ** 2) / (2000 * p * (1 - p))).sum())
    assert chi2.sf(stat, len(thetas)) > 1e-4


# ---------------------------------------------------------------- shot chunks


@pytest.mark.parametrize("strategy", ["branching", "trajectories"])
def test_chunks_are_runs_with_chunk_seeds(strategy: str) -> None:
    whole = pair.run(0.4, 1.2, True, shots=1000, seed=21, strategy=strategy, chunk_shots=300)
    seeds = chunk_seeds(21, 4)
    assert seeds[0] == 21 and len(set(seeds)) == 4
    parts = [pair.run(0.4, 1.2, True, shots=n, seed=s, strategy=strategy) for n, s in zip((300, 300, 300, 100), seeds)]
    for k, part in enumerate(parts):
        assert all(np.array_equal(o[300 * k: 300 * k + part.shots], p) for o, p in zip(whole.outputs, part.outputs))
    assert whole.seed == 21 and whole.shots == 1000
    assert same(pair.run(0.4, 1.2, True, shots=1000, seed=21, strategy=strategy, chunk_shots=1000),
                pair.run(0.4, 1.2, True, shots=1000, seed=21, strategy=strategy))
    assert CHUNK_SHOTS >= 100_000  # runs of up to 100,000 shots are one chunk by default: unchanged by chunking


def test_chunk_errors_count_shots_from_the_start_of_the_run() -> None:
    with pytest.raises(hr.KernelRuntimeError) as whole:
        ratio.run(1, shots=40, seed=9, chunk_shots=16)
    first_bad = next(k for k, s in enumerate(chunk_seeds(9, 3)) if _fails(ratio, 1, min(16, 40 - 16 * k), s))
    with pytest.raises(hr.KernelRuntimeError) as chunk:
        ratio.run(1, shots=min(16, 40 - 16 * first_bad), seed=chunk_seeds(9, 3)[first_bad])
    shot = int(str(chunk.value).split("shot ")[1].split(":")[0])
    assert f"shot {16 * first_bad + shot}:" in str(whole.value)


def _fails(k: hr.Kernel, arg: int, shots: int, seed: int) -> bool:
    try:
        k.run(arg, shots=shots, seed=seed)
    except hr.KernelRuntimeError:
        return True
    return False


def test_progress_bars_do_not_change_results(capsys: pytest.CaptureFixture[str]) -> None:
    quiet = pair.run(0.4, 1.2, False, shots=2000, seed=3, chunk_shots=128, progress=False)
    loud = pair.run(0.4, 1.2, False, shots=2000, seed=3, chunk_shots=128, progress=True)
    assert same(quiet, loud)
    err = capsys.readouterr().err
    assert "pair" in err and "100%" in err and "2.00k/2.00k" in err
    rows = np.random.default_rng(0).uniform(0, 3, (150, 1))
    assert all(same(a, b) for a, b in zip(tilt.sweep(rows, shots=20, seed=4, progress=True),
                                          tilt.sweep(rows, shots=20, seed=4)))
    assert "3.00k/3.00k" in capsys.readouterr().err
    with pytest.raises(TypeError, match="progress must be True, False or None"):
        tilt.run(0.1, progress="yes")


def test_run_options_are_checked() -> None:
    for kwargs, match in (({"shots": 0}, "shots"), ({"shots": True}, "shots"), ({"seed": -1}, "seed"),
                          ({"seed": 1.5}, "seed"), ({"chunk_shots": 0}, "chunk_shots"),
                          ({"strategy": "magic", "chunk_shots": 1}, "strategy")):
        with pytest.raises(ValueError, match=match):
            tilt.run(0.1, **kwargs)


# ---------------------------------------------------------------- sessions


def test_session_runs_are_the_rows_of_one_sweep() -> None:
    rows = [(0.1 * k, 0.3, k % 3 == 0) for k in range(7)]
    whole = pair.sweep(rows, shots=200, seed=31)
    with Session(pair, shots=200, seed=31) as s:
        first = [s.run(*r) for r in rows[:3]]
        rest = s.sweep(rows[3:])
        assert s.evaluations == 7
    for got, want in zip(first + list(rest), whole):
        assert same(got, want)


def test_a_session_never_recompiles() -> None:
    @hr.kernel
    def fresh(a: float, flip: bool) -> bool:
        q = qubit()
        ry(a, q)
        if flip:
            x(q)
        return mz(q)

    with Session(fresh, shots=10) as s:
        s.run(0.1, False)
        [(types, (program, bc))] = fresh._compiled.items()
        for k in range(20):
            s.run(0.1 * k, bool(k % 2))
        s.sweep([(0.5, True), (0.7, False)])
        fresh.sweep([(0.5, True)], shots=5)
        fresh.run(0.2, True, shots=5)
        assert list(fresh._compiled) == [types]
        assert fresh._compiled[types][0] is program and fresh._compiled[types][1] is bc
        assert len(s._programs) == 1 and s._programs[types][0] is bc


def test_session_options_and_errors() -> None:
    s = Session(tilt, shots=100, seed=12)
    assert s.run(0.5, shots=30).shots == 30
    explicit = s.run(0.5, seed=99)
    assert same(explicit, tilt.run(0.5, shots=100, seed=99))
    assert same(s.sweep([0.1, 0.2], seed=5)[1], tilt.sweep([0.1, 0.2], shots=100, seed=5)[1])
    assert s.evaluations == 4
    assert "open, 4 evaluations" in repr(s)
    with pytest.raises(TypeError, match="argument 'theta' must be float"):
        s.run("half")
    with pytest.raises(ValueError, match="shots must be a positive int"):
        s.run(0.5, shots=-3)
    s.close()
    with pytest.raises(hr.HybridrtError, match="session of kernel 'tilt' is closed"):
        s.run(0.5)
    with pytest.raises(TypeError, match="needs a hybridrt kernel"):
        Session(lambda: None)  # type: ignore[arg-type]
    unseeded = Session(tilt)
    assert isinstance(unseeded.seed, int) and 0 <= unseeded.seed < 2**63
    assert same(unseeded.run(1.0), tilt.run(1.0, shots=1000, seed=row_seeds(unseeded.seed, 0, 1)[0]))


# ---------------------------------------------------------------- the examples


def _example(name: str) -> object:
    sys.path.insert(0, str(EXAMPLES))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(EXAMPLES))


@pytest.mark.slow
def test_vqe_reaches_the_ising_ground_energy() -> None:
    vqe = _example("vqe")
    ground = vqe.exact_ground_energy()
    assert ground == pytest.approx(-4.758770483143634, abs=1e-9)  # 4 spins, J = h = 1, open chain
    r = vqe.solve(shots=4000, seed=7)
    assert r.ground == ground and r.evaluations > 50
    assert r.error < 0.02, (r.energy, ground)  # the example's stated tolerance
    assert abs(r.estimate - r.energy) < 0.15  # the shot estimate is near the exact energy of the same parameters


@pytest.mark.slow
def test_qaoa_finds_a_maximum_cut() -> None:
    qaoa = _example("qaoa")
    best, optimal = qaoa.max_cut()
    assert best == 7 and len(optimal) == 6
    r = qaoa.solve(shots=2000, seed=3)
    assert r.top in optimal
    assert r.optimal_share > 0.4  # a uniformly random cut is a maximum cut with probability 6/64
    assert r.mean_cut >= 0.85 * best
