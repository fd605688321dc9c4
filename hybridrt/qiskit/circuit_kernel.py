"""Kernels made from Qiskit circuits, and their results in Qiskit's counts format (register bitstrings).

A circuit's kernel returns one bool array per classical register (in the circuit's order)
followed by the values of its top-level standalone ``Var``s.  ``counts()`` shows the
registers as Qiskit prints them: the last register first, each most significant bit first,
separated by spaces.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..kernel import Kernel
from ..result import Distribution, Result


@dataclass(frozen=True)
class Layout:
    """What a circuit's kernel returns: its classical registers, then its standalone variables."""

    registers: tuple[tuple[str, int], ...]  # (name, size) in the circuit's order
    vars: tuple[str, ...] = ()

    def bitstring(self, bits: tuple[tuple[bool, ...], ...]) -> str:
        """The Qiskit key of one shot's register bits (``bits[k][i]``: bit ``i`` of register ``k``).

        >>> Layout((("a", 2), ("b", 1))).bitstring(((True, False), (True,)))
        '1 01'
        """
        return " ".join("".join("1" if b else "0" for b in reversed(reg)) for reg in reversed(bits))


class CircuitResult(Result):
    """A ``Result`` whose ``counts()`` are keyed by Qiskit bitstrings; ``registers`` and ``vars`` by name."""

    def __init__(self, result: Result, layout: Layout):
        super().__init__(result.returns, result.outputs, result.seed, result.shots)
        self.layout = layout

    @property
    def registers(self) -> dict[str, np.ndarray]:
        """Each classical register's bits per shot: a bool array of shape (shots, size), bit 0 first."""
        return {name: self.outputs[k].reshape(self.shots, size)
                for k, (name, size) in enumerate(self.layout.registers)}

    @property
    def vars(self) -> dict[str, np.ndarray]:
        """Each top-level standalone variable's final value per shot."""
        n = len(self.layout.registers)
        return {name: self.outputs[n + k] for k, name in enumerate(self.layout.vars)}

    def memory(self) -> list[str]:
        """The bitstring of every shot, in shot order (Qiskit's ``get_memory()``)."""
        keys, inverse = self._unique_bitstrings()
        return [keys[i] for i in inverse.tolist()]

    def counts(self, vars: bool = False) -> dict[Any, int]:
        """How often each register bitstring occurred, most frequent first.

        With ``vars=True`` the keys are tuples ``(bitstring, var values...)``, in ``layout.vars`` order.
        """
        if not vars:
            keys, inverse = self._unique_bitstrings()
            tally = np.bincount(inverse, minlength=len(keys))
            return dict(sorted(zip(keys, tally.tolist()), key=lambda kv: -kv[1]))
        strings = self.memory()
        columns = [self.outputs[len(self.layout.registers) + k].tolist() for k in range(len(self.layout.vars))]
        return dict(Counter(zip(strings, *columns)).most_common())

    def _unique_bitstrings(self) -> tuple[list[str], np.ndarray]:
        regs = self.registers
        table = np.concatenate([regs[name] for name, _ in self.layout.registers] or [np.zeros((self.shots, 0))],
                               axis=1).astype(np.uint8)
        rows, inverse = np.unique(table, axis=0, return_inverse=True)
        keys = []
        for row in rows.astype(bool).tolist():
            bits, start = [], 0
            for _, size in self.layout.registers:
                bits.append(tuple(row[start:start + size]))
                start += size
            keys.append(self.layout.bitstring(tuple(bits)))
        return keys, inverse.reshape(-1)


class CircuitKernel(Kernel):
    """A kernel imported from a Qiskit circuit (see ``hybridrt.qiskit.from_qiskit``).

    ``run`` returns a :class:`CircuitResult`; ``distribution`` is keyed by register
    bitstrings (with ``vars=True``: by ``(bitstring, var values...)``).
    """

    layout: Layout

    def run(self, *args: Any, **kwargs: Any) -> CircuitResult:  # type: ignore[override]
        """Run shots as ``Kernel.run`` does; the result counts register bitstrings."""
        return CircuitResult(super().run(*args, **kwargs), self.layout)

    def distribution(self, *args: Any, vars: bool = False, **kwargs: Any) -> Distribution:
        """The exact probability of every register bitstring (and variable values, with ``vars=True``)."""
        exact = super().distribution(*args, **kwargs)
        n = len(self.layout.registers)
        merged: dict[Any, float] = {}
        for value, p in exact.items():
            key: Any = self.layout.bitstring(value[:n])
            if vars:
                key = (key, *value[n:])
            merged[key] = merged.get(key, 0.0) + p
        return Distribution(sorted(merged.items(), key=lambda kv: -kv[1]), dropped=exact.dropped)

    def __repr__(self) -> str:
        return f"<hybridrt kernel {self.name}{self._signature} from a Qiskit circuit>"
