"""The staff roles' main flows in a real browser, on pages only (issue 25, Tests), as
``tests/integration/test_rental_flows_browser.py`` does for the rental roles:

- district officer: the review queue → an application at the district's step → approved after the
  confirmation page → it goes to public notice, where anyone reads it;
- city officer: compute a guidance-rent edition (a background job whose page follows its progress
  until 查看结果) → the draft → publish after the confirmation → the public guidance rents show it;
- auditor: a person signs in (the sign-in page) → the auditor searches the audit log for it and reads
  the row in Chinese.

The data each flow starts from is made through the test builders. One server (SQLite) and one
browser for the module; the tests do not depend on each other.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from anju.core import clock
from anju.registry import tables as rt
from anju.security import keyring_from_settings
from tests.accounts import PASSWORD, choose_world, web_session
from tests.browser import Site, Tab, chromium_browser, open_tab, screenshots_dir, site


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_browser() as b:
        yield b


@pytest.fixture(scope="module")
def staff_site(db_factories: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with site(db_factories, tmp_path_factory.mktemp("staff_flows")) as s:
        yield s


@pytest.fixture
def shots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots_dir(request, tmp_path_factory)


def as_(browser: Any, s: Site, shots: Path, who: str | None) -> Tab:
    return open_tab(browser, s, shots, web_session(s.engine, who)[0] if who else None, who or "anonymous")


def test_a_district_officer_approves_an_application_and_it_goes_to_public_notice(
    browser: Any, staff_site: Site, shots: Path
) -> None:
    from anju import assistance as al
    from anju.assistance.domain import load_policies, sample_policy_path
    from anju.assistance.tables import applications
    from tests.assistance_builders import approved

    s = staff_site
    kr = keyring_from_settings(s.settings)
    street = choose_world(s.engine).street_s1
    with s.engine.begin() as c:
        al.load_programmes(c, load_policies(sample_policy_path("320100")))
        # an application of 保障性租赁住房 (street, then district) the street has passed on
        app_id = approved(c, kr, street, programme="affordable_rental", status="submitted")
        c.execute(
            update(applications)
            .where(applications.c.id == app_id)
            .values(level="district", due_at=clock.now() + timedelta(days=7), decided_at=None)
        )
        app_no = c.execute(select(applications.c.app_no).where(applications.c.id == app_id)).scalar_one()
    officer = as_(browser, s, shots, "district")
    officer.go("/assistance/review")
    assert app_no in officer.text()
    officer.shot("review-queue")
    with officer.page.expect_navigation():
        officer.page.click(f'a[href="/assistance/review/{app_id}"]')
    assert app_no in officer.text() and "审核中" in officer.text()
    officer.shot("application")
    officer.follow("审核通过…")
    officer.page.fill('textarea[name="reason"]', "材料齐全，符合条件")
    officer.shot("confirm")
    officer.submit("确认")
    assert officer.text("main p[role=status]") == "已审核通过。"
    officer.shot("approved")
    with officer.page.expect_navigation():
        officer.page.goto(f"{s.base_url}/assistance/review/{app_id}")
    assert "公示中" in officer.text()
    # anyone reads it on the public notices
    visitor = as_(browser, s, shots, None)
    visitor.go("/assistance/notices")
    assert app_no in visitor.text()
    visitor.shot("public-notice")
    assert officer.errors == [] and visitor.errors == [], "\n".join(officer.errors + visitor.errors)


def test_a_city_officer_computes_and_publishes_guidance_rents(browser: Any, staff_site: Site, shots: Path) -> None:
    from tests.integration.test_rental_guidance import PREMIUM, plant

    s = staff_site
    kr = keyring_from_settings(s.settings)
    w = choose_world(s.engine)
    rng = random.Random(6)
    with s.engine.begin() as c:
        sb = c.execute(
            select(rt.homes.c.street_code)
            .where(rt.homes.c.district_code == w.district_b, rt.homes.c.use == "住宅")
            .limit(1)
        ).scalar_one()
        plant(c, kr, w.street_s1, 120, premium=1.0, rng=rng)  # filed leases of the last month
        plant(c, kr, w.street_s2, 120, premium=PREMIUM, rng=rng)
        plant(c, kr, sb, 6, premium=1.2, rng=rng)
    city = as_(browser, s, shots, "city")
    city.go("/rental/guidance/manage")
    assert "还没有测算过指导价格" in city.text()
    city.page.fill('input[name="months"]', "12")
    city.shot("manage")
    city.submit("测算草稿")
    assert re.search(r"/jobs/\d+$", city.page.url), city.page.url
    city.shot("job")
    # the job page updates itself until the result's link appears
    city.page.get_by_role("link", name="查看结果").wait_for(timeout=60_000)
    city.shot("job-done")
    city.follow("查看结果")
    assert "草稿" in city.text("main h1")
    assert re.search(r"样本合同数\s+246\b", city.text()), "the draft counts the 246 filed leases planted"
    edition_no = city.text("main h1 .mono")
    city.shot("draft")
    city.follow("发布此版本…")
    assert "确认发布" in city.text()
    city.shot("confirm")
    city.submit("确认发布")
    assert "/rental/guidance?edition=" in city.page.url
    assert "现行" in city.text() and edition_no in city.text()
    city.shot("published")
    visitor = as_(browser, s, shots, None)
    visitor.go("/rental/guidance")
    assert "现行" in visitor.text() and edition_no in visitor.text() and "元" in visitor.text()
    visitor.shot("public-guidance")
    assert city.errors == [] and visitor.errors == [], "\n".join(city.errors + visitor.errors)


def test_an_auditor_finds_a_sign_in_in_the_audit_log(browser: Any, staff_site: Site, shots: Path) -> None:
    s = staff_site
    person = open_tab(browser, s, shots, who="landlord")  # not signed in yet
    person.go("/login")
    person.page.fill('input[name="username"]', "landlord")
    person.page.fill('input[name="password"]', PASSWORD)
    person.shot("sign-in")
    person.submit("登录")
    assert "/login" not in person.page.url, person.text()
    person.shot("signed-in")
    auditor = as_(browser, s, shots, "auditor")
    auditor.go("/audit")
    auditor.page.fill('input[name="actor"]', "landlord")
    auditor.page.fill('input[name="action"]', "auth.")
    auditor.page.select_option('select[name="outcome"]', "ok")
    auditor.shot("search")
    auditor.submit("查询")
    rows = auditor.page.locator("main table.list tbody tr")
    assert rows.count() >= 1
    first = rows.first.inner_text()
    assert "landlord" in first and "成功" in first and "auth.sign_in" in first and "登录" in first, first
    auditor.shot("found")
    assert person.errors == [] and auditor.errors == [], "\n".join(person.errors + auditor.errors)
