"""Service quality's credit side (issue 22): a filed property-service company as a credit subject
(信用主体, type ``property_service``, named by its credit code's blind index — the same index the
credit context's other organisations carry) and the credit events service quality reports for it
(source ``estates``, kind ``estates.service_violation``): an upheld complaint, a failed annual
evaluation. Random inspections (双随机) are the credit context's draws over these files.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from anju import credit
from anju.core import clock
from anju.estates.quality_rules import EVENT_KIND
from anju.estates.tables import estates_companies
from anju.security import Keyring

SOURCE = "estates"
SUBJECT_TYPE = "property_service"
_C = estates_companies.c
_COLS = (_C.id, _C.credit_code, _C.name, _C.district_code, _C.street_code, _C.status)


def company_subject(kr: Keyring, r: Any) -> credit.SubjectIn:
    """A company row (``id, credit_code, name, district_code, street_code``) as a credit subject."""
    return credit.SubjectIn(
        subject_bidx=kr.blind_index(r.credit_code, "credit_code"),
        subject_kind="org",
        kind=SUBJECT_TYPE,
        name=r.name,
        credit_code=r.credit_code,
        district_code=r.district_code or None,
        street_code=r.street_code or None,
        link=("estates", "company", int(r.id)),
    )


def ensure_company_subjects(
    conn: Connection, kr: Keyring, company_ids: Sequence[int] | None = None, *, district: str | None = None
) -> int:
    """Idempotently give filed companies a credit file (all filed ones, those of ``district``, or the
    ones named): one set-wise upsert (``credit.ensure_subjects``). Returns how many files were created
    or changed (0 the second time)."""
    conds: list[Any] = [_C.status == "filed"] if company_ids is None else [_C.id.in_(sorted(set(company_ids)))]
    if district:
        conds.append(_C.district_code == district)
    rows = conn.execute(select(*_COLS).where(*conds).order_by(_C.id)).all()
    return credit.ensure_subjects(conn, [company_subject(kr, r) for r in rows], clock.now())


def company_event(
    conn: Connection,
    kr: Keyring,
    company_id: int,
    *,
    severity: str,
    on: date,
    reference: str,
    street_code: str,
    detail: dict[str, Any],
) -> int:
    """Record ``estates.service_violation`` of the company (its credit file ensured first) in the
    caller's transaction; returns the event's id."""
    row = conn.execute(select(*_COLS).where(_C.id == company_id)).one()
    credit.ensure_subjects(conn, [company_subject(kr, row)], clock.now())
    return credit.record_event(
        conn,
        credit.Event(
            subject_kind="org",
            subject_bidx=kr.blind_index(row.credit_code, "credit_code"),
            source=SOURCE,
            kind=EVENT_KIND,
            severity=severity,
            occurred_on=on,
            reference=reference,
            street_code=street_code,
            detail={"company_id": int(company_id), **detail},
            subject_type=SUBJECT_TYPE,
        ),
    )


def company_events(
    conn: Connection, kr: Keyring, items: Sequence[tuple[int, str, date, str, str, dict[str, Any]]]
) -> list[int]:
    """Many ``estates.service_violation`` events set-wise — (company id, severity, day, reference, street,
    detail) each — the companies' files ensured in one upsert, the events in one ``credit.record_events``
    (the synthetic history). Returns the event ids in the order given."""
    if not items:
        return []
    ids = sorted({i[0] for i in items})
    rows = {int(r.id): r for r in conn.execute(select(*_COLS).where(_C.id.in_(ids)))}
    credit.ensure_subjects(conn, [company_subject(kr, rows[i]) for i in ids], clock.now())
    bidx = {i: kr.blind_index(rows[i].credit_code, "credit_code") for i in ids}
    return credit.record_events(
        conn,
        [
            credit.Event(
                subject_kind="org",
                subject_bidx=bidx[cid],
                source=SOURCE,
                kind=EVENT_KIND,
                severity=severity,
                occurred_on=on,
                reference=reference,
                street_code=street,
                detail={"company_id": cid, **detail},
                subject_type=SUBJECT_TYPE,
            )
            for cid, severity, on, reference, street, detail in items
        ],
    )
