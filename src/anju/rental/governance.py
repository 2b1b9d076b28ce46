"""Governance of the rental market: complaints and disputes (投诉/纠纷), inspections (检查) and the
violations they find, which become credit events (the stream the credit capability consumes).
Inspections are :mod:`anju.rental.inspections`; the subjects and violations both record are here.

A complaint is assigned to the street of its subject (the lease's, listing's, home's or party's
street) with a deadline (``rental_complaint_days``); it moves received → handling → resolved or
rejected, with the handler's reply, which the complainant reads. An open complaint past its deadline is
*overdue*: it is escalated to the district (shown first in every queue, and in the district's
escalation filter). Every function takes a ``Connection`` (one transaction opened by the route with
its audit row) and the caller's scope; out-of-scope records are "not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypedDict

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.exc import IntegrityError

from anju import credit
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.registry import home_owners, homes, owned_on
from anju.rental import domain
from anju.rental.tables import (
    rental_complaint_events,
    rental_complaints,
    rental_leases,
    rental_listings,
    rental_parties,
    rental_violations,
)
from anju.security import Caller, Keyring, accounts

SOURCE = "rental"

# ------------------------------------------------------------------------------------------ subjects


@dataclass(frozen=True)
class Target:
    """What a complaint or inspection is about, resolved to its row ids and its street."""

    kind: str  # lease | listing | party | home
    street_code: str
    district_code: str
    lease_id: int | None = None
    listing_id: int | None = None
    party_id: int | None = None
    home_id: int | None = None
    reference: str = ""  # a public number naming it (lease, listing, party or house code)


def _home(conn: Connection, house_code: str | None, fld: str) -> Any:
    c = (house_code or "").strip().upper()
    row = conn.execute(select(homes).where(homes.c.house_code == c)).first() if c else None
    if row is None:
        raise ValidationError.of(fld, "没有这个房屋代码")
    return row


def target_of(conn: Connection, kind: str, ref: int | str | None, fld: str) -> Target:
    if kind == "home":
        h = _home(conn, str(ref or ""), fld)
        return Target("home", h.street_code, h.district_code, home_id=int(h.id), reference=h.house_code)
    if not isinstance(ref, int):
        raise ValidationError.of(fld, "须填写编号")
    if kind == "lease":
        r = conn.execute(select(rental_leases).where(rental_leases.c.id == ref)).first()
        if r is None:
            raise ValidationError.of(fld, "没有这份租赁合同")
        return Target(
            "lease", r.street_code, r.district_code, lease_id=ref, home_id=int(r.home_id), reference=r.lease_no
        )
    if kind == "listing":
        r = conn.execute(select(rental_listings).where(rental_listings.c.id == ref)).first()
        if r is None:
            raise ValidationError.of(fld, "没有这个房源")
        return Target(
            "listing",
            r.street_code,
            r.district_code,
            listing_id=ref,
            home_id=int(r.home_id),
            party_id=None if r.party_id is None else int(r.party_id),
            reference=r.listing_no,
        )
    if kind == "party":
        r = conn.execute(select(rental_parties).where(rental_parties.c.id == ref)).first()
        if r is None:
            raise ValidationError.of(fld, "没有这个租赁主体")
        return Target("party", r.street_code, r.district_code, party_id=ref, reference=r.party_no)
    raise ValidationError.of("subject_kind", "应为 lease、listing、party 或 home")


def _subjects(conn: Connection, kr: Keyring, t: Target, on: date) -> list[tuple[str, str]]:
    """Who answers for a target, as (subject_kind, blind index) credit subjects: a party's
    organisation; a listing's party, else the owner it rests on; a lease's landlord; a home's owners."""
    if t.kind == "party" or (t.kind == "listing" and t.party_id is not None):
        code = conn.execute(select(rental_parties.c.credit_code).where(rental_parties.c.id == t.party_id)).scalar_one()
        return [("org", kr.blind_index(code, "credit_code"))]
    if t.kind == "listing":
        b = conn.execute(select(rental_listings.c.owner_bidx).where(rental_listings.c.id == t.listing_id)).scalar_one()
        if b:
            return [("person", b)]
    if t.kind == "lease":
        r = conn.execute(
            select(
                rental_leases.c.landlord_kind, rental_leases.c.landlord_party_id, rental_leases.c.landlord_bidx
            ).where(rental_leases.c.id == t.lease_id)
        ).one()
        if r.landlord_party_id is not None:
            return _subjects(
                conn, kr, Target("party", t.street_code, t.district_code, party_id=r.landlord_party_id), on
            )
        return [("person", r.landlord_bidx)]
    o = home_owners
    rows = conn.execute(
        select(o.c.owner_kind, o.c.owner_bidx).where(
            o.c.home_id == t.home_id,
            owned_on(on),
        )
    ).all()
    return sorted({("org" if k == "org" else "person", b) for k, b in rows})


@dataclass(frozen=True)
class ViolationIn:
    kind: str
    description: str
    severity: str | None = None  # None: the kind's default


def check_violations(items: Sequence[ViolationIn], prefix: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, v in enumerate(items):
        f = f"{prefix}[{i}]"
        if v.kind not in domain.VIOLATION_KINDS:
            errors.append(FieldError(f"{f}.kind", "未知的违规类型，见 docs/rental.md"))
        if v.severity is not None and v.severity not in domain.SEVERITY_LABELS:
            errors.append(FieldError(f"{f}.severity", "应为 minor、major 或 serious"))
        d = " ".join((v.description or "").split())
        if not d or len(d) > 500:
            errors.append(FieldError(f"{f}.description", "应为 1–500 个字符"))
    return errors


def record_violations(
    conn: Connection,
    kr: Keyring,
    t: Target,
    items: Sequence[ViolationIn],
    on: date,
    *,
    reference: str,
    inspection_id: int | None = None,
    complaint_id: int | None = None,
) -> list[int]:
    """Each violation becomes one credit event per subject (source ``rental``), and a row here."""
    subjects = _subjects(conn, kr, t, on)
    if items and not subjects:
        raise ValidationError.of("violations", "找不到应承担责任的主体（房屋无在册产权人）")
    now = clock.now()
    events: list[int] = []
    for v in items:
        severity = v.severity or domain.VIOLATION_KINDS[v.kind][1]
        desc = " ".join(v.description.split())
        for subject_kind, bidx in subjects:
            ev = credit.record_event(
                conn,
                credit.Event(
                    subject_kind=subject_kind,
                    subject_bidx=bidx,
                    source=SOURCE,
                    kind=v.kind,
                    severity=severity,
                    occurred_on=on,
                    reference=reference,
                    street_code=t.street_code,
                    detail={
                        "target": t.kind,
                        "target_ref": t.reference,
                        "inspection_id": inspection_id,
                        "complaint_id": complaint_id,
                    },
                ),
            )
            conn.execute(
                rental_violations.insert().values(
                    inspection_id=inspection_id,
                    complaint_id=complaint_id,
                    kind=v.kind,
                    severity=severity,
                    description=desc,
                    subject_kind=subject_kind,
                    subject_bidx=bidx,
                    street_code=t.street_code,
                    occurred_on=on,
                    credit_event_id=ev,
                    recorded_at=now,
                )
            )
            events.append(ev)
    return events


# ---------------------------------------------------------------------------------------- complaints


@dataclass(frozen=True)
class ComplaintIn:
    kind: str
    category: str
    subject_kind: str
    title: str
    text: str
    lease_id: int | None = None
    listing_id: int | None = None
    party_id: int | None = None
    house_code: str | None = None


@dataclass(frozen=True)
class ComplaintFilter:
    status: str | None = None
    kind: str | None = None
    street: str | None = None
    overdue: bool = False
    escalated: bool = False  # only the overdue open ones (the district's queue)
    open_only: bool = False


def next_number(conn: Connection, col: Any, prefix: str, at: datetime, digits: int = 7) -> str:
    year = clock.to_local(at).year
    p = f"{prefix}{year}"
    last = conn.execute(select(func.max(col)).where(col >= p, col < f"{prefix}{year + 1}")).scalar_one()
    return f"{p}{(int(last[len(p) :]) if last else 0) + 1:0{digits}d}"


def _event(conn: Connection, complaint_id: int, kind: str, actor: int | None, text: str | None) -> None:
    conn.execute(
        rental_complaint_events.insert().values(
            complaint_id=complaint_id, kind=kind, at=clock.now(), actor_account_id=actor, text=text
        )
    )


def file_complaint(conn: Connection, caller: Caller, cmd: ComplaintIn, *, days: int) -> int:
    """A tenant, landlord or other member of the public complains about (or reports a dispute over) a
    lease, a listing, a party or a home. It is assigned to the subject's street, due in ``days`` days."""
    if caller.account_id is None:
        raise ValidationError.of("account", "须登录后投诉")
    errors: list[FieldError] = []
    if cmd.kind not in domain.COMPLAINT_KINDS:
        errors.append(FieldError("kind", "应为 complaint（投诉）或 dispute（纠纷）"))
    if cmd.category not in domain.COMPLAINT_CATEGORIES:
        errors.append(FieldError("category", f"应为 {'、'.join(domain.COMPLAINT_CATEGORIES)} 之一"))
    title = " ".join((cmd.title or "").split())
    if not title or len(title) > 100:
        errors.append(FieldError("title", "应为 1–100 个字符"))
    text = (cmd.text or "").strip()
    if not text or len(text) > 5000:
        errors.append(FieldError("text", "应为 1–5000 个字符"))
    refs: dict[str, tuple[int | str | None, str]] = {
        "lease": (cmd.lease_id, "lease_id"),
        "listing": (cmd.listing_id, "listing_id"),
        "party": (cmd.party_id, "party_id"),
        "home": (cmd.house_code, "house_code"),
    }
    t: Target | None = None
    if cmd.subject_kind not in refs:
        errors.append(FieldError("subject_kind", "应为 lease、listing、party 或 home"))
    else:
        ref, fld = refs[cmd.subject_kind]
        try:
            t = target_of(conn, cmd.subject_kind, ref, fld)
        except ValidationError as e:
            errors.extend(e.errors)
    side = "public"
    if t is not None and t.kind == "lease":
        r = conn.execute(
            select(rental_leases.c.tenant_account_id, rental_leases.c.landlord_account_id).where(
                rental_leases.c.id == t.lease_id
            )
        ).one()
        if caller.account_id == r.tenant_account_id:
            side = "tenant"
        elif caller.account_id == r.landlord_account_id:
            side = "landlord"
        else:  # a lease is private: only its parties may complain about it (and learn it exists)
            errors = [e for e in errors if e.field != "lease_id"] + [FieldError("lease_id", "没有这份租赁合同")]
    elif caller.role is not None and caller.role.value == "landlord":
        side = "landlord"
    if t is not None and t.kind == "listing":
        seen = conn.execute(
            select(rental_listings.c.published_at, rental_listings.c.lister_account_id).where(
                rental_listings.c.id == t.listing_id
            )
        ).one()
        if seen.published_at is None and seen.lister_account_id != caller.account_id:
            # a listing never published is private: the same answer as for one that does not exist
            errors = [e for e in errors if e.field != "listing_id"] + [FieldError("listing_id", "没有这个房源")]
    if errors:
        # the summary a person reads carries the reasons; the fields are named by the errors themselves
        raise ValidationError("投诉信息有误：" + "；".join(e.reason for e in errors), errors)
    assert t is not None
    now = clock.now()
    cid = None
    for _ in range(3):
        try:
            with conn.begin_nested():
                cid = conn.execute(
                    rental_complaints.insert()
                    .values(
                        complaint_no=next_number(conn, rental_complaints.c.complaint_no, "TS", now),
                        kind=cmd.kind,
                        category=cmd.category,
                        subject_kind=t.kind,
                        lease_id=t.lease_id,
                        listing_id=t.listing_id,
                        party_id=t.party_id,
                        home_id=t.home_id,
                        district_code=t.district_code,
                        street_code=t.street_code,
                        complainant_account_id=caller.account_id,
                        complainant_side=side,
                        title=title,
                        text=text,
                        status=domain.ComplaintStatus.received.value,
                        due_at=now + timedelta(days=days),
                        handler_account_id=None,
                        reply=None,
                        credit_event_id=None,
                        created_at=now,
                        handled_at=None,
                        closed_at=None,
                        updated_at=now,
                    )
                    .returning(rental_complaints.c.id)
                ).scalar_one()
            break
        except IntegrityError:
            continue
    if cid is None:
        raise Conflict("投诉编号分配冲突，请重试")
    _event(conn, int(cid), "received", caller.account_id, None)
    return int(cid)


def _overdue_cond(now: datetime) -> Any:
    return and_(
        rental_complaints.c.status.in_([s.value for s in domain.OPEN_COMPLAINT]), rental_complaints.c.due_at < now
    )


class ComplaintSummary(TypedDict):
    """A complaint as listed (the staff queue, the complainant's list)."""

    id: int
    complaint_no: str
    kind: str
    kind_label: str
    category: str
    subject_kind: str
    subject_label: str
    lease_id: int | None
    listing_id: int | None
    party_id: int | None
    home_id: int | None
    district_code: str
    street_code: str
    complainant_side: str
    title: str
    status: str
    status_label: str
    due_at: datetime
    overdue: bool
    level: Literal["street", "district"]  # overdue open complaints are escalated to the district
    created_at: datetime
    handled_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime


class ComplaintEvent(TypedDict):
    kind: str
    at: datetime
    text: str | None
    by_staff: bool


class ComplaintDetail(ComplaintSummary):
    """One complaint with its text, the reply and every step (what the complainant sees)."""

    text: str
    reply: str | None
    credit_event_id: int | None
    events: list[ComplaintEvent]


class StaffComplaintDetail(ComplaintDetail):
    """What staff see of a complaint: the complainant's username too."""

    complainant: str | None


def _summary(r: Any, now: datetime) -> ComplaintSummary:
    is_open = r.status in domain.OPEN_COMPLAINT
    overdue = bool(is_open and r.due_at < now)
    return {
        "id": int(r.id),
        "complaint_no": r.complaint_no,
        "kind": r.kind,
        "kind_label": domain.COMPLAINT_KINDS[r.kind],
        "category": r.category,
        "subject_kind": r.subject_kind,
        "subject_label": domain.COMPLAINT_SUBJECTS[r.subject_kind],
        "lease_id": r.lease_id,
        "listing_id": r.listing_id,
        "party_id": r.party_id,
        "home_id": r.home_id,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "complainant_side": r.complainant_side,
        "title": r.title,
        "status": r.status,
        "status_label": domain.COMPLAINT_STATUS_LABELS[domain.ComplaintStatus(r.status)],
        "due_at": r.due_at,
        "overdue": overdue,
        "level": "district" if overdue else "street",
        "created_at": r.created_at,
        "handled_at": r.handled_at,
        "closed_at": r.closed_at,
        "updated_at": r.updated_at,
    }


def list_complaints(
    conn: Connection, f: ComplaintFilter, *, scope: Scope, limit: int, offset: int
) -> Page[ComplaintSummary]:
    """Complaints in scope (a public caller: their own), overdue first, then by deadline."""
    now = clock.now()
    conds: list[Any] = []
    if scope.level == "own":
        conds.append(rental_complaints.c.complainant_account_id == scope.account_id)
    else:
        conds.extend(scope.where(rental_complaints.c.street_code))
    if f.status:
        conds.append(rental_complaints.c.status == f.status)
    if f.open_only:
        conds.append(rental_complaints.c.status.in_([s.value for s in domain.OPEN_COMPLAINT]))
    if f.kind:
        conds.append(rental_complaints.c.kind == f.kind)
    if f.street:
        conds.append(rental_complaints.c.street_code == f.street)
    if f.overdue or f.escalated:
        conds.append(_overdue_cond(now))
    is_open = rental_complaints.c.status.in_([s.value for s in domain.OPEN_COMPLAINT])
    order = (
        [rental_complaints.c.id.desc()]
        if scope.level == "own"
        else [is_open.desc(), rental_complaints.c.due_at, rental_complaints.c.id]
    )
    stmt = select(rental_complaints).where(*conds).order_by(*order)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda r: _summary(r, now))


def _scoped_complaint(conn: Connection, scope: Scope, complaint_id: int) -> Any:
    row = conn.execute(select(rental_complaints).where(rental_complaints.c.id == complaint_id)).first()
    missing = f"投诉 {complaint_id} 不存在"
    if row is None:
        raise NotFound(missing)
    if scope.level == "own":
        if row.complainant_account_id != scope.account_id:
            raise NotFound(missing)
    else:
        scope.require(row.street_code, missing)
    return row


def get_complaint(conn: Connection, scope: Scope, complaint_id: int) -> ComplaintDetail:
    """One complaint with its text, the handler's reply and every step (staff and the complainant);
    for staff a :class:`StaffComplaintDetail` (the complainant's username too)."""
    r = _scoped_complaint(conn, scope, complaint_id)
    events: list[ComplaintEvent] = [
        {"kind": x.kind, "at": x.at, "text": x.text, "by_staff": x.actor_account_id != r.complainant_account_id}
        for x in conn.execute(
            select(rental_complaint_events)
            .where(rental_complaint_events.c.complaint_id == complaint_id)
            .order_by(rental_complaint_events.c.id)
        )
    ]
    out = ComplaintDetail(
        **_summary(r, clock.now()), text=r.text, reply=r.reply, credit_event_id=r.credit_event_id, events=events
    )
    if scope.level == "own":
        return out
    username = conn.execute(
        select(accounts.c.username).where(accounts.c.id == r.complainant_account_id)
    ).scalar_one_or_none()
    return StaffComplaintDetail(**out, complainant=username)


def take_complaint(conn: Connection, caller: Caller, complaint_id: int, note: str | None = None) -> None:
    """A handler takes a received complaint (received → handling)."""
    r = _scoped_complaint(conn, caller.scope, complaint_id)
    if r.status != domain.ComplaintStatus.received:
        raise Conflict("只有已受理（待办理）的投诉可以开始办理", [FieldError("status", r.status)])
    now = clock.now()
    done = conn.execute(
        rental_complaints.update()
        .where(
            rental_complaints.c.id == complaint_id, rental_complaints.c.status == domain.ComplaintStatus.received.value
        )
        .values(
            status=domain.ComplaintStatus.handling.value,
            handler_account_id=caller.account_id,
            handled_at=now,
            updated_at=now,
        )
    )
    if done.rowcount != 1:
        raise Conflict("投诉已被他人处理，请刷新后重试")
    _event(conn, complaint_id, "handling", caller.account_id, (note or "").strip()[:500] or None)


@dataclass(frozen=True)
class Resolution:
    outcome: str  # resolved | rejected
    reply: str
    violations: Sequence[ViolationIn] = field(default_factory=tuple)


def resolve_complaint(conn: Connection, kr: Keyring, caller: Caller, complaint_id: int, res: Resolution) -> str:
    """Close a complaint being handled with the handler's reply: resolved (办结) or rejected (驳回). An
    upheld complaint may record violations of its subject: each becomes a credit event."""
    r = _scoped_complaint(conn, caller.scope, complaint_id)
    errors: list[FieldError] = []
    if res.outcome not in (domain.ComplaintStatus.resolved, domain.ComplaintStatus.rejected):
        errors.append(FieldError("outcome", "应为 resolved（办结）或 rejected（驳回）"))
    reply = (res.reply or "").strip()
    if not reply or len(reply) > 5000:
        errors.append(FieldError("reply", "须填写答复（1–5000 个字符）"))
    if res.violations and res.outcome != domain.ComplaintStatus.resolved:
        errors.append(FieldError("violations", "驳回的投诉不能认定违规"))
    errors.extend(check_violations(res.violations, "violations"))
    if errors:
        raise ValidationError("办理意见有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    if r.status != domain.ComplaintStatus.handling:
        raise Conflict("只有办理中的投诉可以办结或驳回", [FieldError("status", r.status)])
    now = clock.now()
    done = conn.execute(
        rental_complaints.update()
        .where(
            rental_complaints.c.id == complaint_id, rental_complaints.c.status == domain.ComplaintStatus.handling.value
        )
        .values(status=res.outcome, reply=reply, closed_at=now, updated_at=now, handler_account_id=caller.account_id)
    )
    if done.rowcount != 1:
        raise Conflict("投诉已被他人处理，请刷新后重试")
    if res.violations:
        t = Target(
            r.subject_kind,
            r.street_code,
            r.district_code,
            lease_id=r.lease_id,
            listing_id=r.listing_id,
            party_id=r.party_id,
            home_id=r.home_id,
            reference=r.complaint_no,
        )
        events = record_violations(
            conn, kr, t, res.violations, clock.today(), reference=r.complaint_no, complaint_id=complaint_id
        )
        conn.execute(
            rental_complaints.update().where(rental_complaints.c.id == complaint_id).values(credit_event_id=events[0])
        )
    _event(conn, complaint_id, res.outcome, caller.account_id, reply)
    return res.outcome
