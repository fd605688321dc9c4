"""The resumable bytecode interpreter: runs one shot from a pc until a measurement, reset or the end."""

from __future__ import annotations

import math

import numpy as np

from .jit import no_alloc
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
    FN_ASINH,
    FN_ATAN,
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
    UNITARY2,
)
from .statevector import apply_2q, apply_gate


@no_alloc
def _ipow(base, exp):
    result = 1
    while exp > 0:
        if exp & 1:
            result *= base
        base *= base
        exp >>= 1
    return result


@no_alloc
def _fmod_py(a, b):
    """Python's ``a % b`` for floats (b != 0): the sign of the divisor, a zero result signed as b."""
    r = np.fmod(a, b)
    if r != 0.0:
        if (r < 0.0) != (b < 0.0):
            r += b
    else:
        r = math.copysign(0.0, b)
    return r


@no_alloc
def _ffloordiv_py(a, b):
    """Python's ``a // b`` for floats (b != 0), as CPython's float_floor_div; stays a float (inf, nan)."""
    mod = np.fmod(a, b)
    div = (a - mod) / b
    if mod != 0.0 and (b < 0.0) != (mod < 0.0):
        div -= 1.0
    if div != 0.0:  # also nan
        fl = np.floor(div)  # np.floor keeps a float; math.floor would convert to int
        if div - fl > 0.5:
            fl += 1.0
        return fl
    return math.copysign(0.0, a / b)


@no_alloc
def _fpow_py(x, y):
    """Python's ``x ** y`` for floats; returns (value, ok).

    The platform pow (C99 Annex F) gives Python's value wherever Python gives one.  Python
    raises exactly where both operands are finite and the result is not: a negative base to
    a non-integer power (nan), 0.0 to a negative power and overflow (inf).
    """
    f = x ** y
    # the operands are only looked at in the rare case of a nan or infinite result
    if not abs(f) < math.inf and abs(x) < math.inf and abs(y) < math.inf:
        return 0.0, False
    return f, True


@no_alloc
def _funary(fn, x):
    """Apply FUNARY function ``fn`` as Python's ``math`` does; returns (value, ok).

    Python's rule (``math_1``): a nan result from a non-nan argument is a domain error
    (ValueError), an infinite result from a finite argument a singularity or overflow.
    """
    if fn == FN_NEG:
        return -x, True
    if fn == FN_ABS:
        return abs(x), True
    if fn == FN_SQRT:
        r = math.sqrt(x)
    elif fn == FN_LOG:
        r = math.log(x)
    elif fn == FN_LOG2:
        r = math.log2(x)
    elif fn == FN_LOG10:
        r = math.log10(x)
    elif fn == FN_SIN:
        r = math.sin(x)
    elif fn == FN_COS:
        r = math.cos(x)
    elif fn == FN_TAN:
        r = math.tan(x)
    elif fn == FN_ASIN:
        r = math.asin(x)
    elif fn == FN_ACOS:
        r = math.acos(x)
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
    elif fn == FN_ASINH:
        r = math.asinh(x)
    elif fn == FN_ACOSH:
        r = math.acosh(x)
    else:  # FN_ATANH
        r = math.atanh(x)
    if not abs(r) < math.inf:  # rare: nan or inf
        if math.isnan(r):
            if not math.isnan(x):
                return 0.0, False  # domain error, e.g. sqrt(-1), sin(inf)
        elif abs(x) < math.inf:
            return 0.0, False  # singularity (log(0), atanh(1)) or overflow (exp(1000))
    return r, True


_INT64_LIMIT = 9.223372036854775808e18  # 2.0**63

#: ``execute``'s ``sampled`` when no basis state is drawn: pause at each MEASURE (a NumPy
#: scalar, not a literal: see jit.py).
NOT_SAMPLED = np.int64(-1)


@no_alloc
def execute(code, ints, floats, state, out_i, out_f, pc, steps, max_steps, sampled):
    """Run from ``pc`` until HALT, a MEASURE/RESET (paused before it) or an error.

    Returns ``(status, pc, steps)``: status OK at HALT, PAUSE_MEASURE or PAUSE_RESET
    with ``pc`` at that instruction (the driver performs it and resumes at pc + 1),
    or an ERR_* code with ``pc`` at the failing instruction.  Where no gate or reset can
    follow, ``sampled`` may be a basis state drawn from ``state``: each MEASURE then reads
    its outcome off it and goes on (-1: pause at each MEASURE).
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
            # two or more qubits (ids from G_CX on): they must differ
            if a >= G_CX and (q0 == q1 or ((a == G_CCX or a == G_CSWAP) and (q2 == q0 or q2 == q1))):
                return ERR_QUBIT_REUSE, pc, steps
            apply_gate(state, a, q0, q1, q2, floats[code[pc, 5]], floats[code[pc, 6]], floats[code[pc, 7]])
        elif op == UNITARY2:
            if ints[a] == ints[b]:
                return ERR_QUBIT_REUSE, pc, steps
            apply_2q(state, ints[a], ints[b], floats[c:c + 32])
        elif op == MEASURE:
            if sampled < 0:
                return PAUSE_MEASURE, pc, steps
            ints[a] = (sampled >> ints[b]) & 1
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
                if y == -1:  # Python: x // -1 == -x (wraps for INT64_MIN), x % -1 == 0
                    r = -x if op == IFLOORDIV else 0
                else:
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
                f, ok = _fpow_py(x, y)
                if not ok:
                    return ERR_DOMAIN, pc, steps
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
            if c == ROUND_FLOOR:
                x = np.floor(floats[b])
            elif c == ROUND_CEIL:
                x = np.ceil(floats[b])
            else:
                x = np.trunc(floats[b])
            if not -_INT64_LIMIT <= x < _INT64_LIMIT:  # also nan and +-inf
                return ERR_DOMAIN, pc, steps
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
