"""The one ledger engine of every supervised fund (``anju.funds``), on both databases: a journal is
checked before anything is written, balances are kept by every posting, every journal is in its fund
kind's verifiable log; migration 0019 moves the rent escrow's data into it and back, keeping ids,
balances and ledger indexes."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select, text

from anju import funds, ledger
from anju.core import migrate
from anju.core.scope import Scope
from anju.funds.tables import fund_accounts, fund_journals, fund_ledger_accounts, fund_postings
from anju.rental import escrow
from anju.rental.tables import rental_leases
from anju.security import Caller, Role, keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import account_id, choose_world

DAY = date(2026, 1, 5)


def _count(conn: Any, table: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_every_declared_fund_kind_is_loaded_and_consistent() -> None:
    kinds = funds.kinds()
    assert {"rent_escrow", "presale", "resale", "maintenance"} <= set(kinds)
    for name, fk in kinds.items():
        assert fk.name == name and funds.CASH in fk.account_kinds
        assert set(fk.account_kinds) | set(fk.subject_kinds) <= set(fk.ledger_labels)
    with pytest.raises(funds.UnbalancedJournal):
        funds.kind("no_such_fund")  # declared by no context


def test_the_engine_refuses_before_it_writes_and_keeps_balances_and_the_log(city_engine: Engine) -> None:
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        a = funds.open_account(conn, "presale", "project:990001", "测试银行", "FUND-TEST-1", w.district_a, w.street_s1)
        b = funds.open_account(conn, "presale", "project:990002", "测试银行", "FUND-TEST-2", w.district_a, w.street_s2)
        assert funds.open_account(conn, "presale", "project:990001", "测试银行", "FUND-TEST-1", w.district_a,
                                  w.street_s1) == a  # fmt: skip
        with pytest.raises(Exception, match="其他名下"):
            funds.open_account(conn, "presale", "project:990003", "x", "FUND-TEST-1", w.district_a, w.street_s1)
        la = funds.accounts_of(conn, a, "contract:1")
        lb = funds.ledger_accounts(conn, b)
        size = ledger.tree_head(conn, "funds").size
        before = (_count(conn, fund_journals), _count(conn, fund_postings))
        bad = [
            funds.JournalIn(a, "down_payment", "T-UNBAL", [(la["bank"], 100, 0), (la["held"], 0, 99)], DAY, "x"),
            funds.JournalIn(a, "rent", "T-KIND", [(la["bank"], 100, 0), (la["held"], 0, 100)], DAY, "x"),
            funds.JournalIn(a, "down_payment", "T-OTHER", [(lb["bank"], 100, 0), (la["held"], 0, 100)], DAY, "x"),
            funds.JournalIn(a, "down_payment", "T-NEG", [(la["bank"], -100, 0), (la["held"], 0, -100)], DAY, "x"),
        ]
        good = funds.JournalIn(a, "down_payment", "T-GOOD", [(la["bank"], 500, 0), (la["held"], 0, 500)], DAY, "ok",
                               subject="contract:1")  # fmt: skip
        for j in bad:
            with pytest.raises(funds.UnbalancedJournal):
                funds.post_many(conn, [good, j])  # one bad journal: the whole batch is refused
        assert (_count(conn, fund_journals), _count(conn, fund_postings)) == before
        assert ledger.tree_head(conn, "funds").size == size
        jids = funds.post_many(
            conn,
            [good, funds.JournalIn(a, "release", "T-REL", [(la["released"], 200, 0), (la["bank"], 0, 200)], DAY, "r")],
        )
        bal = funds.balances(conn, [a])[a]
        assert (bal["bank"], bal["held"], bal["released"]) == (300, -500, 200)
        assert sum(bal.values()) == 0 and funds.unbalanced_journals(conn) == []
        assert ledger.tree_head(conn, "funds").size == size + 2
        for jid in jids:
            posted = funds.journal(conn, jid)
            entry = json.loads(ledger.entry(conn, "funds", int(posted["ledger_index"] or 0)).data)
            assert entry["journal"] == jid and entry["fund"] == "presale" and entry["reference"] == posted["reference"]
        assert funds.journal_by_reference(conn, "T-GOOD") == funds.journal(conn, jids[0])
        assert funds.scoped_account(conn, Scope.whole_city(), a)["owner"] == "project:990001"
        with pytest.raises(Exception, match="不存在"):
            funds.scoped_account(conn, Scope.whole_city(), a, "rent_escrow")  # not of that kind
        # the generic reconciliation: nothing from the bank yet
        rec = funds.reconciliation.reconcile(conn, a, DAY)
        assert (rec["platform_in"], rec["platform_out"], rec["bank_in"], rec["balanced"]) == (500, 200, 0, False)
        assert {d["reference"] for d in rec["differences"]} == {"T-GOOD", "T-REL"}


def _snapshot(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for t, cols in (
        (fund_accounts, ("id", "kind", "owner", "account_no")),
        (fund_ledger_accounts, ("id", "fund_account_id", "kind", "subject", "code", "balance_fen")),
        (
            fund_journals,
            ("id", "fund_account_id", "kind", "reference", "item", "subject", "amount_fen", "ledger_index"),
        ),
        (fund_postings, ("id", "journal_id", "ledger_account_id", "debit_fen", "credit_fen")),
    ):
        out[t.name] = [tuple(r) for r in conn.execute(select(*[t.c[c] for c in cols]).order_by(t.c.id))]
    return out


def test_migration_0019_moves_rent_escrow_both_ways_keeping_ids_balances_and_indexes(
    city_engine: Engine, settings_for: Any
) -> None:
    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    aid = account_id(city_engine, "citizen")
    tenant = Caller(aid, "citizen", Role.citizen, None, Scope.own(aid))
    with city_engine.begin() as conn:
        home = rb.free_homes(conn, w.street_s1, 1)[0]
        party = rb.party(conn, kr, w.street_s1)
        lid = rb.filed_lease(conn, kr, home, start_on=DAY, landlord_party_id=party, tenant_account_id=aid,
                             cycle="yearly", rent_fen=1000_00, deposit_fen=2000_00)  # fmt: skip
        escrow.on_lease_filed(
            conn, settings, conn.execute(select(rental_leases).where(rental_leases.c.id == lid)).one()
        )
        escrow.record_payment(conn, tenant, lid, "rent", 9 * 1000_00, "PAY-MIG-01", cycle_no=0, paid_on=DAY)
        escrow.record_payment(conn, tenant, lid, "deposit", 1000_00, "PAY-MIG-02", paid_on=DAY)
        escrow.release_due(conn, date(2026, 6, 1))
        before = _snapshot(conn)
    assert len(before["fund_journals"]) >= 4 and all(j[-1] is not None for j in before["fund_journals"])

    migrate.downgrade(city_engine, "0018")
    tables = set(inspect(city_engine).get_table_names())
    assert "fund_journals" not in tables and "rental_escrow_journals" in tables
    with city_engine.connect() as conn:
        old = conn.execute(
            text("SELECT id, lease_id, amount_fen, ledger_index FROM rental_escrow_journals ORDER BY id")
        ).all()
        assert [(r[0], r[2], r[3]) for r in old] == [(j[0], j[6], j[7]) for j in before["fund_journals"]]
        assert lid in {r[1] for r in old}  # the subject lease:<id> is the lease again
        balances: dict[str, int] = dict(
            conn.execute(text("SELECT code, balance_fen FROM rental_escrow_ledger_accounts")).all()
        )
        assert f"{before['fund_accounts'][0][0]}:prepaid:{lid}" in balances
        assert sum(balances.values()) == 0

    migrate.upgrade(city_engine)
    with city_engine.begin() as conn:
        assert _snapshot(conn) == before
        # the ids continue after the moved rows (PostgreSQL's sequences were reset)
        escrow.impose_penalty(
            conn, kr, Caller.system("test"), before["fund_accounts"][0][0], 100, "测试", "DEC-MIG-001"
        )
        assert _count(conn, fund_journals) == len(before["fund_journals"]) + 1
        assert funds.unbalanced_journals(conn) == []
