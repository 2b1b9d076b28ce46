"""Random inspections of property-service companies (双随机抽查, issue 22): the credit context's one draw
(``credit.freeze_draw``: tickets weighted by grade, the public seed, the verifiable log) over the filed
companies as credit subjects (type ``property_service``) and a pool of inspectors. This module only
makes sure every filed company of the district has its credit file, then freezes a draw limited to
that type; the draw is run and each inspection's outcome recorded (a credit event: clean or the
problems found) on the credit context's pages (``/credit/inspections/<id>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import Connection, func, or_, select

from anju import credit
from anju.core.scope import Scope
from anju.estates import quality_credit
from anju.estates.tables import estates_companies
from anju.security import Caller, Keyring


@dataclass(frozen=True)
class DrawIn:
    title: str
    sample_size: int
    inspectors: Sequence[str]
    district_code: str | None = None


def start_draw(conn: Connection, kr: Keyring, caller: Caller, d: DrawIn) -> int:
    """Give the district's filed companies their credit files (idempotent), then freeze a credit draw
    over property-service companies only; returns the draw's id (the credit context's)."""
    quality_credit.ensure_company_subjects(conn, kr, district=d.district_code or None)
    return credit.freeze_draw(
        conn,
        caller,
        credit.DrawIn(
            title=d.title,
            subject_types=[quality_credit.SUBJECT_TYPE],
            sample_size=d.sample_size,
            inspectors=list(d.inspectors),
            district_code=d.district_code or None,
        ),
    )


class CompanyCounts(TypedDict):
    filed: int  # filed companies registered in the scope's districts or streets
    total: int


def company_counts(conn: Connection, scope: Scope) -> CompanyCounts:
    """How many companies are filed in scope (by where they are registered)."""
    c = estates_companies.c
    conds: list[Any] = []
    if not scope.unrestricted:
        conds.append(or_(c.street_code.in_(sorted(scope.streets or ())), c.district_code == scope.code))
    rows: dict[str, int] = {
        str(k): int(n) for k, n in conn.execute(select(c.status, func.count()).where(*conds).group_by(c.status))
    }
    return {"filed": int(rows.get("filed", 0)), "total": int(sum(rows.values()))}
