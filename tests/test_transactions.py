"""One write is one transaction, on both databases: nothing a failed use case wrote survives it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, insert, select

from anju.core import clock
from anju.security import audit_log


def _row(n: int) -> dict[str, object]:
    return {"at": clock.now(), "actor": "t", "action": f"tx.test{n}", "outcome": "ok"}


def _count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(
            c.execute(
                select(func.count()).select_from(audit_log).where(audit_log.c.action.like("tx.test%"))
            ).scalar_one()
        )


def test_a_savepoint_that_comes_first_is_rolled_back_with_its_transaction(empty_engine: Engine) -> None:
    """pysqlite alone would let a SAVEPOINT open the transaction and its RELEASE commit it."""
    with pytest.raises(RuntimeError), empty_engine.begin() as conn:
        with conn.begin_nested():
            conn.execute(insert(audit_log).values(**_row(1)))
        conn.execute(insert(audit_log).values(**_row(2)))
        raise RuntimeError("the use case fails after its savepoint")
    assert _count(empty_engine) == 0


def test_a_rolled_back_savepoint_keeps_the_rest_of_the_transaction(empty_engine: Engine) -> None:
    with empty_engine.begin() as conn:
        conn.execute(insert(audit_log).values(**_row(1)))
        nested = conn.begin_nested()
        conn.execute(insert(audit_log).values(**_row(2)))
        nested.rollback()
        conn.execute(insert(audit_log).values(**_row(3)))
    with empty_engine.connect() as c:
        actions = sorted(c.execute(select(audit_log.c.action).where(audit_log.c.action.like("tx.test%"))).scalars())
    assert actions == ["tx.test1", "tx.test3"]
