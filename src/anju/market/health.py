"""The health evaluation step (健康评价): every indicator of the edition per area × month, its normalised
score, the seven dimension scores and the weighted total, with their contributions, written with the
run's id into ``market_indicator_values`` and ``market_health_scores``.

Which edition: the run's (``market_runs.edition``) when it names one, else the edition in force on the
last day of the run's last month; the step records the code on the run. Which months: the last
``window_months`` (24 in the sample) of the run — each indicator needs eleven more months of history,
and scoring a decade of months nobody looks at again would only cost time; older runs keep theirs.

A missing indicator value is NULL (its reason in the inputs) and its dimension is scored on the
indicators that are there, their weights re-scaled to sum to 1 (said in the contributions:
``effective_weight``, ``missing``). A dimension without any indicator is NULL and the total is
re-weighted the same way; nothing is invented.
"""

from __future__ import annotations

import json
import time
from calendar import monthrange
from collections.abc import Mapping
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import Connection, insert, update

from anju.market import domain
from anju.market.health_model import Edition, configured_editions, edition_by_code, edition_on
from anju.market.indicator_facts import read_facts
from anju.market.indicators import Frame, Value, compute_all
from anju.market.steps import StepContext
from anju.market.tables import market_health_scores, market_indicator_values, market_runs

BATCH = 2000


def month_end(month: str) -> date:
    y, m = domain.parse_month(month)
    return date(y, m, monthrange(y, m)[1])


def choose_edition(eds: tuple[Edition, ...], run_edition: str | None, last_month: str) -> Edition:
    """The run's named edition, else the one in force at the end of its last month."""
    if run_edition:
        found = edition_by_code(eds, run_edition)
        if found is None:
            raise ValueError(f"edition: 健康评价模型中没有版本 {run_edition}")
        return found
    return edition_on(eds, month_end(last_month))


def scored_months(first: str, last: str, window: int) -> list[str]:
    """The last ``window`` months of the run (all of them when it is shorter)."""
    months = domain.months_between(first, last)
    return months[-window:]


def _weighted(parts: list[tuple[str, float, float | None]]) -> tuple[float | None, list[dict[str, Any]]]:
    """(code, weight, score or None) → the re-weighted score over what is there, and the contributions."""
    present = sum(w for _c, w, s in parts if s is not None)
    out = []
    total = 0.0
    for code, w, s in parts:
        eff = w / present if s is not None and present > 0 else 0.0
        contribution = eff * s if s is not None else 0.0
        total += contribution
        out.append(
            {
                "code": code,
                "weight": w,
                "effective_weight": round(eff, 6),
                "score": None if s is None else round(s, 4),
                "contribution": round(contribution, 4),
                "missing": s is None,
            }
        )
    return (total if present > 0 else None), out


class ScoreRow(TypedDict):
    area_code: str
    month: str
    dimension: str
    score: float | None
    grade: str | None
    contributions: str


def score(
    edition: Edition, values: Mapping[tuple[str, str, str], Value], areas: tuple[str, ...], months: tuple[str, ...]
) -> tuple[list[dict[str, Any]], list[ScoreRow]]:
    """The indicator rows and the score rows (without run id) of ``values`` under ``edition``."""
    indicator_rows: list[dict[str, Any]] = []
    score_rows: list[ScoreRow] = []
    for area in areas:
        for month in months:
            dims: list[tuple[str, float, float | None]] = []
            for d in edition.dimensions:
                parts: list[tuple[str, float, float | None]] = []
                for ind in d.indicators:
                    v = values[(ind.code, area, month)]
                    s = ind.normalise.score(v.value)
                    parts.append((ind.code, ind.weight, s))
                    indicator_rows.append(
                        {
                            "area_code": area,
                            "month": month,
                            "indicator": ind.code,
                            "value": v.value,
                            "score": s,
                            "inputs": json.dumps(v.inputs, ensure_ascii=False, sort_keys=True, default=str),
                        }
                    )
                dim_score, contributions = _weighted(parts)
                dims.append((d.code, d.weight, dim_score))
                score_rows.append(_score_row(edition, area, month, d.code, dim_score, contributions))
            total, contributions = _weighted(dims)
            score_rows.append(_score_row(edition, area, month, domain.TOTAL, total, contributions))
    return indicator_rows, score_rows


def _score_row(
    edition: Edition, area: str, month: str, dimension: str, s: float | None, parts: list[dict[str, Any]]
) -> ScoreRow:
    return {
        "area_code": area,
        "month": month,
        "dimension": dimension,
        "score": None if s is None else round(s, 4),
        "grade": edition.grade(s),
        "contributions": json.dumps(
            {"edition": edition.code, "parts": parts, "reweighted": any(p["missing"] for p in parts)},
            ensure_ascii=False,
            sort_keys=True,
        ),
    }


def evaluate(ctx: StepContext, edition: Edition) -> dict[str, int | float | str]:
    """Compute and write the run's indicators and scores under ``edition``."""
    started = time.perf_counter()
    conn: Connection = ctx.conn
    run = ctx.run
    months = tuple(scored_months(run.first_month, run.last_month, edition.window_months))
    history = tuple(domain.months_between(domain.add_months(months[0], -11), months[-1]))
    ctx.progress("健康评价：读取指标数据", 0.0)
    facts = read_facts(conn, run_id=run.id, city=ctx.city_code, months=history)
    frame = Frame(
        city=ctx.city_code,
        districts=ctx.districts,
        months=months,
        history=history,
        first_month=run.first_month,
        facts=facts,
        edition=edition,
    )
    ctx.progress("健康评价：计算指标与评分", 0.5)
    values = compute_all(frame, list(edition.indicators))
    indicator_rows, score_rows = score(edition, values, frame.areas, months)
    for rows, table in ((indicator_rows, market_indicator_values), (score_rows, market_health_scores)):
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(table), [{"run_id": run.id, **r} for r in rows[i : i + BATCH]])
    conn.execute(update(market_runs).where(market_runs.c.id == run.id).values(edition=edition.code))
    ctx.progress("健康评价：完成", 1.0)
    return {
        "health_edition": edition.code,
        "health_months": len(months),
        "health_indicator_rows": len(indicator_rows),
        "health_missing_values": sum(1 for r in indicator_rows if r["value"] is None),
        "health_score_rows": len(score_rows),
        "health_seconds": round(time.perf_counter() - started, 3),
    }


def step(ctx: StepContext) -> Mapping[str, int | float | str]:
    """The computation's health step (see the module's documentation)."""
    edition = choose_edition(configured_editions(), ctx.run.edition, ctx.run.last_month)
    return evaluate(ctx, edition)
