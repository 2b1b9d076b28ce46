"""Assistance figures and the talent-housing analysis: exact figures over a small data set, scoping,
the targets file, CSV exports, bad input and the pages (both databases).

The data set (``build``) is inserted directly: applications, members, review steps, benefits,
assisted homes and allocations in two streets of district A (S1, S2) and one street of district B.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, select

from anju import assistance, divisions
from anju.app import create_app
from anju.assistance import figures, figures_csv, plan_targets, talent_figures
from anju.assistance.tables import (
    allocations,
    application_members,
    application_steps,
    applications,
    assisted_homes,
    benefits,
    programme_editions,
)
from anju.core.scope import SYSTEM, Scope
from anju.divisions import divisions_table
from anju.plan import load as load_plan
from anju.plan import plan_for, shipped
from anju.registry.tables import homes
from anju.security import Caller, NewAccount, Role, Security, create_account
from tests.accounts import PASSWORD, World, api_token, choose_world
from tests.conftest import TEST_SCALE
from tests.plan_builders import store_values

ROOT = Path(__file__).resolve().parents[2]

API = "/api/v1/assistance/figures"


def at(day: str, hour: int = 2) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class Data:
    world: World
    sb: str  # the street of district B with data
    other_street: str  # a street outside district A without any data
    other_district: str  # the district managing other_street


def _homes(conn: Connection, street: str, n: int) -> list[int]:
    ids = [
        int(x)
        for x in conn.execute(
            select(homes.c.id).where(homes.c.street_code == street).order_by(homes.c.id).limit(n)
        ).scalars()
    ]
    assert len(ids) == n, f"street {street} has only {len(ids)} homes"
    return ids


def build(engine: Engine) -> Data:
    """The small data set every test here reads (see the module docstring and the expected figures)."""
    w = choose_world(engine)
    with engine.begin() as conn:
        assistance.load_programmes(conn, assistance.load_policies(assistance.sample_policy_path("320100")))
        editions = {r.code: int(r.id) for r in conn.execute(select(programme_editions.c.code, programme_editions.c.id))}
        sb = str(
            conn.execute(
                select(homes.c.street_code)
                .where(homes.c.district_code == w.district_b)
                .order_by(homes.c.street_code)
                .limit(1)
            ).scalar_one()
        )
        other = conn.execute(
            select(divisions_table.c.code, divisions_table.c.parent_code)
            .where(
                divisions_table.c.level == "street",
                divisions_table.c.managing_code.is_(None),
                divisions_table.c.parent_code != w.district_a,
            )
            .where(divisions_table.c.code != sb)
            .order_by(divisions_table.c.code)
            .limit(1)
        ).one()
        pool = {s: _homes(conn, s, 8) for s in (w.street_s1, w.street_s2, sb)}
        n = iter(range(1, 1000))

        def app(
            programme: str,
            street: str,
            status: str,
            submitted: datetime | None,
            decided: datetime | None = None,
            members: tuple[str, ...] = (),
            tier: str | None = None,
            industry: str | None = None,
        ) -> int:
            now = datetime(2026, 1, 1, tzinfo=UTC)
            app_id = int(
                conn.execute(
                    applications.insert()
                    .values(
                        app_no=f"BZT{next(n):07d}",
                        programme_code=programme,
                        edition_id=editions[programme],
                        district_code=street[:6],
                        street_code=street,
                        status=status,
                        household_size=max(len(members), 1),
                        talent_tier=tier,
                        industry=industry,
                        housing_status="rented",
                        submitted_at=submitted,
                        decided_at=decided,
                        created_at=now,
                        updated_at=now,
                        version=1,
                    )
                    .returning(applications.c.id)
                ).scalar_one()
            )
            for seq, bidx in enumerate(members):
                conn.execute(
                    application_members.insert().values(
                        application_id=app_id,
                        seq=seq,
                        relation="本人" if seq == 0 else "配偶",
                        name_enc=b"x",
                        id_number_enc=b"x",
                        id_bidx=bidx,
                        birth_year=1990,
                        annual_income_fen=0,
                        assets_fen=0,
                        local_hukou=True,
                        hukou_years=5,
                        social_insurance_months=24,
                        employed=True,
                        pending=None,
                    )
                )
            return app_id

        def benefit(
            app_id: int, programme: str, members: tuple[str, ...], since: date, until: date | None = None
        ) -> None:
            for b in members:
                conn.execute(
                    benefits.insert().values(
                        id_bidx=b,
                        application_id=app_id,
                        programme_code=programme,
                        kind="home",
                        since=since,
                        until=until,
                    )
                )

        def allocate(
            app_id: int, programme: str, street: str, home: int, selected: datetime, ended: bool = False
        ) -> None:
            conn.execute(
                allocations.insert().values(
                    application_id=app_id,
                    home_id=home,
                    programme_code=programme,
                    status="ended" if ended else "moved_in",
                    active=None if ended else 1,
                    street_code=street,
                    selected_at=selected,
                    selected_by="test",
                )
            )

        def step(app_id: int, when: datetime, level: str, action: str, to: str) -> None:
            conn.execute(
                application_steps.insert().values(
                    application_id=app_id, at=when, actor="test", level=level, action=action, to_status=to
                )
            )

        s1, s2 = w.street_s1, w.street_s2
        # --- district A ---------------------------------------------------------------------------
        pr1 = app("public_rental", s1, "allocated", at("2024-01-10"), at("2024-02-09"), ("b1", "b2"))
        allocate(pr1, "public_rental", s1, pool[s1][7], at("2024-03-10"))
        benefit(pr1, "public_rental", ("b1", "b2"), date(2024, 3, 10))
        t0 = at("2024-01-10")
        for days, level, action, to in (
            (0, "applicant", "submit", "submitted"),
            (5, "street", "approve", "submitted"),
            (15, "district", "approve", "submitted"),
            (20, "city", "approve", "notice"),
            (30, "system", "approve_final", "approved"),
        ):
            step(pr1, t0 + timedelta(days=days), level, action, to)
        # submitted 2024-01-31 17:00 UTC = 1 February in Beijing
        pr2 = app("public_rental", s1, "approved", datetime(2024, 1, 31, 17, tzinfo=UTC),
                  datetime(2024, 2, 20, 17, tzinfo=UTC), ("b3",))  # fmt: skip
        t0 = datetime(2024, 1, 31, 17, tzinfo=UTC)
        for days, level, action, to in (
            (0, "applicant", "submit", "submitted"),
            (2, "street", "return", "returned"),
            (4, "applicant", "submit", "submitted"),
            (7, "street", "approve", "submitted"),
            (12, "district", "approve", "submitted"),
            (14, "city", "approve", "notice"),
        ):
            step(pr2, t0 + timedelta(days=days), level, action, to)
        ar1 = app("affordable_rental", s2, "allocated", at("2024-03-01", 0), at("2024-03-11", 0), ("b4",))
        allocate(ar1, "affordable_rental", s2, pool[s2][7], at("2024-04-10", 0))
        benefit(ar1, "affordable_rental", ("b4",), date(2024, 4, 10))
        app("affordable_rental", s2, "rejected", at("2024-03-05", 0), at("2024-03-09", 0), ("b5",))
        ar3 = app("affordable_rental", s2, "exited", at("2023-06-01", 0), at("2023-06-11", 0), ("b6",))
        allocate(ar3, "affordable_rental", s2, pool[s2][6], at("2023-07-01", 0), ended=True)
        benefit(ar3, "affordable_rental", ("b6",), date(2023, 7, 1), date(2024, 1, 1))
        tr1 = app(
            "talent_rental", s1, "allocated", at("2024-05-01"), at("2024-05-08"), ("t1", "t2"), "B", "软件和信息服务业"
        )
        allocate(tr1, "talent_rental", s1, pool[s1][6], at("2024-06-01"))
        benefit(tr1, "talent_rental", ("t1", "t2"), date(2024, 6, 1))
        ts1 = app(
            "talent_subsidy", s2, "approved", at("2024-05-15"), at("2024-05-25"), ("t3",), "C", "软件和信息服务业"
        )
        benefit(ts1, "talent_subsidy", ("t3",), date(2024, 6, 1))
        app("talent_purchase", s1, "submitted", at("2024-06-02"), None, ("t4",), "A", "生物医药")
        # --- district B ---------------------------------------------------------------------------
        prb = app("public_rental", sb, "allocated", at("2024-02-01", 0), at("2024-02-11", 0), ("x1",))
        allocate(prb, "public_rental", sb, pool[sb][7], at("2024-02-21", 0))
        benefit(prb, "public_rental", ("x1",), date(2024, 2, 21))
        trb = app("talent_rental", sb, "allocated", at("2024-04-01", 0), at("2024-04-05", 0), ("x2",), "D", "智能制造")
        allocate(trb, "talent_rental", sb, pool[sb][6], at("2024-04-21", 0))
        benefit(trb, "talent_rental", ("x2",), date(2024, 4, 21))
        app("rent_subsidy", sb, "draft", None, None, ("x3",))
        # --- assisted homes (supply) ----------------------------------------------------------------
        for street, i, programme, since, status in (
            (s1, 0, "public_rental", date(2021, 3, 1), "allocated"),
            (s1, 1, "public_rental", date(2021, 9, 1), "available"),
            (s1, 2, "public_rental", date(2022, 5, 1), "available"),
            (sb, 0, "public_rental", date(2021, 4, 1), "available"),
            (s2, 0, "affordable_rental", date(2022, 1, 1), "available"),
            (s2, 1, "affordable_rental", date(2022, 12, 31), "allocated"),
            (s2, 2, "affordable_rental", date(2023, 6, 1), "available"),
            (s2, 3, "affordable_rental", date(2023, 7, 1), "withdrawn"),
            (s2, 4, "resettlement", date(2020, 6, 1), "available"),
            (s1, 3, "talent_rental", date(2024, 2, 1), "available"),
            (s1, 4, "talent_rental", date(2024, 3, 1), "allocated"),
            (sb, 1, "talent_rental", date(2025, 8, 1), "available"),
            (sb, 2, "talent_rental", date(2026, 2, 1), "available"),
        ):
            conn.execute(
                assisted_homes.insert().values(
                    home_id=pool[street][i],
                    programme_code=programme,
                    district_code=street[:6],
                    street_code=street,
                    bedrooms=1,
                    area=5000,
                    status=status,
                    since=since,
                )
            )
    return Data(w, sb, str(other.code), str(other.parent_code))


@pytest.fixture
def data(city_engine: Engine) -> Data:
    return build(city_engine)


SAMPLE_POPULATION = plan_targets.Population(8_000_000, {}, 2025, True, "测试人口")


@pytest.fixture
def targets() -> plan_targets.Targets:
    return plan_targets.targets_from_plan(shipped("320100")[0], SAMPLE_POPULATION)


def district_scope(engine: Engine, code: str) -> Scope:
    with engine.connect() as c:
        kids = divisions.children(c, code, "street", limit=1000).items
    return Scope.of_streets("district", code, [k.code for k in kids if k.managing_code in (None, code)])


# ------------------------------------------------------------------------------------------ the figures


def test_coverage_counts_current_beneficiaries_and_the_rate_against_the_target(city_engine, data, targets):
    w = data.world
    small = replace(targets, population=40, district_population={w.district_a: 20})
    with city_engine.connect() as c:
        city = figures.coverage(c, small, scope=SYSTEM)
        a = figures.coverage(c, small, scope=district_scope(city_engine, w.district_a))
        street = figures.coverage(c, small, scope=Scope.of_streets("street", w.street_s1, [w.street_s1]))
        filtered = figures.coverage(c, small, scope=SYSTEM, district=w.district_a)
        shipped = figures.coverage(c, targets, scope=SYSTEM)
    # b1 b2 (public rental), b4 (affordable), t1 t2 t3 (talent), x1 x2 (district B); b6 has left
    assert (city["persons"], city["households"]) == (8, 6)
    assert city["rate_percent"] == 20.0 and city["target_percent"] == 28.0 and city["met"] is False
    assert city["area_name"] == "全市" and city["previous_target_percent"] == 23.0
    by = {p["programme_code"]: (p["persons"], p["households"]) for p in city["by_programme"]}
    assert by == {
        "public_rental": (3, 2),
        "affordable_rental": (1, 1),
        "talent_rental": (3, 2),
        "talent_subsidy": (1, 1),
    }
    assert (a["persons"], a["households"], a["population"], a["rate_percent"], a["met"]) == (6, 4, 20, 30.0, True)
    assert filtered["persons"] == 6 and filtered["rate_percent"] == 30.0
    # a street is not a whole district: counts, but no population and no rate
    assert (street["persons"], street["households"], street["population"], street["rate_percent"]) == (4, 2, None, None)
    # a population of 8 000 000: 8 persons are 0.0 %
    assert shipped["population"] == 8_000_000 and shipped["population_sample"] is True
    assert shipped["rate_percent"] == 0.0


def test_supply_per_programme_and_year_against_the_plan(city_engine, data, targets):
    with city_engine.connect() as c:
        city = figures.supply(c, targets, scope=SYSTEM)
        a = figures.supply(c, targets, scope=district_scope(city_engine, data.world.district_a))
    assert city["years"] == [2020, 2021, 2022, 2023, 2024, 2025, 2026]
    rows = {p["programme_code"]: p for p in city["programmes"]}
    assert {y["year"]: y["homes"] for y in rows["public_rental"]["by_year"] if y["homes"]} == {2021: 3, 2022: 1}
    # the withdrawn home does not count
    assert {y["year"]: y["homes"] for y in rows["affordable_rental"]["by_year"] if y["homes"]} == {2022: 2, 2023: 1}
    assert rows["resettlement"]["total"] == 1 and rows["resettlement"]["period_total"] == 0  # 2020: before the plan
    assert rows["public_rental"]["target"] == 5000 and rows["public_rental"]["target_bound"] == "at_least"
    assert rows["public_rental"]["progress_percent"] == 0.08
    assert rows["affordable_rental"]["target"] == 125_000 and rows["resettlement"]["target"] == 160_000
    assert rows["shared_ownership"]["target"] == 10_000 and rows["shared_ownership"]["total"] == 0
    assert rows["talent_rental"]["counts_towards_plan"] is False and rows["talent_rental"]["period_total"] == 3
    plan = {y["year"]: (y["homes"], y["target"]) for y in city["plan_years"]}
    assert plan == {2021: (3, 49_000), 2022: (3, 59_000), 2023: (1, 64_000), 2024: (0, 64_000), 2025: (0, 64_000)}
    assert (city["period_total"], city["period_target"], city["targets_cover_city"]) == (7, 300_000, True)
    rows_a = {p["programme_code"]: p for p in a["programmes"]}
    assert {y["year"]: y["homes"] for y in rows_a["public_rental"]["by_year"] if y["homes"]} == {2021: 2, 2022: 1}
    assert a["period_total"] == 6 and a["targets_cover_city"] is False


def test_applications_per_programme_and_status(city_engine, data):
    with city_engine.connect() as c:
        city = figures.applications_by_status(c, scope=SYSTEM)
        s1 = figures.applications_by_status(
            c, scope=Scope.of_streets("street", data.world.street_s1, [data.world.street_s1])
        )
    got = {
        p["programme_code"]: {s["status"]: s["count"] for s in p["by_status"] if s["count"]} for p in city["programmes"]
    }
    assert got == {
        "public_rental": {"allocated": 2, "approved": 1},
        "affordable_rental": {"allocated": 1, "rejected": 1, "exited": 1},
        "rent_subsidy": {"draft": 1},
        "talent_purchase": {"submitted": 1},
        "talent_rental": {"allocated": 2},
        "talent_subsidy": {"approved": 1},
    }
    assert city["total"] == 11 and [s["label"] for s in city["statuses"]][:2] == ["草稿", "审核中"]
    assert s1["total"] == 4 and {p["programme_code"] for p in s1["programmes"]} == {
        "public_rental",
        "talent_rental",
        "talent_purchase",
    }


def test_waiting_and_approval_times_median_and_p90(city_engine, data):
    with city_engine.connect() as c:
        city = figures.times(c, scope=SYSTEM)
        a = figures.times(c, scope=district_scope(city_engine, data.world.district_a))
    waiting = {r["programme_code"]: (r["n"], r["median_days"], r["p90_days"]) for r in city["waiting"]}
    # public rental: 60 and 20 days; affordable: 40 and 30 (the ended allocation counts); talent: 31 and 20
    assert waiting == {
        "public_rental": (2, 40.0, 56.0),
        "affordable_rental": (2, 35.0, 39.0),
        "talent_rental": (2, 25.5, 29.9),
    }
    approval = {r["programme_code"]: r for r in city["approval"]}
    assert approval["public_rental"]["overall"] == {"n": 3, "median_days": 20.0, "p90_days": 28.0}
    assert approval["affordable_rental"]["overall"] == {"n": 3, "median_days": 10.0, "p90_days": 10.0}
    assert approval["talent_rental"]["overall"] == {"n": 2, "median_days": 5.5, "p90_days": 6.7}
    assert "talent_purchase" not in approval  # not decided yet
    levels = {lv["level"]: (lv["n"], lv["median_days"], lv["p90_days"]) for lv in approval["public_rental"]["levels"]}
    # street: 5 days (PR1), 2 days before the return and 3 after resubmission (PR2)
    assert levels == {"street": (3, 3.0, 4.6), "district": (2, 7.5, 9.5), "city": (2, 3.5, 4.7)}
    assert {r["programme_code"]: r["median_days"] for r in a["waiting"]} == {
        "public_rental": 60.0,
        "affordable_rental": 35.0,
        "talent_rental": 31.0,
    }


def test_values_read_in_small_pages_give_the_same_figures(city_engine, data, monkeypatch):
    with city_engine.connect() as c:
        whole = (figures.times(c, scope=SYSTEM), figures.monthly(c, scope=SYSTEM))
        monkeypatch.setattr(figures, "PAGE_ROWS", 2)  # every keyset page boundary is crossed
        assert (figures.times(c, scope=SYSTEM), figures.monthly(c, scope=SYSTEM)) == whole


def test_applications_per_month_in_beijing_time(city_engine, data):
    with city_engine.connect() as c:
        m = figures.monthly(c, scope=SYSTEM)
    assert m["months"][0] == "2023-06" and m["months"][-1] == "2024-06" and len(m["months"]) == 13
    pr = next(s for s in m["series"] if s["programme_code"] == "public_rental")["counts"]
    months = dict(zip(m["months"], pr, strict=True))
    # PR2 was submitted on 31 January at 17:00 UTC: 1 February in Beijing
    assert (months["2024-01"], months["2024-02"]) == (1, 2)
    assert dict(zip(m["months"], m["totals"], strict=True))["2024-03"] == 2
    assert sum(m["totals"]) == 10  # the draft was never submitted


def test_talent_by_tier_district_industry_and_month(city_engine, data, targets):
    w = data.world
    with city_engine.connect() as c:
        city = talent_figures.talent(c, targets, scope=SYSTEM)
        a = talent_figures.talent(c, targets, scope=district_scope(city_engine, w.district_a))
    assert {t["tier"]: (t["applications"], t["beneficiaries"]) for t in city["tiers"]} == {
        "A": (1, 0),
        "B": (1, 2),
        "C": (1, 1),
        "D": (1, 1),
    }
    t = city["totals"]
    assert (t["applications"], t["beneficiaries"], t["beneficiaries_period"], t["beneficiaries_now"]) == (4, 4, 4, 4)
    assert (t["beneficiaries_target"], t["homes_period"], t["homes_target"]) == (200_000, 3, 120_000)
    districts = {r["code"]: r for r in city["districts"]}
    assert set(targets.talent_homes_by_district) <= set(districts)  # every 专栏5 district is listed
    ra, rb = districts[w.district_a], districts[w.district_b]
    assert (ra["applications"], ra["beneficiaries"], ra["homes"]) == (3, 3, 2)
    assert (rb["applications"], rb["beneficiaries"], rb["homes"]) == (1, 1, 1)  # the 2026 home is after the plan
    assert ra["homes_target"] == targets.talent_homes_by_district[w.district_a]
    assert districts["320192"]["name"] == "江北新区" and districts["320192"]["homes_target"] == 18_000
    assert [(r["industry"], r["applications"], r["beneficiaries"]) for r in city["industries"]] == [
        ("软件和信息服务业", 2, 3),
        ("智能制造", 1, 1),
        ("生物医药", 1, 0),
    ]
    assert [(m["month"], m["applications"], m["beneficiaries"]) for m in city["months"]] == [
        ("2024-04", 1, 1),
        ("2024-05", 2, 0),
        ("2024-06", 1, 3),
    ]
    # district A sees only its own row and its own people
    assert [r["code"] for r in a["districts"]] == [w.district_a]
    assert a["totals"]["beneficiaries"] == 3 and a["totals"]["targets_cover_city"] is False
    assert {t["tier"]: t["beneficiaries"] for t in a["tiers"]}["D"] == 0


def test_percentile_interpolates_between_ranks():
    assert figures.percentile([], 0.5) is None
    assert figures.percentile([7.0], 0.9) == 7.0
    assert figures.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert figures.percentile([10.0, 20.0, 30.0], 0.9) == pytest.approx(28.0)
    assert figures.summary([3.0, 1.0, 2.0]) == {"n": 3, "median_days": 2.0, "p90_days": 2.8}


# ------------------------------------------------------------------------------- targets from the plan


def test_the_figures_follow_a_newly_loaded_plan_edition_and_the_street_population(city_engine, tmp_path):
    """The figures' targets are the current plan's: a corrected edition loaded (no code change) is what
    the figures compare with next; the population is the street database's stored resident population."""
    with city_engine.connect() as c:
        before = plan_targets.targets_in(c, plan_for(c, "320100"), "320100")
    assert before.coverage_percent == 28 and before.population is None and before.population_year is None
    text = (ROOT / "src/anju/plan/data/320100/320100-14th.toml").read_text(encoding="utf-8")
    edited = text.replace('value = 28\ncomparison = "at_least"', 'value = 30\ncomparison = "at_least"', 1)
    assert edited != text
    (tmp_path / "edition2.toml").write_text(edited, encoding="utf-8")
    load_plan(city_engine, tmp_path / "edition2.toml")
    w = choose_world(city_engine)
    store_values(
        city_engine,
        [
            ("population.resident", "city", "320100", 2023, "9000", None),
            ("population.resident", "district", w.district_a, 2023, "1200", None),
            ("population.resident", "city", "320100", 2024, "9500", None),
            ("population.resident", "district", w.district_a, 2024, "1300", None),
        ],
    )
    with city_engine.connect() as c:
        after = plan_targets.targets_in(c, plan_for(c, "320100"), "320100")
    assert after.coverage_percent == 30  # edition 2 is in force
    assert after.supply_total == round(300_000 * TEST_SCALE)  # counts still scaled to the synthetic city
    # the latest year's population, not scaled (it is the synthetic city's own), labelled synthetic
    assert (after.population, after.district_population, after.population_year) == (9500, {w.district_a: 1300}, 2024)
    assert after.population_sample is True and "population.resident" in after.population_source


# ------------------------------------------------------------------------------------- API and pages


@pytest.fixture
def client(city_engine: Engine, settings_for: Any, data: Data) -> Any:
    """A client with bearer tokens for the city officer, district A's officer, S1's clerk, and a
    clerk of a street outside district A that holds no data."""
    settings = settings_for(city_engine)
    with city_engine.begin() as conn:
        create_account(
            conn,
            Security(settings),
            NewAccount(
                username="clerk_far",
                password=PASSWORD,
                role=Role.street_clerk,
                name="远街道",
                division_code=data.other_street,
            ),
            Caller.system("test"),
        )
    app = create_app(settings)
    with TestClient(app) as c:
        c.tokens = {u: api_token(city_engine, u) for u in ("city", "district", "clerk", "clerk_far", "citizen")}
        yield c
    app.state.engine.dispose()


def get(client: Any, who: str, path: str, **params: Any) -> Any:
    return client.get(path, params=params, headers={"authorization": f"Bearer {client.tokens[who]}"})


def test_the_api_answers_each_figure_within_the_callers_scope(client, data):
    w = data.world
    city = get(client, "city", f"{API}/coverage").json()
    assert (city["persons"], city["households"]) == (8, 6)
    district = get(client, "district", f"{API}/coverage").json()
    assert (district["persons"], district["households"], district["area_code"]) == (6, 4, w.district_a)
    # the street database has no population yet: counts, no rate
    assert district["population"] is None and district["rate_percent"] is None
    talent = get(client, "district", f"{API}/talent").json()
    assert [r["code"] for r in talent["districts"]] == [w.district_a]
    assert "智能制造" not in {r["industry"] for r in talent["industries"]}  # district B's industry
    # a district officer asking for another district gets nothing of it
    other = get(client, "district", f"{API}/supply", district=w.district_b).json()
    assert other["period_total"] == 0 and all(p["total"] == 0 for p in other["programmes"])
    # a clerk of a street without data sees zeros and empty lists, never others' data
    far = {name: get(client, "clerk_far", f"{API}/{name}").json() for name in ("coverage", "supply", "applications",
                                                                             "times", "monthly", "talent")}  # fmt: skip
    assert (far["coverage"]["persons"], far["coverage"]["households"], far["coverage"]["rate_percent"]) == (0, 0, None)
    assert far["coverage"]["by_programme"] == []
    assert far["supply"]["period_total"] == 0 and all(p["total"] == 0 for p in far["supply"]["programmes"])
    assert far["applications"]["total"] == 0 and far["applications"]["programmes"] == []
    assert far["times"]["waiting"] == [] and far["times"]["approval"] == []
    assert far["monthly"]["months"] == [] and far["monthly"]["series"] == []
    tl = far["talent"]
    assert tl["totals"]["applications"] == 0 and tl["totals"]["beneficiaries"] == 0 and tl["industries"] == []
    assert [r["code"] for r in tl["districts"]] == [data.other_district]
    assert all(r["applications"] == r["beneficiaries"] == r["homes"] == 0 for r in tl["districts"])
    # the district filter narrows the city officer's figures to district B (江北新区 has its own code)
    b = get(client, "city", f"{API}/applications", district=w.district_b).json()
    assert b["total"] == 3
    assert get(client, "city", f"{API}/coverage", district="320192").json()["area_name"] == "江北新区"
    targets = get(client, "city", f"{API}/targets").json()
    assert targets["scaled_by"] == TEST_SCALE and targets["coverage_percent"] == 28  # a rate: not scaled
    assert targets["supply_total"] == round(300_000 * TEST_SCALE) and targets["population"] is None


def test_citizens_and_strangers_are_refused(client):
    assert get(client, "citizen", f"{API}/coverage").status_code == 403
    assert client.get(f"{API}/coverage").status_code == 401
    assert client.get(f"{API}/talent-tiers.csv").status_code == 401


@pytest.mark.parametrize("bad", ["999999", "abc", "3201020", "320102002"])
def test_an_unknown_district_is_422_naming_the_field(client, bad):
    for path in (f"{API}/coverage", f"{API}/talent", f"{API}/supply.csv"):
        r = get(client, "city", path, district=bad)
        assert r.status_code == 422, (path, r.text)
        assert [e["field"] for e in r.json()["errors"]] == ["district"]


def test_csv_exports_have_a_bom_and_chinese_headers(client, data):
    r = get(client, "city", f"{API}/supply.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    assert 'filename="assistance-supply.csv"' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["项目代码", "项目名称", "类别", "2020年", "2021年"]
    assert rows[0][-3:] == ["规划期合计", "规划目标", "完成率（%）"]
    pr = next(x for x in rows if x[0] == "public_rental")
    # the plan's 5,000 public-rental homes scaled to the synthetic test city (× TEST_SCALE): 4 of 5
    assert pr[1:3] == ["公共租赁住房", "公共租赁住房"] and pr[-3:] == ["4", "5", "80.0"]
    for table in figures_csv.TABLES:
        r = get(client, "district", f"{API}/{table}.csv")
        assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf"), table
        assert len(list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))) >= 1
    tiers = list(csv.reader(io.StringIO(get(client, "clerk", f"{API}/talent-tiers.csv").content.decode("utf-8-sig"))))
    assert tiers == [
        ["人才层次", "申请数", "受益人数"],
        ["A", "1", "0"],
        ["B", "1", "2"],
        ["C", "0", "0"],
        ["D", "0", "0"],
    ]
    far = get(client, "clerk_far", f"{API}/talent-districts.csv", district=data.world.district_a)
    assert list(csv.reader(io.StringIO(far.content.decode("utf-8-sig"))))[1:] == []  # outside the scope: nothing
    assert get(client, "city", f"{API}/nonsense.csv").status_code == 422


def _data_block(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="figures-data">(.*?)</script>', html, re.S)
    assert m is not None, "the page has no data block"
    return dict(json.loads(m.group(1)))


def test_pages_render_tables_data_blocks_and_the_vendored_scripts(client, data, city_engine):
    store_values(city_engine, [("population.resident", "city", "320100", 2024, "40", None)])  # 8 of 40: 20 %
    r = get(client, "city", "/assistance/figures")
    assert r.status_code == 200, r.text[:300]
    html = r.text
    assert '<script src="/static/vendor/echarts/echarts.min.js" defer></script>' in html
    assert '<script src="/static/assistance-charts.js" defer></script>' in html
    # no inline script: every script element has a src or is a JSON data block
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    block = _data_block(html)
    assert block["coverage"]["persons"] == 8 and block["supply"]["period_total"] == 7
    assert block["coverage"]["rate_percent"] == 20.0 and "街道数据库 2024 年" in html
    for chart in ("coverage", "supply-years", "supply-plan", "applications", "times", "monthly"):
        assert f'data-chart="{chart}"' in html, chart
    assert "保障性住房指标" in html and "公共租赁住房" in html and "下载 CSV" in html
    assert "演示数据" in html and "0.001 倍规模" in html  # the synthetic city's scaled targets are labelled
    assert "/api/v1/assistance/figures/plan-years.csv" in html
    assert "script-src 'self'" in r.headers["content-security-policy"]
    t = get(client, "district", "/assistance/talent")
    assert t.status_code == 200
    tb = _data_block(t.text)
    assert tb["talent"]["totals"]["beneficiaries"] == 3
    for chart in ("talent-tiers", "talent-districts", "talent-industries", "talent-months"):
        assert f'data-chart="{chart}"' in t.text, chart
    assert "人才安居分析" in t.text and "软件和信息服务业" in t.text and "智能制造" not in t.text
    # the filter keeps the district in the CSV links
    f = get(client, "city", "/assistance/talent", district=data.world.district_b)
    assert f"talent-tiers.csv?district={data.world.district_b}" in f.text
    assert _data_block(f.text)["talent"]["totals"]["applications"] == 1
    # the navigation links the two pages for staff who may read assistance figures
    assert 'href="/assistance/talent"' in get(client, "clerk", "/").text


def test_pages_show_empty_states_in_chinese(client):
    html = get(client, "clerk_far", "/assistance/figures").text
    assert html.count("暂无数据") >= 4
    assert 'data-chart="applications"' not in html and 'data-chart="monthly"' not in html
    talent = get(client, "clerk_far", "/assistance/talent").text
    assert 'data-chart="talent-tiers"' not in talent and "暂无数据" in talent


def test_a_page_with_a_bad_district_is_an_error_page(client):
    r = client.get(
        "/assistance/figures",
        params={"district": "999999"},
        headers={"authorization": f"Bearer {client.tokens['city']}", "accept": "text/html"},
    )
    assert r.status_code == 422 and "district" in r.text
    ok = get(client, "city", "/assistance/figures", district="")
    assert ok.status_code == 200  # the filter form's "everything" choice
