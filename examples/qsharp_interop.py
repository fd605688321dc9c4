"""Q# interop: run a Q# program on hybridrt's engine, call Q# operations from a kernel, write a kernel as Q#.

Run:  python examples/qsharp_interop.py      (needs the qdk package)
"""

from pathlib import Path

import hybridrt as hr
from hybridrt import h, mz, qubit, qubits, reset, x

# 1. A Q# program (a .qs file, Q# text, or a folder with qsharp.json) as a kernel
rus = hr.from_qsharp(Path(__file__).with_name("repeat_until_success.qs"))
print("Q# repeat-until-success on the engine:", rus.run(shots=1000, seed=1).counts())

# 2. Q# operations inside a kernel, on the kernel's own qubits
qft = hr.qsharp.operation("Std.Canon.ApplyQFT")
iqft = hr.qsharp.operation("Adjoint Std.Canon.ApplyQFT")


@hr.kernel
def fourier_round_trip() -> list[bool]:
    q = qubits(4)
    x(q[0])
    h(q[3])
    qft(q)
    iqft(q)
    h(q[3])
    return mz(q)


print("QFT then its adjoint:", dict(fourier_round_trip.distribution()))

# 3. A kernel as Q# source that a Q# project can include (qdk compiles it back to the same distribution)
@hr.kernel
def flips_until_heads() -> int:
    q = qubit()
    n = 1
    h(q)
    while not mz(q):
        reset(q)
        h(q)
        n += 1
    return n


print(flips_until_heads.to_qsharp())
back = hr.from_qsharp(flips_until_heads.to_qsharp(), entry="flips_until_heads()")
print("round trip:", {n: round(p, 6) for n, p in list(back.distribution().items())[:4]})
