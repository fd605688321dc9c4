"""Repeat-until-success with a bounded number of attempts: a loop that Adaptive_RI targets can run.

examples/rus.py loops until the coin qubit reads 1, which needs the Adaptive profile's
backward branching.  Here the loop stops after at most ``max_tries`` attempts, so it
unrolls into forward branches: Quantinuum's H2 targets (Adaptive_RI) take it.

Run:      python examples/rus_bounded.py
          hybridrt run examples/rus_bounded.py --shots 1000 --seed 7
Export:   hybridrt qir examples/rus_bounded.py --target quantinuum.sim.h2-1e -o rus_bounded.ll
"""

import hybridrt as hr
from hybridrt import h, mz, qubits, reset, x


@hr.kernel
def rus_bounded(max_tries: int = 8) -> tuple[int, bool]:
    """Attempts used (1..max_tries) and whether an attempt succeeded (False: all max_tries failed)."""
    a, t = qubits(2)
    n = 0
    done = False
    for _ in range(max_tries):
        h(a)
        done = mz(a)
        reset(a)
        n += 1
        if done:
            break
    if done:
        x(t)
    return n, mz(t)


if __name__ == "__main__":
    res = rus_bounded.run(shots=10_000, seed=1)
    print("attempts needed (count):")
    for (n, ok), count in sorted(res.counts().items()):
        print(f"  {n:3d} {'ok    ' if ok else 'failed'}  {count:6d}  {'#' * (count // 100)}")
    qir = rus_bounded.to_qir(target="quantinuum.sim.h2-1e")
    print(f"QIR for quantinuum.sim.h2-1e: profile {qir.profile}, {qir.num_qubits} qubits, {qir.num_results} results")
