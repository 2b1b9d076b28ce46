"""The land-transfer feed (``market.land_transfers``) through the exchange, on both databases: good rows
stored with their derived figures, bad rows dead-lettered naming the field, re-delivery idempotent, a
changed record a correction (replaced, audited), the synthetic prefix refused, the documented sample
file loads."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from anju import exchange
from anju.exchange.tables import feed_dead_letters
from anju.market.land_feed import DATASET, derive
from anju.market.tables import market_land_transfers
from anju.security import Caller, audit_log

T = market_land_transfers
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "market-land-transfers.sample.csv"


def rec(**over: str) -> dict[str, str]:
    base = {
        "record_id": "3201002025-G0012",
        "parcel_no": "NO.2025G12",
        "parcel_name": "宁海路北侧地块",
        "district_code": "320106",
        "street_code": "320106001",
        "land_use": "residential",
        "rental_housing": "否",
        "method": "listing",
        "site_area": "41234.56",
        "plot_ratio": "2.50",
        "starting_price_yuan": "2300000000",
        "price_yuan": "2530000000",
        "buyer": "南京示例置业有限公司",
        "transferred_on": "2025-03-18",
    }
    return base | over


def load(engine: Engine, settings: Any, rows: list[dict[str, str]]) -> exchange.BatchResult:
    return exchange.load_feed(engine, settings, DATASET, rows, caller=Caller.system("test"), channel="api")


def stored(engine: Engine) -> dict[str, Any]:
    with engine.connect() as c:
        return {r.record_id: r for r in c.execute(select(T))}


def test_a_batch_stores_good_rows_with_derived_figures_and_dead_letters_bad_ones(
    city_engine: Engine, settings_for: Any
) -> None:
    settings = settings_for(city_engine)
    rows = [
        rec(),
        rec(
            record_id="R-2",
            land_use="rental",
            rental_housing="是",
            street_code="",
            district_code="320115",
            starting_price_yuan="630000000",
            price_yuan="630000000",
        ),
        rec(record_id="BAD-1", district_code="320199"),
        rec(record_id="BAD-2", street_code="320114002"),
        rec(record_id="BAD-3", plot_ratio="25"),
        rec(record_id="BAD-4", price_yuan="1"),
        rec(record_id="SYN7-L000001"),
        rec(record_id="BAD-5", site_area="abc"),
    ]
    r = load(city_engine, settings, rows)
    assert r.status == "done", r.error
    assert (r.received, r.accepted, r.rejected) == (8, 2, 6)
    assert {x.seq: x.field for x in r.rejections} == {
        3: "district_code",
        4: "street_code",
        5: "plot_ratio",
        6: "price_yuan",
        7: "record_id",
        8: "site_area",
    }
    got = stored(city_engine)
    assert set(got) == {"3201002025-G0012", "R-2"}
    a = got["3201002025-G0012"]
    d = derive(Decimal("41234.56"), Decimal("2.50"), 230_000_000_000, 253_000_000_000)
    assert (a.floor_area, a.floor_price_fen, Decimal(a.premium_rate)) == (
        d.floor_area,
        d.floor_price_fen,
        d.premium_rate,
    )
    assert (a.price_fen, a.starting_price_fen, a.source, a.feed_load_id) == (
        253_000_000_000,
        230_000_000_000,
        "feed",
        r.batch_id,
    )
    b = got["R-2"]
    assert (b.rental_housing, b.street_code, Decimal(b.premium_rate)) == (1, None, Decimal(0))
    with city_engine.connect() as c:
        letters = c.execute(select(feed_dead_letters).where(feed_dead_letters.c.batch_id == r.batch_id)).all()
    assert len(letters) == 6 and all(json.loads(x.rejections) for x in letters)


def test_redelivery_changes_nothing_and_a_changed_record_is_an_audited_correction(
    city_engine: Engine, settings_for: Any
) -> None:
    settings = settings_for(city_engine)
    first = load(city_engine, settings, [rec()])
    assert first.accepted == 1
    again = load(city_engine, settings, [rec()])
    assert (again.accepted, again.duplicate) == (0, 1)
    # the same values written differently: not a duplicate for the exchange, but nothing changes
    same = load(city_engine, settings, [rec(site_area="41234.560", price_yuan="2530000000.00")])
    assert same.accepted == 1
    with city_engine.connect() as c:
        assert c.execute(select(audit_log).where(audit_log.c.action == "market.land_transfer.correct")).all() == []
    fixed = load(city_engine, settings, [rec(price_yuan="2600000000", buyer="南京示例另一置业有限公司")])
    assert (fixed.accepted, fixed.rejected) == (1, 0)
    (row,) = stored(city_engine).values()
    assert (row.price_fen, row.buyer, row.feed_load_id) == (260_000_000_000, "南京示例另一置业有限公司", fixed.batch_id)
    assert (
        row.floor_price_fen
        == derive(row.site_area, Decimal(row.plot_ratio), 230_000_000_000, 260_000_000_000).floor_price_fen
    )
    with city_engine.connect() as c:
        (audit,) = c.execute(select(audit_log).where(audit_log.c.action == "market.land_transfer.correct")).all()
    detail = json.loads(audit.detail)
    assert audit.entity == "market_land_transfer" and audit.entity_id == str(row.id)
    assert detail["record_id"] == "3201002025-G0012"
    assert detail["changed"]["price_fen"] == [253_000_000_000, 260_000_000_000]
    assert set(detail["changed"]) == {"price_fen", "buyer", "floor_price_fen", "premium_rate"}
    # a bad correction is refused and leaves the stored row as it was
    bad = load(city_engine, settings, [rec(price_yuan="100")])
    assert bad.rejected == 1
    (same_row,) = stored(city_engine).values()
    assert same_row.price_fen == 260_000_000_000


def test_the_documented_sample_file_loads_through_the_exchange(city_engine: Engine, settings_for: Any) -> None:
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["说明"].startswith("合成示例") for r in rows)
    raws = exchange.read_records(SAMPLE, exchange.feed(DATASET))
    r = exchange.load_feed(city_engine, settings_for(city_engine), DATASET, raws, caller=Caller.system("test"))
    assert (r.accepted, r.rejected) == (len(rows), 0), r.rejections
    got = stored(city_engine)
    assert got["3201002025-G0014"].price_fen == 51_500_000_050
