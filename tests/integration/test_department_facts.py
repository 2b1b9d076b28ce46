"""Department facts (部门核查数据) for the housing-assistance checks: the four feeds' handlers (apply,
supersede, reject), the check using the departments' facts over the declarations and saying so, what
a missing record means, consent gating, the pages, and the synthetic feeds passing the field checks."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from stdnum.cn import ric

from anju.app import create_app
from anju.assistance import catalogue, check_many, domain
from anju.assistance.department_facts import known_facts
from anju.assistance.department_feeds import HUKOU, SOURCES, apply
from anju.assistance.department_files import load_file
from anju.assistance.tables import applications, fact_hukou, fact_minimum_income
from anju.contexts import CONTEXTS, load
from anju.core.settings import Settings
from anju.exchange import BatchContext, FeedDefinition, FeedRecord, check_record
from anju.security import keyring_from_settings
from anju.synth.departments import generate_department_feeds
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, api_token, choose_world, web_session

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
T1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n%test\n"


def _valid(body: str) -> str:
    return body[:17] + ric.calc_check_digit(body[:17] + "0")


SPOUSE_ID = _valid("320102198506060024")
SPOUSE_NAME = "韩晓梅"


def _rec(feed: FeedDefinition, seq: int, **raw: str) -> FeedRecord:
    got = check_record(feed, raw, seq)
    assert isinstance(got, FeedRecord), got
    return got


def _hukou(
    seq: int, idn: str, *, since: str = "2010-05-01", status: str = "在册", as_of: str = "2026-10-31"
) -> FeedRecord:
    return _rec(
        HUKOU,
        seq,
        id_number=idn,
        name="张三",
        division_code="320102",
        registered_since=since,
        status=status,
        as_of=as_of,
    )


def _ctx(settings: Settings, feed: FeedDefinition, batch: int, at: datetime) -> BatchContext:
    return BatchContext(batch, feed, at, date(2026, 12, 6), settings)


def _write(path: Path, feed: FeedDefinition, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=[x.name for x in feed.fields])
        w.writeheader()
        w.writerows(rows)
    return path


# ------------------------------------------------------------------------------------------ handlers


def test_the_assistance_context_declares_the_four_feeds_and_their_handlers_resolve() -> None:
    declared = next(c for c in CONTEXTS if c.name == "assistance").feeds
    assert set(declared) == set(SOURCES)
    for name, spec in declared.items():
        feed = load(spec)
        assert isinstance(feed, FeedDefinition) and feed.dataset == f"assistance.{name}"
        assert feed.key == ("id_number",) and feed.order_by == "as_of"
        assert callable(load(feed.handler))
        assert feed.field("id_number").personal and feed.field("id_number").kind == "id_number"


def test_hukou_facts_are_encrypted_superseded_not_overwritten_and_read_as_known_at_a_time(
    empty_engine: Engine, settings_for: Any
) -> None:
    settings = settings_for(empty_engine)
    kr = keyring_from_settings(settings)
    idn = _valid("320102199004040011")
    with empty_engine.begin() as conn:
        assert apply(SOURCES["hukou"], conn, [_hukou(1, idn, status="在册")], _ctx(settings, HUKOU, 1, T0)) == []
    with empty_engine.begin() as conn:
        newer = _hukou(1, idn, status="迁出", as_of="2026-11-30")
        assert apply(SOURCES["hukou"], conn, [newer], _ctx(settings, HUKOU, 2, T1)) == []
    with empty_engine.connect() as conn:
        rows = conn.execute(select(fact_hukou).order_by(fact_hukou.c.id)).all()
        assert [(r.status, r.current, r.batch_id) for r in rows] == [("在册", None, 1), ("迁出", 1, 2)]
        assert rows[0].superseded_at == T1 and rows[1].superseded_at is None  # history kept
        assert idn.encode() not in bytes(rows[0].id_number_enc)
        assert kr.decrypt(rows[1].id_number_enc, "fact.id_number") == idn
        assert kr.decrypt(rows[1].name_enc, "fact_hukou.name") == "张三"
        bidx = kr.blind_index(idn, "id_number")
        assert {r.id_bidx for r in rows} == {bidx}
        # bitemporal: what was known between the batches is the first fact, after them the second
        between = known_facts(conn, [bidx], T0 + timedelta(days=3)).get("hukou", bidx)
        after = known_facts(conn, [bidx], T1 + timedelta(seconds=1)).get("hukou", bidx)
        before = known_facts(conn, [bidx], T0 - timedelta(days=1))
        assert between is not None and between.values["status"] == "在册" and between.batch_id == 1
        assert after is not None and after.values["status"] == "迁出" and after.batch_id == 2
        assert "hukou" not in before.in_use


def test_contradictory_stale_and_foreign_records_are_refused_naming_the_field_and_leave_no_row(
    empty_engine: Engine, settings_for: Any
) -> None:
    settings = settings_for(empty_engine)
    a, b, c, d = (_valid(f"32010219900404{n:03d}0") for n in (11, 12, 13, 14))
    with empty_engine.begin() as conn:
        apply(SOURCES["hukou"], conn, [_hukou(1, d, as_of="2026-11-30")], _ctx(settings, HUKOU, 1, T0))
    recs = [
        _hukou(1, a, since="2026-11-15", as_of="2026-10-31"),  # registered after its own as-of
        _rec(
            HUKOU,
            2,
            id_number=b,
            name="李四",
            division_code="110105",
            registered_since="2001-01-01",
            status="在册",
            as_of="2026-10-31",
        ),
        _hukou(3, c),  # fine
        _hukou(4, d, as_of="2026-10-01"),  # older than the fact held
        _hukou(5, c, as_of="2026-12-30"),  # as-of after today
    ]
    with empty_engine.begin() as conn:
        got = apply(SOURCES["hukou"], conn, recs, _ctx(settings, HUKOU, 2, T1))
    by_seq = {r.seq: r for r in got}
    assert sorted(by_seq) == [1, 2, 4, 5]
    assert by_seq[1].field == "registered_since" and "晚于数据截至日期" in by_seq[1].reason
    assert by_seq[2].field == "division_code" and "不属于本市" in by_seq[2].reason
    assert by_seq[4].field == "as_of" and "过期数据" in by_seq[4].reason
    assert by_seq[5].field == "as_of" and "晚于今天" in by_seq[5].reason
    kr = keyring_from_settings(settings)
    with empty_engine.connect() as conn:
        bidxs = set(conn.execute(select(fact_hukou.c.id_bidx)).scalars())
    assert bidxs == {kr.blind_index(c, "id_number"), kr.blind_index(d, "id_number")}


def test_redelivery_is_idempotent_and_a_batch_with_several_facts_of_one_person_keeps_the_newest(
    empty_engine: Engine, settings_for: Any, tmp_path: Path
) -> None:
    settings = settings_for(empty_engine)
    idn = _valid("320102199004040011")
    row = {"id_number": idn, "status": "低保", "since": "2025-01-01", "until": "", "as_of": "2026-10-31"}
    later = row | {"status": "无", "since": "", "as_of": "2026-11-30"}
    path = _write(tmp_path / "mi.csv", SOURCES["minimum_income"].feed, [later, row])
    first = load_file(empty_engine, settings, "minimum_income", path, received_at=T1)
    again = load_file(empty_engine, settings, "minimum_income", path, received_at=T1 + timedelta(days=1))
    assert (first.records, first.applied, first.rejections) == (2, 2, [])
    # the exchange drops the re-delivered records as duplicates of accepted ones: a new batch, nothing applied
    assert again.rejections == [] and again.batch_id == first.batch_id + 1
    assert (again.records, again.applied, again.duplicate) == (2, 0, 2)
    with empty_engine.connect() as conn:
        rows = conn.execute(select(fact_minimum_income).order_by(fact_minimum_income.c.as_of)).all()
    assert [(r.status, r.current) for r in rows] == [("低保", None), ("无", 1)]  # nothing new the second time


def test_field_checks_refuse_bad_ids_dates_and_choices_naming_the_field(
    empty_engine: Engine, settings_for: Any
) -> None:
    got = check_record(
        SOURCES["social_insurance"].feed,
        {"id_number": "320102199004040010", "months_paid": "-1", "last_paid_month": "2026-11", "as_of": "2026/11/30"},
        7,
    )
    assert isinstance(got, list)
    assert {r.field for r in got} == {"id_number", "months_paid", "as_of"}
    assert all(r.seq == 7 for r in got)
    settings = settings_for(empty_engine)
    rec = _rec(
        SOURCES["social_insurance"].feed,
        1,
        id_number=_valid("320102200104040011"),
        months_paid="400",
        last_paid_month="2026-10",
        as_of="2026-11-30",
    )
    with empty_engine.begin() as conn:
        refused = apply(
            SOURCES["social_insurance"], conn, [rec], _ctx(settings, SOURCES["social_insurance"].feed, 1, T0)
        )
    assert [(r.field, "超过" in r.reason) for r in refused] == [("months_paid", True)]


# ------------------------------------------------------------------------------------- eligibility


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    with city_engine.begin() as conn:
        catalogue.load_programmes(conn, domain.load_policies(domain.sample_policy_path("320100")))
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as c:
        yield {"client": c, "engine": city_engine, "settings": settings, "w": choose_world(city_engine)}
    app.state.engine.dispose()


def _auth(e: dict[str, Any], who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_token(e['engine'], who)}"}


def _draft(e: dict[str, Any], programme: str = "public_rental", *, spouse: bool = False, months: int = 0) -> int:
    me = {
        "relation": "本人",
        "name": CITIZEN_NAME,
        "id_number": CITIZEN_ID,
        "annual_income_yuan": "20000",
        "local_hukou": True,
        "hukou_years": 10,
        "social_insurance_months": months,
        "employed": months > 0,
    }
    members = [me] + (
        [{"name": SPOUSE_NAME, "id_number": SPOUSE_ID, "relation": "配偶", "annual_income_yuan": "0"}] if spouse else []
    )
    body = {"programme_code": programme, "street_code": e["w"].street_s1, "members": members}
    r = e["client"].post("/api/v1/assistance/me/applications", json=body, headers=_auth(e, "citizen"))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _load(e: dict[str, Any], tmp_path: Path, source: str, rows: list[dict[str, str]]) -> None:
    path = _write(tmp_path / f"{source}.csv", SOURCES[source].feed, rows)
    got = load_file(e["engine"], e["settings"], source, path, received_at=datetime.now(UTC) - timedelta(minutes=5))
    assert got.rejections == [], got.rejections


def _rules(e: domain.Eligibility) -> dict[str, domain.RuleResult]:
    return {r.code: r for r in e.rules}


def test_the_check_uses_the_hukou_register_over_the_declaration_and_shows_both(
    env: dict[str, Any], tmp_path: Path
) -> None:
    app_id = _draft(env)
    with env["engine"].begin() as conn:  # no department has delivered: the declaration decides, as before
        before = _rules(check_many(conn, [app_id], date(2026, 12, 6))[app_id])
    assert before["hukou"].passed and "依据" not in before["hukou"].inputs
    _load(env, tmp_path, "hukou", [
        {"id_number": CITIZEN_ID, "name": CITIZEN_NAME, "division_code": "320102", "registered_since": "2024-03-01",
         "status": "在册", "as_of": "2026-11-30"},
    ])  # fmt: skip
    with env["engine"].begin() as conn:
        e = check_many(conn, [app_id], date(2026, 12, 6))[app_id]
        stored = json.loads(
            conn.execute(select(applications.c.eligibility).where(applications.c.id == app_id)).scalar_one()
        )
    r = _rules(e)
    assert r["hukou"].passed
    assert not r["hukou_years"].passed  # 2 years by 公安, though 10 were declared
    assert r["hukou_years"].inputs["依据"] == "据市公安局户籍信息（截至 2026-11-30）"
    assert r["hukou_years"].inputs["申报"] == "本市户籍：是，10 年"
    assert r["hukou_years"].inputs["核验"] == "与申报不一致，以部门数据为准"
    assert r["hukou_years"].reason == "本市户籍 2 年，不足 3 年（据市公安局户籍信息（截至 2026-11-30））"
    used = [d for d in stored["department_facts"] if d["source"] == "hukou"]
    assert len(used) == 1 and used[0]["found"] and used[0]["agrees"] is False
    assert used[0]["as_of"] == "2026-11-30" and used[0]["batch_id"] and used[0]["fact_id"]  # which fact, which batch


def test_no_record_means_what_each_department_says_it_means(env: dict[str, Any], tmp_path: Path) -> None:
    app_id = _draft(env, "affordable_rental", months=24)
    other = _valid("320102199004040011")
    # the departments deliver, but nothing about this applicant
    _load(env, tmp_path, "hukou", [
        {"id_number": other, "name": "张三", "division_code": "320102", "registered_since": "2001-01-01",
         "status": "在册", "as_of": "2026-11-30"},
    ])  # fmt: skip
    _load(env, tmp_path, "social_insurance", [
        {"id_number": other, "months_paid": "40", "last_paid_month": "2026-10", "employer_credit_code": "",
         "as_of": "2026-11-30"},
    ])  # fmt: skip
    _load(env, tmp_path, "minimum_income", [
        {"id_number": other, "status": "低保", "since": "2025-01-01", "until": "", "as_of": "2026-11-30"},
    ])  # fmt: skip
    with env["engine"].begin() as conn:
        e = check_many(conn, [app_id], date(2026, 12, 6))[app_id]
    r = _rules(e)
    assert not r["social_insurance"].passed
    assert r["social_insurance"].inputs["依据"] == "市人社局无其本市社保缴纳记录，按 0 个月核验"
    assert r["social_insurance"].inputs["连续缴纳月数"] == 0
    said = {d["source"]: d for d in e.department_facts if d["member_seq"] == 0}
    assert said["hukou"]["summary"] == "市公安局无其户籍记录，按非本市户籍核验" and not said["hukou"]["found"]
    assert said["minimum_income"]["summary"] == "市民政局无其救助记录，按非低保、低收入、特困人员核验"


def test_public_rental_without_a_hukou_record_is_not_local(env: dict[str, Any], tmp_path: Path) -> None:
    app_id = _draft(env)
    _load(env, tmp_path, "hukou", [
        {"id_number": _valid("320102199004040011"), "name": "张三", "division_code": "320102",
         "registered_since": "2001-01-01", "status": "在册", "as_of": "2026-11-30"},
    ])  # fmt: skip
    with env["engine"].begin() as conn:
        r = _rules(check_many(conn, [app_id], date(2026, 12, 6))[app_id])
    assert not r["hukou"].passed
    assert r["hukou"].reason == "申请人不是本市户籍（市公安局无其户籍记录，按非本市户籍核验）"


def test_minimum_income_status_gives_priority_and_is_read_only_with_the_members_consent(
    env: dict[str, Any], tmp_path: Path
) -> None:
    app_id = _draft(env, spouse=True)
    _load(env, tmp_path, "minimum_income", [
        {"id_number": SPOUSE_ID, "status": "低保", "since": "2025-01-01", "until": "", "as_of": "2026-11-30"},
    ])  # fmt: skip
    _load(env, tmp_path, "provident_fund", [
        {"id_number": SPOUSE_ID, "account_status": "正常", "monthly_deposit_yuan": "900.00", "months_paid": "30",
         "as_of": "2026-11-30"},
    ])  # fmt: skip
    # the applicant's self-check: the spouse has not consented, so none of the spouse's facts is read
    r = env["client"].post(f"/api/v1/assistance/me/applications/{app_id}/check", headers=_auth(env, "citizen"))
    assert r.status_code == 200, r.text
    assert "低保" not in r.text and "900" not in r.text  # the applicant never sees department figures
    with env["engine"].connect() as conn:
        stored = json.loads(
            conn.execute(select(applications.c.eligibility).where(applications.c.id == app_id)).scalar_one()
        )
    spouse = [d for d in stored["department_facts"] if d["member_seq"] == 1]
    assert {d["source"] for d in spouse} == {"minimum_income", "provident_fund"}
    assert all(d["consulted"] is False and d["fact_id"] is None for d in spouse)
    # staff review (every member's consent is required before submission): the facts are used
    with env["engine"].begin() as conn:
        e = check_many(conn, [app_id], date(2026, 12, 6))[app_id]
    used = {d["source"]: d for d in e.department_facts if d["member_seq"] == 1}
    assert used["minimum_income"]["consulted"] and used["minimum_income"]["summary"].startswith("低保")
    # a deposit of 900 yuan a month means at least 45,000 yuan a year: the declared 0 is flagged
    assert used["provident_fund"]["agrees"] is False and "45,000.00" in used["provident_fund"]["note"]
    assert "公积金交叉核对" in _rules(e)["income"].inputs


def test_a_household_minimum_income_status_meets_a_priority_class_income_condition() -> None:
    policy = domain.load_policies(domain.sample_policy_path("320100"))[0]
    assert policy.code == "public_rental"
    member = domain.Member("本人", 1990, 30_000_00, 0, True, 10, 0, True, "b")
    hh = domain.Household((member,))
    assert domain.priority_of(policy, hh, date(2026, 12, 6)) == "general"
    means_tested = domain.Household((member,), means_tested=True)
    assert domain.priority_of(policy, means_tested, date(2026, 12, 6)) == "low_income"


# ------------------------------------------------------------------------------------------- pages


def test_the_review_page_shows_the_department_facts_used_and_the_staff_page_their_coverage(
    env: dict[str, Any], tmp_path: Path
) -> None:
    app_id = _draft(env)
    _load(env, tmp_path, "hukou", [
        {"id_number": CITIZEN_ID, "name": CITIZEN_NAME, "division_code": "320102", "registered_since": "2024-03-01",
         "status": "在册", "as_of": "2026-11-30"},
    ])  # fmt: skip
    with env["engine"].begin() as conn:
        check_many(conn, [app_id], date(2026, 12, 6))
    c = env["client"]
    token, _csrf = web_session(env["engine"], "city")
    c.cookies.set("anju_session", token)
    page = c.get(f"/assistance/review/{app_id}")
    assert page.status_code == 200, page.text
    assert "部门核查数据" in page.text and "据市公安局户籍信息（截至 2026-11-30）" in page.text
    assert "不一致" in page.text and "本市户籍：是，10 年" in page.text
    assert CITIZEN_ID not in page.text and CITIZEN_ID[:4] in page.text  # masked
    api = c.get(
        f"/api/v1/assistance/applications/{app_id}",
        headers={"authorization": f"Bearer {api_token(env['engine'], 'city')}"},
    )
    assert api.status_code == 200, api.text
    facts = api.json()["eligibility"]["department_facts"]
    assert [(d["source"], d["agrees"], d["as_of"]) for d in facts] == [("hukou", False, "2026-11-30")]
    assert CITIZEN_ID not in api.text
    staff = c.get("/assistance/department-facts")
    assert staff.status_code == 200
    assert "市公安局" in staff.text and "尚未接入数据" in staff.text  # the other three have not delivered
    assert "合成数据" in staff.text
    c.cookies.clear()


# ------------------------------------------------------------------------------------------- synth


def test_synthetic_feeds_pass_the_field_checks_agree_mostly_and_label_the_mismatches(
    people_engine: Engine, settings_for: Any, tmp_path: Path
) -> None:
    settings = settings_for(people_engine)
    kr = keyring_from_settings(settings)
    report = generate_department_feeds(people_engine, kr, settings, 7, tmp_path, today=date(2026, 12, 6))
    assert report.rejected == {s: 0 for s in SOURCES}, report
    assert report.applied["hukou"] > 0 and report.applied["social_insurance"] > 0
    for source, src in SOURCES.items():
        with (tmp_path / f"{source}.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert rows and list(rows[0]) == [x.name for x in src.feed.fields], source
        for seq, raw in enumerate(rows, start=1):
            got = check_record(src.feed, raw, seq)
            assert isinstance(got, FeedRecord), got  # IDs pass GB 11643, dates, choices, amounts
            ric.validate(raw["id_number"])
    with (tmp_path / "mismatches.csv").open(encoding="utf-8") as f:
        labelled = list(csv.DictReader(f))
    assert report.mismatches == len(labelled) > 0
    with people_engine.connect() as conn:
        people = conn.execute(select(func.count(func.distinct(fact_hukou.c.id_bidx)))).scalar_one()
    assert labelled and len(labelled) < people  # a small share
    # the applications under review were checked again: their explanations name the facts used
    with people_engine.connect() as conn:
        q = select(applications.c.eligibility).where(applications.c.status == "submitted")
        stored = [json.loads(x) for x in conn.execute(q).scalars() if x]
    assert report.rechecked == len(stored) > 0
    assert all(any(d["source"] == "hukou" for d in x["department_facts"]) for x in stored)
