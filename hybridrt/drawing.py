"""A text drawing of a kernel's circuit: each block's gates on qubit wires, and the control flow between blocks.

Classical instructions are left out (the IR text shows them); a gate on a qubit computed
at run time (an index that depends on a variable) is drawn on a ``q[?]`` wire with the
register that holds the qubit.

>>> import hybridrt as hr
>>> from hybridrt import qubits, h, x, cz, mz
>>> @hr.kernel
... def flag() -> bool:
...     data, anc = qubits(2)
...     h(anc)
...     cz(anc, data)
...     if mz(anc):
...         x(data)
...     return mz(data)
>>> print(draw(flag.ir))
entry:
  q0: ────Z────
  q1: ─H──●──M─
  -> if %m: then else endif
then:
  q0: ─X─
  q1: ───
  -> jump endif
endif:
  q0: ─M─
  q1: ───
  -> return %m.1
"""

from __future__ import annotations

from . import ir

_CONTROLS = {"cx": 1, "cy": 1, "cz": 1, "ch": 1, "crx": 1, "cry": 1, "crz": 1, "cp": 1, "ccx": 2, "cswap": 1}
_DYNAMIC = -1  # the wire of gates on qubits computed at run time


def draw(program: ir.Program) -> str:
    """The drawing of ``program``: one section per block, in order."""
    lines: list[str] = []
    for b in program.blocks:
        lines.append(f"{b.label}:")
        lines += ["  " + row for row in _block_rows(b.instrs, program.num_qubits)]
        lines.append("  -> " + _flow(b.terminator))
    return "\n".join(lines)


def _block_rows(instrs: tuple[ir.Instr, ...], num_qubits: int) -> list[str]:
    """The wires of one block with its quantum operations laid out in columns (none if it has none)."""
    columns: list[dict[int, str]] = []  # wire -> cell text, per column
    spans: list[tuple[int, int]] = []  # the wires a column's vertical line crosses
    free: dict[int, int] = {}  # wire -> the first column it is free in
    for i in instrs:
        cells = _cells(i)
        if not cells:
            continue
        if _DYNAMIC in cells:  # it may act on any qubit: nothing on another wire shares its column
            top, bottom = _DYNAMIC, _DYNAMIC
            crossed = [_DYNAMIC, *range(num_qubits)]
        else:
            top, bottom = min(cells), max(cells)
            crossed = list(range(top, bottom + 1))
        col = max((free.get(w, 0) for w in crossed), default=0)
        while len(columns) <= col:
            columns.append({})
            spans.append((0, -1))
        columns[col].update(cells)
        spans[col] = (top, bottom)
        for w in crossed:
            free[w] = col + 1
    if not columns:
        return []
    wires = [w for w in range(num_qubits)] + ([_DYNAMIC] if _DYNAMIC in free else [])
    names = {w: "q[?]" if w == _DYNAMIC else f"q{w}" for w in wires}
    width = max(len(n) for n in names.values())
    rows = []
    for w in wires:
        parts = []
        for cells, (top, bottom) in zip(columns, spans):
            size = max(len(c) for c in cells.values())
            parts.append(cells.get(w, "┼" if top < w < bottom else "─").center(size, "─"))
        rows.append(f"{names[w] + ':':<{width + 1}} ─" + "──".join(parts) + "─")
    return rows


def _cells(i: ir.Instr) -> dict[int, str]:
    """What ``i`` shows on each wire it touches (nothing for a classical instruction)."""
    if isinstance(i, ir.Measure):
        return {_wire(i.qubit): "M"}
    if isinstance(i, ir.Reset):
        return {_wire(i.qubit): "|0>"}
    if not isinstance(i, ir.Gate):
        return {}
    params = f"({', '.join(_operand(p) for p in i.params)})" if i.params else ""
    qubits = [_wire(q) for q in i.qubits]
    if _DYNAMIC in qubits:
        return {_DYNAMIC: f"{i.name.upper()}{params} {' '.join(map(str, i.qubits))}"}
    n = _CONTROLS.get(i.name, 0)
    if i.name.endswith("swap"):
        target = ["x", "x"]
    elif n:
        target = [i.name[n:].upper() + params]
    else:
        target = [i.name.upper() + params] * len(qubits)
    return dict(zip(qubits, ["●"] * n + target))


def _wire(q: ir.Operand) -> int:
    return int(q.value) if isinstance(q, ir.Const) else _DYNAMIC


def _operand(p: ir.Operand) -> str:
    return f"{p.value:.4g}" if isinstance(p, ir.Const) else str(p)


def _flow(t: ir.Terminator) -> str:
    if isinstance(t, ir.Jump):
        return f"jump {t.target}"
    if isinstance(t, ir.Branch):
        return f"if {t.cond}: {t.if_true} else {t.if_false}"
    return "return" + (" " + ", ".join(map(str, t.values)) if t.values else "")
