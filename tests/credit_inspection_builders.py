"""Credit subjects (and grades) for the random-inspection tests, written straight into the tables (the
subjects' and grades' own services belong to other parts of the credit context)."""

from __future__ import annotations

import hashlib
import itertools
import json

from sqlalchemy import Connection

from anju.core import clock
from anju.credit.tables import credit_grades, credit_subjects

_seq = itertools.count(1)


def subject(
    conn: Connection,
    kind: str,
    district: str | None,
    street: str | None,
    grade: str | None = None,
    name: str | None = None,
    tag: str = "",
) -> int:
    """A subject of ``kind`` (an organisation unless a practitioner) with an optional current grade."""
    n = next(_seq)
    bidx = hashlib.sha256(f"inspect-{tag}-{n}-{clock.now().isoformat()}".encode()).hexdigest()
    person = kind == "practitioner"
    now = clock.now()
    sid = conn.execute(
        credit_subjects.insert()
        .values(
            subject_bidx=bidx,
            subject_kind="person" if person else "org",
            kind=kind,
            name=None if person else (name or f"抽查测试企业{n}"),
            name_enc=None,
            credit_code=None if person else f"91320100MA{n:08d}",
            district_code=district,
            street_code=street,
            links=json.dumps([]),
            first_seen_at=now,
            updated_at=now,
        )
        .returning(credit_subjects.c.id)
    ).scalar_one()
    if grade is not None:
        conn.execute(
            credit_grades.insert().values(
                subject_bidx=bidx,
                subject_kind="person" if person else "org",
                edition="test",
                score_centi=10000,
                grade=grade,
                as_of=clock.today(),
                events=0,
                explanation="[]",
                computed_at=now,
            )
        )
    return int(sid)
