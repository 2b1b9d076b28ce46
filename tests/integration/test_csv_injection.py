"""CSV formula injection: values a spreadsheet would run are refused at input where a name cannot
begin with them, and neutralised (a leading ``'``) in every export, here the parties export, the
register's homes export and an import's rejects file, on both databases."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from anju.app import create_app
from anju.core.errors import ValidationError
from anju.core.scope import Scope
from anju.registry import imports
from anju.registry.create import NewEstate, create_estate
from anju.registry.tables import buildings, estates, homes
from anju.rental.tables import rental_parties
from tests import rental_builders as rb
from tests.accounts import api_token, choose_world

from .test_import import HEADER, csv_bytes, home_row
from .test_rental_parties import filing

PARTY = "=1+2"
ROAD = '=HYPERLINK("http://evil.example","点我")'
ESTATE = "@SUM(A1:A9)"


@pytest.fixture
def client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def auth(engine: Engine, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_token(engine, who)}"}


def rows_of(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_party_named_like_a_formula_is_exported_as_text(client: TestClient, city_engine: Engine):
    """Data written before the input rule (or behind it) still cannot run in a spreadsheet."""
    w = choose_world(city_engine)
    with city_engine.begin() as c:
        pid = rb.party(c, client.app.state.security.keyring, w.street_s1)  # type: ignore[attr-defined]
        c.execute(update(rental_parties).where(rental_parties.c.id == pid).values(name=PARTY))
    r = client.get("/api/v1/rental/parties.csv", headers=auth(city_engine, "city"))
    assert r.status_code == 200, r.text
    names = [row["name"] for row in rows_of(r.content)]
    assert names == ["'" + PARTY]


def test_an_estate_road_and_name_like_formulas_are_exported_as_text(client: TestClient, city_engine: Engine):
    with city_engine.connect() as c:
        street, estate_id = c.execute(
            select(estates.c.street_code, estates.c.id)
            .join(buildings, buildings.c.estate_id == estates.c.id)
            .join(homes, homes.c.building_id == buildings.c.id)
            .limit(1)
        ).one()
    with city_engine.begin() as c:
        c.execute(update(estates).where(estates.c.id == estate_id).values(road=ROAD, name=ESTATE))
    r = client.get(
        "/api/v1/exports/homes", params={"format": "csv", "street_code": street}, headers=auth(city_engine, "city")
    )
    assert r.status_code == 200, r.text
    mine = [row for row in rows_of(r.content) if row["road"].endswith(ROAD)]
    assert mine and {(row["road"], row["estate_name"]) for row in mine} == {("'" + ROAD, "'" + ESTATE)}
    assert not any(v.startswith(("=", "+", "@")) for row in rows_of(r.content) for v in row.values())


def test_party_names_beginning_with_a_formula_sign_are_refused(client: TestClient, city_engine: Engine):
    w = choose_world(city_engine)
    me = auth(city_engine, "agency")
    r = client.post("/api/v1/rental/me/party", json=filing(w.street_s1, name=PARTY), headers=me)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert any(e["field"] == "name" and "公式" in e["reason"] for e in errors), errors


def test_estate_names_and_roads_beginning_with_a_formula_sign_are_refused(city_engine: Engine):
    street = choose_world(city_engine).street_s1
    for field, cmd in (
        ("road", NewEstate(name="安居花园", street_code=street, road=ROAD, door_no="1")),
        ("name", NewEstate(name="+安居花园", street_code=street, road="中山路", door_no="1")),
    ):
        with city_engine.begin() as c, pytest.raises(ValidationError) as e:
            create_estate(c, cmd, scope=Scope.whole_city())
        assert e.value.errors[0].field == field and "公式" in e.value.errors[0].reason


def test_an_import_refuses_them_and_its_rejects_file_neutralises_them(city_engine: Engine):
    rows = [home_row(), home_row(room="102", **{"小区名称": ESTATE}), home_row(room="103", **{"路名": ROAD})]
    r = imports.import_file(city_engine, csv_bytes(rows), "lpb.csv")
    assert r.status == "rejected", r.summary()
    got = {(e.row, e.field) for e in r.errors if "公式" in e.reason}
    assert {(3, "小区名称"), (4, "路名")} <= got, [e.as_dict() for e in r.errors]
    rejects = rows_of(r.rejects_csv())
    assert {row["小区名称"] for row in rejects} >= {"'" + ESTATE}
    assert {row["路名"] for row in rejects} >= {"'" + ROAD}
    assert len(HEADER) + 1 == len(rejects[0])
