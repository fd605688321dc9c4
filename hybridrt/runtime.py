"""Running assembled programs on the engine: memory checks, seeds, errors, and the ``Result``."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any, Sequence

import numba
import numpy as np

from . import ir
from .assemble import Bytecode
from .errors import CapacityError, KernelRuntimeError
from .kernels import opcodes as oc
from .kernels import exact_distribution, run_units
from .kernels.statevector import PARALLEL_MIN_SIZE
from .result import Distribution, Result, hashable

DEFAULT_MAX_STEPS = 10_000_000
MAX_QUBITS = 40

_ERRORS = {
    oc.ERR_STEPS: "did not finish within {max_steps:,} steps (a runaway loop?); raise max_steps= if it is "
                  "meant to run longer",
    oc.ERR_INDEX: "index out of range",
    oc.ERR_ZERO_DIVISION: "division by zero",
    oc.ERR_DOMAIN: "math domain error (e.g. sqrt or log of a negative number, a negative power, "
                   "or a float too large for an int)",
    oc.ERR_QUBIT_REUSE: "a gate was applied to the same qubit twice",
    oc.ERR_BRANCHES: "too many branches",
}


def available_memory() -> int:
    """Bytes of memory available to a new allocation, as the OS reports it."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_capacity(name: str, num_qubits: int, states: int) -> int:
    """Fail up front, clearly, when the ``states`` statevectors a run needs cannot fit in memory; else the
    bytes available."""
    need = states * _state_bytes(num_qubits)
    have = available_memory()
    if num_qubits > MAX_QUBITS or need > have:
        raise CapacityError(
            f"kernel {name!r} uses {num_qubits} qubits: simulating it needs about {_bytes(need)} of memory "
            f"({states} statevector{'s' if states > 1 else ''}), and {_bytes(have)} is available")
    return have


def states_needed(bc: Bytecode, strategy: str) -> int:
    """Statevectors a run holds at once, at least: one, and a copy where a random outcome precedes more gates.

    Shot branching samples measurements that only classical code follows from the state
    itself; shot-by-shot trajectories keep the state before the first random outcome.
    """
    ops = bc.code[:, 0]
    events = (ops == oc.MEASURE) | (ops == oc.RESET)
    if strategy == "branching":
        events &= ~bc.classical_tail
    return 2 if events.any() else 1


def _state_bytes(num_qubits: int) -> int:
    return 16 << min(num_qubits, 62)


def _branch_buffers(num_qubits: int, available: int) -> int:
    """How many extra statevectors shot branching may hold: half the ``available`` memory, at most 4096.

    Units of a small register run on all threads at once, so there each gets an equal share
    (of Numba's configured thread count, fixed for the process: results depend on this number).
    """
    share = available // 2
    if (1 << num_qubits) < PARALLEL_MIN_SIZE:
        share //= numba.config.NUMBA_NUM_THREADS
    return int(max(0, min(4096, share // _state_bytes(num_qubits) - 2)))


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n < 1024 or unit == "EiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    raise AssertionError


STRATEGIES = {"branching": oc.BRANCHING, "trajectories": oc.TRAJECTORIES}


@dataclass(frozen=True)
class Engine:
    """One program's code and run settings: all a worker needs to run its units (picklable; no IR)."""

    code: np.ndarray
    classical_tail: np.ndarray
    num_qubits: int
    n_out_i: int
    n_out_f: int
    max_steps: int
    strategy: int
    max_buffers: int

    def run(self, ints: np.ndarray, floats: np.ndarray, shots: np.ndarray, seeds: np.ndarray,
            threads: int | None = None) -> tuple[Any, ...]:
        """``run_units`` on these units: ``(out_i, out_f, status, err_pc, err_unit, err_shot)``.

        ``threads``: how many of Numba's threads may run units at once (default: all of them).
        """
        return run_units(self.code, ints, floats, self.num_qubits, shots, seeds, self.max_steps, self.n_out_i,
                         self.n_out_f, self.classical_tail, self.strategy, self.max_buffers,
                         numba.get_num_threads() if threads is None else threads)


def make_engine(bc: Bytecode, max_steps: int, strategy: str) -> tuple[Bytecode, Engine]:
    """``bc`` with its run settings, after checking that its states fit in memory."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {sorted(STRATEGIES)}, got {strategy!r}")
    p = bc.program
    available = check_capacity(p.name, p.num_qubits, states_needed(bc, strategy))
    return bc, Engine(bc.code, bc.classical_tail, p.num_qubits, bc.n_out_i, bc.n_out_f, int(max_steps),
                      STRATEGIES[strategy], _branch_buffers(p.num_qubits, available))


def run_bytecode(bc: Bytecode, args: Sequence[Any], shots: int, seed: int | None = None,
                 max_steps: int = DEFAULT_MAX_STEPS, strategy: str = "branching") -> Result:
    """Run ``shots`` shots of ``bc`` with argument values ``args`` (already checked against its params).

    ``strategy``: "branching" (default) splits shots between measurement outcomes and
    samples terminal measurements; "trajectories" simulates every shot on its own.
    """
    if shots < 1:
        raise ValueError(f"shots must be a positive int, got {shots!r}")
    _, engine = make_engine(bc, max_steps, strategy)
    if seed is None:
        seed = secrets.randbits(63)
    ints, floats = _registers(bc, args)
    out_i, out_f, status, err_pc, _, err_shot = engine.run(
        ints[None, :], floats[None, :], np.array([shots], np.int64), np.array([seed % 2**64], np.uint64), 1)
    p = bc.program
    if status != oc.OK:
        message = _ERRORS[status].format(max_steps=max_steps)
        raise KernelRuntimeError(f"kernel {p.name!r}, shot {err_shot}: {message}", bc.locs[err_pc])
    return Result(p.returns, _outputs(bc, out_i, out_f), seed, shots)


def exact_bytecode(bc: Bytecode, args: Sequence[Any], cutoff: float, max_branches: int,
                   max_steps: int = DEFAULT_MAX_STEPS) -> Distribution:
    """The exact distribution of ``bc``'s return value (see ``Kernel.distribution``)."""
    p = bc.program
    check_capacity(p.name, p.num_qubits, states_needed(bc, "branching"))
    ints, floats = _registers(bc, args)
    max_states = available_memory() * 3 // 4 // _state_bytes(p.num_qubits)
    rows_i, rows_f, probs, n, dropped, status, err_pc = exact_distribution(
        bc.code, ints, floats, p.num_qubits, max_steps, bc.n_out_i, bc.n_out_f, cutoff, max_branches,
        max_states, bc.pause_row, bc.live_ints, bc.live_floats)
    if status == oc.ERR_BRANCHES:
        raise KernelRuntimeError(f"kernel {p.name!r} has more than {max_branches:,} measurement branches or "
                                 "outcomes; raise max_branches= or cutoff=, or sample with run()", bc.locs[err_pc])
    if status == oc.ERR_MEMORY:
        raise CapacityError(f"kernel {p.name!r}: its exact distribution needs more than {max_states:,} "
                            f"{p.num_qubits}-qubit statevectors at once ({_bytes(_state_bytes(p.num_qubits))} each), "
                            "more than fits in memory; raise cutoff= or sample with run()")
    if status != oc.OK:
        message = _ERRORS[status].format(max_steps=max_steps)
        raise KernelRuntimeError(f"kernel {p.name!r}: {message}", bc.locs[err_pc])
    values = Result(p.returns, _outputs(bc, rows_i[:n], rows_f[:n]), 0, n).values
    dist: dict[Any, float] = {}
    for v, pr in zip(values, probs[:n].tolist()):
        key = hashable(v)
        dist[key] = dist.get(key, 0.0) + pr
    return Distribution(sorted(dist.items(), key=lambda kv: -kv[1]), dropped=float(dropped))


def _registers(bc: Bytecode, args: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """The initial int and float registers with the argument values written in."""
    ints, floats = bc.ints0.copy(), bc.floats0.copy()
    for slot, value in zip(bc.params, args):
        pool = floats if slot.is_float else ints
        if slot.length is None:
            pool[slot.index] = value
        else:
            pool[slot.index: slot.index + slot.length] = value
    return ints, floats


def _outputs(bc: Bytecode, out_i: np.ndarray, out_f: np.ndarray) -> tuple[np.ndarray, ...]:
    """One array per returned value, cut from the engine's int and float output rows."""
    outputs = []
    for slot, leaf in zip(bc.outputs, ir.return_leaves(bc.program.returns)):
        source = out_f if slot.is_float else out_i
        column = source[:, slot.index] if slot.length is None else source[:, slot.index: slot.index + slot.length]
        elem = leaf.elem if isinstance(leaf, ir.ArrayType) else leaf
        outputs.append(column.astype(bool) if elem == ir.BOOL else column.copy())
    return tuple(outputs)
