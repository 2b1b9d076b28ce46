"""Objections and repair with the grades engine (issue 20, builder "grades"): an upheld objection and an
approved repair recompute the subject's grade in the decision's transaction, and the report proves the
grade changes. Skipped until ``anju.credit.grading`` is part of the build (the lead runs it after
merging)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from anju.core import clock
from anju.credit import report_pdf
from anju.credit.tables import credit_grade_changes, credit_grades
from tests.integration.test_credit_objections import _object, make_env

pytest.importorskip("anju.credit.grading", reason="the grades engine (builder 'grades') is not merged yet")


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    yield from make_env(city_engine, settings_for)


def _grade(env: dict[str, Any], bidx: str) -> Any:
    with env["engine"].connect() as conn:
        return conn.execute(select(credit_grades).where(credit_grades.c.subject_bidx == bidx)).one()


def _me(env: dict[str, Any]) -> str:
    from anju.security import keyring_from_settings
    from tests.accounts import CITIZEN_ID

    return keyring_from_settings(env["settings"]).blind_index(CITIZEN_ID, "id_number")


def test_upheld_objection_recomputes_the_grade(env: dict[str, Any]) -> None:
    c, h, ev = env["client"], env["h"], env["ev"]
    before = _grade(env, _me(env))
    no = _object(env, "citizen", ev["serious"]).json()["number"]
    r = c.post(
        f"/api/v1/credit/objections/{no}/decision",
        json={"outcome": "upheld", "reason": "记录有误"},
        headers=h("district"),
    )
    assert r.status_code == 200
    after = _grade(env, _me(env))
    assert after.score_centi > before.score_centi and after.events == before.events - 1
    with env["engine"].connect() as conn:
        causes = conn.execute(
            select(credit_grade_changes.c.cause, credit_grade_changes.c.cause_ref).where(
                credit_grade_changes.c.subject_bidx == _me(env)
            )
        ).all()
    if after.grade != before.grade:
        assert ("void", no) in [tuple(x) for x in causes]
    body = c.get("/api/v1/credit/me", headers=h("citizen")).json()
    assert body["grade"]["score_centi"] == after.score_centi
    rep = json.loads(report_pdf.attachment(c.get("/api/v1/credit/me/report.pdf", headers=h("citizen")).content))
    assert rep["grade"]["edition"] == after.edition
    if causes:
        assert any(p["what"] == "grade" for p in rep["proofs"])


def test_approved_repair_recomputes_the_grade(env: dict[str, Any]) -> None:
    c, h, ev = env["client"], env["h"], env["ev"]
    before = _grade(env, _me(env))
    r = c.post(
        f"/api/v1/credit/me/events/{ev['old']}/repairs",
        data={"basis": "period", "statement": "公示期已满，已整改"},
        headers=h("citizen"),
    )
    assert r.status_code == 201, r.text
    no = r.json()["number"]
    r = c.post(
        f"/api/v1/credit/repairs/{no}/decision",
        json={"outcome": "approved", "reason": "符合修复条件"},
        headers=h("district"),
    )
    assert r.status_code == 200
    after = _grade(env, _me(env))
    assert after.score_centi >= before.score_centi and after.as_of >= clock.today() - timedelta(days=1)
