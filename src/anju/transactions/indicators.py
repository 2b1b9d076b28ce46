"""Transactions' indicator provider (``transactions.new_homes_listed`` in ``indicators/data/plan.toml``):
new commercial homes put on the market — the homes of the presale permits issued — per street,
district and city, per year of issue. One grouped query; :func:`anju.indicators.rollup` sums it up.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Integer, cast, extract, func, select

from anju.indicators import Measurement, rollup
from anju.transactions.tables import presale_permits

P = presale_permits.c
CODE = "transactions.new_homes_listed"


def measurements(conn: Connection, years: Sequence[int]) -> Iterator[Measurement]:
    """The homes of the presale permits issued in each of ``years``."""
    year = cast(extract("year", P.issued_on), Integer)
    rows = conn.execute(
        select(P.district_code, P.street_code, year.label("year"), func.sum(P.homes))
        .where(P.issued_on >= date(min(years), 1, 1), P.issued_on <= date(max(years), 12, 31))
        .group_by(P.district_code, P.street_code, year)
    )
    facts = [(CODE, str(d), str(s), int(y), Decimal(int(n or 0))) for d, s, y, n in rows]
    yield from rollup(conn, [CODE], years, facts)
