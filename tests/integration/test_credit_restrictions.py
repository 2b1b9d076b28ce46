"""Restrictions everywhere (联合惩戒) and incentives (联合激励), on both databases: at every approval the
credit context may restrict, a subject on the black list is refused with the rule and the subject named
(an organisation by name, a person masked) and a clean one passes; a red-list enterprise's flagged
listing skips manual review. The lists and grades are written directly here (the grading engine that
derives them is tested on its own; the end-to-end path is ``test_credit_restrict_engine.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event, select, update

from anju.app import create_app
from anju.assistance import catalogue
from anju.assistance import domain as assistance_domain
from anju.core import clock
from anju.core.scope import Scope
from anju.credit import incentives_for, restrictions_for
from anju.credit.tables import credit_grades, credit_list_entries, credit_subjects
from anju.registry import subject_restrictions
from anju.rental.tables import rental_entrustments, rental_listing_events, rental_parties
from anju.security import Caller, Role, keyring_from_settings
from tests import rental_builders as rb
from tests import tx_builders as tb
from tests.accounts import account_id, api_token, choose_world
from tests.integration import test_assistance as ta
from tests.integration import test_rental_leases as tl
from tests.integration import test_rental_listings as tlist
from tests.integration import test_resale as tr

AGENCY_NAME = "安居住房租赁有限公司"


@pytest.fixture
def env(city_engine: Engine, settings_for: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield {
            "engine": city_engine,
            "settings": settings,
            "client": client,
            "kr": keyring_from_settings(settings),
            "world": choose_world(city_engine),
            "tokens": {},
            "dir": tmp_path,
        }
    app.state.engine.dispose()


def auth(env: dict[str, Any], who: str) -> dict[str, str]:
    if who not in env["tokens"]:
        env["tokens"][who] = api_token(env["engine"], who)
    return {"authorization": f"Bearer {env['tokens'][who]}"}


def org(env: dict[str, Any], code: str = rb.AGENCY_CODE) -> str:
    return str(env["kr"].blind_index(code, "credit_code"))


def person(env: dict[str, Any], id_number: str) -> str:
    return str(env["kr"].blind_index(id_number, "id_number"))


def enlist(
    conn: Connection,
    bidx: str,
    *,
    which: str = "black",
    name: str | None = None,
    kind: str = "org",
    subject_type: str = "agency",
) -> None:
    """Put the subject on a list (and give it a credit file, with an organisation's public name)."""
    now = clock.now()
    if conn.execute(select(credit_subjects.c.id).where(credit_subjects.c.subject_bidx == bidx)).first() is None:
        conn.execute(
            credit_subjects.insert().values(
                subject_bidx=bidx,
                subject_kind=kind,
                kind=subject_type,
                name=name if kind == "org" else None,
                credit_code=None,
                links="[]",
                first_seen_at=now,
                updated_at=now,
            )
        )
    conn.execute(
        credit_list_entries.insert().values(
            subject_bidx=bidx,
            list=which,
            rule="black_serious" if which == "black" else "red_grade_a",
            reason="有效的严重失信记录" if which == "black" else "连续保持 A 级",
            edition="320100-2026",
            entered_on=clock.today() - timedelta(days=3),
            active=1,
            recorded_at=now,
        )
    )


def delist(conn: Connection, bidx: str) -> None:
    """The subject's list entries close (信用修复 or the period ended)."""
    conn.execute(
        update(credit_list_entries)
        .where(credit_list_entries.c.subject_bidx == bidx, credit_list_entries.c.active == 1)
        .values(active=None, exited_on=clock.today(), exit_reason="信用修复", exit_recorded_at=clock.now())
    )


def grade(conn: Connection, bidx: str, g: str, kind: str = "org") -> None:
    conn.execute(
        credit_grades.insert().values(
            subject_bidx=bidx,
            subject_kind=kind,
            edition="320100-2026",
            score_centi=3_000,
            grade=g,
            as_of=clock.today(),
            events=3,
            explanation="[]",
            computed_at=clock.now(),
        )
    )


def field_of(r: Any) -> list[str]:
    return [e["field"] for e in r.json().get("errors", [])]


# ------------------------------------------------------------------------------------ the credit source


def test_the_source_reads_lists_and_grades_set_wise_and_names_rule_list_and_subject(env: dict[str, Any]) -> None:
    eng = env["engine"]
    black, d_org, d_person, red, clean = (org(env, rb.credit_code(n)) for n in (901, 902, 903, 904, 905))
    with eng.begin() as c:
        enlist(c, black, name="失信经纪有限公司")
        grade(c, d_org, "D")
        grade(c, d_person, "D", kind="person")
        enlist(c, red, which="red", name="诚信租赁有限公司", subject_type="rental_enterprise")
    statements: list[str] = []

    def count(*a: Any) -> None:
        if str(a[2]).lstrip().upper().startswith("SELECT"):
            statements.append(str(a[2]))

    event.listen(eng, "before_cursor_execute", count)
    try:
        with eng.connect() as c:
            found = restrictions_for(c, [black, d_org, d_person, red, clean], "rental.listing.publish", clock.today())
    finally:
        event.remove(eng, "before_cursor_execute", count)
    assert len(statements) == 1  # lists and grades of every subject: one round trip
    assert set(found) == {black, d_org}  # a person's grade D bars no market action; red bars nothing
    (r,) = found[black]
    assert r.source == "credit" and r.rule == "black_bars_all" and r.action == "rental.listing.publish"
    assert "失信经纪有限公司" in r.reason and "失信黑名单" in r.reason and "black_bars_all" in r.reason
    assert "发布租赁房源" in r.reason
    assert found[d_org][0].rule == "grade_d_bars_market" and "D 级" in found[d_org][0].reason
    with eng.connect() as c:
        # the black list bars assistance too; a grade alone does not; the mechanism asks every source
        assert set(subject_restrictions(c, [black, d_org], "assistance.eligibility", clock.today())) == {black}
        favours = incentives_for(c, [black, red, clean], "rental.listing.publish", clock.today())
        assert list(favours) == [red]
        assert favours[red][0].effect == "skip_manual_review" and "诚信租赁有限公司" in favours[red][0].reason
        assert incentives_for(c, [red], "rental.lease.file", clock.today()) == {}
    with eng.begin() as c:
        delist(c, black)
    with eng.connect() as c:
        assert restrictions_for(c, [black], "rental.party.file", clock.today()) == {}


# -------------------------------------------------------------------------------------- rental parties


def test_filing_and_reinstating_a_party_credit_bars_is_refused_naming_rule_and_subject(env: dict[str, Any]) -> None:
    client, eng, w = env["client"], env["engine"], env["world"]
    bidx = org(env)
    with eng.begin() as c:
        enlist(c, bidx)  # no public name known to credit: the filing names it
    body = tl_filing(w.street_s1)
    r = client.post("/api/v1/rental/me/party", json=body, headers=auth(env, "agency"))
    assert r.status_code == 409, r.text
    assert field_of(r) == ["credit_code"] and "black_bars_all" in r.text and AGENCY_NAME in r.text
    with eng.connect() as c:
        assert c.execute(select(rental_parties.c.id)).first() is None  # nothing written
    with eng.begin() as c:
        delist(c, bidx)
    r = client.post("/api/v1/rental/me/party", json=body, headers=auth(env, "agency"))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    # 备案延续: a suspended party on the black list is not reinstated until its record is repaired
    with eng.begin() as c:
        c.execute(update(rental_parties).where(rental_parties.c.id == pid).values(status="suspended"))
        enlist(c, bidx)
    district = auth(env, "district")
    r = client.post(f"/api/v1/rental/parties/{pid}/reinstate", json={"reason": "已整改"}, headers=district)
    assert r.status_code == 409 and field_of(r) == ["party_id"] and "black_bars_all" in r.text, r.text
    assert AGENCY_NAME in r.text
    with eng.begin() as c:
        delist(c, bidx)
    r = client.post(f"/api/v1/rental/parties/{pid}/reinstate", json={"reason": "已整改"}, headers=district)
    assert r.status_code == 200 and r.json()["status"] == "filed"


def tl_filing(street: str) -> dict[str, Any]:
    return {
        "kind": "agency",
        "credit_code": rb.AGENCY_CODE,
        "name": AGENCY_NAME,
        "business_scope": "房地产经纪",
        "registered_capital_fen": 500_000_000,
        "legal_rep_name": "赵法人",
        "legal_rep_id": rb.resident_id(4242),
        "address": "测试路 8 号",
        "street_code": street,
    }


# ------------------------------------------------------------------------------------------ listings


def _agency_listing_home(env: dict[str, Any]) -> tuple[int, Any]:
    """The seeded agency's filed party, entrusted with a free home of S1 by its owner."""
    eng, kr = env["engine"], env["kr"]
    with eng.begin() as c:
        pid = c.execute(select(rental_parties.c.id).where(rental_parties.c.credit_code == rb.AGENCY_CODE)).scalar()
        if pid is None:
            agency = account_id(eng, "agency")
            pid = rb.party(c, kr, env["world"].street_s1, code=rb.AGENCY_CODE, account_id=agency, kind="agency")
        home = rb.free_homes(c, env["world"].street_s1)[0]
        rb.own(c, kr, home.id)
        c.execute(
            rental_entrustments.insert().values(
                home_id=home.id,
                room_id=None,
                street_code=home.street_code,
                owner_bidx=kr.blind_index(rb.LANDLORD_ID, "id_number"),
                agent_party_id=pid,
                valid_from=date(2020, 1, 1),
                valid_to=date(2035, 1, 1),
                created_at=clock.now(),
            )
        )
    return int(pid), home


def test_publishing_a_listing_refuses_a_black_listed_party_or_person_naming_rule_and_subject(
    env: dict[str, Any],
) -> None:
    client, eng = env["client"], env["engine"]
    base = "/api/v1/rental/me/listings"
    pid, home = _agency_listing_home(env)
    with eng.begin() as c:
        lid = rb.listing(c, home, status="verified", lister_account_id=account_id(eng, "agency"), party_id=pid)
        enlist(c, org(env))
    r = client.post(f"{base}/{lid}/publish", headers=auth(env, "agency"))
    assert r.status_code == 409 and field_of(r) == ["lister_credit"], r.text
    assert "black_bars_all" in r.text and "测试住房租赁有限公司" in r.text and "失信黑名单" in r.text
    with eng.begin() as c:
        delist(c, org(env))
    assert client.post(f"{base}/{lid}/publish", headers=auth(env, "agency")).status_code == 200
    # a person's listing: the person is checked, named masked, at verification and at publication
    own = tlist.owned_home(eng, client, env["world"].street_s1)
    lid = tlist.draft(client, eng, own)
    with eng.begin() as c:
        enlist(c, person(env, rb.LANDLORD_ID), kind="person", subject_type="person")
    r = tlist.verify(client, eng, lid)
    assert "lister_credit" in tlist.failed_rules(r) and "王房东" not in r.text and "王*" in r.text, r.text
    with eng.begin() as c:
        delist(c, person(env, rb.LANDLORD_ID))
    assert tlist.verify(client, eng, lid).json()["status"] == "verified"
    with eng.begin() as c:
        enlist(c, person(env, rb.LANDLORD_ID), kind="person", subject_type="person")
    r = client.post(f"{base}/{lid}/publish", headers=auth(env, "landlord"))
    assert r.status_code == 409 and "black_bars_all" in r.text and "王房东" not in r.text and "王*" in r.text


def test_a_red_list_enterprises_flagged_listing_skips_manual_review(env: dict[str, Any]) -> None:
    client, eng = env["client"], env["engine"]
    tlist._guidance(eng, env["world"].street_s1)
    _pid, home = _agency_listing_home(env)
    far = int(home.construction_area * 6000 * 3)  # three times the top of the guidance range
    lid = tlist.draft(client, eng, home, who="agency", rent_fen=far, deposit_fen=far)
    with eng.begin() as c:
        enlist(c, org(env), which="red", name=AGENCY_NAME)
    r = tlist.verify(client, eng, lid, who="agency")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "verified" and out["verify_code"] and out["flags"] == ["rent_outside_guidance"]
    with eng.connect() as c:
        ev = c.execute(
            select(rental_listing_events).where(
                rental_listing_events.c.listing_id == lid, rental_listing_events.c.kind == "review_skipped"
            )
        ).one()
    assert json.loads(ev.detail)["rule"] == "red_skips_review"
    # without the red list, the same flag goes to staff review
    with eng.begin() as c:
        delist(c, org(env))
    _pid, other = _agency_listing_home(env)
    lid = tlist.draft(client, eng, other, who="agency", rent_fen=far, deposit_fen=far)
    assert tlist.verify(client, eng, lid, who="agency").json()["status"] == "pending_review"


# -------------------------------------------------------------------------------------------- leases


def test_an_agency_credit_bars_neither_drafts_signs_nor_files_a_lease(env: dict[str, Any]) -> None:
    eng, kr = env["engine"], env["kr"]
    lenv = {**env, "homes": None}
    with eng.begin() as c:
        home = rb.free_homes(c, env["world"].street_s1)[0]
        rb.own(c, kr, home.id)
    tl._agency_party(lenv, home)
    with eng.begin() as c:
        enlist(c, org(env))
    r = env["client"].post(f"{tl.API}/me/leases", json=tl.body(home.id), headers=auth(env, "agency"))
    assert r.status_code == 409 and field_of(r) == ["landlord"] and "black_bars_all" in r.text, r.text
    with eng.begin() as c:
        delist(c, org(env))
    lease_id = tl.signed(lenv, home.id, who="agency")
    with eng.begin() as c:
        enlist(c, org(env))
    r = tl.file(lenv, lease_id, who="agency")
    assert r.status_code == 409 and field_of(r) == ["landlord"] and "black_bars_all" in r.text, r.text
    assert "测试住房租赁有限公司" in r.text
    with eng.begin() as c:
        delist(c, org(env))
    r = tl.file(lenv, lease_id, who="agency")
    assert r.status_code == 200, r.text


# -------------------------------------------------------------------------------------- transactions


def test_presale_permits_and_contract_filing_refuse_a_black_listed_developer(env: dict[str, Any]) -> None:
    client, eng, w = env["client"], env["engine"], env["world"]
    sale = tb.on_sale(client, eng, w.street_s1)  # the developer is clean: its permit was issued
    city = tb.auth(eng, "city")
    site = tb.new_site(eng, w.street_s1, 2)
    r = client.post(
        "/api/v1/transactions/projects",
        json={"name": f"安居府{site.estate}", "developer_id": sale.developer, "estate_id": site.estate},
        headers=city,
    )
    project = r.json()["id"]
    dev = tb.auth(eng, "agency")
    c1 = client.post("/api/v1/transactions/contracts", json=tb.contract_body(sale.site.homes[0]), headers=dev).json()
    client.post(f"/api/v1/transactions/contracts/{c1['id']}/buyer-signature", headers=tb.auth(eng, "citizen"))
    client.post(f"/api/v1/transactions/contracts/{c1['id']}/developer-signature", headers=dev)
    with eng.begin() as c:
        enlist(c, org(env), subject_type="developer")
    issued = (clock.today() - timedelta(days=1)).isoformat()
    permit = {"project_id": project, "issued_on": issued, "building_ids": [site.building]}
    r = client.post("/api/v1/transactions/permits", json=permit, headers=city)
    assert r.status_code == 409 and field_of(r) == ["project_id"] and "black_bars_all" in r.text, r.text
    assert "安居置业有限公司" in r.text and "预售许可" in r.text
    r = client.post(f"/api/v1/transactions/contracts/{c1['id']}/filing", headers=dev)
    assert r.status_code == 409 and field_of(r) == ["developer"] and "black_bars_all" in r.text, r.text
    with eng.begin() as c:
        delist(c, org(env))
    assert client.post("/api/v1/transactions/permits", json=permit, headers=city).status_code == 201
    assert client.post(f"/api/v1/transactions/contracts/{c1['id']}/filing", headers=dev).status_code == 200


def test_resale_contract_filing_refuses_a_black_listed_agency(env: dict[str, Any]) -> None:
    eng, kr = env["engine"], env["kr"]
    with eng.begin() as c:
        party = rb.party(c, kr, env["world"].street_s1, kind="agency", code=rb.AGENCY_CODE)
        home = rb.free_homes(c, env["world"].street_s1, 1)[0]
        rb.own(c, kr, int(home.id))
    renv = {**env, "party": party, "home": int(home.id), "code": home.house_code}
    contract = tr.signed_contract(renv)
    with eng.begin() as c:
        enlist(c, org(env))
    r = env["client"].post(f"{tr.API}/contracts/{contract['id']}/filing", headers=tb.auth(eng, "agency"))
    assert r.status_code == 409 and field_of(r) == ["agency"] and "black_bars_all" in r.text, r.text
    with eng.begin() as c:
        delist(c, org(env))
    r = env["client"].post(f"{tr.API}/contracts/{contract['id']}/filing", headers=tb.auth(eng, "agency"))
    assert r.status_code == 200, r.text


# -------------------------------------------------------------------------------------------- assistance


def test_assistance_eligibility_explains_a_black_listed_member_as_a_failed_rule(env: dict[str, Any]) -> None:
    eng, kr, w = env["engine"], env["kr"], env["world"]
    with eng.begin() as c:
        catalogue.load_programmes(c, assistance_domain.load_policies(assistance_domain.sample_policy_path("320100")))
    cid = account_id(eng, "citizen")
    e = {**env, "w": w, "citizen": Caller(cid, "citizen", Role.citizen, w.district_a, Scope.own(cid))}
    idn = ta.rid(79, "19860606")
    app_id = ta.new_app(e, ta.household(1, income=20000, id_number=idn))
    with eng.begin() as c:
        assert ta.self_check(e, c, app_id).eligible
        enlist(c, kr.blind_index(idn, "id_number"), kind="person", subject_type="household")
        res = ta.self_check(e, c, app_id)
    assert not res.eligible and [r.code for r in res.failed] == ["credit"]
    rule = res.failed[0]
    assert "家庭成员（本人）" in rule.reason and "black_bars_all" in rule.reason and "失信黑名单" in rule.reason
    assert "张三" not in rule.reason and rule.inputs["信用惩戒"] == rule.reason
    with eng.begin() as c:
        delist(c, kr.blind_index(idn, "id_number"))
        assert ta.self_check(e, c, app_id).eligible
