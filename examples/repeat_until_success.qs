// Repeat-until-success in Q#: an ancilla-assisted circuit applies a non-Clifford rotation to the target
// when the ancilla reads Zero; on One the Clifford it applied instead is undone and the circuit repeats.
//
// Run on hybridrt's engine:  hybridrt run examples/repeat_until_success.qs --shots 1000
//                       or:  python -c "import hybridrt as hr; print(hr.from_qsharp('examples/repeat_until_success.qs').run(shots=1000).counts())"

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
