"""Real-name identity (issue 17, finding 1): a self-declared identity number is not an identity.

Reproduces the outside test's attacks — registering with a home owner's number to list their home,
with a tenant's number to read and end their lease — and checks that they fail until the account's
phone is confirmed by a one-time code and the identity provider confirms number, name and phone; that
a number verified by one account is refused to another (audited, the holder told by SMS) and never
merged; and that nobody can keep a person out by declaring their number first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from anju.app import create_app
from anju.core.settings import Settings
from anju.registry import home_owners
from anju.rental.tables import rental_leases
from anju.security import accounts, add_synthetic_people, audit_log, synthetic_phone
from anju.security.tables import phone_codes
from tests import rental_builders as rb
from tests.accounts import PASSWORD, choose_world

OWNER_ID = rb.resident_id(4101)
OWNER_NAME = "欧阳明"
TENANT_ID = rb.resident_id(4102)
TENANT_NAME = "司马青"
ATTACKER_PHONE = "13700000099"


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings: Settings = settings_for(city_engine)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as c:
        kr = app.state.security.keyring
        with city_engine.begin() as conn:
            # Two people of the synthetic city: an owner without an account, and a tenant of a filed lease.
            add_synthetic_people(conn, kr, [(OWNER_ID, OWNER_NAME, None), (TENANT_ID, TENANT_NAME, None)])
            home, other = rb.free_homes(conn, choose_world(city_engine).street_s1, 2)
            rb.own(conn, kr, home.id, OWNER_ID, OWNER_NAME)
            lease = rb.filed_lease(conn, kr, other, start_on=date.today() - timedelta(days=30), tenant_id=TENANT_ID)
        yield {"client": c, "engine": city_engine, "settings": settings, "home": home, "lease": lease}
    app.state.engine.dispose()


def register(c: TestClient, username: str, id_number: str, name: str, phone: str, role: str = "citizen") -> None:
    body = {"username": username, "password": PASSWORD, "name": name, "id_number": id_number, "phone": phone}
    r = c.post("/api/v1/auth/register", json=body | {"role": role})
    assert r.status_code == 202, r.text


def sign_in(c: TestClient, username: str) -> dict[str, str]:
    r = c.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


def outbox(settings: Settings) -> list[dict[str, str]]:
    path = Path(settings.data_dir) / "sms-outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def last_code(settings: Settings, phone: str) -> str:
    texts = [m["text"] for m in outbox(settings) if m["phone"] == phone]
    found = re.search(r"验证码为 (\d{6})", texts[-1])
    assert found
    return found.group(1)


def confirm_phone(env: dict[str, Any], h: dict[str, str], phone: str) -> None:
    c = env["client"]
    assert c.post("/api/v1/me/phone/code", headers=h).status_code == 202
    r = c.post("/api/v1/me/phone/confirm", json={"code": last_code(env["settings"], phone)}, headers=h)
    assert r.status_code == 204, r.text


def audit_rows(engine: Engine, action: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)))


def listing_entitled(env: dict[str, Any], h: dict[str, str]) -> dict[str, Any]:
    home = env["home"]
    body = {
        "house_code": home.house_code,
        "title": "两居室",
        "area": str(home.construction_area),
        "bedrooms": 2,
        "living_rooms": 1,
        "floor": home.floor_no,
        "rent_fen": 3_000_00,
        "deposit_fen": 3_000_00,
        "photos": 5,
    }
    c = env["client"]
    r = c.post("/api/v1/rental/me/listings", json=body, headers=h)
    assert r.status_code == 201, r.text
    v = c.post(f"/api/v1/rental/me/listings/{r.json()['id']}/verify", headers=h)
    assert v.status_code in (200, 422), v.text
    return {"status": v.status_code, "body": v.json()}


def test_a_declared_owner_number_lists_nothing_and_the_wrong_phone_does_not_verify(env: dict[str, Any]) -> None:
    c = env["client"]
    register(c, "squatter", OWNER_ID, OWNER_NAME, ATTACKER_PHONE, role="landlord")
    h = sign_in(c, "squatter")
    st = c.get("/api/v1/me/identity", headers=h).json()
    assert (st["verified"], st["phone_confirmed"], st["next_step"]) == (False, False, "phone")
    # Before the fix the listing verified with "发布人是产权人" and got a verification code.
    out = listing_entitled(env, h)
    assert out["status"] == 422
    assert [e["field"] for e in out["body"]["errors"]] == ["lister_entitled"]
    assert "尚未完成实名认证" in out["body"]["errors"][0]["reason"]
    # No real-name check before the phone is confirmed; the attacker's own phone confirms, but the
    # provider knows it is not the owner's phone.
    r = c.post("/api/v1/me/identity/verify", headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "phone"
    confirm_phone(env, h, ATTACKER_PHONE)
    r = c.post("/api/v1/me/identity/verify", headers=h)
    assert r.status_code == 422, r.text
    assert "手机号码不是此身份证号码本人" in r.json()["errors"][0]["reason"]
    with env["engine"].connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.username == "squatter")).one()
    assert row.id_number_bidx is None and row.identity_verified_at is None and row.claimed_id_bidx is not None
    denied = [r for r in audit_rows(env["engine"], "identity.verify") if r.outcome == "denied"]
    assert len(denied) == 1 and "synthetic" in denied[0].reason and OWNER_ID not in (denied[0].reason or "")


def test_the_owner_who_verifies_gets_the_owner_right_even_after_a_squatter(env: dict[str, Any]) -> None:
    c = env["client"]
    register(c, "squatter", OWNER_ID, OWNER_NAME, ATTACKER_PHONE, role="landlord")
    phone = synthetic_phone(OWNER_ID)
    register(c, "realowner", OWNER_ID, OWNER_NAME, phone, role="landlord")  # not blocked by the claim
    h = sign_in(c, "realowner")
    confirm_phone(env, h, phone)
    r = c.post("/api/v1/me/identity/verify", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["verified"] is True and r.json()["method"] == "synthetic"
    out = listing_entitled(env, h)
    assert out["status"] == 200 and out["body"]["status"] == "verified", out["body"]
    # The squatter can no longer verify that number: refused, audited, the owner told by SMS.
    hs = sign_in(c, "squatter")
    with env["engine"].begin() as conn:  # even with the owner's phone confirmed on it
        conn.execute(update(accounts).where(accounts.c.username == "squatter").values(phone_confirmed_at=func.now()))
    before = len(outbox(env["settings"]))
    r = c.post("/api/v1/me/identity/verify", headers=hs)
    assert r.status_code == 409 and "已由其他账户完成实名认证" in r.json()["message"]
    told = outbox(env["settings"])[before:]
    assert [m["phone"] for m in told] == [phone] and "已被拒绝" in told[0]["text"]
    reasons = [r.reason for r in audit_rows(env["engine"], "identity.verify") if r.outcome == "denied"]
    assert reasons == ["id number verified by another account"]
    # A new registration with the verified number opens nothing, answers alike and tells the owner.
    with env["engine"].connect() as conn:
        n = conn.execute(select(func.count()).select_from(accounts)).scalar_one()
    register(c, "latecomer", OWNER_ID, OWNER_NAME, "13700000077")
    with env["engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(accounts)).scalar_one() == n
    assert outbox(env["settings"])[-1]["phone"] == phone


def test_a_declared_tenant_number_reads_no_lease_and_ends_none(env: dict[str, Any]) -> None:
    c = env["client"]
    register(c, "faketenant", TENANT_ID, TENANT_NAME, ATTACKER_PHONE)
    h = sign_in(c, "faketenant")
    lease = env["lease"]
    assert c.get(f"/api/v1/rental/me/leases/{lease}", headers=h).status_code == 404
    assert c.get(f"/api/v1/rental/me/leases/{lease}/contract.pdf", headers=h).status_code == 404
    r = c.post(
        f"/api/v1/rental/me/leases/{lease}/terminate",
        json={"ended_on": date.today().isoformat(), "reason": "搬家"},
        headers=h,
    )
    assert r.status_code == 404
    with env["engine"].connect() as conn:
        assert conn.execute(select(rental_leases.c.status).where(rental_leases.c.id == lease)).scalar() == "filed"
    assert c.get("/api/v1/rental/me/leases", headers=h).json()["items"] == []
    # The tenant themself, verified, sees the lease.
    phone = synthetic_phone(TENANT_ID)
    register(c, "realtenant", TENANT_ID, TENANT_NAME, phone)
    ht = sign_in(c, "realtenant")
    confirm_phone(env, ht, phone)
    assert c.post("/api/v1/me/identity/verify", headers=ht).status_code == 200
    assert c.get(f"/api/v1/rental/me/leases/{lease}", headers=ht).status_code == 200


def test_a_name_that_is_not_the_numbers_is_refused(env: dict[str, Any]) -> None:
    c = env["client"]
    phone = synthetic_phone(TENANT_ID)
    register(c, "wrongname", TENANT_ID, "张冒名", phone)
    h = sign_in(c, "wrongname")
    confirm_phone(env, h, phone)
    r = c.post("/api/v1/me/identity/verify", headers=h)
    assert r.status_code == 422 and "姓名与身份证号码不一致" in r.json()["errors"][0]["reason"]


def test_phone_codes_are_hashed_throttled_and_spent_by_wrong_tries(env: dict[str, Any]) -> None:
    c, s = env["client"], env["settings"]
    register(c, "guesser", TENANT_ID, TENANT_NAME, ATTACKER_PHONE)
    h = sign_in(c, "guesser")
    assert c.post("/api/v1/me/phone/code", headers=h).status_code == 202
    again = c.post("/api/v1/me/phone/code", headers=h)
    assert again.status_code == 429 and "秒后再获取" in again.json()["message"]
    code = last_code(s, ATTACKER_PHONE)
    with env["engine"].connect() as conn:
        stored = conn.execute(select(phone_codes.c.code_hash)).scalars().all()
    assert stored and all(code not in x for x in stored)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    bad = c.post("/api/v1/me/phone/confirm", json={"code": "12ab"}, headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "code"
    for left in (4, 3, 2, 1, 0):
        r = c.post("/api/v1/me/phone/confirm", json={"code": wrong}, headers=h)
        assert r.status_code == 422
        assert (f"还可尝试 {left} 次" if left else "请重新获取") in r.json()["errors"][0]["reason"]
    # Spent: even the right code no longer confirms.
    r = c.post("/api/v1/me/phone/confirm", json={"code": code}, headers=h)
    assert r.status_code == 422 and "已失效" in r.json()["errors"][0]["reason"]
    assert c.get("/api/v1/me/identity", headers=h).json()["phone_confirmed"] is False
    assert len([x for x in audit_rows(env["engine"], "identity.phone_confirm") if x.outcome == "denied"]) == 5


def test_one_confirmed_phone_per_account(env: dict[str, Any]) -> None:
    c = env["client"]
    register(c, "first", TENANT_ID, TENANT_NAME, ATTACKER_PHONE)
    register(c, "second", OWNER_ID, OWNER_NAME, ATTACKER_PHONE)  # accepted, but cannot confirm
    confirm_phone(env, sign_in(c, "first"), ATTACKER_PHONE)
    h2 = sign_in(c, "second")
    assert c.post("/api/v1/me/phone/code", headers=h2).status_code == 202
    r = c.post("/api/v1/me/phone/confirm", json={"code": last_code(env["settings"], ATTACKER_PHONE)}, headers=h2)
    assert r.status_code == 409 and "其他账户" in r.json()["message"]


def test_the_identity_page_walks_a_person_through(env: dict[str, Any]) -> None:
    c = env["client"]
    phone = synthetic_phone(TENANT_ID)
    register(c, "pageuser", TENANT_ID, TENANT_NAME, phone)
    form = c.get("/login")
    csrf = re.findall(r'name="csrf_token" value="([^"]+)"', form.text)[0]
    r = c.post("/login", data={"username": "pageuser", "password": PASSWORD, "csrf_token": csrf})
    assert r.status_code == 303
    me = c.get("/me")
    assert "尚未实名认证" in me.text and "/me/identity" in me.text
    page = c.get("/me/identity")
    assert page.status_code == 200 and "获取短信验证码" in page.text and "合成人口" in page.text
    token = re.findall(r'name="csrf_token" value="([^"]+)"', page.text)[0]
    sent = c.post("/me/identity/code", data={"csrf_token": token})
    assert sent.status_code == 200 and "验证码已发送" in sent.text
    done = c.post("/me/identity/phone", data={"csrf_token": token, "code": last_code(env["settings"], phone)})
    assert done.status_code == 200 and "手机号码已验证" in done.text and "提交核验" in done.text
    ok = c.post("/me/identity/verify", data={"csrf_token": token, "agree": "1"})
    assert ok.status_code == 200 and "实名认证已完成" in ok.text
    assert "尚未实名认证" not in c.get("/me").text


def test_production_refuses_the_synthetic_provider_and_the_file_sender() -> None:
    base = {
        "environment": "production",
        "database_url": "postgresql://x@127.0.0.1/x",
        "cookie_secure": "always",
        "staff_totp_required": True,
    }
    with pytest.raises(ValueError, match="ANJU_IDENTITY_PROVIDER"):
        Settings.model_validate(base).check_production_safety()
    with pytest.raises(ValueError, match="ANJU_SMS_SENDER"):
        Settings.model_validate(base | {"identity_provider": "x.y:Z"}).check_production_safety()


def test_a_verified_number_under_another_name_than_the_registers_owns_nothing(env: dict[str, Any]) -> None:
    """The register records the home's owner under another name: the verified account is not its owner."""
    c = env["client"]
    with env["engine"].begin() as conn:
        kr = c.app.state.security.keyring
        other_name = home_owners.update().where(home_owners.c.home_id == env["home"].id)
        conn.execute(other_name.values(owner_name_enc=kr.encrypt("欧阳明明", "home_owners.owner_name")))
    phone = synthetic_phone(OWNER_ID)
    register(c, "namediffers", OWNER_ID, OWNER_NAME, phone, role="landlord")
    h = sign_in(c, "namediffers")
    confirm_phone(env, h, phone)
    assert c.post("/api/v1/me/identity/verify", headers=h).status_code == 200
    out = listing_entitled(env, h)
    assert out["status"] == 422 and [e["field"] for e in out["body"]["errors"]] == ["lister_entitled"]


def test_an_owner_of_the_synthetic_register_verifies_with_the_phone_the_carriers_gave_them(
    env: dict[str, Any],
) -> None:
    """The synthetic provider's population includes the register's owners (nothing written per person)."""
    c = env["client"]
    kr = c.app.state.security.keyring
    idn = rb.resident_id(4103)
    with env["engine"].begin() as conn:
        home = rb.free_homes(conn, choose_world(env["engine"]).street_s2)[0]
        rb.own(conn, kr, home.id, idn, "诸葛云")
    tries = {  # username: (name, phone): a wrong name, someone else's phone, the owner
        "impostor": ("诸葛雲", "13700000055"),
        "otherphone": ("诸葛云", ATTACKER_PHONE),
        "registered": ("诸葛云", synthetic_phone(idn)),
    }
    answers = {}
    for who, (name, phone) in tries.items():
        register(c, who, idn, name, phone)
        h = sign_in(c, who)
        confirm_phone(env, h, phone)
        r = c.post("/api/v1/me/identity/verify", headers=h)
        answers[who] = (r.status_code, (r.json().get("errors") or [{}])[0].get("reason", ""))
    assert answers["impostor"][0] == 422 and "姓名" in answers["impostor"][1]
    assert answers["otherphone"][0] == 422 and "手机号码" in answers["otherphone"][1]
    assert answers["registered"][0] == 200
