"""Shaping the services' results into the REST schemas (shared by the API and the pages)."""

from __future__ import annotations

from collections.abc import Sequence

from anju.streets import domain, indicators, reads
from anju.streets.http import schemas as s


def version_out(v: reads.Version) -> s.VersionOut:
    return s.VersionOut(**{k: getattr(v, k) for k in s.VersionOut.model_fields})


def profile_out(p: reads.Profile, values: Sequence[indicators.IndicatorValue]) -> s.ProfileOut:
    names = {x.code: x.name for x in domain.sectors()}
    return s.ProfileOut(
        code=p.code,
        name=p.name,
        district_code=p.district_code,
        district_name=p.district_name,
        as_of=p.at,
        versions=[version_out(v) for v in p.versions],
        industry={
            y: [s.SectorOut(code=c, name=names.get(c, c), jobs=j, enterprises=e) for c, (j, e) in sorted(by.items())]
            for y, by in p.industry.items()
        },
        indicators=[
            s.IndicatorValueOut(code=v.code, name=v.name, unit=v.unit, year=v.year, value=v.value, missing=v.missing)
            for v in values
        ],
        synthetic_label=domain.SYNTHETIC_LABEL if any(v.synthetic for v in p.versions) else None,
    )
