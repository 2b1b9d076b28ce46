"""``anju renewal check-data`` and ``anju renewal progress`` (text and CSV) over the tiny city with
synthetic projects; a malformed plan file is a clear error."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine

from anju.cli import main
from anju.synth import generate_renewal
from tests.integration.test_security_cli import env


def test_check_data_and_progress(city_engine: Engine, tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["renewal", "check-data"], env=env(city_engine, tmp_path))
    assert r.exit_code == 0, r.output
    assert "基础类 6 项" in r.output and "plan-2021" in r.output and "218.46" in r.output
    generate_renewal(city_engine, 5, scale=0.5, today=date(2026, 6, 30))
    r = CliRunner().invoke(main, ["renewal", "progress"], env=env(city_engine, tmp_path))
    assert r.exit_code == 0, r.output
    assert "全市合计：计划 606 个 / 1225.62 万㎡" in r.output and "老旧小区改造规模" in r.output
    r = CliRunner().invoke(main, ["renewal", "progress", "--csv"], env=env(city_engine, tmp_path))
    lines = r.output.splitlines()
    assert lines[0].startswith("district_code,district,year") and len(lines) == 1 + 13 * 5


def test_a_malformed_plan_is_a_clear_error(city_engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "plan.toml"
    bad.write_text("[plan\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["renewal", "check-data"], env=env(city_engine, tmp_path, ANJU_RENEWAL_PLAN=str(bad)))
    assert r.exit_code == 1 and "plan.toml" in r.output
