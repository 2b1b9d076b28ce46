"""The synthetic market's price-generating model and its ground truth (docs/synthetic-market.md).

The log unit price (yuan per m² of construction area) of a sale of home ``h`` in district ``d`` signed
in month ``m`` is

    log p = ALPHA + district_level[d] + L[d][m] + hedonic(h, m) + estate_effect[e] + ε,

where ``L[d][m]`` is the true log price index of district ``d`` (0 in 2016-01): the city trend (a
Nanjing-like shape: a sharp rise in 2016, a slow rise to a peak in mid-2021, a decline to 2024 and a
flat market since) plus a district-specific drift and a small AR(1) district shock. ``hedonic`` is
linear in the log area, the relative floor, the age at sale, the structure and whether the sale is a
new-home sale; ``estate_effect`` is a location effect per estate, ``ε`` idiosyncratic noise. The true
index a price index should recover is ``100 · exp(L[d][m])`` (base 2016-01 = 100).
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import asdict, dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path

#: The first month of the history (the index base).
HISTORY_START = date(2016, 1, 1)
#: Log yuan/m² of the reference home (90 m², mid floor, new, steel-concrete) in the reference district.
ALPHA = math.log(21_000.0)
#: District level offsets (log), centre dearer than the outskirts.
DISTRICT_LEVEL = {
    "320102": 0.45,  # 玄武
    "320104": 0.40,  # 秦淮
    "320105": 0.38,  # 建邺
    "320106": 0.48,  # 鼓楼
    "320111": 0.00,  # 浦口
    "320113": 0.10,  # 栖霞
    "320114": 0.22,  # 雨花台
    "320115": 0.05,  # 江宁
    "320116": -0.30,  # 六合
    "320117": -0.45,  # 溧水
    "320118": -0.55,  # 高淳
}
#: City trend knots: (month index from 2016-01, log index); linear between knots, flat after the last.
CITY_KNOTS = ((0, 0.0), (12, 0.30), (24, 0.38), (66, 0.50), (78, 0.46), (102, 0.30), (120, 0.27))


@dataclass(frozen=True)
class Hedonic:
    """The home-level coefficients of the log unit price (the truth a hedonic regression recovers)."""

    log_area: float = -0.12  # per unit of log(area / 90 m²)
    relative_floor: float = 0.06  # per unit of (floor - 1) / (floors - 1), 0 bottom … 1 top
    ground_floor: float = -0.04  # extra for the first floor of a multi-storey building
    age_per_year: float = -0.008  # per year of age at the sale (resales)
    new_home: float = 0.05  # a new-home (first) sale
    structure: dict[str, float] = field(
        default_factory=lambda: {"钢筋混凝土": 0.0, "钢结构": 0.02, "砖混": -0.06, "砖木": -0.12, "其他": -0.08}
    )
    estate_sd: float = 0.10  # sd of the estate (location) effect
    noise_sd: float = 0.06  # sd of the idiosyncratic noise
    district_drift_sd: float = 0.0008  # sd of a district's monthly drift
    district_shock_sd: float = 0.004  # sd of a district's monthly AR(1) shock
    district_shock_ar: float = 0.7


def month_index(day: date) -> int:
    """Months since 2016-01 (negative before it)."""
    return (day.year - HISTORY_START.year) * 12 + day.month - 1


def month_label(i: int) -> str:
    y, m = divmod(i, 12)
    return f"{HISTORY_START.year + y:04d}-{m + 1:02d}"


def city_trend(i: int) -> float:
    """The city's log index in month ``i`` (0 in 2016-01)."""
    if i <= 0:
        return 0.0
    for (m0, v0), (m1, v1) in pairwise(CITY_KNOTS):
        if i <= m1:
            return v0 + (v1 - v0) * (i - m0) / (m1 - m0)
    return CITY_KNOTS[-1][1]


class PriceModel:
    """The true indices (per district × month) and the price of a sale under the model."""

    def __init__(self, seed: int, months: int, hedonic: Hedonic | None = None) -> None:
        self.seed = seed
        self.months = months
        self.h = hedonic or Hedonic()
        rng = random.Random(f"anju-market-index-{seed}")
        self.log_index: dict[str, list[float]] = {}
        for d in sorted(DISTRICT_LEVEL):
            drift = rng.gauss(0.0, self.h.district_drift_sd)
            shock = 0.0
            series = []
            for i in range(months):
                if i > 0:
                    shock = self.h.district_shock_ar * shock + rng.gauss(0.0, self.h.district_shock_sd)
                series.append(city_trend(i) + drift * i + shock)
            base = series[0]
            self.log_index[d] = [v - base for v in series]
        self._estate: dict[int, float] = {}

    def estate_effect(self, estate_id: int) -> float:
        """The location effect of an estate (deterministic per seed and estate)."""
        v = self._estate.get(estate_id)
        if v is None:
            v = random.Random(f"anju-market-estate-{self.seed}-{estate_id}").gauss(0.0, self.h.estate_sd)
            self._estate[estate_id] = v
        return v

    def index_at(self, district: str, i: int) -> float:
        s = self.log_index.get(district) or self.log_index["320111"]
        return s[min(max(i, 0), self.months - 1)]

    def log_unit_price(
        self,
        *,
        district: str,
        estate_id: int,
        month: int,
        area_m2: float,
        floor: int,
        floors: int,
        age_years: float,
        structure: str,
        new: bool,
        noise: float,
    ) -> float:
        h = self.h
        rel = 0.5 if floors <= 1 else min(1.0, max(0.0, (floor - 1) / (floors - 1)))
        x = (
            ALPHA
            + DISTRICT_LEVEL.get(district, 0.0)
            + self.index_at(district, month)
            + h.log_area * math.log(max(area_m2, 10.0) / 90.0)
            + h.relative_floor * rel
            + (h.ground_floor if floor == 1 and floors > 1 else 0.0)
            + h.age_per_year * max(0.0, age_years)
            + h.structure.get(structure, h.structure["其他"])
            + (h.new_home if new else 0.0)
            + self.estate_effect(estate_id)
        )
        return x + noise * h.noise_sd

    def write_truth(self, out: Path) -> tuple[Path, Path]:
        """``index.csv`` (district_code, month, index; base 2016-01 = 100; the city trend as 320100) and
        ``coefficients.json`` (the model's constants and hedonic coefficients) in ``out``."""
        out.mkdir(parents=True, exist_ok=True)
        idx = out / "index.csv"
        with idx.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["district_code", "month", "index", "log_index"])
            for i in range(self.months):
                w.writerow(["320100", month_label(i), f"{100 * math.exp(city_trend(i)):.4f}", f"{city_trend(i):.6f}"])
            for d in sorted(self.log_index):
                for i, v in enumerate(self.log_index[d]):
                    w.writerow([d, month_label(i), f"{100 * math.exp(v):.4f}", f"{v:.6f}"])
        coef = out / "coefficients.json"
        doc = {
            "model": "log unit price = alpha + district_level + log_index[district][month] + hedonic + estate + noise",
            "unit": "yuan per m2 of construction area",
            "seed": self.seed,
            "base_month": month_label(0),
            "months": self.months,
            "alpha": ALPHA,
            "district_level": DISTRICT_LEVEL,
            "city_knots": [list(k) for k in CITY_KNOTS],
            "hedonic": asdict(self.h),
            "characteristics": {
                "log_area": "log(construction area in m2 / 90)",
                "relative_floor": "(floor - 1) / (floors above ground - 1); 0.5 in a one-storey building",
                "ground_floor": "1 on the first floor of a building of two or more floors",
                "age_per_year": "years from the building's year of completion to the signing (0 if negative)",
                "new_home": "1 for a new-home (developer) sale",
                "structure": "the building's structure (register vocabulary)",
            },
        }
        coef.write_text(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return idx, coef


__all__ = ["HISTORY_START", "Hedonic", "PriceModel", "city_trend", "month_index", "month_label"]
