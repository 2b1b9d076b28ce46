"""The central data scope: an enterprise staff account's own scope reaches its enterprise's records only."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, MetaData, String, Table, select

from anju.core.scope import OutOfScope, Scope

t = Table("t", MetaData(), Column("street", String), Column("org", String))


def sql(scope: Scope, *, org: bool) -> str:
    conds = scope.where_org(t.c.org) if org else scope.where(t.c.street)
    return str(select(t.c.org).where(*conds).compile(compile_kwargs={"literal_binds": True}))


def test_an_enterprise_scope_matches_its_own_code_and_nothing_else() -> None:
    mine = Scope.own(7, "91320100MA1X2Y3Q5A")
    assert "t.org = '91320100MA1X2Y3Q5A'" in sql(mine, org=True)
    assert "false" in sql(mine, org=False).lower() or "1 != 1" in sql(mine, org=False)  # no streets at all
    mine.require_org("91320100MA1X2Y3Q5A", "x")
    with pytest.raises(OutOfScope, match="监管账户不存在"):
        mine.require_org("91320100MA1X2Y3Q6B", "监管账户不存在")


@pytest.mark.parametrize("scope", [Scope.own(7), Scope.whole_city("320100"), Scope.nothing()])
def test_a_scope_without_an_enterprise_reaches_no_enterprise_records(scope: Scope) -> None:
    where = sql(scope, org=True).lower()
    assert "false" in where or "1 != 1" in where
    with pytest.raises(OutOfScope):
        scope.require_org("91320100MA1X2Y3Q5A", "x")
    with pytest.raises(OutOfScope):
        scope.require_org(None, "x")
