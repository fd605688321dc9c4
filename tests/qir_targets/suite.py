"""Kernels for the QIR lowering tests: feedback, loops, reuse and a repetition code, each with the profiles it fits."""

from __future__ import annotations

import math

import hybridrt as hr
from hybridrt import ccx, ch, cp, crx, crz, cswap, cx, cy, h, mz, qubit, qubits, reset, rx, ry, rz, s, swap, u, x, z


@hr.kernel
def teleport(theta: float) -> tuple[bool, bool, bool]:
    msg, a, b = qubits(3)
    ry(theta, msg)
    h(a)
    cx(a, b)
    cx(msg, a)
    h(msg)
    m1 = mz(msg)
    m2 = mz(a)
    if m2:
        x(b)
    if m1:
        z(b)
    ry(-theta, b)  # undo the state: b always measures False
    return m1, m2, mz(b)


@hr.kernel
def rus_unbounded() -> tuple[int, bool]:
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


@hr.kernel
def rus_bounded(limit: int) -> tuple[int, bool]:
    a, t = qubits(2)
    n = 0
    done = False
    while not done and n < limit:
        h(a)
        cx(a, t)
        done = mz(a)
        reset(a)
        n += 1
    return n, mz(t)


@hr.kernel
def reset_reuse(theta: float) -> tuple[bool, bool, bool, int]:
    q, anc = qubits(2)
    ry(theta, q)
    m1 = mz(q)
    if m1:
        x(q)  # active reset
    ry(theta, q)
    m2 = mz(q)
    reset(q)
    h(q)
    cx(q, anc)
    agree = mz(q) == mz(anc)
    reset(q)
    reset(anc)
    count = 0
    for _ in range(3):
        h(q)
        if mz(q):
            count += 1
        reset(q)
    return m1, m2, agree, count


@hr.kernel
def int_feedback() -> tuple[int, bool]:
    q = qubits(3)
    t = qubit()
    for i in range(3):
        h(q[i])
    c = 0
    for i in range(3):
        if mz(q[i]):
            c += 1 << i
    if c % 3 == 0:
        x(t)
    elif c > 4:
        h(t)
    return c, mz(t)


@hr.kernel
def float_feedback() -> tuple[bool, bool, float]:
    a, t = qubits(2)
    h(a)
    k = int(mz(a))
    angle = 0.25 * math.pi * (1 + 2 * k)
    ry(angle, t)
    return k == 1, mz(t), angle


@hr.kernel
def nested_branches() -> tuple[int, bool]:
    a, b, c = qubits(3)
    h(a)
    h(b)
    r = 0
    if mz(a):
        if mz(b):
            x(c)
            r = 3
        else:
            r = 2
    else:
        ry(1.0, c)
        if mz(b):
            r = 1
            if mz(c):
                r = 5
    return r, mz(c)


@hr.kernel
def bounded_loop(rounds: int) -> tuple[int, int]:
    q = qubit()
    ones = 0
    flips = 0
    for i in range(rounds):
        ry(0.4 * (i + 1), q)
        if mz(q):
            ones += 1
            if i % 2 == 0:
                x(q)
                flips += 1
    return ones, flips


@hr.kernel
def unbounded_loop() -> int:
    q = qubit()
    n = 0
    prev = False
    while True:
        h(q)
        m = mz(q)
        reset(q)
        n += 1
        if m and prev:
            break
        prev = m
    return n


@hr.kernel
def repetition_code(error: float) -> tuple[int, list[bool]]:
    d = qubits(3)
    anc = qubits(2)
    x(d[0])
    x(d[1])
    x(d[2])
    history = 0
    for rnd in range(3):
        rx(error, d[rnd])  # a coherent error on one data qubit per round
        cx(d[0], anc[0])
        cx(d[1], anc[0])
        cx(d[1], anc[1])
        cx(d[2], anc[1])
        s0 = mz(anc[0])
        s1 = mz(anc[1])
        reset(anc[0])
        reset(anc[1])
        syndrome = int(s0) + 2 * int(s1)
        history = history * 4 + syndrome
        if syndrome == 1:
            x(d[0])
        elif syndrome == 3:
            x(d[1])
        elif syndrome == 2:
            x(d[2])
    return history, mz(d)


@hr.kernel
def ghz(n: int, theta: float) -> list[bool]:
    q = qubits(5)
    h(q[0])
    for i in range(n - 1):
        cx(q[i], q[i + 1])
    rz(theta, q[0])
    return mz(q)


@hr.kernel
def many_gates(a: float, b: float) -> list[bool]:
    q = qubits(3)
    h(q[0])
    u(a, b, 0.3, q[1])
    ch(q[0], q[2])
    crz(a, q[1], q[2])
    cp(b, q[0], q[1])
    crx(0.7, q[2], q[0])
    cy(q[1], q[0])
    cswap(q[0], q[1], q[2])
    ccx(q[2], q[1], q[0])
    swap(q[0], q[2])
    s(q[1])
    rx(b, q[2])
    return mz(q)


@hr.kernel
def early_return() -> int:
    a, b = qubits(2)
    h(a)
    if mz(a):
        return 1
    h(b)
    if mz(b):
        return 2
    return 3


@hr.kernel
def bool_logic() -> tuple[bool, bool, bool, bool]:
    q = qubits(3)
    for i in range(3):
        h(q[i])
    a = mz(q[0])
    b = mz(q[1])
    c = mz(q[2])
    return (a and b) or c, a != b, not (a ^ c), a or not b


@hr.kernel
def int_arith() -> tuple[int, int, int, int, int, int]:
    q = qubits(4)
    v = 0
    for i in range(4):
        ry(1.1 + 0.3 * i, q[i])
        if mz(q[i]):
            v |= 1 << i
    w = 5 - v
    return w // 3, w % 3, min(v, 7) - max(v, 9), (v << 2) >> 1, abs(w) * 2 ** 3, -w // 4


@hr.kernel
def float_arith() -> tuple[float, int, int, bool]:
    q = qubits(2)
    h(q[0])
    h(q[1])
    v = int(mz(q[0])) + 2 * int(mz(q[1]))
    f = v * 0.75 - 1.1
    return f, math.floor(f), math.ceil(f), f > 0.5


@hr.kernel
def phase_estimation(phi: float) -> int:
    a, t = qubits(2)
    x(t)
    bits = 0
    for k in range(3):
        power = 2 ** (2 - k)
        h(a)
        cp(2 * math.pi * phi * power, a, t)
        rz(-math.pi * bits / 2 ** k, a)  # feedback angle from the bits measured so far
        h(a)
        if mz(a):
            bits += 1 << k
        reset(a)
    return bits


@hr.kernel
def list_argument(angles: list[float]) -> tuple[list[bool], int]:
    q = qubits(3)
    for i in range(3):
        ry(angles[i], q[i])
    out = mz(q)
    n = 0
    for i in range(3):
        if out[i]:
            n += i + 1
    return out, n


#: (kernel, arguments, profiles it should lower to)
RI, RIF, AD, BASE = "Adaptive_RI", "Adaptive_RIF", "Adaptive", "Base"
CASES: list[tuple[hr.Kernel, tuple[object, ...], tuple[str, ...]]] = [
    (teleport, (1.1,), (RI, AD)),
    (rus_unbounded, (), (AD,)),
    (rus_bounded, (5,), (RI, AD)),
    (reset_reuse, (2.0,), (RI, AD)),
    (int_feedback, (), (RI, AD)),
    (float_feedback, (), (RIF, AD)),
    (nested_branches, (), (RI, AD)),
    (bounded_loop, (5,), (RI, AD)),
    (unbounded_loop, (), (AD,)),
    (repetition_code, (0.6,), (RI, AD)),
    (ghz, (5, 0.3), (BASE, RI)),
    (many_gates, (0.4, 1.3), (BASE, AD)),
    (early_return, (), (RI, AD)),
    (bool_logic, (), (RI, AD)),
    (int_arith, (), (RI, AD)),
    (float_arith, (), (RIF, AD)),
    (phase_estimation, (0.375,), (RIF, AD)),
    (list_argument, ([0.3, 1.4, 2.5],), (RI, AD)),
]
