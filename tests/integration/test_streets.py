"""The street database (issue 24): a file is checked cell by cell and refused whole; re-delivery is
idempotent; a correction is a new version and the figures as reported on a date stay readable; the
indicators computed on a small hand-built city; scope; the pages; the synthetic panel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, Table, func, insert, select

from anju import divisions, streets
from anju.app import create_app
from anju.core import clock, csvout
from anju.core.db import unit_of_work
from anju.core.errors import ValidationError
from anju.core.scope import SYSTEM, Scope
from anju.indicators import refresh, values
from anju.registry import (
    NewBuilding,
    NewEstate,
    NewHome,
    Status,
    Structure,
    Use,
    create_building,
    create_estate,
    create_home,
    synthetic_scale,
)
from anju.security import Caller
from anju.security.tables import audit_log
from anju.streets import domain, reads, synthetic
from anju.streets.tables import street_industry, street_panel, street_panel_loads

CITY = Caller.system("test")
HEADER = ["街道代码", "街道名称", "常住人口", "户籍人口", "户数", "0-14岁", "15-59岁", "60岁及以上", "制造业从业人员"]


def _file(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    return csvout.to_bytes(header, rows)


def _load(engine: Engine, data: bytes, year: int = 2024, source: str = "市统计局") -> streets.LoadResult:
    return streets.load_file(unit_of_work(engine), CITY, data, "streets.csv", year=year, source=source)


def _streets(engine: Engine, n: int = 3) -> list[divisions.Division]:
    with engine.connect() as conn:
        return divisions.by_level(conn, "street")[:n]


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


# ------------------------------------------------------------------------------------------------ loader


def test_every_bad_cell_is_reported_with_row_column_reason_and_nothing_is_written(city_engine: Engine) -> None:
    a, b, c = _streets(city_engine)
    data = _file(
        [
            [a.code, a.name, 1000, 900, 400, 100, 700, 200, 50],  # good
            ["999999999", "", 10, "", 5, "", "", "", ""],  # not a street
            [b.code, "错名", "-5", "", 4, "", "", "", ""],  # wrong name, negative
            [c.code, "", 100, "", 120, 10, 20, 30, "x"],  # households > residents is checked only on a clean row
            [a.code, "", 10, "", 5, "", "", "", ""],  # repeated street
        ]
    )
    with pytest.raises(streets.PanelRejected) as e:
        _load(city_engine, data)
    got = {(x.row, x.field, x.reason) for x in e.value.errors}
    assert (3, "街道代码", "“999999999”不是本市的街道（镇）代码") in got
    assert (4, "街道名称", f"街道名称应为“{b.name}”") in got
    assert (4, "常住人口", "不能为负数") in got
    assert (5, "制造业从业人员", "应为非负整数") in got
    assert (6, "街道代码", f"街道 {a.code} 在第 2 行已出现") in got
    assert _count(city_engine, street_panel) == 0 and _count(city_engine, street_panel_loads) == 0
    with city_engine.connect() as conn:
        refused = conn.execute(
            select(audit_log.c.outcome, audit_log.c.reason).where(audit_log.c.action == "streets.load")
        ).all()
    assert [r.outcome for r in refused] == ["failed"] and "未写入任何数据" in (refused[0].reason or "")


def test_row_rules_and_header_errors(city_engine: Engine) -> None:
    a, b, _ = _streets(city_engine)
    rows = [[a.code, "", 100, "", 120, "", "", "", ""], [b.code, "", 100, "", 30, 10, 20, 30, ""]]
    with pytest.raises(streets.PanelRejected) as e:
        _load(city_engine, _file(rows))
    reasons = {(x.row, x.field, x.reason) for x in e.value.errors}
    assert (2, "户数", "户数不能多于常住人口") in reasons
    assert (3, "0-14岁", "三个年龄段之和 60 不等于常住人口 100") in reasons
    with pytest.raises(streets.PanelRejected) as e:
        _load(city_engine, _file([[a.code, 1]], header=["街道代码", "人口数"]))
    assert {(x.row, x.field) for x in e.value.errors} == {(1, "人口数"), (1, "常住人口"), (1, "户数")}
    with pytest.raises(ValidationError, match="合成"):
        _load(city_engine, _file([[a.code, "", 1, "", 1, "", "", "", ""]]), source="合成")
    with pytest.raises(ValidationError, match="年份"):
        _load(city_engine, _file([[a.code, "", 1, "", 1, "", "", "", ""]]), year=2019)
    assert _count(city_engine, street_panel) == 0


def test_redelivery_is_idempotent_and_a_correction_keeps_the_old_version(city_engine: Engine) -> None:
    a, b, _ = _streets(city_engine)
    first = _file([[a.code, "", 1000, 900, 400, "", "", "", 50], [b.code, "", 2000, "", 800, "", "", "", ""]])
    got = _load(city_engine, first)
    assert (got.added, got.corrected, got.unchanged) == (2, 0, 0)
    between = clock.now()
    again = _load(city_engine, first)
    assert (again.added, again.corrected, again.unchanged) == (0, 0, 2)
    assert _count(city_engine, street_panel) == 2
    fixed = _load(city_engine, _file([[a.code, "", 1100, 900, 400, "", "", "", 50]]))
    assert (fixed.added, fixed.corrected, fixed.unchanged) == (0, 1, 0)
    with city_engine.connect() as conn:
        now = reads.profile(conn, SYSTEM, a.code)
        old = reads.profile(conn, SYSTEM, a.code, between)
        assert [v.resident for v in now.versions] == [1100]
        assert [v.resident for v in old.versions] == [1000]
        hist = reads.history(conn, SYSTEM, a.code, 2024)
        assert [v.resident for v in hist] == [1000, 1100]
        assert hist[0].superseded_at is not None and hist[1].superseded_at is None
        assert now.industry[2024]["manufacturing"] == (50, None)
        # the export loads back unchanged
        rows = list(reads.export_rows(conn, SYSTEM, 2024))
    assert len(rows) == 2
    back = _load(city_engine, csvout.to_bytes(domain.header(), rows))
    assert (back.added, back.corrected, back.unchanged) == (0, 0, 2)
    assert _count(city_engine, street_industry) == 3 * len(domain.sectors())


def test_scope_hides_other_districts_streets(city_engine: Engine) -> None:
    with city_engine.connect() as conn:
        every = divisions.by_level(conn, "street")
        mine = [s.code for s in every if s.parent_code == every[0].parent_code]
        other = next(s for s in every if s.parent_code != every[0].parent_code)
        scope = Scope.of_streets("district", every[0].parent_code or "", mine)
        page = reads.list_streets(conn, scope, year=2024, limit=500)
        assert {i.code for i in page.items} == set(mine)
        with pytest.raises(Exception, match="没有该街道"):
            reads.profile(conn, scope, other.code)


# ----------------------------------------------------------------------------- indicators, by hand


def _tiny_city(engine: Engine) -> None:
    """A city of one district with two streets and another district with one street: homes of 100 m²
    and 50 m² in street A (built 2010) and 70 m² (built 2025), 80 m² in street B."""
    dv = divisions.divisions_table
    rows = [
        ("320100", "测试市", "city", None),
        ("320102", "甲区", "district", "320100"),
        ("320104", "乙区", "district", "320100"),
        ("320102001", "甲一街道", "street", "320102"),
        ("320102002", "甲二街道", "street", "320102"),
        ("320104001", "乙一街道", "street", "320104"),
    ]
    with engine.begin() as conn:
        conn.execute(
            insert(dv),
            [{"code": c, "name": n, "level": lv, "parent_code": p, "synthetic": False} for c, n, lv, p in rows],
        )
        built = (("320102001", 2010, ["100", "50"]), ("320102001", 2025, ["70"]), ("320102002", 2000, ["80"]))
        for street, year, areas in built:
            estate = NewEstate(name=f"苑{street}{year}", street_code=street, road="路", door_no="1")
            eid = create_estate(conn, estate, scope=SYSTEM)
            bid = create_building(
                conn,
                NewBuilding(
                    estate_id=eid, building_no="1", use=Use.residential, structure=Structure.steel_concrete,
                    floors_above=6, units=1, year_built=year, status=Status.in_use, valid_from=date(2000, 1, 1),
                ),
                today=date(2026, 6, 30),
                scope=SYSTEM,
            )  # fmt: skip
            for i, a in enumerate(areas):
                create_home(
                    conn,
                    NewHome(building_id=bid, floor_no=1, room_no=f"10{i}", construction_area=Decimal(a), rooms=2,
                            halls=1, valid_from=date(2000, 1, 1)),
                    today=date(2026, 6, 30),
                    scope=SYSTEM,
                )  # fmt: skip


def test_indicators_on_a_hand_built_city(empty_engine: Engine) -> None:
    _tiny_city(empty_engine)
    header = ["街道代码", "常住人口", "户数", "0-14岁", "15-59岁", "60岁及以上", "住宅用地供应(平方米)"]
    header += [f"{s.name}从业人员" for s in domain.sectors()]
    jobs = [10] * len(domain.sectors())
    _load(
        empty_engine,
        _file(
            [["320102001", 5, 2, 1, 3, 1, "15000", *jobs], ["320102002", 4, 1, 0, 2, 2, "5000", *([0] * len(jobs))]],
            header,
        ),
    )
    refresh(empty_engine, [2024], codes=streets.INDICATOR_CODES)
    with empty_engine.connect() as conn:
        got = {(v.code, v.area_code): (v.value, v.missing) for v in values(conn, Scope.whole_city(), years=[2024])}
    # street A: homes of 2010 only (150 m², 2 homes), 5 residents, 2 households
    assert got[("housing.floor_area_per_resident", "320102001")] == (Decimal("30.00"), None)
    assert got[("housing.homes_per_household", "320102001")] == (Decimal("1.00"), None)
    assert got[("housing.homes", "320102001")] == (Decimal(2), None)
    assert got[("jobs_housing.ratio", "320102001")] == (Decimal("23.33"), None)  # 70 jobs ÷ 3 aged 15–59
    assert got[("population.aged_60_share", "320102001")] == (Decimal("20.00"), None)
    assert got[("land.residential_supply", "320102001")] == (Decimal("1.50"), None)  # 15000 m² = 1.5 ha
    # the district sums its streets: 230 m² ÷ 9 residents; 3 homes ÷ 3 households; 70 jobs ÷ 5
    assert got[("housing.floor_area_per_resident", "320102")] == (Decimal("25.56"), None)
    assert got[("housing.homes_per_household", "320102")] == (Decimal("1.00"), None)
    assert got[("jobs_housing.ratio", "320102")] == (Decimal("14.00"), None)
    assert got[("population.resident", "320102")] == (Decimal(9), None)
    assert got[("housing.assisted_coverage", "320102")] == (Decimal("0.00"), None)
    assert got[("housing.rental_share", "320102")] == (Decimal("0.00"), None)
    # street 乙一 has no figures: its values and the city's say which data is missing
    assert got[("population.resident", "320104001")] == (None, "缺少该街道 2024 年的常住人口数据")
    assert got[("housing.floor_area_per_resident", "320100")] == (None, "缺少 1 个街道 2024 年的常住人口数据")
    assert got[("housing.rental_share", "320104001")] == (None, "住宅套数为 0，比值无意义")


def test_land_supply_comes_from_the_land_transfers_in_the_years_they_cover(empty_engine: Engine) -> None:
    from anju import market

    _tiny_city(empty_engine)
    header = ["街道代码", "常住人口", "户数", "住宅用地供应(平方米)"]
    _load(empty_engine, _file([["320102001", 5, 2, "15000"], ["320102002", 4, 1, "5000"]], header), year=2023)
    _load(empty_engine, _file([["320102001", 5, 2, "15000"], ["320102002", 4, 1, "5000"]], header), year=2024)

    def transfer(no: str, street: str | None, use: str, area: str) -> dict[str, object]:
        return {
            "record_id": no, "parcel_no": no, "parcel_name": "地块", "district_code": "320102", "street_code": street,
            "land_use": use, "rental_housing": 0, "method": "listing", "site_area": Decimal(area),
            "plot_ratio": Decimal("2.00"), "floor_area": Decimal(area) * 2, "starting_price_fen": 1,
            "price_fen": 1, "floor_price_fen": 1, "premium_rate": Decimal(0), "buyer": "某某置业有限公司",
            "transferred_on": date(2024, 5, 1), "source": "feed", "created_at": clock.now(),
        }  # fmt: skip

    with empty_engine.begin() as conn:
        conn.execute(
            insert(market.market_land_transfers),
            [
                transfer("T1", "320102001", "residential", "20000"),
                transfer("T2", None, "mixed", "10000"),
                transfer("T3", "320102002", "industrial", "50000"),  # not residential land
            ],
        )
    refresh(empty_engine, [2023, 2024], codes=["land.residential_supply"])
    with empty_engine.connect() as conn:
        got = {(v.area_code, v.year): v.value for v in values(conn, Scope.whole_city(), years=[2023, 2024])}
    # 2024 has transfers: they replace the loaded supply (street 甲二 had none: 0), the district and the
    # city include the parcel without a street; 2023 has none: the loaded figures
    assert got[("320102001", 2024)] == Decimal("2.00") and got[("320102002", 2024)] == Decimal("0.00")
    assert got[("320102", 2024)] == Decimal("3.00") and got[("320100", 2024)] == Decimal("3.00")
    assert got[("320102001", 2023)] == Decimal("1.50") and got[("320102", 2023)] == Decimal("2.00")


# --------------------------------------------------------------------------------------- synthetic


def test_the_synthetic_panel_passes_the_checks_and_sums_to_the_totals(city_engine: Engine) -> None:
    made = streets.generate_synthetic(unit_of_work(city_engine), 7, years=[2020, 2024])
    with city_engine.connect() as conn:
        scale = synthetic_scale(conn)
        assert scale is not None
        for y in (2020, 2024):
            assert made.residents[y] == synthetic.city_residents(y, scale)
            total = conn.execute(
                select(func.sum(street_panel.c.resident)).where(street_panel.c.year == y, street_panel.c.synthetic)
            ).scalar_one()
            assert total == synthetic.city_residents(y, scale)
        n = len(divisions.by_level(conn, "street"))
        assert made.streets == n and made.added == 2 * n
        # re-running is idempotent (same seed, same rows)
        rows = {y: synthetic.build_records(conn, 7, [y], scale)[y] for y in (2020, 2024)}
    again = streets.generate_synthetic(unit_of_work(city_engine), 7, years=[2020, 2024])
    assert (again.added, again.corrected) == (0, 0)
    # the synthetic rows pass the loader's checks as a file would (every age band sums to the residents)
    with city_engine.connect() as conn:
        for y in (2020, 2024):
            checked = streets.check_records(conn, enumerate(rows[y], start=2))
            assert all((r.age_0_14 or 0) + (r.age_15_59 or 0) + (r.age_60_plus or 0) == r.resident for r in checked)


# ------------------------------------------------------------------------------------------------ pages


def _client(engine: Engine, settings_for: Any, who: str) -> TestClient:
    from tests.accounts import web_session

    token, csrf = web_session(engine, who)
    return TestClient(
        create_app(settings_for(engine)),
        headers={"accept": "text/html", "x-csrf-token": csrf},
        cookies={"anju_session": token},
    )


def test_pages_answer_in_chinese_with_the_synthetic_label(city_engine: Engine, settings_for: Any) -> None:
    made = streets.generate_synthetic(unit_of_work(city_engine), 7, years=[2023, 2024])
    refresh(city_engine, [2023, 2024], codes=streets.INDICATOR_CODES)
    a = _streets(city_engine, 1)[0]
    with _client(city_engine, settings_for, "city") as c:
        page = c.get("/streets", params={"year": 2024})
        assert page.status_code == 200 and "街道数据库" in page.text and "合成数据" in page.text
        assert a.name in page.text
        prof = c.get(f"/streets/{a.code}")
        assert prof.status_code == 200
        assert "人均住房建筑面积" in prof.text and "职住比" in prof.text and "合成数据" in prof.text
        assert "streets-trend-data" in prof.text and "住宅建筑面积 ÷ 常住人口" in prof.text
        api = c.get(f"/api/v1/streets/{a.code}", headers={"accept": "application/json"}).json()
        assert api["synthetic_label"] and {v["year"] for v in api["versions"]} == {2023, 2024}
        assert any(v["code"] == "housing.floor_area_per_resident" and v["value"] for v in api["indicators"])
        csv = c.get("/api/v1/streets/panel.csv", params={"year": 2024})
        assert csv.status_code == 200 and csv.text.lstrip("\ufeff").startswith("街道代码,街道名称,常住人口")
        assert made.streets == csv.text.count("\r\n") - 2 and csv.text.rstrip().endswith(",")
        assert "合成数据" in csv.text.splitlines()[-1]
        refused = c.post(
            "/streets/load",
            data={"year": "2024", "source": "市统计局"},
            files={"file": ("s.csv", csv.content, "text/csv")},
        )
        assert refused.status_code == 422 and "合成数据的导出" in refused.text
        form = c.get("/streets/load")
        assert form.status_code == 200 and "数据格式" in form.text
        bad = c.post(
            "/streets/load",
            data={"year": "2024", "source": "市统计局"},
            files={"file": ("s.csv", _file([[a.code, "", "x", "", 1, "", "", "", ""]]), "text/csv")},
        )
        assert bad.status_code == 422 and "应为非负整数" in bad.text and "未导入任何数据" in bad.text
        good = c.post(
            "/streets/load",
            data={"year": "2024", "source": "市统计局"},
            files={"file": ("s.csv", _file([[a.code, "", 10, "", 4, "", "", "", ""]]), "text/csv")},
        )
        assert good.status_code == 200 and "新增 1 个街道" in good.text


def test_a_district_officer_sees_only_own_district(city_engine: Engine, settings_for: Any) -> None:
    with _client(city_engine, settings_for, "district") as c:
        listed = c.get("/api/v1/streets", params={"page_size": 200}, headers={"accept": "application/json"}).json()
        districts = {i["district_code"] for i in listed["items"]}
        assert len(districts) == 1 and listed["total"] < len(_streets(city_engine, 500))
        with city_engine.connect() as conn:
            other = next(s for s in divisions.by_level(conn, "street") if s.parent_code not in districts)
        assert c.get(f"/streets/{other.code}").status_code == 404


def test_the_choropleth_layers_read_the_stored_values(city_engine: Engine) -> None:
    from anju.map import get_layer

    streets.generate_synthetic(unit_of_work(city_engine), 7, years=[2024])
    refresh(city_engine, [2024], codes=streets.INDICATOR_CODES)
    layer = get_layer("streets-floor-area-per-resident")
    assert layer is not None and layer.kind == "polygon"
    with city_engine.connect() as conn:
        stored = {
            v.area_code: v.value
            for v in values(conn, SYSTEM, codes=["housing.floor_area_per_resident"], level="street")
        }
        feats = list(layer.features(conn, (118.0, 31.0, 119.5, 32.7), 10, SYSTEM, date(2026, 6, 30)))
        assert feats and all(p["year"] == 2024 for _, p in feats)
        assert {p["code"]: Decimal(str(p["value"])) for _, p in feats if "value" in p} == {
            c: v for c, v in stored.items() if c in {p["code"] for _, p in feats} and v is not None
        }
        assert list(layer.features(conn, (118.0, 31.0, 119.5, 32.7), 10, SYSTEM, date(2023, 6, 30))) == []
    assert "stops" in layer.describe()["attributes"][1]


def test_the_documented_sample_file_loads(city_engine: Engine) -> None:
    from pathlib import Path

    data = (Path(__file__).resolve().parents[2] / "docs" / "streets.sample.csv").read_bytes()
    got = _load(city_engine, data, year=2024)
    assert (got.rows, got.added) == (3, 3)
    with city_engine.connect() as conn:
        p = reads.profile(conn, SYSTEM, "320102003")
    assert p.versions[0].jobs == 2600 + 2100 + 24300 + 18800 + 21600 + 9800 + 15300
    assert p.versions[0].land_stock == Decimal("1712500.50")


def test_the_commands_load_export_and_synthesise(city_engine: Engine, tmp_path: Any) -> None:
    from click.testing import CliRunner

    from anju.cli import main
    from tests.integration.test_security_cli import env

    a, b, _ = _streets(city_engine)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_file([[a.code, "", "x", "", 1, "", "", "", ""], [b.code, "", 5, "", 9, "", "", "", ""]]))
    r = CliRunner().invoke(
        main, ["streets", "load", str(bad), "--year", "2024", "--source", "市统计局"], env=env(city_engine, tmp_path)
    )
    assert r.exit_code == 2
    assert "第 2 行，常住人口：应为非负整数" in r.output and "第 3 行，户数：户数不能多于常住人口" in r.output
    good = tmp_path / "good.csv"
    good.write_bytes(_file([[a.code, "", 10, "", 4, "", "", "", ""]]))
    r = CliRunner().invoke(
        main, ["streets", "load", str(good), "--year", "2024", "--source", "市统计局"], env=env(city_engine, tmp_path)
    )
    assert r.exit_code == 0 and '"added": 1' in r.output
    r = CliRunner().invoke(main, ["streets", "export", "--year", "2024", "--csv"], env=env(city_engine, tmp_path))
    assert r.exit_code == 0 and r.output.splitlines()[1].startswith(f"{a.code},{a.name},10,,4")
    r = CliRunner().invoke(main, ["streets", "synth", "--seed", "3"], env=env(city_engine, tmp_path))
    assert r.exit_code == 0 and "常住人口" in r.output


def test_assisted_coverage_counts_persons_with_a_current_benefit(people_engine: Engine) -> None:
    from anju import assistance

    streets.generate_synthetic(unit_of_work(people_engine), 7, years=[2025])
    refresh(people_engine, [2025], codes=["housing.assisted_coverage", "population.resident"])
    ben = assistance.benefits.c
    joined = assistance.benefits.join(assistance.applications, assistance.applications.c.id == ben.application_id)
    with people_engine.connect() as conn:
        persons = conn.execute(
            select(func.count(func.distinct(ben.id_bidx)))
            .select_from(joined)
            .where(assistance.current_benefit(date(2025, 12, 31)))
        ).scalar_one()
        got = {(v.code, v.level): v.value for v in values(conn, SYSTEM, years=[2025], level="city")}
    assert persons > 0
    resident = got[("population.resident", "city")]
    assert resident is not None
    expected = (Decimal(persons) * 100 / resident).quantize(Decimal("0.01"))
    assert got[("housing.assisted_coverage", "city")] == expected
