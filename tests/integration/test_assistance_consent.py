"""The eligibility self-check is no oracle on other people's property and benefits (issue 17, finding 2).

Reproduced before the fix: a citizen put another person's ID number into a draft as a member, ran the
self-check and read the floor area that person owns in the register and the programme they benefit
from; unlimited times. Now 本人 is the account's verified identity, another adult's register facts
are used only with their consent given from their own verified account, the applicant sees pass /
fail / pending without figures, and self-checks are throttled and probing flagged to the audit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select
from stdnum.cn import ric

from anju.app import create_app
from anju.assistance import catalogue, domain
from anju.assistance.tables import applications, benefits, member_consents, named_members
from anju.core import clock
from anju.registry import home_owners, homes
from anju.security import Caller as SecCaller
from anju.security import NewAccount, Role, Security, audit_log, create_account, keyring_from_settings
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, api_token, choose_world, verified_person, web_session

PDF = b"%PDF-1.4\n%test\n"
#: The person whose facts the citizen tries to read: an adult who owns a home and draws a subsidy.
OWNER_ID = "320102199004040016"
OWNER_NAME = "宋立业"
OWNER_PHONE = "13700000016"
#: An adult with no home and no benefit.
PLAIN_ID = "320102199106060024"
PLAIN_NAME = "韩晓梅"


def _valid(body: str) -> str:
    return body[:17] + ric.calc_check_digit(body[:17] + "0")


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine, assistance_self_checks_per_hour=4, assistance_suspicious_members=3)
    kr = keyring_from_settings(settings)
    with city_engine.begin() as conn:
        catalogue.load_programmes(conn, domain.load_policies(domain.sample_policy_path("320100")))
        home = conn.execute(select(homes.c.id, homes.c.construction_area).order_by(homes.c.id).limit(1)).one()
        owner = _valid(OWNER_ID)
        conn.execute(
            insert(home_owners).values(
                home_id=home.id,
                owner_kind="person",
                owner_bidx=kr.blind_index(owner, "id_number"),
                owner_id_enc=kr.encrypt(owner, "home_owners.owner_id"),
                owner_name_enc=kr.encrypt(OWNER_NAME, "home_owners.owner_name"),
                share_pct=100,
                acquired_on=date(2015, 1, 1),
                released_on=None,
                recorded_at=clock.now(),
            )
        )
        conn.execute(
            insert(benefits).values(
                id_bidx=kr.blind_index(owner, "id_number"),
                programme_code="rent_subsidy",
                kind="subsidy",
                since=date(2023, 1, 1),
            )
        )
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as c:
        yield {
            "client": c,
            "engine": city_engine,
            "settings": settings,
            "w": choose_world(city_engine),
            "area": home.construction_area,
            "owner": owner,
            "plain": _valid(PLAIN_ID),
        }
    app.state.engine.dispose()


def auth(e: dict[str, Any], who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_token(e['engine'], who)}"}


def member(name: str, id_number: str, relation: str = "配偶") -> dict[str, Any]:
    return {"name": name, "id_number": id_number, "relation": relation, "annual_income_yuan": "20000"}


def draft(e: dict[str, Any], *others: dict[str, Any], who: str = "citizen") -> int:
    me = {"relation": "本人", "annual_income_yuan": "20000", "local_hukou": True, "hukou_years": 10}
    if who == "citizen":  # declaring one's own verified number is allowed (and leaving it out)
        me |= {"name": CITIZEN_NAME, "id_number": CITIZEN_ID}
    b = {"programme_code": "public_rental", "street_code": e["w"].street_s1, "members": [me, *others]}
    r = e["client"].post("/api/v1/assistance/me/applications", json=b, headers=auth(e, who))
    assert r.status_code == 201, r.text
    app_id = int(r.json()["id"])
    r = e["client"].post(
        f"/api/v1/assistance/me/applications/{app_id}/documents",
        data={"kind": "身份证明"},
        files={"file": ("id.pdf", PDF, "application/pdf")},
        headers=auth(e, who),
    )
    assert r.status_code == 201, r.text
    return app_id


def signed_in(e: dict[str, Any], who: str) -> str:
    """A web session of ``who`` on the client (clear the cookies after); returns its CSRF token."""
    token, csrf = web_session(e["engine"], who)
    e["client"].cookies.set("anju_session", token)
    return csrf


def results(resp: Any) -> dict[str, str]:
    return {r["code"]: r["result"] for r in resp.json()["rules"]}


def no_figures(e: dict[str, Any], text: str) -> None:
    """Neither the member's owned floor area nor the programme they benefit from, nor any rule inputs."""
    assert f"{e['area']} m²" not in text and str(e["area"]) not in text
    assert "rent_subsidy" not in text and "租赁补贴" not in text
    assert '"inputs"' not in text and "核验所用数据" not in text


def audits(e: dict[str, Any], action: str) -> int:
    with e["engine"].connect() as conn:
        return int(conn.execute(select(func.count()).where(audit_log.c.action == action)).scalar_one())


def test_a_strangers_register_facts_are_not_read_nor_shown(env: dict[str, Any]) -> None:
    c, me = env["client"], auth(env, "citizen")
    app_id = draft(env, member(OWNER_NAME, env["owner"]))
    r = c.post(f"/api/v1/assistance/me/applications/{app_id}/check", headers=me)
    assert r.status_code == 200, r.text
    no_figures(env, r.text)
    # not read at all: the member owns a home and draws a subsidy, yet these rules did not fail
    got = results(r)
    assert got["area"] == got["not_supported"] == got["credit"] == "pending", got
    assert got["income"] == "pass" and r.json()["outcome"] == "pending"
    detail = c.get(f"/api/v1/assistance/me/applications/{app_id}", headers=me)
    no_figures(env, detail.text)
    assert [m["consent"] for m in detail.json()["consents"]] == ["self", "missing"]
    assert detail.json()["eligibility"]["outcome"] == "pending"
    signed_in(env, "citizen")
    page = c.get(f"/assistance/me/{app_id}")
    c.cookies.clear()
    assert page.status_code == 200 and "待成员授权" in page.text and "待本人授权" in page.text
    no_figures(env, page.text)


def test_the_member_consents_from_their_own_account_and_still_no_figures_are_shown(env: dict[str, Any]) -> None:
    c, me = env["client"], auth(env, "citizen")
    app_id = draft(env, member(OWNER_NAME, env["owner"]))
    verified_person(env["engine"], env["settings"], "songly", OWNER_NAME, env["owner"], OWNER_PHONE)
    them = auth(env, "songly")
    listed = c.get("/api/v1/assistance/me/consents", headers=them).json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert item["application_id"] == app_id and item["applicant"] == "郑**" and item["relation"] == "配偶"
    assert item["consented"] is False and item["can_change"] is True and CITIZEN_ID not in str(listed)
    # the applicant cannot consent for them; another account is not named in it
    assert c.post(f"/api/v1/assistance/me/consents/{app_id}", headers=me).status_code == 404
    assert c.post(f"/api/v1/assistance/me/consents/{app_id}", headers=auth(env, "landlord")).status_code == 404
    r = c.post(f"/api/v1/assistance/me/consents/{app_id}", headers=them)
    assert r.status_code == 200 and r.json() == {"application_id": app_id, "consented": True}
    assert audits(env, "assistance.consent") == 1
    r = c.post(f"/api/v1/assistance/me/applications/{app_id}/check", headers=me)
    got = results(r)
    assert got["area"] == "fail" and got["not_supported"] == "fail" and r.json()["outcome"] == "ineligible"
    no_figures(env, r.text)
    # withdrawn: pending again
    assert c.post(f"/api/v1/assistance/me/consents/{app_id}/withdraw", headers=them).status_code == 200
    r = c.post(f"/api/v1/assistance/me/applications/{app_id}/check", headers=me)
    assert results(r)["area"] == "pending"
    assert c.post(f"/api/v1/assistance/me/consents/{app_id}/withdraw", headers=them).status_code == 409
    # the page: listed, confirmed on a page of its own, posted with the CSRF token
    csrf = signed_in(env, "songly")
    page = c.get("/assistance/consents")
    assert page.status_code == 200 and "我的授权" in page.text and "郑**" in page.text
    confirm = c.get(f"/assistance/consents/{app_id}/confirm?action=consent")
    assert confirm.status_code == 200 and "仅限本申请" in confirm.text
    r = c.post(f"/assistance/consents/{app_id}", data={"csrf_token": csrf})
    c.cookies.clear()
    assert r.status_code == 303 and r.headers["location"] == "/assistance/consents?done=given"
    with env["engine"].connect() as conn:
        row = conn.execute(select(member_consents).where(member_consents.c.application_id == app_id)).one()
    assert row.withdrawn_at is None and row.account_id is not None


def test_submission_needs_every_adult_members_consent_and_staff_see_the_figures(env: dict[str, Any]) -> None:
    c, me = env["client"], auth(env, "citizen")
    child = _valid("320102201807070030")
    app_id = draft(env, member(PLAIN_NAME, env["plain"]), member("郑小", child, "子女"))
    r = c.post(f"/api/v1/assistance/me/applications/{app_id}/submit", headers=me)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["members[1]"]  # the minor needs no consent
    assert "韩*" in r.json()["errors"][0]["reason"] and env["plain"] not in r.text
    with env["engine"].connect() as conn:
        assert conn.execute(select(applications.c.status).where(applications.c.id == app_id)).scalar_one() == "draft"
    verified_person(env["engine"], env["settings"], "hanxm", PLAIN_NAME, env["plain"], "13700000024")
    assert c.post(f"/api/v1/assistance/me/consents/{app_id}", headers=auth(env, "hanxm")).status_code == 200
    r = c.post(f"/api/v1/assistance/me/applications/{app_id}/submit", headers=me)
    assert r.status_code == 200 and r.json()["outcome"] == "eligible"
    # after submission the consent can no longer be withdrawn; the staff review sees the full explanation
    assert c.post(f"/api/v1/assistance/me/consents/{app_id}/withdraw", headers=auth(env, "hanxm")).status_code == 409
    staff = c.get(f"/api/v1/assistance/applications/{app_id}", headers=auth(env, "clerk")).json()
    area = next(x for x in staff["eligibility"]["rules"] if x["code"] == "area")
    assert "名下住房面积" in area["inputs"]
    signed_in(env, "clerk")
    page = env["client"].get(f"/assistance/review/{app_id}")
    env["client"].cookies.clear()
    assert page.status_code == 200 and "核验所用数据" in page.text and "名下住房面积" in page.text
    assert "已授权" in page.text and "未成年人（无须授权）" in page.text


def test_an_unverified_account_cannot_apply_check_or_consent(env: dict[str, Any]) -> None:
    sec = Security(env["settings"])
    with env["engine"].begin() as conn:
        create_account(
            conn, sec,
            NewAccount("fresh", "Test-Passw0rd!", Role.citizen, "陆新", id_number=_valid("320102199505050040"),
                       phone="13700000040"),
            SecCaller.system("test"),
        )  # fmt: skip
    c, fresh = env["client"], auth(env, "fresh")
    me = {"relation": "本人", "annual_income_yuan": "20000"}
    b = {"programme_code": "public_rental", "street_code": env["w"].street_s1, "members": [me]}
    r = c.post("/api/v1/assistance/me/applications", json=b, headers=fresh)
    assert r.status_code == 403 and "实名认证" in r.json()["message"] and "/me/identity" in r.json()["message"]
    assert c.get("/api/v1/assistance/me/consents", headers=fresh).status_code == 403
    signed_in(env, "fresh")
    page = c.get("/assistance/apply")
    c.cookies.clear()
    assert page.status_code == 403 and "实名认证" in page.text
    with env["engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(applications)).scalar_one() == 0


def test_a_different_number_for_the_applicant_is_refused(env: dict[str, Any]) -> None:
    me = {"relation": "本人", "id_number": env["owner"], "name": OWNER_NAME, "annual_income_yuan": "20000"}
    b = {"programme_code": "public_rental", "street_code": env["w"].street_s1, "members": [me]}
    r = env["client"].post("/api/v1/assistance/me/applications", json=b, headers=auth(env, "citizen"))
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["members[0].id_number"]
    assert env["owner"] not in r.text


def test_repeated_self_checks_are_throttled_and_audited(env: dict[str, Any]) -> None:
    c, me = env["client"], auth(env, "citizen")
    app_id = draft(env, member(OWNER_NAME, env["owner"]))
    for _ in range(4):
        assert c.post(f"/api/v1/assistance/me/applications/{app_id}/check", headers=me).status_code == 200
    r = c.post(f"/api/v1/assistance/me/applications/{app_id}/check", headers=me)
    assert r.status_code == 429 and "每小时最多 4 次" in r.json()["message"]
    csrf = signed_in(env, "citizen")
    page = c.post(f"/assistance/me/{app_id}/check", data={"csrf_token": csrf})
    c.cookies.clear()
    assert page.status_code == 429
    assert audits(env, "assistance.check.throttled") == 2
    assert audits(env, "assistance.check") == 4


def test_naming_many_people_is_flagged_once_per_window(env: dict[str, Any]) -> None:
    kids = [_valid(f"3201022019{i:02d}01{i:03d}0") for i in range(1, 6)]
    draft(env, member("郑甲", kids[0], "子女"), member("郑乙", kids[1], "子女"))
    draft(env, member("郑甲", kids[0], "子女"), member("郑丙", kids[2], "子女"))  # 3 distinct: at the limit
    assert audits(env, "assistance.check.suspicious") == 0
    draft(env, member("郑丁", kids[3], "子女"))  # the 4th distinct person
    assert audits(env, "assistance.check.suspicious") == 1
    draft(env, member("郑戊", kids[4], "子女"))
    assert audits(env, "assistance.check.suspicious") == 1  # once per window
    with env["engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(named_members)).scalar_one() == 5
