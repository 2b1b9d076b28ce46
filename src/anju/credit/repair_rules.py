"""The rules of credit repair (信用修复) as data, and the working-day deadlines of objections and repairs.

The rules are ``credit/data/<city>/repair.toml`` (a labelled sample for 320100), the one source of truth
for when an event may be repaired (the scoring editions say only how events count): per severity (or per
event kind) the minimum period after ``occurred_on`` before repair by period, whether rectification
allows an earlier repair and how much earlier; kinds that cannot be repaired are those the event
catalogue (:mod:`anju.credit.catalogue`) marks ``repairable = false``, good-conduct events, and the
rules' own ``not_repairable``. Pure: no database, no web.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from anju.core.errors import ValidationError
from anju.credit import domain
from anju.credit.catalogue import catalogue, kind_label

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Period:
    period_months: int
    rectification: bool
    rectification_months: int


@dataclass(frozen=True)
class RepairRules:
    edition: str
    sample: bool
    by_severity: dict[str, Period]
    by_kind: dict[str, Period]
    not_repairable: frozenset[str]

    def period(self, kind: str, severity: str) -> Period:
        return self.by_kind.get(kind) or self.by_severity[severity]


def _period(v: dict[str, object], where: str) -> Period:
    try:
        p = Period(int(str(v["period_months"])), bool(v["rectification"]), int(str(v["rectification_months"])))
    except (KeyError, ValueError) as e:
        raise ValueError(f"{where}: period_months, rectification, rectification_months ({e})") from None
    if p.period_months < 0 or p.rectification_months < 0:
        raise ValueError(f"{where}: months cannot be negative")
    return p


@cache
def rules(city: str = "320100") -> RepairRules:
    """The repair rules of ``city`` (the file is checked when read; a bad file fails loudly)."""
    raw = tomllib.loads((DATA / city / "repair.toml").read_text(encoding="utf-8"))
    sev = {s: _period(raw["severity"][s], f"severity.{s}") for s in domain.SEVERITIES}
    kinds = {k: _period(v, f"kinds.{k}") for k, v in raw.get("kinds", {}).items()}
    return RepairRules(
        str(raw["edition"]), bool(raw.get("sample", False)), sev, kinds, frozenset(raw.get("not_repairable", []))
    )


def add_months(d: date, months: int) -> date:
    """``d`` plus whole months (the last day of a shorter month when the day does not exist)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def repairable(kind: str, r: RepairRules) -> bool:
    info = catalogue().kinds.get(kind)
    return info is not None and info.negative and info.repairable and kind not in r.not_repairable


def check_repair(kind: str, severity: str, occurred_on: date, basis: str, on: date, r: RepairRules) -> None:
    """Raise a ValidationError naming the rule when the event cannot be repaired on ``basis`` on ``on``."""
    if basis not in domain.REPAIR_BASES:
        raise ValidationError.of("basis", f"应为 {'、'.join(domain.REPAIR_BASES)} 之一")
    info = catalogue().kinds.get(kind)
    if info is not None and not info.negative:
        raise ValidationError.of("event_id", "守信记录无须修复")
    if not repairable(kind, r):
        raise ValidationError.of("event_id", f"“{kind_label(kind)}”类失信记录依规定不可修复")
    p = r.period(kind, severity)
    sev = domain.SEVERITY_LABELS.get(severity, severity)
    if basis == "period":
        ready = add_months(occurred_on, p.period_months)
        if on < ready:
            raise ValidationError.of(
                "basis", f"{sev}失信记录自发生之日起满 {p.period_months} 个月方可申请修复（{ready.isoformat()} 起）"
            )
        return
    if not p.rectification:
        raise ValidationError.of(
            "basis", f"{sev}失信记录不适用整改修复，须自发生之日起满 {p.period_months} 个月方可申请修复"
        )
    ready = add_months(occurred_on, p.rectification_months)
    if on < ready:
        raise ValidationError.of(
            "basis",
            f"{sev}失信记录整改到位的，自发生之日起满 {p.rectification_months} 个月方可申请修复"
            f"（{ready.isoformat()} 起）",
        )
