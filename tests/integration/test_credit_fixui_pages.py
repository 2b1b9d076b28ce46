"""The browser walk's findings on the credit pages: the grade explained event by event, Chinese labels
(sources, list rules, grades, statuses, CSV), expired events shown as expired, bad dates refused with a
Chinese field error (never a 500)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from sqlalchemy import select

from anju import credit
from anju.credit.tables import credit_list_entries, credit_subjects
from tests import rental_builders as rb
from tests.accounts import choose_world
from tests.integration.test_credit_subjects_pages import auth, client, kr  # noqa: F401  (fixtures)

CODE = rb.credit_code(77)


def _subject(client, city_engine):  # noqa: F811
    w = choose_world(city_engine)
    bidx = kr(client).blind_index(CODE, "credit_code")
    with city_engine.begin() as conn:
        credit.record_event(
            conn,
            credit.Event("org", bidx, "rental", "rental.false_listing", "major", date(2026, 3, 1), "FX-1",
                         street_code=w.street_s1),
        )  # fmt: skip
        credit.record_event(
            conn,
            credit.Event("org", bidx, "rental", "rental.false_listing", "minor", date(2020, 3, 1), "FX-0",
                         street_code=w.street_s1, expires_on=date(2021, 3, 1)),
        )  # fmt: skip
        conn.execute(
            credit_list_entries.insert().values(
                subject_bidx=bidx, list="black", rule="black.grade_d", reason="严重失信", edition="test",
                entered_on=date(2026, 3, 2), active=1, recorded_at=datetime(2026, 3, 2, tzinfo=UTC),
            )
        )  # fmt: skip
        sid = conn.execute(select(credit_subjects.c.id).where(credit_subjects.c.subject_bidx == bidx)).scalar_one()
    return sid


def test_the_file_explains_the_grade_and_shows_labels(client, city_engine):  # noqa: F811
    sid = _subject(client, city_engine)
    h = auth(city_engine, "city")
    html = client.get(f"/credit/subjects/{sid}", headers=h).text
    part = html.split("逐条说明")[1].split("等级变动")[0]
    assert "发布虚假房源信息" in part and "计入" in part and "<td>" in part
    assert "black.grade_d" not in html and "信用等级为 D 级" in html
    assert "<td>rental</td>" not in html and "住房租赁" in html
    lists = client.get("/credit/lists", headers=h).text
    assert "black.grade_d" not in lists
    changes = client.get("/credit/changes", headers=h).text
    assert "级（" in changes
    events = client.get("/credit/events", headers=h).text
    assert "已到期" in events
    r = client.get("/credit/events.csv", headers=h)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert "effective" not in r.text and "+00:00" not in r.text
    assert {row[9] for row in rows[1:]} >= {"有效", "已到期"}
    subjects = client.get("/api/v1/credit/subjects/export", params={"fmt": "csv"}, headers=h)
    assert "级（" in subjects.content.decode("utf-8-sig")


def test_bad_dates_are_field_errors_never_500(client, city_engine):  # noqa: F811
    h = auth(city_engine, "city") | {"accept": "text/html"}
    for url in ("/credit/events?date_from=2026-13-01", "/credit/events?date_to=2026-02-31",
                "/credit/events.csv?date_from=2026-02-30"):  # fmt: skip
        r = client.get(url, headers=h)
        assert r.status_code == 422, url
        assert "起始日期：" in r.text or "截止日期：" in r.text, url
        assert "date_from:" not in r.text and "date_to:" not in r.text, url
    r = client.get("/credit/subjects?grade=X", headers=h)
    assert r.status_code == 422 and "信用等级：应为以下之一：（空）、A、B、C、D" in r.text
    r = client.get("/api/v1/credit/events?date_from=2026-02-30", headers=auth(city_engine, "city"))
    assert r.status_code == 422


def test_auditors_and_clerks_read_the_queues_but_do_not_decide(client, city_engine):  # noqa: F811
    for who in ("auditor", "clerk"):
        h = auth(city_engine, who) | {"accept": "text/html"}
        for url in ("/credit/objections", "/credit/repairs", "/api/v1/credit/objections"):
            assert client.get(url, headers=h).status_code == 200, (who, url)
        home = client.get("/credit/subjects", headers=h).text
        assert 'href="/credit/objections"' in home, who
        r = client.post("/api/v1/credit/objections/OBJ-0/decision", json={"outcome": "rejected", "reason": "x"},
                        headers=auth(city_engine, who))  # fmt: skip
        assert r.status_code == 403, who


def test_the_public_pages_are_reachable_and_filters_offer_divisions(client, city_engine):  # noqa: F811
    home = client.get("/", headers={"accept": "text/html"}).text
    assert 'href="/credit/public"' in home
    page = client.get("/credit/public").text
    assert "双随机抽查结果公示" in page and '<select name="district">' in page and "区代码" not in page
    h = auth(city_engine, "city")
    for url in ("/credit/subjects", "/credit/lists", "/credit/changes", "/credit/events"):
        html = client.get(url, headers=h).text
        assert '<select name="district">' in html and "代码 <input" not in html, url


def test_event_form_and_wording(client, city_engine):  # noqa: F811
    h = auth(city_engine, "district")
    html = client.get("/credit/events/new", headers=h).text
    assert '<select name="street_code">' in html and "个人（个人）" not in html
    assert "代码 <input" not in html
    page = client.get("/credit/subjects?page=999", headers=auth(city_engine, "city")).text
    assert "第 999 /" not in page
    assert "类型待同步" not in client.get("/credit/public").text


def test_events_recorded_by_hand_or_inspection_expire_by_the_kinds_rule():
    from anju.credit.assessment import add_months
    from anju.credit.expiry import default_expiry
    from anju.credit.scoring import edition_on

    on = date(2026, 6, 1)
    months = edition_on(on).kinds["rental.unverified_listing"].expiry_months
    assert months and default_expiry("rental.unverified_listing", on) == add_months(on, months)
    assert default_expiry("no.such_kind", on) is None


def test_a_refusal_page_shows_the_signed_in_header(client, city_engine):  # noqa: F811
    r = client.get("/credit/events/new", headers=auth(city_engine, "auditor") | {"accept": "text/html"})
    assert r.status_code == 403 and "您的角色无权执行此操作" in r.text
    assert 'href="/login"' not in r.text and "退出" in r.text
