"""A synthetic sales frame generated straight from the price model (no database): for the index bench at
scale 1.0 and beyond (a province: several cities' worth), and for tests of the engines.

It is *not* the synthetic market history (``generator.py`` writes contracts and registrations into a
city's database, which takes long at scale 1.0); it draws, in numpy, estates, buildings and homes with
the register's kind of characteristics and sales at the history's volumes, priced by the same
:class:`~anju.synth.market.model.PriceModel` (so the generator's true index is the truth here too):

- **old stock** (estates built 1985–2015, in phases: a building's year up to five years after its
  estate's, so age varies within an estate and a hedonic regression can tell ageing from time):
  resales only, ≈ 110k a year at scale 1.0, each drawing a home of
  the stock at random (a home drawn twice is a repeat sale);
- **new estates** (built 2016 on): each home sold once as a new home (≈ 95k a year at scale 1.0) in
  the two years before its estate's year;
- unit price = exp(model log unit price), total = unit price × area, in fen.

Deterministic by seed. Every row of the frame is labelled synthetic by where it comes from: it never
reaches the database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from anju.market import SALES_FRAME_SCHEMA as SCHEMA
from anju.synth.market.model import DISTRICT_LEVEL, Hedonic, PriceModel

STRUCTURES = ("钢筋混凝土", "钢结构", "砖混", "砖木", "其他")
STRUCTURE_P = (0.62, 0.06, 0.24, 0.03, 0.05)
FLOORS = (6, 7, 11, 18, 26, 33)


@dataclass(frozen=True)
class GeneratedFrame:
    frame: pa.Table
    model: PriceModel
    months: int


def generate_frame(  # noqa: PLR0915 - one pass of numpy draws, in the order they are made
    *, scale: float, months: int, seed: int = 1, cities: int = 1, city_code: str = "320100"
) -> GeneratedFrame:
    """Sales over ``months`` months from 2016-01 for ``cities`` copies of the city (a province-sized
    frame: the copies' districts get distinct codes, ``320102`` → ``320102``, ``330102``, …)."""
    rng = np.random.default_rng(seed)
    model = PriceModel(seed, months, Hedonic())
    h = model.h
    base_districts = sorted(DISTRICT_LEVEL)
    weights = np.array([1.4 if d in ("320115", "320113", "320111", "320114") else 1.0 for d in base_districts])
    weights /= weights.sum()
    parts: list[pa.Table] = []
    estate_offset = 0
    home_offset = 0
    sale_offset = 0
    for c in range(cities):

        def code(d: str, c: int = c) -> str:
            return d if c == 0 else f"{int(d[:2]) + c}{d[2:]}"

        # ---------------------------------------------------------------- estates and homes
        n_old_estates = max(20, int(4000 * scale))
        n_new_estates = max(10, int(1500 * scale))
        n_estates = n_old_estates + n_new_estates
        e_district = rng.choice(len(base_districts), size=n_estates, p=weights)
        e_year = np.concatenate(
            [
                rng.integers(1985, 2016, size=n_old_estates),
                rng.integers(2017, 2016 + months // 12 + 2, size=n_new_estates),
            ]
        )
        e_structure = rng.choice(len(STRUCTURES), size=n_estates, p=STRUCTURE_P)
        e_structure[n_old_estates:] = np.where(rng.random(n_new_estates) < 0.9, 0, 1)  # new: concrete or steel
        e_floors = rng.choice(FLOORS, size=n_estates)
        e_effect = np.array([model.estate_effect(estate_offset + i) for i in range(n_estates)])
        old_homes = max(2000, int(1_200_000 * scale))
        new_homes = max(1000, int(95_000 * scale * months / 12))
        h_estate = np.concatenate(
            [rng.integers(0, n_old_estates, size=old_homes), rng.integers(n_old_estates, n_estates, size=new_homes)]
        )
        n_homes = len(h_estate)
        h_area = np.round(np.clip(np.exp(rng.normal(math.log(95.0), 0.3, size=n_homes)), 30.0, 300.0), 2)
        h_floors = e_floors[h_estate]
        h_floor = 1 + (rng.random(n_homes) * h_floors).astype(np.int64)
        # an old estate was built in phases: its buildings' years spread over up to six years
        h_year = e_year[h_estate] + np.where(h_estate < n_old_estates, rng.integers(0, 6, size=n_homes), 0)
        h_year = np.where(h_estate < n_old_estates, np.minimum(h_year, 2015), h_year)

        # ---------------------------------------------------------------- sales
        # resales of the old stock
        n_resales = int(110_000 * scale * months / 12)
        r_home = rng.integers(0, old_homes, size=n_resales)
        r_t = rng.integers(0, months, size=n_resales)
        # new homes, each once, within the two years before its estate's year (inside the window)
        nh = np.arange(old_homes, n_homes)
        year = e_year[h_estate[nh]]
        n_t = (year - 2016) * 12 - rng.integers(0, 24, size=len(nh))
        inside = (n_t >= 0) & (n_t < months)
        nh, n_t = nh[inside], n_t[inside]
        home = np.concatenate([nh, r_home])
        t = np.concatenate([n_t, r_t]).astype(np.int64)
        new = np.concatenate([np.ones(len(nh), bool), np.zeros(n_resales, bool)])
        day_in_month = rng.integers(0, 28, size=len(home))
        est = h_estate[home]
        dist = e_district[est]
        area = h_area[home]
        floors = h_floors[home]
        floor = h_floor[home]
        structure = e_structure[est]
        yr = 2016 + t // 12
        mo = t % 12 + 1
        age = np.where(new, 0.0, np.maximum(0.0, yr - h_year[home] + (mo - 6) / 12))
        index = np.array([model.log_index[d] for d in base_districts])[dist, t]
        rel = np.where(floors <= 1, 0.5, np.clip((floor - 1) / np.maximum(floors - 1, 1), 0.0, 1.0))
        struct_coef = np.array([h.structure[s] for s in STRUCTURES])[structure]
        level = np.array([DISTRICT_LEVEL[d] for d in base_districts])[dist]
        logp = (
            math.log(21_000.0)
            + level
            + index
            + h.log_area * np.log(area / 90.0)
            + h.relative_floor * rel
            + np.where((floor == 1) & (floors > 1), h.ground_floor, 0.0)
            + h.age_per_year * age
            + struct_coef
            + np.where(new, h.new_home, 0.0)
            + e_effect[est]
            + rng.normal(0.0, h.noise_sd, size=len(home))
        )
        unit_yuan = np.maximum(1000, np.round(np.exp(logp)))
        unit_fen = (unit_yuan * 100).astype(np.int64)
        total = np.round(unit_fen * area).astype(np.int64)
        epoch_2016 = 16801  # days from 1970-01-01 to 2016-01-01
        month_start = np.array([_days_from_2016(i) for i in range(months)], dtype=np.int64)
        day = epoch_2016 + month_start[t] + day_in_month
        order = np.lexsort((day, home))
        n = len(home)
        codes = np.array([code(d) for d in base_districts])
        bands = np.where(area <= 90, "le90", np.where(area <= 144, "90to144", "gt144"))
        month_labels = np.array([f"{2016 + i // 12:04d}-{i % 12 + 1:02d}" for i in range(months)])
        parts.append(
            pa.table(
                {
                    "sale_id": pa.array(sale_offset + np.arange(n)[order], pa.int64()),
                    "home_id": pa.array(home_offset + home[order], pa.int64()),
                    "segment": pa.array(np.where(new, "new", "resale")[order]),
                    "district": pa.array(codes[dist][order]),
                    "street": pa.array(np.char.add(codes[dist], "001")[order]),
                    "estate_id": pa.array(estate_offset + est[order], pa.int64()),
                    "month": pa.array(month_labels[t][order]),
                    "t": pa.array(t[order], pa.int32()),
                    "day": pa.array(day[order], pa.int32()),
                    "price_fen": pa.array(total[order], pa.int64()),
                    "unit_price_fen": pa.array(unit_fen[order], pa.int64()),
                    "unit_price": pa.array(unit_yuan[order].astype(np.float64), pa.float64()),
                    "area": pa.array(area[order], pa.float64()),
                    "band": pa.array(bands[order]),
                    "floor": pa.array(floor[order], pa.int32()),
                    "floors": pa.array(floors[order], pa.int32()),
                    "age": pa.array(age[order], pa.float64()),
                    "structure": pa.array(np.array(STRUCTURES)[structure][order]),
                },
                schema=SCHEMA,
            )
        )
        estate_offset += n_estates
        home_offset += n_homes
        sale_offset += n
    return GeneratedFrame(pa.concat_tables(parts), model, months)


def _days_from_2016(i: int) -> int:
    from datetime import date

    y, m = divmod(i, 12)
    return (date(2016 + y, m + 1, 1) - date(2016, 1, 1)).days


__all__ = ["GeneratedFrame", "generate_frame"]
