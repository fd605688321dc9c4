"""Integrated-hybrid Q# programs in the spirit of Microsoft's published samples (our own code): iterative
phase estimation of a dot product, a three-qubit repetition code with syndrome feedback, repeat-until-success
and teleportation.  name -> Q# source with an entry operation ``Main``."""

from __future__ import annotations

# The angle between two real unit vectors (cos a, sin a) and (cos b, sin b) by iterative phase estimation:
# two reflections (about the first vector, then the second) rotate the plane by 2 (b - a), i.e. act as
# Ry(4 (b - a)), whose eigenvector |+i> has the eigenphase -(b - a) / pi (mod 1).  Each round kicks
# U^(2^k) back onto a control qubit, undoes the phase of the bits already read (classical feedback), and
# measures one more bit.  Returns the reading and the angle it gives, pi * phase (mod pi): the dot product
# cos(b - a) is |cos| of it.
DOT_PRODUCT = """
import Std.Math.*;
import Std.Convert.*;

operation ReflectPair(a : Double, b : Double, q : Qubit) : Unit is Adj + Ctl {
    Ry(4.0 * (b - a), q);
}

operation Main() : (Int, Double) {
    let (a, b) = (0.3, 1.1);
    let bits = 4;
    use (control, target) = (Qubit(), Qubit());
    H(target);
    S(target);
    mutable measured = 0;
    for k in bits - 1..-1..0 {
        H(control);
        for _ in 1..2^k {
            Controlled ReflectPair([control], (a, b, target));
        }
        R1(-2.0 * PI() * IntAsDouble(measured) / IntAsDouble(2^(bits - k)), control);
        H(control);
        if MResetZ(control) == One {
            set measured += 2^(bits - 1 - k);
        }
    }
    Reset(target);
    let phase = IntAsDouble(measured) / IntAsDouble(2^bits);
    (measured, PI() * phase)
}
"""

# A logical |1> in three data qubits under coherent over-rotations; each round measures the two parities
# with fresh ancillas and flips the qubit the syndrome points at; returns the decoded bit and the number
# of corrections applied.
REPETITION_CODE = """
operation Encode(data : Qubit[]) : Unit {
    X(data[0]);
    CNOT(data[0], data[1]);
    CNOT(data[0], data[2]);
}

operation Syndrome(data : Qubit[], ancillas : Qubit[]) : (Bool, Bool) {
    CNOT(data[0], ancillas[0]);
    CNOT(data[1], ancillas[0]);
    CNOT(data[1], ancillas[1]);
    CNOT(data[2], ancillas[1]);
    (MResetZ(ancillas[0]) == One, MResetZ(ancillas[1]) == One)
}

operation Main() : (Result, Int) {
    use data = Qubit[3];
    use ancillas = Qubit[2];
    Encode(data);
    mutable corrections = 0;
    for round in 0..2 {
        Rx(0.45, data[round]);
        Rx(0.2, data[(round + 1) % 3]);
        let (left, right) = Syndrome(data, ancillas);
        if left and not right {
            X(data[0]);
            set corrections += 1;
        } elif left and right {
            X(data[1]);
            set corrections += 1;
        } elif right {
            X(data[2]);
            set corrections += 1;
        }
    }
    CNOT(data[0], data[2]);
    CNOT(data[0], data[1]);
    let logical = MResetZ(data[0]);
    ResetAll(data);
    (logical, corrections)
}
"""

# Repeat-until-success: an ancilla-assisted circuit that applies a non-Clifford rotation to the target
# when the ancilla reads Zero; on One the target got a known Clifford instead, which is undone before
# the next attempt.  Returns the attempts needed and the target's final measurement.
REPEAT_UNTIL_SUCCESS = """
operation Main() : (Int, Result) {
    use (ancilla, target) = (Qubit(), Qubit());
    H(target);
    mutable attempts = 0;
    mutable done = false;
    repeat {
        H(ancilla);
        T(ancilla);
        CNOT(target, ancilla);
        H(ancilla);
        CNOT(ancilla, target);
        T(ancilla);
        H(ancilla);
        set done = MResetZ(ancilla) == Zero;
        set attempts += 1;
    } until done or attempts >= 8
    fixup {
        Z(target);
    }
    H(target);
    (attempts, MResetZ(target))
}
"""

# Teleport Ry(1.2) Rz(0.7)|0> with feed-forward corrections, then undo the preparation on the receiver:
# it must read Zero; the two classical bits are uniform.
TELEPORTATION = """
operation Main() : (Result, Result, Result) {
    use (message, here, there) = (Qubit(), Qubit(), Qubit());
    Ry(1.2, message);
    Rz(0.7, message);
    H(here);
    CNOT(here, there);
    CNOT(message, here);
    H(message);
    let m1 = MResetZ(message);
    let m2 = MResetZ(here);
    if m2 == One {
        X(there);
    }
    if m1 == One {
        Z(there);
    }
    Adjoint Rz(0.7, there);
    Adjoint Ry(1.2, there);
    (m1, m2, MResetZ(there))
}
"""

SAMPLES = {"dot_product": DOT_PRODUCT, "repetition_code": REPETITION_CODE,
           "repeat_until_success": REPEAT_UNTIL_SUCCESS, "teleportation": TELEPORTATION}
