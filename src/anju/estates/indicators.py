"""Estates' indicator provider (``estates.professional_management_coverage`` in
``indicators/data/plan.toml``): the share of the new residential estates (built from the coverage
target's first year, ``services_rules.COVERAGE_TARGET``) served by a property-service company under an
active project — the coverage page's own figure (``services_coverage.street_coverage``: one query), per
street, district and city.

The register and the projects give the coverage **now**; past years are not reconstructed. So the
current year has the value and every other year asked is missing with that reason (the plan's
monitoring shows it as "no data", saying why). An area without new estates has no share (missing).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, select

from anju.core import clock
from anju.core.scope import Scope
from anju.divisions import divisions_table
from anju.estates.services_coverage import street_coverage
from anju.estates.services_rules import Coverage, percent
from anju.indicators import Level, Measurement

CODE = "estates.professional_management_coverage"
D = divisions_table.c


def measurements(conn: Connection, years: Sequence[int]) -> Iterator[Measurement]:
    """The coverage of the current year; every other year asked, missing with the reason."""
    this_year = clock.today().year
    cities = [str(c) for c in conn.execute(select(D.code).where(D.level == "city")).scalars()]
    streets = street_coverage(conn, Scope.whole_city()) if this_year in years else []
    zero = Coverage(0, 0, 0, 0)
    by_district: dict[str, Coverage] = {}
    for s in streets:
        by_district[s.district_code] = by_district.get(s.district_code, zero) + s.new
    city = sum((s.new for s in streets), zero)
    areas: list[tuple[Level, str, Coverage]] = [("street", s.street_code, s.new) for s in streets]
    areas += [("district", d, c) for d, c in sorted(by_district.items())]
    areas += [("city", c, city) for c in cities]
    for year in years:
        if year != this_year:
            for c in cities:
                yield Measurement(CODE, "city", c, year, None, f"物业覆盖率只有当前状态（{this_year} 年），往年未回溯")
            continue
        for level, code, cov in areas:
            value = percent(cov.estate_share)
            yield Measurement(CODE, level, code, year, value, None if value is not None else "该地区没有新建住宅小区")
