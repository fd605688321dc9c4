"""Iterative phase estimation of a two-qubit unitary: the estimate against the exact phase, error vs bits.

One ancilla is measured and reset each round; the rotation that removes the bits
already known is applied in the kernel from the earlier outcomes (integer-only, so
the kernel runs on Quantinuum H2 via QIR Adaptive_RI; --floats computes it as a
float, for Adaptive_RIF targets).  The unitary is U = W·cp(2π·phase)·W† on two
qubits; its controlled powers are built automatically.

Run:     python examples/iterative_phase_estimation.py
         python examples/iterative_phase_estimation.py --bits 10 --shots 2000 --plot ipe.png
         python examples/iterative_phase_estimation.py --bits 8 --votes 3      # majority of 3 per bit
Export:  python examples/iterative_phase_estimation.py --qir quantinuum.sim.h2-1e > ipe.ll
"""

from __future__ import annotations

from pe_demo import PHASE, example_unitary, parser, print_qir, report, sweep_figure

from hybridrt.algorithms import phase_estimation as pe


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__, shots=2000)
    p.add_argument("--phase", type=float, default=PHASE, help="the eigenphase to recover, in turns (default 1/π)")
    p.add_argument("--bits", type=int, default=10, help="bits of the estimate (default 10)")
    p.add_argument("--votes", type=int, default=1, help="measurements per bit, decided by majority (default 1)")
    p.add_argument("--floats", action="store_true", help="compute the feedback angle as a float in the kernel")
    args = p.parse_args(argv)
    unitary, eigenstate = example_unitary(args.phase)
    options = {"num_qubits": 2, "votes": args.votes, "floats": args.floats}
    if args.qir:
        return print_qir(pe.iterative_kernel(unitary, eigenstate, bits=args.bits, **options), args.qir)
    est = pe.iterative(unitary, eigenstate, bits=args.bits, shots=args.shots, seed=args.seed, **options)
    print(f"{report(est, args.phase)}; one step 2^-{args.bits} = {2.0 ** -args.bits:.2e}")
    top = sorted(est.histogram().items(), key=lambda kv: -kv[1])[:4]
    print("most frequent outcomes:", ", ".join(f"{v:.6f} ({c / args.shots:.1%})" for v, c in top))
    if args.plot:
        sweep_figure(args.plot, est, args.phase, list(range(1, args.bits + 1)),
                     lambda b: pe.iterative(unitary, eigenstate, bits=b, shots=args.shots, seed=args.seed, **options),
                     ("iterative phase estimation", "bits"), ("2^-bits", lambda r, b: 2.0**-b))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
