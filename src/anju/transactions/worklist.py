"""What waits in transactions for the caller (the workbench, ``anju.core.worklist``): a buyer's
contracts waiting for their signature, and the resale contracts waiting for the caller's signature as
seller or buyer; the bureau's staff see the contracts signed and not yet filed in their streets;
officers who decide them see the presale fund releases waiting for approval."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from anju.core.worklist import WorkItem
from anju.security import Caller
from anju.transactions.domain import ContractStatus
from anju.transactions.registrations import registration_links
from anju.transactions.tables import presale_fund_supervisions, presale_releases, resale_contracts, sale_contracts


def _count(conn: Connection, *conds: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(sale_contracts).where(*conds)).scalar_one())


def items(conn: Connection, caller: Caller) -> list[WorkItem]:
    out: list[WorkItem] = []
    if caller.can("transactions.buy") and caller.account_id is not None:
        waiting = _count(
            conn,
            sale_contracts.c.buyer_account_id == caller.account_id,
            sale_contracts.c.status == ContractStatus.draft,
            sale_contracts.c.buyer_signed_at.is_(None),
        )
        out.append(WorkItem("待我签署的购房合同", waiting, "/transactions/me/contracts"))
        r = resale_contracts.c
        me = caller.account_id
        resale = conn.execute(
            select(func.count()).where(
                r.status == "draft",
                or_(
                    and_(r.seller_account_id == me, r.seller_signed_at.is_(None)),
                    and_(r.buyer_account_id == me, r.buyer_signed_at.is_(None)),
                ),
            )
        ).scalar_one()
        out.append(WorkItem("待我签署的存量房合同", int(resale), "/transactions/resale/me"))
    if caller.can("transactions.read") and caller.scope.level != "own":
        unfiled = _count(
            conn, sale_contracts.c.status == ContractStatus.signed, *caller.scope.where(sale_contracts.c.street_code)
        )
        out.append(WorkItem("已签约未备案的商品房合同", unfiled, "/transactions/staff/contracts"))
        review = registration_links(conn, scope=caller.scope, unlinked_only=True, limit=1, offset=0).total
        out.append(WorkItem("待核查的转移登记", review, "/transactions/staff/registrations", review))
    if caller.can("transactions.manage"):
        s = presale_fund_supervisions
        pending = conn.execute(
            select(func.count())
            .select_from(presale_releases)
            .join(s, s.c.project_id == presale_releases.c.project_id)
            .where(presale_releases.c.status == "requested", *caller.scope.where(s.c.street_code))
        ).scalar_one()
        out.append(WorkItem("待审批的预售资金拨付", int(pending), "/transactions/staff/funds"))
    return out
