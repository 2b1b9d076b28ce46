"""The review flow: submission, withdrawal, the levels' decisions, the public notice and objections,
final approval and the start of a benefit. Each decision is a step of the application's history and an
entry of the verifiable log ``assistance``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from anju.assistance import domain
from anju.assistance.catalogue import edition, in_force
from anju.assistance.common import ROLE_LEVEL, decision_step, member_conflict, own_application, scoped_application
from anju.assistance.consent import require_consents
from anju.assistance.disclosure import refusal
from anju.assistance.eligibility import check_many
from anju.assistance.tables import application_documents, application_members, applications, benefits, objections
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.security import Caller, Keyring, Role


def set_pending(conn: Connection, app_id: int, pending: bool) -> None:
    try:
        with conn.begin_nested():
            conn.execute(
                update(application_members)
                .where(application_members.c.application_id == app_id)
                .values(pending=1 if pending else None)
            )
    except IntegrityError:
        bidxs = list(
            conn.execute(
                select(application_members.c.id_bidx).where(application_members.c.application_id == app_id)
            ).scalars()
        )
        raise member_conflict(conn, bidxs, app_id) from None


def submit(conn: Connection, kr: Keyring, caller: Caller, app_id: int) -> domain.Eligibility:
    """Submit a draft (or resubmit a returned application): the applicant is the account's verified
    identity, every other adult member has consented (:func:`consent.require_consents`) and the
    eligibility check passes; the application goes to the first review level with its deadline. An
    ineligible application is refused with every failed rule named (its requirement, not the figures:
    :func:`disclosure.refusal`), and nothing changes."""
    row = own_application(conn, caller, app_id)
    if row.status not in (domain.AppStatus.draft, domain.AppStatus.returned):
        raise Conflict(f"申请当前状态为 {domain.STATUS_LABELS[domain.AppStatus(row.status)]}，不能提交")
    docs = conn.execute(
        select(func.count()).select_from(application_documents).where(application_documents.c.application_id == app_id)
    ).scalar_one()
    if not docs:
        raise ValidationError.of("documents", "请至少上传一份证明材料（身份证明）")
    require_consents(conn, kr, caller, app_id)
    edition_id = int(row.edition_id)
    if row.status == domain.AppStatus.draft:
        # a draft is not yet an application: it is judged by the edition in force when it is submitted
        # (a returned application keeps the edition it was first submitted under)
        edition_id, _ = in_force(conn, row.programme_code, clock.today())
        if edition_id != row.edition_id:
            conn.execute(update(applications).where(applications.c.id == app_id).values(edition_id=edition_id))
    result = check_many(conn, [app_id], clock.today(), store=False)[app_id]
    if not result.eligible:
        message, fields = refusal(result)
        raise ValidationError(message, [FieldError(f, reason) for f, reason in fields])
    policy = edition(conn, edition_id)
    set_pending(conn, app_id, True)
    now = clock.now()
    first = policy.review_levels[0]
    conn.execute(
        update(applications)
        .where(applications.c.id == app_id)
        .values(
            status=domain.AppStatus.submitted.value,
            level=first,
            due_at=now + timedelta(days=policy.review_days[first]),
            submitted_at=row.submitted_at or now,
            eligible=True,
            eligibility=result.to_json(),
            priority_class=result.priority_class,
            checked_at=now,
            updated_at=now,
            version=applications.c.version + 1,
        )
    )
    decision_step(conn, app_id, caller, "applicant", "submit", row.status, domain.AppStatus.submitted, None, log=True)
    return result


def withdraw(conn: Connection, caller: Caller, app_id: int, reason: str | None = None) -> None:
    row = own_application(conn, caller, app_id)
    if row.status not in (
        domain.AppStatus.draft,
        domain.AppStatus.submitted,
        domain.AppStatus.returned,
        domain.AppStatus.notice,
        domain.AppStatus.approved,
    ):
        raise Conflict(f"申请当前状态为 {domain.STATUS_LABELS[domain.AppStatus(row.status)]}，不能撤回")
    close_application(conn, app_id, domain.AppStatus.withdrawn)
    # a subsidy or qualification already granted ends with the withdrawal
    conn.execute(
        update(benefits)
        .where(benefits.c.application_id == app_id, benefits.c.until.is_(None))
        .values(until=clock.today())
    )
    decision_step(
        conn,
        app_id,
        caller,
        "applicant",
        "withdraw",
        row.status,
        domain.AppStatus.withdrawn,
        reason,
        log=row.status != "draft",
    )


def close_application(conn: Connection, app_id: int, status: domain.AppStatus) -> None:
    now = clock.now()
    conn.execute(
        update(applications)
        .where(applications.c.id == app_id)
        .values(
            status=status.value,
            level=None,
            due_at=None,
            closed_at=now,
            updated_at=now,
            version=applications.c.version + 1,
        )
    )
    conn.execute(update(application_members).where(application_members.c.application_id == app_id).values(pending=None))


@dataclass(frozen=True)
class Decision:
    action: str  # approve | return | reject
    reason: str | None = None
    version: int | None = None  # the version the reviewer saw (optimistic concurrency)


def _check_review(dec: Decision, row: Any, level: str | None) -> None:
    """The decision is well formed and may be taken now, at this level, on the version seen."""
    if dec.action not in ("approve", "return", "reject"):
        raise ValidationError.of("action", "应为 approve、return 或 reject")
    if dec.action in ("return", "reject") and not (dec.reason and dec.reason.strip()):
        raise ValidationError.of("reason", "退回或不予批准须说明理由")
    if dec.reason and len(dec.reason) > 500:
        raise ValidationError.of("reason", "最长 500 个字符")
    if row.status != domain.AppStatus.submitted:
        raise Conflict(f"申请当前状态为 {domain.STATUS_LABELS[domain.AppStatus(row.status)]}，不在审核中")
    if level is None or level != row.level:
        want = domain.LEVEL_LABELS.get(row.level or "", "?")
        raise Conflict(f"该申请正处于{want}级审核，您不能在此环节作出决定", [FieldError("level", row.level or "")])
    if dec.version is not None and dec.version != row.version:
        raise Conflict("申请已被他人处理，请刷新后再试", [FieldError("version", "已过期")])


def review(conn: Connection, caller: Caller, app_id: int, dec: Decision) -> domain.AppStatus:
    """A reviewer's decision at the application's current level: approve (to the next level, or to the
    public notice after the last), return for more information, or reject (a reason is required)."""
    row = scoped_application(conn, caller.scope, app_id)
    level = ROLE_LEVEL.get(caller.role) if caller.role else None
    _check_review(dec, row, level)
    assert level is not None
    policy = edition(conn, row.edition_id)
    now = clock.now()
    values: dict[str, Any] = {"updated_at": now, "version": row.version + 1}
    if dec.action == "approve":
        levels = list(policy.review_levels)
        i = levels.index(level)
        if i + 1 < len(levels):
            nxt = levels[i + 1]
            to = domain.AppStatus.submitted
            values |= {"level": nxt, "due_at": now + timedelta(days=policy.review_days[nxt])}
        else:
            to = domain.AppStatus.notice
            values |= {"level": None, "due_at": None, "notice_until": now + timedelta(days=policy.notice_days)}
        res = conn.execute(
            update(applications)
            .where(applications.c.id == app_id, applications.c.version == row.version)
            .values(status=to.value, **values)
        )
        if res.rowcount != 1:
            raise Conflict("申请已被他人处理，请刷新后再试")
    elif dec.action == "return":
        to = domain.AppStatus.returned
        res = conn.execute(
            update(applications)
            .where(applications.c.id == app_id, applications.c.version == row.version)
            .values(status=to.value, level=None, due_at=None, **values)
        )
        if res.rowcount != 1:
            raise Conflict("申请已被他人处理，请刷新后再试")
    else:
        to = domain.AppStatus.rejected
        close_application(conn, app_id, to)
        conn.execute(update(applications).where(applications.c.id == app_id).values(decided_at=now))
    decision_step(conn, app_id, caller, level, dec.action, row.status, to, dec.reason, log=True)
    return to


def object_to(conn: Connection, caller: Caller, app_id: int, text: str) -> int:
    """An objection during the public notice (a citizen, landlord or agency: ``assistance.object``)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError.of("text", "请填写异议内容")
    if len(text) > 2000:
        raise ValidationError.of("text", "最长 2000 个字符")
    row = conn.execute(
        select(applications.c.status, applications.c.notice_until).where(applications.c.id == app_id)
    ).first()
    if row is None or row.status != domain.AppStatus.notice:
        raise NotFound(f"公示中没有申请 {app_id}")
    oid = conn.execute(
        objections.insert()
        .values(application_id=app_id, text=text, submitted_at=clock.now(), status="open")
        .returning(objections.c.id)
    ).scalar_one()
    decision_step(conn, app_id, caller, "public", "objection", row.status, domain.AppStatus.notice, None)
    return int(oid)


def resolve_objection(conn: Connection, caller: Caller, objection_id: int, upheld: bool, resolution: str) -> None:
    """A district or city officer resolves an objection; an upheld one rejects the application."""
    if not resolution or not resolution.strip():
        raise ValidationError.of("resolution", "请填写核查结论")
    if caller.role not in (Role.district_officer, Role.city_officer):
        raise Conflict("异议由区或市住房部门核查")
    o = conn.execute(select(objections).where(objections.c.id == objection_id)).first()
    if o is None:
        raise NotFound(f"异议 {objection_id} 不存在")
    row = scoped_application(conn, caller.scope, o.application_id)
    if o.status != "open":
        raise Conflict("该异议已处理")
    conn.execute(
        update(objections)
        .where(objections.c.id == objection_id)
        .values(
            status="upheld" if upheld else "dismissed",
            resolution=resolution,
            resolved_by=caller.username,
            resolved_at=clock.now(),
        )
    )
    level = ROLE_LEVEL[caller.role]
    if upheld and row.status == domain.AppStatus.notice:
        close_application(conn, row.id, domain.AppStatus.rejected)
        conn.execute(update(applications).where(applications.c.id == row.id).values(decided_at=clock.now()))
        decision_step(
            conn, row.id, caller, level, "objection_upheld", row.status, domain.AppStatus.rejected, resolution, log=True
        )
    else:
        decision_step(
            conn, row.id, caller, level, "objection_dismissed", row.status, domain.AppStatus(row.status), resolution
        )


def finalise_notices(conn: Connection, caller: Caller, now: datetime | None = None) -> list[int]:
    """Applications whose notice period ended without an open objection become approved (the final
    decision, logged); subsidies and purchase qualifications start at once."""
    now = now or clock.now()
    open_obj = select(objections.c.id).where(
        objections.c.application_id == applications.c.id, objections.c.status == "open"
    )
    rows = conn.execute(
        select(applications.c.id, applications.c.edition_id, applications.c.household_size, applications.c.talent_tier)
        .where(applications.c.status == domain.AppStatus.notice, applications.c.notice_until <= now)
        .where(~open_obj.exists())
        .where(*caller.scope.where(applications.c.street_code))
    ).all()
    done = []
    today = clock.to_local(now).date()
    for r in rows:
        policy = edition(conn, r.edition_id)
        conn.execute(
            update(applications)
            .where(applications.c.id == r.id)
            .values(
                status=domain.AppStatus.approved.value,
                decided_at=now,
                updated_at=now,
                version=applications.c.version + 1,
            )
        )
        if policy.benefit != domain.Benefit.home:
            start_benefit(conn, r.id, policy, today)
        decision_step(
            conn,
            r.id,
            caller,
            "system",
            "approve_final",
            domain.AppStatus.notice,
            domain.AppStatus.approved,
            None,
            log=True,
        )
        done.append(int(r.id))
    return done


def start_benefit(conn: Connection, app_id: int, policy: domain.Policy, since: date) -> None:
    """Record every member as supported by the programme (the "already supported" rule reads it)."""
    bidxs = conn.execute(
        select(application_members.c.id_bidx).where(application_members.c.application_id == app_id)
    ).scalars()
    conn.execute(
        benefits.insert(),
        [
            {
                "id_bidx": b,
                "application_id": app_id,
                "programme_code": policy.code,
                "kind": policy.benefit.value,
                "since": since,
                "until": None,
            }
            for b in bidxs
        ],
    )
