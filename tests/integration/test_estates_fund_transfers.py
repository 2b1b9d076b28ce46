"""A resale's transfer of the maintenance-fund account (过户) is recorded with the registration that
completes the contract, in the load's transaction (the estates context's registration follower), on both
databases: seller and buyer by blind index, the contract and the registration's day; the balance stays
with the home; the owner's statement shows the recorded transfer; recording is idempotent and set-wise
(one statement per chunk of homes, however many homes a load touched)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import event, func, select

from anju import funds
from anju.core import clock
from anju.estates import fund_ledger, fund_queries, fund_transfers
from anju.estates.tables import estates_fund_transfers
from anju.registry import homes
from anju.transactions import resale_contracts
from tests.accounts import CITIZEN_ID, CITIZEN_NAME
from tests.integration import test_resale as resale
from tests.integration.test_resale import load, signed_contract, transfer
from tests.rental_builders import LANDLORD_ID
from tests.tx_builders import auth

env = resale.env  # the resale tests' world: a home the seeded landlord owns, an agency
API = "/api/v1/transactions/resale"
DEPOSIT = 12_345_00


def _open_fund(env: dict[str, Any]) -> int:
    """The home's 分户账, opened with a deposit; returns its ledger account."""
    eng, hid = env["engine"], env["home"]
    with eng.begin() as conn:
        h = conn.execute(select(homes).where(homes.c.id == hid)).one()
        acct = fund_ledger.district_account(conn, h.district_code, bank="测试银行", account_no="WX-TR-1")
        fund_ledger.open_homes(
            conn,
            [fund_ledger.HomeFundIn(hid, acct, h.estate_id, h.building_id, h.district_code, h.street_code,
                                    h.construction_area, "multi", date(2020, 1, 1), "import")],
        )  # fmt: skip
        lid = fund_ledger.home_ledgers(conn, [hid])[hid]
        own = funds.ledger_accounts(conn, acct)
        funds.post_many(
            conn,
            [funds.JournalIn(acct, "deposit", f"T-TR-{hid}", [(own["bank"], DEPOSIT, 0), (lid, 0, DEPOSIT)],
                             date(2020, 1, 1), "交存（测试）", subject=f"home:{hid}")],
        )  # fmt: skip
    return int(lid)


def test_the_completing_registration_records_the_fund_transfer_and_the_balance_stays(env: dict[str, Any]) -> None:
    client, eng, kr, hid = env["client"], env["engine"], env["kr"], env["home"]
    lid = _open_fund(env)
    c = signed_contract(env)
    assert client.post(f"{API}/contracts/{c['id']}/filing", headers=auth(eng, "agency")).status_code == 200
    with eng.connect() as conn:  # filed, not registered: nothing recorded
        assert conn.execute(select(func.count()).select_from(estates_fund_transfers)).scalar_one() == 0
    load(env, "t1.csv", [transfer("R1", env["code"], (CITIZEN_ID, CITIZEN_NAME))])
    with eng.connect() as conn:
        rows = conn.execute(select(estates_fund_transfers)).all()
        contract = conn.execute(select(resale_contracts).where(resale_contracts.c.id == c["id"])).one()
        balance = funds.ledger_balances(conn, [lid])[lid]
        shown = fund_queries.transfers(conn, hid)
    assert len(rows) == 1
    t = rows[0]
    assert (t.home_id, t.contract_id, t.registration_id) == (hid, c["id"], contract.registration_id)
    assert t.from_owner_bidx == kr.blind_index(LANDLORD_ID, "id_number") == contract.seller_bidx
    assert t.to_owner_bidx == kr.blind_index(CITIZEN_ID, "id_number") == contract.buyer_id_bidx
    assert t.transferred_on == date.today()  # the registration's day (the feed file above)
    assert -balance == DEPOSIT  # the balance stays with the home
    assert [x["on"] for x in shown] == [date.today()] and "过户" in shown[0]["note"]
    assert contract.filing_no and contract.filing_no not in shown[0]["note"]  # no party's contract on a statement
    # idempotent: the same homes again record nothing more
    with eng.begin() as conn:
        assert fund_transfers.record_resale_transfers(conn, [hid], clock.today(), clock.now()) == 0
        assert fund_transfers.record_resale_transfers(conn, None, clock.today(), clock.now()) == 0


def test_recording_is_one_statement_per_chunk_of_homes(env: dict[str, Any]) -> None:
    eng = env["engine"]
    ids = list(range(1, 2 * fund_transfers.CHUNK + 2))  # three chunks
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    with eng.begin() as conn:
        event.listen(conn, "before_cursor_execute", count)
        try:
            fund_transfers.record_resale_transfers(conn, ids, clock.today(), clock.now())
        finally:
            event.remove(conn, "before_cursor_execute", count)
    inserts = [s for s in seen if "estates_fund_transfers" in s]
    assert len(inserts) == 3 and len(seen) == 3, seen
