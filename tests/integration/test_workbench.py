"""The home page (issue 25): the public portal for anyone not signed in, each role's workbench with
what waits for that person and the area's figures, and a menu built from the role's permissions in
which no item leads to a 403."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from anju.app import create_app
from anju.contexts import CONTEXTS
from anju.security import Role, allowed
from tests import rental_builders as rb
from tests.accounts import choose_world, web_session

ROLES = ("citizen", "landlord", "agency", "clerk", "district", "city", "auditor", "admin")


@pytest.fixture
def client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False, headers={"accept": "text/html"}) as c:
        yield c
    app.state.engine.dispose()


def signed_in(client: TestClient, engine: Engine, who: str) -> TestClient:
    client.cookies.clear()
    client.cookies.set("anju_session", web_session(engine, who)[0])
    return client


def menu_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="menu"[^>]*>(.*?)</nav>', html, re.S)
    assert nav is not None
    return re.findall(r'href="([^"]+)"', nav.group(1))


def test_anyone_gets_the_portal_with_the_public_services(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "城市住房服务" in page.text
    for href in (
        "/rental/listings",
        "/rental/guidance",
        "/assistance",
        "/assistance/notices",
        "/ledger",
        "/login",
        "/register",
    ):
        assert f'href="{href}"' in page.text
    assert 'action="/rental/check"' in page.text and 'action="/rental/filings"' in page.text
    assert "签名公钥" in client.get("/ledger").text  # the verifiable logs' public page
    for href in menu_links(page.text):  # the public menu opens without signing in
        assert client.get(href).status_code == 200, href
    # districts are choices on the public pages' filters, never a code to type
    projects = client.get("/transactions/projects").text
    assert '<select name="district">' in projects and 'name="district" value=' not in projects
    # the filing-number box: a malformed number is answered in Chinese, a well-formed one goes to its page
    bad = client.get("/rental/filings", params={"no": "12345"})
    assert bad.status_code == 404 and "备案编号格式不正确" in bad.text
    ok = client.get("/rental/filings", params={"no": " ba2026000000001 0000 "})
    assert ok.status_code == 303 and ok.headers["location"] == "/rental/filings/BA20260000000010000"


@pytest.mark.parametrize("who", ROLES)
def test_each_roles_menu_holds_only_pages_it_may_open(client: TestClient, city_engine: Engine, who: str) -> None:
    page = signed_in(client, city_engine, who).get("/")
    assert page.status_code == 200 and "工作台" in page.text
    links = menu_links(page.text)
    assert links, f"{who} has an empty menu"
    for href in links:
        r = client.get(href)
        assert r.status_code == 200, f"{who}: {href} → {r.status_code}"
    role = client.get("/me")  # the role's menu is what its permissions allow, nothing more
    assert role.status_code == 200
    menus = {m.path for c in CONTEXTS for m in c.menu}
    assert set(links) <= menus


def test_menus_differ_by_role_and_every_item_names_a_known_permission() -> None:
    def menu(role: Role) -> set[str]:
        return {m.path for c in CONTEXTS for m in c.menu if allowed(role, m.permission)}

    assert "/rental/me/listings" in menu(Role.landlord) and "/rental/me/listings" not in menu(Role.citizen)
    assert "/rental/staff/listings" in menu(Role.street_clerk) and "/admin/accounts" not in menu(Role.street_clerk)
    assert menu(Role.administrator) & {"/registry", "/rental/staff/listings", "/assistance/review"} == set()
    known = {p for c in CONTEXTS for p in c.permissions} | {"public", "self"}
    assert {m.permission for c in CONTEXTS for m in c.menu} <= known


def test_the_clerks_workbench_counts_what_waits_in_the_clerks_streets(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    with city_engine.begin() as c:
        before = _count(signed_in(client, city_engine, "clerk").get("/").text, "待复核的房源")
        for home in rb.free_homes(c, w.street_s1, 2):
            rb.listing(c, home, status="pending_review")
    page = signed_in(client, city_engine, "clerk").get("/").text
    assert _count(page, "待复核的房源") == before + 2
    assert 'href="/rental/staff/listings?status=pending_review"' in page
    assert "待处理的投诉" in page and "本辖区概况" in page
    # another street's clerk sees none of them: the district officer's count includes them
    assert _count(signed_in(client, city_engine, "district").get("/").text, "待复核的房源") >= before + 2


def test_a_landlords_workbench_has_no_staff_work(client: TestClient, city_engine: Engine) -> None:
    page = signed_in(client, city_engine, "landlord").get("/").text
    assert "未核验的房源草稿" in page and "待我签署的租赁合同" in page
    assert "待复核的房源" not in page and "概况" not in page
    assert "后续版本开放" not in page


def _count(html: str, label: str) -> int:
    m = re.search(re.escape(label) + r".*?(?:<b>([\d,]+)</b>|<span class=\"none\">无</span>)", html, re.S)
    assert m is not None, label
    return int(m.group(1).replace(",", "")) if m.group(1) else 0
