"""Sample records of random inspections (双随机) for the authorisation matrix: subjects in S1 (district
A) and in B's street, and per street a frozen and a drawn draw of that street's district (made once),
or fresh ones for the writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from anju.credit import inspections
from anju.security import Caller
from tests.authz.support import TODAY, Ctx
from tests.credit_inspection_builders import subject

RUN_BODY = {"seed": "385729", "seed_source": "矩阵测试现场", "witnesses": ["见证人甲"]}
RUN_FORM = {"seed": "385729", "seed_source": "矩阵测试现场", "witnesses": "见证人甲"}
OUTCOME_BODY = {"outcome": "clean", "inspected_on": TODAY}

_made: dict[int, dict[str, Any]] = {}


def streets(ctx: Ctx) -> list[str]:
    """S1 (district A) and the street of district B."""
    w = ctx.world
    return [w.street_s1, next(s for s in ctx.data if s not in (w.street_s1, w.street_s2))]


def _district(ctx: Ctx, street: str) -> str:
    return ctx.world.district_a if street == ctx.world.street_s1 else ctx.world.district_b


def samples(ctx: Ctx) -> dict[str, Any]:
    """Once per matrix world: a subject per street, and per street a frozen and a drawn draw."""
    key = id(ctx)
    if key not in _made:
        with ctx.engine.begin() as conn:
            for s in streets(ctx):
                subject(conn, "agency", _district(ctx, s), s, "D", name=f"矩阵测试经纪机构{s}", tag="matrix")
        _made[key] = {s: {"frozen": fresh_draw(ctx, s), "drawn": fresh_draw(ctx, s, drawn=True)} for s in streets(ctx)}
    return _made[key]


def fresh_draw(ctx: Ctx, street: str, *, drawn: bool = False) -> int:
    """A draw of the street's district (its inspector: ``city``), made by a system job."""
    system = Caller.system("matrix")
    d = inspections.DrawIn("矩阵测试抽查", ["agency"], 1, ["city"], _district(ctx, street))
    with ctx.engine.begin() as conn:
        draw_id = inspections.freeze_draw(conn, system, d)
        if drawn:
            inspections.run_draw(conn, system, draw_id, "385729", "矩阵", ["见证人"])
    return draw_id


def freeze_body(ctx: Ctx) -> dict[str, Any]:
    samples(ctx)
    return {
        "title": "矩阵测试抽查",
        "subject_types": ["agency"],
        "district_code": ctx.world.district_a,
        "sample_size": 1,
        "inspectors": ["district"],
    }


def freeze_form(ctx: Ctx) -> dict[str, Any]:
    b = freeze_body(ctx)
    return {**b, "sample_size": "1", "w_A": "1", "w_B": "2", "w_C": "3", "w_D": "4", "w_ungraded": "2"}


def per_draw(method: str, template: str, which: str, **kw: Any) -> Callable[[Ctx], list[Any]]:
    """One variant per street (S1, B): the path filled with that street's sample draw (frozen or drawn)."""

    def build(ctx: Ctx) -> list[Any]:
        return [
            (s, s, lambda c, who, s=s: (method, template.format(samples(c)[s][which]), dict(kw))) for s in streets(ctx)
        ]

    return build


def fresh(method: str, template: str, drawn: bool, **kw: Any) -> Callable[[Ctx], list[Any]]:
    """One variant per street (S1, B); each request gets a fresh draw of that street's district."""

    def build(ctx: Ctx) -> list[Any]:
        def request(c: Ctx, s: str) -> Any:
            samples(c)
            draw = c.reused(("inspection", s, drawn), lambda: fresh_draw(c, s, drawn=drawn))
            return (method, template.format(draw), dict(kw))

        return [(s, s, lambda c, who, s=s: request(c, s)) for s in streets(ctx)]

    return build


def public(template: str) -> Callable[[Ctx], list[Any]]:
    return lambda ctx: [
        ("any", None, lambda c, who: ("GET", template.format(samples(c)[c.world.street_s1]["drawn"]), {}))
    ]


def with_body(method: str, path: str, body: Callable[[Ctx], dict[str, Any]], key: str) -> Callable[[Ctx], list[Any]]:
    return lambda ctx: [("any", None, lambda c, who: (method, path, {key: body(c)}))]
