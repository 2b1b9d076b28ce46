"""Owners' complaints about an estate's property service (物业投诉, issue 22), on the design of the rental
complaints (:mod:`anju.rental.governance`): routed to the street of the estate, due in
``estates_complaint_days`` working days, every step an event on the timeline.

- An owner (``estates.own``) with a verified identity who owns a home of the estate on the register
  (``registry.is_owner``, the same check as the rental and transactions owners: the verified number and
  name) files it, naming that home. It goes to the estate's street and, when the estate has an active
  project, to its company (status ``company``, 待企业答复); otherwise ``received``.
- The company replies: its staff (``estates.company``, an account whose ``org_code`` is the company's
  credit code) or the street recording the reply the company gave (``reply_recorded``). The reply moves
  it to ``handling``; the street may also take it without waiting (``handling``).
- The street resolves it (upheld or not, with its reply) or rejects it with a reason. An upheld
  complaint about a company is a credit event of the company (:mod:`anju.estates.quality_credit`).

An open complaint past its deadline is *overdue* (shown first, with its own filter). Every function
takes a ``Connection`` (one transaction opened by the route, with its audit row) and the caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.exc import IntegrityError

from anju import divisions, registry
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.estates import domain, quality_credit, quality_rules
from anju.estates.tables import estates_companies, estates_complaint_events, estates_complaints, estates_projects
from anju.security import Caller, Keyring, accounts

OPEN = ("received", "company", "handling")
EVENT_LABELS = {
    "received": "受理并分派至街道",
    "forwarded": "转物业服务企业答复",
    "company_reply": "物业服务企业答复",
    "reply_recorded": "街道代录企业答复",
    "handling": "街道开始办理",
    "resolved": "办结",
    "rejected": "不予受理",
    "credit_event": "记入企业信用档案",
}
_T = estates_complaints
_TC = _T.c


@dataclass(frozen=True)
class ComplaintIn:
    house_code: str  # the owner's home in the estate complained about
    category: str
    title: str
    text: str


@dataclass(frozen=True)
class ComplaintFilter:
    status: str | None = None
    category: str | None = None
    street: str | None = None
    overdue: bool = False
    open_only: bool = False


class ComplaintSummary(TypedDict):
    id: int
    complaint_no: str
    estate_id: int
    estate_name: str
    company_id: int | None
    company_name: str | None
    category: str
    category_label: str
    title: str
    district_code: str
    street_code: str
    status: str
    status_label: str
    due_at: datetime
    overdue: bool
    upheld: bool | None
    created_at: datetime
    closed_at: datetime | None


class ComplaintEvent(TypedDict):
    kind: str
    label: str
    at: datetime
    text: str | None


class ComplaintDetail(ComplaintSummary):
    text: str
    company_reply: str | None
    reply: str | None
    credit_event_id: int | None
    events: list[ComplaintEvent]


# --------------------------------------------------------------------------------------------- helpers


def _text(value: str | None, fld: str, max_len: int, errors: list[FieldError], what: str) -> str:
    v = (value or "").strip()
    if not v or len(v) > max_len:
        errors.append(FieldError(fld, f"须填写{what}（1–{max_len} 个字符）"))
    return v


def next_number(conn: Connection, at: datetime) -> str:
    """``WY<year><7 digits>``: the next complaint number of the year (city time)."""
    p = f"WY{clock.to_local(at).year}"
    last = conn.execute(select(func.max(_TC.complaint_no)).where(_TC.complaint_no.like(p + "%"))).scalar_one()
    return f"{p}{(int(last[len(p) :]) if last else 0) + 1:07d}"


def _event(conn: Connection, complaint_id: int, kind: str, actor: int | None, text: str | None = None) -> None:
    conn.execute(
        estates_complaint_events.insert().values(
            complaint_id=complaint_id, kind=kind, actor_account_id=actor, text=text, at=clock.now()
        )
    )


def _account(conn: Connection, caller: Caller) -> Any:
    if caller.account_id is None:
        raise ValidationError.of("account", "须登录")
    row = conn.execute(select(accounts).where(accounts.c.id == caller.account_id)).first()
    if row is None:
        raise NotFound("账户不存在")
    return row


def company_of(conn: Connection, caller: Caller) -> int | None:
    """The filed company a company account works for (its ``org_code`` is the company's credit code)."""
    org = conn.execute(select(accounts.c.org_code).where(accounts.c.id == caller.account_id)).scalar_one_or_none()
    if not org:
        return None
    cid = conn.execute(select(estates_companies.c.id).where(estates_companies.c.credit_code == org)).scalar()
    return None if cid is None else int(cid)


# ---------------------------------------------------------------------------------------------- filing


def check_fields(category: str, title: str, text: str) -> tuple[str, str, list[FieldError]]:
    """The category, title and text of a complaint checked (live and synthetic alike): the cleaned
    title and text and the errors naming each bad field."""
    errors: list[FieldError] = []
    if category not in domain.COMPLAINT_CATEGORIES:
        errors.append(FieldError("category", f"应为 {'、'.join(domain.COMPLAINT_CATEGORIES)} 之一"))
    clean_title = " ".join(_text(title, "title", 100, errors, "标题").split())
    return clean_title, _text(text, "text", 5000, errors, "投诉内容"), errors


def file_complaint(conn: Connection, kr: Keyring, caller: Caller, cmd: ComplaintIn, *, days: int) -> int:
    """An owner with a verified identity complains about the property service of the estate of a home
    they own; nothing is written when a field is bad (the errors name every bad field)."""
    acct = _account(conn, caller)
    if not acct.id_number_bidx:
        raise ValidationError.of("account", "账户尚未完成实名认证，不能以业主身份投诉（我的账户 → 实名认证）")
    title, text, errors = check_fields(cmd.category, cmd.title, cmd.text)
    code = (cmd.house_code or "").strip().upper()
    home = conn.execute(select(registry.homes).where(registry.homes.c.house_code == code)).first() if code else None
    if home is None:
        errors.append(FieldError("house_code", "没有这个房屋代码"))
    else:
        named = (kr, kr.decrypt(acct.name_enc, "accounts.name"))
        if not registry.is_owner(conn, int(home.id), acct.id_number_bidx, clock.today(), named=named):
            errors.append(FieldError("house_code", "您不是该房屋登记的产权人（证件号码与姓名须与楼盘表一致）"))
    if errors or home is None:
        raise ValidationError("投诉信息有误：" + "；".join(e.reason for e in errors), errors)
    estate = conn.execute(select(registry.estates).where(registry.estates.c.id == home.estate_id)).one()
    p = estates_projects.c
    project = conn.execute(
        select(p.id, p.company_id).where(p.estate_id == estate.id, p.status == "active").order_by(p.id.desc())
    ).first()
    now = clock.now()
    values = {
        "estate_id": int(estate.id),
        "project_id": None if project is None else int(project.id),
        "company_id": None if project is None else int(project.company_id),
        "category": cmd.category,
        "title": title,
        "text": text,
        "district_code": estate.district_code,
        "street_code": estate.street_code,
        "complainant_account_id": caller.account_id,
        "status": "received" if project is None else "company",
        "due_at": quality_rules.due_at(now, days),
        "created_at": now,
        "updated_at": now,
    }
    cid = None
    for _ in range(3):
        try:
            with conn.begin_nested():
                cid = conn.execute(
                    _T.insert().values(complaint_no=next_number(conn, now), **values).returning(_TC.id)
                ).scalar_one()
            break
        except IntegrityError:
            continue
    if cid is None:
        raise Conflict("投诉编号分配冲突，请重试")
    _event(conn, int(cid), "received", caller.account_id)
    if project is not None:
        _event(conn, int(cid), "forwarded", None)
    return int(cid)


# ---------------------------------------------------------------------------------------------- reads


def _summary_cols() -> tuple[Any, ...]:
    return (
        _T,
        registry.estates.c.name.label("estate_name"),
        estates_companies.c.name.label("company_name"),
    )


def _joined() -> Any:
    return _T.join(registry.estates, registry.estates.c.id == _TC.estate_id).outerjoin(
        estates_companies, estates_companies.c.id == _TC.company_id
    )


def _summary(r: Any, now: datetime) -> ComplaintSummary:
    return {
        "id": int(r.id),
        "complaint_no": r.complaint_no,
        "estate_id": int(r.estate_id),
        "estate_name": r.estate_name,
        "company_id": r.company_id,
        "company_name": r.company_name,
        "category": r.category,
        "category_label": domain.COMPLAINT_CATEGORIES.get(r.category, r.category),
        "title": r.title,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "status": r.status,
        "status_label": domain.COMPLAINT_STATUSES.get(r.status, r.status),
        "due_at": r.due_at,
        "overdue": bool(r.status in OPEN and r.due_at < now),
        "upheld": r.upheld,
        "created_at": r.created_at,
        "closed_at": r.closed_at,
    }


@dataclass(frozen=True)
class Viewer:
    """Whose complaints a caller sees: staff their streets, an owner their own, a company's staff its."""

    scope: Scope
    company_id: int | None = None
    as_company: bool = False


def viewer(conn: Connection, caller: Caller, *, as_company: bool = False) -> Viewer:
    return Viewer(caller.scope, company_of(conn, caller) if as_company else None, as_company)


def _visible(v: Viewer) -> list[Any]:
    if v.as_company:
        return [_TC.company_id == v.company_id] if v.company_id is not None else [_TC.id < 0]
    if v.scope.level == "own":
        return [_TC.complainant_account_id == v.scope.account_id]
    return v.scope.where(_TC.street_code)


def _conds(f: ComplaintFilter, now: datetime) -> list[Any]:
    conds: list[Any] = []
    if f.status:
        conds.append(_TC.status == f.status)
    if f.open_only:
        conds.append(_TC.status.in_(OPEN))
    if f.category:
        conds.append(_TC.category == f.category)
    if f.street:
        conds.append(_TC.street_code == f.street)
    if f.overdue:
        conds.append(and_(_TC.status.in_(OPEN), _TC.due_at < now))
    return conds


def _select(v: Viewer, f: ComplaintFilter, now: datetime) -> Any:
    is_open = _TC.status.in_(OPEN)
    order = [_TC.id.desc()] if v.scope.level == "own" else [is_open.desc(), _TC.due_at, _TC.id]
    return select(*_summary_cols()).select_from(_joined()).where(*_visible(v), *_conds(f, now)).order_by(*order)


def list_complaints(
    conn: Connection, v: Viewer, f: ComplaintFilter, *, limit: int, offset: int
) -> Page[ComplaintSummary]:
    """The complaints ``v`` sees: for staff open ones first by deadline; for owners and companies newest
    first."""
    now = clock.now()
    count = select(_TC.id).where(*_visible(v), *_conds(f, now))
    return fetch_page(
        conn, _select(v, f, now), limit=limit, offset=offset, row=lambda r: _summary(r, now), count_stmt=count
    )


CSV_COLUMNS = (
    "投诉编号",
    "小区",
    "物业服务企业",
    "类别",
    "标题",
    "街道",
    "状态",
    "办理期限",
    "超期",
    "是否属实",
    "受理时间",
)


def csv_rows(conn: Connection, v: Viewer, f: ComplaintFilter) -> Iterator[list[Any]]:
    """The queue as CSV rows (streets by name)."""
    now = clock.now()
    streets = conn.execute(select(_TC.street_code).distinct().where(*_visible(v), *_conds(f, now))).scalars()
    names = divisions.names(conn, set(streets))
    for r in conn.execute(_select(v, f, now)):
        s = _summary(r, now)
        yield [
            s["complaint_no"],
            s["estate_name"],
            s["company_name"],
            s["category_label"],
            s["title"],
            names.get(s["street_code"], s["street_code"]),
            s["status_label"],
            clock.to_local(s["due_at"]).strftime("%Y-%m-%d %H:%M"),
            "是" if s["overdue"] else "",
            {True: "属实", False: "不属实", None: ""}[s["upheld"]],
            clock.to_local(s["created_at"]).strftime("%Y-%m-%d %H:%M"),
        ]


def _row(conn: Connection, v: Viewer, complaint_id: int) -> Any:
    row = conn.execute(
        select(*_summary_cols()).select_from(_joined()).where(_TC.id == complaint_id, *_visible(v))
    ).first()
    if row is None:
        raise NotFound(f"投诉 {complaint_id} 不存在")
    return row


def get_complaint(conn: Connection, v: Viewer, complaint_id: int) -> ComplaintDetail:
    """One complaint with its text, the company's reply, the street's reply and the timeline."""
    r = _row(conn, v, complaint_id)
    e = estates_complaint_events.c
    events: list[ComplaintEvent] = [
        {"kind": x.kind, "label": EVENT_LABELS.get(x.kind, x.kind), "at": x.at, "text": x.text}
        for x in conn.execute(select(e.kind, e.at, e.text).where(e.complaint_id == complaint_id).order_by(e.id))
    ]
    return ComplaintDetail(
        **_summary(r, clock.now()),
        text=r.text,
        company_reply=r.company_reply,
        reply=r.reply,
        credit_event_id=r.credit_event_id,
        events=events,
    )


# ---------------------------------------------------------------------------------------------- steps


def _change(conn: Connection, complaint_id: int, from_: tuple[str, ...], **values: Any) -> None:
    done = conn.execute(
        _T.update().where(_TC.id == complaint_id, _TC.status.in_(from_)).values(updated_at=clock.now(), **values)
    )
    if done.rowcount != 1:
        raise Conflict("投诉已被他人处理，请刷新后重试")


def company_reply(conn: Connection, caller: Caller, complaint_id: int, reply: str, *, as_company: bool) -> None:
    """The company's reply: by its staff (``as_company``), or recorded by the street; the complaint
    moves to ``handling`` (the street's turn)."""
    v = viewer(conn, caller, as_company=as_company)
    r = _row(conn, v, complaint_id)
    errors: list[FieldError] = []
    text = _text(reply, "reply", 5000, errors, "企业答复")
    if errors:
        raise ValidationError("答复有误：" + errors[0].reason, errors)
    if r.company_id is None:
        raise Conflict("该小区没有在管的物业服务企业，无须企业答复", [FieldError("company_id", "无")])
    if r.status not in ("company", "handling") or r.company_reply is not None:
        raise Conflict("只有待企业答复或办理中、尚无企业答复的投诉可以答复", [FieldError("status", r.status)])
    _change(conn, complaint_id, ("company", "handling"), company_reply=text, status="handling")
    _event(conn, complaint_id, "company_reply" if as_company else "reply_recorded", caller.account_id, text)


def take_complaint(conn: Connection, caller: Caller, complaint_id: int) -> None:
    """The street starts handling a complaint (received or waiting for the company → handling)."""
    r = _row(conn, Viewer(caller.scope), complaint_id)
    if r.status not in ("received", "company"):
        raise Conflict("只有已受理或待企业答复的投诉可以开始办理", [FieldError("status", r.status)])
    now = clock.now()
    _change(
        conn,
        complaint_id,
        ("received", "company"),
        status="handling",
        handler_account_id=caller.account_id,
        handled_at=now,
    )
    _event(conn, complaint_id, "handling", caller.account_id)


def resolve_complaint(
    conn: Connection, kr: Keyring, caller: Caller, complaint_id: int, *, upheld: bool | None, reply: str
) -> int | None:
    """Close a complaint being handled with the street's reply and whether it was upheld (属实). An
    upheld complaint about a company becomes its credit event; returns the event's id (or None)."""
    r = _row(conn, Viewer(caller.scope), complaint_id)
    errors: list[FieldError] = []
    if upheld is None:
        errors.append(FieldError("upheld", "须认定投诉是否属实"))
    text = _text(reply, "reply", 5000, errors, "办理答复")
    if errors:
        raise ValidationError("办理意见有误：" + "；".join(e.reason for e in errors), errors)
    if r.status != "handling":
        raise Conflict("只有办理中的投诉可以办结", [FieldError("status", r.status)])
    now = clock.now()
    _change(
        conn,
        complaint_id,
        ("handling",),
        status="resolved",
        upheld=upheld,
        reply=text,
        closed_at=now,
        handler_account_id=caller.account_id,
    )
    _event(conn, complaint_id, "resolved", caller.account_id, text)
    if not upheld or r.company_id is None:
        return None
    ev = quality_credit.company_event(
        conn,
        kr,
        int(r.company_id),
        severity=quality_rules.COMPLAINT_SEVERITY,
        on=clock.today(),
        reference=r.complaint_no,
        street_code=r.street_code,
        detail={"origin": "complaint", "complaint_id": complaint_id, "category": r.category},
    )
    conn.execute(_T.update().where(_TC.id == complaint_id).values(credit_event_id=ev))
    _event(conn, complaint_id, "credit_event", None, f"信用事件 {ev}")
    return ev


def reject_complaint(conn: Connection, caller: Caller, complaint_id: int, reason: str) -> None:
    """Refuse an open complaint (不予受理), with the reason the owner reads."""
    r = _row(conn, Viewer(caller.scope), complaint_id)
    errors: list[FieldError] = []
    text = _text(reason, "reason", 2000, errors, "不予受理的理由")
    if errors:
        raise ValidationError("理由有误：" + errors[0].reason, errors)
    if r.status not in OPEN:
        raise Conflict("已办结的投诉不能再不予受理", [FieldError("status", r.status)])
    _change(
        conn,
        complaint_id,
        OPEN,
        status="rejected",
        reply=text,
        closed_at=clock.now(),
        handler_account_id=caller.account_id,
    )
    _event(conn, complaint_id, "rejected", caller.account_id, text)
