"""Case builders of housing assistance: fresh applications, draws and allocations per request (a write
consumes its record), the forms and bodies, and the set-up of the sample assistance records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from stdnum.cn import ric

from anju.core import clock
from anju.security import Caller, Role
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, account_id, verified_person
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
            x = c.reused(("assistance", s, kind), lambda: c.fresh_assistance(s, kind))
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


#: The verified identities of the public accounts that may apply (tests.accounts seeds them).
IDENTITIES = {"citizen": (CITIZEN_ID, CITIZEN_NAME), "landlord": ("320102199003070025", "王房东")}


def app_body(ctx: Ctx, street: str | None = None) -> dict[str, Any]:
    """A household of one: 本人, whose name and number the service takes from the verified account."""
    return {
        "programme_code": "public_rental",
        "street_code": street or ctx.world.street_s1,
        "members": [
            {
                "name": "",
                "id_number": "",
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

    name = who if who in IDENTITIES else "citizen"
    aid = account_id(ctx.engine, name)
    return Caller(aid, name, Role(name), None, Scope.own(aid))


def _stranger(ctx: Ctx) -> Caller:
    """A new verified citizen (applications the staff act on belong to people of their own, so that
    the seeded accounts' own applications never collide with them as pending members)."""
    from anju.core.scope import Scope

    assert ctx.settings is not None
    n = next(ctx.counter)
    username = f"applicant{n}"
    aid = verified_person(ctx.engine, ctx.settings, username, "矩阵申请人", _person(n), f"1370{n:07d}")
    return Caller(aid, username, Role.citizen, None, Scope.own(aid))


def _close_pending(ctx: Ctx, caller: Caller) -> None:
    """Withdraw the caller's pending applications (a person is in one pending application at a time;
    each request of the matrix gets a fresh one)."""
    from anju.assistance.tables import application_members, applications

    pending = ("submitted", "returned", "notice", "approved")
    with ctx.engine.begin() as c:
        ids = (
            c.execute(
                select(applications.c.id).where(
                    applications.c.account_id == caller.account_id, applications.c.status.in_(pending)
                )
            )
            .scalars()
            .all()
        )
        if ids:
            c.execute(applications.update().where(applications.c.id.in_(ids)).values(status="withdrawn"))
            c.execute(
                application_members.update().where(application_members.c.application_id.in_(ids)).values(pending=None)
            )


def fresh_app(
    ctx: Ctx, who: str = "citizen", street: str | None = None, stage: str = "draft", *, own: bool = True
) -> int:
    """A new application of ``who`` (a person who may apply; others get the citizen's) — or, with
    ``own`` off, of a new verified person — in ``street``, taken to ``stage``: draft (with a
    document), submitted (street level), notice, objection (notice + one open objection; returns the
    objection's id)."""
    from anju import assistance as asvc
    from anju.assistance.tables import applications

    if own:
        caller = _applicant(ctx, who)
        _close_pending(ctx, caller)
    else:
        caller = _stranger(ctx)
    body = app_body(ctx, street)
    cmd = asvc.ApplicationIn(body["programme_code"], body["street_code"], [asvc.MemberIn(**m) for m in body["members"]])
    with ctx.engine.begin() as c:
        app_id = asvc.create_draft(c, ctx.keyring, caller, cmd)
        ctx.docs[app_id] = asvc.add_document(c, caller, app_id, "身份证明", "id.pdf", "application/pdf", PDF)
        if stage == "draft":
            return app_id
        asvc.submit(c, ctx.keyring, caller, app_id)
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
                pk = c.reused(("application", s, stage), lambda: fresh_app(c, "citizen", s, stage, own=False))
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
    return {
        "programme_code": b["programme_code"],
        "street_code": b["street_code"],
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
        app_id = fresh_app(c, "citizen", street, "submitted", own=False)
        c.data[street].app = app_id
        c.data[street].doc = c.docs[app_id]


def named_app(ctx: Ctx, who: str, consented: bool = False) -> int:
    """A new draft of another person naming ``who`` (a person who may apply; others: the citizen) as a
    household member, with ``who``'s consent already given when ``consented``."""
    from anju import assistance as asvc
    from anju.assistance.tables import member_consents

    name = who if who in IDENTITIES else "citizen"
    idn, person = IDENTITIES[name]
    applicant = _stranger(ctx)
    body = app_body(ctx)
    members = [asvc.MemberIn(**m) for m in body["members"]] + [asvc.MemberIn(person, idn, "其他", "0")]
    with ctx.engine.begin() as c:
        app_id = asvc.create_draft(
            c, ctx.keyring, applicant, asvc.ApplicationIn("public_rental", body["street_code"], members)
        )
        if consented:
            c.execute(
                member_consents.insert().values(
                    application_id=app_id,
                    member_bidx=ctx.keyring.blind_index(idn, "id_number"),
                    account_id=account_id(ctx.engine, name),
                    consented_at=clock.now(),
                )
            )
    return app_id


def consent_case(method: str, template: str, consented: bool = False) -> Callable[[Ctx], list[Any]]:
    """One variant: a draft of someone else that names the caller (staff: the citizen) as a member."""

    def build(ctx: Ctx) -> list[Any]:
        def req(c: Ctx, who: str) -> Request:
            return (method, template.format(app=named_app(c, who, consented)), {})

        return [("named", None, req)]

    return build
