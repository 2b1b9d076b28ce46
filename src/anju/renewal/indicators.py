"""Renewal's indicator provider (the dictionary's ``renewal.*`` entries, ``indicators/data/plan.toml``):
old-community renovation area and count and shanty-town renovation area accepted, per district (or
functional zone) and for the city, per plan year.

One grouped query — the progress page's own (:func:`anju.renewal.progress._actuals`) over the whole
city — and one over the divisions for the city's and districts' codes; a district without an accepted
project has the value 0 (the project library is the platform's own data, so none accepted is a zero).
A project counts in the year of the plan it was listed in and once its works are accepted, as on the
progress page; areas are m² (the plan's 万㎡ × 10 000).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal

from sqlalchemy import Connection, select

from anju.core.scope import Scope
from anju.divisions import divisions_table
from anju.indicators import Measurement
from anju.renewal.progress import _actuals

D = divisions_table.c
#: (project kind, measure) → indicator code
CODES = {
    ("old_community", "area"): "renewal.old_community_area",
    ("old_community", "count"): "renewal.old_community_count",
    ("shanty", "area"): "renewal.shanty_area",
}


def measurements(conn: Connection, years: Sequence[int]) -> Iterator[Measurement]:
    """Every ``renewal.*`` plan indicator for ``years`` at the city and district levels."""
    areas = conn.execute(select(D.code, D.level).where(D.level.in_(("city", "district", "zone")))).all()
    cities = [str(c) for c, level in areas if level == "city"]
    districts = sorted(str(c) for c, level in areas if level != "city")
    first, last = min(years), max(years)
    sums: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
    for kind, district, year, done, n, area in _actuals(conn, Scope.whole_city(), first, last):
        if not done or year is None or year not in years:
            continue
        for measure, v in (("count", Decimal(n)), ("area", area)):
            code = CODES.get((kind, measure))
            if code is not None:
                sums[(code, district, year)] += v
    for code in CODES.values():
        for year in years:
            for d in sorted(set(districts) | {k[1] for k in sums if k[0] == code and k[2] == year}):
                yield Measurement(code, "district", d, year, sums.get((code, d, year), Decimal(0)))
            total = sum((v for (c, _d, y), v in sums.items() if c == code and y == year), Decimal(0))
            for city in cities:
                yield Measurement(code, "city", city, year, total)
