"""Tracking (动态监管): cases (annual re-qualification, arrears, vacancy, sublet, false materials …)
end with an outcome whose defaults come from the programme edition's exit rules (exit deadline,
application ban, credit events for every member of the household)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from anju import ledger
from anju.assistance import domain
from anju.assistance.catalogue import Editions, edition, programme_policy
from anju.assistance.common import LOG, level_of, log_entry, midnight, record_step, require_officer, text_field
from anju.assistance.eligibility import evaluate_many, facts_for, households
from anju.assistance.review import close_application
from anju.assistance.tables import (
    allocations,
    application_members,
    application_steps,
    applications,
    assisted_homes,
    benefits,
    cases,
)
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.credit import Event, record_event
from anju.security import Caller


#: Days an officer has to decide a tracking case.
class ExitRuleView(TypedDict):
    """The programme edition's exit rule for a case's kind."""

    outcome: str
    exit_days: int
    ban_years: int
    credit: str | None


class CaseView(TypedDict):
    """A tracking case."""

    id: int
    case_no: str
    application_id: int
    app_no: str
    programme_code: str
    allocation_id: int | None
    street_code: str
    kind: str
    kind_label: str
    facts: dict[str, Any]
    status: str
    status_label: str
    opened_at: datetime
    due_at: datetime
    outcome: str | None
    outcome_label: str | None
    outcome_reason: str | None
    exit_deadline: date | None
    ban_until: date | None
    decided_by: str | None
    decided_at: datetime | None
    rule: ExitRuleView | None


class CaseDecision(TypedDict):
    """What deciding a case did."""

    case_no: str
    outcome: str
    default: str | None
    exit_deadline: date | None
    ban_until: date | None
    credit_severity: str | None
    credit_events: int
    allocation_ended: int | None
    ledger_index: int


class Requalified(TypedDict):
    """The result of an annual re-qualification run."""

    checked: int
    qualified: int
    cases: int


CASE_DAYS = 30
MAX_FACTS_BYTES = 8192


def _case_no(conn: Connection, at: datetime) -> tuple[str, int]:
    prefix = "JG" + clock.to_local(at).strftime("%Y")
    n = conn.execute(select(func.count()).select_from(cases).where(cases.c.case_no.like(prefix + "%"))).scalar_one()
    return prefix, int(n)


def _facts_json(facts: Any) -> str:
    if not isinstance(facts, dict):
        raise ValidationError.of("facts", "应为对象（键值对）")
    try:
        text = json.dumps(facts, ensure_ascii=False, sort_keys=True)
        text.encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        raise ValidationError.of("facts", "不是有效的 JSON 对象") from None
    if len(text.encode("utf-8")) > MAX_FACTS_BYTES:
        raise ValidationError.of("facts", f"超过 {MAX_FACTS_BYTES} 字节")
    if "\\u0000" in text:
        raise ValidationError.of("facts", "不能包含空字符")
    return text


def _active_allocation(conn: Connection, app_id: int) -> Any:
    return conn.execute(
        select(allocations).where(allocations.c.application_id == app_id, allocations.c.active == 1)
    ).first()


def open_case(conn: Connection, caller: Caller, application_id: int, kind: str, facts: dict[str, Any]) -> int:
    """Open a tracking case on a supported household (allocated home or approved subsidy), e.g. from a
    clerk's inspection or a data feed (arrears, vacancy, sublet, false materials …). One open case per
    household and kind."""
    if kind not in domain.CASE_KINDS:
        raise ValidationError.of("kind", f"应为 {'、'.join(domain.CASE_KINDS)} 之一")
    text = _facts_json(facts)
    app = conn.execute(select(applications).where(applications.c.id == application_id)).first()
    if app is None:
        raise NotFound(f"申请 {application_id} 不存在")
    alloc = _active_allocation(conn, application_id)
    street = alloc.street_code if alloc is not None else app.street_code
    caller.scope.require(street, f"申请 {application_id} 不存在")
    if app.status not in (domain.AppStatus.allocated, domain.AppStatus.approved):
        raise Conflict(
            f"申请 {app.app_no} 当前状态为 {domain.STATUS_LABELS[domain.AppStatus(app.status)]}，不在保障中",
            [FieldError("application_id", app.status)],
        )
    dup = conn.execute(
        select(cases.c.case_no).where(
            cases.c.application_id == application_id, cases.c.kind == kind, cases.c.status == "open"
        )
    ).first()
    if dup is not None:
        raise Conflict(
            f"该户已有未办结的{domain.CASE_KINDS[kind]}案件 {dup.case_no}", [FieldError("kind", "已有未办结案件")]
        )
    now = clock.now()
    prefix, n = _case_no(conn, now)
    try:
        case_id = conn.execute(
            cases.insert()
            .values(
                case_no=f"{prefix}{n + 1:06d}",
                application_id=application_id,
                allocation_id=int(alloc.id) if alloc is not None else None,
                street_code=street,
                kind=kind,
                facts=text,
                status="open",
                opened_at=now,
                due_at=now + timedelta(days=CASE_DAYS),
            )
            .returning(cases.c.id)
        ).scalar_one()
    except IntegrityError:
        raise Conflict("案件编号分配冲突，请重试", [FieldError("case_no", "编号已被占用")]) from None
    record_step(
        conn,
        application_id,
        caller,
        "case_open",
        app.status,
        app.status,
        f"{domain.CASE_KINDS[kind]}：立案 {prefix}{n + 1:06d}",
    )
    return int(case_id)


def decide_case(conn: Connection, caller: Caller, case_id: int, outcome: str, reason: str | None) -> CaseDecision:
    """Decide a tracking case. The programme edition's exit rule for the case's kind gives the default
    outcome, exit deadline, ban and credit severity; another outcome needs a reason. Ending outcomes
    (exit, recovery, ban) end the allocation (the home becomes available again), close the household's
    benefits and set the application to exited; a credit event is recorded for every member when the
    rule says so (expiring with the ban). Logged."""
    require_officer(caller)
    if outcome not in domain.OUTCOMES:
        raise ValidationError.of("outcome", f"应为 {'、'.join(domain.OUTCOMES)} 之一")
    why = text_field(reason, "reason", 1000, required=False, lines=True)
    c = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    if c is None:
        raise NotFound(f"案件 {case_id} 不存在")
    caller.scope.require(c.street_code, f"案件 {case_id} 不存在")
    if c.status != "open":
        raise Conflict(f"案件 {c.case_no} 已办结", [FieldError("status", c.status)])
    app = conn.execute(select(applications).where(applications.c.id == c.application_id)).one()
    policy = edition(conn, app.edition_id)
    today = clock.today()
    cons = domain.consequences(policy, c.kind, outcome, today)
    if outcome != cons.default and not why:
        want = domain.OUTCOMES[cons.default] if cons.default else "（政策未规定）"
        raise ValidationError.of("reason", f"政策规定的处理结果为“{want}”，选择其他结果须说明理由")
    if outcome == "ban" and cons.ban_until is None:
        raise ValidationError.of(
            "outcome",
            f"{policy.label}未规定{domain.CASE_KINDS[c.kind]}的限制申请年限，不能选择“{domain.OUTCOMES['ban']}”",
        )
    now = clock.now()
    done = conn.execute(
        update(cases)
        .where(cases.c.id == case_id, cases.c.status == "open")
        .values(
            status="closed",
            outcome=outcome,
            outcome_reason=why,
            exit_deadline=cons.exit_deadline,
            ban_until=cons.ban_until,
            decided_by=caller.username[:64],
            decided_at=now,
        )
    )
    if done.rowcount != 1:
        raise Conflict("案件已被他人处理，请刷新后再试")
    label = f"{domain.CASE_KINDS[c.kind]}：{domain.OUTCOMES[outcome]}（{c.case_no}）"
    ended = None
    if cons.ends:
        alloc = _active_allocation(conn, int(c.application_id))
        if alloc is not None:
            conn.execute(
                update(allocations)
                .where(allocations.c.id == alloc.id)
                .values(status="ended", active=None, ended_at=now, end_reason=label[:200])
            )
            conn.execute(
                update(assisted_homes)
                .where(assisted_homes.c.home_id == alloc.home_id)
                .values(status="available", since=today)
            )
            ended = int(alloc.id)
        conn.execute(
            update(benefits)
            .where(benefits.c.application_id == c.application_id, benefits.c.until.is_(None))
            .values(until=today)
        )
        if app.status != domain.AppStatus.exited:
            close_application(conn, int(c.application_id), domain.AppStatus.exited)
    members = list(
        conn.execute(
            select(application_members.c.id_bidx)
            .where(application_members.c.application_id == c.application_id)
            .order_by(application_members.c.seq)
        ).scalars()
    )
    credit_ids = []
    if cons.credit:
        for b in members:
            credit_ids.append(
                record_event(
                    conn,
                    Event(
                        subject_kind="person",
                        subject_bidx=b,
                        source="assistance",
                        kind=f"assistance.{c.kind}",
                        severity=cons.credit,
                        occurred_on=today,
                        reference=c.case_no,
                        expires_on=cons.ban_until,
                        street_code=c.street_code,
                        detail={"programme": app.programme_code, "outcome": outcome, "case": c.case_no},
                        subject_type="household",
                    ),
                )
            )
    idx = ledger.append(
        conn,
        LOG,
        [
            log_entry(
                "assistance.case.decided",
                case_no=c.case_no,
                kind=c.kind,
                application=app.app_no,
                programme=app.programme_code,
                edition=policy.edition,
                outcome=outcome,
                default=cons.default,
                exit_deadline=cons.exit_deadline,
                ban_until=cons.ban_until,
                credit=cons.credit,
                members=len(members) if cons.credit else 0,
                allocation_ended=ended,
                actor=caller.username,
                at=now.isoformat(),
            )
        ],
    )
    to = domain.AppStatus.exited.value if cons.ends else app.status
    record_step(
        conn, int(c.application_id), caller, "case_decide", app.status, to, label + (f"：{why}" if why else ""), idx
    )
    return {
        "case_no": c.case_no,
        "outcome": outcome,
        "default": cons.default,
        "exit_deadline": cons.exit_deadline,
        "ban_until": cons.ban_until,
        "credit_severity": cons.credit,
        "credit_events": len(credit_ids),
        "allocation_ended": ended,
        "ledger_index": idx,
    }


def _case_out(r: Any, policy: domain.Policy | None = None) -> CaseView:
    rule = policy.exit_rules.get(r.kind) if policy else None
    return {
        "id": int(r.id),
        "case_no": r.case_no,
        "application_id": int(r.application_id),
        "app_no": r.app_no,
        "programme_code": r.programme_code,
        "allocation_id": int(r.allocation_id) if r.allocation_id is not None else None,
        "street_code": r.street_code,
        "kind": r.kind,
        "kind_label": domain.CASE_KINDS.get(r.kind, r.kind),
        "facts": json.loads(r.facts),
        "status": r.status,
        "status_label": domain.CASE_STATUSES.get(r.status, r.status),
        "opened_at": r.opened_at,
        "due_at": r.due_at,
        "outcome": r.outcome,
        "outcome_label": domain.OUTCOMES.get(r.outcome) if r.outcome else None,
        "outcome_reason": r.outcome_reason,
        "exit_deadline": r.exit_deadline,
        "ban_until": r.ban_until,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at,
        "rule": (
            {"outcome": rule.outcome, "exit_days": rule.exit_days, "ban_years": rule.ban_years, "credit": rule.credit}
            if rule
            else None
        ),
    }


def _case_select() -> Any:
    return select(cases, applications.c.app_no, applications.c.programme_code, applications.c.edition_id).join(
        applications, applications.c.id == cases.c.application_id
    )


def get_case(conn: Connection, case_id: int, *, scope: Scope) -> CaseView:
    r = conn.execute(_case_select().where(cases.c.id == case_id)).first()
    if r is None:
        raise NotFound(f"案件 {case_id} 不存在")
    scope.require(r.street_code, f"案件 {case_id} 不存在")
    return _case_out(r, edition(conn, r.edition_id))


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    kind: str | None = None
    overdue: bool = False


def list_cases(conn: Connection, f: CaseFilter, *, scope: Scope, limit: int, offset: int) -> Page[CaseView]:
    conds: list[Any] = list(scope.where(cases.c.street_code))
    if f.status:
        conds.append(cases.c.status == f.status)
    if f.kind:
        conds.append(cases.c.kind == f.kind)
    if f.overdue:
        conds.append(and_(cases.c.status == "open", cases.c.due_at < clock.now()))
    q = _case_select().where(*conds).order_by(cases.c.status.desc(), cases.c.due_at, cases.c.id)
    eds = Editions(conn)
    count_stmt = select(cases.c.id).where(*conds)
    return fetch_page(
        conn, q, limit=limit, offset=offset, row=lambda r: _case_out(r, eds(r.edition_id)), count_stmt=count_stmt
    )


def requalify(conn: Connection, caller: Caller, programme_code: str, on: date | None = None) -> Requalified:
    """Annual re-qualification (年度复核) of the households a programme supports now — allocated homes,
    or approved subsidies — whose last check is older than the edition's ``requalify_months``: the
    eligibility check runs again set-wise (their own benefit does not count against them) and a
    ``requalification`` case is opened for each that no longer qualifies, its facts the failed rules."""
    require_officer(caller)
    today = clock.today()
    on = on or today
    if not date(2000, 1, 1) <= on <= today + timedelta(days=366):
        raise ValidationError.of("on", "复核日期应在 2000 年以后、一年之内")
    policy = programme_policy(conn, programme_code)
    if policy.benefit == domain.Benefit.home:
        status = domain.AppStatus.allocated
    elif policy.benefit == domain.Benefit.subsidy:
        status = domain.AppStatus.approved
    else:
        raise ValidationError.of("programme_code", f"{policy.name}不做年度复核")
    cutoff = midnight(domain.add_months(on, -policy.requalify_months))
    open_case_ = (
        select(cases.c.id)
        .where(cases.c.application_id == applications.c.id, cases.c.kind == "requalification", cases.c.status == "open")
        .exists()
    )
    rows = conn.execute(
        select(
            applications.c.id,
            applications.c.app_no,
            applications.c.status,
            applications.c.street_code,
            applications.c.edition_id,
        )
        .where(
            applications.c.programme_code == programme_code,
            applications.c.status == status.value,
            *caller.scope.where(applications.c.street_code),
        )
        .where(or_(applications.c.checked_at.is_(None), applications.c.checked_at < cutoff), ~open_case_)
        .order_by(applications.c.id)
    ).all()
    checked = qualified = opened = 0
    now = clock.now()
    prefix, n = _case_no(conn, now)
    eds = Editions(conn)
    for chunk in range(0, len(rows), 5000):
        part = rows[chunk : chunk + 5000]
        ids = [int(r.id) for r in part]
        hh = households(conn, ids)
        who = {m.id_bidx: m.relation for h in hh.values() for m in h.members}
        facts = facts_for(conn, {x: [m.id_bidx for m in h.members] for x, h in hh.items()}, on, who)
        own = _benefits_elsewhere(conn, {x: [m.id_bidx for m in h.members] for x, h in hh.items()}, on)
        # the same path as every other check: the departments' facts known now (迁出 disqualifies)
        results = evaluate_many(
            conn,
            hh,
            {int(r.id): eds(r.edition_id) for r in part if int(r.id) in hh},
            {x: replace(facts[x], supported_by=own.get(x, ())) for x in hh},
            on,
        )
        if results:
            conn.execute(
                update(applications)
                .where(applications.c.id == bindparam("b_id"))
                .values(eligible=bindparam("b_ok"), eligibility=bindparam("b_json"), checked_at=now),
                [{"b_id": x, "b_ok": e.eligible, "b_json": e.to_json()} for x, e in results.items()],
            )
        new_cases, steps = [], []
        for r in part:
            e = results.get(int(r.id))
            if e is None:
                continue
            checked += 1
            if e.eligible:
                qualified += 1
                continue
            n += 1
            alloc = _active_allocation(conn, int(r.id)) if status == domain.AppStatus.allocated else None
            failed = [{"code": x.code, "name": x.name, "reason": x.reason} for x in e.failed]
            new_cases.append(
                {
                    "case_no": f"{prefix}{n:06d}",
                    "application_id": int(r.id),
                    "allocation_id": int(alloc.id) if alloc is not None else None,
                    "street_code": alloc.street_code if alloc is not None else r.street_code,
                    "kind": "requalification",
                    "facts": json.dumps(
                        {
                            "checked_on": on.isoformat(),
                            "policy": f"{e.policy_code}#{e.policy_edition}",
                            "failed": failed,
                        },
                        ensure_ascii=False,
                    ),
                    "status": "open",
                    "opened_at": now,
                    "due_at": now + timedelta(days=CASE_DAYS),
                }
            )
            steps.append(
                {
                    "application_id": int(r.id),
                    "at": now,
                    "actor": caller.username[:64],
                    "level": level_of(caller),
                    "action": "case_open",
                    "from_status": r.status,
                    "to_status": r.status,
                    "reason": f"年度复核不再符合条件：{'；'.join(x['reason'] for x in failed)}"[:2000],
                    "ledger_index": None,
                }
            )
        if new_cases:
            try:
                conn.execute(cases.insert(), new_cases)
            except IntegrityError:
                raise Conflict("案件编号分配冲突，请重试", [FieldError("case_no", "编号已被占用")]) from None
            conn.execute(application_steps.insert(), steps)
            opened += len(new_cases)
    return {"checked": checked, "qualified": qualified, "cases": opened}


def _benefits_elsewhere(conn: Connection, bidx_by_app: dict[int, list[str]], on: date) -> dict[int, tuple[str, ...]]:
    """For each application, the programme_labels its members are supported by through other applications."""
    all_bidx = sorted({b for bs in bidx_by_app.values() for b in bs})
    by_person: dict[str, set[tuple[int | None, str]]] = {}
    for i in range(0, len(all_bidx), 5000):
        for b, app_id, prog in conn.execute(
            select(benefits.c.id_bidx, benefits.c.application_id, benefits.c.programme_code).where(
                benefits.c.id_bidx.in_(all_bidx[i : i + 5000]),
                benefits.c.since <= on,
                or_(benefits.c.until.is_(None), benefits.c.until > on),
            )
        ):
            by_person.setdefault(b, set()).add((int(app_id) if app_id is not None else None, str(prog)))
    return {
        x: tuple(sorted({p for b in bs for (a, p) in by_person.get(b, ()) if a != x})) for x, bs in bidx_by_app.items()
    }
