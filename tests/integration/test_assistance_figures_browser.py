"""The talent-housing analysis page in a real browser: headless Chromium (Debian's ``chromium``
package) driven by Playwright, as ``tests/integration/test_map_browser.py`` does.

Loads /assistance/talent signed in over the small data set of ``tests/integration/test_assistance_figures.py``,
waits until every ECharts chart has drawn on its canvas, checks what the charts hold, keeps a
screenshot (``test-artifacts/talent.png``) and loads the figures page too. Any console error (a CSP
violation is one) or failed request fails it. Chromium must be installed (``.ci/run`` installs the
Debian package when it is missing): a missing browser fails the test rather than skipping it.
"""

from __future__ import annotations

from tests.accounts import web_session
from tests.integration.test_assistance_figures import build
from tests.integration.test_map_browser import ARTIFACTS, CHROMIUM_ARGS, chromium, wait_until
from tests.plan_builders import store_values

TALENT_CHARTS = ("talent-tiers", "talent-districts", "talent-industries", "talent-months")
FIGURES_CHARTS = ("coverage", "supply-years", "supply-plan", "applications", "times", "monthly")


def test_the_talent_page_draws_its_charts(live_server, city_engine):
    from playwright.sync_api import sync_playwright

    build(city_engine)
    # the coverage rate's denominator: the street database's resident population (8 of 40: 20 %)
    store_values(city_engine, [("population.resident", "city", "320100", 2024, "40", None)])
    token, _ = web_session(city_engine, "city")
    errors: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.add_cookies([{"name": "anju_session", "value": token, "url": live_server.base_url}])
        page = context.new_page()
        page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))

        page.goto(live_server.base_url + "/assistance/talent")
        wait_until(page, "() => document.body.dataset.chartsReady === '1'", 30)
        drawn = page.evaluate(
            """() => Array.from(document.querySelectorAll('[data-chart]')).map((el) => {
                 const c = el.querySelector('canvas');
                 return [el.dataset.chart, !!c && c.width > 0 && c.height > 0];
               })"""
        )
        assert dict(drawn) == dict.fromkeys(TALENT_CHARTS, True), drawn
        # what the charts hold is what the page's data says
        tiers = page.evaluate("() => anjuCharts['talent-tiers'].getOption().series.map((s) => s.data)")
        assert tiers == [[1, 1, 1, 1], [0, 2, 1, 1]]
        months = page.evaluate("() => anjuCharts['talent-months'].getOption().xAxis[0].data")
        assert months == ["2024-04", "2024-05", "2024-06"]
        # the canvas is really painted (not a blank bitmap)
        painted = page.evaluate(
            """() => {
                 const c = document.querySelector('[data-chart="talent-tiers"] canvas');
                 const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 let ink = 0;
                 for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0) ink += 1;
                 return ink;
               }"""
        )
        assert painted > 1000
        assert "软件和信息服务业" in page.inner_text("#fig-industries table")
        page.screenshot(path=str(ARTIFACTS / "talent.png"), full_page=True)
        # the district filter reloads the page with that district only
        district = page.evaluate("() => document.querySelector('#district option:nth-child(2)').value")
        page.select_option("#district", district)
        page.click(".fig-filter button")
        page.wait_for_url(f"**/assistance/talent?district={district}")
        wait_until(page, "() => document.body.dataset.chartsReady === '1'", 30)

        page.goto(live_server.base_url + "/assistance/figures")
        wait_until(page, "() => document.body.dataset.chartsReady === '1'", 30)
        drawn = page.evaluate(
            """() => Array.from(document.querySelectorAll('[data-chart]'))
                 .map((el) => [el.dataset.chart, !!el.querySelector('canvas')])"""
        )
        assert dict(drawn) == dict.fromkeys(FIGURES_CHARTS, True), drawn
        page.screenshot(path=str(ARTIFACTS / "figures.png"), full_page=True)
        browser.close()
    assert errors == [], "\n".join(errors)
    assert (ARTIFACTS / "talent.png").stat().st_size > 10_000
