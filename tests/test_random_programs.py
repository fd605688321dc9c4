"""Fast checks of the random-program generator: valid source, Aer-runnable circuits, source equivalent to circuit."""

from __future__ import annotations

import ast
import sys
import types
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cache

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator

from .random_programs import GATES, RandomProgram, aer_counts, random_program, to_key, two_sample_pvalue

SEEDS = range(6)


@pytest.mark.parametrize("seed", SEEDS)
def test_source_is_valid_python(seed: int) -> None:
    prog = random_program(seed)
    tree = ast.parse(prog.source)
    compile(tree, f"{prog.name}.py", "exec")
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert [f.name for f in funcs] == [prog.name]
    assert random_program(seed).source == prog.source  # deterministic


@pytest.mark.parametrize("seed", SEEDS)
def test_aer_runs_circuit(seed: int) -> None:
    prog = random_program(seed)
    counts = aer_counts(prog, shots=200, seed=seed)
    assert sum(counts.values()) == 200
    assert all(len(k) == prog.num_bits and set(k) <= {"0", "1"} for k in counts)


def test_generator_covers_constructs() -> None:
    sources = "\n".join(random_program(s).source for s in range(200))
    for gate in GATES:
        assert f" {gate}(" in sources, gate
    for construct in ("reset(", "else:", "elif ", "for i in range(", " * i", " ^ ", " and ", " or ",
                      " != ", " == ", "if not (", "if not m"):
        assert construct in sources, construct
    ops = {op for s in range(200) for op in _op_paths(random_program(s).circuit)}
    assert {"if_else", "for_loop", "measure", "reset", "if_else/if_else", "for_loop/if_else", "if_else/for_loop",
            "for_loop/measure", "if_else/measure"} <= ops


def test_to_key_orders_clbits_right_to_left() -> None:
    assert to_key([True, False, False]) == "001"
    assert to_key((False, True)) == "10"


def test_two_sample_pvalue() -> None:
    a = {"00": 500, "11": 500, "01": 3}
    assert two_sample_pvalue(a, {"00": 510, "11": 490}) > 0.01
    assert two_sample_pvalue(a, {"00": 800, "11": 200}) < 1e-10
    assert two_sample_pvalue({"0": 1000}, {"0": 1000}) == 1.0
    assert two_sample_pvalue({"0": 1000}, {"1": 1000}) < 1e-10


def _op_paths(qc: QuantumCircuit, prefix: str = "") -> Iterator[str]:
    for inst in qc.data:
        yield prefix + inst.operation.name
        for block in getattr(inst.operation, "blocks", ()):
            yield from _op_paths(block, f"{prefix}{inst.operation.name}/")


# --- A reference interpretation of the kernel source: a fake `hybridrt` module over a NumPy statevector.


class _State:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.psi = np.ones(1, dtype=complex)
        self.n = 0

    def alloc(self, n: int) -> list[int]:
        self.n, self.psi = n, np.zeros((2,) * n, dtype=complex)
        self.psi[(0,) * n] = 1.0
        return list(range(n))

    def apply(self, matrix: np.ndarray, qubits: tuple[int, ...]) -> None:
        # Qiskit matrix: first qarg is the least significant index bit.
        k = len(qubits)
        m = matrix.reshape((2,) * (2 * k))
        order = tuple(reversed(qubits))
        out = np.tensordot(m, self.psi, axes=(list(range(k, 2 * k)), list(order)))
        self.psi = np.moveaxis(out, list(range(k)), list(order))

    def measure(self, q: int) -> bool:
        p1 = float(np.sum(np.abs(np.take(self.psi, 1, axis=q)) ** 2))
        bit = int(self.rng.random() < p1)
        proj = np.zeros(2)
        proj[bit] = 1.0
        self.psi = np.moveaxis(np.moveaxis(self.psi, q, -1) * proj, -1, q)
        self.psi /= np.linalg.norm(self.psi)
        return bool(bit)


@cache
def _matrix(name: str, params: tuple[float, ...]) -> np.ndarray:
    qc = QuantumCircuit(GATES[name][1])
    getattr(qc, name)(*params, *range(GATES[name][1]))
    return Operator(qc).data


def _fake_hybridrt(state: Callable[[], _State]) -> types.ModuleType:
    mod = types.ModuleType("hybridrt")
    mod.kernel = lambda f: f  # type: ignore[attr-defined]
    mod.qubits = lambda n: state().alloc(n)  # type: ignore[attr-defined]
    mod.mz = lambda q: state().measure(q)  # type: ignore[attr-defined]

    def reset(q: int) -> None:
        if state().measure(q):
            state().apply(_matrix("x", ()), (q,))

    mod.reset = reset  # type: ignore[attr-defined]
    for name, (npar, _) in GATES.items():
        def gate(*args: float, _name: str = name, _npar: int = npar) -> None:
            state().apply(_matrix(_name, tuple(float(a) for a in args[:_npar])), tuple(args[_npar:]))  # type: ignore[arg-type]

        setattr(mod, name, gate)
    return mod


def reference_counts(prog: RandomProgram, shots: int, seed: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    current: list[_State] = []
    monkeypatch.setitem(sys.modules, "hybridrt", _fake_hybridrt(lambda: current[-1]))
    namespace: dict[str, object] = {}
    exec(compile(prog.source, f"{prog.name}.py", "exec"), namespace)  # noqa: S102  (our own generated source)
    fn = namespace[prog.name]
    counts: Counter[str] = Counter()
    for _ in range(shots):
        current.append(_State(rng))
        value = fn()  # type: ignore[operator]
        current.pop()
        assert len(value) == prog.num_bits
        counts[to_key(value)] += 1
    return dict(counts)


@pytest.mark.parametrize("seed", range(4))
def test_source_matches_circuit(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel source, run by a NumPy reference, samples the same distribution as the circuit on Aer."""
    prog = random_program(seed)
    ref = reference_counts(prog, 1000, seed, monkeypatch)
    aer = aer_counts(prog, 1000, seed)
    assert two_sample_pvalue(ref, aer) > 1e-4, (prog.source, ref, aer)
