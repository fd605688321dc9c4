"""``@kernel``: a Python function compiled (per argument signature) to IR and bytecode, and run."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import ir
from .assemble import Bytecode, assemble
from .frontend import compile_kernel, parameter_specs
from .fusion import fuse_gates
from .progress import wanted
from .result import Distribution, Result, SweepResult
from .runtime import DEFAULT_MAX_STEPS, exact_bytecode, make_engine, run_bytecode
from .units import CHUNK_SHOTS, ArgumentTable, Plan, check_run_options, execute, new_seed, row_seeds

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class Kernel:
    """A quantum kernel: call it for one shot, ``run`` it for many.

    >>> import hybridrt as hr
    >>> from hybridrt import qubits, h, cx, mz
    >>> @hr.kernel
    ... def bell() -> tuple[bool, bool]:
    ...     a, b = qubits(2)
    ...     h(a)
    ...     cx(a, b)
    ...     return mz(a), mz(b)
    >>> sorted(bell.run(shots=1000, seed=1).counts())
    [(False, False), (True, True)]
    """

    def __init__(self, func: Callable[..., Any]):
        functools.update_wrapper(self, func)
        self._hybridrt_function: Callable[..., Any] | None = func
        self._fixed: ir.Program | None = None  # a kernel made from IR
        self._name = func.__name__
        self._signature = inspect.signature(func)
        self._specs = {name: spec for name, spec, _ in parameter_specs(func)}
        self._compiled: dict[tuple[ir.Type, ...], tuple[ir.Program, Bytecode]] = {}

    @classmethod
    def from_ir(cls, program: ir.Program) -> Kernel:
        """A kernel that runs a ready IR program (e.g. loaded from QIR); its parameters are the program's."""
        k = cls.__new__(cls)
        k._hybridrt_function = None
        k._fixed = ir.verify(program)
        k._name = k.__name__ = k.__qualname__ = program.name
        k.__doc__ = f"Kernel {program.name!r} from IR."
        k._signature = inspect.Signature(
            [inspect.Parameter(r.name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for r in program.params])
        k._specs = {r.name: ("list", r.type.elem) if isinstance(r.type, ir.ArrayType) else r.type
                    for r in program.params}
        k._compiled = {}
        return k

    @property
    def name(self) -> str:
        return self._name

    @functools.cached_property
    def _positional(self) -> bool:
        """Every parameter can be passed by position (so a call with one value each needs no binding)."""
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return all(p.kind in kinds for p in self._signature.parameters.values())

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[ir.Type, ...], list[Any]]:
        """Check the arguments against the annotations; their types (list lengths included) and values."""
        if kwargs or len(args) != len(self._specs) or not self._positional:
            try:
                bound = self._signature.bind(*args, **kwargs)
            except TypeError as e:
                raise TypeError(f"kernel {self.name}(): {e}") from None
            bound.apply_defaults()
            args = tuple(bound.arguments.values())
        types, values = [], []
        for (name, spec), value in zip(self._specs.items(), args):
            t, v = _check_argument(self.name, name, spec, value)
            types.append(t)
            values.append(v)
        return tuple(types), values

    def _program(self, types: tuple[ir.Type, ...]) -> ir.Program:
        return self._compile(types)[0]

    def _bytecode(self, types: tuple[ir.Type, ...]) -> Bytecode:
        return self._compile(types)[1]

    def _compile(self, types: tuple[ir.Type, ...]) -> tuple[ir.Program, Bytecode]:
        """The program for arguments of these types, and its bytecode (one-qubit gate runs fused)."""
        if types not in self._compiled:
            if self._fixed is not None:
                for r, t in zip(self._fixed.params, types):
                    if t != r.type:
                        raise TypeError(f"kernel {self.name}(): argument {r.name!r} must be a list of "
                                        f"{r.type.length} {r.type.elem}s, got {t.length}")  # type: ignore[union-attr]
                program = self._fixed
            else:
                assert self._hybridrt_function is not None
                program = compile_kernel(self._hybridrt_function, dict(zip(self._specs, types)))
            self._compiled[types] = (program, assemble(fuse_gates(program)))
        return self._compiled[types]

    def compile(self, *args: Any, **kwargs: Any) -> ir.Program:
        """The IR of this kernel for arguments like these (compiled once per signature)."""
        return self._program(self._bind(args, kwargs)[0])

    @property
    def ir(self) -> ir.Program:
        """The IR of a kernel whose parameters are all scalars."""
        types = []
        for name, spec in self._specs.items():
            if spec not in ir.CLASSICAL_TYPES:
                if self._fixed is not None:
                    return self._fixed
                assert self._hybridrt_function is not None
                if not (isinstance(spec, tuple) and spec[0] == "list" and spec[1] in ir.CLASSICAL_TYPES):
                    compile_kernel(self._hybridrt_function, {})  # raises the CompileError for a bad annotation
                raise TypeError(f"kernel {self.name}(): parameter {name!r} is a list; use .compile(*args) "
                                "to see the IR for arguments of given lengths")
            types.append(spec)
        return self._program(tuple(types))

    def run(self, *args: Any, shots: int = 1000, seed: int | None = None, max_steps: int = DEFAULT_MAX_STEPS,
            strategy: str = "branching", executor: Any = None, chunk_shots: int | None = None,
            progress: bool | None = None, **kwargs: Any) -> Result:
        """Run ``shots`` shots; the same ``seed`` gives the same ``Result``.

        ``max_steps`` bounds the instructions one shot may execute (a runaway loop
        stops with ``KernelRuntimeError``); ``strategy`` is "branching" (split shots
        between measurement outcomes; the default) or "trajectories" (shot by shot).
        Shots run in chunks of ``chunk_shots`` (default ``hybridrt.units.CHUNK_SHOTS``), each
        seeded from ``seed``; ``executor`` (a ``dask.distributed.Client``) spreads the chunks
        over its workers, with the identical result for the same seed and chunk size.
        ``progress`` shows a bar on stderr (default: on a terminal, for long runs).
        """
        check_run_options(shots, seed, chunk_shots)
        types, values = self._bind(args, kwargs)
        bc = self._bytecode(types)
        show = wanted(progress, int(shots), 1, bc.program.num_qubits)
        if executor is None and not show and shots <= (chunk_shots or CHUNK_SHOTS):
            return run_bytecode(bc, values, int(shots), None if seed is None else int(seed), max_steps, strategy)
        seed = new_seed() if seed is None else int(seed)
        plan = Plan(make_engine(bc, max_steps, strategy), [values], [seed], int(shots), chunk_shots)
        return execute([plan], executor, show, self.name)[0][0]

    def sweep(self, table: Any, *, shots: int = 1000, seed: int | None = None, max_steps: int = DEFAULT_MAX_STEPS,
              strategy: str = "branching", executor: Any = None, chunk_shots: int | None = None,
              progress: bool | None = None) -> SweepResult:
        """Run ``shots`` shots for each row of arguments in ``table``, compiled once, in one engine call.

        ``table``: rows of arguments (a 2-D array, or a list of tuples; for a one-parameter
        kernel a row may be the argument itself), or columns by parameter name (a dict or a
        pandas DataFrame).  Row ``r`` runs with a seed derived from ``seed`` (see
        ``hybridrt.units``), recorded in ``result.seeds[r]``; ``executor``, ``chunk_shots`` and
        ``progress`` as for ``run``.

        >>> import hybridrt as hr
        >>> from hybridrt import qubit, ry, mz
        >>> @hr.kernel
        ... def tilt(theta: float) -> bool:
        ...     q = qubit()
        ...     ry(theta, q)
        ...     return mz(q)
        >>> res = tilt.sweep([0.0, 3.141592653589793], shots=100, seed=1)
        >>> [r.counts() for r in res]
        [{False: 100}, {True: 100}]
        >>> res.outputs[0].shape
        (2, 100)
        """
        check_run_options(shots, seed, chunk_shots)
        types, rows = self._bind_rows(table)
        seed = new_seed() if seed is None else int(seed)
        bc = self._bytecode(types)
        plan = Plan(make_engine(bc, max_steps, strategy), rows, row_seeds(seed, 0, len(rows)), int(shots),
                    chunk_shots, label="row {}".format)
        show = wanted(progress, int(shots) * len(rows), len(rows), bc.program.num_qubits)
        return execute([plan], executor, show, self.name)[0]

    def _bind_rows(self, table: Any) -> tuple[tuple[ir.Type, ...], Sequence[list[Any]]]:
        """The argument types shared by every row of a sweep table, and each row's checked values."""
        fast = _array_rows(list(self._specs.values()), table)
        if fast is not None:
            return fast
        rows = []
        for r, (args, kwargs) in enumerate(self._table_rows(table)):
            try:
                rows.append(self._bind(args, kwargs))
            except TypeError as e:
                raise TypeError(f"{e} (in row {r} of the sweep)") from None
        types = rows[0][0]
        for r, (t, _) in enumerate(rows):
            if t != types:
                raise TypeError(f"kernel {self.name}(): row {r} of the sweep has argument types {_types(t)}, "
                                f"row 0 has {_types(types)}: a sweep runs one compiled program, so list "
                                "arguments must have the same length in every row")
        return types, [v for _, v in rows]

    def _table_rows(self, table: Any) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        """The (args, kwargs) of each row of a sweep table (see ``sweep``)."""
        if hasattr(table, "columns") and not isinstance(table, np.ndarray):  # a pandas DataFrame
            table = {c: list(table[c]) for c in table.columns}
        if isinstance(table, dict):
            lengths = {len(v) for v in table.values()}
            if len(lengths) > 1:
                raise ValueError(f"kernel {self.name}(): the sweep's columns have different lengths {sorted(lengths)}")
            n = lengths.pop() if lengths else 0
            rows = [((), {name: column[r] for name, column in table.items()}) for r in range(n)]
        else:
            try:
                items = list(table)
            except TypeError:
                raise TypeError(f"kernel {self.name}(): a sweep table must be rows of arguments or columns by "
                                f"parameter name, got {type(table).__name__}") from None
            specs = list(self._specs.values())
            rows = [(_row_args(self.name, k, r, specs), {}) for k, r in enumerate(items)]
        if not rows:
            raise ValueError(f"kernel {self.name}(): the sweep table has no rows")
        return rows

    def distribution(self, *args: Any, cutoff: float = 1e-12, max_branches: int = 100_000,
                     max_steps: int = DEFAULT_MAX_STEPS, **kwargs: Any) -> Distribution:
        """The exact probability of every return value, by following each measurement outcome.

        Identical pending branches (same registers and state) are merged; branches less
        likely than ``cutoff`` are dropped and their total reported as ``.dropped``, so
        programs with unbounded loops terminate.  More than ``max_branches`` branches or
        outcomes is an error.

        >>> import hybridrt as hr
        >>> from hybridrt import qubits, h, mz
        >>> @hr.kernel
        ... def two_coins() -> int:
        ...     q = qubits(2)
        ...     h(q)
        ...     return int(mz(q[0])) + int(mz(q[1]))
        >>> {value: round(p, 12) for value, p in two_coins.distribution().items()}
        {1: 0.5, 0: 0.25, 2: 0.25}
        """
        types, values = self._bind(args, kwargs)
        return exact_bytecode(self._bytecode(types), values, cutoff, max_branches, max_steps)

    def to_qir(self, *args: Any, target: Any = None, profile: Any = None) -> Any:
        """QIR for these arguments (a ``hybridrt.qir_targets.lower.QirProgram``: ``str()`` text, ``.bitcode``).

        ``target``: an Azure target id (``hybridrt.qir_targets.targets()``); ``profile``: ``"base"``,
        ``"adaptive_ri"``, ``"adaptive_rif"`` or ``"adaptive"`` (default: the target's; with neither,
        the weakest profile the kernel fits).  Raises ``TargetError`` for what the target cannot run.
        """
        from .qir_targets.lower import to_qir

        types, values = self._bind(args, {})
        return to_qir(self._program(types), profile=profile, target=target, args=values)

    def to_qsharp(self, *args: Any) -> str:
        """Q# source for this kernel: an operation a Q# project can include (see ``hybridrt.qsharp``).

        With no arguments the kernel's parameters become the operation's; with arguments
        (needed for list parameters) they are bound into the emitted code.
        """
        from .qsharp import to_qsharp

        program, values = self._program_for_export(args)
        return to_qsharp(program, values)

    def to_qiskit(self, *args: Any) -> Any:
        """An equivalent ``qiskit.QuantumCircuit`` where Qiskit can express the kernel (see ``hybridrt.qiskit``).

        With no arguments float parameters become circuit ``Parameter``s; with arguments they are bound.
        """
        from .qiskit import to_qiskit

        program, values = self._program_for_export(args)
        return to_qiskit(program, values)

    def _program_for_export(self, args: tuple[Any, ...]) -> tuple[ir.Program, list[Any] | None]:
        if not args:
            return self.ir, None
        types, values = self._bind(args, {})
        return self._program(types), values

    def draw(self, *args: Any) -> str:
        """A text drawing of the kernel's circuit (see ``hybridrt.drawing``); arguments as for ``to_qiskit``."""
        from .drawing import draw

        return draw(self._program_for_export(args)[0])

    def _repr_html_(self) -> str:
        """In a notebook: the signature, the circuit drawing and the IR (or why there is none yet)."""
        import html

        from .errors import HybridrtError

        try:
            program = self.ir
            body = (f"<pre>{html.escape(self.draw())}</pre><details><summary>IR</summary>"
                    f"<pre>{html.escape(str(program))}</pre></details>")
        except (HybridrtError, TypeError) as e:
            body = f"<pre>{html.escape(str(e))}</pre>"
        return f"<div><b>kernel</b> <code>{html.escape(self.name + _signature_text(self._signature))}</code>{body}</div>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run one shot and return its value."""
        return self.run(*args, shots=1, **kwargs).values[0]

    def __repr__(self) -> str:
        return f"<hybridrt kernel {self.name}{self._signature}>"


def kernel(func: Callable[..., Any]) -> Kernel:
    """Decorator: compile ``func`` as a quantum kernel (lazily, at its first use)."""
    return Kernel(func)


def _check_argument(kernel_name: str, name: str, spec: Any, value: Any) -> tuple[ir.Type, Any]:
    def bad(expected: str) -> TypeError:
        return TypeError(f"kernel {kernel_name}(): argument {name!r} must be {expected}, "
                         f"got {type(value).__name__} {value!r}")

    if spec in ir.CLASSICAL_TYPES:
        v = _scalar(spec, value)
        if v is None:
            raise bad(spec)
        return spec, v
    if isinstance(spec, tuple) and spec[0] == "list" and spec[1] in ir.CLASSICAL_TYPES:
        if isinstance(value, np.ndarray) and value.ndim == 1:
            value = value.tolist()
        if not isinstance(value, (list, tuple)):
            raise bad(f"a list of {spec[1]}")
        items = [_scalar(spec[1], v) for v in value]
        if any(v is None for v in items):
            raise bad(f"a list of {spec[1]}")
        return ir.ArrayType(spec[1], len(items)), items
    return "?", value  # a missing or unsupported annotation: compiling reports it with its location


_KINDS = {ir.BOOL: "b", ir.INT: "biu", ir.FLOAT: "biuf"}  # NumPy dtype kinds each parameter type accepts
_DTYPES = {ir.BOOL: np.bool_, ir.INT: np.int64, ir.FLOAT: np.float64}


def _array_rows(specs: list[Any], table: Any) -> tuple[tuple[ir.Type, ...], ArgumentTable] | None:
    """A numeric NumPy table bound column by column, as ``_bind`` binds each row (None: bind row by row).

    Rows of a 2-D array are the arguments of an all-scalar kernel, or the one list argument
    of a kernel with a single list parameter; a 1-D array holds the one scalar argument.
    """
    if not isinstance(table, np.ndarray) or table.dtype.kind not in "biuf" or not table.size or not specs:
        return None
    if table.dtype.kind == "u" and table.max() > _INT64_MAX:
        return None  # row by row, for the error
    one = specs[0]
    if table.ndim == 2 and len(specs) == 1 and isinstance(one, tuple) and one[0] == "list" \
            and one[1] in ir.CLASSICAL_TYPES and table.dtype.kind in _KINDS[one[1]]:
        return (ir.ArrayType(one[1], table.shape[1]),), ArgumentTable([table.astype(_DTYPES[one[1]])])
    columns = table.reshape(-1, 1) if table.ndim == 1 else table
    if table.ndim > 2 or columns.shape[1] != len(specs) or \
            not all(s in ir.CLASSICAL_TYPES and table.dtype.kind in _KINDS[s] for s in specs):
        return None
    return tuple(specs), ArgumentTable([columns[:, k].astype(_DTYPES[s]) for k, s in enumerate(specs)])


def _signature_text(sig: inspect.Signature) -> str:
    """``(theta: float) -> bool`` whether the annotations are types or (postponed) strings."""
    def text(a: Any) -> str:
        return a if isinstance(a, str) else inspect.formatannotation(a)

    params = ", ".join(p.name + ("" if p.annotation is p.empty else f": {text(p.annotation)}")
                       for p in sig.parameters.values())
    returns = "" if sig.return_annotation is sig.empty else f" -> {text(sig.return_annotation)}"
    return f"({params}){returns}"


def _types(types: tuple[ir.Type, ...]) -> str:
    return "(" + ", ".join(map(str, types)) + ")"


def _row_args(name: str, k: int, row: Any, specs: list[Any]) -> tuple[Any, ...]:
    """The arguments in row ``k`` of a sweep table: a tuple as it is; for a one-parameter kernel the row itself
    (or the one item of a one-column row, for a scalar parameter); otherwise the row's items."""
    if isinstance(row, tuple):
        return row
    sequence = isinstance(row, (list, np.ndarray)) and np.ndim(row) == 1
    if len(specs) == 1 and not (sequence and len(row) == 1 and specs[0] in ir.CLASSICAL_TYPES):
        return (row,)
    if not sequence:
        raise TypeError(f"kernel {name}(): row {k} of the sweep table must be a sequence of {len(specs)} arguments, "
                        f"got {type(row).__name__} {row!r}")
    return tuple(row)


def _scalar(t: str, v: Any) -> bool | int | float | None:
    """``v`` as a value of kernel type ``t`` (bool -> int -> float widen), or None."""
    if isinstance(v, (bool, np.bool_)):
        return {"bool": bool, "int": int, "float": float}[t](v)
    if isinstance(v, (int, np.integer)) and t != ir.BOOL:
        if not _INT64_MIN <= int(v) <= _INT64_MAX:
            return None
        return int(v) if t == ir.INT else float(v)
    if isinstance(v, (float, np.floating)) and t == ir.FLOAT:
        return float(v)
    return None
