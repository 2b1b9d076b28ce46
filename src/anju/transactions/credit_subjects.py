"""Filed development enterprises (房地产开发企业) as credit subjects (信用主体), named by their credit
code's blind index (``credit_code``, the same index every context gives an organisation).

:func:`subjects` is this context's provider (``anju.contexts``: ``credit_subjects``), read by
``anju credit sync``; :func:`file_developer_subject` is what filing a developer calls, in its own
transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, select

from anju import credit
from anju.core import clock
from anju.security import Keyring
from anju.transactions.tables import developers

CHUNK = 2000
_D = developers.c
_COLS = (_D.id, _D.credit_code, _D.name, _D.district_code, _D.street_code)


def developer_subject(kr: Keyring, r: Any) -> credit.SubjectIn:
    return credit.SubjectIn(
        subject_bidx=kr.blind_index(r.credit_code, "credit_code"),
        subject_kind="org",
        kind="developer",
        name=r.name,
        credit_code=r.credit_code,
        district_code=r.district_code or None,
        street_code=r.street_code or None,
        link=("transactions", "developer", int(r.id)),
    )


def subjects(conn: Connection, kr: Keyring) -> Iterator[credit.SubjectIn]:
    """Every filed developer, streamed in chunks (keyset by id)."""
    last = 0
    while rows := conn.execute(select(*_COLS).where(_D.id > last).order_by(_D.id).limit(CHUNK)).all():
        yield from (developer_subject(kr, r) for r in rows)
        last = int(rows[-1].id)


def file_developer_subject(
    conn: Connection, kr: Keyring, developer_id: int, code: str, name: str, district_code: str, street_code: str
) -> None:
    """Create (or link) the credit file of a developer just filed, from the filed values (one upsert)."""
    row = SimpleNamespace(
        id=developer_id, credit_code=code, name=name, district_code=district_code, street_code=street_code
    )
    credit.ensure_subjects(conn, [developer_subject(kr, row)], clock.now())
