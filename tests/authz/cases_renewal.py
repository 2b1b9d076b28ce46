"""Authorisation-matrix cases of urban renewal. Reads and writes are policy-level (a project that does
not exist: an allowed caller gets 404; an empty body: 422 after the policy), except a project's page and
API detail, which are exercised per sample street (a shanty-town project on each street's estate, made
on first use): in scope 200, out of scope 404. The public page and progress are open to anyone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from anju.core import clock
from anju.renewal.tables import renewal_projects
from tests.authz.support import Case, Ctx, one

API = "/api/v1/renewal"
NO = "999999"
ABSENT = {404, 422}


def _project(ctx: Ctx, street: str) -> int:
    """The sample street's shanty-town project (entered through the service on first use)."""
    from anju.core.settings import Settings
    from anju.renewal import projects
    from anju.security import Caller

    estate = ctx.data[street].estate
    with ctx.engine.begin() as conn:
        found = conn.execute(
            select(renewal_projects.c.id).where(
                renewal_projects.c.estate_id == estate, renewal_projects.c.kind == "shanty"
            )
        ).scalar_one_or_none()
        if found is not None:
            return int(found)
        assert isinstance(ctx.settings, Settings)
        cmd = projects.ProjectIn(
            "shanty", "矩阵棚改", estate, clock.today() - timedelta(days=3), "矩阵区", "100", 1, shanty_mode="retain"
        )
        return projects.create_project(conn, ctx.settings, Caller.system("matrix"), cmd)


def _per_project(method: str, template: str, **kw: Any) -> Any:
    def build(ctx: Ctx) -> list[Any]:
        return [(s, s, lambda c, who, s=s: (method, template.format(id=_project(c, s)), dict(kw))) for s in ctx.data]

    return build


CASES: dict[tuple[str, str], Case] = {
    # pages
    ("GET", "/renewal"): Case(one("GET", "/renewal"), scoping=None, perm="renewal.read"),
    ("GET", "/renewal/lifts"): Case(one("GET", "/renewal/lifts"), scoping=None, perm="renewal.read"),
    ("GET", "/renewal/progress"): Case(one("GET", "/renewal/progress"), scoping=None, perm="renewal.read"),
    ("GET", "/renewal/public"): Case(one("GET", "/renewal/public"), scoping=None, perm="public"),
    ("GET", "/renewal/projects/new"): Case(one("GET", "/renewal/projects/new"), scoping=None, perm="renewal.manage"),
    ("POST", "/renewal/projects"): Case(
        one("POST", "/renewal/projects", data={}), ok={422}, scoping=None, perm="renewal.manage"
    ),
    ("GET", "/renewal/projects/{project_id}"): Case(_per_project("GET", "/renewal/projects/{id}"), perm="renewal.read"),
    **{
        ("POST", f"/renewal/projects/{{project_id}}/{what}"): Case(
            one("POST", f"/renewal/projects/{NO}/{what}", data={}), ok=ABSENT, scoping=None, perm="renewal.manage"
        )
        for what in ("steps", "contents", "funding", "consent", "floors")
    },
    # API
    ("GET", f"{API}/projects"): Case(one("GET", f"{API}/projects"), scoping=None, perm="renewal.read"),
    ("GET", f"{API}/projects.csv"): Case(one("GET", f"{API}/projects.csv"), scoping=None, perm="renewal.read"),
    ("POST", f"{API}/projects"): Case(
        one("POST", f"{API}/projects", json={}), ok={422}, scoping=None, perm="renewal.manage"
    ),
    ("GET", f"{API}/projects/{{project_id}}"): Case(_per_project("GET", API + "/projects/{id}"), perm="renewal.read"),
    ("POST", f"{API}/projects/{{project_id}}/steps"): Case(
        one("POST", f"{API}/projects/{NO}/steps", json={"status": "planned", "on": "2026-01-01", "unit": "矩阵"}),
        ok={404},
        scoping=None,
        perm="renewal.manage",
    ),
    ("PUT", f"{API}/projects/{{project_id}}/contents"): Case(
        one("PUT", f"{API}/projects/{NO}/contents", json={"codes": ["B01"]}),
        ok={404},
        scoping=None,
        perm="renewal.manage",
    ),
    ("PUT", f"{API}/projects/{{project_id}}/funding"): Case(
        one("PUT", f"{API}/projects/{NO}/funding", json={"amounts_fen": {"city": 1}}),
        ok={404},
        scoping=None,
        perm="renewal.manage",
    ),
    ("POST", f"{API}/projects/{{project_id}}/consent"): Case(
        one("POST", f"{API}/projects/{NO}/consent", json={"on": "2026-01-01", "asked": 2, "agreed": 1}),
        ok={404},
        scoping=None,
        perm="renewal.manage",
    ),
    ("PUT", f"{API}/projects/{{project_id}}/floors"): Case(
        one("PUT", f"{API}/projects/{NO}/floors", json={"floors": [{"floor_no": 1, "owners": 1, "agreeing": 1}]}),
        ok={404},
        scoping=None,
        perm="renewal.manage",
    ),
    ("GET", f"{API}/lifts"): Case(one("GET", f"{API}/lifts"), scoping=None, perm="renewal.read"),
    ("GET", f"{API}/lifts/figures"): Case(one("GET", f"{API}/lifts/figures"), scoping=None, perm="renewal.read"),
    ("GET", f"{API}/eligibility"): Case(
        one("GET", f"{API}/eligibility", params={"kind": "shanty", "estate_id": NO}),
        ok={422},
        scoping=None,
        perm="renewal.read",
    ),
    ("GET", f"{API}/catalogue"): Case(one("GET", f"{API}/catalogue"), scoping=None, perm="renewal.read"),
    ("GET", f"{API}/progress"): Case(one("GET", f"{API}/progress"), scoping=None, perm="renewal.read"),
    ("GET", f"{API}/progress.csv"): Case(one("GET", f"{API}/progress.csv"), scoping=None, perm="renewal.read"),
    ("GET", f"{API}/public/progress"): Case(one("GET", f"{API}/public/progress"), scoping=None, perm="public"),
}
