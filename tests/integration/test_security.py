"""Sign-in, sessions, faults, CSRF, headers, personal data, audit, keys — the security baseline's behaviour."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update

from anju.app import create_app
from anju.core import clock
from anju.core.errors import ValidationError
from anju.core.scope import Scope
from anju.security import Keyring, Security, accounts, audit_log, identity, rotate_keys, sessions
from anju.security.crypto import DecryptError, sm3
from tests.accounts import CITIZEN_ID, CITIZEN_PHONE, PASSWORD, account_id, api_token, totp_secret, web_session


@pytest.fixture
def app(city_engine, settings_for):
    a = create_app(settings_for(city_engine))
    yield a
    a.state.engine.dispose()


@pytest.fixture
def client(app):
    with TestClient(app, follow_redirects=False) as c:
        yield c


def audit_rows(engine, **where):
    with engine.connect() as c:
        q = select(audit_log).order_by(audit_log.c.id)
        for k, v in where.items():
            q = q.where(audit_log.c[k] == v)
        return [dict(r) for r in c.execute(q).mappings()]


def sign_in(client, username, password=PASSWORD, totp=None):
    body = {"username": username, "password": password}
    if totp is not None:
        body["totp"] = totp
    return client.post("/api/v1/auth/token", json=body)


# --- sign-in -----------------------------------------------------------------------------------


def test_staff_sign_in_needs_password_and_a_fresh_totp_code(client, city_engine, settings_for):
    secret = totp_secret(city_engine, settings_for(city_engine), "district")
    # a right password without its code gets the same answer as a wrong one: no password oracle
    assert sign_in(client, "district").json()["message"] == "用户名、密码或动态口令错误"
    assert sign_in(client, "district", totp="000000").status_code == 401
    code = pyotp.TOTP(secret).now()
    ok = sign_in(client, "district", totp=code)
    assert ok.status_code == 200 and ok.json()["token"].startswith("anju_")
    me = client.get("/api/v1/me", headers={"authorization": f"Bearer {ok.json()['token']}"}).json()
    assert me["account"]["username"] == "district" and me["scope_level"] == "district"
    replay = sign_in(client, "district", totp=code)
    assert replay.status_code == 401, "a one-time code must not work twice"
    reasons = [
        r["reason"]
        for r in audit_rows(city_engine, action="auth.sign_in", entity_id=str(account_id(city_engine, "district")))
    ]
    assert reasons == ["missing one-time code", "wrong one-time code", None, "replayed one-time code"]


def test_citizen_signs_in_with_password_only_and_wrong_password_is_generic(client, city_engine):
    assert sign_in(client, "citizen").status_code == 200
    wrong = sign_in(client, "citizen", password="Wrong-Passw0rd!")
    unknown = sign_in(client, "nobody-here", password="Wrong-Passw0rd!")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["message"] == unknown.json()["message"] == "用户名、密码或动态口令错误"
    denied = audit_rows(city_engine, action="auth.sign_in", outcome="denied")
    assert [r["reason"] for r in denied][-2:] == ["wrong password", "unknown username"]


def test_repeated_failures_lock_the_account_and_the_right_password_then_fails(client, city_engine):
    for _ in range(5):
        r = sign_in(client, "landlord", password="Wrong-Passw0rd!")
    assert r.status_code == 401
    locked = sign_in(client, "landlord")  # the right password, but locked: the same answer
    assert locked.status_code == 401 and locked.json()["message"] == "用户名、密码或动态口令错误"
    reasons = [x["reason"] for x in audit_rows(city_engine, action="auth.sign_in", actor="landlord")]
    assert reasons[-2:] == ["wrong password; account locked", "locked"]
    with city_engine.begin() as c:  # the lock runs out
        c.execute(
            update(accounts)
            .where(accounts.c.username == "landlord")
            .values(locked_until=clock.now() - timedelta(seconds=1))
        )
    assert sign_in(client, "landlord").status_code == 200


def test_sign_in_is_rate_limited_per_address(city_engine, settings_for):
    app = create_app(settings_for(city_engine, rate_limit_login="3/minute"))
    with TestClient(app) as c:
        codes = [sign_in(c, "citizen", password="Wrong-Passw0rd!").status_code for _ in range(4)]
    app.state.engine.dispose()
    assert codes == [401, 401, 401, 429]


# --- tokens and sessions ------------------------------------------------------------------------


def test_forged_expired_revoked_and_replayed_tokens_are_refused_and_recorded(client, city_engine):
    good = api_token(city_engine, "city")
    hdr = {"authorization": f"Bearer {good}"}
    assert client.get("/api/v1/stats", headers=hdr).status_code == 200
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    for token in (forged, "anju_" + "x" * 43, "not-even-a-token"):
        r = client.get("/api/v1/stats", headers={"authorization": f"Bearer {token}"})
        assert r.status_code == 401 and r.json()["message"] == "登录已失效或凭据无效，请重新登录"
    assert client.get("/api/v1/stats", headers={"authorization": "Basic Y2l0eTpwdw=="}).status_code == 401
    # expired
    expired = api_token(city_engine, "city")
    with city_engine.begin() as c:
        c.execute(
            update(sessions)
            .where(sessions.c.expires_at > clock.now())
            .where(sessions.c.id == select(func.max(sessions.c.id)).scalar_subquery())
            .values(expires_at=clock.now() - timedelta(seconds=1))
        )
    assert client.get("/api/v1/stats", headers={"authorization": f"Bearer {expired}"}).status_code == 401
    # revoked by sign-out, then replayed
    assert client.post("/api/v1/auth/logout", headers=hdr).status_code == 204
    assert client.get("/api/v1/stats", headers=hdr).status_code == 401
    reasons = {r["reason"] for r in audit_rows(city_engine, action="auth.token_rejected")}
    assert {"unknown token", "malformed token", "expired session", "revoked session", "not a bearer token"} <= reasons


def test_a_revoked_role_or_disabled_account_takes_effect_on_the_next_request(client, city_engine):
    from tests.accounts import choose_world

    w = choose_world(city_engine)
    officer = {"authorization": f"Bearer {api_token(city_engine, 'district')}"}
    clerk = {"authorization": f"Bearer {api_token(city_engine, 'clerk')}"}
    admin = {"authorization": f"Bearer {api_token(city_engine, 'admin')}"}
    assert client.get("/api/v1/exports/buildings", headers=officer).status_code == 200
    officer_id = account_id(city_engine, "district")
    r = client.post(
        f"/api/v1/accounts/{officer_id}/role",
        headers=admin,
        json={"role": "street_clerk", "division_code": w.street_s1},
    )
    assert r.status_code == 204
    assert client.get("/api/v1/exports/buildings", headers=officer).status_code == 403  # clerks do not export
    listing = client.get("/api/v1/buildings", headers=officer, params={"page_size": 500}).json()["items"]
    assert listing and {b["street_code"] for b in listing} == {w.street_s1}  # the rest of the district is gone
    clerk_id = account_id(city_engine, "clerk")
    assert client.get("/api/v1/homes", headers=clerk).status_code == 200
    off = client.post(f"/api/v1/accounts/{clerk_id}/disable", headers=admin, json={"reason": "调岗"})
    assert off.status_code == 204
    assert client.get("/api/v1/homes", headers=clerk).status_code == 401
    changes = audit_rows(city_engine, entity="account", entity_id=str(officer_id))
    assert changes[-1]["action"] == "account.change_role"
    assert audit_rows(city_engine, entity="account", entity_id=str(clerk_id))[-1]["action"] == "account.disable"
    denied = audit_rows(city_engine, action="authz.denied", actor="district")
    assert denied and denied[-1]["reason"] == "GET /api/v1/exports/buildings"


def test_web_sign_in_sets_a_hardened_cookie_and_writes_need_the_csrf_token(app, city_engine):
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        form = c.get("/login?next=/me")
        csrf = re.findall(r'name="csrf_token" value="([^"]+)"', form.text)[0]
        no_csrf = c.post("/login", data={"username": "citizen", "password": PASSWORD})
        assert no_csrf.status_code in (401, 403)
        r = c.post("/login", data={"username": "citizen", "password": PASSWORD, "csrf_token": csrf, "next": "/me"})
        assert r.status_code == 303 and r.headers["location"] == "/me"
        cookie = r.headers["set-cookie"]
        assert "anju_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
        me = c.get("/me")
        assert me.status_code == 200 and CITIZEN_ID not in me.text and "1101**********002X" in me.text
        assert "签署租赁合同、缴存资金、投诉" in me.text and ">rental.sign<" not in me.text  # permissions in Chinese
        session_csrf = re.findall(r'name="csrf_token" value="([^"]+)"', me.text)[0]
        refused = c.post("/me/password", data={"old_password": PASSWORD, "new_password": "Another-Passw0rd!"})
        assert refused.status_code == 403 and "CSRF" in refused.text
        done = c.post(
            "/me/password",
            data={"old_password": PASSWORD, "new_password": "Another-Passw0rd!", "csrf_token": session_csrf},
        )
        assert done.status_code == 200 and "密码已修改" in done.text
        out = c.post("/logout", data={"csrf_token": session_csrf})
        assert out.status_code == 303
        assert c.get("/me").status_code == 303  # the session is over
    assert audit_rows(city_engine, action="auth.csrf_rejected")


def test_open_redirects_and_tampered_cookies_go_back_to_the_sign_in_page(client, city_engine):
    page = client.get("/login", params={"next": "//evil.example/x"})
    assert 'name="next" value="/"' in page.text
    r = client.get("/homes/1", headers={"cookie": "anju_session=anju_tampered"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/homes/1")
    token, _ = web_session(city_engine, "city")
    assert client.get("/registry", headers={"cookie": f"anju_session={token}"}).status_code == 200
    with city_engine.begin() as c:  # idle for longer than the idle timeout
        c.execute(update(sessions).values(last_seen_at=clock.now() - timedelta(hours=2)))
    assert client.get("/registry", headers={"cookie": f"anju_session={token}"}).status_code == 303
    # the home page is public: an expired session sees the portal, not the workbench
    home = client.get("/", headers={"cookie": f"anju_session={token}"})
    assert home.status_code == 200 and "工作台" not in home.text


def test_every_response_carries_the_security_headers(client):
    r = client.get("/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store" and r.headers["x-request-id"]
    assert "<script>" not in r.text and " style=" not in r.text and "onclick" not in r.text


def test_oversized_bodies_are_refused_before_they_are_read(client, city_engine):
    hdr = {"authorization": f"Bearer {api_token(city_engine, 'city')}"}
    r = client.post(
        "/api/v1/estates",
        headers=hdr,
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
    )
    assert r.status_code == 413 and r.json()["error"] == "too_large"


# --- personal data -------------------------------------------------------------------------------


def test_identity_numbers_are_validated_by_check_digit_and_never_echoed(client):
    bad = {
        "username": "newcomer",
        "password": PASSWORD,
        "name": "新市民",
        "id_number": "110105194912310021",
        "phone": "13912340000",
    }
    r = client.post("/api/v1/auth/register", json=bad)
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "id_number", "reason": "居民身份证号码校验位不正确"}
    ]
    assert "110105194912310021" not in r.text
    r = client.post("/api/v1/auth/register", json={**bad, "id_number": "110105500101003", "phone": "12345"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "phone"
    ok = client.post("/api/v1/auth/register", json={**bad, "id_number": "110105500101003"})  # 15-digit, upgraded
    assert ok.status_code == 202 and "110105500101003" not in ok.text
    token = sign_in(client, "newcomer").json()["token"]
    me = client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"}).json()["account"]
    assert me["id_number"].startswith("1101**********") and len(me["id_number"]) == 18
    assert me["phone"] == "139****0000" and me["name"] == "新**"


def test_validators_and_masks():
    assert identity.resident_id(" 11010519491231002x ") == "11010519491231002X"
    assert identity.credit_code("91110000600037341L") == "91110000600037341L"
    with pytest.raises(ValidationError) as e:
        identity.credit_code("91110000600037341A", "org_code")
    assert e.value.errors[0].field == "org_code"
    assert identity.phone("+86 139-1234-5678") == "13912345678"
    assert identity.mask_id("320102199003070025") == "3201**********0025"
    assert identity.mask_phone("13812345678") == "138****5678"
    assert identity.mask_name("欧阳娜娜") == "欧***"


def test_personal_values_are_stored_encrypted_masked_on_output_and_revealed_only_with_a_reason(client, city_engine):
    with city_engine.connect() as c:
        row = c.execute(select(accounts).where(accounts.c.username == "citizen")).mappings().one()
    assert CITIZEN_ID.encode() not in bytes(row["id_number_enc"]) and len(row["id_number_bidx"]) == 64
    admin = {"authorization": f"Bearer {api_token(city_engine, 'admin')}"}
    cid = row["id"]
    shown = client.get(f"/api/v1/accounts/{cid}", headers=admin).json()
    assert shown["id_number"] == "1101**********002X" and shown["phone"] == "139****5678"
    missing = client.post(
        f"/api/v1/accounts/{cid}/reveal", headers=admin, json={"fields": ["id_number"], "reason": " "}
    )
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    r = client.post(
        f"/api/v1/accounts/{cid}/reveal",
        headers=admin,
        json={"fields": ["id_number", "phone"], "reason": "核对保障房申请材料"},
    )
    assert r.status_code == 200 and r.json()["id_number"] == CITIZEN_ID and r.json()["phone"] == CITIZEN_PHONE
    reveal = audit_rows(city_engine, action="personal.reveal")
    assert [(x["actor"], x["entity_id"], x["reason"]) for x in reveal] == [("admin", str(cid), "核对保障房申请材料")]
    found = client.post("/api/v1/accounts/lookup", headers=admin, json={"id_number": CITIZEN_ID.lower()}).json()
    assert [a["username"] for a in found] == ["citizen"]
    # a district administrator does not find (or reveal) an account outside the district
    admin_a = {"authorization": f"Bearer {api_token(city_engine, 'admin_a')}"}
    assert client.post("/api/v1/accounts/lookup", headers=admin_a, json={"phone": "13800000003"}).json() == []
    assert (
        client.post(
            f"/api/v1/accounts/{account_id(city_engine, 'agency')}/reveal",
            headers=admin_a,
            json={"fields": ["phone"], "reason": "核对身份信息"},
        ).status_code
        == 404
    )


def test_reveal_page_records_the_reason(client, city_engine):
    token, csrf = web_session(city_engine, "admin")
    cid = account_id(city_engine, "citizen")
    page = client.get(f"/admin/accounts/{cid}", headers={"cookie": f"anju_session={token}"})
    assert page.status_code == 200 and CITIZEN_ID not in page.text and "1101**********002X" in page.text
    r = client.post(
        f"/admin/accounts/{cid}/reveal",
        data={"reason": "窗口核验"},
        headers={"cookie": f"anju_session={token}", "x-csrf-token": csrf},
    )
    assert r.status_code == 200 and CITIZEN_ID in r.text and "已记入审计" in r.text
    assert audit_rows(city_engine, action="personal.reveal")[-1]["reason"] == "窗口核验"


# --- audit ------------------------------------------------------------------------------------------


def test_writes_are_audited_in_their_transaction_and_the_log_is_append_only(client, city_engine):
    hdr = {"authorization": f"Bearer {api_token(city_engine, 'clerk')}"}
    home = client.get("/api/v1/homes", headers=hdr, params={"page_size": 1}).json()["items"][0]
    r = client.post(
        f"/api/v1/homes/{home['id']}/changes",
        headers=hdr,
        json={"patch": {"orientation": "东"}, "valid_from": clock.today().isoformat(), "reason": "测试"},
    )
    assert r.status_code == 200
    row = audit_rows(city_engine, action="registry.change_home")[-1]
    assert (row["actor"], row["role"], row["entity"], row["entity_id"], row["outcome"]) == (
        "clerk",
        "street_clerk",
        "home",
        str(home["id"]),
        "ok",
    )
    assert row["scope_code"] == home["street_code"] and row["ip"] and row["request_id"]
    bad = client.post(
        f"/api/v1/homes/{home['id']}/changes",
        headers=hdr,
        json={"patch": {"status": "不存在"}, "valid_from": clock.today().isoformat()},
    )
    assert bad.status_code == 422
    assert len(audit_rows(city_engine, action="registry.change_home")) == 1, "a refused write records no change"
    with pytest.raises(Exception, match="append-only"), city_engine.begin() as c:
        c.execute(text("UPDATE audit_log SET actor = 'someone else'"))
    with pytest.raises(Exception, match="append-only"), city_engine.begin() as c:
        c.execute(text("DELETE FROM audit_log"))


def test_auditors_search_the_audit_in_the_ui_and_the_api(client, city_engine):
    sign_in(client, "citizen", password="Wrong-Passw0rd!")
    hdr = {"authorization": f"Bearer {api_token(city_engine, 'auditor')}"}
    r = client.get("/api/v1/audit", headers=hdr, params={"action": "auth.", "outcome": "denied"}).json()
    assert r["total"] >= 1 and all(i["action"].startswith("auth.") and i["outcome"] == "denied" for i in r["items"])
    assert client.get("/api/v1/audit", headers=hdr, params={"since": "2026-01-01T00:00:00"}).status_code == 422
    token, _ = web_session(city_engine, "auditor")
    page = client.get("/audit", params={"outcome": "denied"}, headers={"cookie": f"anju_session={token}"})
    assert page.status_code == 200 and "auth.sign_in" in page.text and "拒绝" in page.text
    assert "<td>登录 <span" in page.text  # the action's Chinese name, its code beside it
    city = {"authorization": f"Bearer {api_token(city_engine, 'city')}"}
    assert client.get("/api/v1/audit", headers=city).status_code == 403
    csv_text = client.get("/api/v1/audit/export.csv", headers=hdr, params={"outcome": "denied"}).content.decode(
        "utf-8-sig"
    )
    lines = csv_text.strip().splitlines()
    assert (
        lines[0].startswith("编号,时间")
        and len(lines) - 1 == client.get("/api/v1/audit", headers=hdr, params={"outcome": "denied"}).json()["total"]
    )
    assert all(",denied," in line for line in lines[1:])
    assert lines[0].startswith("编号,时间（北京时间）,操作人,角色,范围,操作,操作代码,对象类型,对象类型代码,")
    assert all(",登录,auth.sign_in," in line for line in lines[1:] if "auth.sign_in" in line)
    page_csv = client.get("/audit.csv", params={"outcome": "denied"}, headers={"cookie": f"anju_session={token}"})
    assert page_csv.status_code == 200 and page_csv.headers["content-type"].startswith("text/csv")
    assert audit_rows(city_engine, action="audit.export")


# --- keys and cryptography ---------------------------------------------------------------------------


def test_national_algorithm_known_answers():
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (enc.update(key) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_ciphertexts_are_authenticated_and_bound_to_their_column():
    kr = Keyring({1: bytes(16)}, 1, bytes(32))
    blob = kr.encrypt("320102199003070025", "accounts.id_number")
    assert kr.decrypt(blob, "accounts.id_number") == "320102199003070025"
    assert kr.encrypt("x", "c") != kr.encrypt("x", "c")  # fresh nonce each time
    with pytest.raises(DecryptError):
        kr.decrypt(blob, "accounts.phone")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DecryptError):
        kr.decrypt(tampered, "accounts.id_number")
    assert kr.blind_index("11010519491231002x", "id_number") == kr.blind_index(" 11010519491231002X", "id_number")
    assert kr.blind_index("13912345678", "phone") != kr.blind_index("13912345678", "id_number")


def test_key_rotation_re_encrypts_every_value_and_keeps_look_ups_working(city_engine, settings_for, client):
    old = Security(settings_for(city_engine))
    new_keys = "1:000102030405060708090a0b0c0d0e0f,2:" + "ab" * 16
    rotated = Security(settings_for(city_engine, data_keys=new_keys, data_key_active=2))
    result = rotate_keys(city_engine, rotated, batch=3)
    assert result["rewritten"] == result["accounts"] > 5
    from anju.security.keys import keys_in_use

    with city_engine.connect() as c:
        assert set(keys_in_use(c)) == {2}
        row = c.execute(select(accounts).where(accounts.c.username == "citizen")).mappings().one()
    assert rotated.keyring.decrypt(row["id_number_enc"], "accounts.id_number") == CITIZEN_ID
    with pytest.raises(DecryptError):
        old.keyring.decrypt(row["id_number_enc"], "accounts.id_number")
    only_new = Security(settings_for(city_engine, data_keys="2:" + "ab" * 16))
    assert only_new.keyring.decrypt(row["phone_enc"], "accounts.phone") == CITIZEN_PHONE
    again = rotate_keys(city_engine, rotated)
    assert again["rewritten"] == 0


def test_the_session_cache_forgets_a_signed_out_or_disabled_session_at_once(city_engine, settings_for):
    app = create_app(settings_for(city_engine, session_cache_seconds=30))
    with TestClient(app) as c:
        citizen = {"authorization": f"Bearer {api_token(city_engine, 'citizen')}"}
        clerk = {"authorization": f"Bearer {api_token(city_engine, 'clerk')}"}
        admin = {"authorization": f"Bearer {api_token(city_engine, 'admin')}"}
        assert c.get("/api/v1/me", headers=citizen).status_code == 200  # now cached
        assert c.get("/api/v1/homes", headers=clerk).status_code == 200
        assert c.post("/api/v1/auth/logout", headers=citizen).status_code == 204
        assert c.get("/api/v1/me", headers=citizen).status_code == 401
        clerk_id = account_id(city_engine, "clerk")
        assert c.post(f"/api/v1/accounts/{clerk_id}/disable", headers=admin, json={"reason": "离职"}).status_code == 204
        assert c.get("/api/v1/homes", headers=clerk).status_code == 401
    app.state.engine.dispose()


def test_citizens_register_on_a_page_and_errors_do_not_echo_their_numbers(client):
    form = client.get("/register")
    csrf = re.findall(r'name="csrf_token" value="([^"]+)"', form.text)[0]
    data = {
        "username": "xiaoming",
        "password": PASSWORD,
        "name": "王小明",
        "id_number": "110105500101003X",
        "phone": "13911112222",
        "csrf_token": csrf,
    }
    bad = client.post("/register", data=data)
    assert bad.status_code == 422 and "身份证号码" in bad.text and "110105500101003X" not in bad.text
    assert "13911112222" not in bad.text and 'value="xiaoming"' in bad.text
    ok = client.post("/register", data={**data, "id_number": "110105500101003"})
    assert ok.status_code == 200 and "注册申请已受理" in ok.text
    assert sign_in(client, "xiaoming").status_code == 200


def test_a_signed_in_user_can_sign_in_again_from_the_form(client, city_engine):
    token, _ = web_session(city_engine, "citizen")
    cookie = {"cookie": f"anju_session={token}"}
    form = client.get("/login", headers=cookie)
    csrf = re.findall(r'name="csrf_token" value="([^"]+)"', form.text)[0]
    r = client.post("/login", data={"username": "citizen", "password": PASSWORD, "csrf_token": csrf}, headers=cookie)
    assert r.status_code == 303


def test_administrators_cannot_grant_or_touch_auditor_and_administrator_roles(client, city_engine):
    from tests.accounts import choose_world

    w = choose_world(city_engine)
    admin_a = {"authorization": f"Bearer {api_token(city_engine, 'admin_a')}"}
    admin = {"authorization": f"Bearer {api_token(city_engine, 'admin')}"}
    own = account_id(city_engine, "admin_a")
    r = client.post(
        f"/api/v1/accounts/{own}/role", headers=admin_a, json={"role": "auditor", "division_code": w.district_a}
    )
    assert r.status_code == 403
    assert client.get("/api/v1/audit", headers=admin_a).status_code == 403
    clerk = account_id(city_engine, "clerk")
    r = client.post(
        f"/api/v1/accounts/{clerk}/role", headers=admin, json={"role": "auditor", "division_code": "320100"}
    )
    assert r.status_code == 403 and "三员分立" in r.json()["message"]
    body = {"username": "audit2", "password": PASSWORD, "role": "auditor", "name": "新审计", "division_code": "320100"}
    assert client.post("/api/v1/accounts", headers=admin, json=body).status_code == 403
    auditor = account_id(city_engine, "auditor")
    assert client.post(f"/api/v1/accounts/{auditor}/disable", headers=admin, json={"reason": "x"}).status_code == 403
    assert client.post(f"/api/v1/accounts/{own}/totp", headers=admin_a).status_code == 403
    refused = audit_rows(city_engine, action="authz.denied", actor="admin")
    assert len(refused) == 3 and all(x["reason"].startswith("refused: POST /api/v1/accounts") for x in refused)


def test_probing_records_outside_the_scope_is_recorded(client, city_engine):
    from tests.accounts import choose_world

    w = choose_world(city_engine)
    with city_engine.connect() as c:
        far = c.execute(text("SELECT id FROM buildings WHERE district_code = :d LIMIT 1"), {"d": w.district_b}).scalar()
    officer = {"authorization": f"Bearer {api_token(city_engine, 'district')}"}
    r = client.get(f"/api/v1/buildings/{far}", headers=officer)
    missing = client.get("/api/v1/buildings/999999999", headers=officer)
    assert r.status_code == missing.status_code == 404
    assert r.json()["message"] == f"没有编号为 {far} 的楼幢"  # the same answer as a missing record
    probes = audit_rows(city_engine, action="authz.denied", actor="district")
    assert [p["reason"] for p in probes] == [f"out of scope: GET /api/v1/buildings/{far}"]


def test_streets_managed_by_a_zone_belong_to_the_zone_not_the_legal_district(city_engine, settings_for):
    from anju.security import Role

    sec = Security(settings_for(city_engine))
    with city_engine.connect() as c:
        managed = {r[0] for r in c.execute(text("SELECT code FROM divisions WHERE managing_code = '320192'"))}
        legal = {r[0] for r in c.execute(text("SELECT parent_code FROM divisions WHERE managing_code = '320192'"))}
        zone = sec.scope_for(c, 1, Role.district_officer, "320192")
        pukou = sec.scope_for(c, 1, Role.district_officer, sorted(legal)[0])
    assert managed and managed <= (zone.streets or set())
    assert not managed & (pukou.streets or set()) and pukou.streets


def test_audit_export_cells_cannot_run_as_formulas():
    from anju.core.csvout import cell as _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _cell("@x") == "'@x" and _cell("正常") == "正常"
    assert _cell(None) == "" and _cell(5) == 5


def test_a_scope_narrowed_to_streets_is_never_wider_and_keeps_its_owner():
    city = Scope.whole_city("320100")
    assert city.within(["320102001", "320102002"]).streets == frozenset({"320102001", "320102002"})
    district = Scope.of_streets("district", "320102", ["320102001", "320102002"])
    narrowed = district.within(["320102002", "320104001"])  # a street outside stays out
    assert narrowed.streets == frozenset({"320102002"}) and (narrowed.level, narrowed.code) == ("district", "320102")
    own = Scope.own(7).within(["320102001"])
    assert own.streets == frozenset() and own.account_id == 7
