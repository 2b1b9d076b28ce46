"""Retention (both databases): a dry run counts and changes nothing; an applied run pseudonymises the
tenants of leases closed long ago and the members of applications refused long ago, through the
owning contexts' functions, and nothing else; a re-run changes nothing; every run is recorded and
audited, an applied one also appended to the verifiable log "exchange" with no personal value in it;
the page runs it as a background job; the command line."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from anju import ledger
from anju.app import create_app
from anju.assistance import catalogue as programmes
from anju.assistance import domain as adomain
from anju.assistance.tables import application_documents, application_members, applications
from anju.core import clock
from anju.core.db import unit_of_work
from anju.core.jobs import background_jobs
from anju.exchange import retention
from anju.exchange.retention_rules import RetentionRule, RuleError, parse_rules
from anju.exchange.tables import exchange_retention_runs
from anju.rental.tables import rental_leases
from anju.security import Caller, Keyring, Security, audit_log, audited, set_audit_target
from tests import assistance_builders as ab
from tests import rental_builders as rb
from tests.accounts import choose_world, web_session
from tests.helpers import finished_job

YEARS_AGO_6 = clock.today() - timedelta(days=6 * 366)
YEAR_AGO = clock.today() - timedelta(days=300)


def _set_up(engine: Engine, kr: Keyring) -> dict[str, Any]:
    w = choose_world(engine)
    with engine.begin() as conn:
        programmes.load_programmes(conn, adomain.load_policies(adomain.sample_policy_path("320100")))
        homes = rb.free_homes(conn, w.street_s1, 4)
        ids = {
            "ended_long_ago": rb.filed_lease(
                conn, kr, homes[0], start_on=YEARS_AGO_6 - timedelta(days=400), tenant_id=rb.resident_id(501)
            ),
            "ran_out_long_ago": rb.filed_lease(
                conn, kr, homes[1], start_on=YEARS_AGO_6 - timedelta(days=400), tenant_id=rb.resident_id(502)
            ),
            "ended_lately": rb.filed_lease(
                conn, kr, homes[2], start_on=YEAR_AGO - timedelta(days=400), tenant_id=rb.resident_id(503)
            ),
            "running": rb.filed_lease(
                conn, kr, homes[3], start_on=clock.today() - timedelta(days=30), tenant_id=rb.resident_id(504)
            ),
        }
        t = rental_leases
        conn.execute(update(t).where(t.c.id == ids["ended_long_ago"]).values(status="terminated", ended_on=YEARS_AGO_6))
        conn.execute(update(t).where(t.c.id == ids["ended_lately"]).values(status="expired", ended_on=YEAR_AGO))
        a = applications
        long_ago = ab.approved(conn, kr, w.street_s1, status="rejected")
        lately = ab.approved(conn, kr, w.street_s1, status="withdrawn")
        kept = ab.approved(conn, kr, w.street_s1)
        old = clock.now() - timedelta(days=4 * 366)
        conn.execute(update(a).where(a.c.id == long_ago).values(decided_at=old, closed_at=old, updated_at=old))
        conn.execute(
            application_documents.insert().values(
                application_id=long_ago, kind="身份证明", filename="id.pdf", content_type="application/pdf",
                size=4, sha256="0" * 64, content=b"%PDF", uploaded_at=old,
            )
        )  # fmt: skip
    return {"leases": ids, "apps": {"long_ago": long_ago, "lately": lately, "kept": kept}}


def _bidx(engine: Engine) -> dict[int, str]:
    with engine.connect() as c:
        return {int(i): str(b) for i, b in c.execute(select(rental_leases.c.id, rental_leases.c.tenant_bidx))}


def _member_bidx(engine: Engine, app_id: int) -> list[str]:
    with engine.connect() as c:
        m = application_members
        return list(c.execute(select(m.c.id_bidx).where(m.c.application_id == app_id)).scalars())


def _run(engine: Engine, settings: Any, kr: Keyring, *, apply: bool) -> retention.RunView:
    caller = Caller.system("test")
    with audited(unit_of_work(engine), caller, "exchange.retention_run", "retention_run") as conn:
        out = retention.run(conn, settings, kr, caller, apply=apply)
        set_audit_target(conn, out["id"])
    return out


def test_dry_run_counts_and_apply_pseudonymises_only_what_is_due(city_engine: Engine, settings_for: Any) -> None:
    settings = settings_for(city_engine)
    kr = Security(settings).keyring
    s = _set_up(city_engine, kr)
    leases, apps = s["leases"], s["apps"]
    before = _bidx(city_engine)

    dry = _run(city_engine, settings, kr, apply=False)
    assert {c["rule"]: c["count"] for c in dry["counts"]} == {
        "rental.leases.tenants": 2,
        "assistance.applications.refused": 1,
    }
    assert dry["mode"] == "dry_run" and dry["ledger_index"] is None and dry["total"] == 3
    assert _bidx(city_engine) == before  # nothing changed
    assert not any(b.startswith("pseudonym:") for b in _member_bidx(city_engine, apps["long_ago"]))

    with city_engine.connect() as c:
        size_before = ledger.get_log(c, "exchange").size
    done = _run(city_engine, settings, kr, apply=True)
    assert done["total"] == 3 and done["ledger_index"] == size_before
    after = _bidx(city_engine)
    for key in ("ended_long_ago", "ran_out_long_ago"):
        assert after[leases[key]] == f"pseudonym:{leases[key]}"
    for key in ("ended_lately", "running"):
        assert after[leases[key]] == before[leases[key]]
    with city_engine.connect() as c:
        row = c.execute(select(rental_leases).where(rental_leases.c.id == leases["ended_long_ago"])).one()
        assert kr.decrypt(row.tenant_name_enc, "rental_leases.tenant_name") == f"已匿名化承租人{row.lease_no}"
        assert rb.resident_id(501) not in kr.decrypt(row.tenant_id_enc, "rental_leases.tenant_id")
        assert row.rent_fen == 3_500_00 and row.tenant_account_id is None  # the figures stay
        doc = c.execute(
            select(application_documents).where(application_documents.c.application_id == apps["long_ago"])
        ).one()
        assert doc.content == b"" and doc.sha256 == "0" * 64
        # the blind index of the tenant no longer finds the lease
        assert (
            c.execute(
                select(func.count())
                .select_from(rental_leases)
                .where(rental_leases.c.tenant_bidx == kr.blind_index(rb.resident_id(501), "id_number"))
            ).scalar_one()
            == 0
        )
    assert all(b.startswith("pseudonym:") for b in _member_bidx(city_engine, apps["long_ago"]))
    for key in ("lately", "kept"):
        assert not any(b.startswith("pseudonym:") for b in _member_bidx(city_engine, apps[key]))

    # the ledger entry: the run and its counts, nothing personal; its inclusion proof exists
    with city_engine.connect() as c:
        entry = ledger.entry(c, "exchange", done["ledger_index"])
        data = json.loads(entry.data)
        assert data["type"] == "exchange.retention_run" and data["run"] == done["id"] and data["total"] == 3
        assert {r["rule"]: r["count"] for r in data["rules"]} == {
            "rental.leases.tenants": 2,
            "assistance.applications.refused": 1,
        }
        assert ledger.inclusion_proof(c, "exchange", done["ledger_index"]).index == done["ledger_index"]
        text = entry.data.decode()
        assert rb.resident_id(501) not in text and before[leases["ended_long_ago"]] not in text
        audits = (
            c.execute(
                select(audit_log.c.entity_id)
                .where(audit_log.c.action == "exchange.retention_run")
                .order_by(audit_log.c.id)
            )
            .scalars()
            .all()
        )
        assert audits == [str(dry["id"]), str(done["id"])]

    # idempotent: a second applied run finds nothing left and changes nothing
    again = _run(city_engine, settings, kr, apply=True)
    assert again["total"] == 0 and _bidx(city_engine) == after
    assert again["ledger_index"] == done["ledger_index"] + 1
    with city_engine.connect() as c:
        runs = retention.list_runs(c, offset=0, limit=10)
    assert [r["id"] for r in runs.items] == [again["id"], done["id"], dry["id"]] and runs.total == 3


def test_the_page_runs_retention_as_a_job_and_shows_the_run(city_engine: Engine, settings_for: Any) -> None:
    client = TestClient(create_app(settings_for(city_engine)))
    token, csrf = web_session(city_engine, "city")
    client.cookies.set("anju_session", token)
    page = client.get("/exchange/retention")
    assert page.status_code == 200 and "rental.leases.tenants" in page.text and "还没有执行记录" in page.text
    # an applied run without the confirmation is refused, and nothing is run
    r = client.post("/exchange/retention", data={"csrf_token": csrf, "mode": "apply"}, follow_redirects=False)
    assert r.status_code == 422 and "请先勾选确认" in r.text
    r = client.post("/exchange/retention", data={"csrf_token": csrf, "mode": "nuke"}, follow_redirects=False)
    assert r.status_code == 422 and "应为预演（dry_run）或执行（apply）" in r.text
    # refused before any job starts: no job row (so no run can come later), no run
    with city_engine.connect() as c:
        assert c.execute(select(func.count()).select_from(background_jobs)).scalar_one() == 0
        assert c.execute(select(func.count()).select_from(exchange_retention_runs)).scalar_one() == 0
    r = client.post(
        "/exchange/retention", data={"csrf_token": csrf, "mode": "apply", "confirm": "yes"}, follow_redirects=False
    )
    assert r.status_code == 303
    job = finished_job(client, r.headers["location"])
    assert job["status"] == "done", job
    run = client.get(job["result_path"])
    assert run.status_code == 200 and "/api/v1/ledger/exchange/proofs/inclusion?index=" in run.text
    assert "exchange.retention_run" not in run.text  # labels, not codes
    listing = client.get("/exchange/retention").text
    assert "执行" in listing and "第 " in listing
    # the district officer may not govern
    client.cookies.clear()
    token, _ = web_session(city_engine, "district")
    client.cookies.set("anju_session", token)
    assert client.get("/exchange/retention").status_code == 403


def test_the_command_line_runs_dry_by_default(
    city_engine: Engine, settings_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anju.cli import main

    settings = settings_for(city_engine)
    for name in ("database_url", "data_dir", "data_keys", "index_key", "environment"):
        value = getattr(settings, name)
        value = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        monkeypatch.setenv(f"ANJU_{name.upper()}", str(value))
    r = CliRunner().invoke(main, ["exchange", "retention"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output.strip().splitlines()[-1])
    assert out["mode"] == "dry_run" and out["ledger_index"] is None
    assert set(out["rules"]) == {"rental.leases.tenants", "assistance.applications.refused"}
    r = CliRunner().invoke(main, ["exchange", "retention", "--apply", "--today", "2030-01-01"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output.strip().splitlines()[-1])
    assert out["mode"] == "apply" and out["as_of"] == "2030-01-01" and out["ledger_index"] is not None


def test_rules_are_checked_and_cut_off_days_counted() -> None:
    rules = parse_rules(
        '[[rule]]\nid="x"\ndataset="rental.leases"\ntitle="t"\nclosed="c"\nafter_years=5\naction="archive"\n'
        'function="anju.rental:pseudonymise_closed"\n'
    )
    assert rules[0].before(date(2026, 12, 6)) == date(2021, 12, 6)
    leap = RetentionRule("x", "d", "t", "c", 1, "pseudonymise", "anju.rental:f")
    assert leap.before(date(2028, 2, 29)) == date(2027, 2, 28)
    for bad, reason in [
        ('[[rule]]\nid="x"\n', "missing"),
        (
            '[[rule]]\nid="x"\ndataset="d"\ntitle="t"\nclosed="c"\nafter_years=0\naction="archive"\nfunction="anju.r:f"\n',
            "after_years",
        ),
        (
            '[[rule]]\nid="x"\ndataset="d"\ntitle="t"\nclosed="c"\nafter_years=2\naction="delete"\nfunction="anju.r:f"\n',
            "action",
        ),
        (
            '[[rule]]\nid="x"\ndataset="d"\ntitle="t"\nclosed="c"\nafter_years=2\naction="archive"\nfunction="anju.r.tables:f"\n',
            "public API",
        ),
        ("not toml [", "not TOML"),
    ]:
        with pytest.raises(RuleError, match=reason):
            parse_rules(bad)


def test_the_shipped_rules_name_catalogue_datasets_and_exported_functions(tmp_path: Any) -> None:
    from anju import contexts
    from anju.core.settings import Settings
    from anju.exchange.catalogue import datasets

    ids = {d.id for d in datasets()}
    for rule in retention.rules(Settings(data_dir=tmp_path)):
        assert rule.dataset in ids
        module, _, name = rule.function.partition(":")
        assert name in __import__(module, fromlist=["__all__"]).__all__  # the context's public API
        assert callable(contexts.load(rule.function))
