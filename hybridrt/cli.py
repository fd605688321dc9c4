"""The ``hybridrt`` command line: run a kernel from a file and print its counts, export QIR, list Azure targets.

    hybridrt run examples/rus.py --shots 1000 --seed 7
    hybridrt run examples/rus.py:rus --json --plot counts.png
    hybridrt run program.ll --shots 100
    hybridrt run program.qs:"Main(3)" --shots 100        # Q#, compiled by qdk
    hybridrt run circuit.qasm --shots 100                # OpenQASM 3, read by Qiskit
    hybridrt qir examples/rus_bounded.py --target quantinuum.sim.h2-1e -o rus.ll
    hybridrt targets

Errors in the user's program or input (``CompileError``, ``TargetError``,
``KernelRuntimeError``, malformed QIR, a missing file) print one message with the
location to stderr and exit with status 1; ``--traceback`` shows the Python traceback
as well.  Usage errors exit with status 2.  Long runs show a progress bar on stderr when
it is a terminal (``--progress`` / ``--no-progress`` or ``HYBRIDRT_PROGRESS=1/0`` decide).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PROG = "hybridrt"
_QIR_SUFFIXES = (".ll", ".bc")


class CliError(Exception):
    """A problem with the command's input, reported as one line (exit status 1)."""


# ---------------------------------------------------------------- the parser


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--traceback", action="store_true", help="on an error, show the Python traceback too")

    parser = argparse.ArgumentParser(
        prog=PROG, description="hybridrt: run hybrid quantum kernels, export them to QIR, list Azure targets.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser(
        "run", parents=[common], help="run a kernel and print the counts of its return values",
        description="Run a kernel of a Python file (FILE.py[:KERNEL]), a QIR program (FILE.ll / FILE.bc[:ENTRY]), "
                    "a Q# program (FILE.qs[:ENTRY_EXPRESSION]) or an OpenQASM 3 circuit (FILE.qasm) on hybridrt's "
                    "engine and print how often each return value occurred.")
    run.add_argument("source", metavar="FILE[:KERNEL]",
                     help="a Python file and the kernel in it (default: its only kernel), a .ll/.bc QIR file, a .qs "
                          "Q# file (and its entry expression, e.g. prog.qs:'Main(3)') or a .qasm file")
    run.add_argument("--shots", type=_positive_int, default=1000, help="number of shots (default 1000)")
    run.add_argument("--seed", type=_seed, default=None, help="random seed (default: a fresh one, printed)")
    run.add_argument("--args", dest="kernel_args", type=_json_list, default=[], metavar="JSON_LIST",
                     help="the kernel's arguments as a JSON list, e.g. '[0.5, [1, 2]]'")
    run.add_argument("--strategy", choices=("branching", "trajectories"), default="branching",
                     help="shot strategy: split shots between measurement outcomes (default) or simulate each shot")
    run.add_argument("--json", action="store_true", help="print the counts as JSON")
    run.add_argument("--top", type=_non_negative_int, default=40, metavar="N",
                     help="table rows to show, most frequent first (default 40; 0: all)")
    run.add_argument("--plot", type=Path, metavar="FILE", help="also write a histogram of the counts to FILE "
                     "(.png, .svg, .pdf; needs matplotlib)")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="show a progress bar on stderr (default: for long runs, when stderr is a terminal)")
    run.set_defaults(func=_cmd_run)

    qir = sub.add_parser(
        "qir", parents=[common], help="print or write the QIR of a kernel",
        description="Lower a kernel to QIR for an Azure target or a QIR profile and print it or write it to a file.")
    qir.add_argument("source", metavar="FILE[:KERNEL]", help="a Python file and the kernel in it, or a .ll/.bc file")
    where = qir.add_mutually_exclusive_group()
    where.add_argument("--target", help="an Azure target id (see `hybridrt targets`); its profile and gates apply")
    where.add_argument("--profile", choices=("base", "adaptive_ri", "adaptive_rif", "adaptive"), type=str.lower,
                       help="a QIR profile (default: the target's, or the weakest the kernel fits)")
    qir.add_argument("--args", dest="kernel_args", type=_json_list, default=[], metavar="JSON_LIST",
                     help="the kernel's arguments (bound into the QIR) as a JSON list")
    qir.add_argument("-o", "--output", type=Path, metavar="OUT", help="write to this file instead of stdout")
    qir.add_argument("--bitcode", action="store_true", help="write LLVM bitcode instead of text (implied by -o *.bc)")
    qir.set_defaults(func=_cmd_qir)

    targets = sub.add_parser("targets", parents=[common], help="list the Azure Quantum targets that take QIR",
                             description="List the Azure Quantum QIR targets hybridrt knows: profile, qubits, gates.")
    targets.add_argument("--json", action="store_true", help="print the catalogue as JSON")
    targets.set_defaults(func=_cmd_targets)
    return parser


def _version() -> str:
    from hybridrt import __version__

    return __version__


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def _non_negative_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return v


def _seed(text: str) -> int:
    v = _non_negative_int(text)
    if v >= 2**64:
        raise argparse.ArgumentTypeError(f"the seed must be below 2**64, got {text}")
    return v


def _json_list(text: str) -> list[Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"not valid JSON ({e.msg} at column {e.colno}): {text!r}") from None
    if not isinstance(value, list):
        raise argparse.ArgumentTypeError(f"expected a JSON list of arguments, e.g. '[1, 0.5]', got {text!r}")
    return value


# ---------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 an error in the input, 2 a usage error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from hybridrt.errors import HybridrtError, InternalError

    try:
        return int(args.func(args) or 0)
    except InternalError as e:
        _error(args, f"internal error (a bug in hybridrt, please report it): {e}")
    except (CliError, HybridrtError) as e:
        _error(args, str(e))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `hybridrt qir ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 1


def _error(args: argparse.Namespace, message: str) -> None:
    if getattr(args, "traceback", False):
        traceback.print_exc()
    print(f"{PROG}: error: {message}", file=sys.stderr)


# ---------------------------------------------------------------- loading kernels


def split_source(spec: str) -> tuple[Path, str | None]:
    """``FILE[:KERNEL]`` -> (path, kernel name or None)."""
    path, sep, name = spec.rpartition(":")
    if sep and path and name and "/" not in name and "\\" not in name and not Path(spec).exists():
        return Path(path), name
    return Path(spec), None


def load_kernel(spec: str) -> tuple[Any, Path]:
    """The kernel that ``FILE[:KERNEL]`` names, and the file."""
    path, name = split_source(spec)
    suffix = path.suffix.lower()
    if not path.exists():
        raise CliError(f"{path}: no such file")
    if path.is_dir():
        raise CliError(f"{path}: is a directory, not a kernel file")
    if suffix in _QIR_SUFFIXES:
        import hybridrt as hr

        return hr.from_qir(path, entry=name), path
    if suffix in (".qs", ".qasm"):
        return _load_foreign(path, name), path
    if suffix != ".py":
        raise CliError(f"{path}: cannot run a {suffix or 'suffix-less'} file; expected a Python file with a "
                       "kernel (.py), QIR (.ll, .bc), Q# (.qs) or OpenQASM 3 (.qasm)")
    module = _import_file(path)
    return _pick_kernel(module, path, name), path


def _load_foreign(path: Path, name: str | None) -> Any:
    """The kernel of a Q# file (``name``: its entry expression) or an OpenQASM 3 file (``name``: the kernel's)."""
    from hybridrt.errors import HybridrtError

    try:
        if path.suffix.lower() == ".qs":
            from hybridrt.qsharp import from_qsharp

            return from_qsharp(path, entry=name)
        from hybridrt.qiskit import from_qasm

        return from_qasm(path, name=name)
    except ImportError as e:  # qdk or qiskit not installed
        raise CliError(f"{path}: {e}") from e
    except HybridrtError as e:
        if str(path) in str(e) or getattr(e, "loc", None) is not None:
            raise
        raise CliError(f"{path}: {e}") from e


def _import_file(path: Path) -> Any:
    """Import a Python file by its path (its folder first on sys.path, as ``python FILE`` would have it)."""
    name = "_hybridrt_cli_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CliError(f"{path}: cannot import this file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    from hybridrt.errors import HybridrtError

    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        where = f"{e.filename or path}:{e.lineno}" + (f":{e.offset}" if e.offset else "")
        raise CliError(f"{where}: syntax error: {e.msg}") from e
    except HybridrtError:
        raise
    except SystemExit as e:
        raise CliError(f"{path}: the file called exit({e.code!r}) while being imported") from e
    except Exception as e:
        raise CliError(f"{_where(e, path)}: {type(e).__name__} while importing {path}: {e}") from e
    return module


def _where(e: BaseException, path: Path) -> str:
    """``file:line`` of the innermost traceback frame in ``path`` (else the innermost frame)."""
    frames = traceback.extract_tb(e.__traceback__)
    target = str(path.resolve())
    mine = [f for f in frames if os.path.abspath(f.filename) == target]
    f = (mine or frames or [None])[-1]
    return f"{f.filename}:{f.lineno}" if f is not None else str(path)


def _pick_kernel(module: Any, path: Path, name: str | None) -> Any:
    from hybridrt import Kernel

    found: dict[str, Any] = {}
    for attr, value in vars(module).items():
        if isinstance(value, Kernel) and all(value is not k for k in found.values()):
            found[attr] = value
    own = {a: k for a, k in found.items() if getattr(k, "__module__", None) == module.__name__}
    candidates = own or found
    if name is not None:
        value = getattr(module, name, None)
        if isinstance(value, Kernel):
            return value
        listing = f"; its kernels: {', '.join(candidates)}" if candidates else "; it defines no kernels"
        what = "is not a kernel" if value is not None else "is not defined"
        raise CliError(f"{path}: {name!r} {what} in this file{listing}")
    if not candidates:
        raise CliError(f"{path}: no kernel in this file (decorate a function with @hybridrt.kernel)")
    if len(candidates) > 1:
        raise CliError(f"{path} has {len(candidates)} kernels ({', '.join(candidates)}); choose one with "
                       f"{path}:KERNEL")
    return next(iter(candidates.values()))


# ---------------------------------------------------------------- run


def _cmd_run(args: argparse.Namespace) -> int:
    kernel, path = load_kernel(args.source)
    res = _call(kernel, lambda: kernel.run(*args.kernel_args, shots=args.shots, seed=args.seed,
                                           strategy=args.strategy, progress=args.progress))
    if args.plot is not None:
        _plot(res, args.plot, args.top)
    if args.json:
        doc = {
            "kernel": kernel.name,
            "file": str(path),
            "args": args.kernel_args,
            "shots": res.shots,
            "seed": res.seed,
            "strategy": args.strategy,
            "returns": "None" if res.returns is None else str(res.returns),
            "counts": [{"value": _jsonable(v), "count": c, "probability": c / res.shots} for v, c in res.count_rows()],
        }
        print(json.dumps(doc, allow_nan=True))
        return 0
    arg_text = ", ".join(repr(a) for a in args.kernel_args)
    print(f"{kernel.name}({arg_text}) from {path}: {res.shots} shots, seed {res.seed}, strategy {args.strategy}")
    utf = (sys.stdout.encoding or "").lower().replace("-", "") in ("utf8", "utf16", "utf32")
    print(res.table(args.top, ascii=not utf, hint="; --top 0 shows all, --json gives them all"))
    return 0


def _plot(res: Any, out: Path, top: int) -> None:
    """Write the histogram of ``res`` to ``out`` (without pyplot: no display needed)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise CliError("--plot needs matplotlib: pip install 'hybridrt[plot]'") from e
    fig = Figure(figsize=(8, 4.5))
    res.plot(ax=fig.subplots(), top=min(top, 40) if top else 40)
    try:
        fig.savefig(out)
    except (OSError, ValueError) as e:
        raise CliError(f"{out}: cannot write the plot: {getattr(e, 'strerror', None) or e}") from e


def _call(kernel: Any, fn: Any) -> Any:
    """Run ``fn``; an argument that does not fit the kernel's parameters is an input error."""
    try:
        return fn()
    except TypeError as e:
        text = str(e)
        if not text.startswith(f"kernel {kernel.name}("):
            raise
        if "missing" in text:
            text += " (pass the arguments with --args '[...]')"
        raise CliError(text) from e


def _jsonable(v: Any) -> Any:
    if isinstance(v, (tuple, list)):
        return [_jsonable(x) for x in v]
    return v


# ---------------------------------------------------------------- qir


def _cmd_qir(args: argparse.Namespace) -> int:
    if args.target is not None:
        _check_target(args.target)
    kernel, _ = load_kernel(args.source)
    qir = _call(kernel, lambda: kernel.to_qir(*args.kernel_args, target=args.target, profile=args.profile))
    out: Path | None = args.output
    bitcode = args.bitcode or (out is not None and out.suffix.lower() == ".bc")
    data: bytes | str = qir.bitcode if bitcode else qir.text
    if out is None:
        if isinstance(data, bytes):
            if sys.stdout.isatty():
                raise CliError("refusing to write bitcode to a terminal: use -o FILE.bc or redirect stdout")
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            sys.stdout.write(data)
        return 0
    try:
        if isinstance(data, bytes):
            out.write_bytes(data)
        else:
            out.write_text(data, encoding="utf-8")
    except OSError as e:
        raise CliError(f"{out}: cannot write: {e.strerror or e}") from e
    where = f"target {qir.target}, " if qir.target else ""
    print(f"wrote {out}: QIR {qir.profile} ({where}{'bitcode' if bitcode else 'text'}), entry point "
          f"{qir.entry_point}, {qir.num_qubits} qubits, {qir.num_results} results", file=sys.stderr)
    return 0


def _check_target(name: str) -> None:
    """An unknown target id is an error before anything is compiled; the hint names the CLI's listing."""
    from hybridrt.errors import TargetError
    from hybridrt.qir_targets import target

    try:
        target(name)
    except TargetError as e:
        raise CliError(re.sub(r"\(hybridrt\.qir_targets\.targets\(\) lists them\)", "(`hybridrt targets` lists them)",
                              e.message)) from e


# ---------------------------------------------------------------- targets


def _cmd_targets(args: argparse.Namespace) -> int:
    from hybridrt.qir_targets import targets

    catalogue = targets()
    if args.json:
        print(json.dumps([{"id": t.id, "provider": t.provider, "profile": t.profile, "qubits": t.num_qubits,
                           "gates": _gate_order(t.gates), "qir_version": t.qir_version, "notes": t.notes}
                          for t in catalogue], indent=2))
        return 0
    rows = [(t.id, t.provider, t.profile, str(t.num_qubits), " ".join(_gate_order(t.gates))) for t in catalogue]
    head = ("target", "provider", "profile", "qubits", "gates")
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(head[:-1])]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(f"{c:>{w}}" if k == 3 else f"{c:<{w}}" for k, (c, w) in enumerate(zip(cells, widths))) \
            + "  " + cells[-1]

    print(line(head))
    for r in rows:
        print(line(r))
    return 0


_GATE_ORDER = ["x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "p", "u", "cx", "cy", "cz", "ch", "swap", "ccx", "cswap", "crx", "cry", "crz", "cp", "rxx", "ryy", "rzz"]


def _gate_order(gates: frozenset[str]) -> list[str]:
    rank = {g: k for k, g in enumerate(_GATE_ORDER)}
    return sorted(gates, key=lambda g: (rank.get(g, len(rank)), g))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
