"""Authorisation-matrix cases of market monitoring, part "health": the health evaluation, the early
warnings (read, acknowledge, close) and the forecasts (see cases_market.py).

An area's figures are scoped like a division: district A's (street S1's district) are the district
officer's, district B's are not (404, as missing), the city's are everyone's who reads. The sample rows
(scores of one month per area, and warnings) are written once into the latest finished run (made if
there is none), so the cases hold whichever part's cases ran before; each handling request gets a
fresh warning."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select

from anju.core import clock
from anju.market import domain
from anju.market.runs import finish_run, latest_run, start_run
from anju.market.tables import market_health_scores, market_indicator_values, market_warnings
from tests.authz.support import Case, Ctx, one

API = "/api/v1/market"
MONTH = "2026-01"
NOTE = {"note": "矩阵测试：已核查"}
_seq = itertools.count(1)


def _streets(ctx: Ctx) -> list[str]:
    """S1 (district A) and the street of district B."""
    w = ctx.world
    return [w.street_s1, next(s for s in ctx.data if s not in (w.street_s1, w.street_s2))]


def _area(ctx: Ctx, street: str) -> str:
    return ctx.world.district_a if street == ctx.world.street_s1 else ctx.world.district_b


def _run_id(ctx: Ctx) -> int:
    """The latest finished run, with one month's scores for district A, district B and the city."""
    w = ctx.world
    with ctx.engine.begin() as conn:
        run = latest_run(conn)
        if run is None:
            r = start_run(
                conn,
                engine="duckdb",
                first_month="2024-01",
                last_month=MONTH,
                edition=None,
                params={"matrix": True},
                started_by="matrix",
            )
            finish_run(conn, r.id, status="done", summary={"matrix": True})
            run_id = r.id
        else:
            run_id = run.id
        hs = market_health_scores.c
        have = {
            r[0] for r in conn.execute(select(hs.area_code).where(hs.run_id == run_id, hs.month == MONTH).distinct())
        }
        for area in {w.district_a, w.district_b, w.city} - have:
            conn.execute(
                insert(market_health_scores),
                [
                    {
                        "run_id": run_id,
                        "area_code": area,
                        "month": MONTH,
                        "dimension": d,
                        "score": 70.0,
                        "grade": "基本健康",
                        "contributions": json.dumps({"edition": "nj-sample-2021", "parts": []}),
                    }
                    for d in (*domain.DIMENSIONS, domain.TOTAL)
                ],
            )
            conn.execute(
                insert(market_indicator_values),
                {
                    "run_id": run_id,
                    "area_code": area,
                    "month": MONTH,
                    "indicator": "months_of_supply",
                    "value": 12.0,
                    "score": 100.0,
                    "inputs": "{}",
                },
            )
    return run_id


def fresh_warning(ctx: Ctx, area: str) -> int:
    run_id = _run_id(ctx)
    with ctx.engine.begin() as conn:
        return int(
            conn.execute(
                insert(market_warnings)
                .values(
                    rule=f"matrix_{next(_seq)}_{id(ctx) % 10000}",
                    edition="nj-sample-2021",
                    indicator="months_of_supply",
                    area_code=area,
                    month=MONTH,
                    severity="yellow",
                    message="矩阵测试预警",
                    inputs="{}",
                    status="open",
                    run_id=run_id,
                    raised_at=clock.now(),
                )
                .returning(market_warnings.c.id)
            ).scalar_one()
        )


_samples: dict[int, dict[str, int]] = {}


def sample_warning(ctx: Ctx, area: str) -> int:
    made = _samples.setdefault(id(ctx), {})
    if area not in made:
        made[area] = fresh_warning(ctx, area)
    return made[area]


def per_area(method: str, template: str, **kw: Any) -> Callable[[Ctx], list[Any]]:
    """One variant per district (A through S1, B through its street) and the city (everyone's)."""

    def build(ctx: Ctx) -> list[Any]:
        def request(c: Ctx, area: str) -> Any:
            _run_id(c)
            return (method, template.format(area=area, month=MONTH), dict(kw))

        out: list[Any] = [(s, s, lambda c, who, s=s: request(c, _area(c, s))) for s in _streets(ctx)]
        out.append(("city", None, lambda c, who: request(c, c.world.city)))
        return out

    return build


def per_warning(method: str, template: str, *, fresh: bool, city: bool = True, **kw: Any) -> Callable[[Ctx], list[Any]]:
    """One variant per district's warning (and the city's, when ``city``); a fresh warning per request
    when ``fresh`` (handling changes it)."""

    def build(ctx: Ctx) -> list[Any]:
        def request(c: Ctx, area: str) -> Any:
            wid = fresh_warning(c, area) if fresh else sample_warning(c, area)
            return (method, template.format(wid), dict(kw))

        out: list[Any] = [(s, s, lambda c, who, s=s: request(c, _area(c, s))) for s in _streets(ctx)]
        if city:
            out.append(("city", None, lambda c, who: request(c, c.world.city)))
        return out

    return build


def _in_scope(ctx: Ctx, who: str, resp: Any) -> None:
    """A district officer's lists hold only its district's and the city's areas."""
    if who != "district":
        return
    body = resp.json()
    items = body["items"] if isinstance(body, dict) and "items" in body else body.get("areas", [])
    codes = {i["area_code"] for i in items}
    assert codes <= {ctx.world.district_a, ctx.world.city}, f"{who} sees areas {codes}"


CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{API}/health"): Case(
        one("GET", f"{API}/health", params={"month": MONTH}), scoping=None, check=_in_scope, perm="market.read"
    ),
    ("GET", f"{API}/health/{{area}}/{{month}}"): Case(
        per_area("GET", API + "/health/{area}/{month}"), perm="market.read"
    ),
    ("GET", f"{API}/warnings"): Case(one("GET", f"{API}/warnings"), scoping=None, check=_in_scope, perm="market.read"),
    ("GET", f"{API}/warnings.csv"): Case(one("GET", f"{API}/warnings.csv"), scoping=None, perm="market.read"),
    ("GET", f"{API}/warnings/{{warning_id}}"): Case(
        per_warning("GET", API + "/warnings/{}", fresh=False), perm="market.read"
    ),
    ("POST", f"{API}/warnings/{{warning_id}}/acknowledge"): Case(
        per_warning("POST", API + "/warnings/{}/acknowledge", fresh=True, city=False, json=NOTE), perm="market.warn"
    ),
    ("POST", f"{API}/warnings/{{warning_id}}/close"): Case(
        per_warning("POST", API + "/warnings/{}/close", fresh=True, city=False, json=NOTE), perm="market.warn"
    ),
    ("GET", f"{API}/forecasts"): Case(per_area("GET", API + "/forecasts?area={area}"), perm="market.read"),
    ("GET", "/market/health"): Case(one("GET", "/market/health"), scoping=None, perm="market.read"),
    ("GET", "/market/health/{area}/{month}"): Case(
        per_area("GET", "/market/health/{area}/{month}"), perm="market.read"
    ),
    ("GET", "/market/warnings"): Case(one("GET", "/market/warnings"), scoping=None, perm="market.read"),
    ("GET", "/market/warnings/{warning_id}"): Case(
        per_warning("GET", "/market/warnings/{}", fresh=False), perm="market.read"
    ),
    ("GET", "/market/warnings/{warning_id}/confirm"): Case(
        per_warning("GET", "/market/warnings/{}/confirm?action=close", fresh=False, city=False), perm="market.warn"
    ),
    ("POST", "/market/warnings/{warning_id}/{action}"): Case(
        per_warning("POST", "/market/warnings/{}/close", fresh=True, city=False, data=NOTE),
        ok={303},
        perm="market.warn",
    ),
    ("GET", "/market/forecasts"): Case(per_area("GET", "/market/forecasts?area={area}"), perm="market.read"),
}
