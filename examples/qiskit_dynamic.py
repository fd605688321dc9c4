"""A Qiskit dynamic circuit on hybridrt: import it, sample it as Qiskit would, and export a kernel back.

Run: ``python examples/qiskit_dynamic.py``
"""

from __future__ import annotations

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import Parameter
from qiskit.circuit.classical import expr, types
from rus import rus  # examples/rus.py: the README's repeat-until-success kernel

import hybridrt as hr
from hybridrt.qiskit import HybridBackend, Sampler


def repeat_until_success(theta: Parameter) -> QuantumCircuit:
    """Flip a coin biased by ``theta`` until it reads 1, counting the flips in a ``Uint(8)`` variable (Aer
    cannot run the counter's arithmetic); flip the target if it took more than two flips."""
    q = QuantumRegister(2, "q")
    done, target = ClassicalRegister(1, "done"), ClassicalRegister(1, "target")
    qc = QuantumCircuit(q, done, target)
    flips = qc.add_var("flips", expr.lift(0, types.Uint(8)))
    with qc.while_loop(expr.logic_not(done[0])):
        qc.reset(0)
        qc.ry(theta, 0)
        qc.measure(0, done[0])
        qc.store(flips, expr.add(flips, 1))
    with qc.if_test(expr.greater(flips, 2)):
        qc.x(1)
    qc.measure(1, target[0])
    return qc


def main() -> None:
    theta = Parameter("theta")
    qc = repeat_until_success(theta)

    k = hr.from_qiskit(qc)  # free parameters become the kernel's arguments
    print("counts   ", k.run(1.2, shots=4000, seed=1).counts())
    print("exact    ", {key: round(p, 4) for key, p in k.distribution(1.2, cutoff=1e-9).items()})

    result = Sampler(seed=1).run([(qc, [[0.6], [1.2], [2.4]])], shots=2000).result()[0]
    for i, value in enumerate((0.6, 1.2, 2.4)):
        print(f"sampler theta={value}", result.data.target[i].get_counts())

    backend = HybridBackend()
    compiled = transpile(qc.assign_parameters([1.2]), backend)  # control flow kept
    print("backend  ", backend.run(compiled, shots=4000, seed_simulator=1).result().get_counts())

    exported = rus.to_qiskit()  # a kernel as a dynamic circuit: while_loop, a Uint(64) counter, 64-bit out0
    print("exported ", dict(exported.count_ops()), [(r.name, r.size) for r in exported.cregs])
    back = hr.from_qiskit(exported).distribution(cutoff=1e-6)
    print("round trip", {key.split()[0] + " " + str(int(key.split()[1], 2)): round(p, 4)
                         for key, p in list(back.items())[:4]})


if __name__ == "__main__":
    main()
