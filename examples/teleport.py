"""Teleportation with mid-circuit measurement and classical feedback.

Run:  python examples/teleport.py
"""

import math

import hybridrt as hr
from hybridrt import cx, h, mz, qubits, ry, rz, x, z


@hr.kernel
def teleport(theta: float, phi: float) -> bool:
    src, a, b = qubits(3)
    ry(theta, src)          # the state to send
    rz(phi, src)
    h(a)                    # a Bell pair between a and b
    cx(a, b)
    cx(src, a)              # Bell measurement of (src, a)
    h(src)
    if mz(a):
        x(b)
    if mz(src):
        z(b)
    rz(-phi, b)             # undo the preparation on b: it must read 0
    ry(-theta, b)
    return mz(b)


if __name__ == "__main__":
    res = teleport.run(math.pi / 3, 0.7, shots=5000, seed=7)
    print("counts (all False means the state arrived intact):", res.counts())
