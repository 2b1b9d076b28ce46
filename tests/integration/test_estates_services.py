"""Property services end to end: company filing (a bad credit code names ``credit_code`` and writes
nothing), one active project per estate (the conflict names the estate), a tender scored and awarded
into a project, a credit-restricted company refused, coverage numbers by hand on the tiny city, the
synthetic city's share, the pages (200, Chinese) and the company's own bid through the API."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from anju import credit, registry
from anju.app import create_app
from anju.core import clock
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.scope import Scope
from anju.estates import services_companies as sc
from anju.estates import services_coverage as cov
from anju.estates import services_projects as sp
from anju.estates import services_tenders as st
from anju.estates.tables import estates_bids, estates_companies, estates_projects, estates_tenders
from anju.security import Caller, Keyring, audit_log, keyring_from_settings
from tests.accounts import api_token, choose_world, web_session
from tests.integration.test_credit_restrictions import enlist

SYSTEM = Caller.system("test")
AGENCY_CODE = "91110000600037341L"  # the seeded agency account's enterprise


def _codes(n: int, prefix: str = "91320100MA") -> list[str]:
    from stdnum.cn import uscc

    out = []
    for i in range(n):
        body = f"{prefix}{i:07d}"
        out.append(body + uscc.calc_check_digit(body + "0"))
    return out


@pytest.fixture
def kr(city_engine: Engine, settings_for: Any) -> Keyring:
    """The keyring of the tests' settings (the app's and the credit files' blind indexes)."""
    return keyring_from_settings(settings_for(city_engine))


def _count(engine: Engine, t: Any) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(t)).scalar_one())


def _file(engine: Engine, kr: Keyring, code: str, street: str, name: str = "测试物业服务有限公司") -> int:
    with engine.begin() as c:
        return sc.file_company(c, kr, SYSTEM, sc.CompanyIn(code, name, "grade2", 120, street))


def _residential_estates(engine: Engine, street: str | None = None) -> list[Any]:
    h, e = registry.homes, registry.estates
    conds: list[Any] = [h.c.use.in_(cov.RESIDENTIAL), h.c.status.in_(cov.STANDING)]
    if street:
        conds.append(e.c.street_code == street)
    with engine.connect() as c:
        return list(
            c.execute(
                select(e.c.id, e.c.name, e.c.street_code, func.count().label("homes"))
                .join(h, h.c.estate_id == e.c.id)
                .where(*conds)
                .group_by(e.c.id, e.c.name, e.c.street_code)
                .order_by(e.c.id)
            ).all()
        )


def _project(estate: int, company: int, **kw: Any) -> sp.ProjectIn:
    today = clock.today()
    base: dict[str, Any] = dict(
        estate_id=estate, company_id=company, kind="owners", chosen_by="negotiation", contract_no="HT-1",
        starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=700), service_level="3",
        fees={"住宅": 180},
    )  # fmt: skip
    return sp.ProjectIn(**(base | kw))


def test_filing_checks_the_credit_code_and_writes_nothing_when_refused(city_engine: Engine, kr: Keyring) -> None:
    w = choose_world(city_engine)
    before = _count(city_engine, estates_companies)
    with pytest.raises(ValidationError) as e, city_engine.begin() as c:
        sc.file_company(c, kr, SYSTEM, sc.CompanyIn("91320100MA00000001", "坏代码物业", "grade2", 10, w.street_s1))
    assert [x.field for x in e.value.errors] == ["credit_code"] and "校验位" in e.value.errors[0].reason
    with pytest.raises(ValidationError) as e, city_engine.begin() as c:
        sc.file_company(c, kr, SYSTEM, sc.CompanyIn("123", "", "grade9", 0, "nowhere"))
    assert {x.field for x in e.value.errors} == {"credit_code", "name", "qualification", "staff", "street_code"}
    assert _count(city_engine, estates_companies) == before
    code = _codes(1)[0]
    cid = _file(city_engine, kr, code, w.street_s1)
    with pytest.raises(Conflict, match="已备案"):
        _file(city_engine, kr, code, w.street_s1)
    with city_engine.connect() as c:  # the company has its credit file, found by its code's blind index
        subject = c.execute(
            select(credit.credit_subjects).where(
                credit.credit_subjects.c.subject_bidx == kr.blind_index(code, "credit_code")
            )
        ).one()
    assert subject.kind == "property_service" and subject.name == "测试物业服务有限公司"
    # a street clerk of another street neither sees nor files there
    other = Caller(None, "x", None, None, Scope.of_streets("street", w.street_s2, [w.street_s2]))
    with city_engine.connect() as c:
        assert sc.list_companies(c, sc.CompanyFilter(), scope=other.scope, limit=10, offset=0).total == 0
        assert sc.list_companies(c, sc.CompanyFilter(q="测试"), scope=SYSTEM.scope, limit=10, offset=0).total == 1
        csv_rows = list(sc.export_companies(c, sc.CompanyFilter(), scope=SYSTEM.scope))
    assert csv_rows[0][0] == code
    with city_engine.begin() as c:
        assert sc.change_status(c, SYSTEM, cid, "suspend", "未按规定备案项目") == "suspended"
    with pytest.raises(ValidationError, match="reason"), city_engine.begin() as c:
        sc.change_status(c, SYSTEM, cid, "reinstate", "  ")
    with city_engine.connect() as c:

        def n(**kw: Any) -> int:
            return sc.list_companies(c, sc.CompanyFilter(**kw), scope=SYSTEM.scope, limit=10, offset=0).total

        assert n(status="suspended") == 1 and n(status="filed") == 0 and n(qualification="grade1") == 0
        assert n(district=w.district_a, qualification="grade2") == 1 and n(district=w.district_b) == 0


def test_one_active_project_per_estate_and_coverage_by_hand(city_engine: Engine, kr: Keyring) -> None:
    estates = _residential_estates(city_engine)
    assert len(estates) >= 2
    street = estates[0].street_code
    in_street = [e for e in estates if e.street_code == street]
    cid = _file(city_engine, kr, _codes(1)[0], street)
    with city_engine.begin() as c:
        pid = sp.create_project(c, SYSTEM, _project(estates[0].id, cid))
    before = _count(city_engine, estates_projects)
    with pytest.raises(Conflict) as e, city_engine.begin() as c:
        sp.create_project(c, SYSTEM, _project(estates[0].id, cid, contract_no="HT-2"))
    assert estates[0].name in e.value.message and e.value.errors[0].field == "estate_id"
    assert _count(city_engine, estates_projects) == before
    with pytest.raises(ValidationError) as ve, city_engine.begin() as c:
        sp.create_project(c, SYSTEM, _project(estates[1].id, cid, fees={"住宅": 0, "城堡": 5}, service_level="9"))
    assert {x.field for x in ve.value.errors} == {"fees.住宅", "fees.城堡", "service_level"}
    with city_engine.connect() as c:
        rows = {s.street_code: s.coverage for s in cov.street_coverage(c, SYSTEM.scope)}
    s1 = rows[street]
    assert s1.estates == len(in_street) and s1.served_estates == 1
    assert s1.homes == sum(e.homes for e in in_street) and s1.served_homes == estates[0].homes
    assert sum(v.estates for v in rows.values()) == len(estates)
    assert all(v.served_estates == 0 for k, v in rows.items() if k != street)
    with city_engine.begin() as c:
        sp.record_handover(c, SYSTEM, pid, sp.HandoverIn(clock.today(), 40, 2, "with_defects"))
        assert sp.end_project(c, SYSTEM, pid, "terminate", clock.today(), "业主大会解聘") == "terminated"
        report = cov.coverage_report(c, SYSTEM.scope)
        # a terminated project no longer covers; the estate can get a new one
        sp.create_project(c, SYSTEM, _project(estates[0].id, cid, contract_no="HT-3"))
    total = report["lines"][0]
    assert total["level"] == "total" and total["served_estates"] == 0
    with city_engine.connect() as c:
        n_new = c.execute(
            select(func.count()).where(registry.estates.c.id.in_([e.id for e in estates]),
                                       registry.estates.c.year_built >= 2021)
        ).scalar_one()  # fmt: skip
    assert total["new_estates"] == n_new and total["gap_estates"] == n_new
    assert total["meets_target"] is (None if n_new == 0 else False)
    assert report["target_percent"] == Decimal("100.0")


def test_tender_scored_and_awarded_into_a_project_and_a_restricted_company_refused(
    city_engine: Engine, settings_for: Any, kr: Keyring
) -> None:
    w = choose_world(city_engine)
    estate = _residential_estates(city_engine, w.street_s1)[0]
    a, b, c3, bad = (_file(city_engine, kr, code, w.street_s1, f"物业{i}") for i, code in enumerate(_codes(4)))
    with city_engine.begin() as c:
        tid = st.create_tender(
            c, SYSTEM, st.TenderIn(estate.id, "owners", "选聘物业", clock.today() + timedelta(days=9))
        )
        bids = [st.submit_bid(c, kr, SYSTEM, tid, x, fee) for x, fee in ((a, 200), (b, 250), (c3, 180))]
        enlist(c, kr.blind_index(_codes(4)[3], "credit_code"), name="物业3")
    with pytest.raises(Conflict) as e, city_engine.begin() as c:
        st.submit_bid(c, kr, SYSTEM, tid, bad, 150)
    assert e.value.errors[0].field == "company_id" and "不予受理" in e.value.message
    assert _count(city_engine, estates_bids) == 3
    with pytest.raises(Conflict), city_engine.begin() as c:  # scoring before the close
        st.score_bids(c, SYSTEM, tid, {bids[0]: 90})
    with city_engine.begin() as c:
        st.close_tender(c, SYSTEM, tid)
    with pytest.raises(ValidationError) as ve, city_engine.begin() as c:
        st.score_bids(c, SYSTEM, tid, {bids[0]: 90, bids[1]: 101})
    assert {x.field for x in ve.value.errors} == {f"technical.{bids[1]}", f"technical.{bids[2]}"}
    with city_engine.begin() as c:
        # a: 0.6×90 + 0.4×90 = 90.00; b: 0.6×95 + 0.4×72 = 85.80; c: 0.6×80 + 0.4×100 = 88.00
        st.score_bids(c, SYSTEM, tid, {bids[0]: "90", bids[1]: "95", bids[2]: "80"})
        with pytest.raises(ValidationError, match="tender_id"):  # not yet awarded
            sp.create_project(c, SYSTEM, _project(estate.id, a, chosen_by="tender", tender_id=tid))
        won = st.award(c, kr, SYSTEM, tid)
        detail = st.get_tender(c, SYSTEM.scope, tid)
    assert won["bid_id"] == bids[0] and won["company_id"] == a and won["refused"] == []
    by_id = {x["id"]: x for x in detail["bid_lines"]}
    assert by_id[bids[0]]["total_score"] == Decimal("90.00") and by_id[bids[0]]["price_score"] == Decimal("90.00")
    assert by_id[bids[1]]["total_score"] == Decimal("85.80") and by_id[bids[2]]["total_score"] == Decimal("88.00")
    assert [by_id[x]["status"] for x in bids] == ["won", "lost", "lost"] and detail["status"] == "awarded"
    with pytest.raises(ValidationError, match="中标企业"), city_engine.begin() as c:
        sp.create_project(c, SYSTEM, _project(estate.id, b, chosen_by="tender", tender_id=tid))
    with city_engine.begin() as c:
        pid = sp.create_project(c, SYSTEM, _project(estate.id, a, chosen_by="tender", tender_id=tid))
        assert sp.get_project(c, SYSTEM.scope, pid)["tender_id"] == tid
        assert sc.get_company(c, SYSTEM.scope, a)["tenders_won"][0]["tender_id"] == tid


def test_the_award_refuses_a_bid_whose_company_became_restricted(
    city_engine: Engine, settings_for: Any, kr: Keyring
) -> None:
    w = choose_world(city_engine)
    estate = _residential_estates(city_engine, w.street_s1)[0]
    codes = _codes(2, "91320100MB")
    a, b = (_file(city_engine, kr, code, w.street_s1, f"公司{i}") for i, code in enumerate(codes))
    with city_engine.begin() as c:
        tid = st.create_tender(
            c, SYSTEM, st.TenderIn(estate.id, "early", "前期物业", clock.today() + timedelta(days=3))
        )
        ba = st.submit_bid(c, kr, SYSTEM, tid, a, 100)
        bb = st.submit_bid(c, kr, SYSTEM, tid, b, 300)
        st.close_tender(c, SYSTEM, tid)
        st.score_bids(c, SYSTEM, tid, {ba: 99, bb: 60})
        enlist(c, kr.blind_index(codes[0], "credit_code"), name="公司0")
        won = st.award(c, kr, SYSTEM, tid)
        statuses = dict(
            c.execute(select(estates_bids.c.id, estates_bids.c.status).where(estates_bids.c.tender_id == tid)).all()
        )
    assert won == {"bid_id": bb, "company_id": b, "refused": [ba]}
    assert statuses == {ba: "refused", bb: "won"}


def test_the_synthetic_city_has_realistic_services(estates_engine: Engine) -> None:
    with estates_engine.connect() as c:
        report = cov.coverage_report(c, SYSTEM.scope)
        n_companies = c.execute(select(func.count()).select_from(estates_companies)).scalar_one()
        awarded = c.execute(
            select(func.count()).select_from(estates_tenders).where(estates_tenders.c.status == "awarded")
        ).scalar_one()
        tender_projects = c.execute(
            select(func.count()).select_from(estates_projects).where(estates_projects.c.chosen_by == "tender")
        ).scalar_one()
        active = estates_projects.c.status == "active"
        n_active = c.execute(select(func.count()).select_from(estates_projects).where(active)).scalar_one()
        n_estates = c.execute(
            select(func.count(func.distinct(estates_projects.c.estate_id))).where(active)
        ).scalar_one()
        old_share = [
            r.served / r.n
            for r in c.execute(
                select(func.count().label("n"), func.count(estates_projects.c.id).label("served"))
                .select_from(
                    registry.estates.outerjoin(estates_projects, estates_projects.c.estate_id == registry.estates.c.id)
                )
                .where(registry.estates.c.year_built < 2000)
            )
            if r.n
        ]
    total = report["lines"][0]
    assert n_companies >= 20
    assert total["estates"] > 0 and Decimal("70") <= (total["estate_percent"] or 0) < Decimal("100")
    assert awarded == tender_projects > 0
    assert n_active == n_estates > 0  # one active project per estate
    assert all(x < 1 for x in old_share)  # old estates are not all served


@pytest.fixture
def client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False) as cl:
        yield cl
    app.state.engine.dispose()


def test_pages_render_and_the_forms_work(city_engine: Engine, client: TestClient) -> None:
    w = choose_world(city_engine)
    token, csrf = web_session(city_engine, "city")
    client.cookies.set("anju_session", token)
    estate = _residential_estates(city_engine, w.street_s1)[0]
    r = client.post(
        "/property/companies",
        data={"csrf_token": csrf, "credit_code": "91320100MA00000001", "name": "坏", "qualification": "grade1",
              "staff": "5", "street_code": w.street_s1},
    )  # fmt: skip
    assert r.status_code == 422 and "统一社会信用代码校验位不正确" in r.text
    code = _codes(1)[0]
    r = client.post(
        "/property/companies",
        data={"csrf_token": csrf, "credit_code": code, "name": "页面物业", "qualification": "grade1",
              "staff": "5", "street_code": w.street_s1},
    )  # fmt: skip
    assert r.status_code == 303
    company = r.headers["location"].split("/")[-1].split("?")[0]
    r = client.post(
        "/property/projects/new",
        data={"csrf_token": csrf, "estate_id": str(estate.id), "company_id": company, "kind": "owners",
              "chosen_by": "negotiation", "contract_no": "YM-1", "starts_on": clock.today().isoformat(),
              "ends_on": (clock.today() + timedelta(days=365)).isoformat(), "service_level": "2",
              "fee_residential": "1.80"},
    )  # fmt: skip
    assert r.status_code == 303, r.text
    project = r.headers["location"].split("?")[0]
    for path, text in (
        ("/property", "物业服务覆盖率"),
        ("/property/companies", "页面物业"),
        (f"/property/companies/{company}", "物业服务项目"),
        ("/property/projects", "页面物业"),
        ("/property/projects?expiring_within=400", "页面物业"),
        ("/property/projects/new", "页面物业（"),  # the filed companies to choose from
        (project, "1.80"),
        ("/property/tenders", "没有符合条件的招标"),
        ("/property/coverage", "约束性"),
    ):
        r = client.get(path)
        assert r.status_code == 200 and text in r.text, path
    r = client.post(
        "/property/tenders",
        data={"csrf_token": csrf, "estate_id": str(estate.id), "kind": "owners", "title": "页面招标",
              "closes_on": (clock.today() + timedelta(days=3)).isoformat()},
    )  # fmt: skip
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "页面招标" in page.text and "页面物业（" in page.text and "登记投标" in page.text
    r = client.get(
        "/api/v1/property/coverage.csv", headers={"authorization": f"Bearer {api_token(city_engine, 'city')}"}
    )
    assert r.status_code == 200 and "served_estates" in r.text
    r = client.get(
        "/api/v1/property/coverage.xlsx", headers={"authorization": f"Bearer {api_token(city_engine, 'city')}"}
    )
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(r.content), read_only=True).active.iter_rows(values_only=True))
    assert (
        "规划目标" in rows[0][0]
        and rows[1][4] == "estates"
        and rows[2][3] == "合计"
        and rows[-1][0].startswith("合成数据")
    )


def test_the_company_bids_for_itself_through_the_api(city_engine: Engine, client: TestClient) -> None:
    w = choose_world(city_engine)
    estate = _residential_estates(city_engine, w.street_s1)[0]
    city = {"authorization": f"Bearer {api_token(city_engine, 'city')}"}
    agency = {"authorization": f"Bearer {api_token(city_engine, 'agency')}"}
    assert client.get("/api/v1/property/me/company", headers=agency).status_code == 404
    token, _csrf = web_session(city_engine, "agency")
    client.cookies.set("anju_session", token)
    assert "尚未备案为物业服务企业" in client.get("/property/me/company").text
    client.cookies.clear()
    r = client.post(
        "/api/v1/property/companies",
        json={"credit_code": AGENCY_CODE, "name": "冯氏物业", "qualification": "grade3", "staff": 30,
              "street_code": w.street_s1},
        headers=city,
    )  # fmt: skip
    assert r.status_code == 201
    assert client.get("/api/v1/property/me/company", headers=agency).json()["name"] == "冯氏物业"
    with city_engine.connect() as c:  # the filing's audit row, written in its transaction
        audit = c.execute(
            select(audit_log.c.actor, audit_log.c.entity, audit_log.c.entity_id, audit_log.c.outcome).where(
                audit_log.c.action == "estates.file_company"
            )
        ).all()
    assert [tuple(a) for a in audit] == [("city", "estates_company", str(r.json()["id"]), "ok")]
    closes = (clock.today() + timedelta(days=5)).isoformat()
    tid = client.post(
        "/api/v1/property/tenders",
        json={"estate_id": estate.id, "kind": "owners", "title": "选聘", "closes_on": closes},
        headers=city,
    ).json()["id"]
    assert [t["id"] for t in client.get("/api/v1/property/me/tenders", headers=agency).json()["items"]] == [tid]
    r = client.post(f"/api/v1/property/me/tenders/{tid}/bids", json={"fee_fen_per_m2": 150}, headers=agency)
    assert r.status_code == 201
    r = client.post(f"/api/v1/property/me/tenders/{tid}/bids", json={"fee_fen_per_m2": 140}, headers=agency)
    assert r.status_code == 409
    token, csrf = web_session(city_engine, "agency")
    client.cookies.set("anju_session", token)
    page = client.get("/property/me/company")
    assert page.status_code == 200 and "冯氏物业" in page.text and "选聘" in page.text
    again = client.post(f"/property/me/tenders/{tid}/bids", data={"csrf_token": csrf, "fee_yuan": "1.40"})
    assert again.status_code == 409 and "该企业已投标" in again.text
    client.cookies.clear()
    assert client.post(f"/api/v1/property/tenders/{tid}/close", headers=city).status_code == 200
    bid = client.get(f"/api/v1/property/tenders/{tid}", headers=city).json()["bid_lines"][0]["id"]
    r = client.post(f"/api/v1/property/tenders/{tid}/scores", json={"technical": {str(bid): "77.5"}}, headers=city)
    assert r.status_code == 200 and r.json()["bid_lines"][0]["total_score"] == "86.50"
    assert client.post(f"/api/v1/property/tenders/{tid}/award", headers=city).json()["bid_id"] == bid
    cov_json = client.get("/api/v1/property/coverage", headers=city).json()
    assert cov_json["target_percent"] == "100.0" and cov_json["lines"][0]["level"] == "total"


def test_a_street_clerk_sees_and_changes_only_the_streets_in_scope(
    city_engine: Engine, settings_for: Any, kr: Keyring
) -> None:
    estates = _residential_estates(city_engine)
    e_in, e_out = estates[0], next(e for e in estates if e.street_code != estates[0].street_code)
    clerk = Caller(None, "clerk", None, None, Scope.of_streets("street", e_in.street_code, [e_in.street_code]))
    cid = _file(city_engine, kr, _codes(1, "91320100MC")[0], e_out.street_code)
    with city_engine.begin() as c:
        out_pid = sp.create_project(c, SYSTEM, _project(e_out.id, cid))
        out_tid = st.create_tender(
            c, SYSTEM, st.TenderIn(e_out.id, "owners", "外街", clock.today() + timedelta(days=4))
        )
        in_pid = sp.create_project(c, clerk, _project(e_in.id, cid))  # a company of another street may serve
    with city_engine.connect() as c:
        seen = sp.list_projects(c, sp.ProjectFilter(), scope=clerk.scope, limit=50, offset=0)
        assert [p["id"] for p in seen.items] == [in_pid]
        assert st.list_tenders(c, st.TenderFilter(), scope=clerk.scope, limit=50, offset=0).total == 0
        lines = cov.coverage_report(c, clerk.scope)["lines"]
        assert {x["street_code"] for x in lines if x["level"] == "street"} == {e_in.street_code}
        for read in (
            lambda: sp.get_project(c, clerk.scope, out_pid),
            lambda: st.get_tender(c, clerk.scope, out_tid),
            lambda: sc.get_company(c, clerk.scope, cid),
        ):
            with pytest.raises(NotFound):
                read()
    with pytest.raises(NotFound), city_engine.begin() as c:
        st.submit_bid(c, kr, clerk, out_tid, cid, 100)
    with pytest.raises(ValidationError, match="estate_id"), city_engine.begin() as c:
        st.create_tender(c, clerk, st.TenderIn(e_out.id, "owners", "外街", clock.today() + timedelta(days=4)))


def test_the_coverage_command_prints_the_table_and_csv(city_engine: Engine, tmp_path: Any) -> None:
    from click.testing import CliRunner

    from anju.cli import main
    from tests.integration.test_security_cli import env

    r = CliRunner().invoke(main, ["estates", "coverage"], env=env(city_engine, tmp_path))
    assert r.exit_code == 0, r.output
    assert "规划目标" in r.stdout and "合计" in r.stdout
    r = CliRunner().invoke(main, ["estates", "coverage", "--csv"], env=env(city_engine, tmp_path))
    assert r.exit_code == 0 and "served_estates" in r.stdout.splitlines()[0]


def test_projects_export_and_a_tender_cancelled(city_engine: Engine, client: TestClient, kr: Keyring) -> None:
    estate = _residential_estates(city_engine)[0]
    cid = _file(city_engine, kr, _codes(1, "91320100MD")[0], estate.street_code, "导出物业")
    with city_engine.begin() as c:
        sp.create_project(c, SYSTEM, _project(estate.id, cid, contract_no="DC-1"))
    city = {"authorization": f"Bearer {api_token(city_engine, 'city')}"}
    r = client.get("/api/v1/property/projects.csv", params={"status": "active"}, headers=city)
    lines = r.text.lstrip("\ufeff").splitlines()
    assert r.status_code == 200 and lines[0].startswith("project_no,") and "DC-1" in lines[1] and "导出物业" in lines[1]
    closes = (clock.today() + timedelta(days=5)).isoformat()
    tid = client.post(
        "/api/v1/property/tenders",
        json={"estate_id": estate.id, "kind": "owners", "title": "撤销", "closes_on": closes},
        headers=city,
    ).json()["id"]
    assert client.post(f"/api/v1/property/tenders/{tid}/cancel", headers=city).json()["status"] == "cancelled"
    assert client.post(f"/api/v1/property/tenders/{tid}/cancel", headers=city).status_code == 409


def test_an_owners_choice_may_name_a_passed_hire_company_vote_of_the_estate(city_engine: Engine, kr: Keyring) -> None:
    from anju.estates.tables import estates_votes

    estates = _residential_estates(city_engine)
    estate, other = estates[0], estates[1]
    cid = _file(city_engine, kr, _codes(1, "91320100ME")[0], estate.street_code)
    now = clock.now()

    def vote(no: str, estate_row: Any, matter: str, passed: bool | None) -> int:
        with city_engine.begin() as c:
            return int(
                c.execute(
                    estates_votes.insert()
                    .values(vote_no=no, estate_id=estate_row.id, title="选聘物业", matter=matter,
                            record_date=clock.today(), opens_at=now, closes_at=now, status="tallied",
                            passed=passed, district_code=estate_row.street_code[:6],
                            street_code=estate_row.street_code, created_at=now)
                    .returning(estates_votes.c.id)
                ).scalar_one()
            )  # fmt: skip

    failed = vote("BJ-1", estate, "hire_company", False)
    wrong_matter = vote("BJ-2", estate, "use_fund", True)
    elsewhere = vote("BJ-3", other, "hire_company", True)
    passed = vote("BJ-4", estate, "hire_company", True)
    for vid, reason in ((failed, "未通过"), (wrong_matter, "表决事项"), (elsewhere, "不是本小区")):
        with pytest.raises(ValidationError, match=reason) as e, city_engine.begin() as c:
            sp.create_project(c, SYSTEM, _project(estate.id, cid, chosen_by="owners", vote_id=vid))
        assert e.value.errors[0].field == "vote_id"
    with city_engine.begin() as c:
        pid = sp.create_project(c, SYSTEM, _project(estate.id, cid, chosen_by="owners", vote_id=passed))
        assert sp.get_project(c, SYSTEM.scope, pid)["vote_id"] == passed


def test_a_number_taken_by_a_concurrent_writer_is_retried_not_mistaken_for_a_conflict(
    city_engine: Engine, kr: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    estates = _residential_estates(city_engine)
    cid = _file(city_engine, kr, _codes(1, "91320100MF")[0], estates[0].street_code)
    with city_engine.begin() as c:
        first_t = st.create_tender(
            c, SYSTEM, st.TenderIn(estates[0].id, "owners", "一", clock.today() + timedelta(days=3))
        )
        first_p = sp.create_project(c, SYSTEM, _project(estates[0].id, cid))
        taken = {
            "ZB": c.execute(select(estates_tenders.c.tender_no).where(estates_tenders.c.id == first_t)).scalar_one(),
            "WY": c.execute(select(estates_projects.c.project_no).where(estates_projects.c.id == first_p)).scalar_one(),
        }
    real = st.next_number
    calls: list[str] = []

    def stale(conn: Any, column: Any, prefix: str) -> str:  # the first answer is one a concurrent writer took
        calls.append(prefix)
        return taken[prefix] if calls.count(prefix) == 1 else real(conn, column, prefix)

    monkeypatch.setattr(st, "next_number", stale)
    with city_engine.begin() as c:
        tid = st.create_tender(c, SYSTEM, st.TenderIn(estates[1].id, "owners", "二", clock.today() + timedelta(days=3)))
        pid = sp.create_project(c, SYSTEM, _project(estates[1].id, cid))
        numbers = c.execute(select(estates_tenders.c.tender_no).where(estates_tenders.c.id == tid)).scalar_one()
    assert calls == ["ZB", "ZB", "WY", "WY"] and numbers != taken["ZB"] and pid != first_p


def test_the_demo_agency_becomes_a_property_company_with_projects(estates_engine: Engine, settings_for: Any) -> None:
    from anju import estates

    settings = settings_for(estates_engine)
    kr = keyring_from_settings(settings)
    with estates_engine.begin() as c:
        cid = estates.attach_demo_company(c, kr, AGENCY_CODE, "演示物业服务有限公司")
        assert cid is not None and estates.attach_demo_company(c, kr, AGENCY_CODE, "演示物业服务有限公司") is None
    app = create_app(settings)
    with TestClient(app) as cl:
        mine = cl.get(
            "/api/v1/property/me/company", headers={"authorization": f"Bearer {api_token(estates_engine, 'agency')}"}
        ).json()
    app.state.engine.dispose()
    assert mine["id"] == cid and mine["status"] == "filed" and len(mine["projects"]) == 2
