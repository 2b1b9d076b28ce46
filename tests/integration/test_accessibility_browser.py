"""Every public page, and a sample of the signed-in ones, passes axe-core (issue 25, Tests): no
``serious`` or ``critical`` violation.

The pages are derived from the app's routes: every ``GET`` route whose policy is ``public`` and that is
not an API route is a public page. A page with path parameters is opened with a record made for it
here (a published listing's code, a filed lease's number, a drawn lottery, a project on sale); a new
public page with a parameter this module does not know fails the test until a sample is added, so no
public page escapes the check. Each page is loaded anonymously in headless Chromium, axe-core
(vendored, ``tests/vendor/axe-core``) is injected and run with its default rules, and a screenshot is
kept.

Signed in, each seeded role's workbench (its home page) is checked, and the first page of each context
in that role's menu — a context's main list — unless an earlier role's sample already holds that page
(the menus are derived from the contexts' declarations, so a new context is sampled without a new line
here). One tab per role, its web session made directly (no sign-in round). One server (SQLite) and one
browser for the module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI

from anju.contexts import CONTEXTS
from anju.core import clock
from anju.rental import domain
from anju.rental.tables import rental_leases, rental_listings
from anju.security import Caller, Role, allowed, check_policies, keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import choose_world, web_session
from tests.browser import (
    REPEATED_ROWS,
    Site,
    Tab,
    axe_source,
    axe_violations,
    chromium_browser,
    describe,
    open_tab,
    screenshots_dir,
    site,
)
from tests.integration.test_resale import LANDLORD_NAME
from tests.rental_builders import LANDLORD_ID

#: Public routes that are not pages a person reads (a health probe, an image).
#: Public GET routes that answer something other than a page (a health check, a picture, open-data downloads).
NOT_PAGES = {"/healthz", "/rental/check/{code}/qr.svg", "/open-data/{dataset_id}.csv", "/open-data/{dataset_id}.json",
             "/indicators.csv"}  # fmt: skip


def public_pages(app: FastAPI) -> list[str]:
    """Every public page route of the app (path templates), in path order."""
    return sorted(
        path
        for (method, path), perm in check_policies(app).items()
        if perm == "public" and method == "GET" and not path.startswith("/api/") and path not in NOT_PAGES
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_browser() as b:
        yield b


@pytest.fixture(scope="module")
def world(db_factories: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, dict[str, str]]]:
    with site(db_factories, tmp_path_factory.mktemp("a11y")) as s:
        yield s, samples(s)


def samples(s: Site) -> dict[str, str]:
    """A concrete path for each public page with path parameters, over records made through the builders."""
    from anju import assistance as al
    from anju.assistance.domain import load_policies, sample_policy_path
    from tests import tx_builders as tx
    from tests.assistance_builders import approved

    kr = keyring_from_settings(s.settings)
    w = choose_world(s.engine)
    system = Caller.system("a11y")
    with s.engine.begin() as c:
        homes = rb.free_homes(c, w.street_s1, 2)
        owner = rb.own(c, kr, homes[0].id)
        lid = rb.listing(c, homes[0], owner_bidx=owner)
        lease = rb.filed_lease(c, kr, homes[1], start_on=date(clock.today().year, 1, 1))
        code = c.execute(rental_listings.select().where(rental_listings.c.id == lid)).one().verify_code
        filing = domain.filing_no(clock.today().year, lease, 1)  # the live format, which the check box accepts
        c.execute(rental_leases.update().where(rental_leases.c.id == lease).values(filing_no=filing))
        al.load_programmes(c, load_policies(sample_policy_path("320100")))
        for _ in range(2):
            approved(c, kr, w.street_s1, size=1, priority="a11y")
        draw = al.freeze_draw(c, system, "public_rental", "a11y", "无障碍检查摇号")
        al.run_draw(c, system, draw, "385729", "公证处", ["见证人"])
    with s.engine.begin() as c:  # a random inspection (双随机) drawn over an agency and a practitioner
        from anju.credit import inspections as ci
        from tests.credit_inspection_builders import subject

        subject(c, "agency", w.district_a, w.street_s1, "D", name="无障碍检查经纪机构")
        subject(c, "practitioner", w.district_a, w.street_s1, None)
        inspection = ci.freeze_draw(c, system, ci.DrawIn("无障碍检查抽查", ["agency", "practitioner"], 2, ["city"],
                                                         w.district_a))  # fmt: skip
        ci.run_draw(c, system, inspection, "385729", "公证处", ["见证人"])
    with s.engine.begin() as c:  # a home the seeded landlord owns, listed for sale by a filed agency
        resale_home = rb.free_homes(c, w.street_s1, 1)[0]
        rb.own(c, kr, int(resale_home.id))
        rb.party(c, kr, w.street_s1, kind="agency", code=rb.AGENCY_CODE)
        # its credit file with a sanction, for the public credit disclosure (信用公示)
        from anju import credit

        org = kr.blind_index(rb.AGENCY_CODE, "credit_code")
        credit.ensure_subjects(
            c,
            [credit.SubjectIn(org, "org", "agency", name="无障碍经纪有限公司", credit_code=rb.AGENCY_CODE,
                              street_code=w.street_s1)],
            clock.now(),
        )  # fmt: skip
        credit.record_event(
            c, credit.Event("org", org, "rental", "rental.false_listing", "major", clock.today(), "A11Y-1")
        )
    with s.engine.begin() as c:  # a finished market run and its published month (市场数据发布)
        from anju.market import publication as market_pub
        from tests.market_dashboard_fixtures import make_run

        market_run = make_run(c, city=w.city, districts=[w.district_a, w.district_b], synthetic=True)
        market_pub.publish(c, month="2026-03", run_id=market_run, note=None, by="a11y", city_code=w.city,
                           method="hedonic", k=s.settings.exchange_open_data_k)  # fmt: skip
    with s.server.client() as client:
        sale = tx.on_sale(client, s.engine, w.street_s1, homes=2)
        listed = client.post(
            "/api/v1/transactions/resale/listings",
            json={"house_code": resale_home.house_code, "owner_name": LANDLORD_NAME, "owner_id_number": LANDLORD_ID,
                  "title": "南向三房", "description": "近地铁", "asking_price_fen": 300_000_000},
            headers=tx.auth(s.engine, "agency"),
        )  # fmt: skip
        assert listed.status_code == 201 and listed.json()["verify_code"], listed.text
    return {
        "/rental/check": f"/rental/check?code={code}",  # the portal's check box: on to the code's page
        "/rental/check/{code}": f"/rental/check/{code}",
        "/rental/filings": f"/rental/filings?no={filing}",
        "/rental/filings/{filing_no}": f"/rental/filings/{filing}",
        "/assistance/draws/{draw_id}/public": f"/assistance/draws/{draw}/public",
        "/credit/inspections/{draw_id}/public": f"/credit/inspections/{inspection}/public",
        "/transactions/projects/{project_id}": f"/transactions/projects/{sale.project}",
        "/transactions/buildings/{building_id}": f"/transactions/buildings/{sale.site.building}",
        "/transactions/resale/check": f"/transactions/resale/check?code={listed.json()['verify_code']}",
        "/catalogue/{dataset_id}": "/catalogue/rental.leases_by_month",
        "/credit/public/{credit_code}": f"/credit/public/{rb.AGENCY_CODE}",
        "/market/public/{month}": "/market/public/2026-03",
        "/indicators/{code}": "/indicators/housing.floor_area_per_resident",
    }


def test_every_public_page_has_no_serious_accessibility_violation(
    browser: Any,
    world: tuple[Site, dict[str, str]],
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    s, sample = world
    routes = public_pages(s.app)
    unknown = [r for r in routes if "{" in r and r not in sample]
    assert unknown == [], f"public pages with no sample record here (add one to samples()): {unknown}"
    assert {"/", "/login", "/register", "/rental/listings", "/rental/guidance", "/assistance/notices"} <= set(routes)
    source = axe_source()
    shots = screenshots_dir(request, tmp_path_factory)
    failures: dict[str, list[dict[str, Any]]] = {}
    tab = open_tab(browser, s, shots)
    for route in routes:
        path = sample.get(route, route)
        tab.go(path)
        tab.shot(slug(path))
        if found := axe_violations(tab.page, source):
            failures[path] = found
    assert tab.errors == [], "\n".join(tab.errors)
    assert failures == {}, "axe-core violations (serious or critical):\n" + "\n".join(
        f"{path}\n{describe(found)}" for path, found in failures.items()
    )
    assert len(tab.taken) == len(routes) and all(p.stat().st_size > 5_000 for p in tab.taken)


#: The seeded accounts whose signed-in pages are checked, and their roles (``tests.accounts``).
ROLES = {
    "city": Role.city_officer,
    "district": Role.district_officer,
    "clerk": Role.street_clerk,
    "auditor": Role.auditor,
    "admin": Role.administrator,
    "citizen": Role.citizen,
    "landlord": Role.landlord,
    "agency": Role.agency,
}


def signed_in_sample() -> list[tuple[str, str]]:
    """(account, path): each role's workbench, then the first page of each context in the role's menu
    that no earlier role's sample holds. A menu item open to anyone is a public page (checked above)."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for who, role in ROLES.items():
        mine = ["/"]
        for context in CONTEXTS:
            first = next((m for m in context.menu if m.permission != "public" and allowed(role, m.permission)), None)
            if first is not None and first.path not in seen:
                seen.add(first.path)
                mine.append(first.path)
        out += [(who, p) for p in mine]
    # the map keeps fetching and drawing tiles after it has loaded: last, so that no navigation cuts its
    # requests off and its drawing does not slow the other pages' checks
    return sorted(out, key=lambda x: x[1] == "/map")


def test_each_roles_workbench_and_menu_sample_have_no_serious_accessibility_violation(
    browser: Any,
    world: tuple[Site, dict[str, str]],
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    s, _ = world
    sample = signed_in_sample()
    assert {p for _, p in sample} >= {"/", "/registry", "/assistance/review", "/audit", "/admin/accounts",
                                      "/rental/me/listings", "/credit/me"}, sample  # fmt: skip
    source = axe_source()
    shots = screenshots_dir(request, tmp_path_factory)
    failures: dict[str, list[dict[str, Any]]] = {}
    errors: list[str] = []
    tabs: dict[str, Tab] = {}
    for who, path in sample:
        if who not in tabs:
            tabs[who] = open_tab(browser, s, shots, web_session(s.engine, who)[0], who)
        tab = tabs[who]
        tab.go(path)
        assert tab.page.url.endswith(path), f"{who} {path}: sent on to {tab.page.url}"  # signed in, not refused
        if path == "/":
            tab.shot("workbench")  # each role's home page, kept with the CI artefacts
        # the header (the role's menu) is the same on all of a role's pages: checked on the workbench
        if found := axe_violations(tab.page, source, REPEATED_ROWS + (() if path == "/" else ("header.top",))):
            failures[f"{who} {path}"] = found
    for who, tab in tabs.items():
        errors += [f"{who}: {e}" for e in tab.errors]
    assert errors == [], "\n".join(errors)
    assert failures == {}, "axe-core violations (serious or critical):\n" + "\n".join(
        f"{page}\n{describe(found)}" for page, found in failures.items()
    )
    assert len(tabs) == len(ROLES) and len(tab.taken) == 1 and tab.taken[0].stat().st_size > 5_000


def slug(path: str) -> str:
    """A file name for the page at ``path`` (letters, digits, ``_`` and ``-`` only)."""
    return re.sub(r"[^\w-]+", "_", path.strip("/")) or "portal"


def test_the_check_finds_a_violation_when_there_is_one(
    browser: Any,
    world: tuple[Site, dict[str, str]],
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The check is live: a form field with no label, added to the sign-in page, is reported."""
    s, _ = world
    tab = open_tab(browser, s, screenshots_dir(request, tmp_path_factory))
    tab.go("/login")
    tab.page.evaluate("() => document.querySelector('main form').append(document.createElement('input'))")
    found = axe_violations(tab.page, axe_source())
    assert "label" in {v["id"] for v in found}, found
