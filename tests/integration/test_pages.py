"""Server-rendered pages: Chinese UI, the 楼盘表 grid, as-of dates, search, errors."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from anju import divisions
from anju.app import create_app
from anju.core.scope import SYSTEM
from anju.registry import Change, NewHome, Status, change_home, create_home
from tests.helpers import TODAY, a_building


@pytest.fixture
def client(city_engine, settings_for):
    from tests.accounts import web_session

    token, csrf = web_session(city_engine, "city")
    with TestClient(
        create_app(settings_for(city_engine)),
        headers={"accept": "text/html", "x-csrf-token": csrf},
        cookies={"anju_session": token},
    ) as c:
        yield c


def test_drill_down_from_city_to_a_home(client):
    home = client.get("/registry")
    assert home.status_code == 200 and "玄武区" in home.text and "江北新区" in home.text
    district = client.get("/divisions/320102")
    assert "新街口街道" in district.text
    m = re.search(r'href="/divisions/(\d{9})"', district.text)
    assert m is not None
    street_link = m.group(1)
    street = client.get(f"/divisions/{street_link}")
    assert street.status_code == 200 and "小区/楼盘" in street.text


def test_tower_grid_renders_every_home_with_status_colour(city_engine, client):
    with city_engine.begin() as c:
        b = a_building(c, floors=33, units=2, building_no="99")
        for f in range(1, 34):
            for u in (1, 2):
                for p in range(1, 5):
                    create_home(
                        c,
                        NewHome(
                            building_id=b,
                            floor_no=f,
                            room_no=f"{f}{p:02d}",
                            unit_no=str(u),
                            construction_area=Decimal("88.00"),
                            valid_from=date(2011, 1, 1),
                        ),
                        today=TODAY,
                        scope=SYSTEM,
                    )
    r = client.get(f"/buildings/{b}")
    assert r.status_code == 200
    assert r.text.count('class="cell st-inuse"') == 33 * 8
    assert "3301" in r.text and "88.00m²" in r.text


def test_grid_as_of_a_past_date_shows_that_days_status(city_engine, client):
    with city_engine.begin() as c:
        b = a_building(c, building_no="77")
        h = create_home(
            c,
            NewHome(
                building_id=b, floor_no=2, room_no="201", construction_area=Decimal("70"), valid_from=date(2011, 1, 1)
            ),
            today=TODAY,
            scope=SYSTEM,
        )
        change_home(c, h, Change({"status": Status.demolished.value}, date(2024, 1, 1)), today=TODAY, scope=SYSTEM)
    now = client.get(f"/buildings/{b}")
    assert 'class="cell st-demolished"' in now.text
    then = client.get(f"/buildings/{b}", params={"as_of": "2020-01-01"})
    assert 'class="cell st-inuse"' in then.text and 'st-demolished"' not in then.text
    partial = client.get(f"/buildings/{b}", params={"as_of": "2020-01-01"}, headers={"hx-request": "true"})
    assert "<html" not in partial.text and "2020-01-01 的楼盘表" in partial.text


def test_home_page_shows_full_history(city_engine, client):
    with city_engine.begin() as c:
        b = a_building(c, building_no="66")
        h = create_home(
            c,
            NewHome(
                building_id=b, floor_no=2, room_no="202", construction_area=Decimal("70"), valid_from=date(2011, 1, 1)
            ),
            today=TODAY,
            scope=SYSTEM,
        )
        change_home(
            c,
            h,
            Change({"construction_area": "71.00"}, date(2015, 1, 1), kind="correction", reason="测绘更正"),
            today=TODAY,
            scope=SYSTEM,
        )
    r = client.get(f"/homes/{h}")
    assert "全部历史" in r.text and "测绘更正" in r.text and "71.00" in r.text and "superseded" in r.text


def test_search_page_finds_by_code_and_shows_empty_state(city_engine, client):
    with city_engine.connect() as c:
        code = c.execute(divisions.divisions_table.select().limit(1)).first()
        assert code is not None
        from anju.registry import homes

        hc = c.execute(homes.select().limit(1)).mappings().first()["house_code"]
    assert hc in client.get("/search", params={"q": hc}).text
    assert "没有找到" in client.get("/search", params={"q": "不存在的地址甲乙丙"}).text
    street = hc[:9]
    page2 = client.get("/search", params={"q": street, "page": 2, "page_size": 10}).text
    assert "第 2 /" in page2 and "下一页" in page2 and "上一页" in page2


def test_unknown_pages_get_a_chinese_error_page(client):
    r = client.get("/buildings/999999999")
    assert r.status_code == 404 and "未找到" in r.text and "<html" in r.text


def test_static_assets_are_served_locally(client):
    assert client.get("/static/htmx.min.js").status_code == 200
    page = client.get("/").text
    assert "http://" not in page.replace("http://127.0.0.1", "") and "https://" not in page


def test_a_district_officer_front_page_shows_only_the_district(city_engine, settings_for):
    from tests.accounts import choose_world, web_session

    w = choose_world(city_engine)
    with city_engine.connect() as c:
        own = divisions.get(c, w.district_a).name
        other = divisions.get(c, w.district_b).name
    token, _ = web_session(city_engine, "district")
    with TestClient(create_app(settings_for(city_engine)), headers={"cookie": f"anju_session={token}"}) as c:
        page = c.get("/registry")
    assert page.status_code == 200 and f"<h1>{own}楼盘表</h1>" in page.text and other not in page.text
    assert "全市楼盘表" not in page.text
    # another district's page says it is outside the officer's area, in Chinese (issue 25, 4)
    with TestClient(create_app(settings_for(city_engine)), headers={"cookie": f"anju_session={token}"}) as c:
        far = c.get(f"/divisions/{w.district_b}", headers={"accept": "text/html"})
    assert far.status_code == 403 and "不在您的管辖范围内" in far.text and "没有区划" not in far.text


def test_the_public_listing_search_offers_districts_and_streets_and_answers_in_chinese(city_engine, client):
    """Districts and streets are choices, never codes to type; a malformed query is answered in Chinese
    (issue 25, 3: typing 玄武区 answered "String should match pattern")."""
    with city_engine.connect() as c:
        xuanwu = divisions.get(c, "320102").name
        a_street = divisions.choices(c)[0]["streets"][0]
    page = client.get("/rental/listings").text
    assert f'<option value="320102">{xuanwu}</option>' in page
    assert f'<option value="{a_street["code"]}">{a_street["name"]}</option>' in page
    assert 'name="district" size' not in page  # no free-text code box any more
    typed = client.get("/rental/listings", params={"district": "玄武区"}, headers={"accept": "text/html"})
    assert typed.status_code == 422 and "district：格式不正确" in typed.text
    assert "should" not in typed.text and "pattern" not in typed.text
    api = client.get("/api/v1/rental/public/listings", params={"district": "玄武区"})
    assert api.status_code == 422 and api.json()["errors"][0]["reason"] == "格式不正确"
