"""Retention of assistance records (数据保留): applications refused or withdrawn long ago are pseudonymised.

Called by the exchange's retention rules (``anju.exchange``: ``RetentionAction``) through this
context's public API. An application is closed when it was rejected (不予批准) or withdrawn (已撤回);
its closing time is ``closed_at``, else ``decided_at``, else its last change. Pseudonymising replaces
every member's encrypted name and ID number with a pseudonym naming only the application and the
member's place in it, replaces the members' blind indexes (in the members and in their consents) with
unlinkable markers, drops the contact phone, the applicant's account and the consenting accounts,
blanks the free text (the objections' text, the reasons written on the application's steps: they may
name people) and empties the uploaded documents (their SHA-256 stays as evidence of what was
submitted). What stays: the programme, the district, the household's size and figures, the decision
and the steps' kinds and times (the figures rest on them).

What pseudonymising cannot remove: the decisions' entries in the verifiable log "assistance" stay as
appended (the log is append-only: a changed entry would break its Merkle tree and the published
signed heads); they carry no name or ID number, only what the entry recorded at the time.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Connection, bindparam, exists, func, select, update

from anju.assistance.common import midnight
from anju.assistance.domain import AppStatus
from anju.assistance.tables import (
    application_documents,
    application_members,
    application_steps,
    applications,
    member_consents,
    objections,
)
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
        update(member_consents)
        .where(member_consents.c.id == bindparam("b_id"))
        .values(member_bidx=bindparam("b_bidx"), account_id=None)
    )
    done = 0
    while True:
        apps = conn.execute(select(a.c.id, a.c.app_no).where(*_due(before)).order_by(a.c.id).limit(CHUNK)).all()
        if not apps:
            return done
        # claim the applications still due (the due condition is in the UPDATE: a re-run or a parallel
        # run claims nothing); only what this run claimed is pseudonymised and counted
        claimed = conn.execute(
            update(a)
            .where(a.c.id.in_([r.id for r in apps]), *_due(before))
            .values(contact_phone_enc=None, account_id=None)
            .returning(a.c.id)
        ).scalars()
        ids = sorted(int(i) for i in claimed)
        if not ids:
            continue
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
        # free text may name people: the objections' text and the steps' reasons are blanked
        conn.execute(update(objections).where(objections.c.application_id.in_(ids)).values(text=REMOVED))
        conn.execute(
            update(application_steps)
            .where(application_steps.c.application_id.in_(ids), application_steps.c.reason.is_not(None))
            .values(reason=REMOVED)
        )
        conn.execute(
            update(application_documents)
            .where(application_documents.c.application_id.in_(ids))
            .values(content=b"", size=0, filename=REMOVED)
        )
        done += len(ids)
