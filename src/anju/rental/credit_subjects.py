"""The rental market's parties as credit subjects (信用主体): filed enterprises (住房租赁企业) and
agencies (房地产经纪机构), named by their credit code's blind index — the same ``credit_code`` index
the supervision and inspection events of a party carry — and practitioners (从业人员), named by their
ID's blind index (``id_number``) with the name re-encrypted for the credit file.

:func:`subjects` is this context's provider (``anju.contexts``: ``credit_subjects``), read by
``anju credit sync``; :func:`file_party_subject` and :func:`file_practitioner_subject` are what the
filing paths call, in their own transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, select

from anju import credit
from anju.core import clock
from anju.rental.tables import rental_parties, rental_practitioners
from anju.security import Keyring

CHUNK = 2000
#: A filed party's kind → its credit subject type.
PARTY_TYPES = {"enterprise": "rental_enterprise", "agency": "agency"}


def party_subject(kr: Keyring, r: Any) -> credit.SubjectIn:
    """A party row (``id, kind, credit_code, name, district_code, street_code``) as a subject."""
    return credit.SubjectIn(
        subject_bidx=kr.blind_index(r.credit_code, "credit_code"),
        subject_kind="org",
        kind=PARTY_TYPES[r.kind],
        name=r.name,
        credit_code=r.credit_code,
        district_code=r.district_code or None,
        street_code=r.street_code or None,
        link=("rental", "party", int(r.id)),
    )


def practitioner_subject(kr: Keyring, r: Any) -> credit.SubjectIn:
    """A practitioner row (``id, id_bidx, name_enc`` and its party's ``district_code, street_code``)."""
    return credit.SubjectIn(
        subject_bidx=r.id_bidx,
        subject_kind="person",
        kind="practitioner",
        name_enc=kr.encrypt(kr.decrypt(r.name_enc, "rental_practitioners.name"), credit.SUBJECT_NAME_COLUMN),
        district_code=r.district_code or None,
        street_code=r.street_code or None,
        link=("rental", "practitioner", int(r.id)),
    )


_PARTY_KEYS = ("kind", "credit_code", "name", "district_code", "street_code")
_P = rental_parties.c
_PARTY_COLS = (_P.id, _P.kind, _P.credit_code, _P.name, _P.district_code, _P.street_code)
_R = rental_practitioners.c
_PRACT_COLS = (_R.id, _R.id_bidx, _R.name_enc, _P.district_code, _P.street_code)


def subjects(conn: Connection, kr: Keyring) -> Iterator[credit.SubjectIn]:
    """Every filed party and practitioner, streamed in chunks of ``CHUNK`` (keyset by id)."""
    last = 0
    while rows := conn.execute(select(*_PARTY_COLS).where(_P.id > last).order_by(_P.id).limit(CHUNK)).all():
        yield from (party_subject(kr, r) for r in rows)
        last = int(rows[-1].id)
    last = 0
    joined = rental_practitioners.join(rental_parties, _R.party_id == _P.id)
    while people := conn.execute(
        select(*_PRACT_COLS).select_from(joined).where(_R.id > last).order_by(_R.id).limit(CHUNK)
    ).all():
        yield from (practitioner_subject(kr, r) for r in people)
        last = int(people[-1].id)


def file_party_subject(conn: Connection, kr: Keyring, party_id: int, values: Mapping[str, Any]) -> None:
    """Create (or link) the credit file of a party just filed, from the filed values (one upsert)."""
    row = SimpleNamespace(id=party_id, **{k: values[k] for k in _PARTY_KEYS})
    credit.ensure_subjects(conn, [party_subject(kr, row)], clock.now())


def file_practitioner_subject(conn: Connection, kr: Keyring, practitioner_id: int, name: str, id_bidx: str,
                              party: Any) -> None:  # fmt: skip
    """Create (or link) the credit file of a practitioner just added to ``party`` (its row)."""
    subject = credit.SubjectIn(
        subject_bidx=id_bidx,
        subject_kind="person",
        kind="practitioner",
        name_enc=kr.encrypt(name, credit.SUBJECT_NAME_COLUMN),
        district_code=party.district_code or None,
        street_code=party.street_code or None,
        link=("rental", "practitioner", practitioner_id),
    )
    credit.ensure_subjects(conn, [subject], clock.now())
