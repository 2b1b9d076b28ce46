"""Rent escrow (租金监管): the rule table, the double-entry ledger, releases, termination, reconciliation
and inclusion proofs — through the services, on both databases."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from anju import funds, ledger
from anju.core.errors import NotFound, ValidationError
from anju.core.scope import Scope
from anju.funds.tables import fund_journals, fund_ledger_accounts, fund_postings
from anju.ledger import verify
from anju.rental import domain, escrow, escrow_reconciliation, escrow_statements
from anju.rental.tables import rental_escrow_schedule, rental_leases
from anju.security import Caller, Role, keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import account_id, choose_world

RULE = domain.EscrowRule(3, 1, "excess")
START = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("cycle", "mode", "deposit", "months", "supervised_deposit"),
    [
        ("monthly", "excess", 100, 0, 0),
        ("quarterly", "excess", 100, 0, 0),  # 3 is not more than 3
        ("half_year", "excess", 100, 3, 0),
        ("yearly", "excess", 100, 9, 0),
        ("half_year", "all", 100, 6, 0),
        ("yearly", "all", 100, 12, 0),
        ("monthly", "excess", 250, 0, 150),
        ("monthly", "all", 250, 0, 250),
        ("quarterly", "all", 101, 0, 101),
        ("yearly", "excess", 300, 9, 200),
    ],
)
def test_the_rule_table(cycle: str, mode: str, deposit: int, months: int, supervised_deposit: int) -> None:
    need = domain.escrow_need(domain.EscrowRule(3, 1, mode), "party", cycle, 100, deposit)
    assert (need.rent_months_per_cycle, need.deposit_fen) == (months, supervised_deposit)
    assert not domain.escrow_need(domain.EscrowRule(3, 1, mode), "person", cycle, 100, deposit).required


def test_supervised_months_are_the_last_of_each_cycle() -> None:
    months = domain.escrow_months(START, date(2026, 12, 31), 1000, "half_year", 3)
    assert [(m.cycle_no, m.period_start.month) for m in months] == [(0, 4), (0, 5), (0, 6), (1, 10), (1, 11), (1, 12)]
    assert months[0].due_on == date(2026, 5, 1)
    m = months[0]
    assert domain.earned_part(m, date(2026, 4, 15)) == 1000 * 15 // 30


def test_an_unbalanced_journal_is_refused() -> None:
    with pytest.raises(funds.UnbalancedJournal):
        funds.check_balanced([("a", 100, 0), ("b", 0, 99)])
    with pytest.raises(funds.UnbalancedJournal):
        funds.check_balanced([("a", 100, 100), ("b", 0, 0)])
    assert funds.check_balanced([("a", 100, 0), ("b", 0, 60), ("c", 0, 40)]) == 100


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> dict[str, Any]:
    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    aid = account_id(city_engine, "citizen")
    tenant = Caller(aid, "citizen", Role.citizen, None, Scope.own(aid))
    with city_engine.begin() as conn:
        homes = rb.free_homes(conn, w.street_s1, 3)
        party = rb.party(conn, kr, w.street_s1)
        bare = rb.party(conn, kr, w.street_s1, escrow=False)
    return {"engine": city_engine, "settings": settings, "kr": kr, "homes": homes, "party": party, "bare": bare,
            "tenant": tenant, "street": w.street_s1}  # fmt: skip


def _file(env: dict[str, Any], conn: Any, home: Any, party: int, **kw: Any) -> Any:
    lid = rb.filed_lease(conn, env["kr"], home, start_on=START, landlord_party_id=party,
                         tenant_account_id=env["tenant"].account_id, **kw)  # fmt: skip
    lease = conn.execute(select(rental_leases).where(rental_leases.c.id == lid)).one()
    escrow.on_lease_filed(conn, env["settings"], lease)
    return lease


def _sweep(conn: Any) -> None:
    assert funds.unbalanced_journals(conn) == []
    la = fund_ledger_accounts
    p = fund_postings
    sums = dict(
        conn.execute(
            select(p.c.ledger_account_id, func.sum(p.c.debit_fen - p.c.credit_fen)).group_by(p.c.ledger_account_id)
        ).all()
    )
    for aid, bal in conn.execute(select(la.c.id, la.c.balance_fen)):
        assert int(sums.get(aid, 0)) == int(bal)
    assert conn.execute(select(func.coalesce(func.sum(la.c.balance_fen), 0))).scalar_one() == 0


def test_payments_releases_termination_and_reconciliation(env: dict[str, Any]) -> None:
    t = env["tenant"]
    with env["engine"].begin() as conn:
        lease = _file(env, conn, env["homes"][0], env["party"], cycle="yearly", rent_fen=1000_00, deposit_fen=2000_00)
        lid = int(lease.id)
        sched = conn.execute(select(rental_escrow_schedule).where(rental_escrow_schedule.c.lease_id == lid)).all()
        assert len(sched) == 9 and {s.period_start.month for s in sched} == set(range(4, 13))
        escrow.record_payment(conn, t, lid, "rent", 9 * 1000_00, "PAY-000001", cycle_no=0, paid_on=START)
        again = escrow.record_payment(conn, t, lid, "rent", 9 * 1000_00, "PAY-000001", cycle_no=0, paid_on=START)
        assert again["replayed"]
        with pytest.raises(ValidationError):
            escrow.record_payment(conn, t, lid, "deposit", 1, "PAY-000002")
        escrow.record_payment(conn, t, lid, "deposit", 1000_00, "PAY-000003", paid_on=START)
        _sweep(conn)
    with env["engine"].begin() as conn:
        first = escrow.release_due(conn, date(2026, 6, 1))  # April and May are earned
        assert (first["released"], first["released_fen"], first["payouts"]) == (2, 2000_00, 1)
        assert escrow.release_due(conn, date(2026, 6, 1))["released"] == 0  # idempotent
        _sweep(conn)
    with env["engine"].begin() as conn:
        escrow.on_lease_ended(conn, env["settings"], lid, date(2026, 6, 15), "terminated")
        kinds = [j["kind"] for j in escrow_statements.lease_statement(conn, t, lid)["journals"]]
        assert kinds.count("release") == 3 and "refund" in kinds and "deposit_return" in kinds
        refund = conn.execute(
            select(fund_journals.c.amount_fen).where(fund_journals.c.reference == f"refund:{lid}")
        ).scalar_one()
        june_earned = 1000_00 * 15 // 30
        assert refund == 9 * 1000_00 - 2 * 1000_00 - june_earned
        _sweep(conn)
        acct = escrow_statements.my_accounts(conn, t) or None
        assert acct is None  # a citizen has no party
        acct_id = conn.execute(select(fund_journals.c.fund_account_id).limit(1)).scalar_one()
        rec = escrow_reconciliation.reconciliation(conn, Scope.whole_city(), acct_id, START)
        assert not rec["balanced"] and rec["platform_in"] == 10 * 1000_00 and rec["bank_in"] == 0
        csv_text = (
            "date,amount_fen,direction,reference\n2026-01-01,900000,in,PAY-000001\n2026-01-01,100000,in,PAY-000003\n"
        )
        sys_caller = Caller.system("test")
        assert escrow_reconciliation.import_bank_lines(conn, sys_caller, acct_id, csv_text)["imported"] == 2
        assert escrow_reconciliation.import_bank_lines(conn, sys_caller, acct_id, csv_text)["imported"] == 0
        assert escrow_reconciliation.reconciliation(conn, Scope.whole_city(), acct_id, START)["balanced"]
        bad = csv_text.replace("100000,in,PAY-000003", "99999,in,PAY-000004")
        escrow_reconciliation.import_bank_lines(conn, sys_caller, acct_id, bad)
        rec = escrow_reconciliation.reconciliation(conn, Scope.whole_city(), acct_id, START)
        assert not rec["balanced"] and {d["reference"] for d in rec["differences"]} == {"PAY-000004"}


def test_a_party_without_escrow_account_cannot_file_and_individuals_are_not_supervised(env: dict[str, Any]) -> None:
    with env["engine"].begin() as conn:
        with pytest.raises(ValidationError) as e:
            _file(env, conn, env["homes"][0], env["bare"], cycle="half_year")
        assert e.value.errors[0].field == "escrow_account"
        lid = rb.filed_lease(conn, env["kr"], env["homes"][1], start_on=START, cycle="yearly")
        lease = conn.execute(select(rental_leases).where(rental_leases.c.id == lid)).one()
        escrow.on_lease_filed(conn, env["settings"], lease)
        assert conn.execute(select(func.count()).select_from(rental_escrow_schedule)).scalar_one() == 0


def test_a_crash_after_the_postings_leaves_nothing(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    with env["engine"].begin() as conn:
        lid = int(_file(env, conn, env["homes"][0], env["party"], cycle="yearly").id)
    before = _count(env)

    def boom(*a: Any, **k: Any) -> int:
        raise RuntimeError("crash")

    monkeypatch.setattr(ledger, "append", boom)
    with pytest.raises(RuntimeError), env["engine"].begin() as conn:
        escrow.record_payment(conn, env["tenant"], lid, "rent", 9 * 3500_00, "PAY-CRASH1", cycle_no=0)
    assert _count(env) == before
    with env["engine"].connect() as conn:
        _sweep(conn)


def _count(env: dict[str, Any]) -> tuple[int, int]:
    with env["engine"].connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(fund_journals)).scalar_one(),
            conn.execute(select(func.count()).select_from(fund_postings)).scalar_one(),
        )


def test_the_tenant_verifies_their_payment_in_the_log(env: dict[str, Any]) -> None:
    with env["engine"].begin() as conn:
        lid = int(_file(env, conn, env["homes"][0], env["party"], cycle="yearly").id)
        escrow.record_payment(conn, env["tenant"], lid, "rent", 9 * 3500_00, "PAY-PROOF1", cycle_no=0)
    with env["engine"].connect() as conn:
        proofs = escrow_statements.lease_proofs(conn, env["tenant"], lid)
    assert proofs["log"] == "rental" and proofs["items"]
    root = bytes.fromhex(proofs["root"])
    for item in proofs["items"]:
        leaf = verify.leaf_hash(item["entry"].encode(), proofs["algorithm"])
        path = [bytes.fromhex(h) for h in item["proof"]]
        assert verify.check_inclusion(leaf, item["index"], proofs["size"], path, root, proofs["algorithm"]) is None
        forged = verify.leaf_hash(item["entry"].replace("3150000", "3150001").encode(), proofs["algorithm"])
        assert verify.check_inclusion(forged, item["index"], proofs["size"], path, root, proofs["algorithm"])
    other = Caller(None, "x", Role.citizen, None, Scope.own(0))
    with env["engine"].connect() as conn, pytest.raises(NotFound):
        escrow_statements.lease_proofs(conn, other, lid)
