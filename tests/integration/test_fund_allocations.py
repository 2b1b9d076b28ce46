"""The engine's set-wise allocation journals (``funds.post_allocations``), on both databases: one
journal per group with one counter leg and many lines written by INSERT … SELECT, balances kept, every
journal balanced, each line provable twice (in the journal's ``lines_root`` and the entry in the log)
with the stand-alone verifier; a bad allocation is refused."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, func, literal, select

from anju import funds, ledger
from anju.funds.tables import fund_journals, fund_ledger_accounts, fund_postings
from anju.ledger import verify

DAY = date(2026, 6, 30)


def _setup(conn: Any, n: int) -> tuple[int, dict[str, dict[str, int]], dict[str, int]]:
    acct = funds.open_account(conn, "maintenance", "district:320102", "测试银行", "WX-TEST-1", "320102", "")
    homes = funds.open_subject_accounts(conn, acct, [f"home:{i}" for i in range(1, n + 1)])
    again = funds.open_subject_accounts(conn, acct, [f"home:{i}" for i in range(1, n + 1)])
    assert again == homes  # opening twice keeps the accounts
    return acct, homes, funds.ledger_accounts(conn, acct)


def test_allocations_post_lines_set_wise_and_each_line_is_provable(empty_engine: Engine) -> None:
    with empty_engine.begin() as conn:
        acct, homes, own = _setup(conn, 7)
        # two journals: homes 1–4 and homes 5–7, each home credited 100 × its number
        allocs = [
            funds.AllocationIn(
                acct, "interest", f"INT-2025-{g}", DAY, "2025 年增值分配", own["interest"], subject=f"estate:{g}"
            )
            for g in (1, 2)
        ]
        num = func.cast(func.substr(fund_ledger_accounts.c.subject, 6), fund_ledger_accounts.c.id.type)
        q = select(literal("INT-2025-1"), fund_ledger_accounts.c.id, num * 100).where(
            fund_ledger_accounts.c.kind == "home", num <= 4
        )
        q2 = select(literal("INT-2025-2"), fund_ledger_accounts.c.id, num * 100).where(
            fund_ledger_accounts.c.kind == "home", num > 4
        )
        jids = funds.post_allocations(conn, allocs, q.union_all(q2), side="credit")
        assert len(jids) == 2
        rows = {r.id: r for r in conn.execute(select(fund_journals).where(fund_journals.c.id.in_(jids)))}
        assert rows[jids[0]].amount_fen == 1000 and rows[jids[0]].lines == 4
        assert rows[jids[1]].amount_fen == 1800 and rows[jids[1]].lines == 3
        bal = funds.balances(conn, [acct])[acct]
        assert bal["home"] == -2800 and bal["interest"] == 2800  # credit-positive homes, debit the counter
        assert funds.unbalanced_journals(conn) == []
        for i in range(1, 8):
            lid = homes[f"home:{i}"]["home"]
            page = funds.account_postings(conn, lid, limit=10, offset=0)
            assert page.total == 1 and page.items[0]["credit_fen"] == 100 * i and page.items[0]["allocation"]
        # home 6's line, proved in its journal's lines root and the entry in the log
        p = funds.line_proof(conn, jids[1], homes["home:6"]["home"])
    entry = json.loads(p["entry"])
    assert entry["lines"] == 3 and entry["lines_side"] == "credit" and entry["amount_fen"] == 1800
    assert json.loads(p["line"]) == {"account": f"{acct}:home:home:6", "credit_fen": 600, "debit_fen": 0}
    algo = p["algorithm"]
    line_leaf = verify.leaf_hash(p["line"].encode(), algo)
    assert verify.check_inclusion(
        line_leaf, p["line_index"], p["lines"], [bytes.fromhex(x) for x in p["line_proof"]],
        bytes.fromhex(entry["lines_root"]), algo,
    ) is None  # fmt: skip
    assert verify.check_inclusion(
        verify.leaf_hash(p["entry"].encode(), algo), p["index"], p["size"], [bytes.fromhex(x) for x in p["proof"]],
        bytes.fromhex(p["root"]), algo,
    ) is None  # fmt: skip
    # a tampered line does not verify
    forged = verify.leaf_hash(p["line"].replace("600", "700").encode(), algo)
    assert verify.check_inclusion(
        forged, p["line_index"], p["lines"], [bytes.fromhex(x) for x in p["line_proof"]],
        bytes.fromhex(entry["lines_root"]), algo,
    ) is not None  # fmt: skip


def test_a_debit_allocation_takes_money_out_of_the_lines(empty_engine: Engine) -> None:
    with empty_engine.begin() as conn:
        acct, homes, own = _setup(conn, 3)
        la = fund_ledger_accounts
        funds.post_allocations(
            conn, [funds.AllocationIn(acct, "deposit", "DEP-1", DAY, "交存", own["bank"])],
            select(literal("DEP-1"), la.c.id, literal(5000)).where(la.c.kind == "home"), side="credit",
        )  # fmt: skip
        funds.post_allocations(
            conn, [funds.AllocationIn(acct, "spend", "SP-1", DAY, "电梯维修分摊", own["payable"])],
            select(literal("SP-1"), la.c.id, literal(1200)).where(la.c.kind == "home"), side="debit",
        )  # fmt: skip
        for h in homes.values():
            assert funds.balances(conn, [acct], subject=None)[acct]  # the account has balances
            assert conn.execute(select(la.c.balance_fen).where(la.c.id == h["home"])).scalar_one() == -3800
        assert funds.balances(conn, [acct])[acct]["payable"] == -3600
        assert funds.unbalanced_journals(conn) == []


@pytest.mark.parametrize("case", ["counter_as_line", "other_fund", "no_lines", "kind", "counter"])
def test_a_bad_allocation_is_refused(empty_engine: Engine, case: str) -> None:
    la = fund_ledger_accounts
    with empty_engine.connect() as conn:
        acct, _, own = _setup(conn, 2)
        other = funds.open_account(conn, "maintenance", "district:320104", "测试银行", "WX-TEST-2", "320104", "")
        other_home = funds.open_subject_accounts(conn, other, ["home:99"])["home:99"]["home"]
        conn.commit()
        before = conn.execute(select(func.count()).select_from(fund_postings)).scalar_one()
        counter, kind = own["interest"], "interest"
        lines: Any = select(literal("X-1"), la.c.id, literal(10)).where(
            la.c.kind == "home", la.c.fund_account_id == acct
        )
        if case == "counter_as_line":
            lines = select(literal("X-1"), la.c.id, literal(10)).where(la.c.id == own["interest"])
        elif case == "other_fund":
            lines = select(literal("X-1"), la.c.id, literal(10)).where(la.c.id == other_home)
        elif case == "no_lines":
            lines = select(literal("X-1"), la.c.id, literal(10)).where(la.c.id == -1)
        elif case == "kind":
            kind = "rent"
        else:
            counter = funds.ledger_accounts(conn, other)["interest"]
        with pytest.raises(funds.UnbalancedJournal):
            funds.post_allocations(
                conn, [funds.AllocationIn(acct, kind, "X-1", DAY, "x", counter)], lines, side="credit"
            )
        conn.rollback()
        assert conn.execute(select(func.count()).select_from(fund_postings)).scalar_one() == before
        assert funds.unbalanced_journals(conn) == []
        assert ledger.tree_head(conn, "maintenance_fund").size == 0


def test_lines_whose_codes_need_escaping_are_provable(empty_engine: Engine) -> None:
    # the lines root formats plain codes directly and escapes the others as json.dumps does: a quote,
    # a backslash, Chinese and a control character in subjects, each line proved against the root
    subjects = ['home:"甲"', "home:a\\b", "home:单元\t1", "home:plain"]
    la = fund_ledger_accounts
    with empty_engine.begin() as conn:
        acct = funds.open_account(conn, "maintenance", "district:320102", "测试银行", "WX-ESC-1", "320102", "")
        opened = funds.open_subject_accounts(conn, acct, subjects)
        own = funds.ledger_accounts(conn, acct)
        [jid] = funds.post_allocations(
            conn, [funds.AllocationIn(acct, "interest", "ESC-1", DAY, "增值分配", own["interest"])],
            select(literal("ESC-1"), la.c.id, la.c.id * 10).where(la.c.kind == "home"), side="credit",
        )  # fmt: skip
        proofs = {s: funds.line_proof(conn, jid, opened[s]["home"]) for s in subjects}
    for s, p in proofs.items():
        line = json.loads(p["line"])
        assert line["account"] == f"{acct}:home:{s}" and p["line"].encode() == funds.line_bytes(
            line["account"], line["debit_fen"], line["credit_fen"]
        )
        assert verify.check_inclusion(
            verify.leaf_hash(p["line"].encode(), p["algorithm"]), p["line_index"], p["lines"],
            [bytes.fromhex(x) for x in p["line_proof"]], bytes.fromhex(p["lines_root"]), p["algorithm"],
        ) is None  # fmt: skip
