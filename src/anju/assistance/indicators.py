"""Assistance's indicator provider (the dictionary's ``assistance.*`` entries that the platform's data
answers, ``indicators/data/plan.toml``): assisted homes made available per programme kind, per street,
district and city, per year — the figures page's own supply query (:func:`anju.assistance.figures.supplied`:
not withdrawn, by the year a home became available, ``since``) by kind.

That one grouped query over the assisted homes (programme, district, street, year) and one over the
programmes' kinds; :func:`anju.indicators.rollup` sums them up (no home supplied is a zero).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection

from anju.assistance.domain import Kind
from anju.assistance.figures import programmes, supplied
from anju.assistance.plan_targets import INDICATOR_KINDS
from anju.assistance.tables import assisted_homes
from anju.indicators import Measurement, rollup

H = assisted_homes.c
#: indicator code → the programme kinds whose homes it counts (shared with the figures pages' targets)
KINDS: dict[str, frozenset[Kind]] = INDICATOR_KINDS


def measurements(conn: Connection, years: Sequence[int]) -> Iterator[Measurement]:
    """Every supply indicator of :data:`KINDS` for ``years`` at the street, district and city levels."""
    kind_of = {code: p.kind for code, p in programmes(conn).items()}
    since = (H.since >= date(min(years), 1, 1), H.since <= date(max(years), 12, 31))
    facts = []
    for programme, district, street, y, n in supplied(conn, *since):
        kind = kind_of.get(programme)
        for code, kinds in KINDS.items():
            if kind in kinds:
                facts.append((code, district, street, y, Decimal(n)))
    yield from rollup(conn, list(KINDS), years, facts)
