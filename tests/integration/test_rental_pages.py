"""The lease (网签备案) and escrow (租金监管) pages, for every role, through a browser-like session
(cookie + CSRF token), on both databases: drafting, signing and filing end to end (a double submit of
the filing form files once), termination and cancellation behind their confirmation pages, the
tenant's escrow statement and payment, the enterprise's accounts, the supervisors' lists with
reconciliation, bank statement upload and penalties; personal data masked; bad input shown next to
its field with nothing written; out-of-scope ids 404, wrong roles 403, anonymous callers sent to sign in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select

from anju import funds, ledger
from anju.app import create_app
from anju.core import clock
from anju.funds.tables import fund_bank_lines, fund_journals
from anju.registry import tables as rt
from anju.rental import domain, escrow
from anju.rental.tables import (
    rental_entrustments,
    rental_escrow_positions,
    rental_lease_events,
    rental_leases,
)
from anju.security import keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, account_id, choose_world, web_session

START = clock.today() + timedelta(days=10)
END = domain.add_months(START, 12) - timedelta(days=1)
ESCROW_START = date(2026, 1, 1)
RENT = 2000_00
MASKED_ID = CITIZEN_ID[:4] + "*" * 10 + CITIZEN_ID[-4:]


class Pages:
    """A browser-like client: one web session (cookie + CSRF token) per seeded account."""

    def __init__(self, client: TestClient, engine: Engine) -> None:
        self.client, self.engine = client, engine
        self.sessions: dict[str, tuple[str, str]] = {}
        self.csrf = ""

    def as_(self, who: str | None) -> Pages:
        self.client.cookies.clear()
        if who is None:
            self.csrf = ""
            return self
        if who not in self.sessions:
            self.sessions[who] = web_session(self.engine, who)
        token, self.csrf = self.sessions[who]
        self.client.cookies.set("anju_session", token)
        return self

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kw)


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        homes = rb.free_homes(conn, w.street_s1, 4)
        for h in homes:
            rb.own(conn, kr, h.id)
        far = rb.free_homes(conn, _street_of(conn, w.district_b), 1)[0]
    app = create_app(settings)
    with TestClient(app, follow_redirects=False, headers={"accept": "text/html"}) as client:
        yield {
            "engine": city_engine,
            "settings": settings,
            "kr": kr,
            "world": w,
            "homes": homes,
            "far": far,
            "pages": Pages(client, city_engine),
        }
    app.state.engine.dispose()


def _street_of(conn: Any, district: str) -> str:
    b = rt.buildings
    return str(
        conn.execute(
            select(b.c.street_code)
            .where(b.c.district_code == district, b.c.street_code.like(district + "%"))
            .order_by(b.c.street_code)
            .limit(1)
        ).scalar_one()
    )


def count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def lease_row(engine: Engine, lease_id: int) -> Any:
    with engine.connect() as c:
        return c.execute(select(rental_leases).where(rental_leases.c.id == lease_id)).one()


def draft_form(home: int | None, **over: str) -> dict[str, str]:
    form = {
        "home_id": "" if home is None else str(home),
        "tenant_name": CITIZEN_NAME,
        "tenant_id_number": CITIZEN_ID,
        "start_on": START.isoformat(),
        "end_on": END.isoformat(),
        "rent_yuan": "3,200.50",
        "deposit_yuan": "3200",
        "payment_cycle": "monthly",
        "occupants": "2",
        "use": "居住",
        "extra_clauses": "可养一只猫\n\n不得在阳台晾晒大件物品",
    }
    form.update(over)
    return form


def lease_id_of(resp: Any) -> int:
    assert resp.status_code == 303, resp.text
    m = re.fullmatch(r"/rental/me/leases/(\d+)\?done=\w+", resp.headers["location"])
    assert m, resp.headers["location"]
    return int(m.group(1))


def filing_key(html: str) -> str:
    m = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert m, "the filing form carries its idempotency key"
    return m.group(1)


def filed_via_pages(env: dict[str, Any], home: Any) -> int:
    p = env["pages"]
    lease_id = lease_id_of(p.as_("landlord").post("/rental/me/leases/new", draft_form(home.id)))
    assert p.post(f"/rental/me/leases/{lease_id}/sign").status_code == 303
    assert p.as_("citizen").post(f"/rental/me/leases/{lease_id}/sign").status_code == 303
    key = filing_key(p.get(f"/rental/me/leases/{lease_id}").text)
    assert p.post(f"/rental/me/leases/{lease_id}/file", {"idempotency_key": key}).status_code == 303
    assert lease_row(env["engine"], lease_id).status == "filed"
    return lease_id


# ------------------------------------------------------------------------------------------ the parties


def test_a_lease_is_drafted_signed_and_filed_through_the_pages_and_a_double_submit_files_once(
    env: dict[str, Any],
) -> None:
    p, engine, home = env["pages"], env["engine"], env["homes"][0]
    r = p.as_("landlord").get("/rental/me/leases")
    assert r.status_code == 200 and "我的租赁合同" in r.text and "还没有租赁合同" in r.text
    r = p.get("/rental/me/leases/new")
    assert r.status_code == 200 and "起草住房租赁合同" in r.text and 'name="tenant_id_number"' in r.text
    lease_id = lease_id_of(p.post("/rental/me/leases/new", draft_form(home.id)))
    row = lease_row(engine, lease_id)
    assert (row.rent_fen, row.deposit_fen, row.occupants, row.status) == (3_200_50, 3_200_00, 2, "draft")
    r = p.get(f"/rental/me/leases/{lease_id}?done=created")
    assert r.status_code == 200 and "合同已起草" in r.text and ">签署</button>" in r.text and "草拟" in r.text
    assert "可养一只猫" in r.text and "不得在阳台晾晒大件物品" in r.text and "3,200.50 元" in r.text
    assert "合同备案" in r.text  # the model clauses are shown
    assert CITIZEN_ID not in r.text and CITIZEN_NAME not in r.text and MASKED_ID in r.text
    assert "郑**" in r.text
    assert p.post(f"/rental/me/leases/{lease_id}/sign").headers["location"].endswith("done=signed")
    r = p.get(f"/rental/me/leases/{lease_id}")
    assert "您已签署，等待对方签署" in r.text and ">签署</button>" not in r.text
    # the tenant finds it in the list and signs
    r = p.as_("citizen").get("/rental/me/leases")
    assert row.lease_no in r.text and CITIZEN_NAME not in r.text and "签署中" in r.text
    assert p.post(f"/rental/me/leases/{lease_id}/sign").status_code == 303
    assert lease_row(engine, lease_id).status == "signed"
    # filing: the form's key is fresh per rendering; the same form sent twice is one filing
    r = p.as_("landlord").get(f"/rental/me/leases/{lease_id}")
    key = filing_key(r.text)
    assert key != filing_key(p.get(f"/rental/me/leases/{lease_id}").text)
    with engine.connect() as c:
        size = ledger.get_log(c, "rental").size
    first = p.post(f"/rental/me/leases/{lease_id}/file", {"idempotency_key": key})
    assert first.status_code == 303 and first.headers["location"].endswith("done=filed")
    filing_no = lease_row(engine, lease_id).filing_no
    again = p.post(f"/rental/me/leases/{lease_id}/file", {"idempotency_key": key})
    assert again.status_code == 303
    assert lease_row(engine, lease_id).filing_no == filing_no
    filed = (rental_lease_events.c.lease_id == lease_id, rental_lease_events.c.kind == "filed")
    assert count(engine, rental_lease_events, *filed) == 1
    with engine.connect() as c:
        assert ledger.get_log(c, "rental").size == size + 1
    # a new form (a new key) for the filed lease is refused, not filed again
    r = p.post(f"/rental/me/leases/{lease_id}/file", {"idempotency_key": "another-key-123"})
    assert r.status_code == 409 and "已备案" in r.text and count(engine, rental_lease_events, *filed) == 1
    r = p.get(f"/rental/me/leases/{lease_id}?done=filed")
    assert "合同已备案" in r.text and filing_no in r.text and 'name="idempotency_key"' not in r.text
    assert "提前解除合同" in r.text and "申请注销备案" in r.text
    pdf = p.get(f"/api/v1/rental/me/leases/{lease_id}/contract.pdf")  # the page's download link
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert f'href="/api/v1/rental/me/leases/{lease_id}/contract.pdf"' in r.text


def test_the_form_offers_ones_verified_listings_and_drafts_on_one(env: dict[str, Any]) -> None:
    p, engine, home = env["pages"], env["engine"], env["homes"][1]
    landlord = account_id(engine, "landlord")
    with engine.begin() as conn:
        listing = rb.listing(conn, home, lister_account_id=landlord, owner_bidx=None)
        draft = rb.listing(conn, env["homes"][2], status="draft", lister_account_id=landlord)
    r = p.as_("landlord").get("/rental/me/leases/new", params={"listing_id": listing})
    assert f'<option value="{listing}" selected>' in r.text and f'<option value="{draft}"' not in r.text
    form = draft_form(None, listing_id=str(listing))
    r = p.post("/rental/me/leases/new", {**form, "home_id": str(home.id)})  # a listing or a home, not both
    assert r.status_code == 422 and 'id="err-home_id"' in r.text
    lease_id = lease_id_of(p.post("/rental/me/leases/new", form))
    row = lease_row(engine, lease_id)
    assert (row.listing_id, row.home_id) == (listing, home.id)
    r = p.post("/rental/me/leases/new", draft_form(None, listing_id=str(draft)))
    assert r.status_code == 422 and 'id="err-listing_id"' in r.text


def test_bad_input_is_shown_next_to_its_field_and_nothing_is_written(env: dict[str, Any]) -> None:
    p, engine, home = env["pages"], env["engine"], env["homes"][1]
    p.as_("landlord")
    before = count(engine, rental_leases)
    r = p.post("/rental/me/leases/new", draft_form(home.id, rent_yuan="三千", end_on="2026-13-01", occupants="x"))
    assert r.status_code == 422
    assert re.search(r'id="err-rent_yuan"[^>]*>金额应为不小于 0 的数字', r.text)
    assert re.search(r'id="err-end_on"[^>]*>日期应为 YYYY-MM-DD', r.text)
    assert 'id="err-occupants"' in r.text
    assert CITIZEN_ID not in r.text  # the resident ID is typed again, never echoed
    assert 'value="三千"' in r.text  # the rest of what was typed is kept
    # the service's rules, every one at once, each next to its field
    bad = draft_form(home.id, tenant_id_number="110105194912310021", deposit_yuan="20000", end_on=START.isoformat())
    r = p.post("/rental/me/leases/new", bad)
    assert r.status_code == 422
    for name in ("tenant_id_number", "deposit_yuan", "end_on"):
        assert f'id="err-{name}"' in r.text, name
    assert "押金不得超过" in r.text
    # a home the landlord does not own
    r = p.post("/rental/me/leases/new", draft_form(env["far"].id))
    assert r.status_code == 422 and 'id="err-home_id"' in r.text and "产权人" in r.text
    assert count(engine, rental_leases) == before


def test_the_tenant_terminates_after_a_confirmation_page(env: dict[str, Any]) -> None:
    p, engine = env["pages"], env["engine"]
    with engine.begin() as conn:
        lease_id = rb.filed_lease(conn, env["kr"], env["homes"][2], start_on=clock.today() - timedelta(days=40),
                                  tenant_id=CITIZEN_ID)  # fmt: skip
    p.as_("citizen")
    r = p.get(f"/rental/me/leases/{lease_id}")
    assert r.status_code == 200 and f"/rental/me/leases/{lease_id}/terminate" in r.text
    r = p.get(f"/rental/me/leases/{lease_id}/terminate")
    assert r.status_code == 200 and "提前解除租赁合同" in r.text and "不能撤销" in r.text and "确认解除" in r.text
    events = count(engine, rental_lease_events, rental_lease_events.c.lease_id == lease_id)
    r = p.post(f"/rental/me/leases/{lease_id}/terminate", {"ended_on": clock.today().isoformat(), "reason": " "})
    assert r.status_code == 422 and re.search(r'id="err-reason"[^>]*>请说明原因', r.text)
    r = p.post(f"/rental/me/leases/{lease_id}/terminate", {"ended_on": "2099-01-01", "reason": "工作调动"})
    assert r.status_code == 422 and 'id="err-ended_on"' in r.text and "终止日期应在" in r.text
    assert 'value="2099-01-01"' in r.text and "工作调动" in r.text
    assert lease_row(engine, lease_id).status == "filed"
    assert count(engine, rental_lease_events, rental_lease_events.c.lease_id == lease_id) == events
    r = p.post(f"/rental/me/leases/{lease_id}/terminate", {"ended_on": clock.today().isoformat(), "reason": "工作调动"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=terminated")
    row = lease_row(engine, lease_id)
    assert (row.status, row.ended_on, row.end_reason) == ("terminated", clock.today(), "工作调动")
    r = p.get(f"/rental/me/leases/{lease_id}/terminate")
    assert "只有已备案的合同可以办理此项" in r.text and "确认解除" not in r.text


def test_both_parties_cancel_a_filing_one_asks_the_other_confirms(env: dict[str, Any]) -> None:
    p, engine = env["pages"], env["engine"]
    lease_id = filed_via_pages(env, env["homes"][3])
    r = p.as_("landlord").get(f"/rental/me/leases/{lease_id}/cancel")
    assert r.status_code == 200 and "注销备案须双方同意" in r.text
    assert p.post(f"/rental/me/leases/{lease_id}/cancel", {"reason": ""}).status_code == 422
    r = p.post(f"/rental/me/leases/{lease_id}/cancel", {"reason": "双方协商不再履行"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=cancel_requested")
    assert "您已申请注销备案" in p.get(f"/rental/me/leases/{lease_id}").text
    assert lease_row(engine, lease_id).status == "filed"
    r = p.as_("citizen").get(f"/rental/me/leases/{lease_id}")
    assert "对方已申请注销备案" in r.text and "双方协商不再履行" in r.text
    r = p.get(f"/rental/me/leases/{lease_id}/cancel")
    assert "出租方已申请注销本合同的备案" in r.text and "确认注销备案" in r.text
    r = p.post(f"/rental/me/leases/{lease_id}/cancel")
    assert r.status_code == 303 and r.headers["location"].endswith("done=cancelled")
    assert lease_row(engine, lease_id).status == "cancelled"
    assert "备案已注销" in p.get(f"/rental/me/leases/{lease_id}?done=cancelled").text


def test_an_amendment_is_proposed_by_one_party_and_agreed_by_the_other_on_the_page(env: dict[str, Any]) -> None:
    p, engine = env["pages"], env["engine"]
    lease_id = filed_via_pages(env, env["homes"][1])
    before = lease_row(engine, lease_id)
    r = p.as_("landlord").get(f"/rental/me/leases/{lease_id}")
    assert f"/rental/me/leases/{lease_id}/amend" in r.text and f"/rental/me/leases/{lease_id}/renew" in r.text
    r = p.get(f"/rental/me/leases/{lease_id}/amend")
    assert r.status_code == 200 and "变更须双方同意" in r.text and "提出变更" in r.text
    # nothing to change, a bad amount, an end date that is not a date: shown at the field, nothing written
    r = p.post(f"/rental/me/leases/{lease_id}/amend", {"rent_yuan": "", "end_on": ""})
    assert r.status_code == 422 and re.search(r'id="err-rent_yuan"[^>]*>请至少填写一项变更', r.text)
    r = p.post(f"/rental/me/leases/{lease_id}/amend", {"rent_yuan": "-5", "end_on": "明年"})
    assert r.status_code == 422 and 'id="err-rent_yuan"' in r.text and 'id="err-end_on"' in r.text
    assert 'value="-5"' in r.text
    assert lease_row(engine, lease_id).terms == before.terms
    r = p.post(f"/rental/me/leases/{lease_id}/amend", {"rent_yuan": "3,000", "change_clauses": "1",
                                                         "extra_clauses": "可养一只猫"})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("done=amend_proposed")
    assert lease_row(engine, lease_id).rent_fen == before.rent_fen  # only proposed
    assert "您已提出合同变更" in p.get(f"/rental/me/leases/{lease_id}").text
    # the tenant sees the proposal and agrees to it as it stands
    r = p.as_("citizen").get(f"/rental/me/leases/{lease_id}")
    assert "对方提出了合同变更" in r.text
    r = p.get(f"/rental/me/leases/{lease_id}/amend")
    assert "出租方提出以下变更" in r.text and "月租金改为 3,000.00 元" in r.text and "可养一只猫" in r.text
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', r.text.split("同意变更")[0]))
    hidden.pop("csrf_token")
    assert hidden == {"rent_yuan": "3000.00", "change_clauses": "1", "extra_clauses": "可养一只猫"}
    r = p.post(f"/rental/me/leases/{lease_id}/amend", hidden)
    assert r.status_code == 303 and r.headers["location"].endswith("done=amended")
    row = lease_row(engine, lease_id)
    assert (row.rent_fen, row.amendments) == (300_000, before.amendments + 1)
    assert "合同已变更" in p.get(f"/rental/me/leases/{lease_id}?done=amended").text


def test_the_landlord_renews_a_filed_lease_into_a_new_draft_on_the_page(env: dict[str, Any]) -> None:
    p, engine = env["pages"], env["engine"]
    lease_id = filed_via_pages(env, env["homes"][0])
    old = lease_row(engine, lease_id)
    r = p.as_("citizen").get(f"/rental/me/leases/{lease_id}/renew")
    assert "续租由出租方发起" in r.text and "<button>起草续租合同</button>" not in r.text
    p.as_("landlord")
    r = p.get(f"/rental/me/leases/{lease_id}/renew")
    assert r.status_code == 200 and "<button>起草续租合同</button>" in r.text and old.end_on.isoformat() in r.text
    before = count(engine, rental_leases)
    r = p.post(f"/rental/me/leases/{lease_id}/renew", {"end_on": "", "rent_yuan": "abc"})
    assert r.status_code == 422 and 'id="err-end_on"' in r.text and 'id="err-rent_yuan"' in r.text
    r = p.post(f"/rental/me/leases/{lease_id}/renew", {"end_on": old.end_on.isoformat()})  # ends before it starts
    assert r.status_code == 422 and 'id="err-end_on"' in r.text
    assert count(engine, rental_leases) == before
    new_end = (old.end_on + timedelta(days=365)).isoformat()
    r = p.post(f"/rental/me/leases/{lease_id}/renew", {"end_on": new_end, "rent_yuan": "3300"})
    new_id = lease_id_of(r)
    new = lease_row(engine, new_id)
    assert (new.status, new.renews_lease_id, new.rent_fen) == ("draft", lease_id, 330_000)
    assert new.start_on == old.end_on + timedelta(days=1) and new.end_on.isoformat() == new_end
    assert new.deposit_fen == old.deposit_fen and new.home_id == old.home_id
    r = p.post(f"/rental/me/leases/{lease_id}/renew", {"end_on": new_end})
    assert r.status_code == 409 and "已有续租合同" in r.text


def test_only_the_parties_see_a_lease_and_each_page_needs_its_role(env: dict[str, Any]) -> None:
    p = env["pages"]
    lease_id = lease_id_of(p.as_("landlord").post("/rental/me/leases/new", draft_form(env["homes"][0].id)))
    p.as_("agency")
    assert p.get(f"/rental/me/leases/{lease_id}").status_code == 404
    assert p.post(f"/rental/me/leases/{lease_id}/sign").status_code == 404
    assert p.get(f"/rental/me/leases/{lease_id}/terminate").status_code == 404
    assert p.get("/rental/me/leases/999999").status_code == 404
    assert lease_row(env["engine"], lease_id).tenant_signed_at is None
    for url in ("/rental/staff/leases", f"/rental/staff/leases/{lease_id}", "/rental/escrow", "/rental/escrow/1"):
        assert p.get(url).status_code == 403, url
    p.as_("district")
    for url in ("/rental/me/leases", "/rental/me/leases/new", "/rental/me/escrow"):
        assert p.get(url).status_code == 403, url
    assert p.post(f"/rental/me/leases/{lease_id}/sign").status_code == 403
    p.as_(None)
    for url in ("/rental/me/leases", f"/rental/me/leases/{lease_id}", "/rental/staff/leases", "/rental/escrow"):
        r = p.get(url)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), url
    # a post without the session's CSRF token is refused
    p.as_("landlord")
    r = p.client.post(f"/rental/me/leases/{lease_id}/sign", data={"csrf_token": "forged"})
    assert r.status_code == 403 and lease_row(env["engine"], lease_id).landlord_signed_at is None


def test_the_landing_page_links_each_role_to_its_lease_and_escrow_pages(env: dict[str, Any]) -> None:
    p = env["pages"]
    assert 'href="/rental/me/leases"' in p.as_("citizen").get("/rental").text
    r = p.as_("agency").get("/rental").text
    assert 'href="/rental/me/leases"' in r and 'href="/rental/me/escrow"' in r
    r = p.as_("district").get("/rental").text
    assert 'href="/rental/staff/leases"' in r and 'href="/rental/escrow"' in r and "/rental/me/leases" not in r


# ---------------------------------------------------------------------------------------- supervisors


def test_supervisors_list_filter_export_and_cancel_a_filing_in_their_scope(env: dict[str, Any]) -> None:
    p, engine, w = env["pages"], env["engine"], env["world"]
    with engine.begin() as conn:
        near = rb.filed_lease(conn, env["kr"], env["homes"][0], start_on=START, tenant_id=CITIZEN_ID)
        far = rb.filed_lease(conn, env["kr"], env["far"], start_on=START)
    near_no, far_no = lease_row(engine, near).lease_no, lease_row(engine, far).lease_no
    r = p.as_("district").get("/rental/staff/leases")
    assert r.status_code == 200 and "租赁合同备案管理" in r.text
    assert near_no in r.text and far_no not in r.text and CITIZEN_NAME not in r.text
    assert 'href="/api/v1/rental/leases.csv"' in r.text
    r = p.get("/rental/staff/leases", params={"status": "filed", "street": w.street_s1})
    assert near_no in r.text and f'href="/api/v1/rental/leases.csv?status=filed&amp;street={w.street_s1}"' in r.text
    r = p.get("/rental/staff/leases", params={"district": w.district_b})  # outside the scope: nothing
    assert near_no not in r.text and far_no not in r.text and "没有符合条件的租赁合同" in r.text
    assert p.get("/rental/staff/leases", params={"status": "draft"}).text.count("/rental/staff/leases/") == 0
    r = p.as_("city").get("/rental/staff/leases", params={"district": w.district_b})
    assert far_no in r.text and near_no not in r.text
    r = p.get("/rental/staff/leases", params={"district": w.district_a})
    assert near_no in r.text and far_no not in r.text
    assert f'href="/api/v1/rental/leases.csv?district={w.district_a}"' in r.text  # the export keeps the filter
    # the detail: masked, with the cancellation behind a confirmation page (supervise only)
    r = p.as_("clerk").get(f"/rental/staff/leases/{near}")
    assert r.status_code == 200 and near_no in r.text and MASKED_ID in r.text and CITIZEN_ID not in r.text
    assert "注销备案…" not in r.text
    assert p.get(f"/rental/staff/leases/{near}/cancel").status_code == 403
    assert p.post(f"/rental/staff/leases/{near}/cancel", {"reason": "核查"}).status_code == 403
    assert p.get(f"/rental/staff/leases/{far}").status_code == 404
    p.as_("district")
    assert p.get(f"/rental/staff/leases/{far}").status_code == 404
    assert p.get(f"/rental/staff/leases/{far}/cancel").status_code == 404
    assert p.post(f"/rental/staff/leases/{far}/cancel", {"reason": "越权"}).status_code == 404
    r = p.get(f"/rental/staff/leases/{near}")
    assert f"/rental/staff/leases/{near}/cancel" in r.text
    r = p.get(f"/rental/staff/leases/{near}/cancel")
    assert r.status_code == 200 and "注销租赁合同备案" in r.text and "不能撤销" in r.text
    r = p.post(f"/rental/staff/leases/{near}/cancel", {"reason": "  "})
    assert r.status_code == 422 and re.search(r'id="err-reason"[^>]*>请说明原因', r.text)
    assert lease_row(engine, near).status == "filed"
    r = p.post(f"/rental/staff/leases/{near}/cancel", {"reason": "以虚假材料办理备案"})
    assert r.status_code == 303 and r.headers["location"] == f"/rental/staff/leases/{near}?done=cancelled"
    assert lease_row(engine, near).status == "cancelled"
    r = p.get(r.headers["location"])
    assert "备案已注销" in r.text and "以虚假材料办理备案" in r.text and "注销备案…" not in r.text
    filing_no = lease_row(engine, near).filing_no
    assert "备案已注销" in p.as_(None).get(f"/rental/filings/{filing_no}").text


def test_list_pages_read_their_rows_in_a_fixed_number_of_statements(env: dict[str, Any]) -> None:
    p, engine = env["pages"], env["engine"]
    app_engine = p.client.app.state.engine

    def statements(url: str) -> int:
        assert p.get(url).status_code == 200  # the session's first request also records it was seen
        seen: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            seen.append(statement)

        event.listen(app_engine, "before_cursor_execute", record)
        try:
            assert p.get(url).status_code == 200
        finally:
            event.remove(app_engine, "before_cursor_execute", record)
        return len(seen)

    with engine.begin() as conn:
        rb.filed_lease(conn, env["kr"], env["homes"][0], start_on=START, tenant_id=CITIZEN_ID)
    p.as_("citizen")
    mine_one = statements("/rental/me/leases")
    p.as_("district")
    staff_one = statements("/rental/staff/leases")
    with engine.begin() as conn:
        for h in env["homes"][1:]:
            rb.filed_lease(conn, env["kr"], h, start_on=START, tenant_id=CITIZEN_ID)
    assert statements("/rental/staff/leases") == staff_one
    p.as_("citizen")
    assert statements("/rental/me/leases") == mine_one
    r = p.get("/rental/me/leases", params={"page_size": 3})
    assert r.text.count('<a class="mono" href="/rental/me/leases/') == 3 and "第 1 / 2 页，共 4 条" in r.text
    r = p.get("/rental/me/leases", params={"page_size": 3, "page": 2})
    assert r.text.count('<a class="mono" href="/rental/me/leases/') == 1
    assert "没有“已期满”的合同" in p.get("/rental/me/leases", params={"status": "expired"}).text


# ---------------------------------------------------------------------------------------------- escrow


@pytest.fixture
def money(env: dict[str, Any]) -> dict[str, Any]:
    """Two supervised leases of the citizen (yearly rent): one with the agency's enterprise in S1, one
    with another enterprise in S2 (both in district A)."""
    engine, kr, w, settings = env["engine"], env["kr"], env["world"], env["settings"]
    tenant = account_id(engine, "citizen")
    with engine.begin() as conn:
        near_home, far_home = rb.free_homes(conn, w.street_s1, 1)[0], rb.free_homes(conn, w.street_s2, 1)[0]
        mine = rb.party(conn, kr, w.street_s1, code=rb.AGENCY_CODE)  # the agency account works for it
        other = rb.party(conn, kr, w.street_s2)
        leases = []
        for home, party in ((near_home, mine), (far_home, other)):
            lid = rb.filed_lease(conn, kr, home, start_on=ESCROW_START, cycle="yearly", rent_fen=RENT,
                                 deposit_fen=RENT, landlord_party_id=party, tenant_account_id=tenant)  # fmt: skip
            escrow.on_lease_filed(
                conn, settings, conn.execute(select(rental_leases).where(rental_leases.c.id == lid)).one()
            )
            leases.append(lid)
        accts = [
            int(
                conn.execute(
                    select(rental_escrow_positions.c.escrow_account_id).where(rental_escrow_positions.c.lease_id == lid)
                ).scalar_one()
            )
            for lid in leases
        ]
    return {"lease": leases[0], "far_lease": leases[1], "acct": accts[0], "far_acct": accts[1]}


def pay(p: Pages, lease_id: int, reference: str, **over: str) -> Any:
    form = {"kind": "rent", "cycle_no": "0", "amount_fen": str(9 * RENT), "reference": reference,
            "paid_on": ESCROW_START.isoformat(), **over}  # fmt: skip
    return p.post(f"/rental/me/leases/{lease_id}/escrow/payments", form)


def test_the_tenant_sees_the_escrow_statement_pays_in_and_can_download_the_proofs(
    env: dict[str, Any], money: dict[str, Any]
) -> None:
    p, engine, lease = env["pages"], env["engine"], money["lease"]
    r = p.as_("citizen").get(f"/rental/me/leases/{lease}")
    assert r.status_code == 200 and "租金监管" in r.text and "南京银行" in r.text
    assert "第 1 期预付租金" in r.text and "18,000.00 元" in r.text and "待缴存" in r.text
    assert "还没有资金流水" in r.text
    journals = count(engine, fund_journals)
    r = pay(p, lease, "x")
    assert r.status_code == 422 and "付款流水号应为" in r.text and count(engine, fund_journals) == journals
    r = pay(p, lease, "PAY-PAGE-0001", amount_fen=str(9 * RENT - 1))
    assert r.status_code == 422 and "应缴存" in r.text and count(engine, fund_journals) == journals
    r = pay(p, lease, "PAY-PAGE-0001")
    assert r.status_code == 303 and "done=paid" in r.headers["location"]
    assert pay(p, lease, "PAY-PAGE-0001").status_code == 303  # the same transfer again: one journal
    assert count(engine, fund_journals) == journals + 1
    r = p.get(f"/rental/me/leases/{lease}?done=paid")
    assert "缴存已登记" in r.text and "PAY-PAGE-0001" in r.text and "监管中" in r.text
    assert "目前没有需要缴存的款项" in r.text and "verify.py" not in r.text
    assert "核验</button>" in r.text and 'href="/ledger#tech"' in r.text
    link = f"/api/v1/rental/me/leases/{lease}/escrow/proofs?download=true"
    assert f'href="{link}"' in r.text
    proofs = p.get(link)
    assert proofs.status_code == 200 and "attachment" in proofs.headers["content-disposition"]
    assert any(i["reference"] == "PAY-PAGE-0001" for i in proofs.json()["items"])
    # the landlord side of someone else's lease sees no statement, the agency not even the lease
    assert p.as_("agency").get(f"/rental/me/leases/{lease}").status_code == 200  # its enterprise's lease
    assert "PAY-PAGE-0001" not in p.get(f"/rental/me/leases/{lease}").text
    assert pay(p, lease, "PAY-PAGE-0002").status_code == 404


def test_the_enterprise_sees_its_own_accounts_with_balances_and_journals(
    env: dict[str, Any], money: dict[str, Any]
) -> None:
    p = env["pages"]
    p.as_("citizen")
    assert pay(p, money["lease"], "PAY-PAGE-0101").status_code == 303
    r = p.as_("agency").get("/rental/me/escrow")
    assert r.status_code == 200 and "本企业的租金监管账户" in r.text
    assert "承租人缴存" in r.text and "PAY-PAGE-0101" in r.text and "18,000.00 元" in r.text
    assert "监管账户银行存款" in r.text and "承租人预付租金" in r.text
    assert p.get("/rental/me/escrow", params={"account": money["far_acct"]}).status_code == 404
    assert p.as_("landlord").get("/rental/me/escrow").status_code == 403


def test_an_enterprise_without_an_account_sees_an_empty_state(env: dict[str, Any]) -> None:
    r = env["pages"].as_("agency").get("/rental/me/escrow")
    assert r.status_code == 200 and "本企业暂无租金监管账户" in r.text


def test_supervisors_reconcile_upload_the_bank_statement_and_impose_a_penalty(
    env: dict[str, Any], money: dict[str, Any]
) -> None:
    p, engine = env["pages"], env["engine"]
    acct, far = money["acct"], money["far_acct"]
    p.as_("citizen")
    assert pay(p, money["lease"], "PAY-PAGE-0201").status_code == 303
    assert pay(p, money["far_lease"], "PAY-PAGE-0202").status_code == 303
    day = {"on": ESCROW_START.isoformat()}
    # the clerk sees the account of the street; the reconciliation shows it out of balance
    r = p.as_("clerk").get("/rental/escrow", params=day)
    assert r.status_code == 200 and f'href="/rental/escrow/{acct}?on=2026-01-01"' in r.text
    assert f"/rental/escrow/{far}" not in r.text and "不平衡" in r.text
    assert 'href="/api/v1/rental/escrow/reconciliation.csv?on=2026-01-01"' in r.text
    assert p.get(f"/rental/escrow/{far}").status_code == 404
    assert (
        p.post(f"/rental/escrow/{far}/bank-lines", {"csv": "date,amount_fen,direction,reference\n"}).status_code == 404
    )
    r = p.get(f"/rental/escrow/{acct}", params=day)
    assert r.status_code == 200 and "2026-01-01 对账：" in r.text and "不平衡" in r.text
    assert "PAY-PAGE-0201" in r.text and "（银行无此笔）" in r.text and "还没有导入银行流水" in r.text
    assert "导入银行流水" in r.text and 'name="amount_yuan"' not in r.text  # a clerk imposes no penalty
    # a bad statement names the row and imports nothing
    bad = "date,amount_fen,direction,reference\n2026-01-01,-5,in,PAY-PAGE-0201\n"
    r = p.post(f"/rental/escrow/{acct}/bank-lines", {"csv": bad, **day})
    assert r.status_code == 422 and "第 2 行" in r.text and "金额应为正整数（分）" in r.text
    assert count(engine, fund_bank_lines) == 0
    good = f"date,amount_fen,direction,reference\n2026-01-01,{9 * RENT},in,PAY-PAGE-0201\n"
    r = p.client.post(
        f"/rental/escrow/{acct}/bank-lines",
        data={"csrf_token": p.csrf, **day},
        files={"file": ("statement.csv", ("\ufeff" + good).encode(), "text/csv")},
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/rental/escrow/{acct}?on=2026-01-01&done=imported&imported=1&skipped=0"
    r = p.get(r.headers["location"])
    assert "银行流水已导入" in r.text and "新导入 1 行" in r.text
    assert "2026-01-01 对账：平衡" in r.text and "（银行无此笔）" not in r.text
    assert count(engine, fund_bank_lines) == 1
    r = p.post(f"/rental/escrow/{acct}/bank-lines", {"csv": good, **day})  # sent again: skipped
    assert r.headers["location"].endswith("imported=0&skipped=1") and count(engine, fund_bank_lines) == 1
    # the district sees both accounts, the one out of balance first and highlighted
    r = p.as_("district").get("/rental/escrow", params=day)
    rows = re.findall(r'<tr( class="error")?><td><a href="/rental/escrow/(\d+)\?', r.text)
    assert [(int(i), bool(red)) for red, i in rows] == [(far, True), (acct, False)]
    assert '本页 <strong class="error">1 个不平衡</strong>' in r.text
    # penalties: a clerk may not; bad input is shown next to its field; the confirmed post writes once
    journals = count(engine, fund_journals)
    form = {"amount_yuan": "500", "reason": "未按规定缴存押金", "reference": "NJZJ-2026-001", **day}
    assert p.as_("clerk").post(f"/rental/escrow/{acct}/penalties", {**form, "confirmed": "1"}).status_code == 403
    p.as_("district")
    r = p.post(f"/rental/escrow/{acct}/penalties", {**form, "amount_yuan": "五百", "reference": ""})
    assert r.status_code == 422 and 'id="err-amount_yuan"' in r.text and 'id="err-reference"' in r.text
    r = p.post(f"/rental/escrow/{acct}/penalties", {**form, "reference": "x", "confirmed": "1"})
    assert r.status_code == 422 and re.search(r'id="err-reference"[^>]*>决定书编号应为', r.text)
    r = p.post(f"/rental/escrow/{acct}/penalties", form)
    assert r.status_code == 200 and "确认罚没" in r.text and "500.00 元" in r.text and "不能撤销" in r.text
    assert 'name="confirmed" value="1"' in r.text and 'name="on" value="2026-01-01"' in r.text
    assert count(engine, fund_journals) == journals  # the confirmation page writes nothing
    r = p.post(f"/rental/escrow/{acct}/penalties", {**form, "confirmed": "1"})
    assert r.status_code == 303 and r.headers["location"] == f"/rental/escrow/{acct}?on=2026-01-01&done=penalty"
    assert p.post(f"/rental/escrow/{acct}/penalties", {**form, "confirmed": "1"}).status_code == 303
    assert count(engine, fund_journals) == journals + 1
    r = p.get(r.headers["location"])
    assert "罚没已登记" in r.text and "罚没（监管）" in r.text and "penalty:NJZJ-2026-001" in r.text
    with engine.connect() as c:
        assert funds.unbalanced_journals(c) == []
    assert p.as_("citizen").get("/rental/escrow").status_code == 403
    assert p.get(f"/rental/escrow/{acct}").status_code == 403


def test_entrusted_homes_let_by_an_agency_are_its_leases_on_the_page(env: dict[str, Any]) -> None:
    """An agency account drafts for its filed party on a home the owner entrusted to that party."""
    engine, kr, home, p = env["engine"], env["kr"], env["homes"][1], env["pages"]
    with engine.begin() as conn:
        party = rb.party(conn, kr, home.street_code, code=rb.AGENCY_CODE)
        conn.execute(
            rental_entrustments.insert().values(
                home_id=home.id, room_id=None, street_code=home.street_code,
                owner_bidx=kr.blind_index(rb.LANDLORD_ID, "id_number"), agent_party_id=party,
                valid_from=date(2020, 1, 1), valid_to=date(2035, 1, 1), created_at=clock.now(),
            )
        )  # fmt: skip
    form = draft_form(home.id, payment_cycle="half_year", deposit_yuan="6400")
    lease_id = lease_id_of(p.as_("agency").post("/rental/me/leases/new", form))
    row = lease_row(engine, lease_id)
    assert row.landlord_kind == "party" and row.landlord_party_id == party and row.escrow_required
    r = p.get(f"/rental/me/leases/{lease_id}")
    assert "测试住房租赁有限公司" in r.text and "须存入监管账户" in r.text and CITIZEN_NAME not in r.text
