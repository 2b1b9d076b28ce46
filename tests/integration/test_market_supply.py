"""The supply step on a small world with hand-checked numbers (both databases): land for housing,
projects, permits, new-home sales by the buyer's signing month (Asia/Shanghai), resales, inventory at
the month's end with a cancelled contract returning its home, months of supply; completions checked
against an independent pass over the register."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from anju import divisions, exchange
from anju.market import domain, supply
from anju.market.indicator_facts import read_facts
from anju.market.land_feed import DATASET
from anju.market.tables import market_supply
from anju.registry import Status, building_versions, homes
from anju.security import Caller
from tests import market_builders as mb
from tests import rental_builders as rb
from tests.integration.test_market_land_feed import rec
from tests.tx_builders import AREA, new_site

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]


def completions(engine: Engine) -> Counter[tuple[str, str]]:
    """(district, month) → homes completed, computed row by row in Python (the step does it in SQL)."""
    v = building_versions.c
    with engine.connect() as c:
        versions = c.execute(select(v.building_id, v.status, v.valid_from).where(v.superseded_at.is_(None))).all()
        hs = c.execute(select(homes.c.building_id, homes.c.district_code, homes.c.use, homes.c.status)).all()
    by: dict[int, list[Any]] = {}
    for b, s, f in versions:
        by.setdefault(int(b), []).append((s, f))
    done: dict[int, str] = {}
    for b, vs in by.items():
        if any(s in (Status.under_construction.value, Status.presale.value) for s, _ in vs):
            days = [f for s, f in vs if s in (Status.completed.value, Status.in_use.value)]
            if days:
                done[b] = min(days).isoformat()[:7]
    out: Counter[tuple[str, str]] = Counter()
    for b, d, use, status in hs:
        if int(b) in done and use == "住宅" and status != Status.retired.value:
            out[d, done[int(b)]] += 1
    return out


def test_the_pipeline_per_area_and_month(city_engine: Engine, settings_for: Any) -> None:
    with city_engine.connect() as c:
        districts = tuple(d["code"] for d in divisions.choices(c))
    street = "320106001"
    district = street[:6]
    other_street = "320114002"
    site = new_site(city_engine, street, homes=3, status=Status.presale)
    land = [
        rec(record_id="L1", transferred_on="2026-01-15"),
        rec(record_id="L2", land_use="industrial", transferred_on="2026-01-20", price_yuan="2400000000"),
    ]
    r = exchange.load_feed(city_engine, settings_for(city_engine), DATASET, land, caller=Caller.system("t"))
    assert r.accepted == 2
    with city_engine.begin() as c:
        dev = mb.developer(c, district, street)
        proj = mb.project(c, dev, site.estate, district, street, mb.at(2026, 1, 10))
        hs = [(h, site.building, AREA) for h in site.homes]
        pmt = mb.permit(c, proj, hs, district, street, date(2026, 2, 5))
        common: dict[str, Any] = {
            "project_id": proj,
            "permit_id": pmt,
            "dev": dev,
            "area": AREA,
            "district": district,
            "street": street,
        }
        # signed 2026-02-28 16:30 UTC = 2026-03-01 00:30 in Nanjing: a March sale (UTC would say February)
        mb.sale(
            c,
            home=site.homes[0],
            total=3_000_000_00,
            created=mb.at(2026, 2, 20),
            signed=datetime(2026, 2, 28, 16, 30, tzinfo=UTC),
            status="filed",
            cancelled=None,
            **common,
        )
        mb.sale(
            c,
            home=site.homes[1],
            total=2_900_000_00,
            created=mb.at(2026, 3, 10),
            signed=None,
            status="cancelled",
            cancelled=mb.at(2026, 4, 15),
            **common,
        )
        old = rb.free_homes(c, other_street, 3)
        for h, st, day in zip(
            old,
            ("registered", "filed", "cancelled"),
            (date(2026, 4, 3), date(2026, 4, 20), date(2026, 4, 21)),
            strict=True,
        ):
            mb.resale(
                c,
                home=h.id,
                area=h.construction_area,
                total=2_000_000_00,
                signed=day,
                status=st,
                district=other_street[:6],
                street=other_street,
            )
        run = mb.run(c, MONTHS[0], MONTHS[-1])
        summary = supply.step(mb.context(c, run, districts, date(2026, 6, 10)))
    assert summary["supply_rows"] == len(MONTHS) * (len(districts) + 1)
    with city_engine.connect() as c:
        rows = {
            (x.area_code, x.month): x for x in c.execute(select(market_supply).where(market_supply.c.run_id == run.id))
        }
    done = completions(city_engine)
    for area in (district, mb.CITY):
        jan, feb, mar, apr, may = (rows[area, m] for m in MONTHS)
        assert (jan.land_parcels, jan.land_price_fen, jan.projects) == (
            1,
            253_000_000_000,
            1,
        )  # industrial land left out
        assert jan.land_floor_area == Decimal("103086.40")
        assert (feb.permits, feb.permitted_homes, feb.permitted_area) == (1, 3, AREA * 3)
        assert (feb.inventory_homes, feb.inventory_area, feb.months_of_supply) == (2, AREA * 2, None)
        assert (mar.new_sales, mar.new_sales_area, mar.new_sales_fen) == (1, AREA, 3_000_000_00)
        assert (feb.new_sales, apr.new_sales) == (0, 0)
        # a five-month run: fewer than twelve months of sales, no months of supply (see the pure test)
        assert (mar.inventory_homes, mar.inventory_area, mar.months_of_supply) == (1, AREA, None)
        assert (apr.inventory_homes, apr.months_of_supply) == (2, None)  # the cancelled contract freed its home
        assert (may.inventory_homes, may.inventory_area) == (2, AREA * 2)
    for m in MONTHS:
        assert rows[district, m].completed_homes == done[district, m]
        assert rows[mb.CITY, m].completed_homes == sum(n for (_d, mm), n in done.items() if mm == m)
    other = rows[other_street[:6], "2026-04"]
    assert (other.resales, other.resales_fen) == (2, 4_000_000_00)
    assert rows[mb.CITY, "2026-04"].resales == 2
    assert sum(x.resales for x in rows.values() if x.area_code == mb.CITY) == 2

    # the health indicators count the same sales in the same months (anju.market.sales_month)
    with city_engine.connect() as c:
        facts = read_facts(c, run_id=run.id, city=mb.CITY, months=MONTHS)
    for m in MONTHS:
        assert facts.total("new_n", district, m, mb.CITY) == rows[district, m].new_sales, m
        assert facts.total("new_n", mb.CITY, m, mb.CITY) == rows[mb.CITY, m].new_sales, m
        assert facts.total("resale_n", mb.CITY, m, mb.CITY) == rows[mb.CITY, m].resales, m
    assert facts.total("new_n", district, "2026-03", mb.CITY) == 1
    assert facts.total("new_n", district, "2026-02", mb.CITY) == 0


def test_months_of_supply_needs_twelve_months_of_sales_since_the_run_began() -> None:
    months = domain.months_between("2025-01", "2026-02")
    sources: dict[str, dict[tuple[str, str], tuple[Any, ...]]] = {
        "new_sales": {("D1", m): (1, Decimal("100.00"), 100) for m in months},
        "stock_in": {("D1", "2025-01"): (30, Decimal("3000.00"))},
    }
    cells = supply.pipeline(sources, ["D1"], "C", "2025-01", "2026-02")
    # eleven months of sales: no figure (a partial year divided by twelve would inflate it)
    assert all(cells["D1", m].months_of_supply is None for m in months[:11])
    assert all(cells["C", m].months_of_supply is None for m in months[:11])
    # from the twelfth month on: inventory area / mean monthly sales area of the last twelve months
    assert cells["D1", "2025-12"].months_of_supply == 30.0  # 3000 m² / 100 m² a month
    assert cells["D1", "2026-02"].months_of_supply == 30.0
