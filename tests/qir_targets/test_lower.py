"""QIR lowering: the emitted QIR parses and verifies with pyqir, has the profile's shape, and runs on
qdk's ``run_qir`` and on ``qirrunner`` with the same output distribution as hybridrt's engine.

Statistical test: a chi-square test of homogeneity between the engine's counts and a runner's
counts (2000 shots each, fixed seeds, outcome bins with expected count < 5 pooled), failing when
its p-value is below ``ALPHA = 1e-3``.  Deterministic kernels are also checked exactly.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyqir  # noqa: E402
import pytest
from hybridrt.qir_targets import catalog, profiles
from hybridrt.qir_targets import lower as qir_lower

import hybridrt as hr
from hybridrt import cx, h, mz, qubits, reset, rx, x

from .suite import CASES, ghz, phase_estimation, rus_bounded, rus_unbounded, teleport

SHOTS = 2000
ALPHA = 1e-3
IDS = [f"{k.name}-{prof}" for k, _, profs in CASES for prof in profs]
PARAMS = [(k, args, prof) for k, args, profs in CASES for prof in profs]


# ---------------------------------------------------------------- helpers


def as_value(v: Any) -> Any:
    """A runner's per-shot value in the engine's shape (Result -> bool; lists -> tuples, to hash)."""
    if isinstance(v, (list, tuple)):
        return tuple(as_value(x) for x in v)
    if type(v).__name__ == "Result":
        return str(v).endswith("One")
    return v


def run_qdk(qir: qir_lower.QirProgram, shots: int, seed: int) -> Counter:
    from qdk.simulation import run_qir

    return Counter(as_value(v) for v in run_qir(str(qir), shots=shots, seed=seed, type="cpu"))


def parse_qirrunner(output: str) -> list[Any]:
    """qirrunner's labeled OUTPUT lines -> one value per shot, shaped by the TUPLE/ARRAY records."""
    shots: list[Any] = []
    records: list[tuple[str, str]] = []
    for line in output.splitlines():
        parts = line.split("\t")
        if parts[0] == "START":
            records = []
        elif parts[0] == "OUTPUT":
            records.append((parts[1], parts[2]))
        elif parts[0] == "END":
            assert parts[1] == "0", f"shot failed: {line}"
            pos = 0

            def take(records: list[tuple[str, str]] = records) -> Any:
                nonlocal pos
                kind, text = records[pos]
                pos += 1
                if kind in ("TUPLE", "ARRAY"):
                    return tuple(take() for _ in range(int(text)))
                return {"INT": int, "DOUBLE": float, "BOOL": lambda s: s == "true",
                        "RESULT": lambda s: s == "1"}[kind](text)

            value = take()
            assert pos == len(records)
            shots.append(value)
    return shots


def run_qirrunner(qir: qir_lower.QirProgram, tmp_path: Path, shots: int, seed: int) -> Counter:
    import qirrunner

    path = tmp_path / "kernel.ll"
    path.write_text(str(qir))
    out = qirrunner.OutputHandler()
    qirrunner.run(str(path), shots=shots, rng_seed=seed, output_fn=out.handle)
    return Counter(parse_qirrunner(out.get_output()))


def engine(k: hr.Kernel, args: tuple[Any, ...], shots: int, seed: int) -> Counter:
    return Counter(as_value(v) for v in k.run(*args, shots=shots, seed=seed).values)


def chi2_p(a: dict[Any, int], b: dict[Any, int]) -> float:
    """p-value of a chi-square homogeneity test between two samples of outcomes (rare bins pooled)."""
    from scipy.stats import chi2

    a, b = Counter(a), Counter(b)
    na, nb = sum(a.values()), sum(b.values())
    keys = sorted(set(a) | set(b), key=lambda k: (-(a[k] + b[k]), repr(k)))
    bins: list[tuple[int, int]] = []
    other = [0, 0]
    for k in keys:
        if (a[k] + b[k]) * min(na, nb) / (na + nb) >= 5:
            bins.append((a[k], b[k]))
        else:
            other[0] += a[k]
            other[1] += b[k]
    if sum(other):
        bins.append((other[0], other[1]))
    if len(bins) < 2:
        return 1.0
    stat = 0.0
    for ca, cb in bins:
        for c, n in ((ca, na), (cb, nb)):
            e = (ca + cb) * n / (na + nb)
            stat += (c - e) ** 2 / e
    return float(chi2.sf(stat, len(bins) - 1))


def assert_same_distribution(expected: Counter, got: Counter, what: str) -> None:
    unexpected = set(got) - set(expected)
    assert not unexpected or sum(got[k] for k in unexpected) <= 5, f"{what}: outcomes the engine never gave: " \
        f"{sorted(unexpected, key=repr)[:5]}"
    p = chi2_p(expected, got)
    assert p >= ALPHA, f"{what}: p = {p:.2e}\nengine {sorted(expected.items(), key=repr)[:12]}\n" \
                       f"runner {sorted(got.items(), key=repr)[:12]}"


# ---------------------------------------------------------------- structure


@pytest.mark.parametrize("k,args,prof", PARAMS, ids=IDS)
def test_parses_and_verifies(k: hr.Kernel, args: tuple[Any, ...], prof: str) -> None:
    qir = k.to_qir(*args, profile=prof)
    assert qir.profile == prof
    module = pyqir.Module.from_ir(pyqir.Context(), str(qir))
    assert module.verify() is None
    assert pyqir.Module.from_bitcode(pyqir.Context(), qir.bitcode).verify() is None
    text = str(qir)
    typed = prof != "Adaptive"
    assert ("%Qubit* inttoptr" in text) == typed and ("ptr inttoptr" in text) != typed
    major = re.search(r'!"qir_major_version", i32 (\d)', text).group(1)  # type: ignore[union-attr]
    assert major == ("1" if typed else "2")
    assert f'"qir_profiles"="{"base_profile" if prof == "Base" else "adaptive_profile"}"' in text
    if prof == "Base":
        assert "read_result" not in text and "br i1" not in text
    if prof != "Adaptive":
        assert not has_cycle(text)
    assert text.count("ret i64 0") == 1  # the output is recorded in one place
    assert ("int_computations" in text) == (prof != "Base")
    assert ("float_computations" in text) == (prof in ("Adaptive_RIF", "Adaptive"))


def has_cycle(text: str) -> bool:
    """Whether the entry point's control-flow graph (read off the LLVM text) has a cycle."""
    succ: dict[str, list[str]] = {}
    label = None
    for line in text.splitlines():
        m = re.match(r"^([-\w.$]+):$", line)
        if m:
            label = m.group(1)
            succ[label] = []
        elif label and line.strip().startswith("br "):
            succ[label] += re.findall(r"label %([-\w.$]+)", line)
    state: dict[str, int] = {}

    def visit(n: str) -> bool:
        state[n] = 1
        for m_ in succ.get(n, []):
            if state.get(m_) == 1 or (m_ not in state and visit(m_)):
                return True
        state[n] = 2
        return False

    return any(n not in state and visit(n) for n in succ)


def test_entry_point_attributes_and_labels() -> None:
    text = str(rus_bounded.to_qir(5, target="quantinuum.sim.h2-1e"))
    assert 'define i64 @ENTRYPOINT__rus_bounded() #0' in text
    assert ('attributes #0 = { "entry_point" "output_labeling_schema" "qir_profiles"="adaptive_profile" '
            '"required_num_qubits"="2"') in text
    assert re.search(r'"required_num_results"="\d+"', text)
    for label in ("0_t", "1_t0i", "2_t1b"):
        assert f'c"{label}\\00"' in text
    assert "call void @__quantum__rt__tuple_record_output(i64 2," in text
    assert "phi i64" in text  # n merged from the loop's exits
    assert "backwards_branching" not in text


def test_base_records_results() -> None:
    text = str(ghz.to_qir(5, 0.3, target="ionq.simulator"))
    assert text.count("@__quantum__rt__result_record_output(%Result* inttoptr") == 5
    assert "array_record_output(i64 5," in text
    assert "read_result" not in text and "br i1" not in text
    assert 'c"1_a0r\\00"' in text


def test_adaptive_keeps_measurement_dependent_loop() -> None:
    text = str(rus_unbounded.to_qir(profile="adaptive"))
    assert "ptr inttoptr (i64 0 to ptr)" in text and "%Qubit*" not in text
    assert '!{i32 7, !"backwards_branching", i2 2}' in text
    assert '!{i32 1, !"qir_major_version", i32 2}' in text


def test_profile_defaults() -> None:
    assert rus_unbounded.to_qir().profile == "Adaptive"  # the weakest it fits
    assert ghz.to_qir(5, 0.3).profile == "Base"
    assert teleport.to_qir(0.5).profile == "Adaptive_RI"
    assert phase_estimation.to_qir(0.25).profile == "Adaptive_RIF"
    q = teleport.to_qir(0.5, target="quantinuum.qpu.h2-1")
    assert (q.profile, q.target) == ("Adaptive_RI", "quantinuum.qpu.h2-1")
    assert ghz.to_qir(5, 0.3, target="quantinuum.qpu.h2-1", profile="base").profile == "Base"
    with pytest.raises(hr.TargetError, match="runs QIR profile Base, not Adaptive"):
        ghz.to_qir(5, 0.3, target="ionq.simulator", profile="adaptive")


def test_decomposes_to_target_gates() -> None:
    from .suite import many_gates

    for t in catalog.targets():
        text = str(many_gates.to_qir(0.4, 1.3, target=t.id))
        used = set(re.findall(r"call void @__quantum__qis__(\w+?)__(?:body|adj)\(", text))
        names = {g.replace("sdg", "s").replace("tdg", "t") for g in t.gates} | {"mz", "reset"}
        assert used <= names, (t.id, used - names)


def test_llvm_double_literals() -> None:
    assert qir_lower.llvm_double(1e-05) == "1.0e-05"
    assert qir_lower.llvm_double(0.5) == "0.5"
    assert qir_lower.llvm_double(float("inf")) == "0x7FF0000000000000"


def test_kernel_with_list_return_and_no_return() -> None:
    @hr.kernel
    def nothing() -> None:
        q = qubits(2)
        h(q[0])
        cx(q[0], q[1])

    text = str(nothing.to_qir(profile="base"))
    assert "tuple_record_output(i64 0," in text
    assert pyqir.Module.from_ir(pyqir.Context(), text).verify() is None


# ---------------------------------------------------------------- distributions


@pytest.mark.slow
@pytest.mark.parametrize("k,args,prof", PARAMS, ids=IDS)
def test_run_qir_agrees_with_engine(k: hr.Kernel, args: tuple[Any, ...], prof: str) -> None:
    qir = k.to_qir(*args, profile=prof)
    assert_same_distribution(engine(k, args, SHOTS, 11), run_qdk(qir, SHOTS, 12), f"{k.name} {prof} run_qir")


@pytest.mark.slow
@pytest.mark.parametrize("k,args,prof", PARAMS, ids=IDS)
def test_qirrunner_agrees_with_engine(k: hr.Kernel, args: tuple[Any, ...], prof: str, tmp_path: Path) -> None:
    qir = k.to_qir(*args, profile=prof)
    assert_same_distribution(engine(k, args, SHOTS, 21), run_qirrunner(qir, tmp_path, SHOTS, 22),
                             f"{k.name} {prof} qirrunner")


@pytest.mark.slow
@pytest.mark.parametrize("k,args,prof", PARAMS, ids=IDS)
def test_round_trip_through_from_qir(k: hr.Kernel, args: tuple[Any, ...], prof: str) -> None:
    """hr.from_qir(k.to_qir(...)), from text and from bitcode, runs with k's distribution."""
    qir = k.to_qir(*args, profile=prof)
    expected = engine(k, args, SHOTS, 31)
    for source in (str(qir), qir.bitcode):
        loaded = hr.from_qir(source)
        got = Counter(as_value(v) for v in loaded.run(shots=SHOTS, seed=32).values)
        assert_same_distribution(expected, got, f"{k.name} {prof} from_qir")


@pytest.mark.slow
def test_deterministic_outcomes() -> None:
    assert all(v[2] is False for v in run_qdk(teleport.to_qir(1.1, profile="adaptive_ri"), 500, 3))
    assert set(run_qdk(phase_estimation.to_qir(0.375, profile="adaptive_rif"), 200, 4)) == {3}


@pytest.mark.slow
def test_bounded_repeat_until_success_unrolls_for_quantinuum(tmp_path: Path) -> None:
    qir = rus_bounded.to_qir(8, target="quantinuum.sim.h2-1e")
    assert not profiles.loops(qir_lower.single_return(_specialized(rus_bounded, 8)))
    counts = run_qirrunner(qir, tmp_path, SHOTS, 5)
    assert {n for n, _ in counts} <= set(range(1, 9))
    assert_same_distribution(engine(rus_bounded, (8,), SHOTS, 6), counts, "rus_bounded(8) qirrunner")


def _specialized(k: hr.Kernel, *args: Any) -> Any:
    from hybridrt.passes import bind_arguments, specialize

    return specialize(bind_arguments(k.compile(*args), args))


def test_base_measurement_reuse_is_rejected() -> None:
    @hr.kernel
    def reuse() -> tuple[bool, bool]:
        q = qubits(1)
        h(q[0])
        a = mz(q[0])
        reset(q[0])
        rx(0.5, q[0])
        return a, mz(q[0])

    with pytest.raises(hr.TargetError, match="reset after it was measured"):
        reuse.to_qir(profile="base")  # reset after measuring: a mid-circuit measurement
    assert reuse.to_qir().profile == "Adaptive_RI"


def test_unknown_target_names_close_matches() -> None:
    with pytest.raises(hr.TargetError, match="did you mean 'quantinuum.sim.h2-1e'"):
        teleport.to_qir(0.5, target="quantinuum.sim.h2-1")
    with pytest.raises(hr.TargetError, match="unknown QIR profile"):
        teleport.to_qir(0.5, profile="adaptive_x")


def test_x_gate_in_base() -> None:
    @hr.kernel
    def flip() -> bool:
        q = qubits(1)
        x(q[0])
        return mz(q[0])

    assert "x__body" in str(flip.to_qir(target="rigetti.sim.qvm"))
