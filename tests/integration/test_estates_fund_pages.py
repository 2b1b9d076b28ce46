"""The maintenance fund on the synthetic estates city, over HTTP: a due from a filed first-sale
contract (and paying it), an owner's homes and statement whose every line's proof verifies against the
log's signed head, nobody else's home, the staff pages and exports, the interest as a background job."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, insert, select

from anju import funds, registry, transactions
from anju.core import clock
from anju.core.errors import Conflict
from anju.estates import fund_deposits, fund_ledger, fund_rules
from anju.estates.tables import estates_fund_dues, estates_fund_homes, estates_interest_runs
from anju.ledger import verify
from anju.security import audit_log
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, api_token, choose_world


@pytest.fixture
def client(estates_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    from anju.app import create_app

    app = create_app(settings_for(estates_engine))
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def auth(engine: Engine, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_token(engine, who)}"}


def test_the_synthetic_fund_is_there_and_sums(estates_engine: Engine) -> None:
    with estates_engine.connect() as conn:
        homes = conn.execute(select(func.count()).select_from(estates_fund_homes)).scalar_one()
        runs = conn.execute(select(estates_interest_runs)).all()
        owned = conn.execute(select(func.count(func.distinct(registry.home_owners.c.home_id)))).scalar_one()
        assert 0 < homes <= owned and runs
        # every run's lines sum to the bank's total
        j = funds.fund_journals
        for r in runs[:5]:
            total = conn.execute(
                select(func.sum(j.c.amount_fen)).where(j.c.kind == "interest", j.c.fund_account_id == r.fund_account_id,
                                                       j.c.booked_on == date(r.year, 12, 31))
            ).scalar_one()  # fmt: skip
            assert total == r.total_fen
        assert funds.unbalanced_journals(conn) == []


def test_a_filed_first_sale_contract_makes_a_due_which_paying_credits_the_home(
    estates_engine: Engine, settings_for: Any
) -> None:
    settings = settings_for(estates_engine)
    c = transactions.sale_contracts
    with estates_engine.begin() as conn:
        row = conn.execute(
            select(c.c.id, c.c.home_id, c.c.area, c.c.filed_at)
            .join(estates_fund_homes, estates_fund_homes.c.home_id == c.c.home_id)
            .where(c.c.status == "filed")
            .order_by(c.c.id)
            .limit(1)
        ).one()
        conn.execute(delete(estates_fund_dues).where(estates_fund_dues.c.home_id == row.home_id))
        due = fund_deposits.due_for_contract(conn, settings, row.id)
        facts = fund_deposits.home_facts(conn, [row.home_id])[row.home_id]
        on = clock.to_local(row.filed_at).date()
        _, rate = fund_rules.rate_on(fund_deposits.rate_editions(settings), facts.building_type, on)
        assert due["created"] and due["amount_fen"] == fund_rules.deposit_fen(Decimal(row.area), rate)
        assert due["rate_fen_per_m2"] == rate and due["due_on"] == on and due["status"] == "due"
        again = fund_deposits.due_for_contract(conn, settings, row.id)
        assert again["id"] == due["id"] and not again["created"]
        lid = fund_ledger.home_ledgers(conn, [row.home_id])[row.home_id]
        before = funds.account_postings(conn, lid, limit=1, offset=0).total
        jids = fund_deposits.pay_dues(conn, [due["id"]], paid_on=date(2026, 6, 30), actor_account_id=None)
        page = funds.account_postings(conn, lid, limit=1, offset=before)
        assert page.total == before + 1 and page.items[0]["credit_fen"] == due["amount_fen"]
        assert page.items[0]["journal_id"] == jids[0] and page.items[0]["kind"] == "deposit"
        with pytest.raises(Conflict):
            fund_deposits.pay_dues(conn, [due["id"]], paid_on=date(2026, 6, 30), actor_account_id=None)


def _make_citizen_own(engine: Engine, client: TestClient) -> int:
    """The seeded citizen becomes the register's owner of a synthetic fund home; returns the home."""
    kr = client.app.state.security.keyring  # type: ignore[attr-defined]
    with engine.begin() as conn:
        home = conn.execute(
            select(estates_fund_homes.c.home_id).where(estates_fund_homes.c.status == "open").order_by(
                estates_fund_homes.c.home_id).limit(1)
        ).scalar_one()  # fmt: skip
        conn.execute(
            insert(registry.home_owners).values(
                home_id=home, owner_kind="person", owner_bidx=kr.blind_index(CITIZEN_ID, "id_number"),
                owner_id_enc=kr.encrypt(CITIZEN_ID, "home_owners.owner_id"),
                owner_name_enc=kr.encrypt(CITIZEN_NAME, "home_owners.owner_name"), share_pct=100,
                acquired_on=date(2026, 1, 5), released_on=None, recorded_at=clock.now(),
            )
        )  # fmt: skip
    return int(home)


def test_an_owner_sees_their_homes_and_a_statement_whose_proofs_verify(
    estates_engine: Engine, client: TestClient
) -> None:
    home = _make_citizen_own(estates_engine, client)
    h = auth(estates_engine, "citizen")
    mine = client.get("/api/v1/property/my-fund", headers=h)
    assert mine.status_code == 200, mine.text
    assert [x["home_id"] for x in mine.json()] == [home] and mine.json()[0]["balance_fen"] > 0
    moves = client.get(f"/api/v1/property/my-fund/{home}/movements", headers=h).json()
    assert moves["total"] >= 2 and {m["kind"] for m in moves["items"]} >= {"deposit", "interest"}
    st = client.get(f"/api/v1/property/my-fund/{home}/statement", params={"fmt": "json"}, headers=h)
    assert st.status_code == 200, st.text
    body = st.json()
    assert body["lines"][-1]["balance_fen"] == body["balance_fen"] == mine.json()[0]["balance_fen"]
    head = body["head"]
    assert verify.check_head(head, head["public_key"]) is None
    root = bytes.fromhex(head["root"])
    for line in body["lines"]:
        p = line["proof"]
        algo = p["algorithm"]
        entry = json.loads(p["entry"])
        assert p["size"] == head["size"] and json.loads(p["line"])["credit_fen"] == line["credit_fen"]
        assert verify.check_inclusion(
            verify.leaf_hash(p["line"].encode(), algo), p["line_index"], p["lines"],
            [bytes.fromhex(x) for x in p["line_proof"]], bytes.fromhex(entry["lines_root"]), algo,
        ) is None  # fmt: skip
        assert verify.check_inclusion(
            verify.leaf_hash(p["entry"].encode(), algo), p["index"], p["size"], [bytes.fromhex(x) for x in p["proof"]],
            root, algo,
        ) is None  # fmt: skip
    # transfers are recorded with a completed resale (test_estates_fund_transfers), not read from the
    # register's ownership history: this acquisition without a resale contract shows none
    assert body["transfers"] == []
    csv_r = client.get(f"/property/my-fund/{home}/statement.csv", headers=h)
    assert csv_r.status_code == 200 and "text/csv" in csv_r.headers["content-type"]
    rows = list(csv.reader(io.StringIO(csv_r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "记账日期" and len(rows) >= len(body["lines"]) + 2
    page = client.get("/property/my-fund", headers=h)
    assert page.status_code == 200 and "我的维修资金" in page.text
    # another owner (the landlord owns nothing here) finds nothing, not even by the id
    other = auth(estates_engine, "landlord")
    assert client.get("/api/v1/property/my-fund", headers=other).json() == []
    assert client.get(f"/api/v1/property/my-fund/{home}/movements", headers=other).status_code == 404
    assert client.get(f"/api/v1/property/my-fund/{home}/statement", headers=other).status_code == 404
    assert "还没有维修资金分户账" in client.get("/property/my-fund", headers=other).text


def test_staff_pages_and_exports(estates_engine: Engine, client: TestClient) -> None:
    h = auth(estates_engine, "city")
    for level in ("district", "street", "estate"):
        r = client.get("/property/fund", params={"level": level}, headers=h)
        assert r.status_code == 200 and "住宅专项维修资金" in r.text and "年度计息" in r.text
    s = client.get("/api/v1/property/fund/summary", headers=h).json()
    assert s["total"] > 0 and sum(x["balance_fen"] for x in s["items"]) > 0
    d = client.get("/property/fund/dues", params={"status": "due"}, headers=h)
    assert d.status_code == 200 and "待交存" in d.text
    api = client.get("/api/v1/property/fund/dues", params={"status": "due", "kind": "topup"}, headers=h).json()
    assert api["total"] > 0 and {x["kind"] for x in api["items"]} == {"topup"}
    exp = client.get("/property/fund/dues.csv", params={"status": "due"}, headers=h)
    rows = list(csv.reader(io.StringIO(exp.content.decode("utf-8-sig"))))
    all_due = client.get("/api/v1/property/fund/dues", params={"status": "due"}, headers=h).json()["total"]
    assert rows[0][0] == "编号" and len(rows) == 1 + all_due + 1 and "合成数据" in rows[-1][0]
    runs = client.get("/api/v1/property/fund/interest-runs", headers=h).json()
    assert runs["total"] > 0
    # a district officer sees its own district's runs only
    district = choose_world(estates_engine).district_a
    own = client.get("/api/v1/property/fund/interest-runs", headers=auth(estates_engine, "district")).json()
    assert own["total"] > 0 and {r["district_code"] for r in own["items"]} == {district}
    # a street clerk sees only the fund of its own street
    clerk = client.get(
        "/api/v1/property/fund/summary", params={"level": "street"}, headers=auth(estates_engine, "clerk")
    )
    assert clerk.status_code == 200 and len(clerk.json()["items"]) <= 1


def test_the_interest_form_runs_a_job_and_refuses_a_year_already_run(
    estates_engine: Engine, client: TestClient
) -> None:
    h = auth(estates_engine, "city")
    with estates_engine.connect() as conn:
        run = conn.execute(select(estates_interest_runs).limit(1)).one()
        district = funds.accounts(conn, [run.fund_account_id])[0]["district_code"]
    dup = client.post("/api/v1/property/fund/interest", json={"district_code": district, "year": run.year,
                                                             "total_fen": 100}, headers=h)  # fmt: skip
    assert dup.status_code == 409
    r = client.post("/property/fund/interest", data={"district_code": district, "year": "2025", "total_yuan": "1"},
                    headers=h)  # fmt: skip
    assert r.status_code in (303, 422)
    bad = client.post("/property/fund/interest", data={"district_code": district, "year": "x", "total_yuan": "1"},
                      headers=h)  # fmt: skip
    assert bad.status_code == 422 and "年份" in bad.text


def test_the_import_page_shows_every_error_by_row_and_writes_nothing(
    estates_engine: Engine, client: TestClient
) -> None:
    h = auth(estates_engine, "city")
    with estates_engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(estates_fund_homes)).scalar_one()
    bad = b"home,area,building_type,opening_balance,opened_on\n999999999,0,tower,x,2020-13-01\n"
    r = client.post(
        "/property/fund/import", data={"batch": "P1"}, files={"file": ("h.csv", bad, "text/csv")}, headers=h
    )
    assert r.status_code == 422 and "未导入任何记录" in r.text
    for field in ("area", "building_type", "opening_balance", "opened_on", "home"):
        assert f">{field}<" in r.text
    api = client.post("/api/v1/property/fund/import", data={"batch": "P1"},
                      files={"file": ("h.csv", bad, "text/csv")}, headers=h)  # fmt: skip
    assert api.status_code == 422 and {e["row"] for e in api.json()["errors"]} == {2}
    with estates_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(estates_fund_homes)).scalar_one() == before


def _due(engine: Engine, *, inside: str | None = None, outside: str | None = None) -> Any:
    """A due still to pay, of a home in (or not in) a district."""
    d, h = estates_fund_dues, registry.homes
    q = select(d.c.id, d.c.amount_fen, h.c.district_code).join(h, h.c.id == d.c.home_id).where(d.c.status == "due")
    if inside:
        q = q.where(h.c.district_code == inside)
    if outside:
        q = q.where(h.c.district_code != outside)
    with engine.connect() as conn:
        return conn.execute(q.order_by(d.c.id).limit(1)).one()


def _status(engine: Engine, due_id: int) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(estates_fund_dues.c.status).where(estates_fund_dues.c.id == due_id)).scalar())


def test_a_due_is_paid_or_waived_from_its_page_with_a_confirmation_and_within_the_scope(
    client: TestClient, estates_engine: Engine
) -> None:
    w = choose_world(estates_engine)
    h, dh = auth(estates_engine, "city"), auth(estates_engine, "district")
    mine, theirs = _due(estates_engine, inside=w.district_a), _due(estates_engine, outside=w.district_a)
    page = client.get(f"/property/fund/dues/{mine.id}", headers=h)
    assert page.status_code == 200 and "登记到账" in page.text and "免缴" in page.text
    assert client.get(f"/property/fund/dues/{theirs.id}", headers=dh).status_code == 404  # another district's
    # no confirmation, a bad date, a short reason: refused naming the field, nothing written
    r = client.post(f"/property/fund/dues/{mine.id}/pay", data={"paid_on": clock.today().isoformat()}, headers=h)
    assert r.status_code == 422 and "请勾选确认" in r.text
    r = client.post(f"/property/fund/dues/{mine.id}/pay", data={"paid_on": "2026-13-01", "confirm": "yes"}, headers=h)
    assert r.status_code == 422 and "应为日期" in r.text
    r = client.post(f"/api/v1/property/fund/dues/{mine.id}/waive", json={"reason": "撤"}, headers=h)
    assert r.status_code == 422 and "reason" in r.text
    r = client.post(f"/api/v1/property/fund/dues/{theirs.id}/waive", json={"reason": "合同撤销"}, headers=dh)
    assert r.status_code == 403 and _status(estates_engine, theirs.id) == "due"  # the fund is the city's
    assert _status(estates_engine, mine.id) == "due"
    # paid from the page: the 分户账 is credited
    r = client.post(f"/property/fund/dues/{mine.id}/pay", data={"paid_on": clock.today().isoformat(),
                                                                "confirm": "yes"}, headers=h)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == f"/property/fund/dues/{mine.id}?done=paid"
    assert _status(estates_engine, mine.id) == "paid"
    assert "已登记到账" in client.get(r.headers["location"], headers=dh).text  # the district sees it
    r = client.post(f"/property/fund/dues/{mine.id}/waive", data={"reason": "重复", "confirm": "yes"}, headers=h)
    assert r.status_code == 409 and "只有待交存的应缴记录可以免缴" in r.text
    # waived through the API, with its reason in the audit
    r = client.post(f"/api/v1/property/fund/dues/{theirs.id}/waive", json={"reason": " 合同  撤销 "}, headers=h)
    assert r.status_code == 204 and _status(estates_engine, theirs.id) == "waived"
    with estates_engine.connect() as conn:
        detail = conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "estates.fund_waive",
                                             audit_log.c.entity_id == str(theirs.id))
        ).scalar_one()  # fmt: skip
    assert json.loads(detail) == {"reason": "合同 撤销"}


def test_the_refund_page_names_what_is_wrong_and_refunds_nothing(client: TestClient, estates_engine: Engine) -> None:
    h = auth(estates_engine, "city")
    assert "销户退还" in client.get("/property/fund/refund", headers=h).text
    r = client.post("/property/fund/refund", data={"home": "999999999"}, headers=h)
    assert r.status_code == 422 and "请勾选确认" in r.text
    r = client.post("/property/fund/refund", data={"home": "999999999", "confirm": "yes"}, headers=h)
    assert r.status_code == 422 and "楼盘表中没有该房屋" in r.text
    assert client.get("/property/fund/refund", headers=auth(estates_engine, "clerk")).status_code == 403
