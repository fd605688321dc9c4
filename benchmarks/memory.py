"""Peak memory of a large kernel against the size of its state: does hybridrt make hidden copies?

    python benchmarks/memory.py [--qubits 26] [--no-aer]

Each case runs in a fresh child process.  The child imports hybridrt and runs a tiny kernel that
exercises the same engine paths (gates, a mid-circuit measurement with feedback, terminal
sampling), so Numba's compiled code is loaded; it compiles the large kernel (frontend and bytecode)
and reads its peak resident set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) as the
baseline.  Then it runs the large kernel (``CASES`` gives the shots) and reads the peak again.  Reported: the
difference, and its ratio to one statevector (``2**n * 16`` bytes: 1 GiB at 26 qubits).

Cases (``n`` qubits):

- ``terminal``: h on every qubit, a ladder of cx, rz and ry on every qubit, all qubits measured at
  the end (hybridrt samples the shots from the one final state);
- ``midcircuit``: the same gates, then qubit 0 measured mid-circuit, an x on qubit 1 if it read 1,
  a second round of the gates, all measured (branching: one state copy when both outcomes occur);
- ``midcircuit trajectories``: the same kernel with ``strategy="trajectories"``;
- ``aer terminal`` / ``aer midcircuit``: the same circuits on Qiskit Aer (``AerSimulator()``, its
  default method and fusion), with a tiny Aer circuit as its baseline, for comparison.

Run it with a warm Numba cache (any earlier hybridrt run) on an otherwise idle machine: a cold
cache adds the JIT compiler's own memory to the peak.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KERNELS = '''\
import hybridrt as hr
from hybridrt import qubits, h, cx, rz, ry, x, mz

N = {n}


@hr.kernel
def tiny() -> tuple[bool, list[bool]]:
    q = qubits(3)
    h(q[0])
    cx(q[0], q[1])
    m = mz(q[0])
    if m:
        x(q[2])
    ry(0.3, q[1])
    return m, mz(q)


@hr.kernel
def terminal() -> list[bool]:
    q = qubits(N)
    for i in range(N):
        h(q[i])
    for i in range(N - 1):
        cx(q[i], q[i + 1])
    for i in range(N):
        rz(0.1 * i, q[i])
        ry(0.2 + 0.05 * i, q[i])
    return mz(q)


@hr.kernel
def midcircuit() -> tuple[bool, list[bool]]:
    q = qubits(N)
    for i in range(N):
        h(q[i])
    for i in range(N - 1):
        cx(q[i], q[i + 1])
    for i in range(N):
        rz(0.1 * i, q[i])
        ry(0.2 + 0.05 * i, q[i])
    m = mz(q[0])
    if m:
        x(q[1])
    for i in range(N - 1):
        cx(q[i], q[i + 1])
    for i in range(N):
        ry(0.3 + 0.05 * i, q[i])
    return m, mz(q)
'''

CHILD = '''\
import json, resource, sys, time
sys.path.insert(0, {folder!r})
case, strategy, shots = sys.argv[1], sys.argv[2], int(sys.argv[3])


def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


if case.startswith("aer"):
    import numpy as np
    from qiskit import QuantumCircuit
    from qiskit_aer import AerSimulator

    def circuit(n, mid):
        qc = QuantumCircuit(n, n + 1)
        qc.h(range(n))
        for i in range(n - 1):
            qc.cx(i, i + 1)
        for i in range(n):
            qc.rz(0.1 * i, i)
            qc.ry(0.2 + 0.05 * i, i)
        if mid:
            qc.measure(0, n)
            with qc.if_test((qc.clbits[n], 1)):
                qc.x(1)
            for i in range(n - 1):
                qc.cx(i, i + 1)
            for i in range(n):
                qc.ry(0.3 + 0.05 * i, i)
        qc.measure(range(n), range(n))
        return qc

    sim = AerSimulator()
    sim.run(circuit(3, True), shots=100, seed_simulator=1).result()
    big = circuit({n}, case.endswith("midcircuit"))
    base = peak()
    t = time.perf_counter()
    res = sim.run(big, shots=shots, seed_simulator=1).result()
    secs = time.perf_counter() - t
    assert res.success, res.status
    extra = {{"aer_method": res.results[0].metadata.get("method")}}
else:
    import kernels_under_test as kt

    kt.tiny.run(shots=100, seed=1)
    kt.tiny.run(shots=100, seed=1, strategy="trajectories")
    k = getattr(kt, case)
    k.compile()
    base = peak()
    t = time.perf_counter()
    res = k.run(shots=shots, seed=1, strategy=strategy)
    secs = time.perf_counter() - t
    assert len(res.values) == shots
    extra = {{}}
print(json.dumps(dict(baseline=base, peak=peak(), seconds=secs, **extra)))
'''

# (label, case, strategy, shots).  Shot-by-shot simulation (hybridrt's trajectories, Aer with a
# mid-circuit measurement) holds the same states whatever the shot count, so those run 4 shots:
# enough for Aer to run shots in parallel (one state each) as it does for 100.
CASES = [("terminal", "terminal", "branching", 100), ("midcircuit", "midcircuit", "branching", 100),
         ("midcircuit trajectories", "midcircuit", "trajectories", 4),
         ("aer terminal", "aer-terminal", "-", 100), ("aer midcircuit", "aer-midcircuit", "-", 4)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, default=26)
    parser.add_argument("--no-aer", action="store_true", help="skip the Qiskit Aer comparison")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (the smallest peak is reported)")
    opts = parser.parse_args()
    n = opts.qubits
    state = 16 << n
    print(f"load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}; "
          f"one {n}-qubit state = {state / 2**20:.0f} MiB", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "kernels_under_test.py").write_text(KERNELS.format(n=n))
        (Path(tmp) / "child.py").write_text(CHILD.format(folder=tmp, n=n))
        for label, case, strategy, shots in CASES:
            if opts.no_aer and case.startswith("aer"):
                continue
            runs = []
            for _ in range(opts.repeat):
                out = subprocess.run([sys.executable, str(Path(tmp) / "child.py"), case, strategy, str(shots)],
                                     check=True,
                                     capture_output=True, text=True, env=dict(os.environ)).stdout
                runs.append(json.loads(out.strip().splitlines()[-1]))
            r = min(runs, key=lambda r: r["peak"] - r["baseline"])
            extra = r["peak"] - r["baseline"]
            rows.append(dict(case=label, qubits=n, shots=shots, extra_bytes=extra, ratio=extra / state,
                             seconds=min(x["seconds"] for x in runs),
                             baseline_bytes=r["baseline"], **{k: v for k, v in r.items() if k.startswith("aer")}))
            print(f"{label:24s} {shots:3d} shots: peak - baseline {extra / 2**20:8.0f} MiB = "
                  f"{extra / state:5.2f} x state   (baseline {r['baseline'] / 2**20:.0f} MiB, run {rows[-1]['seconds']:.1f} s)", flush=True)
    print(json.dumps({"time": time.strftime("%Y-%m-%d %H:%M"), "state_bytes": state, "rows": rows}))


if __name__ == "__main__":
    main()
