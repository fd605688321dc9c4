"""The ``hybridrt`` command line, run for real: ``python -m hybridrt`` and the installed console script in
subprocesses (exit status, stdout, stderr), plus in-process ``main([...])`` calls for the finer cases.

Counts printed by the CLI are compared with the same kernel run in this process with the same seed
(the engine is deterministic for a seed), never with numbers written into the test.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hybridrt.qir_targets import targets

import hybridrt as hr
from hybridrt import cli

ROOT = Path(__file__).resolve().parents[1]
RUS = ROOT / "examples" / "rus.py"
RUS_BOUNDED = ROOT / "examples" / "rus_bounded.py"
SCRIPT = Path(sysconfig.get_path("scripts")) / ("hybridrt.exe" if sys.platform == "win32" else "hybridrt")


def hybridrt(*args: Any, cwd: Path | None = None, script: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the command line in a subprocess: ``python -m hybridrt`` or the ``hybridrt`` console script."""
    cmd = [str(SCRIPT)] if script else [sys.executable, "-m", "hybridrt"]
    return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600,
                          check=False)


def import_path(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_test_cli_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def line_of(path: Path, text: str) -> int:
    return next(k for k, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.fixture(scope="module", autouse=True)
def same_checkout() -> None:
    """The subprocesses must import this checkout (``pip install -e .``), not another copy of hybridrt."""
    out = subprocess.run([sys.executable, "-c", "import hybridrt; print(hybridrt.__file__)"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT.parent, check=False)
    assert out.returncode == 0, out.stderr
    if Path(out.stdout.strip()).resolve() != Path(hr.__file__).resolve():
        pytest.fail(f"subprocesses import hybridrt from {out.stdout.strip()}, not {hr.__file__}: "
                    "run `pip install -e .` in this checkout")


def table_rows(stdout: str) -> dict[Any, tuple[int, float]]:
    """The value -> (count, probability) rows of ``hybridrt run``'s table."""
    lines = stdout.splitlines()
    header = next(k for k, line in enumerate(lines) if line.startswith("value"))
    rows = {}
    for line in lines[header + 1:]:
        if line.startswith("..."):
            break
        value_text, rest = line.split("  ", 1)
        count, probability, *_ = rest.split()
        rows[ast.literal_eval(value_text.strip())] = (int(count), float(probability))
    return rows


# ---------------------------------------------------------------- run


def test_run_prints_the_engines_counts_as_a_table() -> None:
    out = hybridrt("run", RUS, "--shots", 2000, "--seed", 7)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    first = out.stdout.splitlines()[0]
    assert first.startswith("rus() from ") and "2000 shots, seed 7, strategy branching" in first
    expected = import_path(RUS).rus.run(shots=2000, seed=7).counts()
    rows = table_rows(out.stdout)
    assert {v: c for v, (c, _) in rows.items()} == expected
    assert list(rows) == list(expected)  # most frequent first
    for count, probability in rows.values():
        assert probability == round(count / 2000, 4)
    first_row = out.stdout.splitlines()[2]
    assert first_row.endswith(("\u2588" * 40, "#" * 40))  # the longest bar: the top value


def test_run_json_with_the_console_script() -> None:
    assert SCRIPT.exists(), f"the hybridrt console script is not installed at {SCRIPT} (pip install -e .)"
    out = hybridrt("run", f"{RUS}:rus", "--shots", 500, "--seed", 3, "--json", "--strategy", "trajectories",
                   script=True)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["kernel"] == "rus" and doc["shots"] == 500 and doc["seed"] == 3
    assert doc["strategy"] == "trajectories" and doc["args"] == [] and doc["returns"] == "(int, bool)"
    expected = import_path(RUS).rus.run(shots=500, seed=3, strategy="trajectories").counts()
    assert {tuple(row["value"]): row["count"] for row in doc["counts"]} == expected
    assert [row["count"] for row in doc["counts"]] == sorted((row["count"] for row in doc["counts"]), reverse=True)
    for row in doc["counts"]:
        assert row["probability"] == row["count"] / 500


def test_run_with_arguments_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", RUS_BOUNDED.as_posix(), "--args", "[3]", "--shots", "400", "--seed", "11", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["args"] == [3]
    expected = import_path(RUS_BOUNDED).rus_bounded.run(3, shots=400, seed=11).counts()
    assert {tuple(r["value"]): r["count"] for r in doc["counts"]} == expected
    assert all(1 <= n <= 3 for n, _ in expected)


def test_table_rows_are_capped_by_top(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", RUS.as_posix(), "--shots", "3000", "--seed", "1", "--top", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and lines[-1].startswith("... ") and "more values" in lines[-1]


def test_list_values_keep_their_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "regs.py"
    f.write_text("import hybridrt as hr\nfrom hybridrt import qubits, x, mz\n\n\n@hr.kernel\n"
                 "def regs(flip: bool) -> tuple[list[bool], int]:\n    q = qubits(2)\n    if flip:\n"
                 "        x(q[1])\n    return mz(q), 7\n")
    assert cli.main(["run", str(f), "--args", "[true]", "--shots", "5", "--seed", "0", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"] == [{"value": [[False, True], 7], "count": 5, "probability": 1.0}]
    assert cli.main(["run", str(f), "--args", "[true]", "--shots", "5", "--seed", "0"]) == 0
    assert "([False, True], 7)" in capsys.readouterr().out


# ---------------------------------------------------------------- qir


def test_qir_export_then_run_the_file(tmp_path: Path) -> None:
    ll = tmp_path / "rus.ll"
    out = hybridrt("qir", f"{RUS}:rus", "--profile", "adaptive", "-o", ll)
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""
    assert f"wrote {ll}" in out.stderr and "Adaptive" in out.stderr and "ENTRYPOINT__rus" in out.stderr
    text = ll.read_text()
    assert text == import_path(RUS).rus.to_qir(profile="adaptive").text
    assert '"qir_profiles"="adaptive_profile"' in text and "backwards_branching" in text

    out = hybridrt("run", ll, "--shots", 1000, "--seed", 5, "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["kernel"] == "ENTRYPOINT__rus" and doc["returns"] == "(int, bool)"
    counts = {tuple(r["value"]): r["count"] for r in doc["counts"]}
    assert counts == hr.from_qir(ll).run(shots=1000, seed=5).counts()
    assert all(n >= 1 and flag for n, flag in counts) and sum(counts.values()) == 1000


def test_qir_for_a_quantinuum_target_prints_text() -> None:
    out = hybridrt("qir", RUS_BOUNDED, "--target", "quantinuum.sim.h2-1e")
    assert out.returncode == 0, out.stderr
    expected = import_path(RUS_BOUNDED).rus_bounded.to_qir(target="quantinuum.sim.h2-1e")
    assert out.stdout == expected.text
    assert "define i64 @ENTRYPOINT__rus_bounded()" in out.stdout
    assert '"qir_profiles"="adaptive_profile"' in out.stdout and "backwards_branching" not in out.stdout


def test_qir_unbounded_loop_for_quantinuum_is_a_target_error() -> None:
    out = hybridrt("qir", RUS, "--target", "quantinuum.sim.h2-1e")
    assert out.returncode == 1
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("hybridrt: error: ")
    assert f"rus.py:{line_of(RUS, 'while not done')}:" in out.stderr
    assert "backwards_branching" in out.stderr and "quantinuum.sim.h2-1e" in out.stderr


def test_qir_bitcode_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bc = tmp_path / "rus_bounded.bc"
    assert cli.main(["qir", RUS_BOUNDED.as_posix(), "--target", "quantinuum.sim.h2-1e", "--args", "[4]",
                     "-o", str(bc)]) == 0
    assert "bitcode" in capsys.readouterr().err
    assert bc.read_bytes()[:4] == b"BC\xc0\xde"
    assert cli.main(["run", str(bc), "--shots", "300", "--seed", "2", "--json"]) == 0
    counts = {tuple(r["value"]): r["count"] for r in json.loads(capsys.readouterr().out)["counts"]}
    assert counts == hr.from_qir(bc).run(shots=300, seed=2).counts()
    assert max(n for n, _ in counts) <= 4


# ---------------------------------------------------------------- targets


def test_targets_table_and_json() -> None:
    table = hybridrt("targets")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["target", "provider", "profile", "qubits", "gates"]
    assert len(lines) == 1 + len(targets())
    for t, line in zip(targets(), lines[1:]):
        cells = line.split()
        assert cells[:4] == [t.id, t.provider, t.profile, str(t.num_qubits)]
        assert set(cells[4:]) == set(t.gates)

    out = hybridrt("targets", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert [d["id"] for d in doc] == [t.id for t in targets()]
    for d, t in zip(doc, targets()):
        assert (d["provider"], d["profile"], d["qubits"], d["qir_version"]) == \
            (t.provider, t.profile, t.num_qubits, t.qir_version)
        assert set(d["gates"]) == set(t.gates)


# ---------------------------------------------------------------- errors


def test_compile_error_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "broken_kernel.py"
    f.write_text("import hybridrt as hr\nfrom hybridrt import qubit, h, mz\n\n\n@hr.kernel\n"
                 "def broken() -> bool:\n    q = qubit()\n    h(q)\n    d = {1: 2}\n    return mz(q)\n")
    out = hybridrt("run", f.name, cwd=tmp_path)
    assert out.returncode == 1
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("hybridrt: error: ")
    assert f"broken_kernel.py:{line_of(f, 'd = {1: 2}')}:" in out.stderr


def test_unknown_target_lists_close_matches() -> None:
    out = hybridrt("qir", RUS_BOUNDED, "--target", "quantinuum.sim.h2-1x")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "unknown target 'quantinuum.sim.h2-1x'" in out.stderr
    assert "did you mean 'quantinuum.sim.h2-1e'" in out.stderr and "`hybridrt targets` lists them" in out.stderr


def test_missing_file(tmp_path: Path) -> None:
    out = hybridrt("run", tmp_path / "nope.py")
    assert out.returncode == 1
    assert out.stderr == f"hybridrt: error: {tmp_path / 'nope.py'}: no such file\n"


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["run", RUS.as_posix(), "--shots", "0"], ["run", RUS.as_posix(), "--args", "{"],
                 ["run", RUS.as_posix(), "--args", "3"], ["qir", RUS.as_posix(), "--target", "x", "--profile", "base"],
                 ["frobnicate"], []):
        with pytest.raises(SystemExit) as e:
            cli.main(argv)
        assert e.value.code == 2, argv
        assert "usage: hybridrt" in capsys.readouterr().err


def error_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("hybridrt: error: ") and "Traceback" not in captured.err
    return captured.err


QSHARP = """operation Main() : (Result, Result) {
    use (a, b) = (Qubit(), Qubit());
    H(a);
    CNOT(a, b);
    (MResetZ(a), MResetZ(b))
}

operation Flips(n : Int) : Int {
    use q = Qubit();
    mutable k = 0;
    for _ in 1..n {
        H(q);
        if MResetZ(q) == One {
            set k += 1;
        }
    }
    k
}
"""

QASM = """OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
h q[0];
cx q[0], q[1];
c = measure q;
"""


def has(module: str, name: str) -> bool:
    """Whether ``hybridrt.<module>`` provides ``name`` (the Q# and Qiskit interop land separately)."""
    return hasattr(importlib.import_module(f"hybridrt.{module}"), name)


def test_run_a_qsharp_file(tmp_path: Path) -> None:
    qs = tmp_path / "prog.qs"
    qs.write_text(QSHARP)
    main = hybridrt("run", qs, "--shots", 400, "--seed", 6, "--json", script=True)
    flips = hybridrt("run", f"{qs}:Flips(3)", "--shots", 300, "--seed", 2)
    if not has("qsharp", "from_qsharp"):
        for out in (main, flips):
            assert out.returncode == 1 and "Traceback" not in out.stderr and "from_qsharp" in out.stderr
        return
    from hybridrt.qsharp import from_qsharp

    assert main.returncode == 0, main.stderr
    doc = json.loads(main.stdout)
    expected = from_qsharp(qs).run(shots=400, seed=6).counts()
    assert {tuple(r["value"]): r["count"] for r in doc["counts"]} == expected
    assert set(expected) == {(False, False), (True, True)}
    assert flips.returncode == 0, flips.stderr
    assert {v: c for v, (c, _) in table_rows(flips.stdout).items()} == \
        from_qsharp(qs, entry="Flips(3)").run(shots=300, seed=2).counts()


def test_qsharp_errors_name_the_file(tmp_path: Path) -> None:
    qs = tmp_path / "broken.qs"
    qs.write_text("operation Main() : Result {\n    use q = Qubit();\n    H(q);\n    MResetZ(r)\n}\n")
    out = hybridrt("run", qs)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.startswith("hybridrt: error: ") and "Traceback" not in out.stderr
    if has("qsharp", "from_qsharp"):
        assert "broken.qs:4:" in out.stderr  # the undefined name, on line 4
    empty = tmp_path / "empty.qs"
    empty.write_text("// nothing to run\n")
    out = hybridrt("run", empty)
    assert out.returncode == 1 and "Traceback" not in out.stderr and str(empty) in out.stderr


def test_run_an_openqasm_file(tmp_path: Path) -> None:
    f = tmp_path / "bell.qasm"
    f.write_text(QASM)
    out = hybridrt("run", f, "--shots", 500, "--seed", 9, "--json")
    if not has("qiskit", "from_qasm"):
        assert out.returncode == 1 and "Traceback" not in out.stderr and "from_qasm" in out.stderr
        return
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    expected = hr.from_qasm(f).run(shots=500, seed=9).counts()
    assert {r["value"]: r["count"] for r in doc["counts"]} == expected
    assert set(expected) == {"00", "11"}
    bad = tmp_path / "bad.qasm"
    bad.write_text(QASM.replace("cx q[0], q[1];", "cx q[0], q[7];"))
    out = hybridrt("run", bad)
    assert out.returncode == 1 and "Traceback" not in out.stderr and "bad.qasm" in out.stderr


# ---------------------------------------------------------------- plots and progress bars


def test_plot_writes_a_histogram(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from matplotlib.image import imread

    png = tmp_path / "counts.png"
    assert cli.main(["run", RUS.as_posix(), "--shots", "500", "--seed", "2", "--plot", str(png)]) == 0
    assert "rus() from" in capsys.readouterr().out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = imread(png)
    assert image.shape == (450, 800, 4) and image[..., :3].min() < 0.5  # 8 x 4.5 in at 100 dpi, something drawn
    svg = tmp_path / "counts.svg"
    assert cli.main(["run", RUS.as_posix(), "--shots", "500", "--seed", "2", "--plot", str(svg), "--json"]) == 0
    assert svg.read_text().lstrip().startswith("<?xml") and "probability" in svg.read_text()
    assert json.loads(capsys.readouterr().out)["shots"] == 500
    err = error_of(["run", RUS.as_posix(), "--plot", str(tmp_path / "missing" / "counts.png")], capsys)
    assert "cannot write the plot" in err


def test_progress_bar_when_forced() -> None:
    quiet = hybridrt("run", RUS, "--shots", 3000, "--seed", 4)
    loud = hybridrt("run", RUS, "--shots", 3000, "--seed", 4, "--progress")
    assert quiet.returncode == loud.returncode == 0
    assert quiet.stderr == "" and loud.stdout == quiet.stdout
    assert "100%" in loud.stderr and "3.00k/3.00k" in loud.stderr and "rus" in loud.stderr


def test_progress_bar_from_the_environment(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HYBRIDRT_PROGRESS", "1")
    assert cli.main(["run", RUS.as_posix(), "--shots", "100", "--seed", "4"]) == 0
    assert "100%" in capsys.readouterr().err
    assert cli.main(["run", RUS.as_posix(), "--shots", "100", "--seed", "4", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("HYBRIDRT_PROGRESS", "0")
    assert cli.main(["run", RUS.as_posix(), "--shots", "100", "--seed", "4"]) == 0
    assert capsys.readouterr().err == ""


def test_progress_bar_on_a_terminal_for_long_runs_only(tmp_path: Path) -> None:
    """stderr a terminal (a pseudo-terminal here): a bar for a large register, none for a short run."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    wide = tmp_path / "wide.py"
    wide.write_text("import hybridrt as hr\nfrom hybridrt import qubits, h, mz\n\n\n@hr.kernel\n"
                    "def wide() -> bool:\n    q = qubits(22)\n    h(q[0])\n    return mz(q[0])\n")

    def stderr_on_a_tty(path: Path) -> str:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
        env = {k: v for k, v in os.environ.items() if k != "HYBRIDRT_PROGRESS"}
        proc = subprocess.Popen([sys.executable, "-m", "hybridrt", "run", str(path), "--shots", "50", "--seed", "1"],
                                stdout=subprocess.PIPE, stderr=slave, env=env)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        os.close(master)
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0 and out.decode().count("\n") >= 3
        return b"".join(chunks).decode(errors="replace")

    assert "100%" in stderr_on_a_tty(wide)
    assert "%" not in stderr_on_a_tty(RUS)


def test_file_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "is a directory" in error_of(["run", str(tmp_path)], capsys)
    (tmp_path / "notes.txt").write_text("hello\n")
    assert "cannot run a .txt file" in error_of(["run", str(tmp_path / "notes.txt")], capsys)
    (tmp_path / "syntax.py").write_text("x = 1\ndef f(:\n")
    assert f"{tmp_path / 'syntax.py'}:2:" in error_of(["run", str(tmp_path / "syntax.py")], capsys)
    (tmp_path / "raises.py").write_text("import hybridrt\n\nraise RuntimeError('no device')\n")
    err = error_of(["run", str(tmp_path / "raises.py")], capsys)
    assert "raises.py:3: RuntimeError while importing" in err and "no device" in err
    (tmp_path / "empty.py").write_text("import hybridrt\n")
    assert "no kernel in this file" in error_of(["run", str(tmp_path / "empty.py")], capsys)
    (tmp_path / "bad.ll").write_text("this is not LLVM\n")
    assert "invalid QIR text" in error_of(["run", str(tmp_path / "bad.ll")], capsys)


def test_kernel_choice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "several.py"
    f.write_text("import hybridrt as hr\nfrom hybridrt import qubit, h, mz\n\n\n@hr.kernel\ndef coin() -> bool:\n"
                 "    q = qubit()\n    h(q)\n    return mz(q)\n\n\n@hr.kernel\ndef ratio(k: int) -> int:\n"
                 "    q = qubit()\n    h(q)\n    return 6 // (k - int(mz(q)))\n")
    err = error_of(["run", str(f)], capsys)
    assert "has 2 kernels (coin, ratio)" in err and "several.py:KERNEL" in err
    err = error_of(["run", f"{f}:nothing"], capsys)
    assert "'nothing' is not defined" in err and "coin, ratio" in err
    err = error_of(["run", f"{f}:hr"], capsys)
    assert "'hr' is not a kernel" in err
    err = error_of(["run", f"{f}:ratio"], capsys)
    assert "missing a required argument: 'k'" in err and "--args" in err
    err = error_of(["run", f"{f}:ratio", "--args", "[\"two\"]"], capsys)
    assert "argument 'k' must be int" in err
    err = error_of(["run", f"{f}:ratio", "--args", "[1]", "--shots", "50", "--seed", "4"], capsys)  # 6 // 0
    assert f"several.py:{line_of(f, 'return 6 //')}:" in err and "division by zero" in err
    assert cli.main(["run", f"{f}:coin", "--shots", "10", "--seed", "4"]) == 0
    assert "coin() from" in capsys.readouterr().out


def test_traceback_flag_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", str(tmp_path / "nope.py"), "--traceback"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().endswith("no such file")
