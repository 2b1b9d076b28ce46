"""Builders of the new-home market for tests: a building under construction in a street, and a project
on sale (developer, project, permit, prices) filed through the API as the bureau would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import Engine

from anju.core import clock
from anju.core.scope import SYSTEM
from anju.registry import (
    NewBuilding,
    NewEstate,
    NewHome,
    Status,
    Structure,
    Use,
    create_building,
    create_estate,
    create_home,
)
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, api_token
from tests.rental_builders import AGENCY_CODE

_N = itertools.count(1)
#: Homes of a test building exist in the register from this date, so a permit may be dated before today.
BUILT_FROM = date(2025, 1, 1)
AREA = Decimal("89.50")
UNIT_FEN = 3_000_000  # 30,000 yuan/m²
TOTAL_FEN = UNIT_FEN * 8950 // 100  # 2,685,000 yuan


@dataclass
class Site:
    estate: int
    building: int
    homes: list[int]


def new_site(engine: Engine, street: str, homes: int = 4, status: Status = Status.under_construction) -> Site:
    """A new estate with one building of ``homes`` homes (two per floor) in ``status``."""
    n = next(_N)
    with engine.begin() as c:
        e = create_estate(c, NewEstate(f"新房测试苑{n}", street, "测试大道", str(n)), scope=SYSTEM)
        b = create_building(
            c,
            NewBuilding(e, f"{n}", Use.residential, Structure.steel_concrete, 18, status=status, valid_from=BUILT_FROM),
            scope=SYSTEM,
        )
        ids = [
            create_home(
                c,
                NewHome(b, floor_no=1 + i // 2, room_no=f"{1 + i // 2}0{1 + i % 2}", construction_area=AREA,
                        valid_from=BUILT_FROM),
                scope=SYSTEM,
            )
            for i in range(homes)
        ]  # fmt: skip
    return Site(e, b, ids)


def auth(engine: Engine, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_token(engine, who)}"}


def developer_body(street: str, **over: Any) -> dict[str, Any]:
    body = {
        "credit_code": AGENCY_CODE,  # the seeded agency account works for this developer
        "name": "安居置业有限公司",
        "qualification_grade": "1",
        "qualification_no": "建开企〔2020〕001号",
        "address": "测试大道 1 号",
        "street_code": street,
    }
    return body | over


@dataclass
class OnSale:
    site: Site
    developer: int
    project: int
    permit: int
    permit_no: str


def on_sale(client: httpx.Client, engine: Engine, street: str, *, homes: int = 4, priced: bool = True) -> OnSale:
    """A project on sale in ``street``: the developer (filed once), a project, a permit for the whole
    building dated ten days ago and, when ``priced``, every home's filed price. ``client`` is a test
    client of the app or a client of a live server."""
    city = auth(engine, "city")
    site = new_site(engine, street, homes)
    r = client.post("/api/v1/transactions/developers", json=developer_body(street), headers=city)
    if r.status_code == 409:
        dev = client.get("/api/v1/transactions/developers", params={"q": AGENCY_CODE}, headers=city).json()["items"][0]
    else:
        assert r.status_code == 201, r.text
        dev = r.json()
    r = client.post(
        "/api/v1/transactions/projects",
        json={"name": f"安居府{site.estate}", "developer_id": dev["id"], "estate_id": site.estate},
        headers=city,
    )
    assert r.status_code == 201, r.text
    project = r.json()["id"]
    issued = (clock.today() - timedelta(days=10)).isoformat()
    r = client.post(
        "/api/v1/transactions/permits",
        json={"project_id": project, "issued_on": issued, "building_ids": [site.building]},
        headers=city,
    )
    assert r.status_code == 201, r.text
    permit = r.json()
    if priced:
        lines = [{"home_id": h, "unit_price_fen": UNIT_FEN, "total_price_fen": TOTAL_FEN} for h in site.homes]
        r = client.post(f"/api/v1/transactions/permits/{permit['id']}/prices", json={"lines": lines}, headers=city)
        assert r.status_code == 201, r.text
    return OnSale(site, dev["id"], project, permit["id"], permit["permit_no"])


def contract_body(home: int, **over: Any) -> dict[str, Any]:
    body = {
        "home_id": home,
        "buyer_name": CITIZEN_NAME,
        "buyer_id_number": CITIZEN_ID,
        "total_price_fen": TOTAL_FEN,
        "payment_method": "commercial_loan",
        "down_payment_fen": TOTAL_FEN - TOTAL_FEN * 7 // 10,
        "loan_fen": TOTAL_FEN * 7 // 10,
        "delivery_date": (clock.today() + timedelta(days=700)).isoformat(),
        "buyer_hukou": "local",
        "buyer_social_insurance_months": 0,
    }
    return body | over
