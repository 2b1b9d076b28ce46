"""``fund_postings`` has no foreign keys (migration 0043, docs/funds.md "Integrity without foreign keys"):
the engine refuses a line of a ledger account that does not exist before writing anything, a line whose
reference names none of the journals is not written, and the sweep (``funds.check_integrity``,
``anju funds check``) finds postings without their journal or ledger account and balances that are not
their postings' sum. Both databases."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, insert, select, update

from anju import funds, ledger
from anju.funds.tables import fund_journals, fund_ledger_accounts, fund_postings

DAY = date(2026, 6, 30)


def _counts(conn: Any) -> tuple[int, int, int, int]:
    bal = conn.execute(select(func.coalesce(func.sum(func.abs(fund_ledger_accounts.c.balance_fen)), 0))).scalar_one()
    return (
        conn.execute(select(func.count()).select_from(fund_postings)).scalar_one(),
        conn.execute(select(func.count()).select_from(fund_journals)).scalar_one(),
        ledger.tree_head(conn, "maintenance_fund").size,
        int(bal),
    )


def _fund(conn: Any) -> tuple[int, dict[str, int], dict[str, dict[str, int]]]:
    acct = funds.open_account(conn, "maintenance", "district:320102", "测试银行", "WX-INT-1", "320102", "")
    homes = funds.open_subject_accounts(conn, acct, ["home:1", "home:2"])
    return acct, funds.ledger_accounts(conn, acct), homes


def test_a_line_of_an_unknown_ledger_account_is_refused_and_nothing_is_written(empty_engine: Engine) -> None:
    with empty_engine.connect() as conn:
        acct, own, homes = _fund(conn)
        conn.commit()
        missing = int(conn.execute(select(func.max(fund_ledger_accounts.c.id))).scalar_one()) + 1000
        before = _counts(conn)
        good = homes["home:1"]["home"]
        alloc = funds.AllocationIn(acct, "interest", "X-1", DAY, "增值分配", own["interest"])
        with pytest.raises(funds.UnbalancedJournal, match=f"科目 {missing} 不存在"):
            funds.post_allocations(conn, [alloc], [("X-1", good, 10), ("X-1", missing, 10)], side="credit")
        with pytest.raises(funds.UnbalancedJournal, match=f"科目 {missing} 不存在"):
            funds.post(conn, funds.JournalIn(acct, "interest_in", "X-2", [(own["bank"], 10, 0), (missing, 0, 10)],
                                             DAY, "结息"))  # fmt: skip
        assert _counts(conn) == before  # nothing written, even before the rollback
        conn.rollback()
        assert _counts(conn) == before and funds.check_integrity(conn)["ok"]


def test_a_line_naming_no_journal_is_not_written(empty_engine: Engine) -> None:
    with empty_engine.begin() as conn:
        acct, own, homes = _fund(conn)
        alloc = funds.AllocationIn(acct, "interest", "Y-1", DAY, "增值分配", own["interest"])
        [jid] = funds.post_allocations(
            conn, [alloc], [("Y-1", homes["home:1"]["home"], 10), ("NO-SUCH", homes["home:2"]["home"], 99)],
            side="credit",
        )  # fmt: skip
        rows = conn.execute(select(fund_postings.c.journal_id, fund_postings.c.ledger_account_id)).all()
        assert sorted(rows) == sorted([(jid, homes["home:1"]["home"]), (jid, own["interest"])])
        assert funds.check_integrity(conn) == {
            "ok": True, "orphan_postings": [], "unbalanced_journals": [], "unbalanced_accounts": [],
        }  # fmt: skip


def test_the_sweep_finds_orphan_postings_and_wrong_balances(
    empty_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anju.cli import main
    from anju.core import runtime

    monkeypatch.setattr(runtime, "engine", lambda s=None: empty_engine)
    with empty_engine.begin() as conn:
        acct, own, homes = _fund(conn)
        alloc = funds.AllocationIn(acct, "interest", "Z-1", DAY, "增值分配", own["interest"])
        [jid] = funds.post_allocations(conn, [alloc], [("Z-1", homes["home:1"]["home"], 10)], side="credit")
    ok = CliRunner().invoke(main, ["funds", "check"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout.strip().splitlines()[-1])["ok"] is True
    with empty_engine.begin() as conn:  # what a foreign key would have refused, written behind the engine
        gone_account = int(conn.execute(select(func.max(fund_ledger_accounts.c.id))).scalar_one()) + 100
        home2 = homes["home:2"]["home"]
        ids = [
            int(conn.execute(insert(fund_postings).returning(fund_postings.c.id), row).scalar_one())
            for row in (
                {"journal_id": jid + 100, "ledger_account_id": home2, "debit_fen": 0, "credit_fen": 0},
                {"journal_id": jid, "ledger_account_id": gone_account, "debit_fen": 0, "credit_fen": 0},
            )
        ]  # fmt: skip
        conn.execute(update(fund_ledger_accounts).where(fund_ledger_accounts.c.id == home2).values(balance_fen=5))
    home2 = homes["home:2"]["home"]
    with empty_engine.connect() as conn:
        report = funds.check_integrity(conn)
        assert funds.orphan_postings(conn) == ids
    assert report == {
        "ok": False, "orphan_postings": ids, "unbalanced_journals": [], "unbalanced_accounts": [home2],
    }  # fmt: skip
    ko = CliRunner().invoke(main, ["funds", "check"])
    assert ko.exit_code == 1
    assert json.loads(ko.stdout.strip().splitlines()[-1])["orphan_postings"] == ids
