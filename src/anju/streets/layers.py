"""The street database's choropleths (through the map's layer interface, ``anju.map.register_layer``):
one layer per chosen indicator, the street polygons coloured by the indicator's **stored** value
(``anju.indicators.values``: never recomputed per tile) for the year of the map's date (the latest
stored year not after it), with class stops for the legend. One query for the values per tile."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, select

from anju import divisions, indicators
from anju.core.scope import Scope
from anju.map import Attribute, BBox, Feature, Layer, register_layer

D = divisions.divisions_table.c


@lru_cache(maxsize=512)
def _shape(text: str) -> BaseGeometry:
    return shape(json.loads(text))


def _stored_year(conn: Connection, code: str, year: int) -> int | None:
    v = indicators.values(conn, Scope.whole_city(), codes=[code], level="city")
    years = [x.year for x in v if x.year <= year]
    return max(years) if years else None


@dataclass(frozen=True)
class IndicatorLayer(Layer):
    code: str = ""

    def version(self, conn: Connection) -> int:
        run = indicators.last_run(conn)
        return 0 if run is None else run.id

    def features(self, conn: Connection, bbox: BBox, zoom: int, scope: Scope, as_of: date) -> Iterable[Feature]:
        year = _stored_year(conn, self.code, as_of.year)
        if year is None:
            return
        got = {v.area_code: v for v in indicators.values(conn, scope, codes=[self.code], years=[year], level="street")}
        min_lon, min_lat, max_lon, max_lat = bbox
        rows = conn.execute(
            select(D.code, D.name, D.geometry).where(
                D.level == "street",
                D.geometry.is_not(None),
                D.min_lon <= max_lon,
                D.max_lon >= min_lon,
                D.min_lat <= max_lat,
                D.max_lat >= min_lat,
                *scope.where(D.code),
            )
        )
        for r in rows:
            v = got.get(r.code)
            props: dict[str, object] = {"code": r.code, "name": r.name, "year": year}
            if v is not None and v.value is not None:
                props["value"] = float(v.value)
            else:
                props["missing"] = v.missing if v is not None else "尚未计算"
            yield _shape(r.geometry), props


#: indicator code → (layer name, class stops)
CHOROPLETHS: dict[str, tuple[str, tuple[float, ...]]] = {
    "housing.floor_area_per_resident": ("streets-floor-area-per-resident", (0, 25, 30, 35, 40, 42, 45, 50)),
    "housing.homes_per_household": ("streets-homes-per-household", (0, 0.8, 0.9, 1.0, 1.1, 1.2, 1.4)),
    "jobs_housing.ratio": ("streets-jobs-housing", (0, 0.5, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0)),
    "housing.assisted_coverage": ("streets-assisted-coverage", (0, 5, 10, 15, 20, 28, 35)),
    "housing.rental_share": ("streets-rental-share", (0, 2, 5, 10, 15, 20, 30)),
    "population.resident": ("streets-resident", (0, 20_000, 50_000, 80_000, 120_000, 200_000)),
}


def _register() -> dict[str, Layer]:
    out: dict[str, Layer] = {}
    book = indicators.dictionary()
    for code, (name, stops) in CHOROPLETHS.items():
        ind = book[code]
        unit = f"（{ind.unit}）" if ind.unit else ""
        out[code] = register_layer(
            IndicatorLayer(
                name=name,
                title=f"街道{ind.name}",
                kind="polygon",
                minzoom=8,
                maxzoom=16,
                attributes=(
                    Attribute("name", "街道", "text"),
                    Attribute("value", f"{ind.name}{unit}", "number", stops=stops),
                    Attribute("year", "年份", "number"),
                    Attribute("missing", "缺少的数据", "text"),
                ),
                description=f"各街道的{ind.name}（{ind.formula}），取指标库中所选日期所在年（或之前最近一年）的数值。",
                code=code,
            )
        )
    return out


LAYERS = _register()
__all__ = ["CHOROPLETHS", "LAYERS", "IndicatorLayer"]
