"""Property-service companies (物业服务企业备案): filing by city/district/street officers, the list
with filters, pagination and CSV export, the detail (its projects, the tenders it won), suspension and
cancellation with a reason, and the company's own staff (an agency account whose enterprise code is
the company's credit code — the same link as the rental context's parties).

Every write takes the route's one audited transaction; bad input raises ValidationError naming the
field and changes nothing; every read is scoped by the company's registered street.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, or_, select
from sqlalchemy.exc import IntegrityError

from anju import credit, divisions, registry
from anju.core import clock, csvout
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.estates import domain
from anju.estates.tables import estates_bids, estates_companies, estates_projects, estates_tenders
from anju.security import Caller, Keyring, accounts, credit_code

MAX_STAFF = 1_000_000


@dataclass(frozen=True)
class CompanyIn:
    credit_code: str
    name: str
    qualification: str
    staff: int
    street_code: str


@dataclass(frozen=True)
class CompanyFilter:
    district: str | None = None
    qualification: str | None = None
    status: str | None = None
    q: str | None = None


class CompanyValues(TypedDict):
    credit_code: str
    name: str
    qualification: str
    staff: int
    district_code: str
    street_code: str


def clean_text(value: str | None, fld: str, n: int, errors: list[FieldError]) -> str:
    v = " ".join((value or "").split())
    if not v:
        errors.append(FieldError(fld, "不能为空"))
    elif len(v) > n:
        errors.append(FieldError(fld, f"最长 {n} 个字符"))
    elif reason := csvout.formula_reason(v):
        errors.append(FieldError(fld, reason))
    return v


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


def company_fields(cmd: CompanyIn, errors: list[FieldError]) -> tuple[str, str]:
    """(credit code, name) with the errors of every field but the street appended (no I/O: the
    synthetic city runs the same checks)."""
    code = ""
    try:
        code = credit_code(cmd.credit_code or "", "credit_code")
    except ValidationError as e:
        errors.extend(e.errors)
    name = clean_text(cmd.name, "name", 100, errors)
    if cmd.qualification not in domain.QUALIFICATIONS:
        errors.append(FieldError("qualification", "应为 " + "、".join(domain.QUALIFICATIONS)))
    staff = cmd.staff
    if not isinstance(staff, int) or isinstance(staff, bool) or staff < 1 or staff > MAX_STAFF:
        errors.append(FieldError("staff", "从业人员数应为 1–1000000 的整数"))
    return code, name


def validate_company(conn: Connection, cmd: CompanyIn) -> CompanyValues:
    """Every field checked, every error collected (field + reason); nothing is written."""
    errors: list[FieldError] = []
    code, name = company_fields(cmd, errors)
    district, street = street_of(conn, cmd.street_code, "street_code", errors)
    if errors:
        raise ValidationError("备案信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    return {
        "credit_code": code,
        "name": name,
        "qualification": cmd.qualification,
        "staff": cmd.staff,
        "district_code": district,
        "street_code": street,
    }


def company_subject(kr: Keyring, company_id: int, v: CompanyValues) -> credit.SubjectIn:
    """A filed company as a credit subject (物业服务企业), named by its credit code's blind index — the
    index the tender restriction asks by."""
    return credit.SubjectIn(
        subject_bidx=kr.blind_index(v["credit_code"], "credit_code"),
        subject_kind="org",
        kind="property_service",
        name=v["name"],
        credit_code=v["credit_code"],
        district_code=v["district_code"],
        street_code=v["street_code"],
        link=("estates", "company", company_id),
    )


def file_company(conn: Connection, kr: Keyring, caller: Caller, cmd: CompanyIn) -> int:
    """File a company (备案) in a street of the caller's scope; a second filing of a code is a conflict.
    The company gets (or keeps) its credit file in the same transaction."""
    values = validate_company(conn, cmd)
    caller.scope.require(values["street_code"], "没有这个街道（镇）")
    now = clock.now()
    try:
        with conn.begin_nested():
            cid = conn.execute(
                estates_companies.insert()
                .values(**values, status="filed", filed_at=now, filed_by=caller.account_id, updated_at=now)
                .returning(estates_companies.c.id)
            ).scalar_one()
    except IntegrityError:
        raise Conflict(
            "该统一社会信用代码已备案", [FieldError("credit_code", f"{values['credit_code']} 已备案")]
        ) from None
    credit.ensure_subjects(conn, [company_subject(kr, int(cid), values)], now)
    return int(cid)


class CompanySummary(TypedDict):
    id: int
    credit_code: str
    name: str
    qualification: str
    qualification_label: str
    staff: int
    district_code: str
    street_code: str | None
    status: str
    status_label: str
    filed_at: datetime


class ProjectLine(TypedDict):
    id: int
    project_no: str
    estate_id: int
    estate_name: str
    status: str
    status_label: str
    starts_on: str
    ends_on: str


class TenderWon(TypedDict):
    tender_id: int
    tender_no: str
    title: str
    awarded_on: str | None


class CompanyDetail(CompanySummary):
    projects: list[ProjectLine]
    tenders_won: list[TenderWon]
    updated_at: datetime


def _summary(r: Any) -> CompanySummary:
    return {
        "id": int(r.id),
        "credit_code": r.credit_code,
        "name": r.name,
        "qualification": r.qualification,
        "qualification_label": domain.QUALIFICATIONS.get(r.qualification, r.qualification),
        "staff": int(r.staff),
        "district_code": r.district_code,
        "street_code": r.street_code,
        "status": r.status,
        "status_label": domain.COMPANY_STATUSES.get(r.status, r.status),
        "filed_at": r.filed_at,
    }


def _conditions(f: CompanyFilter, scope: Scope) -> list[Any]:
    c = estates_companies.c
    conds: list[Any] = list(scope.where(c.street_code))
    if f.district:
        conds.append(c.district_code == f.district)
    if f.qualification:
        conds.append(c.qualification == f.qualification)
    if f.status:
        conds.append(c.status == f.status)
    if f.q and f.q.strip():
        q = f.q.strip()
        conds.append(or_(c.name.contains(q, autoescape=True), c.credit_code == q.upper()))
    return conds


def list_companies(
    conn: Connection, f: CompanyFilter, *, scope: Scope, limit: int, offset: int
) -> Page[CompanySummary]:
    """Filed companies registered in the streets of the caller's scope, newest first."""
    stmt = select(estates_companies).where(*_conditions(f, scope)).order_by(estates_companies.c.id.desc())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_summary)


COMPANY_CSV_COLUMNS = (
    "credit_code", "name", "qualification", "staff", "district_code", "street_code", "status", "filed_at",
)  # fmt: skip


def export_companies(conn: Connection, f: CompanyFilter, *, scope: Scope) -> Iterator[list[Any]]:
    """Every company matching the filter in scope, as CSV rows, read in batches by id."""
    conds = _conditions(f, scope)
    c = estates_companies.c
    last = 0
    while True:
        rows = conn.execute(select(estates_companies).where(*conds, c.id > last).order_by(c.id).limit(1000)).all()
        if not rows:
            return
        for r in rows:
            yield [
                r.credit_code, r.name, domain.QUALIFICATIONS.get(r.qualification, r.qualification), int(r.staff),
                r.district_code, r.street_code or "", domain.COMPANY_STATUSES.get(r.status, r.status),
                clock.to_local(r.filed_at).isoformat(timespec="seconds"),
            ]  # fmt: skip
        last = int(rows[-1].id)


def scoped_company(conn: Connection, scope: Scope, company_id: int) -> Any:
    row = conn.execute(select(estates_companies).where(estates_companies.c.id == company_id)).first()
    missing = f"物业服务企业 {company_id} 不存在"
    if row is None:
        raise NotFound(missing)
    scope.require(row.street_code, missing)
    return row


def _detail(conn: Connection, r: Any) -> CompanyDetail:
    p, e = estates_projects, registry.estates
    projects: list[ProjectLine] = [
        {
            "id": int(x.id),
            "project_no": x.project_no,
            "estate_id": int(x.estate_id),
            "estate_name": x.estate_name,
            "status": x.status,
            "status_label": domain.PROJECT_STATUSES.get(x.status, x.status),
            "starts_on": x.starts_on.isoformat(),
            "ends_on": x.ends_on.isoformat(),
        }
        for x in conn.execute(
            select(p.c.id, p.c.project_no, p.c.estate_id, e.c.name.label("estate_name"), p.c.status,
                   p.c.starts_on, p.c.ends_on)
            .join(e, e.c.id == p.c.estate_id)
            .where(p.c.company_id == r.id)
            .order_by(p.c.id.desc())
            .limit(200)
        )
    ]  # fmt: skip
    t, b = estates_tenders, estates_bids
    won: list[TenderWon] = [
        {
            "tender_id": int(x.id),
            "tender_no": x.tender_no,
            "title": x.title,
            "awarded_on": x.awarded_on.isoformat() if x.awarded_on else None,
        }
        for x in conn.execute(
            select(t.c.id, t.c.tender_no, t.c.title, t.c.awarded_on)
            .join(b, b.c.id == t.c.awarded_bid_id)
            .where(b.c.company_id == r.id, t.c.status == "awarded")
            .order_by(t.c.id.desc())
            .limit(200)
        )
    ]
    return {**_summary(r), "projects": projects, "tenders_won": won, "updated_at": r.updated_at}


def get_company(conn: Connection, scope: Scope, company_id: int) -> CompanyDetail:
    return _detail(conn, scoped_company(conn, scope, company_id))


#: action → (the status it needs, the status it sets)
STATUS_ACTIONS = {"suspend": ("filed", "suspended"), "reinstate": ("suspended", "filed"), "cancel": (None, "cancelled")}


def change_status(conn: Connection, caller: Caller, company_id: int, action: str, reason: str) -> str:
    """Suspend (暂停), reinstate or cancel (注销, final) a filing with a reason; returns the new status."""
    if action not in STATUS_ACTIONS:
        raise ValidationError.of("action", "应为 suspend、reinstate 或 cancel")
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationError.of("reason", "须填写理由")
    if len(text) > 200:
        raise ValidationError.of("reason", "最长 200 个字符")
    row = scoped_company(conn, caller.scope, company_id)
    need, to = STATUS_ACTIONS[action]
    if row.status == "cancelled" or (need is not None and row.status != need):
        label = domain.COMPANY_STATUSES.get(row.status, row.status)
        raise Conflict(f"企业当前状态为“{label}”，不能办理", [FieldError("status", label)])
    conn.execute(
        estates_companies.update()
        .where(estates_companies.c.id == company_id, estates_companies.c.status == row.status)
        .values(status=to, updated_at=clock.now())
    )
    return to


def require_active_company(conn: Connection, company_id: int, field: str = "company_id") -> Any:
    """A filed company (not suspended, not cancelled), or a refusal naming ``field``."""
    row = conn.execute(select(estates_companies).where(estates_companies.c.id == company_id)).first()
    if row is None:
        raise ValidationError.of(field, "物业服务企业未备案")
    if row.status != "filed":
        label = domain.COMPANY_STATUSES.get(row.status, row.status)
        raise Conflict(f"{field}: 物业服务企业{label}", [FieldError(field, f"物业服务企业{label}")])
    return row


class CompanyChoice(TypedDict):
    id: int
    name: str
    credit_code: str


def filed_choices(conn: Connection, limit: int = 2000) -> list[CompanyChoice]:
    """Filed companies (any street: a company may serve anywhere) for a form's choice, by name."""
    c = estates_companies.c
    rows = conn.execute(select(c.id, c.name, c.credit_code).where(c.status == "filed").order_by(c.name).limit(limit))
    return [{"id": int(r.id), "name": r.name, "credit_code": r.credit_code} for r in rows]


def company_for_account(conn: Connection, account_id: int | None) -> Any | None:
    """The filed company (any status) a company account works for: its enterprise code."""
    if account_id is None:
        return None
    return conn.execute(
        select(estates_companies)
        .join(accounts, accounts.c.org_code == estates_companies.c.credit_code)
        .where(accounts.c.id == account_id)
    ).first()


def my_company(conn: Connection, caller: Caller) -> CompanyDetail:
    row = company_for_account(conn, caller.account_id)
    if row is None:
        raise NotFound("本机构尚未备案为物业服务企业")
    return _detail(conn, row)
