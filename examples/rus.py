"""Repeat-until-success: flip a coin qubit until it reads 1, reusing it after a reset.

Run:  python examples/rus.py
"""

import hybridrt as hr
from hybridrt import h, mz, qubits, reset, x


@hr.kernel
def rus() -> tuple[int, bool]:
    a, t = qubits(2)
    n = 0
    done = False
    while not done:
        h(a)
        done = mz(a)
        reset(a)
        n += 1
    x(t)
    return n, mz(t)


if __name__ == "__main__":
    print("one shot:", rus())
    res = rus.run(shots=10_000, seed=1)
    print("first five shots:", res.values[:5])
    print("attempts needed (count):")
    for (n, flag), count in sorted(res.counts().items()):
        print(f"  {n:3d}  {count:6d}  {'#' * (count // 100)}")
    mean = sum(n for n, _ in res.values) / len(res)
    print(f"mean attempts: {mean:.3f} (exact: 2)")
