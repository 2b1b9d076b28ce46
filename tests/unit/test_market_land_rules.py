"""The land feed's pure rules: derived figures (floor area, floor price, premium: rounded half-even) and
the record checks the feed and the synthetic history share."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from anju.exchange import check_record
from anju.market.land_feed import LAND_TRANSFERS, check, derive

TODAY = date(2026, 6, 30)
PLACES = {"320106": frozenset({"320106001", "320106002"}), "320115": frozenset({"320115001"})}


def raw(**over: str) -> dict[str, str]:
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


def values(**over: str) -> dict[str, Any]:
    rec = check_record(LAND_TRANSFERS, raw(**over), 1)
    assert not isinstance(rec, list), rec
    return dict(rec.values)


def test_derived_figures_are_computed_exactly_and_rounded_half_even() -> None:
    d = derive(Decimal("41234.56"), Decimal("2.50"), 230_000_000_000, 253_000_000_000)
    assert d.floor_area == Decimal("103086.40")
    # 253,000,000,000 fen / 103,086.4 m² = 2,454,250.5… → 2,454,250 fen (half-even would only matter at .5)
    assert d.floor_price_fen == int((Decimal(253_000_000_000) / Decimal("103086.40")).to_integral_value())
    assert d.premium_rate == Decimal("0.1000")
    # half-even at exactly .5: 5 fen over 2 m² = 2.5 → 2; 7 fen over 2 m² = 3.5 → 4
    assert derive(Decimal("2.00"), Decimal("1.00"), 5, 5).floor_price_fen == 2
    assert derive(Decimal("2.00"), Decimal("1.00"), 7, 7).floor_price_fen == 4
    # floor area rounded half-even to 0.01 m²: 0.05 × 1.50 = 0.075 → 0.08; 0.05 × 0.50 = 0.025 → 0.02
    assert derive(Decimal("0.05"), Decimal("1.50"), 1, 1).floor_area == Decimal("0.08")
    assert derive(Decimal("0.05"), Decimal("0.50"), 1, 1).floor_area == Decimal("0.02")
    # the floor price comes from the exact product, not the rounded floor area
    assert derive(Decimal("0.05"), Decimal("0.50"), 100, 100).floor_price_fen == 4000  # 100 / 0.025
    # premium: 1/3 → 0.3333; deal = starting → 0
    assert derive(Decimal(1), Decimal(1), 300, 400).premium_rate == Decimal("0.3333")
    assert derive(Decimal(1), Decimal(1), 300, 300).premium_rate == Decimal("0.0000")


def test_a_good_record_passes_and_yuan_become_fen() -> None:
    v = values(price_yuan="2530000000.50")
    assert v["price_yuan"] == 253_000_000_050 and v["site_area"] == Decimal("41234.56")
    assert check(v, PLACES, TODAY) is None
    assert check(values(street_code=""), PLACES, TODAY) is None  # the street is optional


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"district_code": "320199"}, "district_code"),  # not a district of the city
        ({"street_code": "320115001"}, "street_code"),  # a street of another district
        ({"land_use": "rental"}, "rental_housing"),  # rental land must say so
        ({"land_use": "industrial", "rental_housing": "是"}, "rental_housing"),
        ({"site_area": "0"}, "site_area"),
        ({"site_area": "-5"}, "site_area"),
        ({"site_area": "100.123"}, "site_area"),
        ({"plot_ratio": "0"}, "plot_ratio"),
        ({"plot_ratio": "20.01"}, "plot_ratio"),
        ({"plot_ratio": "2.555"}, "plot_ratio"),
        ({"price_yuan": "2299999999.99"}, "price_yuan"),  # below the starting price
        ({"buyer": "张三"}, "buyer"),  # a person, not an organisation
        ({"transferred_on": "2026-07-01"}, "transferred_on"),  # after today
    ],
)
def test_a_bad_record_is_refused_naming_the_field(over: dict[str, str], field: str) -> None:
    bad = check(values(**over), PLACES, TODAY)
    assert bad is not None and bad[0] == field, bad
    assert bad[1]  # a Chinese reason


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"land_use": "farm"}, "land_use"),
        ({"method": "sale"}, "method"),
        ({"price_yuan": "12.345"}, "price_yuan"),  # yuan to the fen only
        ({"transferred_on": "2025-02-30"}, "transferred_on"),
        ({"plot_ratio": "abc"}, "plot_ratio"),
        ({"record_id": ""}, "record_id"),
    ],
)
def test_the_exchange_field_checks_refuse_malformed_values(over: dict[str, str], field: str) -> None:
    rec = check_record(LAND_TRANSFERS, raw(**over), 1)
    assert isinstance(rec, list) and {r.field for r in rec} == {field}
