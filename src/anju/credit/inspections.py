"""Random inspections (双随机：随机抽取检查对象、随机选派检查人员): freeze, run, outcomes.

An officer freezes a draw: the eligible subjects' tickets (weighted by grade) and the chosen inspectors
are stored in their frozen order, their list hashes stored and appended to the verifiable log
``credit`` before any seed is known. With a seed announced in public the draw runs: the one draw
algorithm (:mod:`anju.core.lottery`) over each list and the selection rule of
:mod:`anju.credit.inspection_rule` give the sample and its inspectors; the result hashes are stored and
logged. The inspector (or an officer) records each inspection's outcome, which is a credit event.

Scoping: a district officer draws in its own district only, a city-wide draw needs the whole city. A
draw is seen by a caller whose scope covers its district, holds one of its subjects' streets, or who is
one of its inspectors; it is run by a caller whose scope covers its district.
"""

from __future__ import annotations

import json
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from anju import divisions, ledger
from anju.core import clock, lottery
from anju.core.dialect import bulk_insert
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import OutOfScope, Scope
from anju.credit import domain, inspection_rule
from anju.credit.catalogue import catalogue
from anju.credit.domain import Event
from anju.credit.expiry import default_expiry
from anju.credit.services import record_event
from anju.credit.tables import (
    credit_grades,
    credit_inspection_assignments,
    credit_inspection_draws,
    credit_inspection_inspectors,
    credit_inspection_tickets,
    credit_subjects,
)
from anju.security import Caller, Role, accounts, allowed

DATA = Path(__file__).parent / "data"
#: Subject types a draw may inspect: organisations and practitioners (not households or persons).
INSPECTABLE_TYPES = tuple(t for t in domain.SUBJECT_TYPES if t not in ("household", "person"))
STATUSES = {"frozen": "已冻结名单", "drawn": "已摇号"}
OUTCOMES = {"pending": "待检查", "clean": "未发现问题", "violations": "发现问题"}
MAX_SAMPLE = 1000
MAX_INSPECTORS = 200
MAX_WITNESSES = 20
CLEAN_KIND = "good.clean_inspection"
_BAD = frozenset({"Cc", "Cf", "Cs"})


@cache
def default_weights() -> dict[str, int]:
    """The default tickets per grade (``credit/data/inspection_weights.toml``)."""
    with (DATA / "inspection_weights.toml").open("rb") as f:
        return inspection_rule.check_weights(tomllib.load(f)["weights"])


@cache
def violation_kinds() -> dict[str, str]:
    """The negative event kinds an inspection may find (the event catalogue's), kind → label."""
    return {k: v.label for k, v in catalogue().kinds.items() if v.negative}


def text(value: str | None, fld: str, max_len: int, *, required: bool = True) -> str | None:
    """A trimmed text field, or a ValidationError naming the field."""
    v = (value or "").strip()
    if not v:
        if required:
            raise ValidationError.of(fld, "不能为空")
        return None
    if len(v) > max_len:
        raise ValidationError.of(fld, f"最长 {max_len} 个字符")
    if any(unicodedata.category(ch) in _BAD and ch not in "\n\t" for ch in v):
        raise ValidationError.of(fld, "含有不允许的控制字符")
    return v


def _entry(kind: str, **fields: Any) -> bytes:
    return json.dumps({"type": kind, **fields}, ensure_ascii=False, sort_keys=True).encode()


# ----------------------------------------------------------------------------------------- scoping


def district_streets(conn: Connection, district: str) -> list[str]:
    return [d.code for d in divisions.children(conn, district, "street", limit=10_000).items]


def visible(scope: Scope, username: str) -> list[Any]:
    """Conditions on ``credit_inspection_draws`` for the draws a caller sees (none: the whole city)."""
    if scope.unrestricted:
        return []
    d = credit_inspection_draws
    mine: list[Any] = [
        select(credit_inspection_inspectors.c.draw_id)
        .where(credit_inspection_inspectors.c.draw_id == d.c.id, credit_inspection_inspectors.c.inspector == username)
        .exists()
    ]
    if scope.streets:
        mine.append(
            select(credit_inspection_tickets.c.draw_id)
            .join(credit_subjects, credit_subjects.c.id == credit_inspection_tickets.c.subject_id)
            .where(credit_inspection_tickets.c.draw_id == d.c.id, *scope.where(credit_subjects.c.street_code))
            .exists()
        )
    if scope.level in ("district", "city") and scope.code:
        mine.append(d.c.district_code == scope.code)
    return [or_(false(), *mine)]


def draw_row(conn: Connection, draw_id: int) -> Any:
    row = conn.execute(select(credit_inspection_draws).where(credit_inspection_draws.c.id == draw_id)).first()
    if row is None:
        raise NotFound(f"抽查 {draw_id} 不存在")
    return row


def scoped_draw(conn: Connection, caller: Caller, draw_id: int, *, write: bool = False) -> Any:
    """The draw if the caller sees it or, to run it, its scope covers the draw's district."""
    row = draw_row(conn, draw_id)
    scope = caller.scope
    if scope.unrestricted:
        return row
    if write:
        if row.district_code is None or not scope.allows_division(row.district_code):
            raise OutOfScope(f"抽查 {draw_id} 不存在")
        return row
    ok = conn.execute(
        select(credit_inspection_draws.c.id).where(
            credit_inspection_draws.c.id == draw_id, *visible(scope, caller.username)
        )
    ).first()
    if ok is None:
        raise OutOfScope(f"抽查 {draw_id} 不存在")
    return row


def _check_district(conn: Connection, caller: Caller, district: str | None) -> str | None:
    if not district:
        if not caller.scope.unrestricted:
            raise ValidationError.of("district_code", "只能抽查本辖区：请选择所在的区")
        return None
    try:
        div = divisions.get(conn, district)
    except NotFound:
        raise ValidationError.of("district_code", f"没有区划 {district}") from None
    if div.level not in ("district", "zone"):
        raise ValidationError.of("district_code", "应为区（或功能区）")
    if not caller.scope.allows_division(district):
        raise ValidationError.of("district_code", "只能抽查本辖区")
    return district


# ----------------------------------------------------------------------------------------- inspectors

#: Roles whose accounts may be sent to inspect: those that may record an inspection's outcome.
INSPECTOR_ROLES = tuple(r for r in Role if allowed(r, "credit.inspect"))


@dataclass(frozen=True)
class InspectorChoice:
    username: str
    role: str
    division_code: str | None


def _inspector_conds(conn: Connection, caller: Caller, district: str | None) -> list[Any]:
    a = accounts
    conds: list[Any] = [a.c.role.in_([r.value for r in INSPECTOR_ROLES]), a.c.disabled_at.is_(None)]
    if not caller.scope.unrestricted:
        inside = sorted((caller.scope.streets or frozenset()) | {caller.scope.code})
        conds += [a.c.division_code.in_(inside), a.c.role != Role.city_officer.value]
    if district:
        conds.append(
            or_(a.c.division_code.in_([district, *district_streets(conn, district)]), a.c.role == "city_officer")
        )
    return conds


def inspector_choices(
    conn: Connection, caller: Caller, district: str | None, *, limit: int = 500, offset: int = 0
) -> Page[InspectorChoice]:
    """The staff accounts in scope the caller may send to inspect (a draw in ``district``), by username."""
    return fetch_page(
        conn,
        select(accounts.c.username, accounts.c.role, accounts.c.division_code)
        .where(*_inspector_conds(conn, caller, district))
        .order_by(accounts.c.username),
        limit=limit,
        offset=offset,
        row=lambda r: InspectorChoice(str(r.username), str(r.role), r.division_code),
    )


def check_inspectors(conn: Connection, caller: Caller, district: str | None, names: Sequence[str]) -> list[str]:
    out = [str(text(n, f"inspectors[{i}]", 64)) for i, n in enumerate(names)]
    if not out:
        raise ValidationError.of("inspectors", "至少选派一名检查人员")
    if len(out) > MAX_INSPECTORS:
        raise ValidationError.of("inspectors", f"最多 {MAX_INSPECTORS} 名")
    if len(set(out)) != len(out):
        raise ValidationError.of("inspectors", "检查人员重复")
    ok = set(
        conn.execute(
            select(accounts.c.username).where(accounts.c.username.in_(out), *_inspector_conds(conn, caller, district))
        ).scalars()
    )
    bad = [n for n in out if n not in ok]
    if bad:
        raise ValidationError.of("inspectors", f"{bad[0]} 不是本辖区内可选派的检查人员")
    return out


# ------------------------------------------------------------------------------------------- freeze


@dataclass(frozen=True)
class DrawIn:
    title: str
    subject_types: Sequence[str]
    sample_size: int
    inspectors: Sequence[str]
    district_code: str | None = None
    #: tickets per grade key (``inspection_rule.GRADE_KEYS``); None: the defaults from data
    weights: Mapping[str, int] | None = None


@dataclass(frozen=True)
class Candidates:
    """The eligible subjects of a draw: (subject id, weight), and how many there are per grade key."""

    weighted: list[tuple[int, int]]
    by_grade: dict[str, int] = field(default_factory=dict)


def candidates(conn: Connection, types: Sequence[str], district: str | None, weights: Mapping[str, int]) -> Candidates:
    """The subjects of ``types`` (in ``district``) with their weight by current grade, by id."""
    s, g = credit_subjects, credit_grades
    conds: list[Any] = [s.c.kind.in_(list(types))]
    if district:
        conds.append(s.c.district_code == district)
    rows = conn.execute(
        select(s.c.id, g.c.grade).select_from(s.outerjoin(g, g.c.subject_bidx == s.c.subject_bidx)).where(*conds)
    ).all()
    weighted: list[tuple[int, int]] = []
    by_grade: dict[str, int] = {}
    for sid, grade in rows:
        key = grade if grade in weights else "ungraded"
        by_grade[key] = by_grade.get(key, 0) + 1
        if weights[key] > 0:
            weighted.append((int(sid), weights[key]))
    return Candidates(sorted(weighted), by_grade)


def check_draw_in(conn: Connection, caller: Caller, d: DrawIn) -> tuple[str, list[str], str | None, dict[str, int]]:
    """Title, subject types, district and weights checked (errors name the field)."""
    title = str(text(d.title, "title", 100))
    types = list(dict.fromkeys(d.subject_types))
    if not types:
        raise ValidationError.of("subject_types", "至少选择一类检查对象")
    bad = [t for t in types if t not in INSPECTABLE_TYPES]
    if bad:
        raise ValidationError.of("subject_types", f"不可抽查的主体类型：{bad[0]}")
    if isinstance(d.sample_size, bool) or not isinstance(d.sample_size, int) or not 1 <= d.sample_size <= MAX_SAMPLE:
        raise ValidationError.of("sample_size", f"应为 1–{MAX_SAMPLE} 的整数")
    district = _check_district(conn, caller, d.district_code)
    try:
        weights = inspection_rule.check_weights(
            {**default_weights(), **(d.weights or {})} if d.weights is not None else default_weights()
        )
    except ValueError as e:
        raise ValidationError.of(f"weights.{e.args[0]}", str(e.args[1])) from None
    return title, types, district, weights


def _draw_no(conn: Connection) -> str:
    prefix = "SJ" + clock.to_local(clock.now()).strftime("%Y")
    n = conn.execute(
        select(func.count())
        .select_from(credit_inspection_draws)
        .where(credit_inspection_draws.c.draw_no.like(prefix + "%"))
    ).scalar_one()
    return f"{prefix}{int(n) + 1:04d}"


def freeze_draw(conn: Connection, caller: Caller, d: DrawIn) -> int:
    """Freeze the tickets and the inspectors, store their list hashes and append them to the log
    ``credit`` (before any seed is known); returns the draw's id. Two officers freezing at once
    number their draws alike: the draw number is unique, so the later one is refused (409)."""
    title, types, district, weights = check_draw_in(conn, caller, d)
    names = check_inspectors(conn, caller, district, d.inspectors)
    draw_no = _draw_no(conn)
    c = candidates(conn, types, district, weights)
    subjects = len(c.weighted)
    if not subjects:
        raise Conflict("没有符合条件的检查对象", [FieldError("subject_types", "所选范围内没有信用主体")])
    if d.sample_size > subjects:
        raise ValidationError.of("sample_size", f"抽取数量不能超过符合条件的检查对象数（{subjects}）")
    tickets = inspection_rule.tickets(c.weighted)
    ids = [t for t, _ in tickets]
    subjects_hash, inspectors_hash = (
        lottery.list_hash(ids),
        lottery.list_hash(inspection_rule.inspector_codes(len(names))),
    )
    now = clock.now()
    criteria = {
        "algorithm": lottery.ALGORITHM,
        "subject_types": types,
        "district_code": district,
        "weights": weights,
        "subjects": subjects,
        "subjects_by_grade": c.by_grade,
        "inspectors": len(names),
    }
    try:
        draw_id = int(
            conn.execute(
                credit_inspection_draws.insert()
                .values(
                    draw_no=draw_no,
                    title=title,
                    criteria=json.dumps(criteria, ensure_ascii=False, sort_keys=True),
                    sample_size=d.sample_size,
                    tickets=len(ids),
                    subjects_hash=subjects_hash,
                    inspectors_hash=inspectors_hash,
                    status="frozen",
                    district_code=district,
                    frozen_by=caller.username[:64],
                    frozen_at=now,
                )
                .returning(credit_inspection_draws.c.id)
            ).scalar_one()
        )
    except IntegrityError:
        raise Conflict("另一位工作人员正在冻结抽查名单，请稍后重试", [FieldError("draw_no", "编号已被占用")]) from None
    bulk_insert(
        conn,
        credit_inspection_tickets,
        ("draw_id", "seq", "ticket", "subject_id"),
        ((draw_id, i, t, sid) for i, (t, sid) in enumerate(tickets)),
    )
    bulk_insert(
        conn,
        credit_inspection_inspectors,
        ("draw_id", "seq", "inspector"),
        ((draw_id, i, n) for i, n in enumerate(names)),
    )
    idx = ledger.append(
        conn,
        domain.LOG,
        [
            _entry(
                "credit.inspection.frozen",
                draw_no=draw_no,
                title=title,
                criteria=criteria,
                sample_size=d.sample_size,
                tickets=len(ids),
                subjects_hash=subjects_hash,
                inspectors_hash=inspectors_hash,
                frozen_at=now.isoformat(),
                frozen_by=caller.username,
            )
        ],
    )
    conn.execute(
        update(credit_inspection_draws).where(credit_inspection_draws.c.id == draw_id).values(frozen_ledger_index=idx)
    )
    return draw_id


# ---------------------------------------------------------------------------------------------- run


def ticket_ids(conn: Connection, draw_id: int) -> list[str]:
    t = credit_inspection_tickets
    return [str(x) for x in conn.execute(select(t.c.ticket).where(t.c.draw_id == draw_id).order_by(t.c.seq)).scalars()]


def inspector_ids(conn: Connection, draw_id: int) -> list[str]:
    """The frozen inspector list as the draw uses and publishes it: codes ``J01``… in frozen order."""
    return list(inspector_names(conn, draw_id))


def inspector_names(conn: Connection, draw_id: int) -> dict[str, str]:
    """The frozen inspectors, code → username, in frozen order (staff only)."""
    i = credit_inspection_inspectors
    rows = conn.execute(select(i.c.inspector).where(i.c.draw_id == draw_id).order_by(i.c.seq)).scalars()
    return {inspection_rule.inspector_code(n): str(x) for n, x in enumerate(rows)}


def check_run_input(seed: str, seed_source: str | None, witnesses: Sequence[str]) -> tuple[str, str, list[str]]:
    """The seed as the draw will use it, its source and the witnesses, checked (errors name the field)."""
    if not isinstance(seed, str):
        raise ValidationError.of("seed", "应为文本")
    try:
        s = lottery.normalise_seed(seed)
    except ValueError as e:
        raise ValidationError.of("seed", getattr(e, "reason", None) or str(e)) from None
    src = str(text(seed_source, "seed_source", 200))
    if not witnesses:
        raise ValidationError.of("witnesses", "至少一名在场见证人（公证或监督人员）")
    if len(witnesses) > MAX_WITNESSES:
        raise ValidationError.of("witnesses", f"最多 {MAX_WITNESSES} 名")
    return s, src, [str(text(w, f"witnesses[{i}]", 40)) for i, w in enumerate(witnesses)]


def run_draw(
    conn: Connection, caller: Caller, draw_id: int, seed: str, seed_source: str, witnesses: Sequence[str]
) -> None:
    """Run a frozen draw with the seed announced in public: both stored lists are re-hashed (a list
    changed since it was logged is refused, 409 naming the hash), the selection rule gives the sample
    and its inspectors, the result hashes are stored and logged. Of two runs at once exactly one
    wins: the status changes from ``frozen`` only once (the other gets 409)."""
    row = scoped_draw(conn, caller, draw_id, write=True)
    if row.status != "frozen":
        raise Conflict(f"抽查 {row.draw_no} 已经摇号", [FieldError("status", row.status)])
    s, src, names = check_run_input(seed, seed_source, witnesses)
    tickets, who = ticket_ids(conn, draw_id), inspector_names(conn, draw_id)
    inspectors = list(who)
    for fld, ids, want in (
        ("subjects_hash", tickets, row.subjects_hash),
        ("inspectors_hash", inspectors, row.inspectors_hash),
    ):
        if lottery.list_hash(ids) != want:
            raise Conflict(
                f"拒绝摇号：{fld} 与冻结时公布的不同，名单在公布后被改动过", [FieldError(fld, "与公布的哈希不同")]
            )
    out = inspection_rule.select(tickets, inspectors, s, row.sample_size)
    now = clock.now()
    done = conn.execute(
        update(credit_inspection_draws)
        .where(credit_inspection_draws.c.id == draw_id, credit_inspection_draws.c.status == "frozen")
        .values(
            status="drawn",
            seed=out.tickets.seed,
            seed_source=src,
            witnesses=json.dumps(names, ensure_ascii=False),
            result_hash=out.tickets.result_hash,
            inspectors_result_hash=out.inspectors.result_hash,
            drawn_by=caller.username[:64],
            drawn_at=now,
        )
    )
    if done.rowcount != 1:
        raise Conflict(f"抽查 {row.draw_no} 已经摇号", [FieldError("status", "drawn")])
    t = credit_inspection_tickets
    subject_of = {
        str(tk): int(sid)
        for tk, sid in conn.execute(
            select(t.c.ticket, t.c.subject_id).where(
                t.c.draw_id == draw_id, t.c.ticket.in_([a.ticket for a in out.assignments])
            )
        )
    }
    conn.execute(
        credit_inspection_assignments.insert(),
        [
            {
                "draw_id": draw_id,
                "rank": a.rank,
                "subject_id": subject_of[a.ticket],
                "inspector": who[a.inspector],
                "outcome": "pending",
            }
            for a in out.assignments
        ],
    )
    idx = ledger.append(
        conn,
        domain.LOG,
        [
            _entry(
                "credit.inspection.drawn",
                draw_no=row.draw_no,
                algorithm=lottery.ALGORITHM,
                subjects_hash=out.tickets.list_hash,
                inspectors_hash=out.inspectors.list_hash,
                seed=out.tickets.seed,
                seed_source=src,
                witnesses=names,
                result_hash=out.tickets.result_hash,
                inspectors_result_hash=out.inspectors.result_hash,
                sample_size=row.sample_size,
                assignments=[[a.rank, a.ticket, a.inspector] for a in out.assignments],
                frozen_entry=row.frozen_ledger_index,
                drawn_at=now.isoformat(),
                drawn_by=caller.username,
            )
        ],
    )
    conn.execute(
        update(credit_inspection_draws).where(credit_inspection_draws.c.id == draw_id).values(ledger_index=idx)
    )


# ------------------------------------------------------------------------------------------ outcomes


@dataclass(frozen=True)
class OutcomeIn:
    outcome: str  # clean | violations
    inspected_on: date
    findings: str | None = None
    kind: str | None = None  # violations: a negative kind of the event catalogue
    severity: str | None = None  # violations: minor | major | serious


def record_outcome(conn: Connection, caller: Caller, draw_id: int, rank: int, o: OutcomeIn) -> int:
    """Record an inspection's outcome (its inspector, or an officer whose scope covers the draw) as a
    credit event — clean: ``good.clean_inspection``; violations: the chosen negative kind with its
    severity and findings — in the caller's transaction; returns the event's id."""
    row = draw_row(conn, draw_id)
    a = credit_inspection_assignments
    asg = conn.execute(select(a).where(a.c.draw_id == draw_id, a.c.rank == rank)).first()
    if asg is None or asg.inspector != caller.username:
        row = scoped_draw(conn, caller, draw_id, write=True)
    if asg is None:
        raise NotFound(f"抽查 {row.draw_no} 没有第 {rank} 位检查对象")
    if asg.outcome != "pending":
        raise Conflict("该检查对象的检查结果已经登记", [FieldError("outcome", asg.outcome)])
    if o.outcome not in ("clean", "violations"):
        raise ValidationError.of("outcome", "应为 clean（未发现问题）或 violations（发现问题）")
    if o.inspected_on > clock.today():
        raise ValidationError.of("inspected_on", "不能晚于今天")
    if row.drawn_at is not None and o.inspected_on < clock.to_local(row.drawn_at).date():
        raise ValidationError.of("inspected_on", "不能早于摇号日期")
    if o.outcome == "clean":
        kind, severity = CLEAN_KIND, "minor"
        findings = text(o.findings, "findings", 2000, required=False)
    else:
        if o.kind not in violation_kinds():
            raise ValidationError.of("kind", "应为信用事件目录中的失信事件类型")
        if o.severity not in domain.SEVERITIES:
            raise ValidationError.of("severity", f"应为 {'、'.join(domain.SEVERITIES)} 之一")
        kind, severity = o.kind, o.severity
        findings = text(o.findings, "findings", 2000)
    subj = conn.execute(select(credit_subjects).where(credit_subjects.c.id == asg.subject_id)).one()
    event_id = record_event(
        conn,
        Event(
            subject_kind=subj.subject_kind,
            subject_bidx=subj.subject_bidx,
            source="credit",
            kind=kind,
            severity=severity,
            occurred_on=o.inspected_on,
            expires_on=default_expiry(kind, o.inspected_on),
            reference=f"{row.draw_no}-{rank}",
            street_code=subj.street_code,
            detail={"inspection": row.draw_no, "rank": rank, "outcome": o.outcome},
            subject_type=subj.kind,
        ),
    )
    done = conn.execute(
        update(a)
        .where(a.c.draw_id == draw_id, a.c.rank == rank, a.c.outcome == "pending")
        .values(
            outcome=o.outcome,
            inspected_on=o.inspected_on,
            findings=findings,
            event_id=event_id,
            recorded_by=caller.username[:64],
            recorded_at=clock.now(),
        )
    )
    if done.rowcount != 1:
        raise Conflict("该检查对象的检查结果已经登记", [FieldError("outcome", "recorded")])
    return event_id


def can_record(caller: Caller, row: Any, inspector: str) -> bool:
    """Whether the caller may record this assignment's outcome (pages show the action accordingly)."""
    if caller.username == inspector:
        return True
    if not caller.can("credit.inspect"):
        return False
    return caller.scope.unrestricted or (
        row.district_code is not None and caller.scope.allows_division(row.district_code)
    )
