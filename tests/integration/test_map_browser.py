"""The map in a real browser: headless Chromium (Debian's ``chromium`` package) driven by Playwright.

Loads the map page signed in, waits for the layers and tiles, flies to a building, keeps a screenshot
(``test-artifacts/map.png``), clicks the building and arrives at its 楼盘表. Any console error fails.
Chromium must be installed (``.ci/run`` installs the Debian package when it is missing): a missing
browser fails the test rather than skipping it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from sqlalchemy import text

from tests.accounts import web_session

ARTIFACTS = Path(os.environ.get("ANJU_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))
CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]


def chromium() -> str:
    path = os.environ.get("ANJU_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Chromium is not installed: apt-get install chromium (the browser test does not skip)"
    return path


def wait_until(page, predicate: str, seconds: float) -> None:
    """Poll a predicate with ``evaluate`` (Playwright's wait_for_function compiles its predicate with
    eval, which the page's CSP rightly forbids)."""
    import time as _time

    deadline = _time.monotonic() + seconds
    while not page.evaluate(predicate):
        if _time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        _time.sleep(0.05)


def a_building(engine) -> tuple[int, float, float]:
    """A building with a footprint, and a point inside it."""
    import json

    from shapely.geometry import shape

    with engine.connect() as c:
        row = c.execute(
            text("SELECT id, footprint FROM buildings WHERE footprint IS NOT NULL ORDER BY id LIMIT 1")
        ).first()
    assert row is not None
    inside = shape(json.loads(row[1])).representative_point()
    return int(row[0]), inside.x, inside.y


def test_the_map_loads_shows_buildings_and_a_click_opens_the_register(live_server, city_engine):
    from playwright.sync_api import sync_playwright

    token, _ = web_session(city_engine, "city")
    bid, lon, lat = a_building(city_engine)
    errors: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        context.add_cookies([{"name": "anju_session", "value": token, "url": live_server.base_url}])
        page = context.new_page()
        page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        page.goto(live_server.base_url + "/map")
        wait_until(page, "() => document.body.dataset.mapReady === '1'", 30)
        page.evaluate(
            """([lon, lat]) => new Promise((done) => {
                 anjuMap.jumpTo({center: [lon, lat], zoom: 17});
                 anjuMap.once('idle', done);
               })""",
            [lon, lat],
        )
        assert page.evaluate("anjuMap.areTilesLoaded()")
        x, y = page.evaluate(
            """([lon, lat]) => {
                 const p = anjuMap.project([lon, lat]);
                 const r = anjuMap.getCanvas().getBoundingClientRect();
                 return [p.x + r.left, p.y + r.top];
               }""",
            [lon, lat],
        )
        here = page.evaluate(
            """([x, y]) => anjuMap.queryRenderedFeatures([x, y], {layers: ['buildings-fill']})
                 .map((f) => f.properties.id)""",
            [
                x - page.evaluate("anjuMap.getCanvas().getBoundingClientRect().left"),
                y - page.evaluate("anjuMap.getCanvas().getBoundingClientRect().top"),
            ],
        )
        assert bid in here, f"building {bid} is not drawn where it should be (found {here})"
        page.screenshot(path=str(ARTIFACTS / "map.png"))
        # hover: a summary of the building under the pointer
        page.mouse.move(x, y)
        page.wait_for_selector(".maplibregl-popup", timeout=5_000)
        assert "使用" in page.inner_text(".maplibregl-popup") or "状态" in page.inner_text(".maplibregl-popup")
        # the legend follows the theme; a street choropleth draws its own legend
        page.select_option("#theme", "year_built")
        assert "建成年份" in page.inner_text("#legend")
        page.select_option("#choropleth", "homes")
        page.wait_for_function("() => document.querySelector('#legend').innerText.includes('街道')", timeout=5_000)
        # a click on a street (away from any building) shows the street's figures, homes by status
        spot = page.evaluate(
            """() => {
                 const c = anjuMap.getCanvas(), w = c.clientWidth, h = c.clientHeight;
                 const blds = ['buildings-fill', 'buildings-point'].filter((l) => anjuMap.getLayer(l));
                 for (let i = 1; i < 24; i++) for (let j = 1; j < 24; j++) {
                   const p = [w * i / 24, h * j / 24];
                   if (anjuMap.queryRenderedFeatures(p, {layers: blds}).length) continue;
                   if (anjuMap.queryRenderedFeatures(p, {layers: ['streets-fill']}).length) return p;
                 }
                 return null;
               }"""
        )
        assert spot, "no street without a building in view"
        left, top = page.evaluate(
            "(() => { const r = anjuMap.getCanvas().getBoundingClientRect(); return [r.left, r.top]; })()"
        )
        page.mouse.click(spot[0] + left, spot[1] + top)
        wait_until(page, "() => document.getElementById('summary').innerText.includes('户')", 10)
        summary = page.inner_text("#summary")
        assert "NaN" not in summary, summary
        assert re.search(r"使用：[\d,]+ 户", summary), summary
        # export the view as PNG
        with page.expect_download() as dl:
            page.click("#export-png")
        png = Path(dl.value.path())
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
        # the date control re-requests every layer's tiles as of that date
        page.fill("#as-of", "2015-06-30")
        page.dispatch_event("#as-of", "change")
        assert "as_of=2015-06-30" in page.evaluate("() => anjuMap.getSource('buildings').tiles[0]")
        page.fill("#as-of", page.evaluate("() => document.getElementById('map').dataset.today"))
        page.dispatch_event("#as-of", "change")
        wait_until(page, "() => anjuMap.loaded() && anjuMap.areTilesLoaded()", 30)
        page.mouse.click(x, y)
        page.wait_for_url(f"**/buildings/{bid}**", timeout=15_000)
        assert "幢" in page.title()
        page.wait_for_selector("table.lpb", timeout=15_000)  # the 楼盘表 grid of that building
        browser.close()
    assert errors == [], "\n".join(errors)
    assert (ARTIFACTS / "map.png").stat().st_size > 10_000
