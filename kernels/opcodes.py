"""The engine's bytecode: opcodes, gate ids, status codes and the exact semantics of each.

Memory of one shot
    ``ints``   int64 slots: bools (0/1), ints and qubit indices.
    ``floats`` float64 slots.
    Constants are slots whose initial value (in ``ints0`` / ``floats0``) is never
    overwritten.  An array occupies ``length`` consecutive slots from its base.
    ``state``  complex128 statevector of ``2**num_qubits`` amplitudes; bit ``k`` of
    an index is qubit ``k`` (little-endian, as Qiskit).  A shot starts in |0...0>.

Code
    ``code`` is an int64 array of shape ``(n, WIDTH)``; row ``pc`` is one
    instruction ``[opcode, a, b, c, d, e, f, g]`` (unused fields are 0).
    Execution starts at pc 0; each instruction goes to ``pc + 1`` unless it
    jumps.  Below, ``I[x]`` is ``ints[x]`` and ``F[x]`` is ``floats[x]``.

    COPY_I  dst src            I[dst] = I[src]
    COPY_F  dst src            F[dst] = F[src]
    I<op>   dst a b            I[dst] = I[a] op I[b] for op in ADD SUB MUL FLOORDIV MOD
                               POW MIN MAX AND OR XOR SHL SHR: Python's int result reduced
                               to int64 (mod 2**64, two's complement), so ADD/SUB/MUL/POW
                               wrap and INT64_MIN // -1 == INT64_MIN, INT64_MIN % -1 == 0.
                               FLOORDIV/MOD floor (the remainder takes the divisor's sign);
                               by 0 -> ERR_ZERO_DIVISION.  POW with a negative exponent ->
                               ERR_DOMAIN (0 ** 0 == 1).  SHL/SHR by a negative count ->
                               ERR_DOMAIN, by >= 64: SHL gives 0, SHR gives 0 or -1 by sign.
                               MIN/MAX as Python's min(a, b), max(a, b).
    F<op>   dst a b            F[dst] = F[a] op F[b] for op in ADD SUB MUL DIV FLOORDIV MOD
                               POW MIN MAX ATAN2, exactly Python's float operation (bit for bit,
                               signs of zero included; a nan is any nan):
                               ADD SUB MUL DIV: IEEE 754 double arithmetic; overflow gives
                                 +-inf (no error).
                               DIV FLOORDIV MOD by +-0.0 -> ERR_ZERO_DIVISION.
                               MOD as CPython: r = fmod(a, b); a non-zero r of the other sign
                                 than b gets b added; a zero r gets b's sign (-4.0 % 2.0 == 0.0,
                                 4.0 % -2.0 == -0.0); -1.0 % inf == inf; inf % 1.0 is nan.
                               FLOORDIV as CPython: d = (a - fmod(a, b)) / b, minus 1 where the
                                 fmod was non-zero and of the other sign than b; a non-zero d is
                                 snapped to the nearest integral float (floor(d), plus 1 if
                                 d - floor(d) > 0.5), a zero d becomes copysign(0.0, a / b).  It
                                 stays a float: 1e308 // 1e-308 == inf, inf // 1.0 is nan.
                               POW as Python's a ** b, whose values are C99 pow's: ERR_DOMAIN
                                 exactly where Python raises, which is exactly where both
                                 operands are finite and the result is not: a negative base to
                                 a non-integer power (Python's complex result), +-0.0 to a
                                 negative power (ZeroDivisionError) and overflow to +-inf
                                 (OverflowError); underflow is no error.  Otherwise Python's
                                 value, e.g. (-inf) ** 0.5 == inf, 0.0 ** -inf == inf,
                                 (-2.0) ** nan is nan, 1.0 ** nan == 1.0, nan ** 0.0 == 1.0.
                               MIN/MAX as Python's min(a, b), max(a, b): b if b < a (b > a)
                                 else a, so a nan a is kept and a nan b is ignored.
                               ATAN2 as math.atan2(a, b).
    I<cmp>  dst a b            I[dst] = I[a] cmp I[b] (0/1), cmp in EQ NE LT LE GT GE
    F<cmp>  dst a b            I[dst] = F[a] cmp F[b] (0/1), IEEE (nan != nan)
    INEG IABS INVERT  dst a    I[dst] = -I[a], abs(I[a]), ~I[a], wrapping as above
                               (-INT64_MIN == abs(INT64_MIN) == INT64_MIN)
    NOT     dst a              I[dst] = 1 - I[a]
    I2B     dst a              I[dst] = I[a] != 0
    F2B     dst a              I[dst] = F[a] != 0.0 (nan gives 1)
    I2F     dst a              F[dst] = float(I[a]) (rounded to nearest)
    F2I     dst a b            r = trunc (b=0), floor (b=1) or ceil (b=2) of F[a], as a float;
                               I[dst] = r if -2**63 <= r < 2**63, else ERR_DOMAIN (so nan,
                               +-inf and every float from 2**63 up or below -2**63 fail, and
                               -2**63 itself converts)
    FUNARY  dst a fn           F[dst] = fn(F[a]), fn one of the FN_* ids below, exactly as
                               Python's math function (NEG, ABS: unary -, abs()).  A nan
                               argument gives nan, no error.  ERR_DOMAIN exactly where Python
                               raises: a nan result from a non-nan argument (sqrt(-1.0),
                               log(-1.0), asin(2.0), acosh(0.5), sin/cos/tan(+-inf)), or an
                               infinite result from a finite argument (log(0.0), atanh(1.0),
                               and overflow: exp(1000.0), sinh/cosh(+-1000.0))
    QUBIT_AT dst base step length idx
                               0 <= I[idx] < length else ERR_INDEX;
                               I[dst] = base + I[idx] * step
    LOAD_I  dst base length idx   bounds check as above; I[dst] = I[base + I[idx]]
    LOAD_F  dst base length idx   F[dst] = F[base + I[idx]]
    STORE_I base length idx src   I[base + I[idx]] = I[src]
    STORE_F base length idx src   F[base + I[idx]] = F[src]
    GATE    gate q0 q1 q2 p0 p1 p2
                               apply gate id ``gate`` to qubits I[q0], I[q1], I[q2] (as many
                               as the gate takes; the first are controls) with float
                               parameters F[p0], F[p1], F[p2] (as many as it takes); matrices
                               as Qiskit defines them.  Two equal qubits -> ERR_QUBIT_REUSE.
    UNITARY2 q0 q1 f           apply the dense two-qubit unitary F[f : f + 32] (row-major 4x4,
                               16 real parts then 16 imaginary parts; basis index
                               bit(I[q0]) + 2 bit(I[q1])) to qubits I[q0], I[q1]; written by
                               gate fusion only.  Equal qubits -> ERR_QUBIT_REUSE.
    MEASURE dst q              p1 = probability that qubit I[q] is 1; draw one uniform u;
                               outcome = 1 if u < p1 else 0, except p1 < EPS -> 0 and
                               p1 > 1 - EPS -> 1; project onto the outcome and renormalise;
                               I[dst] = outcome
    RESET   q                  exactly as MEASURE (one uniform drawn), then X if the outcome
                               was 1; nothing recorded
    JUMP    target             pc = target
    BRANCH  cond t f           pc = t if I[cond] != 0 else f
    OUT_I   index src count    out_ints[index + k] = I[src + k] for k < count
    OUT_F   index src count    out_floats[index + k] = F[src + k] for k < count
    HALT                       the shot is over

    Every executed instruction counts one step; a shot that has executed
    ``max_steps`` steps without reaching HALT ends with ERR_STEPS at the
    instruction it would execute next.

Randomness
    Each shot ``k`` of a run with seed ``s`` (uint64) draws from its own
    splitmix64 stream with initial state ``mix64(s ^ mix64(k + 1))``; a draw
    advances the state by GOLDEN and returns ``mix64(state) >> 11`` times 2**-53.
    ``mix64(z)``: ``z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB; return z ^ (z >> 31)`` (mod 2**64).
"""

from __future__ import annotations

WIDTH = 8
EPS = 1e-12
GOLDEN = 0x9E3779B97F4A7C15

# classical moves and arithmetic
COPY_I = 1
COPY_F = 2
IADD = 10
ISUB = 11
IMUL = 12
IFLOORDIV = 13
IMOD = 14
IPOW = 15
IMIN = 16
IMAX = 17
IAND = 18
IOR = 19
IXOR = 20
ISHL = 21
ISHR = 22
FADD = 30
FSUB = 31
FMUL = 32
FDIV = 33
FFLOORDIV = 34
FMOD = 35
FPOW = 36
FMIN = 37
FMAX = 38
FATAN2 = 39
IEQ = 40
INE = 41
ILT = 42
ILE = 43
IGT = 44
IGE = 45
FEQ = 50
FNE = 51
FLT = 52
FLE = 53
FGT = 54
FGE = 55
INEG = 60
IABS = 61
INVERT = 62
NOT = 63
I2B = 64
F2B = 65
I2F = 66
F2I = 67
FUNARY = 68
# memory
QUBIT_AT = 70
LOAD_I = 71
LOAD_F = 72
STORE_I = 73
STORE_F = 74
# quantum
GATE = 80
MEASURE = 81
RESET = 82
UNITARY2 = 83
# control
JUMP = 90
BRANCH = 91
OUT_I = 92
OUT_F = 93
HALT = 94

# F2I rounding modes
ROUND_TRUNC = 0
ROUND_FLOOR = 1
ROUND_CEIL = 2

# FUNARY functions
FN_NEG = 0
FN_ABS = 1
FN_SQRT = 2
FN_EXP = 3
FN_LOG = 4
FN_LOG2 = 5
FN_LOG10 = 6
FN_SIN = 7
FN_COS = 8
FN_TAN = 9
FN_ASIN = 10
FN_ACOS = 11
FN_ATAN = 12
FN_SINH = 13
FN_COSH = 14
FN_TANH = 15
FN_ASINH = 16
FN_ACOSH = 17
FN_ATANH = 18

# gate ids: 1-qubit, then controlled 1-qubit, then the rest
G_X = 0
G_Y = 1
G_Z = 2
G_H = 3
G_S = 4
G_SDG = 5
G_T = 6
G_TDG = 7
G_SX = 8
G_RX = 9
G_RY = 10
G_RZ = 11
G_P = 12
G_U = 13
G_CX = 14
G_CY = 15
G_CZ = 16
G_CH = 17
G_CRX = 18
G_CRY = 19
G_CRZ = 20
G_CP = 21
G_CCX = 22
G_SWAP = 23
G_CSWAP = 24
G_RXX = 25
G_RYY = 26
G_RZZ = 27

#: gate name -> id, for the assembler
GATE_IDS = {
    "x": G_X, "y": G_Y, "z": G_Z, "h": G_H, "s": G_S, "sdg": G_SDG, "t": G_T,
    "tdg": G_TDG, "sx": G_SX, "rx": G_RX, "ry": G_RY, "rz": G_RZ, "p": G_P, "u": G_U,
    "cx": G_CX, "cy": G_CY, "cz": G_CZ, "ch": G_CH, "crx": G_CRX, "cry": G_CRY,
    "crz": G_CRZ, "cp": G_CP, "ccx": G_CCX, "swap": G_SWAP, "cswap": G_CSWAP,
    "rxx": G_RXX, "ryy": G_RYY, "rzz": G_RZZ,
}

# run status
OK = 0
ERR_STEPS = 1
ERR_INDEX = 2
ERR_ZERO_DIVISION = 3
ERR_DOMAIN = 4
ERR_QUBIT_REUSE = 5
ERR_BRANCHES = 6  # exact distributions: more branches or outcomes than allowed
ERR_MEMORY = 7  # exact distributions: more live statevectors than fit in memory
# interpreter pauses (not errors): the driver performs the event and resumes
PAUSE_MEASURE = 10
PAUSE_RESET = 11

# shot strategies (drivers.run_into)
TRAJECTORIES = 0  # every shot from the shared deterministic prefix, one random stream per shot
BRANCHING = 1  # split shots between outcomes, copying the state only where both are taken
