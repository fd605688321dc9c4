"""The resumable bytecode interpreter: runs one shot from a pc until a measurement, reset or the end."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .opcodes import (
    BRANCH,
    COPY_F,
    COPY_I,
    ERR_DOMAIN,
    ERR_INDEX,
    ERR_QUBIT_REUSE,
    ERR_STEPS,
    ERR_ZERO_DIVISION,
    F2B,
    F2I,
    FADD,
    FDIV,
    FEQ,
    FFLOORDIV,
    FGT,
    FLE,
    FLT,
    FMAX,
    FMIN,
    FMOD,
    FMUL,
    FN_ABS,
    FN_ACOS,
    FN_ACOSH,
    FN_ASIN,
    FN_ATAN,
    FN_ATANH,
    FN_COS,
    FN_COSH,
    FN_EXP,
    FN_LOG,
    FN_LOG2,
    FN_LOG10,
    FN_NEG,
    FN_SIN,
    FN_SINH,
    FN_SQRT,
    FN_TAN,
    FN_TANH,
    FNE,
    FPOW,
    FSUB,
    FUNARY,
    G_CCX,
    G_CSWAP,
    G_CX,
    GATE,
    HALT,
    I2B,
    I2F,
    IABS,
    IADD,
    IAND,
    IEQ,
    IFLOORDIV,
    IGT,
    ILE,
    ILT,
    IMAX,
    IMIN,
    IMOD,
    IMUL,
    INE,
    INEG,
    INVERT,
    IOR,
    IPOW,
    ISHL,
    ISUB,
    IXOR,
    JUMP,
    LOAD_F,
    LOAD_I,
    MEASURE,
    NOT,
    OK,
    OUT_F,
    OUT_I,
    PAUSE_MEASURE,
    PAUSE_RESET,
    QUBIT_AT,
    RESET,
    ROUND_CEIL,
    ROUND_FLOOR,
    STORE_F,
    STORE_I,
)
from .statevector import apply_gate


@njit(cache=True)
def _ipow(base, exp):
    result = 1
    while exp > 0:
        if exp & 1:
            result *= base
        base *= base
        exp >>= 1
    return result


@njit(cache=True)
def _fmod_py(a, b):
    r = np.fmod(a, b)
    if r != 0.0 and (r < 0.0) != (b < 0.0):
        r += b
    return r


@njit(cache=True)
def _ffloordiv_py(a, b):
    mod = np.fmod(a, b)
    div = (a - mod) / b
    if mod != 0.0 and (b < 0.0) != (mod < 0.0):
        div -= 1.0
    if div != 0.0:
        fl = math.floor(div)
        if div - fl > 0.5:
            fl += 1.0
        return fl
    return math.copysign(0.0, a / b)


@njit(cache=True)
def _funary(fn, x):
    """Apply FUNARY function ``fn``; returns (value, ok)."""
    if fn == FN_NEG:
        return -x, True
    if fn == FN_ABS:
        return abs(x), True
    if fn == FN_SQRT:
        return (math.sqrt(x), True) if x >= 0.0 else (0.0, False)
    if fn == FN_LOG or fn == FN_LOG2 or fn == FN_LOG10:
        if not x > 0.0:
            return 0.0, False
        if fn == FN_LOG:
            return math.log(x), True
        return (math.log2(x), True) if fn == FN_LOG2 else (math.log10(x), True)
    if fn == FN_ASIN or fn == FN_ACOS:
        if not -1.0 <= x <= 1.0:
            return 0.0, False
        return (math.asin(x), True) if fn == FN_ASIN else (math.acos(x), True)
    if fn == FN_ACOSH:
        return (math.acosh(x), True) if x >= 1.0 else (0.0, False)
    if fn == FN_ATANH:
        return (math.atanh(x), True) if -1.0 < x < 1.0 else (0.0, False)
    if fn == FN_SIN:
        r = math.sin(x)
    elif fn == FN_COS:
        r = math.cos(x)
    elif fn == FN_TAN:
        r = math.tan(x)
    elif fn == FN_ATAN:
        r = math.atan(x)
    elif fn == FN_EXP:
        r = math.exp(x)
    elif fn == FN_SINH:
        r = math.sinh(x)
    elif fn == FN_COSH:
        r = math.cosh(x)
    elif fn == FN_TANH:
        r = math.tanh(x)
    else:  # FN_ASINH
        r = math.asinh(x)
    if math.isinf(r) and not math.isinf(x):
        return 0.0, False  # overflow, as Python's OverflowError
    return r, True


@njit(cache=True)
def execute(code, ints, floats, state, out_i, out_f, pc, steps, max_steps):
    """Run from ``pc`` until HALT, a MEASURE/RESET (paused before it) or an error.

    Returns ``(status, pc, steps)``: status OK at HALT, PAUSE_MEASURE or PAUSE_RESET
    with ``pc`` at that instruction (the driver performs it and resumes at pc + 1),
    or an ERR_* code with ``pc`` at the failing instruction.
    """
    while True:
        if steps >= max_steps:
            return ERR_STEPS, pc, steps
        steps += 1
        op = code[pc, 0]
        a = code[pc, 1]
        b = code[pc, 2]
        c = code[pc, 3]
        if op == GATE:
            q0 = ints[b]
            q1 = ints[c]
            q2 = ints[code[pc, 4]]
            if a >= G_CX:  # two or more qubits: they must differ
                if q0 == q1 or ((a == G_CCX or a == G_CSWAP) and (q2 == q0 or q2 == q1)):
                    return ERR_QUBIT_REUSE, pc, steps
            apply_gate(state, a, q0, q1, q2, floats[code[pc, 5]], floats[code[pc, 6]], floats[code[pc, 7]])
        elif op == MEASURE:
            return PAUSE_MEASURE, pc, steps
        elif op == RESET:
            return PAUSE_RESET, pc, steps
        elif op == BRANCH:
            pc = b if ints[a] != 0 else c
            continue
        elif op == JUMP:
            pc = a
            continue
        elif op == COPY_I:
            ints[a] = ints[b]
        elif op == COPY_F:
            floats[a] = floats[b]
        elif op < 30:  # integer binary
            x = ints[b]
            y = ints[c]
            if op == IADD:
                r = x + y
            elif op == ISUB:
                r = x - y
            elif op == IMUL:
                r = x * y
            elif op == IFLOORDIV or op == IMOD:
                if y == 0:
                    return ERR_ZERO_DIVISION, pc, steps
                r = x // y if op == IFLOORDIV else x % y
            elif op == IPOW:
                if y < 0:
                    return ERR_DOMAIN, pc, steps
                r = _ipow(x, y)
            elif op == IMIN:
                r = min(x, y)
            elif op == IMAX:
                r = max(x, y)
            elif op == IAND:
                r = x & y
            elif op == IOR:
                r = x | y
            elif op == IXOR:
                r = x ^ y
            elif op == ISHL:
                if y < 0:
                    return ERR_DOMAIN, pc, steps
                r = x << y if y < 64 else 0
            else:  # ISHR
                if y < 0:
                    return ERR_DOMAIN, pc, steps
                r = x >> y if y < 64 else (-1 if x < 0 else 0)
            ints[a] = r
        elif op < 40:  # float binary
            x = floats[b]
            y = floats[c]
            if op == FADD:
                f = x + y
            elif op == FSUB:
                f = x - y
            elif op == FMUL:
                f = x * y
            elif op == FDIV or op == FFLOORDIV or op == FMOD:
                if y == 0.0:
                    return ERR_ZERO_DIVISION, pc, steps
                if op == FDIV:
                    f = x / y
                elif op == FMOD:
                    f = _fmod_py(x, y)
                else:
                    f = _ffloordiv_py(x, y)
            elif op == FPOW:
                if (x < 0.0 and y != math.floor(y)) or (x == 0.0 and y < 0.0):
                    return ERR_DOMAIN, pc, steps
                f = x ** y
            elif op == FMIN:
                f = min(x, y)
            elif op == FMAX:
                f = max(x, y)
            else:  # FATAN2
                f = math.atan2(x, y)
            floats[a] = f
        elif op < 50:  # integer comparison
            x = ints[b]
            y = ints[c]
            if op == IEQ:
                t = x == y
            elif op == INE:
                t = x != y
            elif op == ILT:
                t = x < y
            elif op == ILE:
                t = x <= y
            elif op == IGT:
                t = x > y
            else:
                t = x >= y
            ints[a] = 1 if t else 0
        elif op < 60:  # float comparison
            x = floats[b]
            y = floats[c]
            if op == FEQ:
                t = x == y
            elif op == FNE:
                t = x != y
            elif op == FLT:
                t = x < y
            elif op == FLE:
                t = x <= y
            elif op == FGT:
                t = x > y
            else:
                t = x >= y
            ints[a] = 1 if t else 0
        elif op == INEG:
            ints[a] = -ints[b]
        elif op == IABS:
            ints[a] = abs(ints[b])
        elif op == INVERT:
            ints[a] = ~ints[b]
        elif op == NOT:
            ints[a] = 1 - ints[b]
        elif op == I2B:
            ints[a] = 1 if ints[b] != 0 else 0
        elif op == F2B:
            ints[a] = 1 if floats[b] != 0.0 else 0
        elif op == I2F:
            floats[a] = float(ints[b])
        elif op == F2I:
            x = floats[b]
            if math.isnan(x) or math.isinf(x) or abs(x) >= 9.223372036854775e18:
                return ERR_DOMAIN, pc, steps
            if c == ROUND_FLOOR:
                x = math.floor(x)
            elif c == ROUND_CEIL:
                x = math.ceil(x)
            ints[a] = int(x)
        elif op == FUNARY:
            f, ok = _funary(c, floats[b])
            if not ok:
                return ERR_DOMAIN, pc, steps
            floats[a] = f
        elif op == QUBIT_AT:
            i = ints[code[pc, 5]]
            if i < 0 or i >= code[pc, 4]:
                return ERR_INDEX, pc, steps
            ints[a] = b + i * c
        elif op == LOAD_I or op == LOAD_F:
            i = ints[code[pc, 4]]
            if i < 0 or i >= c:
                return ERR_INDEX, pc, steps
            if op == LOAD_I:
                ints[a] = ints[b + i]
            else:
                floats[a] = floats[b + i]
        elif op == STORE_I or op == STORE_F:
            i = ints[c]
            if i < 0 or i >= b:
                return ERR_INDEX, pc, steps
            if op == STORE_I:
                ints[a + i] = ints[code[pc, 4]]
            else:
                floats[a + i] = floats[code[pc, 4]]
        elif op == OUT_I:
            for k in range(c):
                out_i[a + k] = ints[b + k]
        elif op == OUT_F:
            for k in range(c):
                out_f[a + k] = floats[b + k]
        elif op == HALT:
            return OK, pc, steps
        pc += 1
