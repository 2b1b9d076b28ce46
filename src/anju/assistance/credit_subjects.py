"""Assistance households (保障对象家庭) as credit subjects (信用主体): each application's applicant,
named by the blind index of the applicant's ID (``id_number``, the index assistance's exit events
carry), with the name re-encrypted for the credit file. A household that applied more than once has
one file linked to every application.

:func:`subjects` is this context's provider (``anju.contexts``: ``credit_subjects``), read by
``anju credit sync``.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, select

from anju import credit
from anju.assistance.tables import application_members, applications
from anju.security import Keyring

CHUNK = 2000
_M = application_members.c
_A = applications.c


def subjects(conn: Connection, kr: Keyring) -> Iterator[credit.SubjectIn]:
    """Every application's applicant (member 0), streamed in chunks (keyset by member id)."""
    last = 0
    joined = application_members.join(applications, _M.application_id == _A.id)
    stmt = select(_M.id, _M.id_bidx, _M.name_enc, _A.id.label("app_id"), _A.district_code, _A.street_code)
    while rows := conn.execute(
        stmt.select_from(joined).where(_M.seq == 0, _M.id > last).order_by(_M.id).limit(CHUNK)
    ).all():
        for r in rows:
            name = kr.decrypt(r.name_enc, "application_members.name") if r.name_enc else ""
            yield credit.SubjectIn(
                subject_bidx=r.id_bidx,
                subject_kind="person",
                kind="household",
                name_enc=kr.encrypt(name, credit.SUBJECT_NAME_COLUMN) if name else None,
                district_code=r.district_code or None,
                street_code=r.street_code or None,
                link=("assistance", "application", int(r.app_id)),
            )
        last = int(rows[-1].id)
