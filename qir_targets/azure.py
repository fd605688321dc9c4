"""Azure Quantum jobs: the QIR job payload for a kernel, submission through ``azure-quantum``, results as a ``Result``.

A QIR job on Azure Quantum is the module's LLVM **text** with
``input_data_format="qir.v1"``, ``output_data_format="microsoft.quantum-results.v2"``,
``content_type="qir.v1"`` and ``input_params = {"entryPoint": "ENTRYPOINT__<name>",
"arguments": [], "target_profile": <profile>, "shots": N}`` (as ``azure.quantum.Target.submit``
builds it for Q#).  The results document is JSON::

    {"DataFormat": "microsoft.quantum-results.v2",
     "Results": [{"Histogram": [{"Outcome": ..., "Display": "...", "Count": n}, ...],
                  "Shots": [outcome, outcome, ...]}]}

where an outcome has the shape of the QIR's output recording: a tuple is
``{"Item1": ..., "Item2": ...}``, an array a JSON list, a measurement result ``0``/``1``
(``"Zero"``/``"One"`` are accepted too), a bool ``true``/``false``, an int or a double a
number.  A shot that failed is ``{"Error": {"Code": ..., "Name": ...}}``; a qubit lost
during a shot (neutral-atom and ion machines that detect loss) shows as ``"-"`` (or ``2``)
in place of a result.  ``parse_results`` turns such a document into an ``hr.Result`` with
the kernel's return shape; shots that failed or lost a qubit are not values of the kernel:
they are left out and counted in ``AzureResult.rejected``.

``submit`` needs the optional ``azure`` extra (``pip install 'hybridrt[azure]'``); nothing
else here does.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from hybridrt import ir
from hybridrt.errors import HybridrtError, TargetError
from hybridrt.result import Result, hashable

from . import profiles as pr
from .catalog import Target
from .catalog import target as lookup_target
from .lower import QirProgram

__all__ = [
    "CONTENT_TYPE", "INPUT_DATA_FORMAT", "OUTPUT_DATA_FORMAT", "AzureJob", "AzureResult", "ResultsFormatError",
    "job_payload", "parse_results", "submit",
]

INPUT_DATA_FORMAT = "qir.v1"
OUTPUT_DATA_FORMAT = "microsoft.quantum-results.v2"
CONTENT_TYPE = "qir.v1"


class ResultsFormatError(HybridrtError, ValueError):
    """A results document that is not ``microsoft.quantum-results.v2`` or does not fit the kernel's return shape."""


# ---------------------------------------------------------------- the job payload


def job_payload(kernel_or_qir: Any, *args: Any, target: str | Target, shots: int,
                name: str = "hybridrt-job") -> dict[str, Any]:
    """Everything Azure Quantum needs for a QIR job running ``kernel_or_qir`` on ``target``.

    ``kernel_or_qir``: a kernel (lowered here for ``target`` with arguments ``args``), a
    ``QirProgram`` from ``to_qir``, or QIR text (a ``str`` or the path of a ``.ll`` file).
    Returns a JSON-serialisable dict: ``name``, ``target``, ``provider_id``, ``input_data``
    (the QIR text), ``input_data_format``, ``output_data_format``, ``content_type`` and
    ``input_params``.  Raises ``TargetError`` for QIR the target cannot take (its profile,
    qubit count or gate set).

    >>> import hybridrt as hr
    >>> from hybridrt import qubits, h, cx, mz
    >>> from hybridrt.qir_targets.azure import job_payload
    >>> @hr.kernel
    ... def bell() -> tuple[bool, bool]:
    ...     a, b = qubits(2)
    ...     h(a)
    ...     cx(a, b)
    ...     return mz(a), mz(b)
    >>> job_payload(bell, target="ionq.simulator", shots=100)["input_params"]
    {'entryPoint': 'ENTRYPOINT__bell', 'arguments': [], 'target_profile': 'Base', 'shots': 100}
    """
    t = lookup_target(target)
    if not isinstance(shots, (int, np.integer)) or isinstance(shots, bool) or shots < 1:
        raise ValueError(f"shots must be a positive int, got {shots!r}")
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty str, got {name!r}")
    text, entry, profile = _qir_for(kernel_or_qir, args, t)
    return {
        "name": name,
        "target": t.id,
        "provider_id": t.provider,
        "input_data": text,
        "input_data_format": INPUT_DATA_FORMAT,
        "output_data_format": OUTPUT_DATA_FORMAT,
        "content_type": CONTENT_TYPE,
        "input_params": {"entryPoint": entry, "arguments": [], "target_profile": profile, "shots": int(shots)},
    }


def _is_kernel(obj: Any) -> bool:
    return callable(getattr(obj, "to_qir", None)) and callable(getattr(obj, "compile", None))


def _qir_for(source: Any, args: tuple[Any, ...], t: Target) -> tuple[str, str, str]:
    """(QIR text, entry point name, profile name) of ``source`` for target ``t``, checked against it."""
    if _is_kernel(source):
        q = source.to_qir(*args, target=t)
        return q.text, q.entry_point, q.profile
    if args:
        raise TypeError("arguments are bound when a kernel is lowered; QIR takes none")
    if isinstance(source, QirProgram):
        if source.target is not None and source.target != t.id:
            raise TargetError(f"this QIR was lowered for target {source.target}, not {t.id}; "
                              f"lower the kernel with to_qir(target={t.id!r})")
        text, entry, profile = source.text, source.entry_point, source.profile
    else:
        text = _qir_text(source)
        entry, profile = _entry_and_profile(text)
    if pr.profile(profile).rank > pr.profile(t.profile).rank:
        raise TargetError(f"this QIR uses profile {profile}; target {t.id} runs {t.profile}")
    if not (isinstance(source, QirProgram) and source.target == t.id):  # lowered for t: checked then
        _check_against_target(text, t)
    return text, entry, profile


def _qir_text(source: Any) -> str:
    if isinstance(source, (bytes, bytearray)):
        if bytes(source[:4]) in (b"BC\xc0\xde", b"\xde\xc0\x17\x0b"):
            raise ValueError("Azure takes QIR as LLVM text, not bitcode: pass the .ll text "
                             "(or the kernel, or its to_qir() result)")
        return bytes(source).decode("utf-8")
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and source.endswith((".ll", ".bc"))):
        path = Path(source)
        if path.suffix == ".bc":
            raise ValueError(f"{path}: Azure takes QIR as LLVM text, not bitcode: pass a .ll file")
        try:
            return path.read_text(encoding="utf-8")
        except OSError as e:
            raise FileNotFoundError(f"cannot read QIR file {path}: {e.strerror or e}") from None
    if isinstance(source, str):
        return source
    raise TypeError(f"expected a kernel, a QirProgram or QIR text, got {type(source).__name__}")


_PROFILE_ATTR = re.compile(r'"qir_profiles"="(\w+)"')
_MAJOR = re.compile(r'!"qir_major_version",\s*i32\s+(\d+)')


def _entry_and_profile(text: str) -> tuple[str, str]:
    """The entry point's name and the QIR profile that the module's attributes and flags declare."""
    import pyqir

    from .load import QirError

    try:
        module = pyqir.Module.from_ir(pyqir.Context(), text)
    except ValueError as e:
        raise QirError(f"invalid QIR text: {str(e).strip()}") from None
    eps = [f for f in module.functions if f.basic_blocks and "entry_point" in f.attributes.func]
    if len(eps) != 1:
        raise QirError("the QIR module must have exactly one entry point (a function with the \"entry_point\" "
                       f"attribute) to be submitted; it has {len(eps)}")
    kind = _PROFILE_ATTR.search(text)
    if kind is None or kind.group(1) == "base_profile":
        return eps[0].name, pr.BASE.name
    major = _MAJOR.search(text)
    if major is not None and int(major.group(1)) >= 2:
        return eps[0].name, pr.ADAPTIVE.name
    if '!"float_computations"' in text:
        return eps[0].name, pr.ADAPTIVE_RIF.name
    return eps[0].name, pr.ADAPTIVE_RI.name


def _check_against_target(text: str, t: Target) -> None:
    """Qubit count and gate set of QIR not lowered for ``t`` (a kernel lowered for it was checked then)."""
    from .load import load

    try:
        program = load(text)
    except TargetError:
        return  # QIR that hybridrt cannot translate: sent as it is, the target judges it
    used = {i.name for b in program.blocks for i in b.instrs if isinstance(i, ir.Gate)}
    extra = sorted(used - t.gates)
    if extra:
        raise TargetError(f"this QIR uses gate{'s' if len(extra) > 1 else ''} {', '.join(extra)}, which target "
                          f"{t.id} does not take; lower the kernel with to_qir(target={t.id!r}) to decompose them")
    if program.num_qubits > t.num_qubits:
        raise TargetError(f"this QIR uses {program.num_qubits} qubits; target {t.id} has {t.num_qubits}")


# ---------------------------------------------------------------- results


class AzureResult(Result):
    """A ``Result`` read from an Azure Quantum results document.

    ``shots`` counts the shots that produced a value of the kernel; ``rejected`` maps what
    went wrong in the others (an error's name, or ``"qubit loss"``) to how many shots it hit.
    The per-shot order is the job's when the document lists its shots, otherwise the
    histogram's (values grouped).  There is no seed: ``seed`` is ``None``.
    """

    def __init__(self, returns: ir.ReturnType, outputs: tuple[np.ndarray, ...], shots: int,
                 rejected: dict[str, int]):
        super().__init__(returns, outputs, None, shots)  # type: ignore[arg-type]
        self.rejected = rejected

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.rejected:
            text = text[:-1] + f", rejected={self.rejected})"
        return text


class _Rejected(Exception):
    def __init__(self, why: str):
        self.why = why


def parse_results(document: Any, shape: Any, *args: Any, index: int | None = None) -> AzureResult:
    """The ``Result`` of a ``microsoft.quantum-results.v2`` document, with the return shape of ``shape``.

    ``document``: the JSON text or bytes of the results blob, or the parsed dict.
    ``shape``: what the job ran: a kernel (with its arguments ``args``, for list parameters),
    an ``ir.Program``, a ``QirProgram``, QIR text or a ``.ll`` path, or an ``ir`` return type
    (``"bool"``, ``ir.ArrayType``, ``ir.TupleType``, ``None``).  ``index`` picks one entry of a
    batch document (several ``Results``).

    The per-shot ``Shots`` list is used when present (and checked against the histogram);
    otherwise the ``Histogram`` is expanded.  Failed shots and shots that lost a qubit are
    left out and counted in ``.rejected``.  Raises ``ResultsFormatError`` for a document that
    is not a v2 results document or whose outcomes do not have the kernel's shape.
    """
    returns = _returns_of(shape, args)
    doc = _document(document)
    entry = _entry(doc, index)
    histogram = entry.get("Histogram")
    shots = entry.get("Shots")
    if histogram is not None and not isinstance(histogram, list):
        raise ResultsFormatError("\"Histogram\" must be a list of {\"Outcome\", \"Display\", \"Count\"} objects")
    hist_outcomes: list[tuple[Any, int, str]] = []
    for k, h in enumerate(histogram or []):
        if not isinstance(h, dict) or "Count" not in h or ("Outcome" not in h and "Display" not in h):
            raise ResultsFormatError(f"Histogram[{k}] must be an object with \"Outcome\" (or \"Display\") and "
                                     f"\"Count\", got {h!r}")
        count = h["Count"]
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ResultsFormatError(f"Histogram[{k}]: \"Count\" must be a non-negative integer, got {count!r}")
        outcome = h["Outcome"] if "Outcome" in h else _from_display(h["Display"])
        hist_outcomes.append((outcome, count, str(h.get("Display", outcome))))
    values: list[Any] = []
    rejected: Counter[str] = Counter()
    if isinstance(shots, list):
        for k, outcome in enumerate(shots):
            _take(_convert(outcome, returns, f"Shots[{k}]"), 1, values, rejected)
        if histogram is not None:
            _check_consistent(hist_outcomes, values, rejected, returns)
    elif histogram is not None:
        for k, (outcome, count, _) in enumerate(hist_outcomes):
            _take(_convert(outcome, returns, f"Histogram[{k}]"), count, values, rejected)
    else:
        raise ResultsFormatError("the results entry has neither \"Shots\" nor \"Histogram\"")
    return AzureResult(returns, _outputs(returns, values), len(values), dict(rejected.most_common()))


def _document(document: Any) -> dict[str, Any]:
    if isinstance(document, (bytes, bytearray)):
        document = bytes(document).decode("utf-8")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as e:
            raise ResultsFormatError(f"the results document is not JSON: {e}") from None
    if not isinstance(document, dict):
        raise ResultsFormatError(f"the results document must be a JSON object, got {type(document).__name__}")
    fmt = document.get("DataFormat")
    if fmt != OUTPUT_DATA_FORMAT:
        raise ResultsFormatError(f"expected a {OUTPUT_DATA_FORMAT!r} document, got DataFormat={fmt!r}")
    return document


def _entry(doc: dict[str, Any], index: int | None) -> dict[str, Any]:
    results = doc.get("Results")
    if not isinstance(results, list) or not results:
        raise ResultsFormatError("\"Results\" must be a non-empty list")
    if index is None:
        if len(results) > 1:
            raise ResultsFormatError(f"the document holds {len(results)} results (a batch); choose one with index=")
        index = 0
    if not -len(results) <= index < len(results):
        raise ResultsFormatError(f"index {index} is out of range for {len(results)} results")
    entry = results[index]
    if not isinstance(entry, dict):
        raise ResultsFormatError(f"Results[{index}] must be an object, got {entry!r}")
    return entry


def _from_display(display: Any) -> Any:
    """An outcome from its ``Display`` text (``"[0, 1]"``, ``"(3, true)"``) for documents without ``Outcome``."""
    if not isinstance(display, str):
        return display
    text = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", display))
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return display
    return _tuples_to_items(value)


def _tuples_to_items(v: Any) -> Any:
    if isinstance(v, tuple):
        return {f"Item{k + 1}": _tuples_to_items(x) for k, x in enumerate(v)}
    if isinstance(v, list):
        return [_tuples_to_items(x) for x in v]
    return v


def _convert(outcome: Any, returns: ir.ReturnType, where: str) -> tuple[bool, Any]:
    """(True, the kernel value) of an outcome, or (False, why the shot has none)."""
    if isinstance(outcome, dict) and "Error" in outcome:
        err = outcome["Error"]
        name = (err.get("Name") or err.get("Code") or "error") if isinstance(err, dict) else str(err)
        return False, f"error: {name}"
    try:
        return True, _value(outcome, returns, where)
    except _Rejected as r:
        return False, r.why
    except ResultsFormatError as e:
        if "return shape" in str(e):
            raise
        raise ResultsFormatError(f"{e}; the kernel's return shape is {_shape(returns)}") from None


def _take(converted: tuple[bool, Any], count: int, values: list[Any], rejected: Counter[str]) -> None:
    ok, v = converted
    if ok:
        values.extend([v] * count)
    elif count:
        rejected[v] += count


def _check_consistent(hist: list[tuple[Any, int, str]], values: list[Any], rejected: Counter[str],
                      returns: ir.ReturnType) -> None:
    """The histogram must count exactly the shots listed."""
    expect: Counter[Any] = Counter()
    expect_rejected: Counter[str] = Counter()
    for k, (outcome, count, _) in enumerate(hist):
        ok, v = _convert(outcome, returns, f"Histogram[{k}]")
        if ok:
            expect[hashable(v)] += count
        elif count:
            expect_rejected[v] += count
    got = Counter(hashable(v) for v in values)
    if got != expect or expect_rejected != rejected:
        raise ResultsFormatError(
            f"the Histogram ({sum(expect.values()) + sum(expect_rejected.values())} shots) and the Shots list "
            f"({len(values) + sum(rejected.values())} shots) of the document disagree")


_RESULT_STRINGS = {"One": True, "Zero": False, "1": True, "0": False, "true": True, "false": False,
                   "True": True, "False": False}
_LOSS = ("-", 2, "2")


def _value(outcome: Any, rt: ir.ReturnType, where: str) -> Any:
    """The kernel value that ``outcome`` records, or ``_Rejected`` for a shot that lost a qubit."""
    def bad(expected: str) -> ResultsFormatError:
        return ResultsFormatError(f"{where}: outcome {outcome!r} does not have the kernel's return shape "
                                  f"{_shape(rt)} (expected {expected})")

    if rt is None:
        if outcome in (None, [], {}, "()", ""):
            return None
        raise bad("an empty tuple")
    if isinstance(rt, ir.TupleType):
        n = len(rt.elems)
        items: list[Any] | None = None
        if isinstance(outcome, dict):
            keys = [f"Item{k + 1}" for k in range(n)]
            if sorted(outcome) == sorted(keys):
                items = [outcome[k] for k in keys]
        elif isinstance(outcome, (list, tuple)) and len(outcome) == n:
            items = list(outcome)
        if items is None and n == 1:
            items = [outcome]
        if items is None:
            raise bad(f"a tuple of {n}: {{\"Item1\": ..., ..., \"Item{n}\": ...}}")
        return tuple(_leaf(x, t, f"{where}.Item{k + 1}") for k, (x, t) in enumerate(zip(items, rt.elems)))
    if not isinstance(rt, ir.ArrayType) and isinstance(outcome, list) and len(outcome) == 1:
        outcome = outcome[0]  # a lone recorded scalar, shown as a one-element list
    return _leaf(outcome, rt, where)


def _leaf(x: Any, t: ir.Type, where: str) -> Any:
    if isinstance(t, ir.ArrayType):
        if not isinstance(x, (list, tuple)) or len(x) != t.length:
            raise ResultsFormatError(f"{where}: {x!r} is not a list of {t.length} {t.elem}s")
        return [_scalar(v, t.elem, f"{where}[{k}]") for k, v in enumerate(x)]
    return _scalar(x, t, where)


def _scalar(x: Any, t: str, where: str) -> Any:
    if t == ir.BOOL:
        if isinstance(x, bool):
            return x
        if isinstance(x, int) and x in (0, 1):
            return bool(x)
        if isinstance(x, str) and x in _RESULT_STRINGS:
            return _RESULT_STRINGS[x]
        if x in _LOSS:
            raise _Rejected("qubit loss")
        raise ResultsFormatError(f"{where}: {x!r} is not a measurement result or bool (0/1, \"Zero\"/\"One\", "
                                 "true/false)")
    if t == ir.INT:
        if isinstance(x, int) and not isinstance(x, bool):
            return x
        if isinstance(x, float) and x.is_integer():
            return int(x)
        raise ResultsFormatError(f"{where}: {x!r} is not an integer")
    if t == ir.FLOAT:
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            return float(x)
        if isinstance(x, str):
            try:
                return float(x)  # "NaN", "Infinity"
            except ValueError:
                pass
        raise ResultsFormatError(f"{where}: {x!r} is not a number")
    raise ResultsFormatError(f"{where}: unsupported return type {t}")


def _shape(rt: ir.ReturnType) -> str:
    return "None" if rt is None else str(rt)


def _outputs(rt: ir.ReturnType, values: list[Any]) -> tuple[np.ndarray, ...]:
    """One array per returned leaf, as the engine's ``Result`` holds them."""
    leaves = ir.return_leaves(rt)
    dtypes = {ir.BOOL: np.bool_, ir.INT: np.int64, ir.FLOAT: np.float64}
    columns: list[list[Any]] = [[] for _ in leaves]
    for v in values:
        parts = v if isinstance(rt, ir.TupleType) else (v,)
        for col, p in zip(columns, parts):
            col.append(p)
    out = []
    for leaf, col in zip(leaves, columns):
        if isinstance(leaf, ir.ArrayType):
            out.append(np.array(col, dtype=dtypes[leaf.elem]).reshape(len(col), leaf.length))
        else:
            out.append(np.array(col, dtype=dtypes[leaf]).reshape(len(col)))
    return tuple(out)


def _returns_of(shape: Any, args: tuple[Any, ...]) -> ir.ReturnType:
    if shape is None or isinstance(shape, (ir.ArrayType, ir.TupleType)) or shape in ir.CLASSICAL_TYPES:
        if args:
            raise TypeError("arguments are only meaningful with a kernel")
        return shape  # type: ignore[no-any-return]
    if _is_kernel(shape):
        return shape.compile(*args).returns  # type: ignore[no-any-return]
    if args:
        raise TypeError("arguments are only meaningful with a kernel")
    if isinstance(shape, ir.Program):
        return shape.returns
    from .load import load

    if isinstance(shape, QirProgram):
        return load(shape.text).returns
    if isinstance(shape, (str, bytes, bytearray, Path)):
        return load(shape).returns
    raise TypeError(f"shape must be a kernel, an ir.Program, QIR or an ir return type, got {type(shape).__name__}")


# ---------------------------------------------------------------- submission


class AzureJob:
    """A submitted job: ``job`` is the ``azure.quantum.Job``; ``result()`` waits and reads it as a ``Result``."""

    def __init__(self, job: Any, returns: ir.ReturnType):
        self.job = job
        self.returns = returns

    @property
    def id(self) -> str:
        return str(self.job.id)

    def result(self, timeout_secs: float = 300) -> AzureResult:
        """Wait for the job (at most ``timeout_secs``) and parse its results document."""
        job = self.job
        if not job.has_completed():
            job.wait_until_completed(timeout_secs=timeout_secs)
        if not job.has_succeeded():
            raise HybridrtError(f"Azure job {job.id} did not succeed (status {job.details.status}): "
                                f"{job.details.error_data}")
        return parse_results(job.download_data(job.details.output_data_uri), self.returns)

    def __repr__(self) -> str:
        return f"<AzureJob {self.id} on {getattr(self.job.details, 'target', '?')}>"


def submit(kernel: Any, *args: Any, target: str | Target, shots: int, workspace: Any,
           name: str = "hybridrt-job") -> AzureJob:
    """Submit ``kernel(*args)`` to ``target`` in ``workspace`` (an ``azure.quantum.Workspace``).

    The job is exactly ``job_payload(kernel, *args, target=..., shots=..., name=...)``; the
    returned ``AzureJob``'s ``result()`` waits for it and returns an ``AzureResult``.
    Needs the ``azure`` extra: ``pip install 'hybridrt[azure]'``.
    """
    check_workspace(workspace)
    payload = job_payload(kernel, *args, target=target, shots=shots, name=name)
    return AzureJob(submit_payload(azure_target(workspace, payload["target"]), payload), _returns_of(kernel, args))


def check_workspace(workspace: Any) -> None:
    """azure-quantum is installed and ``workspace`` is an ``azure.quantum.Workspace``."""
    try:
        from azure.quantum import Workspace
    except ImportError as e:
        raise ImportError("submitting to Azure Quantum needs the azure-quantum package: "
                          "pip install 'hybridrt[azure]'") from e
    if not isinstance(workspace, Workspace):
        raise TypeError(f"workspace must be an azure.quantum.Workspace, got {type(workspace).__name__}")


def azure_target(workspace: Any, target_id: str) -> Any:
    """The workspace's ``azure.quantum.target.Target`` for ``target_id``; TargetError if it has none."""
    from azure.quantum.target import Target as AzureTarget

    az_target = workspace.get_targets(name=target_id)
    if not isinstance(az_target, AzureTarget):
        raise TargetError(f"target {target_id} is not available in Azure Quantum workspace "
                          f"{workspace.name!r} (add its provider to the workspace)")
    return az_target


def submit_payload(az_target: Any, payload: dict[str, Any]) -> Any:
    """Submit one ``job_payload`` to an Azure target (inside its open session, if any); the azure job."""
    params = dict(payload["input_params"])
    return az_target.submit(
        input_data=payload["input_data"].encode("utf-8"),
        name=payload["name"],
        shots=params.pop("shots"),  # Target.submit writes it back as input_params["shots"]
        input_params=params,
        input_data_format=payload["input_data_format"],
        output_data_format=payload["output_data_format"],
        content_type=payload["content_type"],
    )
