"""Renewal's indicator provider (the dictionary's ``renewal.*`` entries, ``indicators/data/plan.toml``):
old-community renovation area and count and shanty-town renovation area accepted, per district (or
functional zone) and for the city, per plan year.

One grouped query — the progress page's own (:func:`anju.renewal.progress._actuals`) over the whole
city — summed up by :func:`anju.indicators.rollup` (a district without an accepted project has the
value 0: the project library is the platform's own data). A project counts in the year of the plan it
was listed in and once its works are accepted, as on the progress page; areas are m².
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

from sqlalchemy import Connection

from anju.core.scope import Scope
from anju.indicators import Measurement, rollup
from anju.renewal.progress import _actuals

#: (project kind, measure) → indicator code
CODES = {
    ("old_community", "area"): "renewal.old_community_area",
    ("old_community", "count"): "renewal.old_community_count",
    ("shanty", "area"): "renewal.shanty_area",
}


def measurements(conn: Connection, years: Sequence[int]) -> Iterator[Measurement]:
    """Every ``renewal.*`` plan indicator for ``years`` at the city and district levels."""
    facts = []
    for kind, district, year, done, n, area in _actuals(conn, Scope.whole_city(), min(years), max(years)):
        if done and year is not None:
            for measure, v in (("count", Decimal(n)), ("area", area)):
                code = CODES.get((kind, measure))
                if code is not None:
                    facts.append((code, district, None, year, v))
    yield from rollup(conn, list(CODES.values()), years, facts, streets=False)
