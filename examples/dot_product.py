"""The inner product of two single-qubit states by iterative phase estimation (Microsoft's integrated-hybrid sample).

v = (cos θ₁/2, sin θ₁/2) and c = (cos θ₂/2, sin θ₂/2) are encoded on two qubits; an
oracle whose eigenphases are 1/2 ± arccos(<v|c>)/(2π) is estimated with n+1 bits, and
the outcome x gives <v|c> ≈ -cos(π·x/2^n) (see hybridrt.algorithms.inner_product).
For θ₁ = π/7, θ₂ = π/5, n = 4: x = 16 with probability 0.48, 15 and 17 with 0.19
each, as in the sample.  Only an int is computed in the kernel: it runs on Quantinuum
H2 through QIR Adaptive_RI.

Run:     python examples/dot_product.py
         python examples/dot_product.py --theta1 0.3 --theta2 2.1 --n 5 --plot dot.png
Export:  python examples/dot_product.py --qir quantinuum.sim.h2-1e > dot.ll
"""

from __future__ import annotations

import math

import numpy as np
from pe_demo import figure, parser, print_qir, save

from hybridrt.algorithms import inner_product
from hybridrt.algorithms import phase_estimation as pe


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__, shots=1000)
    p.add_argument("--theta1", type=float, default=math.pi / 7, help="angle of the first vector (default π/7)")
    p.add_argument("--theta2", type=float, default=math.pi / 5, help="angle of the second vector (default π/5)")
    p.add_argument("--n", type=int, default=4, help="precision: n+1 bits are measured (default 4)")
    args = p.parse_args(argv)
    oracle, prepare = inner_product.kernels(args.theta1, args.theta2)
    kernel = pe.iterative_kernel(oracle, prepare, bits=args.n + 1, num_qubits=2)
    if args.qir:
        return print_qir(kernel, args.qir)
    exact = kernel.distribution()
    res = kernel.run(shots=args.shots, seed=args.seed)
    counts = res.counts()
    print(f"{'x':>4} {'exact P(x)':>11} {'observed':>9}  -cos(πx/2^n)")
    for v, prob in sorted(exact.items()):
        if prob > 1e-3:
            print(f"{v:4d} {prob:11.4f} {counts.get(v, 0) / args.shots:9.4f}  {inner_product.from_outcome(v, args.n):+.4f}")
    best = max(counts, key=counts.__getitem__)
    print(f"inner product: the most frequent x = {best} gives {inner_product.from_outcome(best, args.n):.4f}, "
          f"exact {inner_product.exact(args.theta1, args.theta2):.4f} (resolution: x steps of π/2^n)")
    if args.plot:
        fig, (ax,) = figure(1)
        xs = np.arange(2 ** (args.n + 1))
        ax.bar(xs, [counts.get(int(v), 0) / args.shots for v in xs], label=f"observed ({args.shots} shots)")
        ax.plot(xs, [exact.get(int(v), 0.0) for v in xs], "o", color="C1", label="exact (kernel.distribution())")
        ax.set_xlabel(f"x ({args.n + 1} bits)")
        ax.set_ylabel("probability")
        ax.set_title(f"<v|c> by phase estimation, θ₁ = {args.theta1:.4f}, θ₂ = {args.theta2:.4f}")
        ax.legend()
        save(fig, args.plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
