"""Azure Quantum jobs, offline: the QIR job payload for kernels and QIR, and results documents read into Results.

The results documents follow ``microsoft.quantum-results.v2`` as azure-quantum reads it
(``azure/quantum/job/job.py``: ``Results[i].Histogram[{Outcome, Display, Count}]``,
``Results[i].Shots``, tuples as ``{"Item1": ...}``, failed shots as ``{"Error": {...}}``,
lost qubits as ``"-"``).  Most are written from per-shot values of a real engine run by
``v2_document`` below, so the parsed ``Result`` can be compared value for value with the
engine's; a few are written out literally.

``submit`` needs a reachable Azure workspace; only what it checks before the network is tested.
"""

from __future__ import annotations

import doctest
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyqir
import pytest
from hybridrt.qir_targets import azure, target
from hybridrt.qir_targets.azure import ResultsFormatError, job_payload, parse_results, submit

import hybridrt as hr
from hybridrt import h, ir, mz, qubits

from .suite import float_feedback, ghz, list_argument, many_gates, repetition_code, rus_bounded, rus_unbounded, teleport


@hr.kernel
def wide() -> list[bool]:
    q = qubits(26)
    h(q)
    return mz(q)


@hr.kernel
def coin() -> bool:
    q = qubits(1)
    h(q[0])
    return mz(q[0])


@hr.kernel
def nothing() -> None:
    q = qubits(1)
    h(q[0])


def entry_point_of(text: str) -> str:
    """The name of the QIR module's entry function (the one with the "entry_point" attribute)."""
    module = pyqir.Module.from_ir(pyqir.Context(), text)
    [fn] = [f for f in module.functions if f.basic_blocks and "entry_point" in f.attributes.func]
    return fn.name


# ---------------------------------------------------------------- documents


def encode(value: Any, t: ir.ReturnType, results: str) -> Any:
    """One shot's value as a v2 outcome: tuples as Item1.., lists as lists, measurement bools as ``results``."""
    if isinstance(t, ir.TupleType):
        return {f"Item{k + 1}": encode(v, e, results) for k, (v, e) in enumerate(zip(value, t.elems))}
    if isinstance(t, ir.ArrayType):
        return [encode(v, t.elem, results) for v in value]
    if t == ir.BOOL:
        return {"int": int(value), "bool": bool(value), "string": "One" if value else "Zero"}[results]
    return value


def display(outcome: Any) -> str:
    if isinstance(outcome, dict):
        return "(" + ", ".join(display(v) for v in outcome.values()) + ")"
    if isinstance(outcome, list):
        return "[" + ", ".join(display(v) for v in outcome) + "]"
    return json.dumps(outcome) if not isinstance(outcome, str) else outcome


def v2_document(shots: list[Any], histogram: bool = True, per_shot: bool = True) -> dict[str, Any]:
    """A results document for these per-shot outcomes (histogram in order of first appearance)."""
    entry: dict[str, Any] = {}
    if histogram:
        keys = {json.dumps(o, sort_keys=True): o for o in shots}
        counts = Counter(json.dumps(o, sort_keys=True) for o in shots)
        entry["Histogram"] = [{"Outcome": keys[k], "Display": display(keys[k]), "Count": c} for k, c in counts.items()]
    if per_shot:
        entry["Shots"] = shots
    return {"DataFormat": "microsoft.quantum-results.v2", "Results": [entry]}


ENGINE_CASES = [
    (teleport, (1.1,)),
    (rus_bounded, (5,)),
    (repetition_code, (0.6,)),
    (float_feedback, ()),
    (ghz, (5, 0.3)),
    (list_argument, ([0.3, 1.4, 2.5],)),
    (coin, ()),
]


@pytest.mark.parametrize("kernel,args", ENGINE_CASES, ids=[k.name for k, _ in ENGINE_CASES])
@pytest.mark.parametrize("results", ["int", "bool", "string"])
def test_results_document_reads_back_the_engines_values(kernel: hr.Kernel, args: tuple[Any, ...],
                                                        results: str) -> None:
    engine = kernel.run(*args, shots=300, seed=9)
    returns = kernel.compile(*args).returns
    doc = v2_document([encode(v, returns, results) for v in engine.values])
    res = parse_results(json.dumps(doc), kernel, *args)
    assert isinstance(res, hr.Result)
    assert res.values == engine.values
    assert res.counts() == engine.counts()
    assert res.shots == 300 and res.rejected == {} and res.seed is None
    assert len(res.outputs) == len(engine.outputs)
    for mine, theirs in zip(res.outputs, engine.outputs):
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
    # histogram only: the same counts, values grouped
    grouped = parse_results(v2_document(doc["Results"][0]["Shots"], per_shot=False), kernel, *args)
    assert grouped.counts() == engine.counts() and grouped.shots == 300


def test_written_out_document_with_tuples_of_results_and_ints() -> None:
    doc = """{
      "DataFormat": "microsoft.quantum-results.v2",
      "Results": [{
        "Histogram": [
          {"Outcome": {"Item1": 1, "Item2": 1}, "Display": "(1, 1)", "Count": 3},
          {"Outcome": {"Item1": 2, "Item2": 1}, "Display": "(2, 1)", "Count": 1},
          {"Outcome": {"Item1": 5, "Item2": 0}, "Display": "(5, 0)", "Count": 1}
        ],
        "Shots": [{"Item1": 1, "Item2": 1}, {"Item1": 2, "Item2": 1}, {"Item1": 1, "Item2": 1},
                  {"Item1": 5, "Item2": 0}, {"Item1": 1, "Item2": 1}]
      }]
    }"""
    res = parse_results(doc.encode(), rus_bounded, 5)
    assert res.values == [(1, True), (2, True), (1, True), (5, False), (1, True)]
    assert res.counts() == {(1, True): 3, (2, True): 1, (5, False): 1}
    assert res.probabilities()[(1, True)] == 0.6
    assert res.outputs[0].dtype.name == "int64" and res.outputs[1].dtype.name == "bool"


def test_arrays_in_tuples_floats_and_one_zero_strings() -> None:
    doc = {"DataFormat": "microsoft.quantum-results.v2", "Results": [{
        "Histogram": [{"Outcome": {"Item1": 21, "Item2": ["One", "One", "Zero"]}, "Display": "(21, [One, One, Zero])",
                       "Count": 2}],
        "Shots": [{"Item1": 21, "Item2": ["One", "One", "Zero"]}, {"Item1": 21, "Item2": ["One", "One", "Zero"]}]}]}
    res = parse_results(doc, repetition_code, 0.6)
    assert res.values == [(21, [True, True, False])] * 2
    assert res.counts() == {(21, (True, True, False)): 2}
    assert res.outputs[1].shape == (2, 3)

    doc = {"DataFormat": "microsoft.quantum-results.v2", "Results": [{"Histogram": [
        {"Outcome": {"Item1": True, "Item2": 0, "Item3": 2.356194490192345}, "Display": "(true, 0, 2.356194490192345)",
         "Count": 4}]}]}
    res = parse_results(doc, float_feedback)
    assert res.values == [(True, False, 2.356194490192345)] * 4


def test_single_values_and_empty_returns() -> None:
    for outcome in (1, [1], "One", True):
        doc = v2_document([outcome, 0], histogram=False)
        assert parse_results(doc, coin).values == [True, False], outcome
    assert parse_results(v2_document([{}, {}], histogram=False), nothing).values == [None, None]
    assert parse_results(v2_document([[0, 1]], histogram=False), ir.ArrayType(ir.BOOL, 2)).values == [[False, True]]
    assert parse_results(v2_document([7]), ir.INT).values == [7]


def test_shape_from_qir_program_text_file_and_ir(tmp_path: Path) -> None:
    doc = v2_document([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0]])
    qir = ghz.to_qir(5, 0.3, target="ionq.simulator")
    ll = tmp_path / "ghz.ll"
    ll.write_text(qir.text)
    expected = [[True] * 5, [False] * 5]
    for shape in (qir, qir.text, ll, str(ll), ghz.compile(5, 0.3), ir.ArrayType(ir.BOOL, 5)):
        assert parse_results(doc, shape).values == expected, shape
    assert parse_results(doc, ghz, 5, 0.3).values == expected


def test_failed_shots_and_lost_qubits_are_rejected() -> None:
    doc = {"DataFormat": "microsoft.quantum-results.v2", "Results": [{
        "Histogram": [
            {"Outcome": [1, 1, 1, 1, 1], "Display": "[1, 1, 1, 1, 1]", "Count": 2},
            {"Outcome": [0, 1, "-", 0, 0], "Display": "[0, 1, -, 0, 0]", "Count": 1},
            {"Outcome": {"Error": {"Code": "0x20", "Name": "TestErrorThirtyTwo"}},
             "Display": "Error 0x20: TestErrorThirtyTwo", "Count": 1},
        ],
        "Shots": [[1, 1, 1, 1, 1], {"Error": {"Code": "0x20", "Name": "TestErrorThirtyTwo", "Foo": "42"}},
                  [0, 1, "-", 0, 0], [1, 1, 1, 1, 1]]}]}
    res = parse_results(doc, ghz, 5, 0.3)
    assert res.values == [[True] * 5, [True] * 5]
    assert res.shots == 2
    assert res.rejected == {"error: TestErrorThirtyTwo": 1, "qubit loss": 1}
    assert "rejected=" in repr(res)
    histogram = doc["Results"][0]["Histogram"]
    histogram_only = parse_results({"DataFormat": doc["DataFormat"], "Results": [{"Histogram": histogram}]},
                                   ghz, 5, 0.3)
    assert histogram_only.counts() == res.counts() and histogram_only.rejected == res.rejected


def test_display_only_histograms() -> None:
    doc = {"DataFormat": "microsoft.quantum-results.v2", "Results": [{"Histogram": [
        {"Display": "(3, true)", "Count": 2}, {"Display": "(1, false)", "Count": 1}]}]}
    assert parse_results(doc, rus_bounded, 5).counts() == {(3, True): 2, (1, False): 1}


def test_batches_need_an_index() -> None:
    one, two = v2_document([1, 1]), v2_document([0])
    doc = {"DataFormat": "microsoft.quantum-results.v2", "Results": one["Results"] + two["Results"]}
    with pytest.raises(ResultsFormatError, match="batch"):
        parse_results(doc, coin)
    assert parse_results(doc, coin, index=1).values == [False]
    assert parse_results(doc, coin, index=0).values == [True, True]


@pytest.mark.parametrize("doc,message", [
    ({"DataFormat": "microsoft.quantum-results.v1", "Histogram": ["[0]", 0.5]}, "DataFormat"),
    ({"Results": []}, "DataFormat"),
    ({"DataFormat": "microsoft.quantum-results.v2", "Results": []}, "non-empty"),
    ({"DataFormat": "microsoft.quantum-results.v2", "Results": [{}]}, "neither"),
    ({"DataFormat": "microsoft.quantum-results.v2", "Results": [{"Shots": [[1, 0]]}]}, "return shape"),
    ({"DataFormat": "microsoft.quantum-results.v2", "Results": [{"Shots": [{"Item1": 1, "Item2": 1}]}]},
     "return shape"),
    ({"DataFormat": "microsoft.quantum-results.v2", "Results": [{"Shots": [3]}]}, "not a measurement result.*return shape is bool"),
    ({"DataFormat": "microsoft.quantum-results.v2", "Results": [{"Histogram": [{"Outcome": 1, "Count": -1}]}]},
     "Count"),
    ({"DataFormat": "microsoft.quantum-results.v2",
      "Results": [{"Histogram": [{"Outcome": 1, "Display": "1", "Count": 2}], "Shots": [1]}]}, "disagree"),
    ("not json", "not JSON"),
])
def test_malformed_documents(doc: Any, message: str) -> None:
    with pytest.raises(ResultsFormatError, match=message):
        parse_results(doc, coin)


# ---------------------------------------------------------------- payloads


PAYLOAD_CASES = [
    (ghz, (5, 0.3), "ionq.simulator"),
    (teleport, (1.1,), "quantinuum.sim.h2-1e"),
    (rus_bounded, (5,), "quantinuum.qpu.h2-2"),
    (float_feedback, (), "quantinuum.sim.helios-1e"),
    (many_gates, (0.4, 1.3), "rigetti.sim.qvm"),
]


@pytest.mark.parametrize("kernel,args,target_id", PAYLOAD_CASES, ids=[c[2] for c in PAYLOAD_CASES])
def test_payload_for_a_kernel(kernel: hr.Kernel, args: tuple[Any, ...], target_id: str) -> None:
    t = target(target_id)
    payload = job_payload(kernel, *args, target=target_id, shots=250, name="my job")
    assert set(payload) == {"name", "target", "provider_id", "input_data", "input_data_format",
                            "output_data_format", "content_type", "input_params"}
    assert payload["name"] == "my job"
    assert (payload["target"], payload["provider_id"]) == (t.id, t.provider)
    assert payload["input_data_format"] == "qir.v1"
    assert payload["output_data_format"] == "microsoft.quantum-results.v2"
    assert payload["content_type"] == "qir.v1"
    assert payload["input_data"] == kernel.to_qir(*args, target=t).text
    entry = entry_point_of(payload["input_data"])
    assert entry == f"ENTRYPOINT__{kernel.name}"
    assert payload["input_params"] == {"entryPoint": entry, "arguments": [], "target_profile": t.profile,
                                       "shots": 250}
    assert json.loads(json.dumps(payload)) == payload


def test_payload_from_qir_program_text_and_file(tmp_path: Path) -> None:
    base = ghz.to_qir(5, 0.3, profile="base")
    p = job_payload(base, target="ionq.qpu.forte-1", shots=10)
    assert p["input_data"] == base.text
    assert p["input_params"]["target_profile"] == "Base"
    assert p["input_params"]["entryPoint"] == entry_point_of(base.text) == "ENTRYPOINT__ghz"
    # the profile of plain QIR text comes from its attributes and flags
    for kernel, args, profile, target_id in [(ghz, (5, 0.3), "base", "ionq.simulator"),
                                             (teleport, (1.1,), "adaptive_ri", "quantinuum.sim.h2-1sc"),
                                             (float_feedback, (), "adaptive_rif", "quantinuum.sim.helios-1e")]:
        qir = kernel.to_qir(*args, profile=profile)
        p = job_payload(qir.text, target=target_id, shots=5)
        assert p["input_params"]["target_profile"] == qir.profile
        assert p["input_params"]["entryPoint"] == entry_point_of(qir.text)
        assert p["input_data"] == qir.text
    ll = tmp_path / "teleport.ll"
    ll.write_text(teleport.to_qir(1.1, target="quantinuum.sim.h2-1e").text)
    assert job_payload(ll, target="quantinuum.sim.h2-1e", shots=7)["input_data"] == ll.read_text()
    assert job_payload(str(ll), target="quantinuum.sim.h2-1e", shots=7)["input_params"]["target_profile"] == \
        "Adaptive_RI"


def test_payload_target_errors() -> None:
    with pytest.raises(hr.TargetError, match="backwards_branching") as e:
        job_payload(rus_unbounded, target="quantinuum.sim.h2-1e", shots=10)
    assert e.value.loc is not None and e.value.loc.file.endswith("suite.py")
    with pytest.raises(hr.TargetError, match="profile Adaptive; target quantinuum.sim.h2-1e runs Adaptive_RI"):
        job_payload(rus_unbounded.to_qir(profile="adaptive"), target="quantinuum.sim.h2-1e", shots=10)
    with pytest.raises(hr.TargetError, match="lowered for target ionq.simulator, not quantinuum.sim.h2-1e"):
        job_payload(ghz.to_qir(5, 0.3, target="ionq.simulator"), target="quantinuum.sim.h2-1e", shots=10)
    qir = many_gates.to_qir(0.4, 1.3, profile="base")  # every QIR gate allowed: some are not Quantinuum's
    with pytest.raises(hr.TargetError, match="which target quantinuum.sim.h2-1e does not take"):
        job_payload(qir.text, target="quantinuum.sim.h2-1e", shots=10)
    with pytest.raises(hr.TargetError, match="26 qubits; target ionq.qpu.aria-1 has 25"):
        job_payload(wide.to_qir(profile="base").text, target="ionq.qpu.aria-1", shots=10)
    with pytest.raises(hr.TargetError):
        job_payload(wide, target="ionq.qpu.aria-1", shots=10)
    with pytest.raises(hr.TargetError, match="did you mean 'ionq.simulator'"):
        job_payload(ghz, 5, 0.3, target="ionq.simulatr", shots=10)


def test_payload_argument_errors() -> None:
    for shots in (0, -1, True, 2.5):
        with pytest.raises(ValueError, match="shots"):
            job_payload(coin, target="ionq.simulator", shots=shots)
    with pytest.raises(TypeError, match="arguments"):
        job_payload(coin.to_qir(), 1, target="ionq.simulator", shots=1)
    with pytest.raises(ValueError, match="not bitcode"):
        job_payload(coin.to_qir().bitcode, target="ionq.simulator", shots=1)
    with pytest.raises(hr.HybridrtError, match="invalid QIR"):
        job_payload("define void @f() {", target="ionq.simulator", shots=1)


def test_docstring_examples() -> None:
    assert doctest.testmod(azure, optionflags=doctest.ELLIPSIS).failed == 0


# ---------------------------------------------------------------- submit


def test_submit_names_the_extra_when_azure_quantum_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "azure.quantum", None)  # as if not installed: importing it fails
    with pytest.raises(ImportError, match=r"pip install 'hybridrt\[azure\]'"):
        submit(coin, target="ionq.simulator", shots=10, workspace=None)


def test_submit_checks_the_job_before_contacting_azure() -> None:
    import azure.quantum as aq
    # a real Workspace object; building it from a connection string does not contact Azure
    workspace = aq.Workspace.from_connection_string(
        "SubscriptionId=00000000-0000-0000-0000-000000000000;ResourceGroupName=rg;WorkspaceName=ws;"
        "ApiKey=offline;QuantumEndpoint=https://eastus.quantum.azure.com/;")
    with pytest.raises(TypeError, match="azure.quantum.Workspace"):
        submit(coin, target="ionq.simulator", shots=10, workspace="my-workspace")
    with pytest.raises(hr.TargetError, match="backwards_branching"):
        submit(rus_unbounded, target="quantinuum.sim.h2-1e", shots=10, workspace=workspace)
    with pytest.raises(hr.TargetError, match="unknown target"):
        submit(coin, target="nowhere.qpu", shots=10, workspace=workspace)
    with pytest.raises(ValueError, match="shots"):
        submit(coin, target="ionq.simulator", shots=0, workspace=workspace)
