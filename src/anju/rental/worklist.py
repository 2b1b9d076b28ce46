"""What waits in rental supervision for the caller (the workbench, ``anju.core.worklist``): staff's
flagged listings and open complaints (overdue ones urgent); a lister's drafts not yet verified; a
party's leases waiting for its signature."""

from __future__ import annotations

from sqlalchemy import Connection, and_, func, or_, select

from anju.core.worklist import WorkItem
from anju.rental import domain, governance, listing_queries
from anju.rental.tables import rental_leases, rental_listings
from anju.security import Caller

_UNSIGNED = (domain.LeaseStatus.draft.value, domain.LeaseStatus.signing.value)


def items(conn: Connection, caller: Caller) -> list[WorkItem]:
    out: list[WorkItem] = []
    if caller.can("rental.handle"):
        flagged = conn.execute(
            select(func.count())
            .select_from(rental_listings)
            .where(
                rental_listings.c.status == domain.ListingStatus.pending_review,
                *caller.scope.where(rental_listings.c.street_code),
            )
        ).scalar_one()
        out.append(WorkItem("待复核的房源", int(flagged), "/rental/staff/listings?status=pending_review"))
        open_ = governance.ComplaintFilter(open_only=True)
        n_open = governance.list_complaints(conn, open_, scope=caller.scope, limit=1, offset=0).total
        late = governance.ComplaintFilter(open_only=True, overdue=True)
        n_late = governance.list_complaints(conn, late, scope=caller.scope, limit=1, offset=0).total
        out.append(WorkItem("待处理的投诉", n_open, "/rental/complaints", n_late))
    if caller.can("rental.publish"):
        drafts = listing_queries.my_listings(conn, caller, 0, status="draft", limit=1, offset=0).total
        out.append(WorkItem("未核验的房源草稿", drafts, "/rental/me/listings"))
    if caller.can("rental.sign") and caller.account_id is not None:
        me = caller.account_id
        unsigned = conn.execute(
            select(func.count())
            .select_from(rental_leases)
            .where(
                rental_leases.c.status.in_(_UNSIGNED),
                or_(
                    and_(rental_leases.c.landlord_account_id == me, rental_leases.c.landlord_signed_at.is_(None)),
                    and_(rental_leases.c.tenant_account_id == me, rental_leases.c.tenant_signed_at.is_(None)),
                ),
            )
        ).scalar_one()
        out.append(WorkItem("待我签署的租赁合同", int(unsigned), "/rental/me/leases"))
    return out
