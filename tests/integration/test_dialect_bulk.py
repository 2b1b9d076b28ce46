"""The bulk helpers of ``core.dialect`` that hot paths use, on both databases: ``stream_tuples``
(plain driver tuples, in batches, nested streams) and ``add_to_column`` (deltas by id, twice in one
transaction)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from anju import funds
from anju.core.dialect import add_to_column, stream_tuples
from anju.funds.tables import fund_ledger_accounts


def test_stream_tuples_and_add_to_column(empty_engine: Engine) -> None:
    la = fund_ledger_accounts
    with empty_engine.begin() as conn:
        acct = funds.open_account(conn, "maintenance", "district:320102", "测试银行", "WX-DB-1", "320102", "")
        opened = funds.open_subject_accounts(conn, acct, [f"home:{i}" for i in range(1, 26)])
        ids = sorted(v["home"] for v in opened.values())
        q = select(la.c.id, la.c.code).where(la.c.id.in_(ids)).order_by(la.c.id)
        batches = list(stream_tuples(conn, q, batch=10))
        assert [len(b) for b in batches] == [10, 10, 5]
        rows = [tuple(r) for b in batches for r in b]
        assert rows == [(r.id, r.code) for r in conn.execute(q)]
        assert all(type(i) is int and type(c) is str for i, c in rows)
        # a stream inside a stream (PostgreSQL: two server-side cursors at once)
        inner = [len(list(stream_tuples(conn, q, batch=7))) for _ in stream_tuples(conn, q, batch=10)]
        assert inner == [4, 4, 4]
        add_to_column(conn, la, "balance_fen", [(i, 100 * n) for n, i in enumerate(ids[:5], 1)])
        add_to_column(conn, la, "balance_fen", [(ids[0], -30), (ids[24], 7)])
        add_to_column(conn, la, "balance_fen", [])
        got = {r.id: r.balance_fen for r in conn.execute(select(la.c.id, la.c.balance_fen).where(la.c.id.in_(ids)))}
    assert [got[i] for i in ids[:5]] == [70, 200, 300, 400, 500]
    assert got[ids[24]] == 7 and all(got[i] == 0 for i in ids[5:24])
