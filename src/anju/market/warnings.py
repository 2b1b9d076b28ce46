"""Early warnings (预警): the step that evaluates the edition's rules on the run's indicator values and
scores, and the officers' handling of a warning (acknowledge, close, each with a note).

Rules (``health.toml``, ``[[edition.rules]]``) are on an indicator of the edition or on a score
(``score:<dimension>`` / ``score:total``):

* ``level``: the month's value op threshold;
* ``change``: the month's value minus the value ``months`` before op threshold (both must exist);
* ``persistence``: the value op threshold in each of the ``months`` months ending with the month (every
  one of them must exist).

The step raises warnings for the run's last ``warning_months`` months (older months are history, not
work for an officer). A fired rule writes one row per rule × area × month; a later run that fires the
same rule for the same area and month does not raise it again (the table's unique key, and the step
skips existing keys with one query), so an acknowledged or closed warning stays as the officer left it.

Handling (``market.warn``): a district officer acts on their own district's warnings only (the city's
warnings are the city officers'); ``open → acknowledged → closed``, and closing straight from ``open``
is allowed — an officer who looked and found nothing to do should not have to click twice; the close
note says what was done. Every other transition is refused in Chinese; the note is required.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from anju.core import clock
from anju.core.errors import Conflict, Forbidden, NotFound, ValidationError
from anju.market import domain
from anju.market.health import choose_edition, scored_months
from anju.market.health_model import SCORE_PREFIX, Edition, Rule, configured_editions
from anju.market.runs import get_run
from anju.market.steps import StepContext
from anju.market.tables import market_health_scores, market_indicator_values, market_warnings
from anju.security import Caller

W = market_warnings
NOTE_MAX = 500

# ------------------------------------------------------------------------------------------ the step


def _series(conn: Connection, run_id: int, rules: tuple[Rule, ...]) -> dict[tuple[str, str, str], float | None]:
    """(indicator or score:<dim>, area, month) → value, for the indicators and scores the rules read."""
    out: dict[tuple[str, str, str], float | None] = {}
    indicators = sorted({r.indicator for r in rules if not r.indicator.startswith(SCORE_PREFIX)})
    dims = sorted({r.indicator[len(SCORE_PREFIX) :] for r in rules if r.indicator.startswith(SCORE_PREFIX)})
    if indicators:
        iv = market_indicator_values.c
        for code, area, month, value in conn.execute(
            select(iv.indicator, iv.area_code, iv.month, iv.value).where(
                iv.run_id == run_id, iv.indicator.in_(indicators)
            )
        ):
            out[(code, area, month)] = value
    if dims:
        hs = market_health_scores.c
        for dim, area, month, value in conn.execute(
            select(hs.dimension, hs.area_code, hs.month, hs.score).where(hs.run_id == run_id, hs.dimension.in_(dims))
        ):
            out[(SCORE_PREFIX + dim, area, month)] = value
    return out


@dataclass(frozen=True)
class Fired:
    """A rule that fired: the values it saw (stored with the warning)."""

    inputs: dict[str, Any]


def fires(rule: Rule, series: Mapping[tuple[str, str, str], float | None], area: str, month: str) -> Fired | None:
    """The inputs of ``rule`` firing for ``area`` in ``month``, or None when it does not fire."""

    def at(n: int) -> float | None:
        return series.get((rule.indicator, area, domain.add_months(month, -n)))

    value = at(0)
    if value is None:
        return None
    if rule.kind == "level":
        return Fired({"value": value, "threshold": rule.threshold}) if rule.holds(value) else None
    if rule.kind == "change":
        before = at(rule.months)
        if before is None or not rule.holds(value - before):
            return None
        return Fired(
            {
                "value": value,
                "before": before,
                "before_month": domain.add_months(month, -rule.months),
                "change": value - before,
                "threshold": rule.threshold,
            }
        )
    values = [at(n) for n in range(rule.months)]
    if any(v is None or not rule.holds(v) for v in values):
        return None
    return Fired(
        {
            "values": {domain.add_months(month, -n): values[n] for n in range(rule.months)},
            "threshold": rule.threshold,
        }
    )


def raise_warnings(ctx: StepContext, edition: Edition) -> dict[str, int | float | str]:
    started = time.perf_counter()
    conn, run = ctx.conn, ctx.run
    months = scored_months(run.first_month, run.last_month, edition.warning_months)
    series = _series(conn, run.id, edition.rules)
    candidates: dict[tuple[str, str, str], dict[str, Any]] = {}
    for rule in edition.rules:
        for area in ctx.areas:
            for month in months:
                inputs = fires(rule, series, area, month)
                if inputs is not None:
                    candidates[(rule.code, area, month)] = {"rule": rule, "inputs": inputs.inputs}
    existing: set[tuple[str, str, str]] = set()
    if candidates:
        keys = sorted(candidates)
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            existing |= {
                (r[0], r[1], r[2])
                for r in conn.execute(
                    select(W.c.rule, W.c.area_code, W.c.month).where(
                        W.c.rule.in_({k[0] for k in chunk}),
                        W.c.area_code.in_({k[1] for k in chunk}),
                        W.c.month.in_({k[2] for k in chunk}),
                    )
                )
            }
    now = clock.now()
    rows = []
    for (code, area, month), c in sorted(candidates.items()):
        if (code, area, month) in existing:
            continue
        fired: Rule = c["rule"]
        saw = {
            **c["inputs"],
            "indicator": fired.indicator,
            "kind": fired.kind,
            "op": fired.op,
            "months": fired.months,
            "condition": fired.describe(),
            "run_id": run.id,
        }
        rows.append(
            {
                "rule": code,
                "edition": edition.code,
                "indicator": fired.indicator,
                "area_code": area,
                "month": month,
                "severity": fired.severity,
                "message": fired.message[:300],
                "inputs": json.dumps(saw, ensure_ascii=False, sort_keys=True, default=str),
                "status": "open",
                "run_id": run.id,
                "raised_at": now,
            }
        )
    if rows:
        conn.execute(insert(W), rows)
    return {
        "warnings_fired": len(candidates),
        "warnings_raised": len(rows),
        "warnings_already_raised": len(candidates) - len(rows),
        "warnings_seconds": round(time.perf_counter() - started, 3),
    }


def step(ctx: StepContext) -> Mapping[str, int | float | str]:
    """The computation's warnings step: the rules of the edition the health step scored with."""
    run = get_run(ctx.conn, ctx.run.id)
    edition = choose_edition(configured_editions(), run.edition, run.last_month)
    return raise_warnings(ctx, edition)


# ------------------------------------------------------------------------------------------ handling

#: status → the actions allowed from it
ACTIONS = {"open": ("acknowledge", "close"), "acknowledged": ("close",), "closed": ()}
ACTION_LABELS = {"acknowledge": "确认", "close": "关闭"}


def _note(note: str, field: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationError.of(field, "请填写处理说明")
    if len(note) > NOTE_MAX:
        raise ValidationError.of(field, f"最多 {NOTE_MAX} 个字")
    return note


def _locked(conn: Connection, caller: Caller, city_code: str, warning_id: int) -> Any:
    row = conn.execute(select(W).where(W.c.id == warning_id).with_for_update()).first()
    if row is None or (row.area_code != city_code and not caller.scope.allows_division(row.area_code)):
        raise NotFound(f"没有编号为 {warning_id} 的市场预警")
    if not caller.scope.allows_division(row.area_code):
        raise Forbidden("全市的预警由市级住房部门处理")
    return row


def handle(conn: Connection, caller: Caller, city_code: str, warning_id: int, action: str, note: str) -> str:
    """Acknowledge or close a warning with a note; the new status. Refused (Chinese) when the warning's
    status does not allow the action, outside the caller's districts, or without a note."""
    if action not in ACTION_LABELS:
        raise ValidationError.of("action", "应为确认或关闭")
    row = _locked(conn, caller, city_code, warning_id)
    if action not in ACTIONS[row.status]:
        label = domain.WARNING_STATUSES.get(row.status, row.status)
        raise Conflict(f"该预警{label}，不能{ACTION_LABELS[action]}")
    text = _note(note, "note")
    now = clock.now()
    if action == "acknowledge":
        values: dict[str, Any] = {
            "status": "acknowledged",
            "acknowledged_by": caller.username,
            "acknowledged_at": now,
            "acknowledge_note": text,
        }
    else:
        values = {"status": "closed", "closed_by": caller.username, "closed_at": now, "close_note": text}
    done = conn.execute(update(W).where(and_(W.c.id == warning_id, W.c.status == row.status)).values(**values))
    if done.rowcount != 1:
        raise Conflict("该预警刚被他人处理，请刷新后再试")
    return str(values["status"])
