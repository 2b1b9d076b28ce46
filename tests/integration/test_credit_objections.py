"""A subject's own credit file, objections (异议), repair (信用修复) and the credit report PDF, through
the HTTP API and the pages: own file only, verified identity only, upload limits, deadlines, decisions
and their effect (void / repair amendments, log leaves), officers' scoping, the report's inclusion
proofs checked with the stand-alone verifier (and a tampered entry failing).

Grade assertions that need the grades engine are in test_credit_objections_engine.py."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from anju import credit, ledger
from anju.app import create_app
from anju.core import clock
from anju.core.workdays import add_working_days
from anju.credit import report_pdf, worklist
from anju.credit.tables import credit_documents, credit_event_amendments, credit_objections, credit_repairs
from anju.ledger import verify
from anju.security import Caller, Role, accounts, keyring_from_settings, ledger_signing_seed
from anju.security.callers import Security
from tests.accounts import CITIZEN_ID, account_id, api_token, choose_world, web_session

AGENCY_CODE = "91110000600037341L"  # the seeded agency account's enterprise (tests/accounts.py)
PDF = b"%PDF-1.4\n%test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 10
VERIFY = Path(verify.__file__)
CLAIMED = "320102198505050038"  # declared by an account that never passed the real-name check


def _event(
    conn: Any, bidx: str, kind: str, severity: str, occurred_on: date, street: str | None, *, org: bool = False
) -> int:
    return credit.record_event(
        conn,
        credit.Event(
            subject_kind="org" if org else "person",
            subject_bidx=bidx,
            source=kind.split(".", maxsplit=1)[0] if not kind.startswith(("court", "good")) else "department",
            kind=kind,
            severity=severity,
            occurred_on=occurred_on,
            reference=f"T-{kind}-{occurred_on.isoformat()}",
            street_code=street,
            detail={"案由": "测试记录", "处理机关": "市住房保障和房产局"},
        ),
    )


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    yield from make_env(city_engine, settings_for)


def make_env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    """A citizen's events (of several kinds, ages, streets), the agency's, the landlord's, and the app."""
    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    me = kr.blind_index(CITIZEN_ID, "id_number")
    org = kr.blind_index(AGENCY_CODE, "credit_code")
    landlord = kr.blind_index("320102199003070025", "id_number")
    today = clock.today()
    with city_engine.begin() as conn:
        ev = {
            "minor": _event(conn, me, "rental.unfiled_lease", "minor", today - timedelta(days=40), w.street_s1),
            "serious": _event(conn, me, "assistance.sublet", "serious", today - timedelta(days=60), w.street_s1),
            "fixed": _event(
                conn, me, "assistance.false_materials", "serious", today - timedelta(days=800), w.street_s1
            ),
            "far": _event(conn, me, "rental.arrears", "major", today - timedelta(days=30), w.district_b + "001"),
            "old": _event(conn, me, "rental.other", "minor", today - timedelta(days=200), w.street_s2),
            "org": _event(
                conn, org, "rental.false_listing", "major", today - timedelta(days=20), w.street_s1, org=True
            ),
            "other": _event(conn, landlord, "rental.sublet", "serious", today - timedelta(days=10), w.street_s1),
        }
    app = create_app(settings)
    tokens: dict[str, str] = {}

    def h(who: str) -> dict[str, str]:
        tokens.setdefault(who, api_token(city_engine, who))
        return {"authorization": f"Bearer {tokens[who]}"}

    with TestClient(app) as client:
        yield {"engine": city_engine, "client": client, "h": h, "ev": ev, "world": w, "settings": settings}
    app.state.engine.dispose()


def _object(
    env: dict[str, Any],
    who: str,
    event_id: int,
    files: list[Any] | None = None,
    reason: str = "该记录与事实不符，已提供证明",
) -> Any:
    return env["client"].post(
        f"/api/v1/credit/me/events/{event_id}/objections",
        data={"reason": reason},
        files=files if files is not None else [("documents", ("proof.pdf", PDF, "application/pdf"))],
        headers=env["h"](who),
    )


def test_own_file_only_and_verified_identity_only(env: dict[str, Any]) -> None:
    c, h, ev = env["client"], env["h"], env["ev"]
    r = c.get("/api/v1/credit/me", headers=h("citizen"))
    assert r.status_code == 200, r.text
    body = r.json()
    ids = {e["id"] for e in body["events"]["items"]}
    assert ids == {ev["minor"], ev["serious"], ev["fixed"], ev["far"], ev["old"]}
    assert body["subject_kind"] == "person" and "*" in body["label"]
    e = next(e for e in body["events"]["items"] if e["id"] == ev["minor"])
    assert e["status"] == "effective" and e["detail"]["案由"] == "测试记录" and e["can_object"] and e["can_repair"]
    # the enterprise's file, by the agency account's unified social credit code
    r = c.get("/api/v1/credit/me", headers=h("agency"))
    assert [e["id"] for e in r.json()["events"]["items"]] == [ev["org"]] and r.json()["subject_kind"] == "org"
    # another subject's event: the same answer as a missing one
    assert c.get(f"/api/v1/credit/me/events/{ev['other']}", headers=h("citizen")).status_code == 404
    assert _object(env, "citizen", ev["other"]).status_code == 404
    assert _object(env, "agency", ev["minor"]).status_code == 404
    # an unverified citizen (a declared number grants nothing) is refused; the page says what to do
    sec = Security(env["settings"])
    from anju.security import NewAccount, create_account

    with env["engine"].begin() as conn:
        claim = NewAccount("claimer", "Test-Passw0rd!", Role.citizen, "赵声明", id_number=CLAIMED, phone="13800000099")
        create_account(conn, sec, claim, Caller.system("test"))
    r = c.get("/api/v1/credit/me", headers=h("claimer"))
    assert r.status_code == 403 and "实名认证" in r.json()["message"]
    assert _object(env, "claimer", ev["minor"]).status_code == 403
    token, _csrf = web_session(env["engine"], "claimer")
    c.cookies.set("anju_session", token)
    page = c.get("/credit/me")
    c.cookies.clear()
    assert page.status_code == 200 and "实名认证" in page.text and "信用记录" not in page.text


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ([("documents", ("a.gif", b"GIF89a", "image/gif"))], "type"),
        ([("documents", ("a.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf"))], "size"),
        ([("documents", ("a.png", PDF, "image/png"))], "magic"),
        ([("documents", (f"{i}.pdf", PDF, "application/pdf")) for i in range(11)], "count"),
    ],
)
def test_upload_limits(env: dict[str, Any], files: list[Any], reason: str) -> None:
    r = _object(env, "citizen", env["ev"]["minor"], files)
    assert r.status_code == 422, (reason, r.text)
    assert r.json()["errors"][0]["field"] == "documents"
    with env["engine"].connect() as conn:  # nothing written
        assert conn.execute(select(func.count()).select_from(credit_objections)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(credit_documents)).scalar_one() == 0


def test_objection_deadline_queue_and_one_open_per_event(env: dict[str, Any]) -> None:
    c, h, ev = env["client"], env["h"], env["ev"]
    r = _object(
        env,
        "citizen",
        ev["minor"],
        [("documents", ("p.pdf", PDF, "application/pdf")), ("documents", ("p.png", PNG, "image/png"))],
    )
    assert r.status_code == 201, r.text
    no = r.json()["number"]
    assert _object(env, "citizen", ev["minor"]).status_code == 409  # one open objection per event
    assert _object(env, "citizen", ev["serious"], []).status_code == 201
    assert _object(env, "citizen", ev["far"]).status_code == 201
    assert (
        c.post(
            f"/api/v1/credit/me/events/{ev['old']}/objections", data={"reason": "短"}, headers=h("citizen")
        ).status_code
        == 422
    )
    with env["engine"].begin() as conn:
        row = conn.execute(select(credit_objections).where(credit_objections.c.objection_no == no)).one()
        assert row.due_on == add_working_days(clock.today(), env["settings"].credit_objection_days)
        assert row.due_on.weekday() < 5 and row.ledger_index is not None and row.open == 1
        entry = json.loads(ledger.entry(conn, "credit", row.ledger_index).data)
        assert entry["type"] == "credit.objection" and len(entry["documents_sha256"]) == 2
        assert "该记录与事实不符" not in json.dumps(entry, ensure_ascii=False)  # the log holds the digest only
        # one objection overdue: listed first and marked
        conn.execute(
            update(credit_objections)
            .where(credit_objections.c.event_id == ev["serious"])
            .values(due_on=clock.today() - timedelta(days=3))
        )
    # the district officer of A sees A's streets only (the objection about district B is not theirs)
    items = c.get("/api/v1/credit/objections", headers=h("district")).json()["items"]
    assert [i["event_id"] for i in items] == [ev["serious"], ev["minor"]]
    assert items[0]["overdue"] and not items[1]["overdue"] and items[0]["subject_name"] is None
    assert len(c.get("/api/v1/credit/objections", headers=h("city")).json()["items"]) == 3
    far_no = next(
        i["objection_no"]
        for i in c.get("/api/v1/credit/objections", headers=h("city")).json()["items"]
        if i["event_id"] == ev["far"]
    )
    assert c.get(f"/api/v1/credit/objections/{far_no}", headers=h("district")).status_code == 404
    d = c.get(f"/api/v1/credit/objections/{no}", headers=h("district")).json()
    assert [x["filename"] for x in d["documents"]] == ["p.pdf", "p.png"]
    doc = c.get(f"/api/v1/credit/documents/{d['documents'][0]['id']}", headers=h("district"))
    assert doc.status_code == 200 and doc.content == PDF
    assert c.get(f"/api/v1/credit/me/documents/{d['documents'][0]['id']}", headers=h("citizen")).content == PDF
    assert c.get(f"/api/v1/credit/me/documents/{d['documents'][0]['id']}", headers=h("landlord")).status_code == 404
    # the workbench: the officer's objections due (one overdue), the citizen's open cases
    with env["engine"].connect() as conn:
        off = worklist.items(conn, _caller(env, "district"))
        mine = worklist.items(conn, _caller(env, "citizen"))
    assert ("待处理的信用异议", 2, 1) in [(i.label, i.count, i.urgent) for i in off]
    assert [i.count for i in mine] == [3]


def _caller(env: dict[str, Any], who: str) -> Caller:
    """The caller of a seeded account with its scope, as a request would carry it."""
    sec = Security(env["settings"])
    aid = account_id(env["engine"], who)
    with env["engine"].connect() as conn:
        role, division = conn.execute(
            select(accounts.c.role, accounts.c.division_code).where(accounts.c.id == aid)
        ).one()
        scope = sec.scope_for(conn, aid, Role(role), division)
    return Caller(aid, who, Role(role), division, scope)


def test_decisions_void_and_reject(env: dict[str, Any]) -> None:
    c, h, ev = env["client"], env["h"], env["ev"]
    upheld = _object(env, "citizen", ev["minor"]).json()["number"]
    rejected = _object(env, "citizen", ev["serious"]).json()["number"]
    path = f"/api/v1/credit/objections/{upheld}/decision"
    assert c.post(path, json={"outcome": "upheld", "reason": "理由成立"}, headers=h("clerk")).status_code == 403
    assert c.post(path, json={"outcome": "upheld", "reason": ""}, headers=h("district")).status_code == 422
    r = c.post(path, json={"outcome": "upheld", "reason": "经核查，记录有误"}, headers=h("district"))
    assert r.status_code == 200 and r.json()["status"] == "upheld", r.text
    assert c.post(path, json={"outcome": "rejected", "reason": "再次处理"}, headers=h("district")).status_code == 409
    r = c.post(
        f"/api/v1/credit/objections/{rejected}/decision",
        json={"outcome": "rejected", "reason": "记录属实"},
        headers=h("city"),
    )
    assert r.status_code == 200
    with env["engine"].connect() as conn:
        a = conn.execute(select(credit_event_amendments).where(credit_event_amendments.c.event_id == ev["minor"])).one()
        assert a.kind == "void" and a.reference == upheld and a.ledger_index is not None
        assert a.effective_on == clock.today() - timedelta(days=40)  # the event's own date: it never counted
        assert (
            conn.execute(
                select(credit_event_amendments).where(credit_event_amendments.c.event_id == ev["serious"])
            ).first()
            is None
        )
        o = conn.execute(select(credit_objections).where(credit_objections.c.objection_no == upheld)).one()
        assert o.open is None and o.decision_ledger_index is not None and o.decided_by == "district"
        assert json.loads(ledger.entry(conn, "credit", o.decision_ledger_index).data)["outcome"] == "upheld"
    mine = {e["id"]: e for e in c.get("/api/v1/credit/me", headers=h("citizen")).json()["events"]["items"]}
    assert mine[ev["minor"]]["status"] == "voided" and not mine[ev["minor"]]["can_object"]
    assert mine[ev["serious"]]["status"] == "effective" and mine[ev["serious"]]["can_object"]  # may object again
    assert [x["status"] for x in mine[ev["minor"]]["cases"]] == ["upheld"]
    assert _object(env, "citizen", ev["minor"]).status_code == 409  # a voided event takes no objection


def test_repair_rules_and_approval(env: dict[str, Any]) -> None:
    c, h, ev = env["client"], env["h"], env["ev"]

    def ask(event_id: int, basis: str, files: list[Any] | None = None) -> Any:
        return c.post(
            f"/api/v1/credit/me/events/{event_id}/repairs",
            data={"basis": basis, "statement": "已整改到位，提交整改报告"},
            files=files if files is not None else [("documents", ("fix.pdf", PDF, "application/pdf"))],
            headers=h("citizen"),
        )

    r = ask(ev["serious"], "period")
    assert r.status_code == 422 and "严重失信记录自发生之日起满 12 个月方可申请修复" in r.json()["message"]
    r = ask(ev["serious"], "rectification")
    assert r.status_code == 422 and "不适用整改修复" in r.json()["message"]
    r = ask(ev["fixed"], "period")
    assert r.status_code == 422 and "不可修复" in r.json()["message"]
    assert ask(ev["minor"], "period").status_code == 422  # minor: 3 months; 40 days have passed
    assert ask(ev["minor"], "rectification", []).status_code == 422  # rectification needs its proof
    r = ask(ev["minor"], "rectification")
    assert r.status_code == 201, r.text
    no = r.json()["number"]
    assert ask(ev["minor"], "rectification").status_code == 409
    old = ask(ev["old"], "period")  # 200 days after a minor event
    assert old.status_code == 201
    items = c.get("/api/v1/credit/repairs", headers=h("district")).json()["items"]
    assert {i["repair_no"] for i in items} == {no, old.json()["number"]}
    r = c.post(
        f"/api/v1/credit/repairs/{no}/decision",
        json={"outcome": "approved", "reason": "整改到位"},
        headers=h("district"),
    )
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    r = c.post(
        f"/api/v1/credit/repairs/{old.json()['number']}/decision",
        json={"outcome": "rejected", "reason": "材料不全"},
        headers=h("district"),
    )
    assert r.status_code == 200
    with env["engine"].connect() as conn:
        a = conn.execute(select(credit_event_amendments).where(credit_event_amendments.c.event_id == ev["minor"])).one()
        assert a.kind == "repair" and a.effective_on == clock.today() and a.reference == no
        rr = conn.execute(select(credit_repairs).where(credit_repairs.c.repair_no == no)).one()
        assert rr.decision_ledger_index is not None and rr.ledger_index is not None
    mine = {e["id"]: e for e in c.get("/api/v1/credit/me", headers=h("citizen")).json()["events"]["items"]}
    assert mine[ev["minor"]]["status"] == "repaired" and mine[ev["old"]]["status"] == "effective"


def test_report_pdf_proofs_verify_and_tampering_fails(env: dict[str, Any]) -> None:
    c, h, ev = env["client"], env["h"], env["ev"]
    no = _object(env, "citizen", ev["minor"]).json()["number"]
    c.post(
        f"/api/v1/credit/objections/{no}/decision",
        json={"outcome": "upheld", "reason": "记录有误"},
        headers=h("district"),
    )
    r = c.get("/api/v1/credit/me/report.pdf", headers=h("citizen"))
    assert r.status_code == 200 and r.content.startswith(b"%PDF") and r.headers["content-type"] == "application/pdf"
    rep = json.loads(report_pdf.attachment(r.content))
    head = rep["head"]
    key = ledger.published_key(ledger_signing_seed(env["settings"]))
    assert key is not None and verify.check_head(head, key) is None
    whats = {p["what"] for p in rep["proofs"]}
    assert {"event", "objection", "objection_decision", "amendment"} <= whats
    assert {p["ref"] for p in rep["proofs"] if p["what"] == "event"} == {
        str(ev[k]) for k in ("minor", "serious", "fixed", "far", "old")
    }
    root = bytes.fromhex(head["root"])
    for p in rep["proofs"]:
        leaf = verify.leaf_hash(p["entry"].encode("utf-8"), head["algorithm"])
        assert leaf.hex() == p["leaf_hash"]
        assert (
            verify.check_inclusion(
                leaf, p["index"], head["size"], [bytes.fromhex(x) for x in p["proof"]], root, head["algorithm"]
            )
            is None
        )
    # the stand-alone verifier itself (a file that imports nothing of Anju), on one item
    p = rep["proofs"][0]
    args = ["inclusion", "--algorithm", head["algorithm"], "--leaf-hash", p["leaf_hash"], "--index", str(p["index"]),
            "--size", str(head["size"]), "--root", head["root"], "--proof", ",".join(p["proof"])]  # fmt: skip
    assert subprocess.run([sys.executable, str(VERIFY), *args], check=False, capture_output=True).returncode == 0
    # tampering with an entry (say, its severity) makes the check fail
    forged = json.loads(p["entry"])
    forged["severity"] = "minor" if forged.get("severity") != "minor" else "serious"
    bad = verify.leaf_hash(json.dumps(forged, ensure_ascii=False, sort_keys=True).encode(), head["algorithm"])
    assert (
        verify.check_inclusion(
            bad, p["index"], head["size"], [bytes.fromhex(x) for x in p["proof"]], root, head["algorithm"]
        )
        is not None
    )
    args[args.index("--leaf-hash") + 1] = bad.hex()
    assert subprocess.run([sys.executable, str(VERIFY), *args], check=False, capture_output=True).returncode == 1
    # another subject's report holds none of these, and the landlord's file is the landlord's own
    other = json.loads(report_pdf.attachment(c.get("/api/v1/credit/me/report.pdf", headers=h("landlord")).content))
    assert [p["ref"] for p in other["proofs"] if p["what"] == "event"] == [str(ev["other"])]


def test_pages_objection_and_decision_with_confirmation(env: dict[str, Any]) -> None:
    c, ev = env["client"], env["ev"]
    token, csrf = web_session(env["engine"], "citizen")
    c.cookies.set("anju_session", token)
    page = c.get("/credit/me")
    assert page.status_code == 200 and "测试记录" not in page.text and f"/credit/me/events/{ev['minor']}" in page.text
    detail = c.get(f"/credit/me/events/{ev['minor']}")
    assert detail.status_code == 200 and "测试记录" in detail.text and "提出异议" in detail.text
    assert c.get(f"/credit/me/events/{ev['other']}").status_code == 404
    bad = c.post(f"/credit/me/events/{ev['minor']}/objection", data={"csrf_token": csrf, "reason": ""})
    assert bad.status_code == 422 and "请写明理由" in bad.text
    r = c.post(
        f"/credit/me/events/{ev['minor']}/objection",
        data={"csrf_token": csrf, "reason": "记录与事实不符"},
        files=[("documents", ("p.pdf", PDF, "application/pdf"))],
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    r = c.post(
        f"/credit/me/events/{ev['serious']}/repair",
        data={"csrf_token": csrf, "basis": "period", "statement": "公示期限已经届满"},
    )
    assert r.status_code == 422 and "满 12 个月方可申请修复" in r.text
    pdf = c.get("/credit/me/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    c.cookies.clear()
    token, csrf = web_session(env["engine"], "district")
    c.cookies.set("anju_session", token)
    queue = c.get("/credit/objections")
    assert queue.status_code == 200
    with env["engine"].connect() as conn:
        no = conn.execute(select(credit_objections.c.objection_no)).scalar_one()
    assert no in queue.text
    confirm = c.get(f"/credit/objections/{no}/confirm?outcome=upheld")
    assert confirm.status_code == 200 and "不能撤回" in confirm.text
    again = c.post(f"/credit/objections/{no}/decision", data={"csrf_token": csrf, "outcome": "upheld", "reason": ""})
    assert again.status_code == 422
    r = c.post(
        f"/credit/objections/{no}/decision",
        data={"csrf_token": csrf, "outcome": "upheld", "reason": "记录有误"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/credit/objections/{no}?done=decided"
    assert "异议成立" in c.get(f"/credit/objections/{no}").text
    assert c.get("/credit/repairs").status_code == 200
    c.cookies.clear()


def test_concurrent_double_submission_one_wins(env: dict[str, Any]) -> None:
    """Two submissions of an objection to one event racing: one is filed, the other refused (409)."""
    import threading

    results: list[int] = []
    barrier = threading.Barrier(2)
    env["h"]("citizen")  # the token is issued before the race, not by both racers at once

    def go() -> None:
        barrier.wait()
        results.append(_object(env, "citizen", env["ev"]["minor"]).status_code)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 409]
    with env["engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(credit_objections)).scalar_one() == 1


def test_one_open_case_per_event_objection_or_repair(env: dict[str, Any]) -> None:
    """An objection and a repair are never open on one event at once: the second is refused, naming
    the open case (the loser would otherwise be stuck: its decision cannot amend an amended event)."""
    c, h, ev = env["client"], env["h"], env["ev"]

    def repair(event_id: int) -> Any:
        return c.post(
            f"/api/v1/credit/me/events/{event_id}/repairs",
            data={"basis": "rectification", "statement": "已整改到位，提交整改报告"},
            files=[("documents", ("fix.pdf", PDF, "application/pdf"))],
            headers=h("citizen"),
        )

    r = _object(env, "citizen", ev["minor"])
    assert r.status_code == 201, r.text
    r2 = repair(ev["minor"])
    assert r2.status_code == 409 and r.json()["number"] in r2.json()["message"], r2.text
    r = repair(ev["old"])
    assert r.status_code == 201, r.text
    r2 = _object(env, "citizen", ev["old"])
    assert r2.status_code == 409 and r.json()["number"] in r2.json()["message"], r2.text
    with env["engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(credit_repairs)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(credit_objections)).scalar_one() == 1
