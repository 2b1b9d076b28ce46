"""Resale transaction fund supervision (存量房交易资金监管, issue 18) over HTTP, on both databases: a
district's supervised account, deposits against a filed resale contract capped by the contract (refused
naming the field, the cap and the amount, nothing written), a repeated bank reference posted once, the
release to the seller when the registration feed loads the transfer, the refund on cancellation, the
verifiable log ``funds``, the pages, and the sweep finding no unbalanced journal."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from anju import funds, ledger
from anju.core.scope import Scope
from anju.funds.tables import fund_journals
from anju.security import audit_log
from anju.transactions import resale_contracts, resale_funds
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, web_session
from tests.integration import test_resale as tr
from tests.tx_builders import auth

API = "/api/v1/transactions/resale"
PRICE = tr.PRICE
env = tr.env  # the resale tests' world: an agency, a home the seeded landlord owns, the test client
load, signed_contract, transfer = tr.load, tr.signed_contract, tr.transfer
DOWN = PRICE * 4 // 10
LOAN = PRICE * 6 // 10


def journal_rows(eng: Engine) -> list[Any]:
    with eng.connect() as c:
        return list(c.execute(select(fund_journals).order_by(fund_journals.c.id)).all())


def open_account(env: dict[str, Any]) -> int:
    client, eng = env["client"], env["engine"]
    body = {"district_code": env["world"].district_a, "bank": "南京银行玄武支行", "account_no": "RS-320102-0001"}
    r = client.post(f"{API}/fund-accounts", json=body, headers=auth(eng, "district"))
    assert r.status_code == 201, r.text
    assert r.json()["district_code"] == env["world"].district_a and r.json()["held_fen"] == 0
    return int(r.json()["fund_account_id"])


def filed(env: dict[str, Any]) -> int:
    c = signed_contract(env)
    r = env["client"].post(f"{API}/contracts/{c['id']}/filing", headers=auth(env["engine"], "agency"))
    assert r.status_code == 200, r.text
    return int(c["id"])


def deposit(env: dict[str, Any], cid: int, kind: str, amount: int, ref: str) -> Any:
    body = {"kind": kind, "amount_fen": amount, "reference": ref}
    return env["client"].post(f"{API}/contracts/{cid}/deposits", json=body, headers=auth(env["engine"], "district"))


def fund(env: dict[str, Any], cid: int) -> dict[str, Any]:
    r = env["client"].get(f"{API}/contracts/{cid}/fund", headers=auth(env["engine"], "district"))
    assert r.status_code == 200, r.text
    return dict(r.json())


def session(env: dict[str, Any], who: str) -> tuple[TestClient, str]:
    token, csrf = web_session(env["engine"], who)
    return TestClient(env["client"].app, follow_redirects=False, cookies={"anju_session": token}), csrf


def sweep(eng: Engine) -> None:
    with eng.connect() as c:
        assert funds.unbalanced_journals(c) == []


def test_a_district_account_and_deposits_capped_by_the_contract_once_per_bank_reference(env: dict[str, Any]) -> None:
    client, eng = env["client"], env["engine"]
    district = auth(eng, "district")
    # only the bureau opens the account, one per district; the clerk may not
    body = {"district_code": env["world"].district_a, "bank": "南京银行", "account_no": "RS-320102-0001"}
    assert client.post(f"{API}/fund-accounts", json=body, headers=auth(eng, "clerk")).status_code == 403
    r = client.post(f"{API}/fund-accounts", json=body | {"bank": " "}, headers=district)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["bank"]
    r = client.post(f"{API}/fund-accounts", json=body | {"district_code": env["world"].district_b}, headers=district)
    assert r.status_code == 404  # another district is out of the officer's scope
    acct = open_account(env)
    r = client.post(f"{API}/fund-accounts", json=body | {"account_no": "RS-320102-0002"}, headers=district)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "district_code"
    listed = client.get(f"{API}/fund-accounts", headers=district).json()
    assert [a["fund_account_id"] for a in listed["items"]] == [acct] and listed["total"] == 1

    # a signed contract is not yet filed: no deposit
    c = signed_contract(env)
    r = deposit(env, c["id"], "down_payment", 100, "BANK-000001")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "contract_id"
    assert client.post(f"{API}/contracts/{c['id']}/filing", headers=auth(eng, "agency")).status_code == 200
    cid = int(c["id"])

    # above the contract's down payment: refused naming the field, the cap and the amount; nothing written
    r = deposit(env, cid, "down_payment", DOWN + 1, "BANK-000002")
    assert r.status_code == 422, r.text
    err = r.json()["errors"][0]
    assert err["field"] == "amount_fen"
    assert f"{DOWN / 100:,.2f}" in err["reason"] and f"{(DOWN + 1) / 100:,.2f}" in err["reason"]
    assert journal_rows(eng) == []

    # the down payment in two parts; the same bank reference again is the same journal
    first = deposit(env, cid, "down_payment", DOWN // 2, "BANK-000003")
    assert first.status_code == 201 and first.json()["replayed"] is False
    again = deposit(env, cid, "down_payment", DOWN // 2, "BANK-000003")
    assert again.status_code == 201 and again.json() == first.json() | {"replayed": True}
    r = deposit(env, cid, "down_payment", DOWN // 2 + 1, "BANK-000003")
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "reference"
    assert len(journal_rows(eng)) == 1
    assert deposit(env, cid, "down_payment", DOWN - DOWN // 2, "BANK-000004").status_code == 201
    r = deposit(env, cid, "down_payment", 1, "BANK-000005")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount_fen"
    assert deposit(env, cid, "loan", LOAN, "BANK-000006").status_code == 201
    assert deposit(env, cid, "loan", 1, "BANK-000007").status_code == 422

    pos = fund(env, cid)
    assert (pos["down_payment_fen"], pos["loan_fen"], pos["held_fen"], pos["released_fen"]) == (DOWN, LOAN, PRICE, 0)
    assert [j["reference"] for j in pos["journals"]] == ["BANK-000003", "BANK-000004", "BANK-000006"]
    listed = client.get(f"{API}/fund-accounts", headers=district).json()["items"][0]
    assert (listed["held_fen"], listed["bank_fen"]) == (PRICE, PRICE)
    with eng.connect() as conn:
        n = conn.execute(
            select(func.count()).where(audit_log.c.action == "transactions.resale_record_deposit")
        ).scalar_one()
    assert n >= 3
    sweep(eng)


def test_the_registered_transfer_releases_everything_held_to_the_seller(env: dict[str, Any]) -> None:
    eng = env["engine"]
    acct = open_account(env)
    cid = filed(env)
    assert deposit(env, cid, "down_payment", DOWN, "BANK-100001").status_code == 201
    assert deposit(env, cid, "loan", LOAN, "BANK-100002").status_code == 201
    # the registration feed loads the transfer to the buyer: the contract completes and the money goes
    load(env, "t1.csv", [transfer("R1", env["code"], (CITIZEN_ID, CITIZEN_NAME))])
    pos = fund(env, cid)
    assert (pos["held_fen"], pos["released_fen"], pos["refunded_fen"]) == (0, PRICE, 0)
    assert [j["kind"] for j in pos["journals"]] == ["down_payment", "loan", "release"]
    with eng.connect() as c:
        bal = funds.balances(c, [acct])[acct]
        assert (bal["bank"], bal["released"], bal["held"]) == (0, PRICE, -PRICE)
        for r in c.execute(select(fund_journals).order_by(fund_journals.c.id)):
            entry = json.loads(ledger.entry(c, "funds", int(r.ledger_index)).data)
            assert entry["journal"] == r.id and entry["type"] == f"transactions.resale.{r.kind}"
            assert entry["subject"] == f"contract:{cid}" and entry["amount_fen"] == int(r.amount_fen)
    # a contract is settled once: the hook again (a replayed load) posts nothing
    with eng.begin() as c:
        assert resale_funds.on_registered_many(c, {cid: 1}) == []
    assert [r.kind for r in journal_rows(eng)] == ["down_payment", "loan", "release"]
    # no more deposits once registered
    r = deposit(env, cid, "loan", 1, "BANK-100003")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "contract_id"
    sweep(eng)


def test_a_cancellation_hook_after_the_release_refunds_nothing(env: dict[str, Any]) -> None:
    # A cancellation that read the contract as filed just before the registration feed released it
    # must not refund the money again: what is held is deposits − releases − refunds, not the ``held``
    # ledger balance (a release does not post on ``held``), and a settled release stops the refund.
    eng = env["engine"]
    open_account(env)
    cid = filed(env)
    assert deposit(env, cid, "down_payment", DOWN, "BANK-300001").status_code == 201
    load(env, "t1.csv", [transfer("R1", env["code"], (CITIZEN_ID, CITIZEN_NAME))])
    with eng.begin() as c:
        row = c.execute(select(resale_contracts).where(resale_contracts.c.id == cid)).one()
        resale_funds.on_cancelled(c, row, was_filed=True)
    pos = fund(env, cid)
    assert (pos["held_fen"], pos["released_fen"], pos["refunded_fen"]) == (0, DOWN, 0)
    assert [r.kind for r in journal_rows(eng)] == ["down_payment", "release"]
    sweep(eng)


def test_cancellation_refunds_what_was_held_and_a_contract_with_nothing_held_posts_nothing(
    env: dict[str, Any],
) -> None:
    client, eng = env["client"], env["engine"]
    acct = open_account(env)
    cid = filed(env)
    assert deposit(env, cid, "down_payment", DOWN, "BANK-200001").status_code == 201
    r = client.post(f"{API}/contracts/{cid}/cancellation", json={"reason": "双方解除"}, headers=auth(eng, "district"))
    assert r.status_code == 204
    pos = fund(env, cid)
    assert (pos["deposited_fen"], pos["held_fen"], pos["released_fen"], pos["refunded_fen"]) == (DOWN, 0, 0, DOWN)
    assert [j["kind"] for j in pos["journals"]] == ["down_payment", "refund"]
    with eng.connect() as c:
        assert funds.balances(c, [acct])[acct]["bank"] == 0
    # a second contract of the home, filed and cancelled with nothing paid in: no journal
    before = len(journal_rows(eng))
    cid2 = filed(env)
    r = client.post(f"{API}/contracts/{cid2}/cancellation", json={"reason": "未付款"}, headers=auth(eng, "district"))
    assert r.status_code == 204
    assert len(journal_rows(eng)) == before and fund(env, cid2)["refunded_fen"] == 0
    sweep(eng)


def test_the_staff_page_shows_the_fund_and_takes_deposits_and_the_parties_see_theirs(env: dict[str, Any]) -> None:
    eng = env["engine"]
    open_account(env)
    cid = filed(env)
    page = f"/transactions/staff/resale/{cid}"
    staff, csrf = session(env, "district")
    r = staff.get(page)
    assert r.status_code == 200 and "交易资金监管" in r.text and "登记入账" in r.text
    clerk, _ = session(env, "clerk")
    assert "登记入账" not in clerk.get(page).text  # read only
    form = {"kind": "down_payment", "amount_yuan": f"{(DOWN + 100) / 100:.2f}", "reference": "BANK-300001",
            "csrf_token": csrf}  # fmt: skip
    r = staff.post(f"{page}/deposits", data=form)
    assert r.status_code == 422 and "本次" in r.text and 'class="error"' in r.text
    assert journal_rows(eng) == []
    r = staff.post(f"{page}/deposits", data=form | {"amount_yuan": f"{DOWN / 100:.2f}"})
    assert r.status_code == 303, r.text
    assert f"{DOWN / 100:,.2f}" in staff.get(page).text
    buyer, _ = session(env, "citizen")
    mine = buyer.get("/transactions/resale/me")
    assert mine.status_code == 200 and "交易资金监管" in mine.text and f"{DOWN / 100:,.2f}" in mine.text
    sweep(eng)


def test_the_district_accounts_page_lists_and_opens_accounts_with_errors_beside_the_fields(
    env: dict[str, Any],
) -> None:
    eng = env["engine"]
    district = env["world"].district_a
    staff, csrf = session(env, "district")
    page = "/transactions/staff/resale-funds"
    r = staff.get(page)
    assert r.status_code == 200 and "还没有开立存量房交易资金监管账户" in r.text and "开立区监管账户" in r.text
    bad = staff.post(page, data={"district_code": district, "bank": "南", "account_no": "x", "csrf_token": csrf})
    assert bad.status_code == 422 and 'class="error"' in bad.text and "开户银行" in bad.text
    assert staff.post(page, data={"district_code": "", "bank": "南京银行", "account_no": "RS-1", "csrf_token": csrf}
                      ).status_code == 422  # fmt: skip
    with eng.connect() as c:
        assert funds.account_ids(c, Scope.whole_city(), "resale") == []  # nothing opened by the refusals
    form = {"district_code": district, "bank": "南京银行玄武支行", "account_no": "RS-320102-0009", "csrf_token": csrf}
    r = staff.post(page, data=form)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=opened", r.text
    listed = staff.get(r.headers["location"])
    assert "监管账户已开立" in listed.text and "RS-320102-0009" in listed.text
    again = staff.post(page, data=form | {"account_no": "RS-320102-0010"})
    assert again.status_code == 409 and "已开立" in again.text  # one account per district
    clerk, _ = session(env, "clerk")
    seen = clerk.get(page)
    assert seen.status_code == 200 and "开立区监管账户" not in seen.text  # read only


def test_the_district_accounts_reconcile_daily_on_the_page_the_csv_and_the_command_line(
    env: dict[str, Any], settings_for: Any, monkeypatch: Any
) -> None:
    """The presale report's mechanism for the district accounts: the list's 今日对账 column, the CSV for
    staff in scope (formula cells quoted) and ``anju transactions resale-reconciliation`` (exit 1 while
    the bank's line is missing, 0 once imported)."""
    import csv
    import io

    from click.testing import CliRunner

    from anju.cli import main
    from anju.core import clock

    client, eng = env["client"], env["engine"]
    w, district = env["world"], auth(eng, "district")
    acct = open_account(env)
    cid = filed(env)
    assert deposit(env, cid, "down_payment", DOWN, "BANK-REC-01").status_code == 201
    staff, _ = session(env, "district")
    page = "/transactions/staff/resale-funds"
    shown = staff.get(page).text
    assert "不符" in shown and f"{page}/reconciliation.csv" in shown
    r = staff.get(f"{page}/reconciliation.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    [row] = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert (row["fund_account_id"], row["district_code"]) == (str(acct), w.district_a)
    assert row["account_no"] == "RS-320102-0001"
    figures = (row["platform_in"], row["bank_balance"], row["difference"], row["balanced"])
    assert figures == (str(DOWN), "0", str(DOWN), "0")
    assert row["date"] == clock.today().isoformat()
    r = staff.get(f"{page}/reconciliation.csv", params={"district": w.district_b})
    assert list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))) == []
    # the command line, for the whole city: exit 1 while the bank's line is missing
    settings = settings_for(eng)
    for name in ("database_url", "data_dir", "data_keys", "index_key", "environment"):
        value = getattr(settings, name)
        value = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        monkeypatch.setenv(f"ANJU_{name.upper()}", str(value))
    path = f"{settings.data_dir}/resale-reconciliation.csv"
    out = CliRunner().invoke(main, ["transactions", "resale-reconciliation", "--csv", path])
    assert out.exit_code == 1 and f"不平：账户 {acct}" in out.output and "存量房交易资金对账" in out.output, out.output
    with open(path, encoding="utf-8-sig") as f:
        assert list(csv.DictReader(f)) == [row]
    # the bank's statement line arrives (a clerk may not import it; another district's officer may not)
    line = f"date,amount_fen,direction,reference\n{clock.today()},{DOWN},in,BANK-REC-01\n"
    assert client.post(f"{API}/fund-accounts/{acct}/bank-lines", json={"csv": line},
                       headers=auth(eng, "clerk")).status_code == 403  # fmt: skip
    r = client.post(f"{API}/fund-accounts/{acct}/bank-lines", json={"csv": line}, headers=district)
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    [row] = list(csv.DictReader(io.StringIO(staff.get(f"{page}/reconciliation.csv").content.decode("utf-8-sig"))))
    assert (row["bank_in"], row["difference"], row["balanced"]) == (str(DOWN), "0", "1")
    assert client.get(f"{API}/fund-accounts", headers=district).json()["items"][0]["balanced"] is True
    out = CliRunner().invoke(main, ["transactions", "resale-reconciliation", "--district", w.district_a])
    assert out.exit_code == 0 and "0 个不平" in out.output, out.output
