"""Benchmark plumbing: collect ``bench_*.py``, load generated kernels, print per-unit times and ratios to hybridrt."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import pytest

# (group, implementation) -> (best seconds per unit, unit); filled by record(), printed at the end.
# The minimum, not the median: on a shared machine other processes only ever add time.
_RESULTS: dict[tuple[str, str], tuple[float, str]] = {}


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    """pyproject's python_files is the default test_*.py; benchmark files are named bench_*.py."""
    if file_path.suffix == ".py" and file_path.name.startswith("bench_") and not parent.session.isinitpath(file_path):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def pytest_report_header() -> str:
    """The machine, and how busy it is: other processes on the cores skew every number."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?") if Path("/proc/cpuinfo").exists() else "?"
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else "?"
    return f"machine: {os.cpu_count()} CPUs, {model}; load average {' '.join(load)} (should be ~0 before a run)"


def load_kernel(source: str, name: str, directory: Path) -> Any:
    """Import generated kernel source from a real file (the frontend reads it with inspect.getsource)."""
    path = directory / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"_hybridrt_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return getattr(module, name)


def record(benchmark: Any, impl: str, units: float = 1, unit: str = "run") -> None:
    """Remember the best time per ``unit`` of the benchmark just run (one call = ``units`` units)."""
    if benchmark.stats is None:  # --benchmark-disable
        return
    per = benchmark.stats.stats.min / units
    benchmark.extra_info[f"min_per_{unit}_s"] = per
    _RESULTS[(benchmark.group, impl)] = (per, unit)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _RESULTS:
        return
    tr = terminalreporter
    tr.section("hybridrt vs reference (min time per unit; ratio = hybridrt / this)")
    for group in sorted({g for g, _ in _RESULTS}, key=str):
        ours = _RESULTS.get((group, "hybridrt"))
        for (g, impl), (per, unit) in _RESULTS.items():
            if g != group:
                continue
            ratio = f"{ours[0] / per:8.3g}" if ours and impl != "hybridrt" else "        "
            tr.write_line(f"{group:20s} {impl:50s} {per * 1e6:12.1f} us/{unit:5s} {ratio}")
