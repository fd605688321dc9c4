"""The phase-estimation example scripts run from the shell, print estimate against exact, write figures, export QIR."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = {  # script -> small arguments for a quick run, what its report must contain
    "iterative_phase_estimation": (["--bits", "5", "--shots", "200"], "exact 0.31830989"),
    "random_walk_phase_estimation": (["--iterations", "8", "--shots", "200"], "exact 0.31830989"),
    "dot_product": (["--shots", "200"], "the most frequent x = 16 gives 1.0000, exact 0.9960"),
}


def script(name: str) -> ModuleType:
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    return importlib.import_module(name)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_runs_from_the_shell_and_writes_its_figure(name: str, tmp_path: Path) -> None:
    args, expected = SCRIPTS[name]
    figure = tmp_path / f"{name}.png"
    done = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), *args, "--plot", str(figure)],
                          check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout and f"figure written to {figure}" in done.stdout
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_runs_with_no_arguments(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert script(name).main([]) == 0
    assert SCRIPTS[name][1] in capsys.readouterr().out


@pytest.mark.parametrize("name, args, profile", [
    ("iterative_phase_estimation", ["--bits", "4", "--qir", "quantinuum.sim.h2-1e"], "Adaptive_RI"),
    ("iterative_phase_estimation", ["--bits", "4", "--floats", "--qir", "quantinuum.sim.helios-1e"], "Adaptive_RIF"),
    ("random_walk_phase_estimation", ["--iterations", "4", "--qir", "quantinuum.sim.helios-1e"], "Adaptive_RIF"),
    ("dot_product", ["--n", "2", "--qir", "quantinuum.sim.h2-1e"], "Adaptive_RI"),
])
def test_prints_qir_for_a_target(name: str, args: list[str], profile: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert script(name).main(args) == 0
    out = capsys.readouterr().out
    flags = {"Adaptive_RI": '!"int_computations"', "Adaptive_RIF": '!"float_computations"'}
    assert out.startswith("%Result = type opaque") and '"qir_profiles"="adaptive_profile"' in out
    assert flags[profile] in out and ("float_computations" in out) == (profile == "Adaptive_RIF")


def test_a_target_that_cannot_run_it_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert script("random_walk_phase_estimation").main(["--iterations", "3", "--qir", "quantinuum.sim.h2-1e"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "float_computations" in err and err.count("\n") == 1
