"""Retention of rental records (数据保留): the tenants of leases closed long ago are pseudonymised.

Called by the exchange's retention rules (``anju.exchange``: ``RetentionAction``) through this
context's public API. A lease is closed when it was terminated, expired or its filing cancelled, or
when its term ran out while it stayed filed; its closing day is ``ended_on`` (early termination,
cancellation) or else ``end_on``. Pseudonymising replaces the tenant's encrypted name and ID number
with a pseudonym naming only the lease, replaces the tenant's blind index (which links the lease to
the person's other records) with an unlinkable marker and drops the tenant's account, also from the
lease's events the tenant made (``rental_lease_events.actor_account_id``). What stays: the home, the
term, the rent (the figures and guidance rents rest on them) and the landlord.

What pseudonymising cannot remove: the lease's entries in the verifiable log "rental" carry the
lease number and the tenant's blind index as it was. The log is append-only (its Merkle tree and the
signed heads published from it would no longer verify if an entry changed), so the entry stays; it
links the lease to the person only for someone who holds the index key and the person's ID number,
and the blind index on the lease itself no longer matches, so the live records do not link.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Connection, and_, bindparam, func, or_, select, update

from anju.rental.domain import LeaseStatus
from anju.rental.tables import rental_lease_events, rental_leases
from anju.security import Keyring

#: The blind-index column's value once a lease's tenant is pseudonymised (it matches no person).
PSEUDONYM_PREFIX = "pseudonym:"
CHUNK = 1000

_CLOSED = (LeaseStatus.terminated, LeaseStatus.expired, LeaseStatus.cancelled)


def _due(before: date) -> list[ColumnElement[bool]]:
    t = rental_leases
    closed_on = func.coalesce(t.c.ended_on, t.c.end_on)
    return [
        or_(t.c.status.in_(_CLOSED), and_(t.c.status == LeaseStatus.filed, t.c.end_on < before)),
        closed_on < before,
        _not_done(),
    ]


def _not_done() -> ColumnElement[bool]:
    return rental_leases.c.tenant_bidx.not_like(f"{PSEUDONYM_PREFIX}%")


def pseudonymise_closed(conn: Connection, before: date, *, keyring: Keyring, dry_run: bool = False) -> int:
    """Pseudonymise the tenants of leases closed before ``before`` (not yet pseudonymised); with
    ``dry_run`` only count them. In bulk (executemany by chunks), in the caller's transaction."""
    t = rental_leases
    if dry_run:
        return int(conn.execute(select(func.count()).select_from(t).where(*_due(before))).scalar_one())
    stmt = (
        update(t)
        .where(t.c.id == bindparam("b_id"), _not_done())  # still due: a re-run or a parallel run touches nothing
        .values(
            tenant_bidx=bindparam("b_bidx"),
            tenant_name_enc=bindparam("b_name"),
            tenant_id_enc=bindparam("b_idno"),
            tenant_account_id=None,
        )
    )
    e = rental_lease_events
    events = (
        update(e)
        .where(e.c.lease_id == bindparam("b_lease"), e.c.actor_account_id == bindparam("b_acct"))
        .values(actor_account_id=None)
    )
    done = 0
    while True:
        rows = conn.execute(
            select(t.c.id, t.c.lease_no, t.c.tenant_account_id).where(*_due(before)).order_by(t.c.id).limit(CHUNK)
        ).all()
        if not rows:
            return done
        acted = [{"b_lease": r.id, "b_acct": r.tenant_account_id} for r in rows if r.tenant_account_id is not None]
        if acted:  # the tenant's own acts on the lease (signing) no longer name the tenant's account
            conn.execute(events, acted)
        changed = conn.execute(
            stmt,
            [
                {
                    "b_id": r.id,
                    "b_bidx": f"{PSEUDONYM_PREFIX}{r.id}",
                    "b_name": keyring.encrypt(f"已匿名化承租人{r.lease_no}", "rental_leases.tenant_name"),
                    "b_idno": keyring.encrypt(f"已匿名化{r.lease_no}", "rental_leases.tenant_id"),
                }
                for r in rows
            ],
        )
        done += changed.rowcount
