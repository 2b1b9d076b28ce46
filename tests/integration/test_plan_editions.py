"""Plan editions on the database: ``anju plan load`` stores an edition (audited, its text and hash kept;
the edition number increments; an identical re-load writes nothing), the platform reads the newest
edition back (``plan_by_code``), ``current_plan`` picks the plan covering today (the next plan loads
without code changes), ``anju plan check`` prints the CSV (exit 2 only for an unreadable plan); and the
renewal provider's values of the plan indicators from accepted projects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from anju.cli import main
from anju.core.scope import Scope
from anju.indicators import refresh, values
from anju.plan import PlanReadError, check, current_plan, editions, load, plan_by_code
from anju.plan.plans import DATA
from anju.plan.tables import plan_editions
from anju.renewal import projects
from anju.renewal.indicators import measurements
from anju.security.tables import audit_log
from tests.integration.test_security_cli import env
from tests.renewal_builders import START, enter, estate_built, to_accepted

PLAN14 = DATA / "320100" / "320100-14th.toml"
PLAN15 = Path(__file__).parent.parent / "plan_fixtures" / "320100-15th.toml"


def _audits(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).where(audit_log.c.action == "plan.load")).scalar_one())


def test_editions_increment_and_an_identical_reload_writes_nothing(empty_engine: Engine, tmp_path: Path) -> None:
    first = load(empty_engine, PLAN14)
    assert first.created and first.edition.edition == 1 and first.plan.edition == 1
    again = load(empty_engine, PLAN14)
    assert not again.created and again.edition.id == first.edition.id
    assert _audits(empty_engine) == 1
    corrected = tmp_path / "320100-14th.toml"
    corrected.write_text(PLAN14.read_text(encoding="utf-8").replace('"218.46"', '"218.48"'), encoding="utf-8")
    second = load(empty_engine, corrected)
    assert second.created and second.edition.edition == 2 and _audits(empty_engine) == 2
    with empty_engine.connect() as c:
        plan = plan_by_code(c, "320100-14th")
        assert plan.edition == 2
        assert [(e.code, e.edition) for e in editions(c, "320100-14th")] == [("320100-14th", 2), ("320100-14th", 1)]
        stored = c.execute(select(plan_editions.c.text).where(plan_editions.c.edition == 2)).scalar_one()
    assert "218.48" in stored
    # the corrected 2025 column adds up; the 全市合计 row's years now sum to its 总计
    assert check(plan) == []


def test_a_malformed_file_is_refused_and_nothing_is_written(empty_engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(PLAN14.read_text(encoding="utf-8").replace('area = "320102"', 'area = "110101"'), encoding="utf-8")
    with pytest.raises(PlanReadError, match="110101"):
        load(empty_engine, bad)
    with empty_engine.connect() as c:
        assert editions(c) == []
    assert _audits(empty_engine) == 0


def test_the_current_plan_is_the_one_covering_today(empty_engine: Engine) -> None:
    with empty_engine.connect() as c:
        shipped14 = current_plan(c, "320100", today=date(2023, 5, 1))
        assert shipped14 is not None and shipped14.code == "320100-14th" and shipped14.edition == 1
        assert current_plan(c, "999999") is None
        with pytest.raises(LookupError):
            plan_by_code(c, "320100-15th")
    load(empty_engine, PLAN15)  # the next plan: another edition, no code change
    with empty_engine.connect() as c:
        after = current_plan(c, "320100", today=date(2027, 1, 1))
        assert after is not None and after.code == "320100-15th" and after.years == (2026, 2027, 2028, 2029, 2030)
        during = current_plan(c, "320100", today=date(2023, 5, 1))
        assert during is not None and during.code == "320100-14th"
        later = current_plan(c, "320100", today=date(2035, 1, 1))  # between plans: the latest
        assert later is not None and later.code == "320100-15th"


def test_the_commands_check_and_load(empty_engine: Engine, tmp_path: Path) -> None:
    e = env(empty_engine, tmp_path, ANJU_CITY_CODE="320100")
    r = CliRunner().invoke(main, ["plan", "check", "--plan", "320100-14th"], env=e)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "table,row,column,stated,computed"
    assert "专栏6,全市合计,2025 面积,218.46,218.48" in lines
    r = CliRunner().invoke(main, ["plan", "load", str(PLAN15)], env=e)
    assert r.exit_code == 0 and "第 1 版" in r.stdout, r.output
    r = CliRunner().invoke(main, ["plan", "load", str(PLAN15)], env=e)
    assert r.exit_code == 0 and "未重复载入" in r.stdout, r.output
    r = CliRunner().invoke(main, ["plan", "check", "--file", str(PLAN15)], env=e)
    assert r.exit_code == 0 and r.stdout.splitlines() == ["table,row,column,stated,computed"]
    bad = tmp_path / "bad.toml"
    bad.write_text("[plan\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["plan", "check", "--file", str(bad)], env=e)
    assert r.exit_code == 2 and "bad.toml" in r.stderr and r.stdout == ""
    r = CliRunner().invoke(main, ["plan", "check", "--plan", "320100-99th"], env=e)
    assert r.exit_code == 2 and "320100-99th" in r.stderr


def test_renewal_provides_the_old_community_figures_by_district_and_city(
    city_engine: Engine, settings_for: Any
) -> None:
    settings = settings_for(city_engine)
    year = START.year
    a = estate_built(city_engine, 1950, 1999)
    b = estate_built(city_engine, 1950, 1999, skip=1)
    for estate, area in ((a, Decimal("20000.00")), (b, Decimal("5000.50"))):
        to_accepted(city_engine, settings, enter(city_engine, settings, estate.id, area=area), year)
    with city_engine.connect() as c:
        got = {(m.code, m.level, m.area_code): m.value for m in measurements(c, [year, year - 1]) if m.year == year}
        before = {m.value for m in measurements(c, [year - 1])}
        da, db = (projects.managing_district(c, x.street_code) for x in (a, b))
    assert got[("renewal.old_community_area", "city", "320100")] == Decimal("25000.50")
    assert got[("renewal.old_community_count", "city", "320100")] == 2
    assert got[("renewal.shanty_area", "city", "320100")] == 0
    if da == db:
        assert got[("renewal.old_community_area", "district", da)] == Decimal("25000.50")
    else:
        assert got[("renewal.old_community_area", "district", da)] == Decimal("20000.00")
        assert got[("renewal.old_community_count", "district", db)] == 1
    others = [v for (code, level, d), v in got.items() if level == "district" and d not in {da, db}]
    assert others and set(others) == {0}  # every other district: none accepted is a zero
    assert before == {0}
    # through the one refresh mechanism, read back within a district's scope
    refresh(city_engine, [year], codes=["renewal.old_community_area"])
    with city_engine.connect() as c:
        mine = values(c, Scope.whole_city("320100"), codes=["renewal.old_community_area"], level="city")
    assert [(v.area_code, v.value) for v in mine] == [("320100", Decimal("25000.50"))]
