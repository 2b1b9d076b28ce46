"""The rent-to-price step (both databases): per street, the median rent per m² of filed leases in force
at the end of the run's last month over the median resale unit price of its last twelve months;
thin and none flagged; leases not in force and unfiled sales left out."""

from __future__ import annotations

import statistics
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select, update

from anju.market import rent_ratio
from anju.market.tables import market_rent_ratios
from anju.rental import rental_leases
from anju.security import keyring_from_settings
from tests import market_builders as mb
from tests import rental_builders as rb

LAST = "2026-05"


def test_ratios_per_street(city_engine: Engine, settings_for: Any) -> None:
    kr = keyring_from_settings(settings_for(city_engine))
    s1, s2 = "320106001", "320114002"
    with city_engine.begin() as c:
        homes = rb.free_homes(c, s1, 7)
        rents = [3_000_00, 4_000_00, 5_500_00]
        for h, rent in zip(homes[:3], rents, strict=True):
            rb.filed_lease(c, kr, h, start_on=date(2026, 1, 1), months=12, rent_fen=rent)
        # not in force at 2026-05-31: ended in April; starts in June; term over in May; cancelled
        ended = rb.filed_lease(c, kr, homes[3], start_on=date(2026, 1, 1), rent_fen=9_000_00)
        c.execute(
            update(rental_leases)
            .where(rental_leases.c.id == ended)
            .values(status="terminated", ended_on=date(2026, 4, 30))
        )
        rb.filed_lease(c, kr, homes[4], start_on=date(2026, 6, 1), rent_fen=9_000_00)
        rb.filed_lease(c, kr, homes[5], start_on=date(2025, 5, 1), months=12, rent_fen=9_000_00)  # ends 2026-04-30
        gone = rb.filed_lease(c, kr, homes[6], start_on=date(2026, 1, 1), rent_fen=9_000_00)
        c.execute(update(rental_leases).where(rental_leases.c.id == gone).values(status="cancelled"))
        c.execute(update(rental_leases).values(filed_at=mb.at(2026, 1, 1)))
        # sales in s1: two in the window, one too old, one cancelled
        sold = rb.free_homes(c, s1, 11)[7:]
        prices = {}
        for h, (day, st, total) in zip(
            sold,
            [
                (date(2025, 6, 1), "registered", 3_000_000_00),
                (date(2026, 5, 31), "filed", 2_500_000_00),
                (date(2025, 5, 31), "registered", 9_000_000_00),
                (date(2026, 1, 5), "cancelled", 9_000_000_00),
            ],
            strict=True,
        ):
            cid = mb.resale(
                c, home=h.id, area=h.construction_area, total=total, signed=day, status=st, district=s1[:6], street=s1
            )
            prices[cid] = (st, day, int((Decimal(total) / h.construction_area).to_integral_value()))
        # s2: a lease, no sale
        rb.filed_lease(c, kr, rb.free_homes(c, s2, 1)[0], start_on=date(2026, 2, 1), rent_fen=2_000_00)
        c.execute(update(rental_leases).values(filed_at=mb.at(2026, 1, 1)))
        run = mb.run(c, "2025-06", LAST)
        out = rent_ratio.step(mb.context(c, run, ("320106", "320114"), date(2026, 6, 10)))
        strict = mb.run(c, "2025-06", LAST, rent_ratio_min_observations=2)
        rent_ratio.step(mb.context(c, strict, ("320106", "320114"), date(2026, 6, 10)))
    assert out["rent_ratio_streets"] == 2
    rent_m2 = statistics.median(Decimal(r) / h.construction_area for h, r in zip(homes[:3], rents, strict=True))
    unit = statistics.median(
        Decimal(p) for st, day, p in prices.values() if st != "cancelled" and day >= date(2025, 6, 1)
    )
    with city_engine.connect() as c:
        got = {(x.run_id, x.street_code): x for x in c.execute(select(market_rent_ratios))}
    a = got[run.id, s1]
    assert (a.leases, a.sales, a.district_code) == (3, 2, "320106")
    assert a.median_rent_fen_m2 == int(rent_m2.to_integral_value())
    assert a.median_price_fen_m2 == int(unit.to_integral_value())
    assert a.ratio is not None and abs(a.ratio - float(12 * rent_m2 / unit)) < 1e-12
    assert a.status == "thin"  # fewer than 10 on a side
    assert got[strict.id, s1].status == "ok"  # the run's minimum is 2
    b = got[run.id, s2]
    assert (b.leases, b.sales, b.ratio, b.status, b.median_price_fen_m2) == (1, 0, None, "none", None)
