"""Case builders of housing assistance: fresh applications, draws and allocations per request (a write
consumes its record), the forms and bodies, and the set-up of the sample assistance records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from stdnum.cn import ric

from anju.core import clock
from anju.security import Caller, Role
from tests.accounts import account_id
from tests.authz.support import Ctx, Request

# --- housing assistance: fresh records per request (a write consumes its record) ------------------

RUN_BODY = {"seed": "385729", "seed_source": "矩阵测试现场", "witnesses": ["见证人甲"]}
RUN_FORM = {"seed": "385729", "seed_source": "矩阵测试现场", "witnesses": "见证人甲"}


def draws_in_scope(ctx: Ctx, who: str, resp: Any) -> None:
    allowed = ctx.streets_of(who)
    items = resp.json()["items"]
    assert items, f"{who} sees no draws"
    if allowed is not None:
        assert all(set(i["street_codes"]) & allowed for i in items), f"{who} sees draws outside its scope"


def freeze_body(x: dict[str, Any]) -> dict[str, Any]:
    return {"programme_code": "public_rental", "priority_class": x["priority"], "title": "矩阵摇号"}


def fresh(method: str, template: str, kind: str, body: Callable[[Ctx, dict[str, Any]], dict[str, Any]]) -> Any:
    """One variant per sample street; each request gets a fresh record of ``kind`` in that street."""

    def build(ctx: Ctx) -> list[Any]:
        def request(c: Ctx, who: str, s: str) -> Request:
            x = c.fresh_assistance(s, kind)
            return (method, template.format(**x), body(c, x))

        return [(s, s, lambda c, who, s=s: request(c, who, s)) for s in ctx.data]

    return build


def public_draw(template: str) -> Callable[[Ctx], list[Any]]:
    return lambda ctx: [("any", None, lambda c, who: ("GET", template.format(c.data[c.world.street_s1].drawn), {}))]


def assistance_samples(ctx: Ctx) -> None:
    """Per sample street: a frozen draw, a drawn one (one candidate has chosen, one waits its turn, a
    home is spare), the allocation and an open case."""
    from anju import assistance as al
    from anju import assistance as asvc
    from anju.assistance.domain import load_policies, sample_policy_path
    from anju.assistance.tables import draw_candidates
    from tests.assistance_builders import approved

    system = Caller.system("matrix")
    with ctx.engine.begin() as c:
        asvc.load_programmes(c, load_policies(sample_policy_path("320100")))
    for street, d in ctx.data.items():
        d.draw = ctx.fresh_assistance(street, "draw")["draw"]
        homes = [ctx.fresh_home(street), ctx.fresh_home(street)]
        with ctx.engine.begin() as c:
            first = approved(c, ctx.keyring, street, size=1, priority="matrix")
            second = approved(c, ctx.keyring, street, size=1, priority="matrix")
            al.make_assisted(c, "public_rental", homes, scope=system.scope)
            d.drawn = al.freeze_draw(c, system, "public_rental", "matrix", "矩阵摇号")
            al.run_draw(c, system, d.drawn, "385729", "矩阵", ["见证人"])
            dc = draw_candidates
            order = [
                int(x)
                for x in c.execute(
                    select(dc.c.application_id).where(dc.c.draw_id == d.drawn).order_by(dc.c.rank)
                ).scalars()
            ]
            assert sorted(order) == sorted([first, second])
            d.alloc = al.select_home(c, system, d.drawn, order[0], homes[0])
            d.next_app, d.spare_home = order[1], homes[1]
            d.case = al.open_case(c, system, order[0], "vacancy", {"空置天数": 200})


PUBLIC_PARTIES = ("citizen", "landlord", "agency")
PDF = b"%PDF-1.4\n%matrix\n"


def _person(n: int) -> str:
    body = f"3201021988{1 + (n // 1000) % 12:02d}03{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def app_body(ctx: Ctx, street: str | None = None) -> dict[str, Any]:
    n = next(ctx.counter)
    return {
        "programme_code": "public_rental",
        "street_code": street or ctx.world.street_s1,
        "members": [
            {
                "name": "矩阵申请人",
                "id_number": _person(n),
                "relation": "本人",
                "annual_income_yuan": "20000",
                "local_hukou": True,
                "hukou_years": 10,
                "social_insurance_months": 24,
                "employed": True,
            }
        ],
    }


def _applicant(ctx: Ctx, who: str) -> Caller:
    from anju.core.scope import Scope

    name = who if who in PUBLIC_PARTIES else "citizen"
    aid = account_id(ctx.engine, name)
    return Caller(aid, name, Role(name), None, Scope.own(aid))


def fresh_app(ctx: Ctx, who: str = "citizen", street: str | None = None, stage: str = "draft") -> int:
    """A new application of ``who`` (a public party; others get the citizen's) in ``street``, taken to
    ``stage``: draft (with a document), submitted (street level), notice, objection (notice + one open
    objection; returns the objection's id)."""
    from anju import assistance as asvc
    from anju.assistance.tables import applications

    caller = _applicant(ctx, who)
    body = app_body(ctx, street)
    cmd = asvc.ApplicationIn(body["programme_code"], body["street_code"], [asvc.MemberIn(**m) for m in body["members"]])
    with ctx.engine.begin() as c:
        app_id = asvc.create_draft(c, ctx.keyring, caller, cmd)
        ctx.docs[app_id] = asvc.add_document(c, caller, app_id, "身份证明", "id.pdf", "application/pdf", PDF)
        if stage == "draft":
            return app_id
        asvc.submit(c, caller, app_id)
        if stage == "submitted":
            return app_id
        c.execute(
            applications.update()
            .where(applications.c.id == app_id)
            .values(status="notice", level=None, due_at=None, notice_until=clock.now())
        )
        if stage == "notice":
            return app_id
        if stage == "approved":
            c.execute(applications.update().where(applications.c.id == app_id).values(status="approved"))
            return app_id
        return asvc.object_to(c, caller, app_id, "矩阵异议")


def own_app(method: str, template: str, stage: str = "draft", **kw: Any) -> Callable[[Ctx], list[Any]]:
    """One variant: the caller's own new application (public parties); staff get the citizen's."""

    def build(ctx: Ctx) -> list[Any]:
        def req(c: Ctx, who: str) -> Request:
            app_id = fresh_app(c, who, stage=stage)
            extra = {k: (v(c) if callable(v) else v) for k, v in kw.items()}
            return (method, template.format(app=app_id, doc=c.docs[app_id]), extra)

        return [("own", None, req)]

    return build


def street_app(method: str, template: str, stage: str, **kw: Any) -> Callable[[Ctx], list[Any]]:
    """One variant per sample street: a new application there at ``stage``."""

    def build(ctx: Ctx) -> list[Any]:
        out = []
        for street in ctx.data:

            def req(c: Ctx, who: str, s: str = street) -> Request:
                pk = fresh_app(c, "citizen", s, stage)
                return (method, template.format(app=pk, doc=c.docs.get(pk, 0)), dict(kw))

            out.append((street, street, req))
        return out

    return build


def per_street_app(method: str, template: str) -> Callable[[Ctx], list[Any]]:
    """One variant per sample street, reading that street's standing sample application."""

    def build(ctx: Ctx) -> list[Any]:
        return [
            (s, s, lambda c, who, s=s: (method, template.format(app=c.data[s].app, doc=c.data[s].doc), {}))
            for s in ctx.data
        ]

    return build


def doc_file(c: Ctx) -> dict[str, Any]:
    return {"file": ("a.pdf", PDF, "application/pdf")}


def application_form(ctx: Ctx) -> dict[str, Any]:
    b = app_body(ctx)
    m = b["members"][0]
    return {
        "programme_code": b["programme_code"],
        "street_code": b["street_code"],
        "m0_name": m["name"],
        "m0_id": m["id_number"],
        "m0_income": "20000",
        "m0_hukou": "on",
        "m0_hukou_years": "10",
    }


def assistance_setup(c: Ctx) -> None:
    """Programmes loaded; a submitted sample application (with a document) in each sample street."""
    from anju import assistance as asvc
    from anju.assistance import domain as ad

    with c.engine.begin() as conn:
        asvc.load_programmes(conn, ad.load_policies(ad.sample_policy_path("320100")))
    for street in c.data:
        app_id = fresh_app(c, "citizen", street, "submitted")
        c.data[street].app = app_id
        c.data[street].doc = c.docs[app_id]
