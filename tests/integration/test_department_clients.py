"""Department clients (issue 19): OAuth 2.0 client credentials, scoped and audited calls, rotation without
downtime, the administrator's pages and the command line."""

from __future__ import annotations

import base64
import importlib
import json
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from anju.app import create_app
from anju.cli import main
from anju.core import clock
from anju.security import Caller, ClientCall, Security, allow, audit_log, check_policies, client_access
from anju.security.clients import ClientForm, create_client, rotate_secret, set_status
from anju.security.tables import client_tokens, clients
from tests.accounts import api_token, web_session
from tests.integration.test_security_cli import env

DATASET = "synth.sample"  # the synth context declares no datasets: any synth.<name> is accepted
OTHER = "synth.other"

#: A test-only router standing for the routes departments call (the feeds' batches, later reads).
probe = APIRouter()


@probe.get("/api/v1/test-clients/{dataset}/records")
def read_records(dataset: str, call: Annotated[ClientCall, client_access("read")]) -> dict[str, object]:
    return {"dataset": call.dataset, "client": call.client_id, "purpose": call.purpose, "left": call.remaining_quota}


@probe.post("/api/v1/test-clients/{dataset}/batches")
def deliver(dataset: str, call: Annotated[ClientCall, client_access("write")]) -> dict[str, object]:
    return {"dataset": call.dataset, "operation": call.operation}


@pytest.fixture
def settings(city_engine, settings_for):
    return settings_for(city_engine)


@pytest.fixture
def app(city_engine, settings):
    a = create_app(settings)
    a.include_router(probe)
    yield a
    a.state.engine.dispose()


@pytest.fixture
def client(app):
    with TestClient(app, follow_redirects=False) as c:
        yield c


def make_client(engine, settings, scopes=(f"{DATASET}:read",), **kw):
    sec = Security(settings)
    with engine.begin() as conn:
        return create_client(
            conn, sec, Caller.system("test"), ClientForm("市公安局人口系统", "公安", list(scopes), **kw)
        )


def basic(client_id, secret):
    return {"authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def get_token(client, issued, **form):
    body = {"grant_type": "client_credentials", **form}
    return client.post("/oauth/token", data=body, headers=basic(issued.client_id, issued.secret))


def bearer(token, purpose="户籍核验"):
    h = {"authorization": f"Bearer {token}"}
    if purpose is not None:
        h["x-purpose"] = quote(purpose)
    return h


def rows(engine, action):
    with engine.connect() as c:
        q = select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)
        return [dict(r) for r in c.execute(q).mappings()]


# --- the token endpoint -----------------------------------------------------------------------------


def test_a_client_gets_a_bearer_token_by_basic_or_form_and_only_its_hash_is_stored(client, city_engine, settings):
    issued = make_client(city_engine, settings, scopes=(f"{DATASET}:read", f"{DATASET}:write"))
    r = get_token(client, issued)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == f"{DATASET}:read {DATASET}:write"
    assert r.headers["cache-control"] == "no-store"
    form = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": issued.client_id, "client_secret": issued.secret},
    )
    assert form.status_code == 200 and form.json()["access_token"] != body["access_token"]
    with city_engine.connect() as c:
        stored = c.execute(select(client_tokens.c.token_hash)).scalars().all()
        secret_hash = c.execute(select(clients.c.secret_hash)).scalar_one()
    assert body["access_token"] not in stored and len(stored) == 2
    assert issued.secret not in secret_hash and secret_hash.startswith("$argon2id$")
    assert [r["outcome"] for r in rows(city_engine, "client.token")] == ["ok", "ok"]


def test_a_wrong_secret_is_invalid_client_with_www_authenticate_and_audited(client, city_engine, settings):
    issued = make_client(city_engine, settings)
    r = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(issued.client_id, "x" * 43)
    )
    assert r.status_code == 401
    assert r.json() == {"error": "invalid_client", "error_description": "客户端认证失败"}
    assert r.headers["www-authenticate"].startswith("Basic")
    unknown = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic("dept-nope", "x"))
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"
    denied = [(r["outcome"], r["reason"]) for r in rows(city_engine, "client.token")]
    assert denied == [("denied", "wrong secret"), ("denied", "unknown client")]


def test_grant_type_and_scope_errors_follow_rfc_6749(client, city_engine, settings):
    issued = make_client(city_engine, settings, scopes=(f"{DATASET}:read", f"{DATASET}:write"))
    no_grant = client.post("/oauth/token", data={}, headers=basic(issued.client_id, issued.secret))
    assert no_grant.status_code == 400 and no_grant.json()["error"] == "invalid_request"
    wrong = client.post("/oauth/token", data={"grant_type": "password"}, headers=basic(issued.client_id, issued.secret))
    assert wrong.status_code == 400 and wrong.json()["error"] == "unsupported_grant_type"
    beyond = get_token(client, issued, scope=f"{DATASET}:read {OTHER}:read")
    assert beyond.status_code == 400 and beyond.json()["error"] == "invalid_scope"
    assert OTHER in beyond.json()["error_description"]
    narrow = get_token(client, issued, scope=f"{DATASET}:read")
    assert narrow.status_code == 200 and narrow.json()["scope"] == f"{DATASET}:read"
    token = narrow.json()["access_token"]
    # the narrowed token cannot write though the client may
    assert client.post(f"/api/v1/test-clients/{DATASET}/batches", headers=bearer(token)).status_code == 403


def test_failed_attempts_per_address_are_limited_before_any_secret_is_checked(city_engine, settings_for):
    settings = settings_for(city_engine, security_client_failures_rate="2/minute")
    issued = make_client(city_engine, settings)
    app = create_app(settings)
    with TestClient(app) as client:
        for _ in range(2):
            assert get_token(client, type(issued)(issued.id, issued.client_id, "wrong")).status_code == 401
        r = get_token(client, issued)  # the right secret, but the address has failed too often
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert "失败次数过多" in r.json()["error_description"]
    app.state.engine.dispose()


def test_token_requests_per_client_are_limited(city_engine, settings_for):
    settings = settings_for(city_engine, security_client_token_rate="2/minute")
    issued = make_client(city_engine, settings)
    app = create_app(settings)
    with TestClient(app) as client:
        assert [get_token(client, issued).status_code for _ in range(3)] == [200, 200, 429]
    app.state.engine.dispose()


# --- rotation and disabling ---------------------------------------------------------------------------


def test_rotation_keeps_the_previous_secret_until_the_grace_deadline(client, city_engine, settings):
    issued = make_client(city_engine, settings)
    sec = Security(settings)
    with city_engine.begin() as conn:
        rotated = rotate_secret(conn, sec, Caller.system("test"), issued.id)
    assert rotated.previous_valid_until is not None
    assert rotated.previous_valid_until - clock.now() > timedelta(hours=23)
    assert get_token(client, issued).status_code == 200  # the old secret, within the grace period
    new = type(issued)(issued.id, issued.client_id, rotated.secret)
    assert get_token(client, new).status_code == 200
    with city_engine.begin() as conn:  # the grace deadline passes
        conn.execute(update(clients).values(previous_expires_at=clock.now() - timedelta(seconds=1)))
    assert get_token(client, issued).status_code == 401
    assert get_token(client, new).status_code == 200


def test_an_emergency_rotation_stops_the_previous_secret_and_live_tokens_at_once(client, city_engine, settings):
    issued = make_client(city_engine, settings)
    token = get_token(client, issued).json()["access_token"]
    assert client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token)).status_code == 200
    csrf = admin(client, city_engine)
    page = client.post(
        f"/admin/clients/{issued.id}/rotate", data={"csrf_token": csrf, "confirm": "yes", "revoke_now": "yes"}
    )
    assert page.status_code == 200 and "原密钥已失效" in page.text
    new_secret = page.text.split('id="client-secret">')[1].split("<")[0]
    assert client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token)).status_code == 401
    assert get_token(client, issued).status_code == 401  # no grace period for the leaked secret
    assert get_token(client, type(issued)(issued.id, issued.client_id, new_secret)).status_code == 200
    with city_engine.connect() as c:
        assert c.execute(select(clients.c.previous_secret_hash)).scalar_one() is None
    detail = json.loads(rows(city_engine, "client.rotate")[-1]["detail"])
    assert detail["revoke_now"] is True and detail["tokens_revoked"] == 1


def test_the_command_line_rotates_with_revoke_now(city_engine, settings, tmp_path):
    issued = make_client(city_engine, settings)
    with city_engine.begin() as conn:
        conn.execute(
            client_tokens.insert().values(
                client_pk=issued.id, token_hash="0" * 64, scopes=f"{DATASET}:read",
                issued_at=clock.now(), expires_at=clock.now() + timedelta(hours=1),
            )
        )  # fmt: skip
    runner = CliRunner()
    out = runner.invoke(main, ["clients", "rotate", issued.client_id, "--revoke-now"], env=env(city_engine, tmp_path))
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["previous_valid_until"] is None
    with city_engine.connect() as c:
        assert c.execute(select(client_tokens.c.revoked_at)).scalar_one() is not None


def test_two_first_calls_of_the_day_both_count_when_one_loses_the_insert(city_engine, settings, monkeypatch):
    """The loser of the day's first insert runs the quota UPDATE again: it is counted, not refused."""
    access = importlib.import_module("anju.security.client_access")
    from anju.security.tables import client_usage

    issued = make_client(city_engine, settings)
    real = access.insert_missing

    def lose_the_race(conn, table, values):
        real(conn, table, {**values, "calls": 1})  # the parallel first call inserts and counts first
        return real(conn, table, values)  # ours then finds the row there

    monkeypatch.setattr(access, "insert_missing", lose_the_race)
    with city_engine.begin() as conn:
        assert access._bump(conn, issued.id, "*", "*", 5) == 2
        assert access._bump(conn, issued.id, "ds", "read", None) == 2
    with city_engine.begin() as conn:
        conn.execute(update(client_usage).values(calls=5))
    monkeypatch.setattr(access, "insert_missing", real)
    with city_engine.begin() as conn:  # the quota still decides
        assert access._bump(conn, issued.id, "*", "*", 5) is None


def test_a_disabled_clients_tokens_are_refused_and_it_gets_no_new_one(client, city_engine, settings):
    issued = make_client(city_engine, settings)
    token = get_token(client, issued).json()["access_token"]
    assert client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token)).status_code == 200
    with city_engine.begin() as conn:
        set_status(conn, Caller.system("test"), issued.id, "disabled", "对方系统下线")
    refused = client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token))
    assert refused.status_code == 401 and "invalid_token" in refused.headers["www-authenticate"]
    again = get_token(client, issued)
    assert again.status_code == 401 and again.json()["error_description"] == "该部门接入账户已停用"
    with city_engine.begin() as conn:
        set_status(conn, Caller.system("test"), issued.id, "active", "恢复")
    # the tokens of before stay revoked; a new one works
    assert client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token)).status_code == 401
    fresh = get_token(client, issued).json()["access_token"]
    assert client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(fresh)).status_code == 200


def test_an_expired_token_is_refused(client, city_engine, settings):
    issued = make_client(city_engine, settings)
    token = get_token(client, issued).json()["access_token"]
    with city_engine.begin() as conn:
        conn.execute(update(client_tokens).values(expires_at=clock.now() - timedelta(seconds=1)))
    assert client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token)).status_code == 401


# --- calls: scope, purpose, limits, audit -----------------------------------------------------------------


def test_scope_decides_per_dataset_and_operation(client, city_engine, settings):
    issued = make_client(city_engine, settings, scopes=(f"{DATASET}:read", f"{OTHER}:write"))
    token = get_token(client, issued).json()["access_token"]
    ok = client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token))
    assert ok.status_code == 200 and ok.json()["dataset"] == DATASET
    assert client.post(f"/api/v1/test-clients/{OTHER}/batches", headers=bearer(token)).status_code == 200
    wrong_op = client.post(f"/api/v1/test-clients/{DATASET}/batches", headers=bearer(token))
    assert wrong_op.status_code == 403 and "insufficient_scope" in wrong_op.headers["www-authenticate"]
    assert f"{DATASET}:write" in wrong_op.json()["message"]
    wrong_ds = client.get(f"/api/v1/test-clients/{OTHER}/records", headers=bearer(token))
    assert wrong_ds.status_code == 403
    assert client.get(f"/api/v1/test-clients/{DATASET}/records").status_code == 401
    # an account's token (even the city officer's) is not a client's
    staff = client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(api_token(city_engine, "city")))
    assert staff.status_code == 403 and staff.json()["message"] == "此接口仅供部门接入账户调用"
    forged = client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer("anjuc_forged"))
    assert forged.status_code == 401


def test_a_call_without_a_purpose_is_refused_naming_the_header(client, city_engine, settings):
    issued = make_client(city_engine, settings)
    token = get_token(client, issued).json()["access_token"]
    r = client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token, purpose=None))
    assert r.status_code == 400 and "X-Purpose" in r.json()["message"]
    assert [x["outcome"] for x in rows(city_engine, "client.call")] == ["denied"]


def test_every_call_is_audited_with_client_dataset_operation_and_purpose(client, city_engine, settings):
    issued = make_client(city_engine, settings, scopes=(f"{DATASET}:read", f"{DATASET}:write"))
    token = get_token(client, issued).json()["access_token"]
    client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token, "住房保障资格审核"))
    client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token, "住房保障资格审核"))
    client.post(f"/api/v1/test-clients/{DATASET}/batches", headers=bearer(token, "报送户籍变动"))
    calls = rows(city_engine, "client.call")
    assert len(calls) == 3 and {c["outcome"] for c in calls} == {"ok"}
    assert {c["actor"] for c in calls} == {f"client:{issued.client_id}"}
    assert [c["reason"] for c in calls] == ["住房保障资格审核", "住房保障资格审核", "报送户籍变动"]
    details = [json.loads(c["detail"]) for c in calls]
    assert [(d["dataset"], d["operation"]) for d in details] == [
        (DATASET, "read"),
        (DATASET, "read"),
        (DATASET, "write"),
    ]
    assert all(c["entity"] == "client" and c["entity_id"] == str(issued.id) for c in calls)


def test_the_rate_limit_answers_429_with_retry_after(client, city_engine, settings):
    issued = make_client(city_engine, settings, rate_per_minute=2)
    token = get_token(client, issued).json()["access_token"]
    codes = [client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token)) for _ in range(3)]
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert 1 <= int(codes[2].headers["retry-after"]) <= 60
    assert "每分钟最多 2 次" in codes[2].json()["message"]


def test_the_daily_quota_refuses_in_chinese_and_the_identity_route_shows_what_is_left(client, city_engine, settings):
    issued = make_client(city_engine, settings, daily_quota=3)
    token = get_token(client, issued).json()["access_token"]
    me = client.get("/api/v1/exchange/clients/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert me.json() | {"client_id": ""} == {
        "client_id": "",
        "name": "市公安局人口系统",
        "department": "公安",
        "scopes": [f"{DATASET}:read"],
        "rate_per_minute": 600,
        "daily_quota": 3,
        "calls_today": 1,
        "remaining_quota": 2,
    }
    first = client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token))
    assert first.json()["left"] == 1
    assert client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token)).status_code == 200
    over = client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token))
    assert over.status_code == 429 and "今日调用次数已达配额" in over.json()["message"]
    assert int(over.headers["retry-after"]) >= 1
    assert [c["outcome"] for c in rows(city_engine, "client.call")] == ["ok", "ok", "ok", "denied"]


# --- the administrator's pages -----------------------------------------------------------------------------


def admin(client, city_engine):
    token, csrf = web_session(city_engine, "admin")
    client.cookies.set("anju_session", token)
    return csrf


def test_the_administrator_creates_a_client_whose_secret_is_shown_once(client, city_engine):
    csrf = admin(client, city_engine)
    r = client.post(
        "/admin/clients",
        data={
            "csrf_token": csrf,
            "name": "市人社局社保系统",
            "department": "人社",
            "scopes": f"{DATASET}:read\n{DATASET}:subscribe",
            "contact_name": "张三",
            "contact_phone": "13912345678",
            "rate_per_minute": "120",
            "daily_quota": "5000",
        },
    )
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    with city_engine.connect() as c:
        row = c.execute(select(clients)).mappings().one()
    secret = r.text.split('id="client-secret">')[1].split("<")[0]
    assert len(secret) >= 40 and "仅显示这一次" in r.text and 'data-copy="client-secret"' in r.text
    listed = client.get("/admin/clients", params={"department": "人社"})
    assert listed.status_code == 200 and row["client_id"] in listed.text
    assert secret not in listed.text and "••••" in listed.text
    page = client.get(f"/admin/clients/{row['id']}")
    assert secret not in page.text and "张*" in page.text and "139****5678" in page.text and "张三" not in page.text
    assert row["scopes"] == f"{DATASET}:read {DATASET}:subscribe" and row["daily_quota"] == 5000
    token = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(row["client_id"], secret),
    )
    assert token.status_code == 200
    assert client.get("/admin/clients", params={"status": "disabled"}).text.count(row["client_id"]) == 0


def test_bad_input_is_named_by_field_and_nothing_is_created(client, city_engine):
    csrf = admin(client, city_engine)
    r = client.post(
        "/admin/clients",
        data={
            "csrf_token": csrf,
            "name": "x",
            "department": "公安",
            "scopes": "nowhere.thing:read synth.sample:delete",
            "contact_phone": "12",
            "daily_quota": "很多",
        },
    )
    assert r.status_code == 422
    assert "每日调用配额：每日调用配额应为整数" in r.text
    r = client.post(
        "/admin/clients",
        data={
            "csrf_token": csrf,
            "name": "x",
            "department": "公安",
            "scopes": "nowhere.thing:read",
            "contact_phone": "12",
        },
    )
    assert r.status_code == 422
    assert "名称：名称应为 2–100 个字" in r.text and "上下文 nowhere 不存在" in r.text and "联系电话" in r.text
    with city_engine.connect() as c:
        assert c.execute(select(clients.c.id)).first() is None


def test_rotate_disable_and_enable_need_a_confirmation(client, city_engine, settings):
    issued = make_client(city_engine, settings)
    csrf = admin(client, city_engine)
    unconfirmed = client.post(f"/admin/clients/{issued.id}/rotate", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 422 and "确认：请勾选确认后再提交" in unconfirmed.text
    rotated = client.post(f"/admin/clients/{issued.id}/rotate", data={"csrf_token": csrf, "confirm": "yes"})
    assert rotated.status_code == 200 and "原密钥在" in rotated.text
    new_secret = rotated.text.split('id="client-secret">')[1].split("<")[0]
    assert get_token(client, type(issued)(issued.id, issued.client_id, new_secret)).status_code == 200
    no_reason = client.post(f"/admin/clients/{issued.id}/disable", data={"csrf_token": csrf, "confirm": "yes"})
    assert no_reason.status_code == 422 and "事由" in no_reason.text
    done = client.post(
        f"/admin/clients/{issued.id}/disable", data={"csrf_token": csrf, "confirm": "yes", "reason": "停止对接"}
    )
    assert done.status_code == 303
    assert get_token(client, issued).status_code == 401
    edit = client.post(
        f"/admin/clients/{issued.id}/edit",
        data={
            "csrf_token": csrf,
            "confirm": "yes",
            "name": "市公安局人口系统",
            "department": "公安",
            "scopes": f"{DATASET}:read {OTHER}:read",
            "rate_per_minute": "10",
            "daily_quota": "10",
        },
    )
    assert edit.status_code == 303
    with city_engine.connect() as c:
        row = c.execute(select(clients)).mappings().one()
    assert row["status"] == "disabled"
    assert (
        sorted(row["scopes"].split()) == sorted([f"{DATASET}:read", f"{OTHER}:read"]) and row["rate_per_minute"] == 10
    )
    actions = [r["action"] for r in rows(city_engine, "client.rotate") + rows(city_engine, "client.disable")]
    assert actions == ["client.rotate", "client.disable"]


def test_the_client_page_counts_calls_per_dataset_and_day_and_the_auditor_reads_them(client, city_engine, settings):
    issued = make_client(city_engine, settings)
    token = get_token(client, issued).json()["access_token"]
    for _ in range(2):
        client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token, "核验"))
    admin(client, city_engine)
    page = client.get(f"/admin/clients/{issued.id}")
    assert page.status_code == 200
    assert f'<td class="mono">{DATASET}</td><td>读取</td><td>2</td>' in page.text
    assert "今日已用 2" in page.text
    auditor, _ = web_session(city_engine, "auditor")
    client.cookies.set("anju_session", auditor)
    audit = client.get("/audit", params={"action": "client.call"})
    assert audit.status_code == 200 and audit.text.count("部门接入账户调用接口") >= 2
    # 三员分立: the administrator manages clients but cannot read the audit log
    admin(client, city_engine)
    assert client.get("/audit").status_code == 403


# --- the command line ------------------------------------------------------------------------------------------


def test_the_command_line_creates_lists_rotates_and_disables(city_engine, tmp_path):
    runner, e = CliRunner(), env(city_engine, tmp_path)
    made = runner.invoke(
        main,
        ["clients", "create", "--name", "市税务局系统", "--department", "税务", "--scope", f"{DATASET}:read"],
        env=e,
    )
    assert made.exit_code == 0, made.output
    out = json.loads(made.output)
    assert out["client_id"].startswith("dept-") and len(out["client_secret"]) >= 40
    listed = runner.invoke(main, ["clients", "list"], env=e)
    assert out["client_id"] in listed.output and out["client_secret"] not in listed.output
    bad = runner.invoke(
        main, ["clients", "create", "--name", "税务", "--department", "税务", "--scope", "x:read"], env=e
    )
    assert bad.exit_code != 0 and "权限范围" not in bad.output and "scopes" in bad.output
    rotated = runner.invoke(main, ["clients", "rotate", out["client_id"]], env=e)
    assert rotated.exit_code == 0 and json.loads(rotated.output)["previous_valid_until"]
    disabled = runner.invoke(main, ["clients", "disable", out["client_id"], "--reason", "停止对接"], env=e)
    assert disabled.exit_code == 0, disabled.output
    with city_engine.connect() as c:
        assert c.execute(select(clients.c.status)).scalar_one() == "disabled"


# --- the authorisation matrix understands client routes ---------------------------------------------------


def test_the_matrix_checks_client_routes_no_token_wrong_scope_right_scope(app, client, city_engine, settings):
    """The matrix's machinery (tests/authz/support.py) on the test-only dataset routes: anonymous 401,
    every account 403, the client without the scope 403, the client with it allowed; and a route that
    let the wrong client through would be reported."""
    from tests.accounts import choose_world
    from tests.authz.support import MATRIX_DATASET, ROLES, Case, Ctx, exercise, one

    ctx = Ctx(
        city_engine,
        choose_world(city_engine),
        client,
        {r: api_token(city_engine, r) for r in ROLES},
        {},
        {},
        keyring=Security(settings).keyring,
        settings=settings,
    )
    read = f"/api/v1/test-clients/{MATRIX_DATASET}/records"
    write = f"/api/v1/test-clients/{MATRIX_DATASET}/batches"
    ok_read = Case(one("GET", read), ok={200}, scoping=None, perm="client.read")
    ok_write = Case(one("POST", write), ok={200}, scoping=None, perm="client.write")
    assert exercise(ctx, "GET", "/api/v1/test-clients/{dataset}/records", "client.read", ok_read) == []
    assert exercise(ctx, "POST", "/api/v1/test-clients/{dataset}/batches", "client.write", ok_write) == []
    # the same route checked as if it were open to any client: the wrong-scope client's 403 is a failure
    lax = Case(one("GET", read), ok={200}, scoping=None, perm="client.self")
    failures = exercise(ctx, "GET", "/api/v1/test-clients/{dataset}/records", "client.self", lax)
    assert len(failures) == 1 and "as client_wrong: 403" in failures[0]
    calls = rows(city_engine, "client.call")
    assert {json.loads(c["detail"])["dataset"] for c in calls if c["outcome"] == "ok"} == {MATRIX_DATASET}


def test_a_scope_the_administrator_removes_stops_at_once_and_a_blank_contact_is_kept(client, city_engine, settings):
    from anju.security.clients import get_client, update_client

    issued = make_client(
        city_engine,
        settings,
        scopes=(f"{DATASET}:read", f"{OTHER}:read"),
        contact_name="李四",
        contact_phone="13800001111",
    )
    token = get_token(client, issued).json()["access_token"]
    assert client.get(f"/api/v1/test-clients/{OTHER}/records", headers=bearer(token)).status_code == 200
    sec = Security(settings)
    with city_engine.begin() as conn:
        update_client(
            conn, sec, Caller.system("test"), issued.id, ClientForm("市公安局人口系统", "公安", [DATASET + ":read"])
        )
    assert client.get(f"/api/v1/test-clients/{OTHER}/records", headers=bearer(token)).status_code == 403
    assert client.get(f"/api/v1/test-clients/{DATASET}/records", headers=bearer(token)).status_code == 200
    with city_engine.connect() as conn:
        row = get_client(conn, sec, issued.id)
    assert (row["contact_name"], row["contact_phone"]) == ("李*", "138****1111")


def test_bad_secrets_do_not_use_up_the_clients_token_allowance(city_engine, settings_for):
    settings = settings_for(
        city_engine, security_client_token_rate="2/minute", security_client_failures_rate="50/minute"
    )
    issued = make_client(city_engine, settings)
    app = create_app(settings)
    with TestClient(app) as client:
        for _ in range(5):
            assert get_token(client, type(issued)(issued.id, issued.client_id, "wrong")).status_code == 401
        assert [get_token(client, issued).status_code for _ in range(3)] == [200, 200, 429]
    app.state.engine.dispose()


def test_check_policies_counts_client_policies_and_wants_a_dataset_parameter(app):
    assert check_policies(app)[("GET", "/api/v1/test-clients/{dataset}/records")] == "client.read"
    assert check_policies(app)[("GET", "/api/v1/exchange/clients/me")] == "client.self"
    bad = APIRouter()

    @bad.get("/api/v1/test-clients/records")
    def no_dataset(call: Annotated[ClientCall, client_access("read")]) -> None: ...

    @bad.get("/api/v1/test-clients/{dataset}/both")
    def both(
        dataset: str, call: Annotated[ClientCall, client_access("read")], who: Annotated[Caller, allow("self")]
    ) -> None: ...

    app.include_router(bad)
    with pytest.raises(RuntimeError) as refused:
        check_policies(app)
    assert "/api/v1/test-clients/records: client_access('read') needs a {dataset} path parameter" in str(refused.value)
    assert "/api/v1/test-clients/{dataset}/both: 2 policies" in str(refused.value)
