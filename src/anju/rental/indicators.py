"""Rental's indicator provider (``rental.market_rental_homes_added`` in ``indicators/data/plan.toml``):
homes newly brought into market rental by a filed rental **enterprise** — a home counts once, in the
year of its first entrustment to an enterprise (revoked entrustments included: the home was supplied) —
per street, district (the street's managing district or zone, else its district) and city.

One query (the first entrustment per home, grouped by street and year) and one over the divisions for
the streets' districts; :func:`anju.indicators.rollup` sums them up.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

from sqlalchemy import Connection, Integer, cast, extract, func, select

from anju.divisions import divisions_table
from anju.indicators import Measurement, rollup
from anju.rental.tables import rental_entrustments, rental_parties

CODE = "rental.market_rental_homes_added"
E, P, D = rental_entrustments.c, rental_parties.c, divisions_table.c


def measurements(conn: Connection, years: Sequence[int]) -> Iterator[Measurement]:
    """Homes first entrusted to a rental enterprise in each of ``years``."""
    first = (
        select(E.home_id, func.min(E.street_code).label("street"), func.min(E.valid_from).label("since"))
        .join(rental_parties, P.id == E.agent_party_id)
        .where(P.kind == "enterprise")
        .group_by(E.home_id)
        .subquery()
    )
    year = cast(extract("year", first.c.since), Integer)
    rows = conn.execute(
        select(first.c.street, year.label("year"), func.count())
        .where(year >= min(years), year <= max(years))
        .group_by(first.c.street, year)
    ).all()
    streets = {str(r[0]) for r in rows}
    district = {
        str(code): str(managing or parent)
        for code, parent, managing in conn.execute(
            select(D.code, D.parent_code, D.managing_code).where(D.code.in_(sorted(streets)))
        )
    }
    facts = [(CODE, district.get(str(s), str(s)[:6]), str(s), int(y), Decimal(n)) for s, y, n in rows]
    yield from rollup(conn, [CODE], years, facts)
