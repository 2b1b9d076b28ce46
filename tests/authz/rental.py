"""Case builders of rental supervision: guidance editions, listings and verification codes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from anju.core import clock
from anju.security import Caller, Role
from tests.accounts import account_id
from tests.authz.support import Ctx, Request

# --- rental: guidance rents and rent monitoring (H5) -------------------------------------------------


def guidance_edition(ctx: Ctx, status: str = "draft") -> int:
    """A new edition row (no ranges) in ``status``; published ones are made once and reused."""
    import json as _json
    from datetime import timedelta

    from anju.rental.tables import rental_guidance_editions as ge

    if status == "published" and ctx.guidance_published is not None:
        return ctx.guidance_published
    n = next(ctx.counter)
    end = clock.today() - timedelta(days=1)
    with ctx.engine.begin() as conn:
        pk = conn.execute(
            ge.insert()
            .values(
                edition_no=f"ZDM{n:06d}",
                period_start=end - timedelta(days=364),
                period_end=end,
                effective_from=end if status == "published" else None,
                method=_json.dumps({"coefficients": {}}),
                leases_used=0,
                status=status,
                computed_at=clock.now(),
            )
            .returning(ge.c.id)
        ).scalar_one()
    if status == "published":
        ctx.guidance_published = pk
    return int(pk)


def guidance_draft(method: str, template: str, **kw: Any) -> Callable[[Ctx], list[Any]]:
    return lambda ctx: [("draft", None, lambda c, who: (method, template.format(id=guidance_edition(c)), dict(kw)))]


# --- rental: listings (房源发布与核验) -------------------------------------------------------------


def _listing_home(ctx: Ctx, street: str) -> Any:
    from tests import rental_builders as rb

    with ctx.engine.begin() as c:
        return rb.free_homes(c, street)[0]


def listing_body(ctx: Ctx, street: str | None = None) -> dict[str, Any]:
    h = _listing_home(ctx, street or ctx.world.street_s1)
    return {
        "house_code": h.house_code,
        "title": "矩阵房源",
        "area": str(h.construction_area),
        "bedrooms": 2,
        "floor": h.floor_no,
        "rent_fen": 300000,
        "deposit_fen": 300000,
        "photos": 5,
    }


def listing_form(ctx: Ctx) -> dict[str, str]:
    """The page form's fields (yuan, text) of :func:`listing_body`."""
    b = listing_body(ctx)
    return {
        "house_code": b["house_code"], "title": b["title"], "area": b["area"], "bedrooms": "2",
        "floor": str(b["floor"] or 1), "rent_yuan": "3000", "deposit_yuan": "3000", "photos": "5",
    }  # fmt: skip


def own_listing_of(ctx: Ctx, who: str, status: str = "draft") -> int:
    """A listing of ``who`` (landlord or agency; others get the landlord's)."""
    from anju.core.scope import Scope
    from anju.rental import listings as ls

    name = who if who in ("landlord", "agency") else "landlord"
    aid = account_id(ctx.engine, name)
    caller = Caller(aid, name, Role(name), None, Scope.own(aid))
    b = listing_body(ctx)
    with ctx.engine.begin() as c:
        cmd = ls.ListingIn(
            b["house_code"], None, b["title"], "", Decimal(b["area"]), 2, 1, b["floor"], 300000, 300000, 5
        )
        lid = ls.create_listing(c, caller, cmd)
        if status != "draft":
            from anju.rental import domain as rd
            from anju.rental.tables import rental_listings as tl

            # unique per listing whatever ran before (n % 31 alone repeats after 31 listings)
            n = next(ctx.counter)
            code = rd.make_verify_code([n % 31, n // 31 % 31, n // 961 % 31, *range(7)])
            c.execute(
                tl.update()
                .where(tl.c.id == lid)
                .values(status=status, active=1, verified_at=clock.now(), verify_code=code)
            )
    return lid


def own_listing(method: str, template: str, status: str = "draft", **kw: Any) -> Callable[[Ctx], list[Any]]:
    def build(ctx: Ctx) -> list[Any]:
        def req(c: Ctx, who: str) -> Request:
            extra = {k: (v(c) if callable(v) else v) for k, v in kw.items()}
            return (method, template.format(id=own_listing_of(c, who, status)), extra)

        return [("own", None, req)]

    return build


def street_listing(method: str, template: str, **kw: Any) -> Callable[[Ctx], list[Any]]:
    """One variant per sample street: a fresh listing there waiting for review."""

    def build(ctx: Ctx) -> list[Any]:
        def make(c: Ctx, street: str) -> int:
            from tests import rental_builders as rb

            with c.engine.begin() as conn:
                return rb.listing(conn, rb.free_homes(conn, street)[0], status="pending_review")

        return [(s, s, lambda c, who, s=s: (method, template.format(id=make(c, s)), dict(kw))) for s in ctx.data]

    return build


def a_public_code(ctx: Ctx) -> str:
    if ctx.listing_code is None:
        from anju.rental.tables import rental_listings as tl

        lid = own_listing_of(ctx, "landlord", "published")
        with ctx.engine.connect() as c:
            ctx.listing_code = c.execute(select(tl.c.verify_code).where(tl.c.id == lid)).scalar_one()
    return str(ctx.listing_code)


def public_code(method: str, template: str) -> Callable[[Ctx], list[Any]]:
    return lambda ctx: [("code", None, lambda c, who: (method, template.format(code=a_public_code(c)), {}))]
