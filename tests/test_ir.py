"""The IR: canonical text round trip and the verifier."""

from __future__ import annotations

import pytest

from hybridrt import ir
from hybridrt.errors import InternalError, Loc
from hybridrt.ir_text import format_program, parse_program

TEXT = """kernel demo(%theta: float, %xs: int[3]) -> (int, bool[2], float)
source "demo.py"
qubits 3
reg %n: int
reg %m: bool
reg %q: qubit
reg %f: float
reg %bits: bool[2]
reg %c: bool
entry:
  %n = load %xs, 2 !4:4
  %q = qubit_at 0, 1, 3, %n !5:4
  gate u(%theta, 0.5, -1e-07) %q !6:4
  gate crz(3.0) q0, q2
  %m = mz %q !7:8
  store %bits, 0, %m
  store %bits, 1, true
  %f = sin %theta !"other.py":9:0
  %c = lt %n, -4
  branch %m, yes, no !8:4
yes:
  reset q1
  %n = add %n, 1
  jump no
no:
  ret %n, %bits, %f
"""


def test_text_round_trips():
    p = parse_program(TEXT)
    assert format_program(p) == TEXT
    assert parse_program(format_program(p)) == p
    assert p.blocks[0].instrs[0].loc == Loc("demo.py", 4, 4)
    assert p.blocks[0].instrs[7].loc == Loc("other.py", 9, 0)
    assert p.returns == ir.TupleType((ir.INT, ir.ArrayType(ir.BOOL, 2), ir.FLOAT))


@pytest.mark.parametrize("bad,message", [
    ("  %n = load %xs, 2 !4:4", "  %n = load %xs, 2.0 !4:4"),          # float index
    ("  gate crz(3.0) q0, q2", "  gate crz(3.0) q0, q0"),              # same qubit twice
    ("  gate crz(3.0) q0, q2", "  gate crz(3.0) q0, q7"),              # qubit out of range
    ("  gate crz(3.0) q0, q2", "  gate crz q0, q2"),                   # missing parameter
    ("  %c = lt %n, -4", "  %c = lt %n, -4.0"),                        # mixed operand types
    ("  %c = lt %n, -4", "  %n = lt %n, -4"),                          # bool into an int register
    ("  jump no", "  jump nowhere"),                                   # unknown block
    ("  ret %n, %bits, %f", "  ret %n, %f"),                           # wrong number of values
])
def test_verifier_rejects_broken_programs(bad, message):
    with pytest.raises(InternalError, match="invalid IR"):
        parse_program(TEXT.replace(bad, message))
