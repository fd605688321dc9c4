"""Random-walk (Bayesian) phase estimation: the posterior mean updated with floats inside the kernel.

Each iteration applies the controlled power U^M next to 1/sigma with a rotation
computed from the current mean mu, measures the ancilla, and moves mu down or up
by the exact posterior step (Granade and Wiebe, arXiv:2208.04526); sigma shrinks
on a fixed schedule.  mu is a float computed in the kernel: it runs on QIR
Adaptive_RIF targets (quantinuum.sim.helios-1e), not on Adaptive_RI ones.

Run:     python examples/random_walk_phase_estimation.py
         python examples/random_walk_phase_estimation.py --iterations 40 --shots 2000 --plot rwpe.png
Export:  python examples/random_walk_phase_estimation.py --qir quantinuum.sim.helios-1e > rwpe.ll
"""

from __future__ import annotations

from pe_demo import PHASE, example_unitary, parser, print_qir, report, sweep_figure

from hybridrt.algorithms import phase_estimation as pe


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__, shots=2000)
    p.add_argument("--phase", type=float, default=PHASE, help="the eigenphase to recover, in turns (default 1/π)")
    p.add_argument("--iterations", type=int, default=24, help="iterations per shot (default 24)")
    args = p.parse_args(argv)
    unitary, eigenstate = example_unitary(args.phase)
    if args.qir:
        return print_qir(pe.random_walk_kernel(unitary, eigenstate, iterations=args.iterations, num_qubits=2),
                         args.qir)
    est = pe.random_walk(unitary, eigenstate, iterations=args.iterations, shots=args.shots, seed=args.seed,
                         num_qubits=2)
    print(f"{report(est, args.phase)}; final posterior width {est.resolution:.2e}, "
          f"{est.outliers:.1%} of shots set aside as outliers")
    if args.plot:
        sweep_figure(args.plot, est, args.phase, sorted({max(1, args.iterations * k // 8) for k in range(1, 9)}),
                     lambda n: pe.random_walk(unitary, eigenstate, iterations=n, shots=args.shots, seed=args.seed,
                                              num_qubits=2),
                     ("random-walk phase estimation", "iterations"), ("posterior width", lambda r, n: r.resolution))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
