"""Credit as a restriction source (联合惩戒) and the incentives it grants (联合激励).

The registry's one restriction mechanism (``anju.registry.subject_restrictions``) asks
:func:`restrictions_for` before every approval listed in ``domain.ACTIONS``; the scoring edition's
restriction rules (``[[edition.actions]]`` of ``credit/data/<city>/scoring.toml``, read by
:mod:`anju.credit.scoring`) say which lists and grades bar which action for which subject group.
:func:`incentives_for` answers the other way round: which subjects an edition's incentive rules favour
for an action (e.g. a red-list enterprise's rental listings skip manual review).

Both read, set-wise and in one round trip per 1,000 subjects, the subjects' open list entries
(``credit_list_entries``) and current grades (``credit_grades``), each with the subject's public name
(``credit_subjects``), and only the lists and grades some rule for the action names: an action no rule
mentions costs no query. The statement is built once per set of lists and grades.

A subject is judged by the rules of the edition that graded it (the ``edition`` of its grade row or
list entry), else by the edition in force on the day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, String, bindparam, func, literal, select, union_all

from anju.credit import domain, scoring
from anju.credit.scoring import ActionRule, Edition
from anju.credit.tables import credit_grades, credit_list_entries, credit_subjects
from anju.registry import SubjectRestriction

SOURCE = "credit"


@dataclass(frozen=True)
class Incentive:
    """A favour an edition's incentive rule grants a subject for an action (联合激励)."""

    action: str
    rule: str  # the rule's code
    effect: str  # a key of scoring.INCENTIVES, e.g. skip_manual_review
    reason: str  # in Chinese, naming the rule, the list or grade and the subject


# ---------------------------------------------------------------------------------------- the answers


@dataclass(frozen=True)
class _Standing:
    """One fact about a subject that a rule may name: an open list entry or its current grade."""

    bidx: str
    what: str  # list | grade
    value: str  # red | black, or A | B | C | D
    edition: str
    since: date
    why: str  # the list entry's reason ("" for a grade)
    subject_kind: str
    subject_type: str | None
    name: str | None


@cache
def _standings_statement(lists: frozenset[str], grades: frozenset[str]) -> Any:
    """The one statement of :func:`_standings` for a set of lists and grades, built once (an approval
    on a hot path — lease filing — must not pay for building and cache-keying it every time)."""
    s, g, e = credit_subjects, credit_grades, credit_list_entries
    bidxs = bindparam("bidxs", type_=String, expanding=True)
    parts = []
    if lists:
        parts.append(
            select(
                e.c.subject_bidx.label("bidx"),
                literal("list", String).label("what"),
                e.c.list.label("value"),
                e.c.edition,
                e.c.entered_on.label("since"),
                e.c.reason.label("why"),
                func.coalesce(s.c.subject_kind, g.c.subject_kind).label("subject_kind"),
                s.c.kind,
                s.c.name,
            )
            .select_from(
                e.outerjoin(s, s.c.subject_bidx == e.c.subject_bidx).outerjoin(g, g.c.subject_bidx == e.c.subject_bidx)
            )
            .where(
                e.c.subject_bidx.in_(bidxs),
                e.c.active == 1,
                e.c.list.in_(sorted(lists)),
                e.c.entered_on <= bindparam("on", type_=e.c.entered_on.type),
            )
        )
    if grades:
        parts.append(
            select(
                g.c.subject_bidx.label("bidx"),
                literal("grade", String).label("what"),
                g.c.grade.label("value"),
                g.c.edition,
                g.c.as_of.label("since"),
                literal("", String).label("why"),
                g.c.subject_kind,
                s.c.kind,
                s.c.name,
            )
            .select_from(g.outerjoin(s, s.c.subject_bidx == g.c.subject_bidx))
            .where(g.c.subject_bidx.in_(bidxs), g.c.grade.in_(sorted(grades)))
        )
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _standings(conn: Connection, bidxs: Sequence[str], lists: set[str], grades: set[str], on: date) -> list[_Standing]:
    """The subjects' open list entries on the ``lists`` and current grades among ``grades``, with their
    public names: one query per 1,000 subjects (a union of both), nothing read for an empty set."""
    stmt = _standings_statement(frozenset(lists), frozenset(grades))
    out: list[_Standing] = []
    for i in range(0, len(bidxs), 1000):
        for r in conn.execute(stmt, {"bidxs": list(bidxs[i : i + 1000]), "on": on}):
            kind = r.subject_kind or ("org" if r.kind and r.kind not in domain.PERSON_TYPES else "person")
            out.append(_Standing(r.bidx, r.what, r.value, r.edition, r.since, r.why or "", kind, r.kind, r.name))
    return out


def _subject(st: _Standing) -> str:
    """How a refusal names the subject: an organisation by its public name; a person never by name
    here (the approval that asks knows the person and names them masked)."""
    if st.subject_kind == "person":
        typed = st.subject_type in domain.PERSON_TYPES and st.subject_type != "person"
        return f"该{domain.SUBJECT_TYPES[st.subject_type] if typed and st.subject_type else '个人'}"
    return st.name or "该机构"


def _standing_text(st: _Standing) -> str:
    if st.what == "list":
        why = f"，{st.why}" if st.why else ""
        return f"自 {st.since.isoformat()} 起列入{domain.LISTS.get(st.value, st.value)}{why}"
    return f"信用等级为{domain.GRADE_LABELS.get(st.value, st.value)}"


def _matches(rule: ActionRule, st: _Standing, action: str) -> bool:
    hit = st.value in rule.lists if st.what == "list" else st.value in rule.grades
    return hit and rule.covers(action, st.subject_kind)


def _edition(code: str | None, on: date, editions: Sequence[Edition]) -> Edition:
    """The edition named ``code`` (the one that graded the subject), else the one in force on ``on``
    (the earliest before the first edition's date); ``editions`` oldest first."""
    found = editions[0]
    for e in editions:
        if e.code == code:
            return e
        if e.effective_from <= on:
            found = e
    return found


def _judge(
    conn: Connection, bidxs: Sequence[str], action: str, on: date, effect: str
) -> list[tuple[_Standing, ActionRule]]:
    editions = scoring.editions()
    rules = [r for e in editions for r in e.action_rules(action, effect)]
    wanted = [b for b in dict.fromkeys(bidxs) if b]
    if not rules or not wanted:
        return []
    lists = {x for r in rules for x in r.lists}
    grades = {x for r in rules for x in r.grades}
    out: list[tuple[_Standing, ActionRule]] = []
    seen: set[tuple[str, str]] = set()
    for st in _standings(conn, wanted, lists, grades, on):
        for rule in _edition(st.edition, on, editions).action_rules(action, effect):
            if _matches(rule, st, action) and (st.bidx, rule.code) not in seen:
                seen.add((st.bidx, rule.code))
                out.append((st, rule))
    return out


def restrictions_for(
    conn: Connection, bidxs: Sequence[str], action: str, on: date
) -> dict[str, list[SubjectRestriction]]:
    """The subjects among ``bidxs`` that credit bars from ``action`` on ``on``, each with the rule: the
    reason names the subject (an organisation by name), its list entry or grade and the rule."""
    what = domain.ACTIONS.get(action, action)
    out: dict[str, list[SubjectRestriction]] = defaultdict(list)
    for st, rule in _judge(conn, bidxs, action, on, "restrict"):
        reason = f"{_subject(st)}{_standing_text(st)}，依据信用惩戒规则「{rule.code}：{rule.title}」，不予办理{what}"
        out[st.bidx].append(SubjectRestriction(action, SOURCE, rule.code, reason))
    return dict(out)


def incentives_for(conn: Connection, bidxs: Sequence[str], action: str, on: date) -> dict[str, list[Incentive]]:
    """The favours the edition's incentive rules grant the subjects among ``bidxs`` for ``action`` on
    ``on`` (联合激励), each naming the rule, the list or grade and the subject."""
    out: dict[str, list[Incentive]] = defaultdict(list)
    for st, rule in _judge(conn, bidxs, action, on, "incentive"):
        assert rule.incentive is not None
        favour = scoring.INCENTIVES[rule.incentive]
        reason = f"{_subject(st)}{_standing_text(st)}，依据信用激励规则「{rule.code}：{rule.title}」，{favour}"
        out[st.bidx].append(Incentive(action, rule.code, rule.incentive, reason))
    return dict(out)
