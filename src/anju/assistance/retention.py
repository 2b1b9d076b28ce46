"""Retention of assistance records (数据保留): applications refused or withdrawn long ago are pseudonymised.

Called by the exchange's retention rules (``anju.exchange``: ``RetentionAction``) through this
context's public API. An application is closed when it was rejected (不予批准) or withdrawn (已撤回);
its closing time is ``closed_at``, else ``decided_at``, else its last change. Pseudonymising replaces
every member's encrypted name and ID number with a pseudonym naming only the application and the
member's place in it, replaces the members' blind indexes (in the members and in their consents) with
unlinkable markers, drops the contact phone and the applicant's account, and empties the uploaded
documents (their SHA-256 stays as evidence of what was submitted). What stays: the programme, the
district, the household's size and figures, the decision and its reasons (the figures rest on them).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Connection, bindparam, exists, func, select, update

from anju.assistance.common import midnight
from anju.assistance.domain import AppStatus
from anju.assistance.tables import application_documents, application_members, applications, member_consents
from anju.security import Keyring

PSEUDONYM_PREFIX = "pseudonym:"
CHUNK = 500
REMOVED = "已按数据保留规则删除"


def _due(before: date) -> list[ColumnElement[bool]]:
    a, m = applications, application_members
    closed_at = func.coalesce(a.c.closed_at, a.c.decided_at, a.c.updated_at)
    return [
        a.c.status.in_((AppStatus.rejected, AppStatus.withdrawn)),
        closed_at < midnight(before),
        exists().where(m.c.application_id == a.c.id, m.c.id_bidx.not_like(f"{PSEUDONYM_PREFIX}%")),
    ]


def pseudonymise_closed(conn: Connection, before: date, *, keyring: Keyring, dry_run: bool = False) -> int:
    """Pseudonymise the applications closed (rejected, withdrawn) before ``before`` and not yet
    pseudonymised; with ``dry_run`` only count them. Returns the number of applications. In bulk
    (executemany by chunks), in the caller's transaction."""
    a, m = applications, application_members
    if dry_run:
        return int(conn.execute(select(func.count()).select_from(a).where(*_due(before))).scalar_one())
    members = (
        update(m)
        .where(m.c.id == bindparam("b_id"))
        .values(id_bidx=bindparam("b_bidx"), name_enc=bindparam("b_name"), id_number_enc=bindparam("b_idno"))
    )
    consents = (
        update(member_consents).where(member_consents.c.id == bindparam("b_id")).values(member_bidx=bindparam("b_bidx"))
    )
    done = 0
    while True:
        apps = conn.execute(select(a.c.id, a.c.app_no).where(*_due(before)).order_by(a.c.id).limit(CHUNK)).all()
        if not apps:
            return done
        ids = [r.id for r in apps]
        no = {r.id: r.app_no for r in apps}
        rows = conn.execute(select(m.c.id, m.c.application_id, m.c.seq).where(m.c.application_id.in_(ids))).all()
        pseudonym = {r.id: f"已匿名化{no[r.application_id]}-{r.seq}" for r in rows}
        conn.execute(
            members,
            [
                {
                    "b_id": r.id,
                    "b_bidx": f"{PSEUDONYM_PREFIX}m{r.id}",
                    "b_name": keyring.encrypt(pseudonym[r.id], "application_members.name"),
                    "b_idno": keyring.encrypt(pseudonym[r.id], "application_members.id_number"),
                }
                for r in rows
            ],
        )
        taken = conn.execute(select(member_consents.c.id).where(member_consents.c.application_id.in_(ids))).all()
        if taken:
            conn.execute(consents, [{"b_id": r.id, "b_bidx": f"{PSEUDONYM_PREFIX}c{r.id}"} for r in taken])
        conn.execute(update(a).where(a.c.id.in_(ids)).values(contact_phone_enc=None, account_id=None))
        conn.execute(
            update(application_documents)
            .where(application_documents.c.application_id.in_(ids))
            .values(content=b"", size=0, filename=REMOVED)
        )
        done += len(apps)
