"""The indicator dictionary's public pages and API: every definition readable by anyone, filtered,
paginated, exported; an unknown code is a 404 naming it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from anju.app import create_app
from anju.indicators import dictionary
from tests import conftest


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("indicators")
    db = Path(tmp) / "empty.db"
    app = create_app(conftest.test_settings(f"sqlite:///{db}", Path(tmp)))
    with TestClient(app) as c:
        yield c


def test_anyone_reads_the_definitions_filtered_and_paginated(client: TestClient) -> None:
    book = dictionary()
    r = client.get("/api/v1/indicators", params={"page_size": 5})
    assert r.status_code == 200 and r.json()["total"] == len(book) and len(r.json()["items"]) == 5
    streets = client.get("/api/v1/indicators", params={"owner": "streets", "page_size": 100}).json()
    assert streets["total"] == sum(1 for i in book.values() if i.owner == "streets")
    assert all(i["owner"] == "streets" and i["computed"] for i in streets["items"])
    monthly = client.get("/api/v1/indicators", params={"frequency": "month", "page_size": 100}).json()
    assert {i["code"] for i in monthly["items"]} == {c for c, i in book.items() if i.frequency == "month"}
    one = client.get("/api/v1/indicators/housing.floor_area_per_resident").json()
    assert one["name"] == "人均住房建筑面积" and one["calibre"] and one["levels"] == ["city", "district", "street"]
    r = client.get("/api/v1/indicators/housing.nothing")
    assert r.status_code == 404 and "housing.nothing" in r.text


def test_the_pages_show_each_definition_and_export_them(client: TestClient) -> None:
    page = client.get("/indicators", params={"q": "人均"})
    assert page.status_code == 200 and "人均住房建筑面积" in page.text and "新建商品住宅价格同比" not in page.text
    entry = client.get("/indicators/market.new_price_yoy")
    assert entry.status_code == 200 and "统计口径" in entry.text and "由所属业务按月计算" in entry.text
    assert client.get("/indicators/market.nothing").status_code == 404
    r = client.get("/indicators.csv", params={"owner": "market"})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["代码", "名称", "单位"] and len(rows) - 1 == 22
    assert client.get("/indicators", params={"owner": "nobody"}).status_code == 200  # an unknown filter is ignored
