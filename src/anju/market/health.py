"""The health evaluation step (健康评价): every indicator of the edition per area × month, its normalised
score, the seven dimension scores and the weighted total, with their contributions, written with the
run's id into ``market_indicator_values`` and ``market_health_scores``.

Which edition: the run's (``market_runs.edition``) when it names one, else the edition in force on the
last day of the run's last month; the step records the code on the run. Which months: the last
``window_months`` (24 in the sample) of the run — each indicator needs eleven more months of history,
and scoring a decade of months nobody looks at again would only cost time; older runs keep theirs.

A missing indicator value is NULL (its reason in the inputs) and its dimension is scored on the
indicators that are there, their weights re-scaled to sum to 1 (said in the contributions:
``effective_weight``, ``missing``) — **but only if the indicators that are there carry at least the
edition's ``min_covered_weight`` (0.5 in the sample) of the dimension's weight**; below it the
dimension is NULL with ``status`` ``insufficient`` and the reason in the contributions, not a score
re-weighted from one indicator out of four. The total is built the same way from the dimensions (a NULL
dimension is missing; below the minimum covered weight the total is NULL). Nothing is invented.
"""

from __future__ import annotations

import json
import time
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Weighted:
    """A weighted score over what is present: the score (None when nothing, or too little, is there),
    the share of the weight that is present, the status (``ok`` | ``reweighted`` | ``insufficient`` |
    ``empty``), the reason when the score is None, and each part's contribution."""

    score: float | None
    covered: float
    status: str
    reason: str | None
    parts: list[dict[str, Any]]


def _weighted(parts: list[tuple[str, float, float | None]], min_covered: float = 0.0) -> Weighted:
    """(code, weight, score or None) → the re-weighted score over what is there (None when the present
    weight is below ``min_covered`` of the whole), and the contributions."""
    whole = sum(w for _c, w, _s in parts)
    present = sum(w for _c, w, s in parts if s is not None)
    covered = present / whole if whole > 0 else 0.0
    scored = present > 0 and covered >= min_covered - 1e-12
    out = []
    total = 0.0
    for code, w, s in parts:
        eff = w / present if s is not None and scored else 0.0
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
    if present == 0:
        return Weighted(None, 0.0, "empty", "没有任何有值的组成部分", out)
    if not scored:
        reason = f"有值部分的权重合计 {covered:.0%}，低于本版本要求的 {min_covered:.0%}：不评分"
        return Weighted(None, covered, "insufficient", reason, out)
    return Weighted(total, covered, "reweighted" if present < whole - 1e-12 else "ok", None, out)


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
                dim = _weighted(parts, edition.min_covered_weight)
                dims.append((d.code, d.weight, dim.score))
                score_rows.append(_score_row(edition, area, month, d.code, dim))
            total = _weighted(dims, edition.min_covered_weight)
            score_rows.append(_score_row(edition, area, month, domain.TOTAL, total))
    return indicator_rows, score_rows


def _score_row(edition: Edition, area: str, month: str, dimension: str, w: Weighted) -> ScoreRow:
    s = w.score
    return {
        "area_code": area,
        "month": month,
        "dimension": dimension,
        "score": None if s is None else round(s, 4),
        "grade": edition.grade(s),
        "contributions": json.dumps(
            {
                "edition": edition.code,
                "parts": w.parts,
                "reweighted": any(p["missing"] for p in w.parts),
                "covered_weight": round(w.covered, 6),
                "min_covered_weight": edition.min_covered_weight,
                "status": w.status,
                "reason": w.reason,
            },
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
