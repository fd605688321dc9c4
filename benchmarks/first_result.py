"""Time to first result: wall time from process start to a small kernel's first ``Result``, in fresh processes.

    python benchmarks/first_result.py [--repeat N]

Numba's ``cache=True`` normally writes compiled code to ``__pycache__`` beside each source file
(``kernels/__pycache__``), falling back to a per-user directory; ``NUMBA_CACHE_DIR`` overrides both.
So a *cold* run points ``NUMBA_CACHE_DIR`` at a new empty directory (everything is JIT-compiled and
written there); a *warm* run reuses that directory, as every run after the first one does. Each
child also reports its own split: imports, then the first ``run`` (frontend, assembler, Numba).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CHILD = '''\
import json, time
t0 = time.perf_counter()
import hybridrt as hr
from hybridrt import qubits, h, cx, mz, reset
t1 = time.perf_counter()

@hr.kernel
def bell() -> tuple[bool, bool]:
    a, b = qubits(2)
    h(a)
    cx(a, b)
    r = mz(a)
    reset(a)
    return r, mz(b)

res = bell.run(shots=100, seed=1)
t2 = time.perf_counter()
assert len(res.values) == 100
print(json.dumps({"import_s": t1 - t0, "first_run_s": t2 - t1}))
'''


def wall(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds from spawning ``python args`` to its exit, and its stdout."""
    t = time.perf_counter()
    out = subprocess.run([sys.executable, *args], env=env, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per warm measurement (fastest reported: other load only adds time)")
    parser.add_argument("--cold", type=int, default=1, help="cold runs (each compiles everything: ~40 s)")
    opts = parser.parse_args()
    rows: list[tuple[str, float, str]] = []

    def measure(label: str, make: Callable[[], tuple[float, str]], repeat: int = opts.repeat) -> None:
        samples = [make() for _ in range(repeat)]
        secs = min(s for s, _ in samples)
        split = [json.loads(o) for _, o in samples if o.strip()]
        note = ", ".join(f"{k} {min(d[k] for d in split):.2f}s" for k in split[0]) if split else ""
        rows.append((label, secs, note))
        print(f"{label:44s} {secs:7.2f} s   {note}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "first_result_child.py"
        script.write_text(CHILD)
        env = dict(os.environ)
        measure("python -c pass", lambda: wall(["-c", "pass"], env))
        measure("import numpy, numba", lambda: wall(["-c", "import numpy, numba"], env))
        measure("import hybridrt", lambda: wall(["-c", "import hybridrt"], env))

        cache = Path(tmp) / "numba_cache"
        cold_dirs = iter(range(opts.cold))

        def cold() -> tuple[float, str]:
            d = cache / f"cold{next(cold_dirs)}"
            d.mkdir(parents=True)
            return wall([str(script)], dict(env, NUMBA_CACHE_DIR=str(d)))

        measure("first result, cold Numba cache", cold, opts.cold)
        measure("first result, warm Numba cache", lambda: wall([str(script)], dict(env, NUMBA_CACHE_DIR=str(cache / "cold0"))))
    print(json.dumps({"nproc": os.cpu_count(), "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE"),
                      "results_s": {r[0]: round(r[1], 3) for r in rows}}))


if __name__ == "__main__":
    main()
