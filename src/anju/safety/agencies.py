"""Appraisal agencies (房屋安全鉴定机构备案, issue 23): filing by district and city officers (the credit
code checked as the estates context checks a company's: ``security.credit_code``), the list with
filters, pagination and CSV export, the detail with its engineers (names encrypted, shown masked) and
violations, suspension and cancellation; supervision: random checks are the credit context's draws
(``credit.freeze_draw`` over subjects of type ``appraisal``), a violation is a credit event of the
agency (``safety.appraisal_violation``) recorded with it in one transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, or_, select
from sqlalchemy.exc import IntegrityError

from anju import credit, divisions
from anju.core import clock, csvout
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.safety import domain
from anju.safety.tables import safety_agencies, safety_engineers, safety_violations
from anju.security import Caller, Keyring, credit_code, mask_name, person_name

_A = safety_agencies.c


@dataclass(frozen=True)
class AgencyIn:
    credit_code: str
    name: str
    qualification: str
    street_code: str


@dataclass(frozen=True)
class AgencyFilter:
    district: str | None = None
    qualification: str | None = None
    status: str | None = None
    q: str | None = None


class AgencyValues(TypedDict):
    credit_code: str
    name: str
    qualification: str
    district_code: str
    street_code: str


def clean_text(value: str | None, fld: str, n: int, errors: list[FieldError], *, required: bool = True) -> str:
    v = " ".join((value or "").split())
    if not v:
        if required:
            errors.append(FieldError(fld, "不能为空"))
    elif len(v) > n:
        errors.append(FieldError(fld, f"最长 {n} 个字符"))
    elif reason := csvout.formula_reason(v):
        errors.append(FieldError(fld, reason))
    return v


def refuse(errors: list[FieldError], what: str) -> None:
    if errors:
        raise ValidationError(f"{what}有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)


def street_of(conn: Connection, code: str, fld: str, errors: list[FieldError]) -> tuple[str, str]:
    """(district, street) of a street code, or an error at ``fld``."""
    try:
        st = divisions.get(conn, code or "")
    except NotFound:
        errors.append(FieldError(fld, "没有这个街道（镇）"))
        return "", ""
    if st.level != "street":
        errors.append(FieldError(fld, "应为街道（镇）代码"))
        return "", ""
    return st.parent_code or "", st.code


def agency_fields(cmd: AgencyIn, errors: list[FieldError]) -> tuple[str, str]:
    """(credit code, name), the errors of every field but the street appended (no I/O)."""
    code = ""
    try:
        code = credit_code(cmd.credit_code or "", "credit_code")
    except ValidationError as e:
        errors.extend(e.errors)
    name = clean_text(cmd.name, "name", 100, errors)
    if cmd.qualification not in domain.QUALIFICATIONS:
        errors.append(FieldError("qualification", "应为 " + "、".join(domain.QUALIFICATIONS)))
    return code, name


def validate_agency(conn: Connection, cmd: AgencyIn) -> AgencyValues:
    errors: list[FieldError] = []
    code, name = agency_fields(cmd, errors)
    district, street = street_of(conn, cmd.street_code, "street_code", errors)
    refuse(errors, "备案信息")
    return {
        "credit_code": code,
        "name": name,
        "qualification": cmd.qualification,
        "district_code": district,
        "street_code": street,
    }


def agency_subject(kr: Keyring, agency_id: int, v: Any) -> credit.SubjectIn:
    """A filed agency as a credit subject (房屋安全鉴定机构), named by its credit code's blind index."""
    return credit.SubjectIn(
        subject_bidx=kr.blind_index(v["credit_code"], "credit_code"),
        subject_kind="org",
        kind=domain.SUBJECT_TYPE,
        name=v["name"],
        credit_code=v["credit_code"],
        district_code=v["district_code"],
        street_code=v["street_code"],
        link=("safety", "agency", agency_id),
    )


def file_agency(conn: Connection, kr: Keyring, caller: Caller, cmd: AgencyIn, *, synthetic: bool = False) -> int:
    """File an agency (备案) in a street of the caller's scope; a code filed twice is a conflict. The
    agency gets (or keeps) its credit file in the same transaction."""
    values = validate_agency(conn, cmd)
    caller.scope.require(values["street_code"], "没有这个街道（镇）")
    now = clock.now()
    try:
        with conn.begin_nested():
            aid = conn.execute(
                safety_agencies.insert()
                .values(
                    **values,
                    status="filed",
                    synthetic=synthetic,
                    filed_at=now,
                    filed_by=caller.account_id,
                    updated_at=now,
                )
                .returning(_A.id)
            ).scalar_one()
    except IntegrityError:
        raise Conflict(
            "该统一社会信用代码已备案", [FieldError("credit_code", f"{values['credit_code']} 已备案")]
        ) from None
    credit.ensure_subjects(conn, [agency_subject(kr, int(aid), values)], now)
    return int(aid)


class AgencySummary(TypedDict):
    id: int
    credit_code: str
    name: str
    qualification: str
    qualification_label: str
    district_code: str
    street_code: str
    status: str
    status_label: str
    synthetic: bool
    filed_at: datetime


class EngineerLine(TypedDict):
    id: int
    name: str  # masked
    title: str
    title_label: str
    cert_no: str


class ViolationLine(TypedDict):
    id: int
    occurred_on: date
    severity: str
    severity_label: str
    reason: str
    draw_id: int | None
    credit_event_id: int


class AgencyDetail(AgencySummary):
    engineers: list[EngineerLine]
    violations: list[ViolationLine]
    updated_at: datetime


def _summary(r: Any) -> AgencySummary:
    return {
        "id": int(r.id),
        "credit_code": r.credit_code,
        "name": r.name,
        "qualification": r.qualification,
        "qualification_label": domain.QUALIFICATIONS.get(r.qualification, r.qualification),
        "district_code": r.district_code,
        "street_code": r.street_code,
        "status": r.status,
        "status_label": domain.AGENCY_STATUSES.get(r.status, r.status),
        "synthetic": bool(r.synthetic),
        "filed_at": r.filed_at,
    }


def _conditions(f: AgencyFilter, scope: Scope) -> list[Any]:
    conds: list[Any] = list(scope.where(_A.street_code))
    if f.district:
        conds.append(_A.district_code == f.district)
    if f.qualification:
        conds.append(_A.qualification == f.qualification)
    if f.status:
        conds.append(_A.status == f.status)
    if f.q and f.q.strip():
        q = f.q.strip()
        conds.append(or_(_A.name.contains(q, autoescape=True), _A.credit_code == q.upper()))
    return conds


def list_agencies(conn: Connection, f: AgencyFilter, *, scope: Scope, limit: int, offset: int) -> Page[AgencySummary]:
    """Filed agencies registered in the streets of the caller's scope, newest first."""
    stmt = select(safety_agencies).where(*_conditions(f, scope)).order_by(_A.id.desc())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_summary)


AGENCY_CSV_COLUMNS = ("统一社会信用代码", "名称", "资质", "区", "街道", "状态", "备案时间")


def export_agencies(conn: Connection, f: AgencyFilter, *, scope: Scope) -> Iterator[list[Any]]:
    conds = _conditions(f, scope)
    last = 0
    while True:
        rows = conn.execute(select(safety_agencies).where(*conds, _A.id > last).order_by(_A.id).limit(1000)).all()
        if not rows:
            return
        for r in rows:
            yield [
                r.credit_code, r.name, domain.QUALIFICATIONS.get(r.qualification, r.qualification),
                r.district_code, r.street_code, domain.AGENCY_STATUSES.get(r.status, r.status),
                clock.to_local(r.filed_at).isoformat(timespec="seconds"),
            ]  # fmt: skip
        last = int(rows[-1].id)


def scoped_agency(conn: Connection, scope: Scope, agency_id: int) -> Any:
    row = conn.execute(select(safety_agencies).where(_A.id == agency_id)).first()
    missing = f"鉴定机构 {agency_id} 不存在"
    if row is None:
        raise NotFound(missing)
    scope.require(row.street_code, missing)
    return row


def get_agency(conn: Connection, scope: Scope, agency_id: int) -> AgencyDetail:
    r = scoped_agency(conn, scope, agency_id)
    e, v = safety_engineers.c, safety_violations.c
    engineers: list[EngineerLine] = [
        {
            "id": int(x.id), "name": x.name_mask, "title": x.title,
            "title_label": domain.ENGINEER_TITLES.get(x.title, x.title), "cert_no": x.cert_no,
        }
        for x in conn.execute(
            select(e.id, e.name_mask, e.title, e.cert_no).where(e.agency_id == r.id).order_by(e.id).limit(500)
        )
    ]  # fmt: skip
    violations: list[ViolationLine] = [
        {
            "id": int(x.id), "occurred_on": x.occurred_on, "severity": x.severity,
            "severity_label": domain.SEVERITIES.get(x.severity, x.severity), "reason": x.reason,
            "draw_id": int(x.draw_id) if x.draw_id is not None else None, "credit_event_id": int(x.credit_event_id),
        }
        for x in conn.execute(select(safety_violations).where(v.agency_id == r.id).order_by(v.id.desc()).limit(200))
    ]  # fmt: skip
    return {**_summary(r), "engineers": engineers, "violations": violations, "updated_at": r.updated_at}


@dataclass(frozen=True)
class EngineerIn:
    name: str
    title: str
    cert_no: str


class EngineerRow(TypedDict, total=False):
    agency_id: int
    name_enc: bytes
    name_mask: str
    title: str
    cert_no: str
    added_at: datetime


def engineer_values(kr: Keyring, agency_id: int, cmd: EngineerIn, errors: list[FieldError]) -> EngineerRow:
    """An engineer's row (name encrypted and masked), errors appended (no I/O beyond the keyring)."""
    name = ""
    try:
        name = person_name(cmd.name or "", "name")
    except ValidationError as e:
        errors.extend(e.errors)
    if cmd.title not in domain.ENGINEER_TITLES:
        errors.append(FieldError("title", "应为 " + "、".join(domain.ENGINEER_TITLES)))
    cert = clean_text(cmd.cert_no, "cert_no", 32, errors)
    if errors:
        return {}
    return {
        "agency_id": agency_id, "name_enc": kr.encrypt(name, "safety_engineers.name"),
        "name_mask": mask_name(name)[:16], "title": cmd.title, "cert_no": cert, "added_at": clock.now(),
    }  # fmt: skip


def add_engineers(conn: Connection, kr: Keyring, caller: Caller, agency_id: int, cmds: Sequence[EngineerIn]) -> int:
    """Register engineers of an agency (set-wise); their names are stored encrypted, shown masked."""
    row = scoped_agency(conn, caller.scope, agency_id)
    if row.status == "cancelled":
        raise Conflict("机构备案已注销", [FieldError("status", "已注销")])
    errors: list[FieldError] = []
    values = [engineer_values(kr, agency_id, c, errors) for c in cmds]
    if not cmds:
        errors.append(FieldError("name", "至少一名工程师"))
    refuse(errors, "工程师信息")
    conn.execute(safety_engineers.insert(), values)
    conn.execute(safety_agencies.update().where(_A.id == agency_id).values(updated_at=clock.now()))
    return len(values)


#: action → (the status it needs, the status it sets)
STATUS_ACTIONS = {"suspend": ("filed", "suspended"), "reinstate": ("suspended", "filed"), "cancel": (None, "cancelled")}


def change_status(conn: Connection, caller: Caller, agency_id: int, action: str, reason: str) -> str:
    """Suspend, reinstate or cancel (final) a filing with a reason; returns the new status."""
    if action not in STATUS_ACTIONS:
        raise ValidationError.of("action", "应为 suspend、reinstate 或 cancel")
    errors: list[FieldError] = []
    clean_text(reason, "reason", 200, errors)
    refuse(errors, "理由")
    row = scoped_agency(conn, caller.scope, agency_id)
    need, to = STATUS_ACTIONS[action]
    if row.status == "cancelled" or (need is not None and row.status != need):
        label = domain.AGENCY_STATUSES.get(row.status, row.status)
        raise Conflict(f"机构当前状态为“{label}”，不能办理", [FieldError("status", label)])
    conn.execute(safety_agencies.update().where(_A.id == agency_id).values(status=to, updated_at=clock.now()))
    return to


@dataclass(frozen=True)
class ViolationIn:
    occurred_on: date
    severity: str
    reason: str
    draw_id: int | None = None


def record_violation(conn: Connection, kr: Keyring, caller: Caller, agency_id: int, cmd: ViolationIn) -> int:
    """A violation found when supervising the agency: recorded here and as the agency's credit event
    (``safety.appraisal_violation``, its grade recomputed by the credit context) in one transaction."""
    row = scoped_agency(conn, caller.scope, agency_id)
    errors: list[FieldError] = []
    if cmd.severity not in domain.SEVERITIES:
        errors.append(FieldError("severity", "应为 " + "、".join(domain.SEVERITIES)))
    reason = clean_text(cmd.reason, "reason", 200, errors)
    if cmd.occurred_on > clock.today():
        errors.append(FieldError("occurred_on", "不能晚于今天"))
    refuse(errors, "违规记录")
    credit.ensure_subjects(conn, [agency_subject(kr, int(row.id), row._mapping)], clock.now())
    event = credit.record_event(
        conn,
        credit.Event(
            subject_kind="org",
            subject_bidx=kr.blind_index(row.credit_code, "credit_code"),
            source=domain.EVENT_SOURCE,
            kind=domain.EVENT_KIND,
            severity=cmd.severity,
            occurred_on=cmd.occurred_on,
            reference=f"SAFETY-V-{row.id}-{secrets.token_hex(6)}",
            street_code=row.street_code,
            detail={"agency_id": int(row.id), "reason": reason, "draw_id": cmd.draw_id},
            subject_type=domain.SUBJECT_TYPE,
        ),
    )
    return int(
        conn.execute(
            safety_violations.insert()
            .values(
                agency_id=agency_id, occurred_on=cmd.occurred_on, severity=cmd.severity, reason=reason,
                draw_id=cmd.draw_id, credit_event_id=event, recorded_at=clock.now(),
            )
            .returning(safety_violations.c.id)
        ).scalar_one()
    )  # fmt: skip


@dataclass(frozen=True)
class DrawIn:
    title: str
    sample_size: int
    inspectors: Sequence[str]
    district_code: str | None = None


def start_draw(conn: Connection, kr: Keyring, caller: Caller, d: DrawIn) -> int:
    """Give the filed agencies (of the district) their credit files (idempotent), then freeze a credit
    draw (双随机) over appraisal agencies only; returns the draw's id (run and recorded on the credit
    context's pages, ``/credit/inspections/<id>``)."""
    conds: list[Any] = [_A.status == "filed"]
    if d.district_code:
        conds.append(_A.district_code == d.district_code)
    rows = conn.execute(select(safety_agencies).where(*conds).order_by(_A.id)).all()
    credit.ensure_subjects(conn, [agency_subject(kr, int(r.id), r._mapping) for r in rows], clock.now())
    return credit.freeze_draw(
        conn,
        caller,
        credit.DrawIn(
            title=d.title,
            subject_types=[domain.SUBJECT_TYPE],
            sample_size=d.sample_size,
            inspectors=list(d.inspectors),
            district_code=d.district_code or None,
        ),
    )


def credit_subjects(conn: Connection, kr: Keyring) -> Iterator[credit.SubjectIn]:
    """Every filed agency as a credit subject (``anju credit sync``: the context's provider in
    ``anju.contexts``), read in batches by id."""
    last = 0
    while True:
        rows = conn.execute(
            select(safety_agencies).where(_A.status == "filed", _A.id > last).order_by(_A.id).limit(1000)
        ).all()
        if not rows:
            return
        for r in rows:
            yield agency_subject(kr, int(r.id), r._mapping)
        last = int(rows[-1].id)
