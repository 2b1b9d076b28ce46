"""The plan dashboard, a street's profile and the map's new layers in a real browser (headless
Chromium, Debian's ``chromium`` package, driven by Playwright as ``test_map_browser.py`` does). One
browser session, three pages, kept small for CI time: the ECharts charts of ``/plan`` and
``/streets/{code}`` draw on a canvas of non-zero size (no 暂无数据 where the page has data), the map
lists and styles the street choropleths and the estates-coverage layer, and no page logs a JavaScript
error or a failed request. Chromium must be installed: a missing browser fails the test."""

from __future__ import annotations

from sqlalchemy import Engine

from anju import streets
from anju.core.db import unit_of_work
from anju.indicators import refresh
from tests.accounts import choose_world, web_session
from tests.integration.test_map_browser import CHROMIUM_ARGS, chromium, wait_until
from tests.plan_builders import CITY, store_values

CANVASES = """() => Array.from(document.querySelectorAll('[data-chart]')).map((el) => {
  const c = el.querySelector('canvas');
  return [el.dataset.chart, !!c && c.width > 0 && c.height > 0, el.textContent.includes('暂无数据')];
})"""


def _data(engine: Engine) -> str:
    """Two years of the synthetic street panel with its indicators, and plan values of two years."""
    streets.generate_synthetic(unit_of_work(engine), 7, years=[2023, 2024])
    refresh(engine, [2023, 2024], codes=streets.INDICATOR_CODES)
    w = choose_world(engine)
    store_values(
        engine,
        [
            ("renewal.old_community_area", "city", CITY, 2021, "3000000", None),
            ("renewal.old_community_area", "city", CITY, 2022, "2500000", None),
            ("assistance.talent_homes_raised", "district", w.district_a, 2021, "900", None),
        ],
    )
    return w.street_s1


def test_plan_dashboard_street_profile_and_map_layers_render(live_server, city_engine):
    from playwright.sync_api import sync_playwright

    street = _data(city_engine)
    token, _ = web_session(city_engine, "city")
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.add_cookies([{"name": "anju_session", "value": token, "url": live_server.base_url}])
        page = context.new_page()
        page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))

        page.goto(live_server.base_url + "/plan")
        wait_until(page, "() => document.body.dataset.chartsReady === '1'", 30)
        drawn = {name: (ok, empty) for name, ok, empty in page.evaluate(CANVASES)}
        assert drawn == {"rates": (True, False), "years": (True, False), "areas": (True, False)}, drawn

        page.goto(live_server.base_url + f"/streets/{street}")
        wait_until(page, "() => !!document.querySelector('[data-chart=\"trend\"] canvas')", 30)
        drawn = {name: (ok, empty) for name, ok, empty in page.evaluate(CANVASES)}
        assert drawn == {"trend": (True, False)}, drawn

        page.goto(live_server.base_url + "/map")
        wait_until(page, "() => document.body.dataset.mapReady === '1'", 30)
        toggles = page.evaluate(
            """() => Object.fromEntries(Array.from(document.querySelectorAll('#layer-toggles input'))
                 .map((i) => [i.dataset.layer, i.checked]))"""
        )
        # listed: the choropleths start hidden (they overlap), the coverage points shown
        assert toggles["estates-coverage"] is True and toggles["streets-floor-area-per-resident"] is False
        styles = page.evaluate(
            """() => {
                 const paint = (id, prop) => {
                   const v = anjuMap.getPaintProperty(id, prop);
                   return Array.isArray(v) ? v[0] : v;
                 };
                 return [paint('streets-floor-area-per-resident-fill', 'fill-color'),
                         paint('estates-coverage-circle', 'circle-color')];
               }"""
        )
        # styled by the layers' own class breaks and categories, not the plain fallback colour
        assert styles == ["step", "match"], styles
        browser.close()
    assert errors == [], errors
