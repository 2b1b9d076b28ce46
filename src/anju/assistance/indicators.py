"""Assistance's indicator provider (the dictionary's ``assistance.*`` entries that the platform's data
answers, ``indicators/data/plan.toml``): assisted homes made available per programme kind, per street,
district and city, per year — the figures page's supply count (:data:`anju.assistance.figures.SUPPLIED`,
the year a home became available, ``since``) by kind.

One grouped query over the assisted homes (programme, district, street, year) and one over the
programmes' kinds; :func:`anju.indicators.rollup` sums them up (no home supplied is a zero).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Integer, cast, extract, func, select

from anju.assistance.domain import Kind
from anju.assistance.figures import SUPPLIED, programmes
from anju.assistance.tables import assisted_homes
from anju.indicators import Measurement, rollup

H = assisted_homes.c
#: indicator code → the programme kinds whose homes it counts
KINDS: dict[str, frozenset[Kind]] = {
    "assistance.assisted_homes_supplied": frozenset(
        {Kind.public_rental, Kind.affordable_rental, Kind.shared_ownership, Kind.resettlement}
    ),
    "assistance.assisted_ownership_homes_supplied": frozenset({Kind.shared_ownership, Kind.resettlement}),
    "assistance.assisted_rental_homes_supplied": frozenset({Kind.public_rental, Kind.affordable_rental}),
    "assistance.affordable_rental_raised": frozenset({Kind.affordable_rental}),
    "assistance.public_rental_raised": frozenset({Kind.public_rental}),
    "assistance.shared_ownership_raised": frozenset({Kind.shared_ownership}),
    "assistance.talent_homes_raised": frozenset({Kind.talent_rental}),
}


def measurements(conn: Connection, years: Sequence[int]) -> Iterator[Measurement]:
    """Every supply indicator of :data:`KINDS` for ``years`` at the street, district and city levels."""
    kind_of = {code: p.kind for code, p in programmes(conn).items()}
    year = cast(extract("year", H.since), Integer)
    rows = conn.execute(
        select(H.programme_code, H.district_code, H.street_code, year.label("year"), func.count())
        .where(SUPPLIED, H.since >= date(min(years), 1, 1), H.since <= date(max(years), 12, 31))
        .group_by(H.programme_code, H.district_code, H.street_code, year)
    )
    facts = []
    for programme, district, street, y, n in rows:
        kind = kind_of.get(programme)
        for code, kinds in KINDS.items():
            if kind in kinds:
                facts.append((code, str(district), str(street), int(y), Decimal(n)))
    yield from rollup(conn, list(KINDS), years, facts)
