"""The rental roles' main flows in a real browser, on pages only (issue 25, Tests).

Each test is one person at a headless Chromium tab (Debian's ``chromium``, driven by Playwright),
clicking links and buttons and filling forms as they would, and checking at each step what a person
checks: the status shown, the number given, the confirmation. The data a flow starts from is made
through the test builders (``tests/rental_builders.py``); everything after that is pages. A
screenshot of every step is kept (``tests/browser.py``: ``$ANJU_SCREENSHOTS``). One server (SQLite)
and one browser for the module; the tests do not depend on each other.

- landlord: list a home → verify (each rule's result) → publish → draft a lease on the listing;
- tenant: find the listing → open its check page → sign the lease → file it → pay the supervised
  rent into escrow → download the proof of the payment (checked against the log's root);
- street clerk: review a listing waiting for review → handle a complaint about it to its reply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from anju.core import clock
from anju.ledger import verify
from anju.rental.tables import rental_listings
from anju.security import keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, choose_world, web_session
from tests.browser import Site, Tab, chromium_browser, open_tab, screenshots_dir, site

AGENCY_CODE = "91110000600037341L"  # the seeded agency account's enterprise (tests/accounts.py)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_browser() as b:
        yield b


@pytest.fixture(scope="module")
def rental_site(db_factories: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with site(db_factories, tmp_path_factory.mktemp("rental_flows")) as s:
        yield s


@pytest.fixture
def shots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots_dir(request, tmp_path_factory)


def as_(browser: Any, s: Site, shots: Path, who: str | None) -> Tab:
    """A tab of ``who`` (a seeded account, signed in) or of an anonymous visitor (None)."""
    return open_tab(browser, s, shots, web_session(s.engine, who)[0] if who else None, who or "anonymous")


def fill(tab: Tab, values: dict[str, str], form: str = "main form") -> None:
    for name, value in values.items():
        field = tab.page.locator(f'{form} [name="{name}"]')
        if field.evaluate("(el) => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def status_line(tab: Tab) -> str:
    return tab.text("main p[role=status], main .notice")


def test_a_landlord_lists_verifies_publishes_and_drafts_a_lease(browser: Any, rental_site: Site, shots: Path) -> None:
    s = rental_site
    kr = keyring_from_settings(s.settings)
    with s.engine.begin() as c:
        home = rb.free_homes(c, choose_world(s.engine).street_s1, 1)[0]
        rb.own(c, kr, home.id)  # the register records the landlord as its owner
    tab = as_(browser, s, shots, "landlord")
    tab.go("/rental/me/listings")
    assert "还没有房源" in tab.text()
    tab.shot("my-listings")
    tab.follow("发布房源")
    fill(tab, {
        "house_code": home.house_code, "title": "南北通透两居室", "description": "近地铁，家电齐全",
        "area": str(home.construction_area), "bedrooms": "2", "living_rooms": "1",
        "floor": str(home.floor_no or 1), "photos": "6", "rent_yuan": "3,500", "deposit_yuan": "3500",
    })  # fmt: skip
    tab.shot("listing-form")
    tab.submit("保存草稿")
    assert "房源已保存为草稿" in status_line(tab)
    assert "草稿" in tab.text("main > p:not(.crumbs)")
    listing_id = int(re.search(r"/rental/me/listings/(\d+)", tab.page.url).group(1))  # type: ignore[union-attr]
    tab.shot("draft")
    # verify: every rule with its result, then the code and its QR code
    tab.submit("核验")
    rules = tab.page.locator("main table.list tbody tr")
    assert rules.count() >= 6
    results = [rules.nth(i).locator("td").nth(1).inner_text() for i in range(rules.count())]
    assert set(results) == {"通过"}, results
    code = tab.text("main b.mono")
    assert re.fullmatch(r"[0-9A-Z]{10,16}", code), code
    assert tab.page.locator(f'img[src="/rental/check/{code}/qr.svg"]').is_visible()
    tab.shot("verified")
    tab.submit("发布")
    assert "已发布" in tab.text("main > p:not(.crumbs)")
    tab.shot("published")
    # anyone can check the code on the public page
    visitor = as_(browser, s, shots, None)
    visitor.go("/")
    visitor.page.fill('form[action="/rental/check"] input[name="code"]', code)
    with visitor.page.expect_navigation():
        visitor.page.locator('form[action="/rental/check"] button').click()
    assert visitor.page.url.endswith(f"/rental/check/{code}")
    assert f"核验码 {code}：有效" in visitor.text() and "已发布" in visitor.text()
    visitor.shot("public-check")
    # a lease drafted on the listing, for the tenant's verified account
    tab.go("/rental/me/leases")
    tab.follow("起草租赁合同")
    today = clock.today()
    fill(tab, {
        "listing_id": str(listing_id), "tenant_name": CITIZEN_NAME, "tenant_id_number": CITIZEN_ID,
        "tenant_username": "citizen", "start_on": today.isoformat(),
        "end_on": (today + timedelta(days=364)).isoformat(), "rent_yuan": "3500", "deposit_yuan": "3500",
        "payment_cycle": "monthly", "occupants": "2",
    })  # fmt: skip
    tab.shot("lease-form")
    tab.submit("起草合同")
    assert "合同已起草" in tab.text()
    assert "出租人" in tab.text() and "草拟" in tab.text()
    assert CITIZEN_ID not in tab.page.content()  # the tenant's ID number is masked
    tab.shot("lease-drafted")
    assert tab.errors == [] and visitor.errors == [], "\n".join(tab.errors + visitor.errors)


def test_a_tenant_finds_signs_files_pays_into_escrow_and_downloads_the_proof(
    browser: Any, rental_site: Site, shots: Path
) -> None:
    s = rental_site
    kr = keyring_from_settings(s.settings)
    street = choose_world(s.engine).street_s2
    with s.engine.begin() as c:
        home = rb.free_homes(c, street, 1)[0]
        owner = rb.own(c, kr, home.id)
        party = rb.party(c, kr, street, code=AGENCY_CODE)  # a rental enterprise with an escrow account
        listing_id = rb.listing(c, home, party_id=party, owner_bidx=owner, rent_fen=2_000_00)
        code = c.execute(rental_listings.select().where(rental_listings.c.id == listing_id)).one().verify_code
    # the owner entrusts the enterprise, which drafts the lease (yearly rent in advance: supervised) and signs
    owner_tab = as_(browser, s, shots, "landlord")
    owner_tab.go("/rental/entrustments")
    today = clock.today()
    fill(owner_tab, {"house_code": home.house_code, "agent_credit_code": AGENCY_CODE,
                     "valid_from": today.isoformat(), "valid_to": (today + timedelta(days=800)).isoformat()},
         form='form[action="/rental/entrustments"]')  # fmt: skip
    owner_tab.submit("登记委托")
    assert "/rental/entrustments?done=entrusted" in owner_tab.page.url
    agency = as_(browser, s, shots, "agency")
    agency.go("/rental/me/leases/new")
    fill(agency, {
        "listing_id": str(listing_id), "tenant_name": CITIZEN_NAME, "tenant_id_number": CITIZEN_ID,
        "tenant_username": "citizen", "start_on": today.isoformat(),
        "end_on": (today + timedelta(days=364)).isoformat(), "rent_yuan": "2000", "deposit_yuan": "2000",
        "payment_cycle": "yearly", "occupants": "1",
    })  # fmt: skip
    agency.submit("起草合同")
    assert "合同已起草" in agency.text(), agency.text()
    agency.submit("签署")
    assert "等待对方签署" in agency.text()

    tenant = as_(browser, s, shots, "citizen")
    # find: the public list of verified listings, then the listing's check page
    tenant.go("/rental/listings")
    tenant.shot("listings")
    with tenant.page.expect_navigation():
        tenant.page.click(f'a[href="/rental/check/{code}"]')
    assert f"核验码 {code}：有效" in tenant.text() and "2,000.00 元" in tenant.text()
    tenant.shot("check")
    # sign
    tenant.go("/rental/me/leases")
    assert "签署中" in tenant.text()
    tenant.shot("my-leases")
    with tenant.page.expect_navigation():
        tenant.page.click("main table.list a.mono")
    assert "承租人" in tenant.text() and "2,000.00 元" in tenant.text()
    tenant.shot("lease")
    tenant.submit("签署")
    assert "已签署" in tenant.text()
    # file
    tenant.submit("备案")
    assert "合同已备案" in tenant.text()
    filing_no = re.search(r"BA\d{17}", tenant.text())
    assert filing_no, "the filing number is shown"
    assert "监管中" in tenant.text("#escrow")
    tenant.shot("filed")
    # pay the supervised rent into escrow: the first row of what is due
    due = tenant.page.locator("#escrow form").first
    due.locator('input[name="reference"]').fill("PAY-BROWSER-0001")
    due.locator('input[name="paid_on"]').fill(today.isoformat())
    with tenant.page.expect_navigation():
        due.locator("button").click()
    journals = tenant.text("#escrow")
    assert "缴存已登记" in tenant.text() and "目前没有需要缴存的款项" in journals
    # the supervised part of a year paid in advance: nine months beyond the three the rule allows
    assert re.search(r"PAY-BROWSER-0001\s+18,000.00 元", journals), journals
    tenant.shot("paid")
    # download the proof and check it as anyone could: every entry is in the log under its root
    with tenant.page.expect_download() as dl:
        tenant.page.get_by_role("link", name="下载资金流水存证证明（JSON）").click()
    proofs = json.loads(Path(dl.value.path()).read_text("utf-8"))
    assert any(i["reference"] == "PAY-BROWSER-0001" for i in proofs["items"])
    root = bytes.fromhex(proofs["root"])
    for item in proofs["items"]:
        leaf = verify.leaf_hash(item["entry"].encode(), proofs["algorithm"])
        path = [bytes.fromhex(h) for h in item["proof"]]
        assert verify.check_inclusion(leaf, item["index"], proofs["size"], path, root, proofs["algorithm"]) is None
    # the public filing page answers the number
    tenant.go(f"/rental/filings/{filing_no.group(0)}")
    assert filing_no.group(0) in tenant.text()
    tenant.shot("public-filing")
    errors = owner_tab.errors + agency.errors + tenant.errors
    assert errors == [], "\n".join(errors)


def test_a_street_clerk_reviews_a_listing_and_handles_a_complaint(browser: Any, rental_site: Site, shots: Path) -> None:
    s = rental_site
    kr = keyring_from_settings(s.settings)
    street = choose_world(s.engine).street_s1
    with s.engine.begin() as c:
        home = rb.free_homes(c, street, 1)[0]
        owner = rb.own(c, kr, home.id)
        lister = rb.account(c, "landlord").id
        waiting = rb.listing(c, home, status="pending_review", lister_account_id=lister, owner_bidx=owner)
    clerk = as_(browser, s, shots, "clerk")
    # the review queue → the listing → approved with a reason
    clerk.go("/rental/staff/listings?status=pending_review")
    clerk.shot("review-queue")
    with clerk.page.expect_navigation():
        clerk.page.click(f'a[href="/rental/staff/listings/{waiting}"]')
    clerk.shot("listing")
    clerk.page.fill('textarea[name="reason"]', "租金经实地核实，与同类房屋相当")
    clerk.submit("复核通过")
    assert "done=approved" in clerk.page.url
    assert "已核验" in clerk.text()
    clerk.shot("approved")
    # a citizen complains about the listing (a page of their own), the clerk handles it
    citizen = as_(browser, s, shots, "citizen")
    citizen.go("/rental/complaints/new")
    # a listing never published is private: a complaint about it reads as about no listing, in Chinese
    fill(citizen, {"kind": "complaint", "category": "虚假房源", "subject_kind": "listing", "ref": str(waiting),
                   "title": "房源照片与实际不符", "text": "看房时发现房屋朝向与房源描述不一致。"})  # fmt: skip
    citizen.refused(422)
    citizen.submit("提交")
    refused = citizen.text("main")
    assert "投诉信息有误：没有这个房源" in refused and "listing_id 没有" not in refused, refused
    citizen.shot("complaint-refused")
    fill(citizen, {"subject_kind": "home", "ref": home.house_code})
    citizen.submit("提交")
    citizen.shot("complaint-filed")
    clerk.go("/rental/complaints")
    assert "房源照片与实际不符" in clerk.text()
    clerk.shot("complaints")
    with clerk.page.expect_navigation():
        clerk.page.locator("tr", has_text="房源照片与实际不符").get_by_role("link", name="办理").click()
    clerk.submit("开始办理")
    assert "办理中" in clerk.text()
    clerk.follow("办结")
    clerk.page.fill('textarea[name="reply"]', "经核查，房源描述已责令更正。")
    clerk.shot("resolve-form")
    clerk.page.get_by_role("button", name=re.compile("^确认")).click()
    clerk.page.wait_for_load_state()
    assert "已办结" in clerk.text() and "经核查，房源描述已责令更正。" in clerk.text()
    clerk.shot("resolved")
    # the complainant reads the reply
    citizen.go("/rental/complaints/mine")
    with citizen.page.expect_navigation():
        citizen.page.locator("tr", has_text="房源照片与实际不符").get_by_role("link", name="查看").click()
    assert "经核查，房源描述已责令更正。" in citizen.text() and "已办结" in citizen.text()
    citizen.shot("reply-read")
    assert clerk.errors == [] and citizen.errors == [], "\n".join(clerk.errors + citizen.errors)
