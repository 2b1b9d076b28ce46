"""``anju market index`` through click's runner: the rsmatrix anchor, hedonic characteristics, empty and
reported months, and bad input refused with the line and column named and nothing written."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from click.testing import CliRunner

from anju.cli import main

RSMATRIX = "property_id,period,price\nh1,2020-01,1\nh1,2020-02,3\nh1,2020-03,2\nh2,2020-01,1\nh2,2020-03,1\n"


def run(tmp_path: Path, text: str, *args: str):
    src = tmp_path / "sales.csv"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "index.csv"
    r = CliRunner().invoke(main, ["market", "index", "--input", str(src), "--out", str(out), *args])
    rows = list(csv.reader(out.open(encoding="utf-8"))) if out.exists() else None
    return r, rows


@pytest.mark.parametrize(
    ("method", "expected"),
    [("repeat-sales-geometric", [100.0, 238.1102, 125.9921]), ("repeat-sales-arithmetic", [100.0, 240.0, 133.3333])],
)
def test_rsmatrix_example_through_the_cli(tmp_path, method, expected):
    r, rows = run(tmp_path, RSMATRIX, "--method", method, "--weights", "none")
    assert r.exit_code == 0, r.output
    assert rows[0] == ["period", "index"]
    assert [row[0] for row in rows[1:]] == ["2020-01", "2020-02", "2020-03"]
    assert [round(float(row[1]), 4) for row in rows[1:]] == expected
    assert "样本偏少" in r.stderr  # two pairs per month, under the default threshold


def test_unestimable_months_are_empty_and_reported(tmp_path):
    text = RSMATRIX.replace("h2,2020-03,1\n", "h2,2020-03,1\nh3,2020-05,1\nh3,2020-06,2\n")
    r, rows = run(tmp_path, text, "--method", "repeat-sales-geometric", "--min-obs", "1")
    assert r.exit_code == 0, r.output
    assert [row[0] for row in rows[1:]] == ["2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-06"]
    assert [row[1] for row in rows[4:]] == ["", "", ""]
    assert "2020-04: 无法估计（没有重复交易）" in r.stderr
    assert "2020-05: 无法估计（与基期不连通）" in r.stderr
    assert float(rows[1][1]) == 100


def test_hedonic_with_numeric_and_categorical_characteristics(tmp_path):
    rng = np.random.default_rng(8)
    n, months = 300, ["2021-01", "2021-02", "2021-03"]
    t = rng.integers(0, 3, n)
    area = rng.uniform(50, 150, n).round(1)
    kind = rng.choice(["高层", "多层", "别墅"], n)
    effect = {"别墅": 0.4, "多层": 0.0, "高层": 0.1}
    price = np.exp(
        12 + np.array([0, 0.03, 0.05])[t] + 0.004 * area + [effect[k] for k in kind] + rng.normal(0, 0.05, n)
    )
    lines = ["property_id,period,price,area,kind"] + [
        f"p{i},{months[t[i]]},{price[i]:.2f},{area[i]},{kind[i]}" for i in range(n)
    ]
    r, rows = run(tmp_path, "\n".join(lines) + "\n", "--method", "hedonic", "--min-obs", "5")
    assert r.exit_code == 0, r.output
    levels = sorted(set(kind))  # first level (sorted) dropped
    d = np.column_stack([(t == 1), (t == 2), area] + [kind == lv for lv in levels[1:]]).astype(float)
    fit = sm.OLS(np.log(np.round(price, 2)), sm.add_constant(d)).fit()
    assert [float(v) for _, v in rows[1:]] == pytest.approx(
        [100, 100 * math.exp(fit.params[1]), 100 * math.exp(fit.params[2])], abs=1e-5
    )
    assert r.stderr == ""


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("id,period,price\n1,2020-01,1\n", "property_id"),
        ("property_id,period,price,period\n1,2020-01,1,x\n", "列名重复"),
        ("property_id,period,price\n1,2020-01,1\n1,2020-13,2\n", "第 3 行，列 period"),
        ("property_id,period,price\n1,2020-01,1\n1,2020/02,2\n", "第 3 行，列 period"),
        ("property_id,period,price\n1,2020-01,1\n1,2020-02,-5\n", "第 3 行，列 price"),
        ("property_id,period,price\n1,2020-01,abc\n", "第 2 行，列 price"),
        ("property_id,period,price\n1,2020-01,nan\n", "第 2 行，列 price"),
        ("property_id,period,price\n,2020-01,1\n", "第 2 行，列 property_id"),
        ("property_id,period,price\n1,2020-01\n", "第 2 行"),
        ("property_id,period,price,area\n1,2020-01,1,80\n2,2020-01,1,\n", "第 3 行，列 area"),
        ("property_id,period,price,area\n1,2020-01,1,80\n2,2020-01,1,inf\n", "第 3 行，列 area"),
        ("property_id,period,price\n", "没有数据行"),
        ("", "表头"),
    ],
)
def test_bad_input_is_refused_naming_line_and_column_and_nothing_is_written(tmp_path, text, needle):
    r, rows = run(tmp_path, text, "--method", "hedonic")
    assert r.exit_code == 2
    assert needle in r.output
    assert rows is None


def test_a_non_numeric_value_makes_the_column_categorical_not_an_error(tmp_path):
    text = "property_id,period,price,floor\n1,2020-01,100,3\n2,2020-01,120,顶层\n3,2020-02,110,3\n4,2020-02,130,顶层\n"
    r, rows = run(tmp_path, text, "--method", "hedonic", "--min-obs", "1")
    assert r.exit_code == 0, r.output
    # floor=顶层 is a dummy: the period effect is the mean log change within each level
    assert float(rows[2][1]) == pytest.approx(100 * math.sqrt(110 / 100 * 130 / 120), abs=1e-6)


def test_non_utf8_input_is_refused(tmp_path):
    src = tmp_path / "sales.csv"
    src.write_bytes("property_id,period,price\n房,2020-01,1\n".encode("gbk"))
    out = tmp_path / "index.csv"
    r = CliRunner().invoke(main, ["market", "index", "--method", "hedonic", "--input", str(src), "--out", str(out)])
    assert r.exit_code == 2 and "UTF-8" in r.output and not out.exists()
