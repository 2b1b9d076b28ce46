"""The synthetic land-transfer history (合成土地出让, issue 21): written after the market history, through
the land feed's own checks (``anju.market.load_synthetic_land``): a record the feed would refuse stops
the build. See docs/synthetic-market.md, "Land transfers".

- **Residential land of every project**: one transfer per sale project with a presale permit, 12–30
  months before its first permit, in the project's district and street, bought by its developer. The
  floor area is the permitted area × 1.10–1.25 (ancillary floor area), the plot ratio by district
  (centre 2.5–3.5, middle 1.8–2.8, outskirts 1.2–2.2); the **floor price** is :data:`RESIDENTIAL_SHARE`
  (40 %) of the model's new-home price level of the district in the transfer month (the reference
  home's price, ``model.py``), times a log-normal factor (σ 0.08).
- **Rental-housing land** (租赁住房用地, the plan's rental supply): :data:`RENTAL_PER_YEAR` parcels a year
  at scale 1.0 from 2019 on (at least 2), 15 % of the price level, bought by the city's housing company.
- **Commercial and industrial parcels**: :data:`COMMERCIAL_PER_YEAR` and :data:`INDUSTRIAL_PER_YEAR`
  a year at scale 1.0 from 2016 (at least 2 each), 25 % and 3 % of the price level.

Prices are whole 万元 (as the land authority publishes them); the starting price is the deal price
/ (1 + premium), premium 0 for 45 % of the transfers (底价成交) else 2–30 %. Record ids
``SYN<seed>-L000001…``, names end in "（合成）". Deterministic by seed.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import Connection, func, select

from anju.divisions import by_level
from anju.divisions import choices as division_choices
from anju.market import load_synthetic_land
from anju.synth import names
from anju.synth.market.model import ALPHA, DISTRICT_LEVEL, PriceModel, month_index
from anju.transactions import developers, presale_permits, sale_projects

RESIDENTIAL_SHARE = 0.40
RENTAL_SHARE = 0.15
COMMERCIAL_SHARE = 0.25
INDUSTRIAL_SHARE = 0.03
RENTAL_PER_YEAR = 10
COMMERCIAL_PER_YEAR = 25
INDUSTRIAL_PER_YEAR = 40
RENTAL_FROM = date(2019, 1, 1)
OTHER_FROM = date(2016, 1, 1)
WAN = 10_000  # yuan


class LandHistory:
    def __init__(self, conn: Connection, model: PriceModel, seed: int, scale: float, today: date) -> None:
        self.conn, self.model, self.seed, self.scale, self.today = conn, model, seed, scale, today
        self.rng = random.Random(f"anju-market-land-{seed}")
        self.records: list[dict[str, str]] = []
        self.places = {c["code"]: c for c in division_choices(conn)}
        self.per_year: dict[int, int] = {}

    def level(self, district: str, day: date) -> float:
        """The model's new-home price level (yuan per m²) of the reference home in ``district``."""
        i = month_index(day)
        return math.exp(ALPHA + DISTRICT_LEVEL.get(district, 0.0) + self.model.index_at(district, i) + 0.05)

    def ratio(self, district: str) -> Decimal:
        lvl = DISTRICT_LEVEL.get(district, 0.0)
        lo, hi = (2.5, 3.5) if lvl >= 0.35 else (1.8, 2.8) if lvl >= 0.0 else (1.2, 2.2)
        return Decimal(str(round(self.rng.uniform(lo, hi), 2)))

    def add(
        self,
        *,
        district: str,
        street: str | None,
        use: str,
        name: str,
        floor_area: float,
        plot_ratio: Decimal,
        floor_price_yuan: float,
        buyer: str,
        on: date,
        method: str,
        premium: float,
    ) -> None:
        site = (Decimal(str(floor_area)) / plot_ratio).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        site = max(site, Decimal("100.00"))
        floor = float(site * plot_ratio)
        deal = max(WAN, round(floor_price_yuan * floor / WAN) * WAN)
        starting = max(WAN, math.floor(deal / (1 + premium) / WAN) * WAN)
        starting = min(starting, deal)
        n = len(self.records) + 1
        self.per_year[on.year] = self.per_year.get(on.year, 0) + 1
        self.records.append(
            {
                "record_id": f"SYN{self.seed}-L{n:06d}",
                "parcel_no": f"NO.{on.year}G{self.per_year[on.year]:03d}",
                "parcel_name": name,
                "district_code": district,
                "street_code": street or "",
                "land_use": use,
                "rental_housing": "是" if use == "rental" else "否",
                "method": method,
                "site_area": f"{site:.2f}",
                "plot_ratio": f"{plot_ratio:.2f}",
                "starting_price_yuan": str(starting),
                "price_yuan": str(deal),
                "buyer": buyer,
                "transferred_on": on.isoformat(),
            }
        )

    def premium(self) -> float:
        return 0.0 if self.rng.random() < 0.45 else round(self.rng.uniform(0.02, 0.30), 4)

    def method(self) -> str:
        x = self.rng.random()
        return "listing" if x < 0.8 else "auction" if x < 0.95 else "tender"

    def projects(self) -> None:
        p, d, r = sale_projects.c, developers.c, presale_permits.c
        q = (
            select(p.id, p.name, p.district_code, p.street_code, d.name, func.min(r.issued_on), func.sum(r.area))
            .select_from(
                sale_projects.join(developers, d.id == p.developer_id).join(presale_permits, r.project_id == p.id)
            )
            .group_by(p.id, p.name, p.district_code, p.street_code, d.name)
            .order_by(p.id)
        )
        for _pid, pname, district, street, dev, first, area in self.conn.execute(q).all():
            if district not in self.places:
                continue
            streets = {s["code"] for s in self.places[district]["streets"]}
            on = first - timedelta(days=self.rng.randint(365, 913))
            floor = float(area or 0) * self.rng.uniform(1.10, 1.25) or 10_000.0
            self.add(
                district=district,
                street=street if street in streets else None,
                use="residential",
                name=f"{str(pname).removesuffix('（合成）')}地块（合成）",
                floor_area=max(floor, 1000.0),
                plot_ratio=self.ratio(district),
                floor_price_yuan=RESIDENTIAL_SHARE * self.level(district, on) * math.exp(self.rng.gauss(0, 0.08)),
                buyer=str(dev),
                on=on,
                method=self.method(),
                premium=self.premium(),
            )

    def others(self, use: str, per_year: int, start: date, share: float, buyers: list[str]) -> None:
        rng = self.rng
        years = max(0.0, (self.today - start).days / 365.25)
        n = max(2, round(per_year * self.scale * years))
        districts = sorted(self.places)
        span = max(1, (self.today - start).days - 1)
        labels = {"rental": "租赁住房", "commercial": "商业服务业", "industrial": "工业"}
        for _ in range(n):
            district = districts[rng.randrange(len(districts))]
            streets = self.places[district]["streets"]
            street = streets[rng.randrange(len(streets))] if streets else None
            on = start + timedelta(days=rng.randint(0, span))
            ratio = Decimal(str(round(rng.uniform(1.0, 2.0) if use == "industrial" else rng.uniform(2.0, 4.0), 2)))
            place = street["name"] if street else self.places[district]["name"]
            self.add(
                district=district,
                street=street["code"] if street else None,
                use=use,
                name=f"{place}{labels[use]}用地地块（合成）",
                floor_area=rng.uniform(15_000, 80_000),
                plot_ratio=ratio,
                floor_price_yuan=share * self.level(district, on) * math.exp(rng.gauss(0, 0.08)),
                buyer=buyers[rng.randrange(len(buyers))],
                on=on,
                method="listing" if use != "commercial" else self.method(),
                premium=0.0 if use == "rental" else self.premium(),
            )

    def run(self) -> int:
        self.projects()
        devs = [str(n) for (n,) in self.conn.execute(select(developers.c.name).order_by(developers.c.id)).all()]
        self.others("rental", RENTAL_PER_YEAR, RENTAL_FROM, RENTAL_SHARE, [names.HOUSING_COMPANY])
        self.others("commercial", COMMERCIAL_PER_YEAR, OTHER_FROM, COMMERCIAL_SHARE, devs or [names.HOUSING_COMPANY])
        cities = by_level(self.conn, "city")
        city = cities[0].name if cities else ""
        makers = [f"{city}{h}{k}有限公司（合成）" for h in names.ESTATE_HEADS[:12] for k in ("制造", "科技", "新材料")]
        self.others("industrial", INDUSTRIAL_PER_YEAR, OTHER_FROM, INDUSTRIAL_SHARE, makers)
        return load_synthetic_land(self.conn, self.records, today=self.today)


def generate_land(conn: Connection, model: PriceModel, seed: int, scale: float, today: date) -> int:
    """Write the land history (see the module's docstring); returns the transfers written."""
    return LandHistory(conn, model, seed, scale, today).run()
