"""``anju users``, ``anju keys`` and the demo's accounts."""

from __future__ import annotations

import json

import pyotp
from click.testing import CliRunner
from sqlalchemy import select

from anju.cli import main
from anju.divisions import load_city
from anju.security import Security, accounts
from anju.security.cli import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_accounts
from anju.security.signin import sign_in
from tests.accounts import CITIZEN_PHONE, PASSWORD
from tests.conftest import TEST_DATA_KEYS, TEST_INDEX_KEY


def env(engine, tmp_path, **extra):
    return {
        "ANJU_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "ANJU_DATA_DIR": str(tmp_path),
        "ANJU_DATA_KEYS": TEST_DATA_KEYS,
        "ANJU_INDEX_KEY": TEST_INDEX_KEY,
        "ANJU_ARGON2_MEMORY_KIB": "8192",
        "ANJU_ARGON2_TIME_COST": "1",
        **extra,
    }


def test_users_create_prints_the_totp_secret_once_and_the_account_can_sign_in(city_engine, tmp_path, settings_for):
    r = CliRunner().invoke(
        main,
        [
            "users",
            "create",
            "--username",
            "Officer2",
            "--role",
            "district_officer",
            "--name",
            "赵科长",
            "--division",
            "320102",
            "--password",
            PASSWORD,
        ],
        env=env(city_engine, tmp_path),
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["username"] == "officer2" and out["totp_uri"].startswith("otpauth://totp/")
    sec = Security(settings_for(city_engine))
    with city_engine.begin() as conn:
        result = sign_in(conn, sec, "officer2", PASSWORD, pyotp.TOTP(out["totp_secret"]).now(), kind="api", ip=None)
    assert result.ok
    bad = CliRunner().invoke(
        main,
        [
            "users",
            "create",
            "--username",
            "officer3",
            "--role",
            "street_clerk",
            "--name",
            "赵科长",
            "--division",
            "320102",
            "--password",
            PASSWORD,
        ],
        env=env(city_engine, tmp_path),
    )
    assert bad.exit_code != 0 and "division_code" in bad.output and "街道级" in bad.output


def test_users_list_masks_personal_values(city_engine, tmp_path):
    r = CliRunner().invoke(main, ["users", "list", "--role", "citizen"], env=env(city_engine, tmp_path))
    assert r.exit_code == 0 and "citizen" in r.output and "139****5678" in r.output and CITIZEN_PHONE not in r.output


def test_keys_rotate_and_status(city_engine, tmp_path):
    keys2 = TEST_DATA_KEYS + ",2:" + "cd" * 16
    status = CliRunner().invoke(main, ["keys", "status"], env=env(city_engine, tmp_path))
    assert json.loads(status.output) == {"1": json.loads(status.output)["1"]} and json.loads(status.output)["1"] > 10
    r = CliRunner().invoke(
        main, ["keys", "rotate", "--batch", "4"], env=env(city_engine, tmp_path, ANJU_DATA_KEYS=keys2)
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1])["rewritten"] > 5
    status = CliRunner().invoke(main, ["keys", "status"], env=env(city_engine, tmp_path, ANJU_DATA_KEYS=keys2))
    assert list(json.loads(status.output)) == ["2"]
    gen = json.loads(CliRunner().invoke(main, ["keys", "generate"]).output)
    assert len(bytes.fromhex(gen["data_key"])) == 16 and len(bytes.fromhex(gen["index_key"])) == 32


def test_demo_creates_one_account_per_role_once(empty_engine, settings_for):
    with empty_engine.begin() as conn:
        load_city(conn, "320100")
    settings = settings_for(empty_engine)
    made = ensure_demo_accounts(empty_engine, settings)
    assert {a["role"] for a in made} == {a["role"] for a in DEMO_ACCOUNTS} and len(made) == 8
    assert ensure_demo_accounts(empty_engine, settings) == []
    sec = Security(settings.model_copy(update={"staff_totp_required": False}))
    with empty_engine.begin() as conn:
        assert sign_in(conn, sec, "district", DEMO_PASSWORD, None, kind="web", ip=None).ok
        roles = dict(conn.execute(select(accounts.c.username, accounts.c.role)).all())
    assert roles["clerk"] == "street_clerk" and roles["admin"] == "administrator"
    # The demo's citizen and landlord are verified people of the synthetic city; staff need no check.
    with empty_engine.connect() as conn:
        verified = dict(conn.execute(select(accounts.c.username, accounts.c.identity_method)).all())
    assert verified["citizen"] == verified["landlord"] == "synthetic" and verified["agency"] is None


def test_synthetic_people_lists_people_who_verify_and_only_with_the_synthetic_provider(people_engine, tmp_path):
    from stdnum.cn import ric

    from anju.security import phone as valid_phone

    r = CliRunner().invoke(main, ["users", "synthetic-people", "--limit", "3"], env=env(people_engine, tmp_path))
    assert r.exit_code == 0, r.output
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert len(rows) == 3 and "合成人口" in r.stderr
    for idn, name, phone in rows:  # they pass the same validators as real ones
        assert ric.is_valid(idn) and name and valid_phone(phone) == phone
    other = CliRunner().invoke(
        main, ["users", "synthetic-people"], env=env(people_engine, tmp_path, ANJU_IDENTITY_PROVIDER="x.y:Z")
    )
    assert other.exit_code != 0 and "合成身份核验" in other.output


def test_missing_keys_are_generated_outside_production_and_refused_in_production(tmp_path):
    from anju.core.settings import Settings
    from anju.security import keyring_from_settings
    from anju.security.crypto import KeyError_

    dev = Settings(data_dir=tmp_path, environment="development")
    first = keyring_from_settings(dev)
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600
    assert keyring_from_settings(dev).keys == first.keys  # the same keys next time
    prod = Settings(data_dir=tmp_path, environment="test").model_copy(update={"environment": "production"})
    try:
        keyring_from_settings(prod)
    except KeyError_ as e:
        assert "ANJU_DATA_KEYS" in str(e)
    else:
        raise AssertionError("production must refuse to run without configured keys")


def test_anchored_audit_rows_cannot_be_changed_unnoticed(city_engine, tmp_path):
    from sqlalchemy import text

    e = env(city_engine, tmp_path)
    # every row is younger than a day: nothing is anchored yet
    young = CliRunner().invoke(main, ["audit", "anchor", "--grace-seconds", "86400"], env=e)
    assert young.exit_code == 0 and json.loads(young.output)["anchored"] == []
    first = CliRunner().invoke(main, ["audit", "anchor", "--grace-seconds", "0"], env=e)
    assert first.exit_code == 0, first.output
    anchored = json.loads(first.output)["anchored"]
    assert anchored and anchored[0]["from"] == 1 and anchored[0]["rows"] > 5
    again = CliRunner().invoke(main, ["audit", "anchor", "--grace-seconds", "0"], env=e)
    assert json.loads(again.output)["anchored"] == []
    ok = CliRunner().invoke(main, ["audit", "verify"], env=e)
    assert ok.exit_code == 0 and "一致" in ok.output
    # someone with database rights removes the guard and rewrites history
    with city_engine.begin() as c:
        if city_engine.dialect.name == "sqlite":
            c.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            c.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        c.execute(text("UPDATE audit_log SET actor = 'nobody' WHERE id = 2"))
    bad = CliRunner().invoke(main, ["audit", "verify"], env=e)
    assert bad.exit_code == 1 and "不一致" in bad.output
