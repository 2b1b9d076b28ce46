"""The citizen's 核验 (verify) button in a real browser: headless Chromium driven by Playwright, as
``tests/integration/test_map_browser.py`` does.

A tenant's escrow payment (log ``rental``) and an applicant's submission and approval (log
``assistance``) are opened on their own pages; clicking 核验 checks the record in the browser (SM3
leaf and node hashes by the vendored sm-crypto, the head's Ed25519 signature by WebCrypto) and reads
已核验. Then the answers are tampered with on the way in (Playwright's ``route``): one hash of the
audit path changed, the entry's content changed, the signed head changed — each is refused with its
plain message. Any console error (a CSP violation is one) or failed request fails the test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from anju import ledger
from anju.assistance import catalogue, domain
from anju.ledger import merkle, verify
from anju.rental import escrow
from anju.rental.tables import rental_leases
from anju.security import keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import account_id, api_token, choose_world, web_session
from tests.conftest import DbFactories, _engine_fixture
from tests.integration.test_assistance_api import PDF
from tests.integration.test_assistance_api import body as application_body
from tests.integration.test_map_browser import ARTIFACTS, CHROMIUM_ARGS, chromium, wait_until


@pytest.fixture
def city_engine(db_factories: DbFactories) -> Iterator[Engine]:
    """The tiny city on SQLite only: what runs here is the browser's check, not the database's dialect
    (the escrow and assistance writes behind it are tested on both databases elsewhere; tests/browser.py)."""
    yield from _engine_fixture(db_factories("sqlite"), "city")


OK = "已核验：该记录已写入公开日志"
BAD_PROOF = "证明无法推出已签名的根"
BAD_CONTENT = "记录内容与日志不符"
BAD_SIGNATURE = "签名无效"


def log_size(engine: Engine, log: str) -> int:
    with engine.connect() as c:
        return ledger.get_log(c, log).size


def tampered(route: Any, change: Any) -> None:
    """Fetch the real answer, change its JSON with ``change`` and hand that to the page."""
    resp = route.fetch()
    data = resp.json()
    change(data)
    route.fulfill(response=resp, body=json.dumps(data), headers={**resp.headers, "content-type": "application/json"})


def flip(h: str) -> str:
    return ("1" if h[0] == "0" else "0") + h[1:]


#: the RFC 6962 reference leaves (docs/ledger.md)
REFERENCE_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]


def reference_cases() -> list[dict[str, Any]]:
    """Every (index, size) of the reference leaves, both algorithms, with the proof and root the
    Python implementation computes: the browser's fold must land on the same root."""
    out = []
    for algorithm in ("sha256", "sm3"):
        hashes = [verify.leaf_hash(bytes.fromhex(x), algorithm) for x in REFERENCE_LEAVES]
        for size in range(1, len(hashes) + 1):
            for index in range(size):
                out.append(
                    {
                        "algorithm": algorithm,
                        "index": index,
                        "size": size,
                        "data": REFERENCE_LEAVES[index],
                        "leaf": hashes[index].hex(),
                        "proof": [h.hex() for h in merkle.inclusion_proof(hashes, index, size, algorithm)],
                        "root": merkle.root(hashes[:size], algorithm).hex(),
                        # does the same path also pass for a tree one larger? (sometimes it does: the
                        # size is bound by the signed head, docs/ledger.md)
                        "passes_one_larger": verify.check_inclusion(
                            hashes[index],
                            index,
                            size + 1,
                            merkle.inclusion_proof(hashes, index, size, algorithm),
                            merkle.root(hashes[:size], algorithm),
                            algorithm,
                        )
                        is None,
                    }
                )
    return out


BROWSER_FOLD = """async (cases) => {
  const L = window.anjuLedger;
  const out = [];
  for (const c of cases) {
    const leaf = await L.leafHash(c.algorithm, L.fromHex(c.data));
    const root = await L.rootFromPath(c.algorithm, c.index, c.size, leaf, c.proof.map(L.fromHex));
    const wrong = await L.rootFromPath(c.algorithm, c.index, c.size + 1, leaf, c.proof.map(L.fromHex));
    out.push([L.toHex(leaf), root && L.toHex(root), wrong && L.toHex(wrong)]);
  }
  return out;
}"""


def verify_on_page(base_url: str, engine: Engine, path: str, log: str, button: str, screenshot: str) -> None:
    """Open ``path`` as the citizen, click the 核验 ``button`` (a selector), expect 已核验, then
    tamper with the proofs, the entry and the head in turn and expect each failure."""
    from playwright.sync_api import sync_playwright

    token, _ = web_session(engine, "citizen")
    errors: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.add_cookies([{"name": "anju_session", "value": token, "url": base_url}])
        page = context.new_page()
        page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
        page.goto(base_url + path)
        wait_until(page, "() => document.body.dataset.ledgerVerifyReady === '1'", 30)
        assert "verify.py" not in page.content() and "技术说明" in page.content()
        btn = page.locator(button).first
        out_id, index_text = btn.get_attribute("aria-controls"), btn.get_attribute("data-verify-index")
        assert out_id and index_text, "the button names its result element and its leaf"
        out = page.locator("#" + out_id)
        index = int(index_text)

        def outcome() -> str:
            btn.click()
            wait_until(page, f"() => !!document.getElementById('{out_id}').dataset.verifyResult", 30)
            result = out.get_attribute("data-verify-result")
            page.evaluate(f"() => delete document.getElementById('{out_id}').dataset.verifyResult")
            return f"{result}: {out.inner_text()}"

        got = outcome()
        size = log_size(engine, log)
        assert got == f"ok: {OK}（第 {index + 1} 条，日志共 {size} 条，树头签名有效）", got
        page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)

        proofs = "**/proofs?size=*"

        def path_changed(d: dict[str, Any]) -> None:
            item = next(i for i in d["items"] if i["index"] == index)
            assert item["proof"], "a one-leaf log has no path to tamper with"
            item["proof"][0] = flip(item["proof"][0])

        page.route(proofs, lambda r: tampered(r, path_changed))
        got = outcome()
        assert got.startswith("proof: ") and BAD_PROOF in got, got
        page.unroute(proofs)

        def entry_changed(d: dict[str, Any]) -> None:
            item = next(i for i in d["items"] if i["index"] == index)
            item["entry"] = item["entry"].replace('"type"', '"type" ', 1)  # the same JSON, other bytes

        page.route(proofs, lambda r: tampered(r, entry_changed))
        got = outcome()
        assert got.startswith("content: ") and BAD_CONTENT in got, got
        page.unroute(proofs)

        head = f"**/api/v1/ledger/{log}/head"
        page.route(head, lambda r: tampered(r, lambda d: d.update(size=d["size"] + 1)))
        got = outcome()
        assert got.startswith("signature: ") and BAD_SIGNATURE in got, got
        page.unroute(head)

        assert outcome().startswith("ok: ")  # untouched answers verify again

        # the browser's hashing and fold agree with the Python implementation on the RFC 6962 reference
        # leaves, for SHA-256 (WebCrypto) and SM3 (sm-crypto), at every index of every size up to 8
        cases = reference_cases()
        got_fold = page.evaluate(BROWSER_FOLD, cases)
        assert [g[:2] for g in got_fold] == [[c["leaf"], c["root"]] for c in cases]
        roots = {(c["algorithm"], c["size"]): r for c, (_, r, _) in zip(cases, got_fold, strict=True)}
        assert roots["sha256", 8] == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"  # RFC 6962
        assert roots["sm3", 8] == "bc48ba7a709184b5f2a631e1adeb8dc2a0d4c018c1d6cc89b5664fe154c93b38"  # docs/ledger.md
        # another size passes in the browser exactly when it passes the Python verifier
        assert [g[2] == c["root"] for g, c in zip(got_fold, cases, strict=True)] == [
            c["passes_one_larger"] for c in cases
        ]
        assert not all(c["passes_one_larger"] for c in cases)
        browser.close()
    assert errors == [], errors


def test_a_tenant_verifies_an_escrow_payment_in_the_browser(live_server, city_engine, settings_for):
    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        home = rb.free_homes(conn, w.street_s1, 1)[0]
        party = rb.party(conn, kr, w.street_s1, code=rb.AGENCY_CODE)
        lease = rb.filed_lease(conn, kr, home, start_on=date(2026, 1, 1), cycle="yearly", rent_fen=2000_00,
                               deposit_fen=2000_00, landlord_party_id=party,
                               tenant_account_id=account_id(city_engine, "citizen"))  # fmt: skip
        escrow.on_lease_filed(
            conn, settings, conn.execute(select(rental_leases).where(rental_leases.c.id == lease)).one()
        )
        ledger.append(conn, "rental", [b'{"type":"another record"}'])  # so the payment's path is not empty
    me = {"authorization": f"Bearer {api_token(city_engine, 'citizen')}"}
    r = httpx.post(
        f"{live_server.base_url}/api/v1/rental/me/leases/{lease}/escrow/payments",
        json={"kind": "rent", "cycle_no": 0, "amount_fen": 9 * 2000_00, "reference": "PAY-VERIFY-0001"},
        headers=me,
    )
    assert r.status_code == 201, r.text
    journal = r.json()["journal_id"]
    verify_on_page(
        live_server.base_url, city_engine, f"/rental/me/leases/{lease}", "rental",
        f'button[aria-controls="verify-j{journal}"]', "verify-escrow.png",
    )  # fmt: skip


def test_an_applicant_verifies_a_decision_in_the_browser(live_server, city_engine):
    with city_engine.begin() as conn:
        catalogue.load_programmes(conn, domain.load_policies(domain.sample_policy_path("320100")))
    w = choose_world(city_engine)
    base = live_server.base_url
    me = {"authorization": f"Bearer {api_token(city_engine, 'citizen')}"}
    r = httpx.post(f"{base}/api/v1/assistance/me/applications", json=application_body(w.street_s1, n=9), headers=me)
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    r = httpx.post(
        f"{base}/api/v1/assistance/me/applications/{app_id}/documents",
        data={"kind": "身份证明"},
        files={"file": ("id.pdf", PDF, "application/pdf")},
        headers=me,
    )
    assert r.status_code == 201, r.text
    assert httpx.post(f"{base}/api/v1/assistance/me/applications/{app_id}/submit", headers=me).status_code == 200
    clerk = {"authorization": f"Bearer {api_token(city_engine, 'clerk')}"}
    r = httpx.post(
        f"{base}/api/v1/assistance/applications/{app_id}/decision", json={"action": "approve"}, headers=clerk
    )
    assert r.status_code == 200, r.text
    # the submission (the first of two logged steps: its audit path is not empty)
    verify_on_page(base, city_engine, f"/assistance/me/{app_id}", "assistance", 'button[data-verify-index]',
                   "verify-assistance.png")  # fmt: skip
