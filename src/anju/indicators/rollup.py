"""Summing a provider's grouped facts up to the levels of the dictionary (a helper for providers).

A provider's one grouped query gives facts ``(code, district, street, year, value)`` — counts or sums
per street (or per district when the data has no street). :func:`rollup` adds them up to every
district (or functional zone) and the city, and gives 0 for a district or the city without a fact in
a year asked: the providers using it count the platform's own records, so no record is a zero, not a
missing value. Streets are given only where they have a fact (and only when asked for).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from sqlalchemy import Connection, select

from anju.divisions import divisions_table
from anju.indicators.domain import Measurement

D = divisions_table.c


def rollup(
    conn: Connection,
    codes: Sequence[str],
    years: Sequence[int],
    facts: Iterable[tuple[str, str, str | None, int, Decimal]],
    *,
    streets: bool = True,
) -> Iterator[Measurement]:
    """The measurements of ``codes`` for ``years`` at the street (when ``streets``), district and city
    levels from ``facts`` (one query for the divisions' codes)."""
    areas = conn.execute(select(D.code, D.level).where(D.level.in_(("city", "district", "zone")))).all()
    cities = sorted(str(c) for c, level in areas if level == "city")
    districts = {str(c) for c, level in areas if level != "city"}
    wanted, asked = set(codes), set(years)
    by_street: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
    by_district: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
    for code, district, street, year, value in facts:
        if code not in wanted or year not in asked:
            continue
        by_district[(code, district, year)] += value
        if street is not None:
            by_street[(code, street, year)] += value
    for code in codes:
        for year in sorted(asked):
            if streets:
                for (c, s, y), v in sorted(by_street.items()):
                    if c == code and y == year:
                        yield Measurement(code, "street", s, year, v)
            seen = districts | {d for (c, d, y) in by_district if c == code and y == year}
            for d in sorted(seen):
                yield Measurement(code, "district", d, year, by_district.get((code, d, year), Decimal(0)))
            total = sum((v for (c, _d, y), v in by_district.items() if c == code and y == year), Decimal(0))
            for city in cities:
                yield Measurement(code, "city", city, year, total)
