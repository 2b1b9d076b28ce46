"""Spending the maintenance fund (维修资金使用), through the API and the pages, on both databases: no vote
→ refused naming ``vote_id``; approval apportions exactly by area; a home that cannot cover its share
is named and nothing is written; paying a stage moves the homes' balances by ONE allocation journal
whose lines are provable; an emergency needs no vote but its unpublished final account shows overdue;
the committee applies only through a current member; owners see the published accounts."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from anju import funds
from anju.app import create_app
from anju.core import clock
from anju.estates import fund_ledger
from anju.estates.spending_rules import apportion
from anju.estates.tables import (
    estates_assemblies,
    estates_committee_members,
    estates_committees,
    estates_spending,
    estates_spending_shares,
    estates_spending_stages,
    estates_votes,
)
from anju.ledger import verify
from anju.registry import tables as rt
from anju.security import accounts, keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import CITIZEN_ID, choose_world, web_session
from tests.tx_builders import auth

API = "/api/v1/property/spending"
SEQ = itertools.count(1)
RICH = 100_000  # each home's deposit, fen
N = 8


def _deposit(conn: Any, acct: int, ledgers: dict[int, int], amounts: dict[int, int], tag: str) -> None:
    own = funds.ledger_accounts(conn, acct)
    funds.post_many(
        conn,
        [
            funds.JournalIn(acct, "deposit", f"T-DEP-{tag}-{h}", [(own["bank"], a, 0), (ledgers[h], 0, a)],
                            date(2020, 1, 1), "交存（测试）", subject=f"home:{h}")
            for h, a in amounts.items()
        ],
    )  # fmt: skip


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine, estates_emergency_cap_fen=300_000, estates_emergency_publish_days=30)
    w = choose_world(city_engine)
    h = rt.homes
    with city_engine.begin() as conn:
        estate = conn.execute(
            select(h.c.estate_id).where(h.c.street_code == w.street_s1).group_by(h.c.estate_id)
            .having(func.count() >= N).order_by(h.c.estate_id).limit(1)
        ).scalar_one()  # fmt: skip
        homes = conn.execute(
            select(h.c.id, h.c.building_id, h.c.district_code, h.c.street_code, h.c.construction_area)
            .where(h.c.estate_id == estate).order_by(h.c.id).limit(N)
        ).all()  # fmt: skip
        acct = fund_ledger.district_account(conn, homes[0].district_code, bank="测试银行", account_no="WX-SP-1")
        fund_ledger.open_homes(
            conn,
            [fund_ledger.HomeFundIn(x.id, acct, estate, x.building_id, x.district_code, x.street_code,
                                    x.construction_area, "multi", date(2020, 1, 1), "import") for x in homes],
        )  # fmt: skip
        ledgers = fund_ledger.home_ledgers(conn, [x.id for x in homes])
        amounts = {x.id: RICH for x in homes}
        amounts[homes[-1].id] = 500  # a poor home
        _deposit(conn, acct, ledgers, amounts, "a")
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield {"engine": city_engine, "client": client, "estate": estate, "homes": homes, "acct": acct,
               "ledgers": ledgers, "world": w, "kr": keyring_from_settings(settings)}  # fmt: skip
    app.state.engine.dispose()


def vote(env: dict[str, Any], matter: str = "use_fund", *, passed: bool = True, status: str = "tallied") -> int:
    now = clock.now()
    w = env["world"]
    with env["engine"].begin() as conn:
        return int(
            conn.execute(
                estates_votes.insert().values(
                    vote_no=f"BJT{next(SEQ):08d}", estate_id=env["estate"],
                    title="关于使用维修资金维修屋面的表决", matter=matter, record_date=date(2026, 1, 1),
                    opens_at=now - timedelta(days=20), closes_at=now - timedelta(days=5), status=status,
                    passed=passed, tallied_at=now - timedelta(days=4), district_code=w.district_a,
                    street_code=w.street_s1, created_at=now,
                ).returning(estates_votes.c.id)
            ).scalar_one()
        )  # fmt: skip


def body(env: dict[str, Any], **over: Any) -> dict[str, Any]:
    quotes = [{"contractor": "甲建设公司", "amount_fen": 200_000, "chosen": True},
              {"contractor": "乙防水公司", "amount_fen": 230_000}]  # fmt: skip
    b = {"estate_id": env["estate"], "title": "屋面防水维修", "category": "roof", "description": "屋面渗漏，整体翻修",
         "budget_fen": 200_000, "quotes": quotes, "submit": True}  # fmt: skip
    return b | over


def count(env: dict[str, Any], table: Any) -> int:
    with env["engine"].connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def balances(env: dict[str, Any]) -> dict[int, int]:
    with env["engine"].connect() as conn:
        bal = funds.ledger_balances(conn, list(env["ledgers"].values()))
    return {h: -bal[lid] for h, lid in env["ledgers"].items()}


def test_an_ordinary_application_needs_a_passed_use_fund_vote_of_the_estate(env: dict[str, Any]) -> None:
    c, clerk = env["client"], auth(env["engine"], "clerk")
    r = c.post(API, json=body(env), headers=clerk)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "vote_id"
    assert count(env, estates_spending) == 0  # nothing written
    for bad in (vote(env, "hire_company"), vote(env, passed=False)):
        r = c.post(API, json=body(env, vote_id=bad), headers=clerk)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "vote_id", r.text
    r = c.post(API, json=body(env, vote_id=vote(env)), headers=clerk)
    assert r.status_code == 201, r.text
    a = r.json()["application"]
    assert a["status"] == "submitted" and a["applicant_kind"] == "street" and a["application_no"].startswith("SY")
    # a draft without a vote cannot be submitted later either
    r = c.post(API, json=body(env, submit=False), headers=clerk)
    sid = r.json()["application"]["id"]
    r = c.post(f"{API}/{sid}/submit", headers=clerk)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "vote_id"
    # out of the district's scope: another district's officer does not see it
    assert c.get(f"{API}/{sid}", headers=auth(env["engine"], "district")).status_code == 200
    r = c.get(API, params={"status": "submitted"}, headers=clerk)
    assert r.json()["total"] == 1


def test_approval_apportions_exactly_and_a_home_short_of_money_is_named(env: dict[str, Any]) -> None:
    c, clerk = env["client"], auth(env["engine"], "clerk")
    sid = c.post(API, json=body(env, vote_id=vote(env)), headers=clerk).json()["application"]["id"]
    poor = env["homes"][-1].id
    before = balances(env)
    r = c.post(f"{API}/{sid}/decision", json={"outcome": "approve", "note": "同意"}, headers=clerk)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == f"home:{poor}" and "须先续筹" in r.json()["errors"][0]["reason"]
    assert count(env, estates_spending_shares) == 0 and count(env, estates_spending_stages) == 0
    assert c.get(f"{API}/{sid}", headers=clerk).json()["application"]["status"] == "submitted"
    assert balances(env) == before
    with env["engine"].begin() as conn:  # the owner tops the home up (续筹)
        _deposit(conn, env["acct"], env["ledgers"], {poor: RICH}, "b")
    stages = [{"label": "预付款", "amount_fen": 60_000}, {"label": "竣工验收", "amount_fen": 140_000}]
    r = c.post(f"{API}/{sid}/decision", json={"outcome": "approve", "note": "同意", "stages": stages}, headers=clerk)
    assert r.status_code == 200, r.text
    assert r.json()["application"]["status"] == "approved" and r.json()["application"]["approved_fen"] == 200_000
    shares = c.get(f"{API}/{sid}/shares", params={"page_size": 5}, headers=clerk).json()
    assert shares["total"] == N and len(shares["items"]) == 5
    allshares = c.get(f"{API}/{sid}/shares", params={"page_size": 50}, headers=clerk).json()["items"]
    assert sum(s["share_fen"] for s in allshares) == 200_000
    want = apportion(200_000, [Decimal(str(h.construction_area)) for h in env["homes"]])
    assert [s["share_fen"] for s in allshares] == want
    # stage sums must equal the approved amount (a second application, refused and unchanged)
    one = [{"contractor": "丙", "amount_fen": 1000, "chosen": True}]
    sid2 = c.post(API, json=body(env, vote_id=vote(env), budget_fen=1000, quotes=one), headers=clerk).json()
    sid2 = sid2["application"]["id"]
    r = c.post(f"{API}/{sid2}/decision", json={"outcome": "approve", "stages": [{"label": "一", "amount_fen": 999}]},
               headers=clerk)  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stages"


def test_stage_payments_move_the_balances_by_one_provable_allocation_journal(env: dict[str, Any]) -> None:
    c, clerk, eng = env["client"], auth(env["engine"], "clerk"), env["engine"]
    with eng.begin() as conn:
        _deposit(conn, env["acct"], env["ledgers"], {env["homes"][-1].id: RICH}, "b")
    sid = c.post(API, json=body(env, vote_id=vote(env)), headers=clerk).json()["application"]["id"]
    stages = [{"label": "预付款", "amount_fen": 60_001}, {"label": "竣工验收", "amount_fen": 139_999}]
    assert (
        c.post(f"{API}/{sid}/decision", json={"outcome": "approve", "stages": stages}, headers=clerk).status_code == 200
    )
    before = balances(env)
    bank_before = _own(env)
    today = clock.today().isoformat()
    r = c.post(f"{API}/{sid}/stages/2/acceptance", json={"accepted_on": today}, headers=clerk)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "seq"  # in order
    r = c.post(f"{API}/{sid}/stages/1/acceptance", json={"accepted_on": today}, headers=clerk)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["application"]["status"] == "in_progress" and d["application"]["paid_fen"] == 60_001
    stage = d["stages"][0]
    assert stage["journal_id"] and stage["ledger_index"] is not None
    after = balances(env)
    moved = {h: before[h] - after[h] for h in before}
    assert sum(moved.values()) == 60_001 and all(v > 0 for v in moved.values())
    own = _own(env)
    assert own["payable"] == 0 and own["bank"] == bank_before["bank"] - 60_001  # paid out to the contractor
    with eng.connect() as conn:
        j = funds.journal(conn, stage["journal_id"])
        assert j["kind"] == "spend" and j["amount_fen"] == 60_001
        assert funds.unbalanced_journals(conn) == []
    home = env["homes"][2].id
    p = c.get(f"{API}/{sid}/stages/1/proof", params={"home_id": home}, headers=clerk).json()
    import json

    assert json.loads(p["line"])["debit_fen"] == moved[home]
    algo = p["algorithm"]
    assert verify.check_inclusion(
        verify.leaf_hash(p["line"].encode(), algo), p["line_index"], p["lines"],
        [bytes.fromhex(x) for x in p["line_proof"]], bytes.fromhex(p["lines_root"]), algo,
    ) is None  # fmt: skip
    assert verify.check_inclusion(
        verify.leaf_hash(p["entry"].encode(), algo), p["index"], p["size"], [bytes.fromhex(x) for x in p["proof"]],
        bytes.fromhex(p["root"]), algo,
    ) is None  # fmt: skip
    assert json.loads(p["entry"])["lines_root"] == p["lines_root"]
    r = c.post(f"{API}/{sid}/stages/2/acceptance", json={"accepted_on": today}, headers=clerk)
    assert r.status_code == 200 and r.json()["application"]["status"] == "completed"
    shares = c.get(f"{API}/{sid}/shares", params={"page_size": 50}, headers=clerk).json()["items"]
    assert all(s["paid_fen"] == s["share_fen"] for s in shares)
    final = balances(env)
    assert {s["home_id"]: before[s["home_id"]] - final[s["home_id"]] for s in shares} == {
        s["home_id"]: s["share_fen"] for s in shares
    }
    # published: the owner of a home of the estate sees it with the share of their home
    with eng.begin() as conn:
        rb.own(conn, env["kr"], home, CITIZEN_ID, "测试市民")
    citizen = auth(eng, "citizen")
    assert c.get(f"{API}/public", headers=citizen).json()["total"] == 0  # not yet published
    assert c.post(f"{API}/{sid}/publication", headers=clerk).json()["application"]["status"] == "published"
    pub = c.get(f"{API}/public", headers=citizen).json()
    assert pub["total"] == 1 and [s["home_id"] for s in pub["items"][0]["my_shares"]] == [home]
    r = c.get(f"{API}/public/{sid}/stages/1/proof", params={"home_id": home}, headers=citizen)
    assert r.status_code == 200 and r.json()["line"] == p["line"]
    other = env["homes"][3].id  # not the citizen's home
    assert c.get(f"{API}/public/{sid}/stages/1/proof", params={"home_id": other}, headers=citizen).status_code == 404


def _own(env: dict[str, Any]) -> dict[str, int]:
    with env["engine"].connect() as conn:
        own = funds.ledger_accounts(conn, env["acct"])
        bal = funds.ledger_balances(conn, list(own.values()))
    return {k: bal[v] for k, v in own.items()}


def test_an_emergency_needs_no_vote_is_capped_and_its_late_publication_shows_overdue(env: dict[str, Any]) -> None:
    c, clerk, eng = env["client"], auth(env["engine"], "clerk"), env["engine"]
    big = body(env, emergency=True, emergency_kind="lift", budget_fen=300_001,
               quotes=[{"contractor": "电梯公司", "amount_fen": 300_001, "chosen": True}])  # fmt: skip
    r = c.post(API, json=big, headers=clerk)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "budget_fen"
    r = c.post(API, json=body(env, emergency=True, budget_fen=1000, quotes=[
        {"contractor": "电梯公司", "amount_fen": 1000, "chosen": True}]), headers=clerk)  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "emergency_kind"
    ok = body(env, emergency=True, emergency_kind="lift", category="lift", budget_fen=3_000,
              quotes=[{"contractor": "电梯公司", "amount_fen": 3_000, "chosen": True}])  # fmt: skip
    r = c.post(API, json=ok, headers=clerk)
    assert r.status_code == 201, r.text
    sid = r.json()["application"]["id"]
    assert r.json()["application"]["status"] == "submitted" and r.json()["vote"] is None
    r = c.post(f"{API}/{sid}/decision", json={"outcome": "approve"}, headers=clerk)
    assert r.status_code == 200, r.text
    assert r.json()["decision_note"].startswith("应急情形已确认")
    r = c.post(f"{API}/{sid}/stages/1/acceptance", json={"accepted_on": clock.today().isoformat()}, headers=clerk)
    assert r.status_code == 200 and r.json()["application"]["status"] == "completed"
    due = r.json()["application"]["publish_due"]
    assert due == (clock.today() + timedelta(days=30)).isoformat()
    assert c.get(API, params={"overdue": True}, headers=clerk).json()["total"] == 0
    with eng.begin() as conn:  # paid 40 days ago, still unpublished
        conn.execute(update(estates_spending_stages).values(paid_at=clock.now() - timedelta(days=40)))
    q = c.get(API, params={"overdue": True}, headers=clerk).json()
    assert q["total"] == 1 and q["items"][0]["overdue"] and q["items"][0]["id"] == sid
    token, _csrf = web_session(eng, "clerk")
    page = TestClient(c.app, follow_redirects=False, cookies={"anju_session": token})
    html = page.get("/property/spending", params={"overdue": "true"}).text
    assert "逾期未公示" in html and r.json()["application"]["application_no"] in html
    c.post(f"{API}/{sid}/publication", headers=clerk)
    assert c.get(API, params={"overdue": True}, headers=clerk).json()["total"] == 0


def test_the_committee_applies_only_through_a_current_member(env: dict[str, Any]) -> None:
    c, eng = env["client"], env["engine"]
    citizen = auth(eng, "citizen")
    v = vote(env)
    r = c.post(f"{API}/by-committee", json=body(env, vote_id=v), headers=citizen)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "account"
    _seat_citizen(env)
    r = c.post(f"{API}/by-committee", json=body(env, vote_id=v), headers=citizen)
    assert r.status_code == 201, r.text
    assert r.json()["application"]["applicant_kind"] == "committee"
    assert r.json()["application"]["status"] == "submitted"


def _seat_citizen(env: dict[str, Any]) -> None:
    """The demo account ``citizen`` sits on the estate's active committee."""
    eng, w, now = env["engine"], env["world"], clock.now()
    with eng.begin() as conn:
        bidx = conn.execute(select(accounts.c.id_number_bidx).where(accounts.c.username == "citizen")).scalar_one()
        asm = conn.execute(estates_assemblies.insert().values(
            estate_id=env["estate"], established_on=date(2020, 1, 1), filing_no="YZDH-T-1", status="active",
            district_code=w.district_a, street_code=w.street_s1, created_at=now).returning(estates_assemblies.c.id)
        ).scalar_one()  # fmt: skip
        com = conn.execute(estates_committees.insert().values(
            assembly_id=asm, estate_id=env["estate"], term_starts_on=date(2024, 1, 1), term_ends_on=date(2029, 1, 1),
            status="active", district_code=w.district_a, street_code=w.street_s1, created_at=now,
        ).returning(estates_committees.c.id)).scalar_one()  # fmt: skip
        conn.execute(estates_committee_members.insert().values(
            committee_id=com, owner_bidx=bidx, name_enc=env["kr"].encrypt("测试市民", "estates.member_name"),
            home_id=env["homes"][0].id, position="chair"))  # fmt: skip


def test_the_applicant_edits_and_withdraws_its_own_application_before_a_decision(env: dict[str, Any]) -> None:
    c, eng = env["client"], env["engine"]
    citizen, clerk = auth(eng, "citizen"), auth(eng, "clerk")
    _seat_citizen(env)
    v = vote(env)
    sid = c.post(f"{API}/by-committee", json=body(env, vote_id=v), headers=citizen).json()["application"]["id"]
    # edit while submitted: the quotes replaced, still submitted; the estate cannot change
    quotes = [{"contractor": "丁修缮公司", "amount_fen": 180_000, "chosen": True, "note": "含五年质保"}]
    r = c.put(f"{API}/by-committee/{sid}", json=body(env, vote_id=v, title="屋面防水（修改）", quotes=quotes,
                                                     budget_fen=190_000), headers=citizen)  # fmt: skip
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["application"]["title"], got["application"]["status"], got["application"]["budget_fen"]) == (
        "屋面防水（修改）", "submitted", 190_000)  # fmt: skip
    assert [q["contractor"] for q in got["quotes"]] == ["丁修缮公司"] and got["quotes"][0]["note"] == "含五年质保"
    r = c.put(f"{API}/by-committee/{sid}", json=body(env, vote_id=v, estate_id=env["estate"] + 1), headers=citizen)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "estate_id"
    r = c.put(f"{API}/by-committee/{sid}", json=body(env, vote_id=None), headers=citizen)  # submitted: a vote
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "vote_id"
    # only the applicant: another account is told it does not exist
    assert c.post(f"{API}/by-company/{sid}/withdraw", json={"reason": "不需要了"},
                  headers=auth(eng, "agency")).status_code == 404  # fmt: skip
    # withdrawal needs a reason; then it is final, audited, and the lists say 已撤回
    r = c.post(f"{API}/by-committee/{sid}/withdraw", json={"reason": " "}, headers=citizen)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = c.post(f"{API}/by-committee/{sid}/withdraw", json={"reason": "业主大会决定暂缓维修"}, headers=citizen)
    assert r.status_code == 200, r.text
    a = r.json()["application"]
    assert (a["status"], a["status_label"], a["withdraw_reason"]) == ("withdrawn", "已撤回", "业主大会决定暂缓维修")
    assert c.post(f"{API}/by-committee/{sid}/withdraw", json={"reason": "再撤一次"}, headers=citizen).status_code == 409
    assert c.put(f"{API}/by-committee/{sid}", json=body(env, vote_id=v), headers=citizen).status_code == 409
    assert c.post(f"{API}/{sid}/decision", json={"outcome": "approve"}, headers=clerk).status_code == 409
    listed = c.get(API, params={"status": "withdrawn"}, headers=clerk).json()["items"]
    assert [i["id"] for i in listed] == [sid] and listed[0]["status_label"] == "已撤回"
    assert "已撤回" in c.get("/property/spending/committee", headers=citizen).text
    with eng.connect() as conn:
        from anju.security import audit_log

        rows = conn.execute(
            select(audit_log.c.action, audit_log.c.detail).where(
                audit_log.c.entity == "estates_spending", audit_log.c.entity_id == str(sid)
            )
        ).all()
    acts = [r.action for r in rows]
    assert "estates.spending.edit" in acts and "estates.spending.withdraw" in acts
    assert any("业主大会决定暂缓维修" in str(r.detail) for r in rows if r.action == "estates.spending.withdraw")
    # after a decision: no more edits or withdrawal
    sid2 = c.post(f"{API}/by-committee", json=body(env, vote_id=v), headers=citizen).json()["application"]["id"]
    assert (
        c.post(f"{API}/{sid2}/decision", json={"outcome": "reject", "note": "资料不全"}, headers=clerk).status_code
        == 200
    )
    assert (
        c.post(f"{API}/by-committee/{sid2}/withdraw", json={"reason": "不需要了"}, headers=citizen).status_code == 409
    )
    # the pages: a draft edited on its form, then withdrawn through the confirmation page
    form = {"estate_id": str(env["estate"]), "title": "外墙修缮", "category": "facade", "budget_yuan": "2000.00",
            "contractor_1": "戊外墙公司", "amount_1": "1800.00", "chosen": "1", "vote_id": str(v)}  # fmt: skip
    r = c.post("/property/spending/committee/new", data=form, headers=citizen)
    assert r.status_code == 303, r.text[:300]
    url = r.headers["location"].split("?")[0]
    page = c.get(url, headers=citizen).text
    assert "修改申请" in page and "撤回申请" in page
    edit = c.get(f"{url}/edit", headers=citizen)
    assert edit.status_code == 200 and "戊外墙公司" in edit.text and "1800.00" in edit.text
    r = c.post(f"{url}/edit", data=form | {"title": "外墙修缮（改）"}, headers=citizen)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=edited")
    assert "外墙修缮（改）" in c.get(url, headers=citizen).text
    assert "确认撤回" in c.get(f"{url}/withdraw", headers=citizen).text
    r = c.post(f"{url}/withdraw", data={"reason": "改由街道统一安排"}, headers=citizen)
    assert r.status_code == 422 and "请勾选确认" in r.text
    r = c.post(f"{url}/withdraw", data={"reason": "改由街道统一安排", "confirm": "yes"}, headers=citizen)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=withdrawn")
    page = c.get(url, headers=citizen).text
    assert "已撤回" in page and "改由街道统一安排" in page and "修改申请" not in page
    assert c.get(f"{url}/edit", headers=citizen).status_code == 422
    # the edit and withdrawal pages are the applicant's own: staff who may read the application are not it
    from anju.core.scope import Scope
    from anju.estates import spending_queries
    from anju.security import Caller, Role
    from tests.accounts import account_id

    sid3 = int(url.rsplit("/", 1)[1])
    mine, clerk_id = account_id(eng, "citizen"), account_id(eng, "clerk")
    with eng.connect() as conn:
        assert spending_queries.is_applicant(conn, Caller(mine, "citizen", Role.citizen, None, Scope.own(mine)), sid3)
        staff = Caller(clerk_id, "clerk", Role.street_clerk, None, Scope.whole_city())
        assert not spending_queries.is_applicant(conn, staff, sid3)


def test_pages_render_the_queue_the_form_the_detail_and_the_export(env: dict[str, Any]) -> None:
    c, eng = env["client"], env["engine"]
    with eng.begin() as conn:
        _deposit(conn, env["acct"], env["ledgers"], {env["homes"][-1].id: RICH}, "b")
    token, csrf = web_session(eng, "clerk")
    page = TestClient(c.app, follow_redirects=False, cookies={"anju_session": token})
    r = page.get("/property/spending")
    assert r.status_code == 200 and "暂无符合条件" in r.text
    assert page.get("/property/spending/new").status_code == 200
    form = {"csrf_token": csrf, "estate_id": str(env["estate"]), "title": "外墙修缮", "category": "facade",
            "budget_yuan": "1,000.00", "contractor_1": "甲公司", "amount_1": "900.00", "chosen": "1",
            "emergency": "1", "emergency_kind": "facade", "submit": "1"}  # fmt: skip
    r = page.post("/property/spending/new", data=form | {"budget_yuan": "abc"})
    assert r.status_code == 422 and "预算" in r.text
    r = page.post("/property/spending/new", data=form)
    assert r.status_code == 303, r.text
    url = r.headers["location"].split("?")[0]
    html = page.get(url).text
    assert "外墙修缮" in html and "审核" in html and "待审核" in html
    r = page.post(f"{url}/decision", data={"csrf_token": csrf, "outcome": "approve", "note": "同意",
                                          "stage_label_1": "预付款", "stage_yuan_1": "300.00",
                                          "stage_label_2": "竣工验收", "stage_yuan_2": "600.00"})  # fmt: skip
    assert r.status_code == 303, r.text
    html = page.get(url).text
    assert "已批准" in html and "验收并付款" in html and "各户分摊" in html
    r = page.post(f"{url}/stages/1/acceptance", data={"csrf_token": csrf, "accepted_on": clock.today().isoformat()})
    assert r.status_code == 303, r.text
    home = env["homes"][0].id
    assert page.get(f"{url}/stages/1/proof", params={"home_id": home}).status_code == 200
    csv = page.get("/property/spending.csv")
    assert csv.status_code == 200 and "外墙修缮" in csv.content.decode("utf-8-sig")
    cit_token, _ = web_session(eng, "citizen")
    pub = TestClient(c.app, follow_redirects=False, cookies={"anju_session": cit_token}).get(
        "/property/spending/public"
    )
    assert pub.status_code == 200 and "维修资金使用公示" in pub.text


def test_synthetic_spending_goes_through_the_services_and_keeps_the_books(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    from anju.synth.estates import spending as synth

    eng = env["engine"]
    with eng.begin() as conn:
        _deposit(conn, env["acct"], env["ledgers"], {env["homes"][-1].id: RICH * 10}, "b")
    monkeypatch.setattr(synth, "SHARE", 1.0)
    before = balances(env)
    with eng.begin() as conn:
        made = synth.generate(conn, env["kr"], random.Random(5), scale=0.001, today=clock.today())
    assert made["applications"] == 1 and made["emergencies"] == 1, made  # no passed vote: an emergency
    with eng.connect() as conn:
        row = conn.execute(select(estates_spending)).one()
        assert row.emergency and row.title.endswith("（合成）") and row.approved_fen <= 20_000_000
        shares = conn.execute(select(estates_spending_shares)).all()
        assert sum(s.share_fen for s in shares) == row.approved_fen
        assert sum(s.paid_fen for s in shares) == row.paid_fen
        assert funds.unbalanced_journals(conn) == []
        stages = conn.execute(select(estates_spending_stages).order_by(estates_spending_stages.c.seq)).all()
        paid = [s for s in stages if s.journal_id]
        assert len(paid) == made.get("stages", 0)
        for s in paid:  # booked on the day of its acceptance, in the past
            assert funds.journal(conn, s.journal_id)["booked_on"] == s.accepted_on < clock.today()
    after = balances(env)
    assert sum(before.values()) - sum(after.values()) == row.paid_fen


def test_synthetic_spending_makes_nothing_without_fund_records(city_engine: Engine, settings_for: Any) -> None:
    import random

    from anju.synth.estates import spending as synth

    kr = keyring_from_settings(settings_for(city_engine))
    with city_engine.begin() as conn:
        assert synth.generate(conn, kr, random.Random(1), scale=0.001, today=clock.today()) == {}


def test_a_building_application_is_shared_by_that_buildings_homes_only(env: dict[str, Any]) -> None:
    c, clerk, eng = env["client"], auth(env["engine"], "clerk"), env["engine"]
    with eng.begin() as conn:
        _deposit(conn, env["acct"], env["ledgers"], {env["homes"][-1].id: RICH}, "b")
    building = env["homes"][0].building_id
    mine = [h.id for h in env["homes"] if h.building_id == building]
    r = c.post(API, json=body(env, vote_id=vote(env), building_id=building), headers=clerk)
    assert r.status_code == 201, r.text
    sid = r.json()["application"]["id"]
    assert c.post(f"{API}/{sid}/decision", json={"outcome": "approve"}, headers=clerk).status_code == 200
    shares = c.get(f"{API}/{sid}/shares", params={"page_size": 50}, headers=clerk).json()["items"]
    assert [s["home_id"] for s in shares] == mine and sum(s["share_fen"] for s in shares) == 200_000
    # a building of another estate is refused
    with eng.connect() as conn:
        other = conn.execute(select(rt.buildings.c.id).where(rt.buildings.c.estate_id != env["estate"]).limit(1))
        other_building = other.scalar_one()
    r = c.post(API, json=body(env, vote_id=vote(env), building_id=other_building), headers=clerk)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "building_id"


def test_the_serving_property_company_applies_for_its_estate_only(env: dict[str, Any]) -> None:
    from anju.estates.tables import estates_companies, estates_projects

    c, eng = env["client"], env["engine"]
    agency = auth(eng, "agency")
    v = vote(env)
    r = c.post(f"{API}/by-company", json=body(env, vote_id=v), headers=agency)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "account"
    w, now = env["world"], clock.now()
    with eng.begin() as conn:
        org = conn.execute(select(accounts.c.org_code).where(accounts.c.username == "agency")).scalar_one()
        co = conn.execute(estates_companies.insert().values(
            credit_code=org, name="合成物业服务有限公司（合成）", qualification="none", staff=20,
            district_code=w.district_a, street_code=w.street_s1, status="filed", filed_at=now, updated_at=now,
        ).returning(estates_companies.c.id)).scalar_one()  # fmt: skip
        conn.execute(estates_projects.insert().values(
            project_no="WY-T-1", estate_id=env["estate"], company_id=co, kind="early", chosen_by="negotiation",
            contract_no="HT-T-1", starts_on=date(2024, 1, 1), ends_on=date(2027, 1, 1), service_level="3",
            status="active", district_code=w.district_a, street_code=w.street_s1, created_at=now,
        ))  # fmt: skip
    r = c.post(f"{API}/by-company", json=body(env, vote_id=v), headers=agency)
    assert r.status_code == 201, r.text
    assert r.json()["application"]["applicant_kind"] == "company" and r.json()["application"]["status"] == "submitted"
    # the company's own application is visible to the street in scope, which decides it
    sid = r.json()["application"]["id"]
    assert c.get(f"{API}/{sid}", headers=auth(eng, "clerk")).status_code == 200
    # the company's staff apply and follow their applications on pages too
    assert "新建申请" in c.get("/property/spending/company", headers=agency).text
    form = {"estate_id": str(env["estate"]), "title": "电梯应急维修", "category": "lift", "budget_yuan": "1500.00",
            "contractor_1": "丙电梯公司", "amount_1": "1500.00", "chosen": "1", "emergency": "1",
            "emergency_kind": "lift", "submit": "1"}  # fmt: skip
    r = c.post("/property/spending/company/new", data=form | {"estate_id": "abc"}, headers=agency)
    assert r.status_code == 422 and "应为正整数编号" in r.text
    r = c.post("/property/spending/company/new", data=form, headers=agency, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/property/spending/company/")
    new_id = int(r.headers["location"].split("/")[-1].split("?")[0])
    page = c.get(r.headers["location"], headers=agency)
    assert page.status_code == 200 and "电梯应急维修" in page.text and "返回我的申请" in page.text
    listed = c.get("/property/spending/company", headers=agency).text
    assert "电梯应急维修" in listed and "屋面防水维修" in listed
    # another account sees neither the list's items nor the application
    assert c.get(f"/property/spending/committee/{new_id}", headers=auth(eng, "citizen")).status_code == 404
    assert "电梯应急维修" not in c.get("/property/spending/committee", headers=auth(eng, "citizen")).text
