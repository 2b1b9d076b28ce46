"""The maintenance fund's services on the city (no synthetic fund): the import of existing homes all or
nothing, the annual interest exactly by day-weighted balances (and once per account and year), the
refund on demolition, top-ups."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, insert, select

from anju import funds, ledger, registry
from anju.core.errors import Conflict, ValidationError
from anju.estates import fund_deposits, fund_import, fund_interest, fund_ledger, fund_rules
from anju.estates.tables import (
    estates_fund_dues,
    estates_fund_homes,
    estates_interest_runs,
    estates_spending,
    estates_spending_shares,
)
from anju.funds.tables import fund_journals, fund_postings


def _homes(conn: Connection, n: int) -> tuple[str, list[Any]]:
    """``n`` homes of one district and that district (with its maintenance-fund account opened)."""
    h = registry.homes
    district = conn.execute(select(h.c.district_code).order_by(h.c.id).limit(1)).scalar_one()
    rows = conn.execute(
        select(h.c.id, h.c.house_code, h.c.estate_id, h.c.construction_area)
        .where(h.c.district_code == district)
        .order_by(h.c.id)
        .limit(n)
    ).all()
    fund_ledger.district_account(conn, district, bank="测试银行", account_no=f"T-WX-{district}")
    return district, list(rows)


def _csv(lines: list[str]) -> bytes:
    return ("\ufeffhome,area,building_type,opening_balance,opened_on\n" + "\n".join(lines) + "\n").encode()


def _balance(conn: Connection, home_id: int) -> int:
    lid = fund_ledger.home_ledgers(conn, [home_id])[home_id]
    return -int(conn.execute(select(funds.tables.fund_ledger_accounts.c.balance_fen).where(
        funds.tables.fund_ledger_accounts.c.id == lid)).scalar_one())  # fmt: skip


def test_import_checks_every_row_and_writes_nothing_on_any_error(city_engine: Engine) -> None:
    with city_engine.begin() as conn:
        _, hs = _homes(conn, 3)
        bad = _csv([
            f"{hs[0].id},{hs[0].construction_area},multi,1000.00,2020-01-01",
            f"{hs[1].house_code},0,high,12.5,2020-01-01",  # row 3: area
            f"{hs[2].id},80,tower,x,2020-13-01",  # row 4: type, balance, date
            "999999999,80,multi,1,2020-01-01",  # row 5: unknown home
            f"{hs[0].id},80,multi,1,2020-01-01",  # row 6: repeats row 2
        ])  # fmt: skip
        with pytest.raises(ValidationError) as e:
            fund_import.import_homes(conn, bad, batch="B1", actor_account_id=None)
        got = {(x.row, x.field) for x in e.value.errors}
        assert {(3, "area"), (4, "building_type"), (4, "opening_balance"), (4, "opened_on"), (5, "home"),
                (6, "home")} <= got  # fmt: skip
        assert (2, "area") not in got
        assert conn.execute(select(func.count()).select_from(estates_fund_homes)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(estates_fund_dues)).scalar_one() == 0
        good = _csv([
            f"{hs[0].id},{hs[0].construction_area},multi,1000.00,2020-01-01",
            f"{hs[1].house_code},{hs[1].construction_area},高层住宅（有电梯）,12.5,2020-03-01",
            f"{hs[2].id},{hs[2].construction_area},villa,0,2020-01-01",
        ])  # fmt: skip
        r = fund_import.import_homes(conn, good, batch="B1", actor_account_id=None)
        assert r["homes"] == 3 and r["balance_fen"] == 100_000 + 1250
        assert [_balance(conn, h.id) for h in hs] == [100_000, 1250, 0]
        dues = conn.execute(select(estates_fund_dues.c.reference, estates_fund_dues.c.status)).all()
        assert {(d.reference, d.status) for d in dues} == {("import:B1", "paid")} and len(dues) == 3
        with pytest.raises(ValidationError) as again:  # the same homes twice: refused, named by row
            fund_import.import_homes(conn, good, batch="B2", actor_account_id=None)
        assert {x.row for x in again.value.errors} == {2, 3, 4}


def test_interest_is_allocated_exactly_by_day_weighted_balance_once_a_year(city_engine: Engine) -> None:
    with city_engine.begin() as conn:
        district, hs = _homes(conn, 3)
        fund_import.import_homes(conn, _csv([
            f"{hs[0].id},{hs[0].construction_area},multi,1000.00,2023-01-01",
            f"{hs[1].id},{hs[1].construction_area},multi,1000.00,2023-07-02",
            f"{hs[2].id},{hs[2].construction_area},multi,333.33,2022-05-01",
        ]), batch="I1", actor_account_id=None)  # fmt: skip
        # the import books each estate's lines on its latest day: compute the expectation from the postings
        acct = fund_ledger.district_accounts(conn, [district])[district]
        rows = fund_interest.weights(conn, acct, 2023)
        lids = fund_ledger.home_ledgers(conn, [h.id for h in hs])
        expected_w = {}
        for h in hs:
            page = funds.account_postings(conn, lids[h.id], limit=10, offset=0)
            opening = sum(m["credit_fen"] - m["debit_fen"] for m in page.items if m["booked_on"].year < 2023)
            during = [
                (m["booked_on"], m["credit_fen"] - m["debit_fen"]) for m in page.items if m["booked_on"].year == 2023
            ]
            expected_w[lids[h.id]] = fund_rules.day_weighted(opening, during, 2023)
        assert {lid: w for lid, _, w in rows} == expected_w
        before = {h.id: _balance(conn, h.id) for h in hs}
        run = fund_interest.run_interest(conn, district_code=district, year=2023, total_fen=1001, actor_account_id=None)
        assert run["total_fen"] == 1001 and run["homes"] == sum(1 for w in expected_w.values() if w > 0)
        got = {h.id: _balance(conn, h.id) - before[h.id] for h in hs}
        assert sum(got.values()) == 1001
        shares = fund_rules.allocate(1001, [expected_w[lids[h.id]] for h in hs])
        assert [got[h.id] for h in hs] == shares
        # the bank received the interest and the 待分配增值收益 account is empty again
        own = funds.ledger_accounts(conn, acct)
        bal = funds.balances(conn, [acct])[acct]
        assert bal["interest"] == 0
        assert conn.execute(select(func.count()).select_from(estates_interest_runs)).scalar_one() == 1
        with pytest.raises(Conflict, match="已计息"):
            fund_interest.run_interest(conn, district_code=district, year=2023, total_fen=5, actor_account_id=None)
        with pytest.raises(ValidationError, match="已结束"):
            fund_interest.run_interest(conn, district_code=district, year=2100, total_fen=5, actor_account_id=None)
        assert own["bank"] and bal["bank"] == 100_000 + 100_000 + 33_333 + 1001


def _interest_snapshot(conn: Connection, acct: int, year: int) -> dict[str, Any]:
    """A year's interest journals of a fund account as a statement would show them: the postings by
    journal reference, the balances of every ledger account of the fund account, and the journals' log
    entries (without the journal's id and the time of writing)."""
    j, p, la = fund_journals, fund_postings, funds.tables.fund_ledger_accounts
    mine = (j.c.fund_account_id == acct, j.c.kind.in_(["interest", "interest_in"]), j.c.booked_on == date(year, 12, 31))
    postings = sorted(
        tuple(r) for r in conn.execute(
            select(j.c.reference, p.c.ledger_account_id, p.c.debit_fen, p.c.credit_fen)
            .join(j, j.c.id == p.c.journal_id).where(*mine)
        )
    )  # fmt: skip
    entries = {}
    for ref, idx in conn.execute(select(j.c.reference, j.c.ledger_index).where(*mine)):
        data = json.loads(ledger.entry(conn, "maintenance_fund", int(idx)).data)
        data.pop("journal"), data.pop("at")
        entries[ref] = data
    balances = {r[0]: r[1] for r in conn.execute(select(la.c.id, la.c.balance_fen).where(la.c.fund_account_id == acct))}
    return {"postings": postings, "balances": balances, "entries": entries}


def test_interest_posts_the_same_journals_as_the_line_by_line_rule(city_engine: Engine) -> None:
    """The annual interest hands the engine its lines grouped by building (``post_allocation_groups``):
    the postings, balances and log entries (lines roots) are exactly those of the rule it replaced — the
    weights, ``fund_rules.allocate`` and one line per home streamed into ``post_allocations`` — on a
    small fund of homes in several buildings, opened before and during the year, one with nothing."""
    year, total = 2023, 10_007
    with city_engine.begin() as conn:
        district, hs = _homes(conn, 40)
        assert len({h.estate_id for h in hs}) >= 1
        rows = []
        for k, h in enumerate(hs):
            opened = "2022-03-01" if k % 3 else f"2023-{1 + k % 12:02d}-{1 + k % 28:02d}"
            rows.append(f"{h.id},{h.construction_area},multi,{0 if k == 5 else 1000 + 37 * k}.{k % 100:02d},{opened}")
        fund_import.import_homes(conn, _csv(rows), batch="S1", actor_account_id=None)
        acct = fund_ledger.district_accounts(conn, [district])[district]
        h = registry.homes
        buildings = {r[0] for r in conn.execute(select(h.c.building_id).where(h.c.id.in_([x.id for x in hs])))}
        assert len(buildings) >= 2  # several buildings: several journals
        # the rule before: every home's line streamed into the engine, grouped there by reference
        sp = conn.begin_nested()
        ws = fund_interest.weights(conn, acct, year)
        shares = fund_rules.allocate(total, [w for _, _, w in ws])
        own = funds.ledger_accounts(conn, acct)
        booked = date(year, 12, 31)
        funds.post(conn, funds.JournalIn(
            acct, "interest_in", f"fund-interest-in:{acct}:{year}",
            [(own["bank"], total, 0), (own["interest"], 0, total)], booked, f"{year} 年度专户银行结息",
        ))  # fmt: skip
        refs = {b: f"fund-interest:{acct}:{year}:{b}" for (_, b, _), fen in zip(ws, shares, strict=True) if fen > 0}
        funds.post_allocations(conn, [
            funds.AllocationIn(acct, "interest", refs[b], booked, f"{year} 年度增值分配", own["interest"],
                               subject=f"building:{b}", extra={"year": year})
            for b in sorted(refs)
        ], [(refs[b], lid, fen) for (lid, b, _), fen in zip(ws, shares, strict=True) if fen > 0],
            side="credit")  # fmt: skip
        before = _interest_snapshot(conn, acct, year)
        sp.rollback()
        assert _interest_snapshot(conn, acct, year)["postings"] == []
        run = fund_interest.run_interest(conn, district_code=district, year=year, total_fen=total,
                                         actor_account_id=None)  # fmt: skip
        after = _interest_snapshot(conn, acct, year)
        assert after == before
        assert run["journals"] == len(refs) >= 2 and run["homes"] == sum(1 for f in shares if f > 0) == 39
        lines = [r for r in after["postings"] if r[0] != f"fund-interest-in:{acct}:{year}" and r[1] != own["interest"]]
        assert sum(r[3] for r in lines) == total
        assert funds.check_integrity(conn)["ok"]


def test_refund_closes_and_pays_out_and_waits_for_unpaid_shares(city_engine: Engine) -> None:
    with city_engine.begin() as conn:
        district, hs = _homes(conn, 2)
        fund_import.import_homes(conn, _csv([
            f"{hs[0].id},{hs[0].construction_area},multi,500.00,2021-01-01",
            f"{hs[1].id},{hs[1].construction_area},multi,700.00,2021-01-01",
        ]), batch="R1", actor_account_id=None)  # fmt: skip
        acct = fund_ledger.district_accounts(conn, [district])[district]
        now = datetime(2026, 1, 1, tzinfo=UTC)
        sid = conn.execute(insert(estates_spending).returning(estates_spending.c.id).values(
            application_no="T-1", estate_id=hs[1].estate_id, title="屋面", category="roof", emergency=False,
            status="in_progress", budget_fen=100, paid_fen=0, applicant_kind="street", district_code=district,
            street_code="x", created_at=now, updated_at=now)).scalar_one()  # fmt: skip
        conn.execute(insert(estates_spending_shares).values(
            spending_id=sid, home_id=hs[1].id, area=Decimal("1"), share_fen=100, paid_fen=0))  # fmt: skip
        with pytest.raises(Conflict, match="未划付"):
            fund_deposits.refund(conn, hs[1].id, on=date(2026, 6, 1), actor_account_id=None)
        bank_before = funds.balances(conn, [acct])[acct]["bank"]
        r = fund_deposits.refund(conn, hs[0].id, on=date(2026, 6, 1), actor_account_id=None)
        assert r["refunded_fen"] == 50_000 and r["journal_id"]
        assert _balance(conn, hs[0].id) == 0
        assert funds.balances(conn, [acct])[acct]["bank"] == bank_before - 50_000
        status = conn.execute(select(estates_fund_homes.c.status, estates_fund_homes.c.closed_on).where(
            estates_fund_homes.c.home_id == hs[0].id)).one()  # fmt: skip
        assert tuple(status) == ("closed", date(2026, 6, 1))
        j = conn.execute(
            select(fund_journals.c.kind, fund_journals.c.lines).where(fund_journals.c.id == r["journal_id"])
        ).one()
        assert tuple(j) == ("refund", 1)
        with pytest.raises(Conflict, match="已销户"):
            fund_deposits.refund(conn, hs[0].id, on=date(2026, 6, 1), actor_account_id=None)
        n = conn.execute(
            select(func.count()).select_from(fund_postings).where(fund_postings.c.journal_id == r["journal_id"])
        ).scalar_one()
        assert n == 2


def test_topups_for_homes_below_the_share_of_their_initial_deposit(city_engine: Engine) -> None:
    with city_engine.begin() as conn:
        district, hs = _homes(conn, 2)
        fund_import.import_homes(conn, _csv([
            f"{hs[0].id},{hs[0].construction_area},multi,1000.00,2021-01-01",
            f"{hs[1].id},{hs[1].construction_area},multi,1000.00,2021-01-01",
        ]), batch="T1", actor_account_id=None)  # fmt: skip
        acct = fund_ledger.district_accounts(conn, [district])[district]
        lid = fund_ledger.home_ledgers(conn, [hs[0].id])[hs[0].id]
        bank = funds.ledger_accounts(conn, acct)["bank"]
        spend = funds.AllocationIn(acct, "spend", "t-spend", date(2025, 1, 1), "测试支出", bank)
        fund_deposits.post_lines(conn, [spend], [("t-spend", lid, 80_000)], side="debit")  # 200 yuan left: 20 %
        assert fund_deposits.create_topups(conn, percent=30, on=date(2026, 6, 30)) == 1
        assert fund_deposits.create_topups(conn, percent=30, on=date(2026, 6, 30)) == 0  # once a year
        due = conn.execute(select(estates_fund_dues).where(estates_fund_dues.c.kind == "topup")).one()
        assert (due.home_id, due.amount_fen, due.reference, due.status) == (hs[0].id, 80_000, "topup:2026", "due")
        jids = fund_deposits.pay_dues(conn, [due.id], paid_on=date(2026, 7, 1), actor_account_id=None)
        assert len(jids) == 1 and _balance(conn, hs[0].id) == 100_000
        with pytest.raises(Conflict):
            fund_deposits.pay_dues(conn, [due.id], paid_on=date(2026, 7, 1), actor_account_id=None)


def test_the_command_line_opens_imports_allocates_interest_and_refunds(
    city_engine: Engine, settings_for: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from click.testing import CliRunner

    from anju.cli import main

    settings = settings_for(city_engine)
    for name in ("database_url", "data_dir", "data_keys", "index_key", "environment"):
        value = getattr(settings, name)
        value = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        monkeypatch.setenv(f"ANJU_{name.upper()}", str(value))
    with city_engine.connect() as conn:
        h = registry.homes
        district = conn.execute(select(h.c.district_code).order_by(h.c.id).limit(1)).scalar_one()
        hs = conn.execute(
            select(h.c.id, h.c.construction_area).where(h.c.district_code == district).order_by(h.c.id).limit(2)
        ).all()
    run = CliRunner()

    def ok(*args: str) -> Any:
        r = run.invoke(main, ["estates", "fund", *args])
        assert r.exit_code == 0, r.output
        return json.loads(r.output.strip().splitlines()[-1])

    assert ok("open-account", "--district", district, "--bank", "测试银行", "--account-no", "CLI-1")["fund_account_id"]
    f = tmp_path / "homes.csv"
    f.write_bytes(_csv([f"{x.id},{x.construction_area},multi,100.00,2024-01-01" for x in hs]))
    assert ok("import", str(f), "--batch", "CLI")["homes"] == 2
    r = ok("interest", "--year", "2024", "--district", district, "--total-fen", "301")
    assert r["homes"] == 2 and r["total_fen"] == 301
    again = run.invoke(
        main, ["estates", "fund", "interest", "--year", "2024", "--district", district, "--total-fen", "1"]
    )
    assert again.exit_code == 1 and "已计息" in again.output
    assert (
        ok("refund", "--home", str(hs[0].id))["refunded_fen"] == 10_000 + 151
    )  # 301 in two: the tie's fen to the first
    with city_engine.connect() as conn:
        assert _balance(conn, hs[0].id) == 0 and _balance(conn, hs[1].id) == 10_000 + 150


def test_the_interest_page_runs_the_allocation_as_a_job(city_engine: Engine, settings_for: Any) -> None:
    from fastapi.testclient import TestClient

    from anju.app import create_app
    from anju.core import jobs
    from tests.accounts import api_token

    with city_engine.begin() as conn:
        district, hs = _homes(conn, 2)
        lines = [f"{x.id},{x.construction_area},multi,100.00,2024-01-01" for x in hs]
        fund_import.import_homes(conn, _csv(lines), batch="J1", actor_account_id=None)
    app = create_app(settings_for(city_engine))
    h = {"authorization": f"Bearer {api_token(city_engine, 'city')}"}
    with TestClient(app, follow_redirects=False) as c:
        r = c.post("/property/fund/interest", data={"district_code": district, "year": "2024", "total_yuan": "3.01"},
                   headers=h)  # fmt: skip
        assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
        jobs.wait(int(r.headers["location"].rsplit("/", 1)[1]))
        assert c.get(r.headers["location"], headers=h).status_code == 200
    app.state.engine.dispose()
    with city_engine.connect() as conn:
        run = conn.execute(select(estates_interest_runs)).one()
        assert (run.year, run.total_fen, run.homes) == (2024, 301, 2)
        assert _balance(conn, hs[0].id) + _balance(conn, hs[1].id) == 20_000 + 301
