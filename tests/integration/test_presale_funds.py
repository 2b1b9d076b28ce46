"""Presale fund supervision (预售资金监管) over HTTP, on both databases: a project's supervised account,
deposits against a filed contract (never above the contract), releases capped by the construction
milestone reached with the retained key amount (重点监管额度) held to the last milestone, a refund when
the filing is cancelled, the verifiable log and the daily reconciliation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from anju import funds, ledger
from anju.app import create_app
from anju.core import clock
from anju.funds.tables import fund_journals
from anju.security import audit_log
from tests import tx_builders as tb
from tests.accounts import choose_world
from tests.tx_builders import auth

API = "/api/v1/transactions"
T = tb.TOTAL_FEN
DOWN = T - T * 7 // 10
LOAN = T * 7 // 10


@pytest.fixture
def client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def filed_contract(client: httpx.Client, engine: Engine, home: int) -> dict[str, Any]:
    """A contract of ``home`` drafted, signed by both and filed (a test client or a live server's)."""
    dev, buyer = auth(engine, "agency"), auth(engine, "citizen")
    r = client.post(f"{API}/contracts", json=tb.contract_body(home), headers=dev)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert client.post(f"{API}/contracts/{cid}/buyer-signature", headers=buyer).status_code == 200
    assert client.post(f"{API}/contracts/{cid}/developer-signature", headers=dev).status_code == 200
    r = client.post(f"{API}/contracts/{cid}/filing", headers=dev)
    assert r.status_code == 200, r.text
    return dict(r.json())


def journals_count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(fund_journals)).scalar_one())


@pytest.fixture
def project(client: TestClient, city_engine: Engine) -> dict[str, Any]:
    """A project of four homes (filed prices 4 × T, so 重点监管额度 5 % = 0.2 T), its account, one filed contract."""
    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1, homes=4)
    city = auth(city_engine, "city")
    r = client.post(f"{API}/projects/{sale.project}/fund-account", json={"bank": "测试银行", "account_no": "62220001"},
                    headers=city)  # fmt: skip
    assert r.status_code == 201, r.text
    acct = r.json()
    assert (acct["filed_total_fen"], acct["retained_fen"], acct["cap_fen"]) == (4 * T, 4 * T * 5 // 100, 0)
    body = {"bank": "测试银行", "account_no": "62220002"}
    again = client.post(f"{API}/projects/{sale.project}/fund-account", json=body, headers=city)
    assert again.status_code == 409
    contract = filed_contract(client, city_engine, sale.site.homes[0])
    return {"sale": sale, "account": acct["fund_account_id"], "contract": contract, "city": city}


def deposit(client: TestClient, p: dict[str, Any], kind: str, amount: int, ref: str) -> Any:
    body = {"contract_id": p["contract"]["id"], "kind": kind, "amount_fen": amount, "reference": ref}
    return client.post(f"{API}/fund-accounts/{p['account']}/deposits", json=body, headers=p["city"])


def test_deposits_never_exceed_the_contract_and_releases_follow_the_milestones(
    client: TestClient, city_engine: Engine, project: dict[str, Any]
) -> None:
    p, acct, city = project, project["account"], project["city"]
    other = auth(city_engine, "district")
    assert deposit(client, p, "down_payment", DOWN, "BANK-000001").status_code == 201
    replay = deposit(client, p, "down_payment", DOWN, "BANK-000001")
    assert replay.status_code == 201 and replay.json()["replayed"]
    n = journals_count(city_engine)
    r = deposit(client, p, "down_payment", 1, "BANK-000002")  # the down payment is in full already
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount_fen" and "本次最多" in r.text
    r = deposit(client, p, "loan", LOAN + 1, "BANK-000003")
    assert r.status_code == 422 and "按揭贷款" in r.text
    assert journals_count(city_engine) == n  # nothing written
    assert deposit(client, p, "loan", LOAN, "BANK-000004").status_code == 201
    pos = client.get(f"{API}/fund-accounts/{acct}", headers=city).json()
    assert (pos["deposited_fen"], pos["bank_fen"], pos["released_fen"]) == (T, T, 0)

    # before any milestone nothing is releasable
    r = client.post(f"{API}/fund-accounts/{acct}/releases", json={"amount_fen": 1}, headers=city)
    assert r.status_code == 422 and "主体结构封顶" in r.text
    today = clock.today().isoformat()
    r = client.post(f"{API}/fund-accounts/{acct}/milestones", json={"milestone": "completed", "reached_on": today},
                    headers=city)  # fmt: skip
    assert r.status_code == 422 and "主体结构封顶" in r.text  # milestones in order
    r = client.post(f"{API}/fund-accounts/{acct}/milestones", json={"milestone": "topped_out", "reached_on": today},
                    headers=city)  # fmt: skip
    assert r.status_code == 201 and r.json()["cap_fen"] == T * 50 // 100
    half = T * 50 // 100
    r = client.post(f"{API}/fund-accounts/{acct}/releases", json={"amount_fen": half + 1}, headers=city)
    assert r.status_code == 422
    msg = r.json()["errors"][0]["reason"]
    assert "主体结构封顶" in msg and f"{half / 100:,.2f}" in msg and f"{(half + 1) / 100:,.2f}" in msg
    rid = client.post(f"{API}/fund-accounts/{acct}/releases", json={"amount_fen": half}, headers=city).json()["id"]
    # a second request while the first waits would exceed the cap too
    assert client.post(f"{API}/fund-accounts/{acct}/releases", json={"amount_fen": 1}, headers=city).status_code == 422
    r = client.post(f"{API}/fund-accounts/{acct}/releases/{rid}/approval", headers=city)
    assert r.status_code == 422 and "另一名" in r.text  # four eyes
    r = client.post(f"{API}/fund-accounts/{acct}/releases/{rid}/approval", headers=other)
    assert r.status_code == 201, r.text
    assert client.post(f"{API}/fund-accounts/{acct}/releases/{rid}/approval", headers=other).status_code == 409

    # 竣工验收: 85 % of T, but the retained key amount (0.2 T of the project) stays: the cap is 0.8 T
    r = client.post(f"{API}/fund-accounts/{acct}/milestones", json={"milestone": "completed", "reached_on": today},
                    headers=city)  # fmt: skip
    retained = 4 * T * 5 // 100
    pos = r.json()
    assert pos["cap_fen"] == T - retained < T * 85 // 100 and pos["available_fen"] == T - retained - half
    r = client.post(f"{API}/fund-accounts/{acct}/releases", json={"amount_fen": T * 85 // 100 - half}, headers=city)
    assert r.status_code == 422 and "竣工验收" in r.text and "重点监管额度" in r.text
    rid = client.post(f"{API}/fund-accounts/{acct}/releases", json={"amount_fen": T - retained - half},
                      headers=city).json()["id"]  # fmt: skip
    assert client.post(f"{API}/fund-accounts/{acct}/releases/{rid}/approval", headers=other).status_code == 201
    # 首次登记: everything, the retained key amount included
    r = client.post(f"{API}/fund-accounts/{acct}/milestones",
                    json={"milestone": "first_registration", "reached_on": today}, headers=city)  # fmt: skip
    assert r.json()["available_fen"] == retained
    rid = client.post(f"{API}/fund-accounts/{acct}/releases", json={"amount_fen": retained}, headers=city).json()["id"]
    assert client.post(f"{API}/fund-accounts/{acct}/releases/{rid}/approval", headers=other).status_code == 201
    pos = client.get(f"{API}/fund-accounts/{acct}", headers=city).json()
    assert (pos["deposited_fen"], pos["released_fen"], pos["bank_fen"], pos["available_fen"]) == (T, T, 0, 0)

    # every journal is in the log "funds", balanced, and audited
    with city_engine.connect() as c:
        rows = c.execute(select(fund_journals).order_by(fund_journals.c.id)).all()
        assert [r.kind for r in rows] == ["down_payment", "loan", "release", "release", "release"]
        for r in rows:
            entry = json.loads(ledger.entry(c, "funds", int(r.ledger_index)).data)
            assert entry["journal"] == r.id and entry["type"] == f"transactions.presale.{r.kind}"
            assert entry["amount_fen"] == int(r.amount_fen)
        assert funds.unbalanced_journals(c) == []
        actions = set(c.execute(select(audit_log.c.action)).scalars())
    assert {"transactions.record_deposit", "transactions.record_milestone", "transactions.request_release",
            "transactions.approve_release", "transactions.open_fund_account"} <= actions  # fmt: skip


def test_cancelling_the_filing_refunds_what_the_contract_deposited_and_the_day_reconciles(
    client: TestClient, city_engine: Engine, project: dict[str, Any]
) -> None:
    p, acct, city = project, project["account"], project["city"]
    assert deposit(client, p, "down_payment", DOWN, "BANK-000011").status_code == 201
    cid = p["contract"]["id"]
    r = client.post(f"{API}/contracts/{cid}/cancellation", json={"reason": "买受人解除合同"}, headers=city)
    assert r.status_code == 204, r.text
    pos = client.get(f"{API}/fund-accounts/{acct}", headers=city).json()
    assert (pos["deposited_fen"], pos["bank_fen"]) == (0, 0)
    page = client.get(f"{API}/fund-accounts/{acct}/journals", headers=city).json()
    assert [(j["kind"], j["amount_fen"], j["subject"]) for j in page["items"]] == [
        ("down_payment", DOWN, f"contract:{cid}"),
        ("refund", DOWN, f"contract:{cid}"),
    ]
    # a cancelled contract takes no more deposits
    r = deposit(client, p, "loan", 1, "BANK-000012")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "contract_id"

    # the day's reconciliation: the bank has only the payment in so far
    today = clock.today().isoformat()
    lines = f"date,amount_fen,direction,reference\n{today},{DOWN},in,BANK-000011\n"
    r = client.post(f"{API}/fund-accounts/{acct}/bank-lines", json={"csv": lines}, headers=city)
    assert r.status_code == 200 and r.json()["imported"] == 1
    rec = client.get(f"{API}/fund-accounts/{acct}/reconciliation", headers=city).json()
    assert not rec["balanced"] and rec["trial_balance_fen"] == 0
    assert rec["differences"] == [
        {"reference": f"presale-refund:{cid}", "direction": "out", "platform_fen": DOWN, "bank_fen": None}
    ]
    lines = f"date,amount_fen,direction,reference\n{today},{DOWN},out,presale-refund:{cid}\n"
    client.post(f"{API}/fund-accounts/{acct}/bank-lines", json={"csv": lines}, headers=city)
    rec = client.get(f"{API}/fund-accounts/{acct}/reconciliation", headers=city).json()
    assert rec["balanced"] and (rec["platform_in"], rec["bank_out"]) == (DOWN, DOWN)
    listed = client.get(f"{API}/fund-accounts", headers=city).json()
    assert [(i["fund_account_id"], i["balanced"]) for i in listed["items"]] == [(acct, True)]


def test_accounts_are_scoped_by_district(client: TestClient, city_engine: Engine, project: dict[str, Any]) -> None:
    w = choose_world(city_engine)
    acct = project["account"]
    district = auth(city_engine, "district")
    assert client.get(f"{API}/fund-accounts/{acct}", headers=district).status_code == 200
    listed = client.get(f"{API}/fund-accounts", params={"district": w.district_b}, headers=project["city"]).json()
    assert listed["total"] == 0
    listed = client.get(f"{API}/fund-accounts", params={"district": w.district_a}, headers=project["city"]).json()
    assert [i["fund_account_id"] for i in listed["items"]] == [acct]
    r = client.post(
        f"{API}/fund-accounts/{acct}/releases", json={"amount_fen": 1}, headers=auth(city_engine, "citizen")
    )
    assert r.status_code == 403


def test_the_developer_sees_only_its_own_projects_accounts(
    client: TestClient, city_engine: Engine, project: dict[str, Any]
) -> None:
    """The developer's staff read their project's account (balance, deposits, releases, retained amount,
    milestone reached) on the API and the pages, where the one form is their release application;
    another developer's account is a 404."""
    from stdnum.cn import uscc

    from anju.transactions import sale_projects
    from tests.accounts import web_session

    acct, dev = project["account"], auth(city_engine, "agency")
    assert deposit(client, project, "down_payment", DOWN, "B-DEV-1").status_code == 201
    today = clock.today().isoformat()
    body = {"milestone": "topped_out", "reached_on": today}
    assert client.post(f"{API}/fund-accounts/{acct}/milestones", json=body, headers=project["city"]).status_code == 201
    listed = client.get(f"{API}/sales/fund-accounts", headers=dev).json()
    assert [(i["fund_account_id"], i["deposited_fen"], i["bank_fen"]) for i in listed["items"]] == [(acct, DOWN, DOWN)]
    pos = client.get(f"{API}/sales/fund-accounts/{acct}", headers=dev).json()
    assert (pos["deposited_fen"], pos["released_fen"], pos["retained_fen"]) == (DOWN, 0, 4 * T * 5 // 100)
    assert pos["milestone"] == "topped_out"
    token, _ = web_session(city_engine, "agency")
    page = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    r = page.get("/transactions/sales/funds")
    assert r.status_code == 200 and f"/transactions/sales/funds/{acct}" in r.text and "62220001" in r.text
    r = page.get(f"/transactions/sales/funds/{acct}")
    assert r.status_code == 200 and "重点监管额度" in r.text and "主体结构封顶" in r.text
    main = r.text.split("<main", 1)[-1]
    assert f"{DOWN / 100:,.2f}" in r.text and main.count("<form") == 1  # only the release application
    assert f'action="/transactions/sales/funds/{acct}/releases"' in main and "/deposits" not in main
    # a buyer or a clerk is not the developer's staff
    assert client.get(f"{API}/sales/fund-accounts/{acct}", headers=auth(city_engine, "citizen")).status_code == 403
    # the project passes to another developer: its account is no longer theirs (404, nothing listed)
    code = "91320100MA1X2Y3Q5" + uscc.calc_check_digit("91320100MA1X2Y3Q5")
    theirs = tb.developer_body(choose_world(city_engine).street_s1, credit_code=code, name="他家置业")
    other = client.post(f"{API}/developers", json=theirs, headers=project["city"])
    assert other.status_code == 201, other.text
    with city_engine.begin() as c:
        mine = sale_projects.update().where(sale_projects.c.id == project["sale"].project)
        c.execute(mine.values(developer_id=other.json()["id"]))
    assert client.get(f"{API}/sales/fund-accounts/{acct}", headers=dev).status_code == 404
    assert client.get(f"{API}/sales/fund-accounts", headers=dev).json()["total"] == 0
    assert page.get(f"/transactions/sales/funds/{acct}").status_code == 404


def test_the_reconciliation_csv_from_the_page_and_the_command_line(
    client: TestClient, city_engine: Engine, settings_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day's figures of the list page as CSV (page and ``anju transactions presale-reconciliation``):
    a bank name a spreadsheet would read as a formula is quoted; an imbalance exits 1."""
    import csv
    import io

    from click.testing import CliRunner

    from anju.cli import main
    from tests.accounts import web_session

    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1, homes=2)
    city = auth(city_engine, "city")
    body = {"bank": '=HYPERLINK("http://x")', "account_no": "62229901"}
    r = client.post(f"{API}/projects/{sale.project}/fund-account", json=body, headers=city)
    assert r.status_code == 201, r.text
    acct = r.json()["fund_account_id"]
    contract = filed_contract(client, city_engine, sale.site.homes[0])
    dep = {"contract_id": contract["id"], "kind": "down_payment", "amount_fen": DOWN, "reference": "B-CSV-1"}
    assert client.post(f"{API}/fund-accounts/{acct}/deposits", json=dep, headers=city).status_code == 201
    token, _ = web_session(city_engine, "district")
    page = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    assert "/transactions/staff/funds/reconciliation.csv" in page.get("/transactions/staff/funds").text
    r = page.get("/transactions/staff/funds/reconciliation.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    mine = [x for x in rows if x["fund_account_id"] == str(acct)]
    assert len(mine) == 1
    row = mine[0]
    assert row["bank"] == '\'=HYPERLINK("http://x")'  # neutralised: shown as text, not evaluated
    # the bank has sent no statement line: the platform's deposit is not matched, the day does not balance
    assert (row["platform_in"], row["platform_balance"], row["bank_balance"]) == (str(DOWN), str(DOWN), "0")
    assert (row["difference"], row["balanced"], row["date"]) == (str(DOWN), "0", clock.today().isoformat())
    # the same figures as the list page
    listed = client.get(f"{API}/fund-accounts", headers=city).json()["items"]
    assert [i["balanced"] for i in listed if i["fund_account_id"] == acct] == [False]
    # another district: no rows
    r = page.get("/transactions/staff/funds/reconciliation.csv", params={"district": w.district_b})
    assert [x for x in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))] == []
    # the command line writes the same report for the whole city and exits 1 on the imbalance
    settings = settings_for(city_engine)
    for name in ("database_url", "data_dir", "data_keys", "index_key", "environment"):
        value = getattr(settings, name)
        value = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        monkeypatch.setenv(f"ANJU_{name.upper()}", str(value))
    path = f"{settings.data_dir}/presale-reconciliation.csv"
    r = CliRunner().invoke(main, ["transactions", "presale-reconciliation", "--csv", path])
    assert r.exit_code == 1, r.output
    assert f"不平：账户 {acct}" in r.output and "个不平" in r.output
    with open(path, encoding="utf-8-sig") as f:
        cli_rows = [x for x in csv.DictReader(f) if x["fund_account_id"] == str(acct)]
    assert cli_rows == mine
    # the bank's line arrives: the day balances, on the page's CSV and for the command line (exit 0)
    line = f"date,amount_fen,direction,reference\n{clock.today()},{DOWN},in,B-CSV-1\n"
    assert client.post(f"{API}/fund-accounts/{acct}/bank-lines", json={"csv": line}, headers=city).status_code == 200
    r = page.get("/transactions/staff/funds/reconciliation.csv")
    [row] = [x for x in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))) if x["fund_account_id"] == str(acct)]
    assert (row["bank_in"], row["bank_balance"], row["difference"], row["balanced"]) == (str(DOWN), str(DOWN), "0", "1")
    r = CliRunner().invoke(main, ["transactions", "presale-reconciliation", "--district", w.district_a])
    assert r.exit_code == 0 and "0 个不平" in r.output, r.output


def test_the_pages_list_open_deposit_and_release_with_a_confirmation(
    client: TestClient, city_engine: Engine, project: dict[str, Any]
) -> None:
    from tests.accounts import web_session

    w = choose_world(city_engine)
    acct, cid = project["account"], project["contract"]["id"]
    token, csrf = web_session(city_engine, "city")
    city = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    r = city.get("/transactions/staff/funds", params={"district": w.district_a})
    assert r.status_code == 200 and "测试银行" in r.text and f"/transactions/staff/funds/{acct}" in r.text
    assert "测试银行" not in city.get("/transactions/staff/funds", params={"district": w.district_b}).text
    # opening a second account for the same project: the list again with the reason
    r = city.post("/transactions/staff/funds", data={"csrf_token": csrf, "project_id": str(project["sale"].project),
                                                     "bank": "测试银行", "account_no": "62220077"})  # fmt: skip
    assert r.status_code == 409 and "已开立" in r.text
    base = f"/transactions/staff/funds/{acct}"
    form = {"csrf_token": csrf, "contract_id": str(cid), "kind": "down_payment", "reference": "BANK-PAGE-1"}
    r = city.post(f"{base}/deposits", data=form | {"amount_yuan": f"{(DOWN + 1) / 100:.2f}"})
    assert r.status_code == 422 and "本次最多" in r.text
    r = city.post(f"{base}/deposits", data=form | {"amount_yuan": f"{DOWN / 100:.2f}"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=deposit")
    today = clock.today().isoformat()
    r = city.post(f"{base}/milestones", data={"csrf_token": csrf, "milestone": "topped_out", "reached_on": today})
    assert r.status_code == 303
    cap = min(DOWN * 50 // 100, DOWN - 4 * T * 5 // 100)  # the retained key amount binds here
    r = city.post(f"{base}/releases", data={"csrf_token": csrf, "amount_yuan": f"{(cap + 1) / 100:.2f}"})
    assert r.status_code == 422 and "主体结构封顶" in r.text and "重点监管额度" in r.text
    r = city.post(f"{base}/releases", data={"csrf_token": csrf, "amount_yuan": f"{cap / 100:.2f}"})
    assert r.status_code == 303
    page = city.get(base).text
    assert "主体结构封顶" in page and "BANK-PAGE-1" in page and "待审批" in page
    rid = client.get(f"{API}/fund-accounts/{acct}/releases", headers=project["city"]).json()["items"][0]["id"]
    token, csrf2 = web_session(city_engine, "district")
    district = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    assert "待审批的预售资金拨付</span><b>1</b>" in district.get("/").text  # the officer's workbench
    r = district.get(f"{base}/releases/{rid}/approve")
    assert r.status_code == 200 and "确认拨付" in r.text
    n = journals_count(city_engine)
    assert district.post(f"{base}/releases/{rid}/approve", data={"csrf_token": csrf2}).status_code == 422
    assert journals_count(city_engine) == n  # the confirmation page and an unconfirmed post write nothing
    r = district.post(f"{base}/releases/{rid}/approve", data={"csrf_token": csrf2, "confirmed": "1"})
    assert r.status_code == 303 and journals_count(city_engine) == n + 1
    assert "已拨付" in district.get(r.headers["location"]).text
    assert district.get(f"{base}/releases/{rid}/approve").status_code == 409  # handled: no confirmation again
    assert '待审批的预售资金拨付</span><span class="none">无' in district.get("/").text
    # a clerk reads the statement but gets no forms
    token, _ = web_session(city_engine, "clerk")
    clerk = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    r = clerk.get(base)
    assert r.status_code == 200 and "/deposits" not in r.text and '/releases"' not in r.text


def releases_count(engine: Engine) -> int:
    from anju.transactions.tables import presale_releases

    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(presale_releases)).scalar_one())


def test_the_developer_applies_for_a_release_and_an_officer_in_scope_decides(
    client: TestClient, city_engine: Engine, project: dict[str, Any]
) -> None:
    """The developer's staff request a release from their own account (API and page, with a confirmation
    page); the cap refuses too much with the milestone, cap, released, pending and retained amount; an
    officer approves (the requester is not an officer: four eyes hold) or rejects; the developer sees
    the states, never the officers' names, and can decide nothing."""
    from tests.accounts import web_session

    acct, city, dev = project["account"], project["city"], auth(city_engine, "agency")
    district = auth(city_engine, "district")
    base = f"{API}/sales/fund-accounts/{acct}/releases"
    assert deposit(client, project, "down_payment", DOWN, "B-APPLY-1").status_code == 201
    assert deposit(client, project, "loan", LOAN, "B-APPLY-2").status_code == 201
    r = client.post(base, json={"amount_fen": 1}, headers=dev)  # no milestone reached yet
    assert r.status_code == 422 and "主体结构封顶" in r.text
    today = clock.today().isoformat()
    body = {"milestone": "topped_out", "reached_on": today}
    assert client.post(f"{API}/fund-accounts/{acct}/milestones", json=body, headers=city).status_code == 201
    half, retained = T * 50 // 100, 4 * T * 5 // 100
    n = releases_count(city_engine)
    r = client.post(base, json={"amount_fen": half + 1}, headers=dev)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount_fen"
    msg = r.json()["errors"][0]["reason"]
    parts = ("主体结构封顶", f"{half / 100:,.2f}", "已拨付 0.00", "待审批 0.00", f"重点监管额度 {retained / 100:,.2f}")
    for part in parts:
        assert part in msg, msg
    assert releases_count(city_engine) == n  # nothing written
    r = client.post(base, json={"amount_fen": half - 100}, headers=dev)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    r = client.post(base, json={"amount_fen": 101}, headers=dev)  # pending counts: 100 fen remain
    assert r.status_code == 422 and f"待审批 {(half - 100) / 100:,.2f}" in r.text
    mine = client.get(base, headers=dev).json()["items"]
    assert [(x["id"], x["status"], x["by_developer"]) for x in mine] == [(rid, "requested", True)]
    assert "requested_by" not in mine[0] and "decided_by" not in mine[0]
    staff = client.get(f"{API}/fund-accounts/{acct}/releases", headers=city).json()["items"]
    assert (staff[0]["id"], staff[0]["by_developer"]) == (rid, True)
    # the developer decides nothing
    assert client.post(f"{API}/fund-accounts/{acct}/releases/{rid}/approval", headers=dev).status_code == 403
    assert client.post(f"{API}/fund-accounts/{acct}/releases/{rid}/rejection", headers=dev).status_code == 403
    # an officer in scope approves: the journal is posted, the developer sees it approved
    r = client.post(f"{API}/fund-accounts/{acct}/releases/{rid}/approval", headers=district)
    assert r.status_code == 201, r.text
    assert [x["status"] for x in client.get(base, headers=dev).json()["items"]] == ["approved"]
    pos = client.get(f"{API}/sales/fund-accounts/{acct}", headers=dev).json()
    assert (pos["released_fen"], pos["available_fen"]) == (half - 100, 100)

    # the page: the form, the confirmation page (nothing written), then the request; an officer rejects
    token, csrf = web_session(city_engine, "agency")
    page = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    fund = f"/transactions/sales/funds/{acct}"
    assert 'name="amount_yuan"' in page.get(fund).text
    n = releases_count(city_engine)
    r = page.post(f"{fund}/releases", data={"csrf_token": csrf, "amount_yuan": "1.01"})
    assert r.status_code == 422 and "本次最多 1.00" in r.text and "重点监管额度" in r.text
    r = page.post(f"{fund}/releases", data={"csrf_token": csrf, "amount_yuan": "1.00"})
    assert r.status_code == 200 and "确认拨付申请" in r.text and 'name="confirmed" value="1"' in r.text
    assert releases_count(city_engine) == n
    r = page.post(f"{fund}/releases", data={"csrf_token": csrf, "amount_yuan": "1.00", "confirmed": "1"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=requested")
    assert releases_count(city_engine) == n + 1
    shown = page.get(r.headers["location"]).text
    assert "拨付申请已提交" in shown and "待审批" in shown and "本企业" in shown
    rid2 = client.get(base, headers=dev).json()["items"][0]["id"]
    assert client.post(f"{API}/fund-accounts/{acct}/releases/{rid2}/rejection", headers=city).status_code == 204
    assert [x["status"] for x in client.get(base, headers=dev).json()["items"]] == ["rejected", "approved"]
    with city_engine.connect() as c:
        actions = list(c.execute(select(audit_log.c.action).where(
            audit_log.c.action == "transactions.developer_request_release", audit_log.c.outcome == "ok"
        )).scalars())  # fmt: skip
    assert len(actions) == 2


def test_a_developer_never_reaches_another_developers_account(
    client: TestClient, city_engine: Engine, project: dict[str, Any]
) -> None:
    """Once the project is another developer's, its account is out of this developer's scope: the list
    is empty, reading, listing releases and requesting (API and page) are 404, and nothing is written."""
    from stdnum.cn import uscc

    from anju.transactions import sale_projects
    from tests.accounts import web_session

    acct, dev = project["account"], auth(city_engine, "agency")
    assert deposit(client, project, "down_payment", DOWN, "B-OTHER-1").status_code == 201
    body = {"milestone": "topped_out", "reached_on": clock.today().isoformat()}
    assert client.post(f"{API}/fund-accounts/{acct}/milestones", json=body, headers=project["city"]).status_code == 201
    code = "91320100MA1X2Y3Q5" + uscc.calc_check_digit("91320100MA1X2Y3Q5")
    theirs = tb.developer_body(choose_world(city_engine).street_s1, credit_code=code, name="他家置业")
    other = client.post(f"{API}/developers", json=theirs, headers=project["city"])
    assert other.status_code == 201, other.text
    with city_engine.begin() as c:
        c.execute(sale_projects.update().where(sale_projects.c.id == project["sale"].project)
                  .values(developer_id=other.json()["id"]))  # fmt: skip
    n = releases_count(city_engine)
    assert client.get(f"{API}/sales/fund-accounts", headers=dev).json()["total"] == 0
    assert client.get(f"{API}/sales/fund-accounts/{acct}", headers=dev).status_code == 404
    assert client.get(f"{API}/sales/fund-accounts/{acct}/releases", headers=dev).status_code == 404
    r = client.post(f"{API}/sales/fund-accounts/{acct}/releases", json={"amount_fen": 1}, headers=dev)
    assert r.status_code == 404
    with city_engine.connect() as c:  # the probe of another developer's account is audited as a denial
        reasons = list(c.execute(select(audit_log.c.reason).where(audit_log.c.action == "authz.denied")).scalars())
    assert f"out of scope: POST {API}/sales/fund-accounts/{acct}/releases" in reasons
    missing = client.post(f"{API}/sales/fund-accounts/999999/releases", json={"amount_fen": 1}, headers=dev)
    assert missing.status_code == 404 and missing.json()["message"] == r.json()["message"]  # the same answer
    token, csrf = web_session(city_engine, "agency")
    page = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    assert page.get(f"/transactions/sales/funds/{acct}").status_code == 404
    data = {"csrf_token": csrf, "amount_yuan": "1.00", "confirmed": "1"}
    assert page.post(f"/transactions/sales/funds/{acct}/releases", data=data).status_code == 404
    assert releases_count(city_engine) == n


def test_an_account_of_no_developer_is_told_so_on_the_fund_pages(
    client: TestClient, city_engine: Engine, project: dict[str, Any]
) -> None:
    """An agency account whose enterprise is not a filed developer gets a Chinese page saying so on every
    fund page (not a JSON error), and the API's 422 names the account."""
    from anju.transactions import developers
    from tests.accounts import web_session
    from tests.rental_builders import AGENCY_CODE

    acct = project["account"]
    with city_engine.begin() as c:  # the seeded agency's enterprise is no longer the filed developer
        c.execute(developers.update().where(developers.c.credit_code == AGENCY_CODE)
                  .values(credit_code="91320100MA1X2Y3Q50"))  # fmt: skip
    token, csrf = web_session(city_engine, "agency")
    page = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    for r in (
        page.get("/transactions/sales/funds"),
        page.get(f"/transactions/sales/funds/{acct}"),
        page.post(f"/transactions/sales/funds/{acct}/releases", data={"csrf_token": csrf, "amount_yuan": "1"}),
        page.post(
            f"/transactions/sales/funds/{acct}/releases",
            data={"csrf_token": csrf, "amount_yuan": "1", "confirmed": "1"},
        ),
    ):
        assert r.status_code in (200, 422) and r.headers["content-type"].startswith("text/html"), r.text
        assert "本账户所属机构不是已备案的房地产开发企业" in r.text and "预售资金监管" in r.text
    r = client.get(f"{API}/sales/fund-accounts/{acct}", headers=auth(city_engine, "agency"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "account"
