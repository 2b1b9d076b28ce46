"""The pure assessment: (edition, a subject's events, a date) → score, grade, lists, and one explanation
line per event. Deterministic; no database, no clock.

An event counts on a date when it has occurred, is not voided (an upheld objection: it never counted),
not repaired on or before the date, and not expired (the edition's expiry after it occurred, or the
event's own ``expires_on``). A counted event's points are the kind's points times the severity factor,
decayed linearly to zero over the kind's decay period, then limited by the kind's cap (events of one
kind in order of occurrence: the ones that would pass the cap count only up to it). The score is the
group's base plus the counted points, kept within [floor, ceiling]; the grade is the best whose lowest
score the score reaches.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from anju.credit import domain
from anju.credit.scoring import Edition, KindRule, ListRule

STATUS_LABELS = {
    "counted": "计入",
    "expired": "已过有效期，不再计入",
    "voided": "异议成立，记录已撤销，不计入",
    "repaired": "已信用修复，不再计入",
    "not_yet": "评价日尚未发生，不计入",
    "no_rule": "评价标准未规定该事件类型，不计入",
}
_SEVERITY_RANK = {s: i for i, s in enumerate(domain.SEVERITIES)}


class EventFact(NamedTuple):
    """One of a subject's events as the assessment needs it (with its amendment, if any). A named
    tuple: the bulk recomputation makes a million of them."""

    id: int
    kind: str
    severity: str
    occurred_on: date
    expires_on: date | None = None
    amendment: str | None = None  # void | repair
    amended_on: date | None = None  # the amendment's effective date


class Line(NamedTuple):
    """How one event counted: points with the severity factor, after decay, after the kind's cap."""

    event_id: int
    kind: str
    severity: str
    occurred_on: date
    status: str  # STATUS_LABELS
    points_centi: int = 0
    decayed_centi: int = 0
    counted_centi: int = 0
    capped: bool = False

    @property
    def counted(self) -> bool:
        return self.status == "counted"

    def note(self) -> str:
        """The line in Chinese, e.g. ``计入：-8.00 分，衰减后 -6.00 分，受该类上限限制计 -4.00 分``."""
        if not self.counted:
            return STATUS_LABELS[self.status]
        parts = [f"计入：{fmt_points(self.points_centi)} 分"]
        if self.decayed_centi != self.points_centi:
            parts.append(f"随时间衰减后 {fmt_points(self.decayed_centi)} 分")
        if self.capped:
            parts.append(f"受该类事件累计上限限制，计 {fmt_points(self.counted_centi)} 分")
        return "，".join(parts)


@dataclass(frozen=True)
class ListMatch:
    list: str  # red | black
    rule: str
    label: str


@dataclass(frozen=True)
class Assessment:
    edition: str
    subject_kind: str
    on: date
    base_centi: int
    score_centi: int
    grade: str
    lines: tuple[Line, ...]
    lists: tuple[ListMatch, ...]  # at most one per list: the first rule that matched
    events: int = 0  # how many events counted

    def on_list(self, name: str) -> ListMatch | None:
        return next((m for m in self.lists if m.list == name), None)

    def explanation(self) -> str:
        """The explanation stored with a grade (JSON): base, score, grade, lists and a line per event
        (``[id, kind, severity, occurred_on, status, points, decayed, counted, capped]``); the date is the
        grade's ``as_of``. Formatted by hand (the bulk recomputation writes hundreds of thousands); the
        same as ``json.dumps(…, ensure_ascii=False, separators=(",", ":"))``."""
        known = self.__dict__.get("_explanation")
        if known is not None:
            return str(known)
        lists = ",".join(f"[{_q(m.list)},{_q(m.rule)}]" for m in self.lists)
        lines = ",".join(
            f'[{ln[0]},{_q(ln[1])},{_q(ln[2])},"{_iso(ln[3])}","{ln[4]}",{ln[5]},{ln[6]},{ln[7]},'
            f"{'true' if ln[8] else 'false'}]"
            for ln in self.lines
        )
        text = (
            f'{{"edition":{_q(self.edition)},"base_centi":{self.base_centi},"score_centi":{self.score_centi},'
            f'"grade":{_q(self.grade)},"lists":[{lists}],"lines":[{lines}]}}'
        )
        self.__dict__["_explanation"] = text  # a cache of a pure function of the frozen fields
        return text


@lru_cache(maxsize=4096)
def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


@lru_cache(maxsize=65536)
def _iso(d: date) -> str:
    return d.isoformat()


def fmt_points(centi: int) -> str:
    sign = "-" if centi < 0 else "+" if centi > 0 else ""
    return f"{sign}{abs(centi) // 100}.{abs(centi) % 100:02d}"


@lru_cache(maxsize=65536)
def add_months(d: date, months: int) -> date:
    """``d`` plus whole calendar months (the day clamped to the month's last day)."""
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _div_round(n: int, d: int) -> int:
    """``n / d`` (``d`` > 0) rounded half away from zero, in integers (the same on every platform)."""
    return (2 * n + d) // (2 * d) if n >= 0 else -((-2 * n + d) // (2 * d))


@lru_cache(maxsize=65536)
def _span(start: date, months: int) -> int:
    """Days from ``start`` to the same day ``months`` later."""
    return (add_months(start, months) - start).days


def event_status(ev: EventFact, rule: KindRule | None, on: date) -> str:
    """Why an event does not count on ``on`` (``counted`` when it does): the one notion of an event's
    status, used by the grading and by :func:`anju.credit.effective_events`."""
    if ev.amendment == "void":
        status = "voided"
    elif ev.occurred_on > on:
        status = "not_yet"
    elif ev.amendment == "repair" and ev.amended_on is not None and ev.amended_on <= on:
        status = "repaired"
    elif rule is None:
        status = "no_rule"
    elif (ev.expires_on is not None and on >= ev.expires_on) or (
        rule.expiry_months and (on - ev.occurred_on).days >= _span(ev.occurred_on, rule.expiry_months)
    ):
        status = "expired"
    else:
        status = "counted"
    return status


_ORDER = itemgetter(3, 0)  # occurred_on, id


def _lines(edition: Edition, events: Iterable[EventFact], on: date) -> list[Line]:
    lines: list[Line] = []
    used: dict[str, int] = {}  # kind → absolute points counted so far (the cap)
    rules = edition.kinds
    for ev in sorted(events, key=_ORDER):
        rule = rules.get(ev.kind)
        status = event_status(ev, rule, on)
        if status != "counted" or rule is None:
            lines.append(Line(ev.id, ev.kind, ev.severity, ev.occurred_on, status))
            continue
        # the points with the severity factor, then decayed linearly over the decay period
        pts = _div_round(rule.points_centi * rule.severity_pct.get(ev.severity, 100), 100)
        decayed = pts
        if rule.decay_months:
            span = _span(ev.occurred_on, rule.decay_months)
            decayed = _div_round(pts * max(0, span - (on - ev.occurred_on).days), span)
        counted, capped = decayed, False
        if rule.cap_centi:
            room = max(0, rule.cap_centi - used.get(ev.kind, 0))
            if abs(decayed) > room:
                counted, capped = (room if decayed > 0 else -room), True
            used[ev.kind] = used.get(ev.kind, 0) + abs(counted)
        lines.append(Line(ev.id, ev.kind, ev.severity, ev.occurred_on, status, pts, decayed, counted, capped))
    return lines


def _matches(rule: ListRule, subject_kind: str, grade: str, lines: Sequence[Line], edition: Edition, on: date) -> bool:
    if rule.subject_kinds and subject_kind not in rule.subject_kinds:
        return False
    if rule.grades and grade not in rule.grades:
        return False
    if rule.kinds or rule.min_severity:
        low = _SEVERITY_RANK[rule.min_severity] if rule.min_severity else 0
        kinds = rule.kinds
        if not any(
            (not kinds or ln.kind in kinds) and ln.status == "counted" and _SEVERITY_RANK.get(ln.severity, 0) >= low
            for ln in lines
        ):
            return False
    if rule.clean_months is not None:
        since = add_months(on, -rule.clean_months)
        for ln in lines:
            if ln.occurred_on <= since or ln.status not in ("counted", "expired"):
                continue
            kr = edition.kinds.get(ln.kind)
            if kr is not None and kr.negative:
                return False
    return True


def assess(edition: Edition, subject_kind: str, events: Iterable[EventFact], on: date) -> Assessment:
    """Score, grade, list matches and the explanation of one subject on ``on``."""
    if not events:
        return _assess_none(edition, subject_kind, on)
    return _assess(edition, subject_kind, events, on)


_NONE: dict[tuple[int, str, date], tuple[Edition, Assessment]] = {}


def _assess_none(edition: Edition, subject_kind: str, on: date) -> Assessment:
    """The assessment of a subject without events (most subjects): the same for all of a group."""
    hit = _NONE.get((id(edition), subject_kind, on))
    if hit is not None and hit[0] is edition:
        return hit[1]
    if len(_NONE) > 64:
        _NONE.clear()
    a = _assess(edition, subject_kind, (), on)
    _NONE[(id(edition), subject_kind, on)] = (edition, a)
    return a


def _assess(edition: Edition, subject_kind: str, events: Iterable[EventFact], on: date) -> Assessment:
    scale = edition.scale(subject_kind)
    lines = _lines(edition, events, on)
    score = scale.base_centi + sum(ln.counted_centi for ln in lines)
    score = min(scale.ceiling_centi, max(scale.floor_centi, score))
    grade = scale.grade(score)
    found: dict[str, ListMatch] = {}
    for rule in edition.lists:
        if rule.list in found or not _matches(rule, subject_kind, grade, lines, edition, on):
            continue
        found[rule.list] = ListMatch(rule.list, rule.code, rule.label)
    if "black" in found:
        found.pop("red", None)
    lists = tuple(found[name] for name in domain.LISTS if name in found)
    counted = sum(1 for ln in lines if ln[4] == "counted")
    return Assessment(edition.code, subject_kind, on, scale.base_centi, score, grade, tuple(lines), lists, counted)
