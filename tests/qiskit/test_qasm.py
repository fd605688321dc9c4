"""``from_qasm``: OpenQASM 3 text and files with dynamic circuits; errors point into the QASM source."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import hybridrt as hr

RUS = """OPENQASM 3.0;
include "stdgates.inc";
input float theta;
qubit[2] q;
bit[1] done;
bit[1] out;
done[0] = measure q[0];
while (done[0] == false) {
    reset q[0];
    h q[0];
    done[0] = measure q[0];
}
if (done == 1) {
    ry(theta) q[1];
} else {
    x q[1];
}
for int i in [0:2] {
    rz(0.1) q[1];
}
out[0] = measure q[1];
"""


def test_text_program_with_loops_and_branches() -> None:
    k = hr.from_qasm(RUS)
    p1 = math.sin(0.8 / 2) ** 2
    assert dict(k.distribution(0.8, cutoff=1e-12)) == pytest.approx({"0 1": 1 - p1, "1 1": p1}, abs=1e-9)
    assert k.name == "qasm"


def test_file_path_or_path_object(tmp_path: Path) -> None:
    path = tmp_path / "rus.qasm"
    path.write_text(RUS)
    for source in (str(path), path):
        k = hr.from_qasm(source)
        assert k.name == "rus"
        assert set(k.run(0.5, shots=50, seed=2).counts()) <= {"0 1", "1 1"}


def test_syntax_error_points_at_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.qasm"
    path.write_text(RUS.replace("h q[0];", "h q[0]"))
    with pytest.raises(hr.CompileError) as info:
        hr.from_qasm(path)
    assert info.value.loc.file == str(path) and info.value.loc.line == 11
    assert "OpenQASM syntax error: missing ';'" in str(info.value)
    assert "done[0] = measure q[0];" in str(info.value)  # the offending line is quoted


def test_undefined_gate_points_at_the_line_of_a_text_source() -> None:
    with pytest.raises(hr.CompileError) as info:
        hr.from_qasm(RUS.replace("x q[1];", "frobnicate q[1];"))
    assert str(info.value).startswith("<qasm>:16:5: OpenQASM: gate 'frobnicate' is not defined")
    assert "frobnicate q[1];" in str(info.value)


def test_missing_file_and_unloadable_program() -> None:
    with pytest.raises(FileNotFoundError, match="no_such.qasm"):
        hr.from_qasm("no_such.qasm")
    with pytest.raises(hr.CompileError, match="cannot be loaded"):
        hr.from_qasm('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[1] q;\nh q[3];\n')
