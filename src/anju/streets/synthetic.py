"""The synthetic street panel (合成): population, land and industry of every street of the synthetic
city for 2020 to the current year, deterministic by seed, consistent with the city's register and with
Nanjing's public totals, scaled like the rest of the synthetic city (``registry.synthetic_scale``).

- Resident population: the city's year-end total (≈9.3–9.6 million at scale 1.0, :data:`CITY_RESIDENTS`)
  × scale, shared among streets in proportion to their residential floor area in the register that
  year (× a fixed per-street factor), apportioned by largest remainder so the streets sum exactly.
- Registered population, households, age bands: per-street ratios around the city's (户籍 ≈ 83 %,
  2.45 persons a household, 七普 age shares 13 % / 68 % / 19 %); the bands sum to the residents.
- Land: stock = residential floor area ÷ a per-street plot ratio; supply = the stock's growth in the year.
- Jobs: :data:`JOBS_PER_RESIDENT` of the residents city-wide, weighted towards the central districts,
  split among the sectors of ``data/sectors.toml``; enterprises from each sector's average size.

The rows are built as the cells of the load format and go through the loader's checks and store
(:func:`anju.streets.loader.check_records`, :func:`~anju.streets.loader.store`) as source 合成.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection

from anju import divisions, registry
from anju.core import clock
from anju.core.db import UnitOfWork
from anju.core.errors import ValidationError
from anju.security import Caller, audited, set_audit_detail
from anju.streets import domain, housing, loader

#: Nanjing's year-end resident population (常住人口), persons: 2020 from the seventh census (七普),
#: 2021–2024 from the city's statistical communiqués (rounded); later years continue the trend
#: (+0.3 % a year) — the synthetic panel's totals, not statistics.
CITY_RESIDENTS = {2020: 9_314_685, 2021: 9_423_400, 2022: 9_491_100, 2023: 9_546_000, 2024: 9_577_000}
JOBS_PER_RESIDENT = 0.56
#: The central districts (玄武, 秦淮, 建邺, 鼓楼): more jobs per resident.
CENTRAL = {"320102": 2.2, "320104": 1.8, "320105": 1.6, "320106": 1.8}


def city_residents(year: int, scale: float) -> int:
    base = CITY_RESIDENTS.get(year) or round(CITY_RESIDENTS[2024] * 1.003 ** (year - 2024))
    return round(base * scale)


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder: the parts sum to ``total``)."""
    w = sum(weights)
    if total <= 0 or w <= 0:
        return [0] * len(weights)
    raw = [total * x / w for x in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], -i), reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass
class _Street:
    code: str
    district: str
    rng: random.Random
    factor: float = 1.0
    registered: float = 0.83
    persons: float = 2.45
    young: float = 0.13
    old: float = 0.19
    plot_ratio: float = 2.0
    jobs_weight: float = 1.0
    sector_shares: list[float] = field(default_factory=list)


def _street(code: str, district: str, seed: int) -> _Street:
    r = random.Random(f"anju-streets:{seed}:{code}")
    s = _Street(code, district, r)
    s.factor = r.lognormvariate(0, 0.12)
    s.registered = min(1.05, max(0.6, r.gauss(0.83, 0.08)))
    s.persons = min(3.2, max(1.9, r.gauss(2.45, 0.18)))
    s.young = min(0.2, max(0.07, r.gauss(0.13, 0.02)))
    s.old = min(0.3, max(0.1, r.gauss(0.19, 0.03)))
    s.plot_ratio = r.uniform(1.6, 2.6)
    s.jobs_weight = CENTRAL.get(district, 1.0) * r.lognormvariate(0, 0.35)
    raw = [sec.share * r.lognormvariate(0, 0.3) for sec in domain.sectors()]
    s.sector_shares = [x / sum(raw) for x in raw]
    return s


def _land(area: Decimal, ratio: float) -> Decimal:
    return (area / Decimal(str(round(ratio, 3)))).quantize(domain.CENT)


def build_records(conn: Connection, seed: int, years: Sequence[int], scale: float) -> dict[int, list[dict[str, str]]]:
    """year → the rows of that year's synthetic file (column name → cell text), streets in code order."""
    every = divisions.by_level(conn, "street")
    streets = [_street(d.code, d.managing_code or d.parent_code or "", seed) for d in every]
    floor = housing.residential(conn, [min(years) - 1, *years])
    out: dict[int, list[dict[str, str]]] = {}
    for y in years:
        area = [floor.get((s.code, y), (0, Decimal(0)))[1] for s in streets]
        weights = [float(a) * s.factor + 1.0 for s, a in zip(streets, area, strict=True)]
        residents = apportion(city_residents(y, scale), weights)
        job_weights = [r * s.jobs_weight for s, r in zip(streets, residents, strict=True)]
        jobs = apportion(round(sum(residents) * JOBS_PER_RESIDENT), job_weights)
        rows = []
        for s, a, res, job in zip(streets, area, residents, jobs, strict=True):
            before = floor.get((s.code, y - 1), (0, Decimal(0)))[1]
            rows.append(_cells(s, y, res, job, a, before))
        out[y] = rows
    return out


def _cells(s: _Street, year: int, res: int, jobs: int, area: Decimal, before: Decimal) -> dict[str, str]:
    r = random.Random(f"{s.code}:{year}")  # small yearly wobble, deterministic
    households = max(1 if res else 0, min(res, round(res / (s.persons * r.uniform(0.98, 1.02)))))
    young, old = round(res * s.young), round(res * s.old)
    stock, prev = _land(area, s.plot_ratio), _land(before, s.plot_ratio)
    cells = {
        "street_code": s.code,
        "resident": str(res),
        "registered": str(round(res * s.registered)),
        "households": str(households),
        "age_0_14": str(young),
        "age_15_59": str(res - young - old),
        "age_60_plus": str(old),
        "land_stock": str(stock),
        "land_supply": str(max(Decimal(0), stock - prev)),
    }
    for sec, part in zip(domain.sectors(), apportion(jobs, s.sector_shares), strict=True):
        cells[f"jobs:{sec.code}"] = str(part)
        cells[f"enterprises:{sec.code}"] = str(max(1 if part else 0, round(part / sec.jobs_per_enterprise)))
    return cells


@dataclass(frozen=True)
class SynthReport:
    years: tuple[int, ...]
    streets: int
    residents: dict[int, int]
    added: int
    corrected: int
    unchanged: int

    def summary(self) -> str:
        last = self.years[-1]
        return (
            f"{self.years[0]}–{last} 年 {self.streets} 个街道，{last} 年常住人口 {self.residents[last]} 人"
            f"（新增 {self.added} 条、更正 {self.corrected} 条）"
        )


def generate(
    uow: UnitOfWork, seed: int, *, scale: float | None = None, years: Sequence[int] | None = None
) -> SynthReport:
    """Build the synthetic panel and store it through the loader's checks (one audited transaction)."""
    ys = tuple(years or range(domain.FIRST_YEAR, clock.today().year + 1))
    with audited(uow, Caller.system("streets.synth"), "streets.synthesise", "street_panel_load") as conn:
        sc = scale if scale is not None else registry.synthetic_scale(conn)
        if sc is None:
            raise ValidationError.of("scale", "楼盘表不是合成数据：只有合成城市才能生成合成街道数据")
        records = build_records(conn, seed, ys, sc)
        added = corrected = unchanged = 0
        residents = {}
        for y, rows in records.items():
            checked = loader.check_records(conn, enumerate(rows, start=2))
            got = loader.store(
                conn, Caller.system("streets.synth"), checked, year=y, source=domain.SYNTHETIC_SOURCE,
                filename=f"synthetic-{seed}-{y}", sha256="", synthetic=True,
            )  # fmt: skip
            added, corrected, unchanged = added + got.added, corrected + got.corrected, unchanged + got.unchanged
            residents[y] = sum(r.resident or 0 for r in checked)
        set_audit_detail(conn, {"seed": seed, "years": list(ys), "added": added, "corrected": corrected})
    return SynthReport(ys, len(records[ys[0]]), residents, added, corrected, unchanged)
