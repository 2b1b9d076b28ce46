"""The one CSV writer's rule against formula injection (OWASP): text cells that a spreadsheet would
run get a leading apostrophe; numbers, plain decimal text and ordinary text are written as they are."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from anju.core import csvout


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ('=HYPERLINK("http://evil.example","点我")', '\'=HYPERLINK("http://evil.example","点我")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("-", "'-"),
        ("- 12", "'- 12"),
        ("-12.5", "-12.5"),  # a plain decimal number cannot be a formula
        ("+3", "+3"),
        ("-1", "-1"),
        ("安居住房租赁有限公司", "安居住房租赁有限公司"),
        ("A=1", "A=1"),
        ("", ""),
        (None, ""),
        (-12.5, -12.5),
        (-3, -3),
        (Decimal("-0.50"), Decimal("-0.50")),
        (True, "True"),
    ],
)
def test_cell(value, written):
    assert csvout.cell(value) == written


def test_a_whole_file_has_a_bom_crlf_and_neutralised_cells():
    data = csvout.to_bytes(["名称", "差额"], [["=1+2", -12], ["正常", None]])
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["名称", "差额"], ["'=1+2", "-12"], ["正常", ""]]
    plain = csvout.to_bytes(["a"], [["@x"]], bom=False)
    assert plain == b"a\r\n'@x\r\n"


def test_the_writer_wraps_a_file():
    buf = io.StringIO()
    w = csvout.writer(buf, lineterminator="\n")
    w.writerow(["=x", 1])
    w.writerows([["+y"], ["z"]])
    assert buf.getvalue() == "'=x,1\n'+y\nz\n"


@pytest.mark.parametrize("value", ["=1+2", "+86 公司", "@公司", "  =HYPERLINK(1)"])
def test_names_beginning_with_a_formula_sign_are_refused_at_input(value):
    reason = csvout.formula_reason(value)
    assert reason is not None and "=" in reason and "公式" in reason


@pytest.mark.parametrize("value", ["安居公司", "-号楼", "中山路", "", None, "A+B公司"])
def test_ordinary_names_are_accepted(value):
    assert csvout.formula_reason(value) is None
