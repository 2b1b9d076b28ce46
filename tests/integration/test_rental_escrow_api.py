"""Rent escrow through the HTTP API: the tenant pays in and downloads inclusion proofs, the enterprise
sees its account, supervisors reconcile against the bank's lines and impose penalties — each scoped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from anju import funds
from anju.app import create_app
from anju.funds.tables import fund_bank_lines, fund_journals
from anju.ledger import verify
from anju.rental import escrow
from anju.rental.tables import rental_escrow_positions, rental_leases
from anju.security import keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import account_id, api_token, choose_world

API = "/api/v1/rental"
START = date(2026, 1, 1)
RENT = 2000_00
AGENCY_CODE = "91110000600037341L"  # the seeded agency account's enterprise (tests/accounts.py)


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    tenant = account_id(city_engine, "citizen")
    with city_engine.begin() as conn:
        home, far_home = rb.free_homes(conn, w.street_s1, 1)[0], rb.free_homes(conn, w.street_s2, 1)[0]
        party = rb.party(conn, kr, w.street_s1, code=AGENCY_CODE)  # the agency account works for it
        far = rb.party(conn, kr, w.street_s2)
        leases = []
        for hm, p in ((home, party), (far_home, far)):
            lid = rb.filed_lease(conn, kr, hm, start_on=START, cycle="yearly", rent_fen=RENT, deposit_fen=RENT,
                                 landlord_party_id=p, tenant_account_id=tenant)  # fmt: skip
            escrow.on_lease_filed(
                conn, settings, conn.execute(select(rental_leases).where(rental_leases.c.id == lid)).one()
            )
            leases.append(lid)
    app = create_app(settings)
    tokens: dict[str, str] = {}

    def h(who: str) -> dict[str, str]:
        tokens.setdefault(who, api_token(city_engine, who))
        return {"authorization": f"Bearer {tokens[who]}"}

    with TestClient(app) as client:
        yield {"engine": city_engine, "client": client, "h": h, "lease": leases[0], "far_lease": leases[1],
               "world": w}  # fmt: skip
    app.state.engine.dispose()


def _account_of(env: dict[str, Any], lease_id: int) -> int:
    with env["engine"].connect() as c:
        return int(
            c.execute(
                select(rental_escrow_positions.c.escrow_account_id).where(
                    rental_escrow_positions.c.lease_id == lease_id
                )
            ).scalar_one()
        )


def _journals(env: dict[str, Any]) -> int:
    with env["engine"].connect() as c:
        return int(c.execute(select(func.count()).select_from(fund_journals)).scalar_one())


def _pay(env: dict[str, Any], **over: Any) -> Any:
    body = {"kind": "rent", "cycle_no": 0, "amount_fen": 9 * RENT, "reference": "PAY-API-0001",
            "paid_on": START.isoformat(), **over}  # fmt: skip
    return env["client"].post(f"{API}/me/leases/{env['lease']}/escrow/payments", json=body, headers=env["h"]("citizen"))


def test_the_tenant_pays_in_and_checks_the_payment_in_the_log(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    st = c.get(f"{API}/me/leases/{env['lease']}/escrow", headers=h("citizen")).json()
    assert st["supervised"] and st["to_pay"] == [{"cycle_no": 0, "amount_fen": 9 * RENT}]
    assert st["deposit_fen"] == 0  # a deposit of one month is within the limit
    before = _journals(env)
    bad = _pay(env, amount_fen=9 * RENT - 1)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount_fen"
    bad = _pay(env, reference="x")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reference"
    assert _journals(env) == before
    first = _pay(env)
    assert first.status_code == 201 and not first.json()["replayed"]
    again = _pay(env)
    assert again.json() == {**first.json(), "replayed": True} and _journals(env) == before + 1
    assert _pay(env, cycle_no=0, reference="PAY-API-0002").status_code == 409  # already paid in
    st = c.get(f"{API}/me/leases/{env['lease']}/escrow", headers=h("citizen")).json()
    assert st["to_pay"] == [] and {r["status"] for r in st["schedule"]} == {"held"}
    # the proofs file: every logged journal of the lease verifies against the head's root
    r = c.get(f"{API}/me/leases/{env['lease']}/escrow/proofs", params={"download": True}, headers=h("citizen"))
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    proofs = json.loads(r.content)
    assert proofs["log"] == "rental" and any(i["reference"] == "PAY-API-0001" for i in proofs["items"])
    root = bytes.fromhex(proofs["root"])
    for item in proofs["items"]:
        leaf = verify.leaf_hash(item["entry"].encode(), proofs["algorithm"])
        path = [bytes.fromhex(x) for x in item["proof"]]
        assert verify.check_inclusion(leaf, item["index"], proofs["size"], path, root, proofs["algorithm"]) is None
        assert verify.check_inclusion(leaf, item["index"] + 1, proofs["size"], path, root, proofs["algorithm"])
    # someone else's lease is not found
    assert c.get(f"{API}/me/leases/{env['lease']}/escrow", headers=h("landlord")).status_code == 404
    assert c.get(f"{API}/me/leases/{env['lease']}/escrow/proofs", headers=h("agency")).status_code == 404


def test_supervisors_reconcile_against_the_bank_and_export(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    assert _pay(env).status_code == 201
    acct, far = _account_of(env, env["lease"]), _account_of(env, env["far_lease"])
    day = {"on": START.isoformat()}
    listed = c.get(f"{API}/escrow/accounts", params=day, headers=h("clerk")).json()
    assert [a["id"] for a in listed["items"]] == [acct]  # the clerk's street only
    assert listed["items"][0]["platform_in"] == 9 * RENT and not listed["items"][0]["balanced"]
    both = {a["id"] for a in c.get(f"{API}/escrow/accounts", params=day, headers=h("district")).json()["items"]}
    assert both == {acct, far}
    assert c.get(f"{API}/escrow/accounts/{far}", headers=h("clerk")).status_code == 404
    assert c.get(f"{API}/escrow/accounts/{far}/reconciliation", headers=h("clerk")).status_code == 404
    # a bad statement names the row and imports nothing
    bad = "date,amount_fen,direction,reference\n2026-01-01,-5,in,PAY-API-0001\n"
    r = c.post(f"{API}/escrow/accounts/{acct}/bank-lines", json={"csv": bad}, headers=h("clerk"))
    assert r.status_code == 422 and r.json()["errors"][0] == {
        "field": "amount_fen",
        "reason": "金额应为正整数（分）",
        "row": 2,
    }
    with env["engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(fund_bank_lines)).scalar_one() == 0
    good = f"date,amount_fen,direction,reference\n2026-01-01,{9 * RENT},in,PAY-API-0001\n"
    r = c.post(f"{API}/escrow/accounts/{acct}/bank-lines", json={"csv": good}, headers=h("clerk"))
    assert r.json() == {"lines": 1, "imported": 1, "skipped": 0}
    rec = c.get(f"{API}/escrow/accounts/{acct}/reconciliation", params=day, headers=h("clerk")).json()
    assert rec["balanced"] and rec["differences"] == [] and rec["trial_balance_fen"] == 0
    assert rec["platform_balance"] == rec["bank_balance"] == 9 * RENT
    lines = c.get(f"{API}/escrow/accounts/{acct}/bank-lines", headers=h("clerk")).json()
    assert lines["total"] == 1 and lines["items"][0]["reference"] == "PAY-API-0001"
    csv_text = c.get(f"{API}/escrow/reconciliation.csv", params=day, headers=h("district")).content.decode("utf-8-sig")
    rows = [ln.split(",") for ln in csv_text.strip().splitlines()]
    assert rows[0][0] == "id" and len(rows) == 3
    by_id = {int(r[0]): r for r in rows[1:]}
    assert by_id[acct][-1] == "1" and by_id[far][-1] == "1"  # the far account has no movement that day
    journals = c.get(f"{API}/escrow/accounts/{acct}/journals", params={"from": "2026-01-01"}, headers=h("clerk")).json()
    assert [j["reference"] for j in journals["items"]] == ["PAY-API-0001"]


def test_penalties_are_for_supervisors_idempotent_and_checked(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    acct = _account_of(env, env["lease"])
    body = {"amount_fen": 500_00, "reason": "未按规定缴存押金", "reference": "NJZJ-2026-001"}
    assert c.post(f"{API}/escrow/accounts/{acct}/penalties", json=body, headers=h("clerk")).status_code == 403
    before = _journals(env)
    r = c.post(f"{API}/escrow/accounts/{acct}/penalties", json={**body, "reason": " "}, headers=h("district"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason" and _journals(env) == before
    first = c.post(f"{API}/escrow/accounts/{acct}/penalties", json=body, headers=h("district"))
    assert first.status_code == 201
    again = c.post(f"{API}/escrow/accounts/{acct}/penalties", json=body, headers=h("district"))
    assert again.json() == first.json() and _journals(env) == before + 1
    clash = c.post(f"{API}/escrow/accounts/{acct}/penalties", json={**body, "amount_fen": 1}, headers=h("district"))
    assert clash.status_code == 409 and clash.json()["errors"][0]["field"] == "reference"
    with env["engine"].connect() as conn:
        assert funds.unbalanced_journals(conn) == []


def test_the_enterprise_sees_its_own_account_only(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    assert _pay(env).status_code == 201
    acct, far = _account_of(env, env["lease"]), _account_of(env, env["far_lease"])
    mine = c.get(f"{API}/me/escrow/accounts", headers=h("agency")).json()
    assert [a["id"] for a in mine] == [acct] and mine[0]["active_leases"] == 1
    assert mine[0]["balances"]["bank"] == 9 * RENT
    js = c.get(f"{API}/me/escrow/accounts/{acct}/journals", headers=h("agency")).json()
    assert js["total"] == 1 and js["items"][0]["kind"] == "payment"
    assert c.get(f"{API}/me/escrow/accounts/{far}/journals", headers=h("agency")).status_code == 404
