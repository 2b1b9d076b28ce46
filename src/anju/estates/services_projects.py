"""Property-service projects (物业服务项目) and their handover inspections (承接查验).

A project is one filed company serving one register estate under a contract: its kind (the
developer's early service or the owners' choice), how the company was chosen (a tender: an awarded
tender of that estate whose winning bid is the company's; the owners: optionally a passed
``hire_company`` vote of the estate), its term, service level and fees per m²·month by home use. At
most one project per estate is active (a partial unique index; the conflict names the estate).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from anju import registry
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.estates import domain
from anju.estates.services_companies import clean_text, require_active_company
from anju.estates.services_tenders import MAX_FEE_FEN, insert_numbered, scoped_estate
from anju.estates.tables import (
    estates_bids,
    estates_companies,
    estates_handovers,
    estates_project_fees,
    estates_projects,
    estates_tenders,
    estates_votes,
)
from anju.security import Caller

HOME_USES = frozenset(u.value for u in registry.Use)
MAX_TERM_DAYS = 366 * 10


@dataclass(frozen=True)
class ProjectIn:
    estate_id: int
    company_id: int
    kind: str
    chosen_by: str
    contract_no: str
    starts_on: date
    ends_on: date
    service_level: str
    fees: Mapping[str, int] = field(default_factory=dict)  # home use → fen per m²·month
    tender_id: int | None = None
    vote_id: int | None = None


@dataclass(frozen=True)
class ProjectFilter:
    district: str | None = None
    street: str | None = None
    company_id: int | None = None
    status: str | None = None
    expiring_within: int | None = None  # days


class ProjectValues(TypedDict):
    estate_id: int
    company_id: int
    kind: str
    chosen_by: str
    tender_id: int | None
    vote_id: int | None
    contract_no: str
    starts_on: date
    ends_on: date
    service_level: str
    district_code: str
    street_code: str


def validate_project(conn: Connection, scope: Scope, cmd: ProjectIn) -> tuple[ProjectValues, dict[str, int]]:
    """Every field checked (errors collected, each naming its field); then the company, the tender or
    the vote against the database. Nothing is written."""
    errors: list[FieldError] = []
    contract, fees = project_fields(cmd, errors)
    if errors:
        raise ValidationError("项目信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    estate = scoped_estate(conn, scope, cmd.estate_id)
    require_active_company(conn, cmd.company_id)
    if cmd.chosen_by == "tender":
        _check_tender(conn, cmd)
    vote_id = cmd.vote_id if cmd.chosen_by == "owners" else None
    if vote_id is not None:
        _check_vote(conn, cmd.estate_id, vote_id)
    values: ProjectValues = {
        "estate_id": int(estate.id),
        "company_id": cmd.company_id,
        "kind": cmd.kind,
        "chosen_by": cmd.chosen_by,
        "tender_id": cmd.tender_id if cmd.chosen_by == "tender" else None,
        "vote_id": vote_id,
        "contract_no": contract,
        "starts_on": cmd.starts_on,
        "ends_on": cmd.ends_on,
        "service_level": cmd.service_level,
        "district_code": estate.district_code,
        "street_code": estate.street_code,
    }
    return values, fees


def project_fields(cmd: ProjectIn, errors: list[FieldError]) -> tuple[str, dict[str, int]]:
    """(contract no, fees by use) with every field's errors appended (no I/O: the synthetic city runs
    the same checks)."""
    if cmd.kind not in domain.PROJECT_KINDS:
        errors.append(FieldError("kind", "应为 " + "、".join(domain.PROJECT_KINDS)))
    if cmd.chosen_by not in domain.CHOSEN_BY:
        errors.append(FieldError("chosen_by", "应为 " + "、".join(domain.CHOSEN_BY)))
    if cmd.service_level not in domain.SERVICE_LEVELS:
        errors.append(FieldError("service_level", "应为 1–5"))
    contract = clean_text(cmd.contract_no, "contract_no", 40, errors)
    if not isinstance(cmd.starts_on, date) or not isinstance(cmd.ends_on, date):
        errors.append(FieldError("ends_on", "须填写合同起止日期"))
    elif cmd.ends_on <= cmd.starts_on:
        errors.append(FieldError("ends_on", "合同到期日应晚于开始日"))
    elif (cmd.ends_on - cmd.starts_on).days > MAX_TERM_DAYS:
        errors.append(FieldError("ends_on", "合同期限不超过十年"))
    fees = _fees(cmd.fees, errors)
    if cmd.chosen_by == "tender" and not cmd.tender_id:
        errors.append(FieldError("tender_id", "招投标选聘须填写中标的招标"))
    return contract, fees


def _fees(given: Mapping[str, int], errors: list[FieldError]) -> dict[str, int]:
    fees: dict[str, int] = {}
    if not given:
        errors.append(FieldError("fees", "须至少填写一项收费标准"))
    for use, fee in given.items():
        if use not in HOME_USES:
            errors.append(FieldError(f"fees.{use}", "不是楼盘表的房屋用途"))
        elif not isinstance(fee, int) or isinstance(fee, bool) or not 0 < fee <= MAX_FEE_FEN:
            errors.append(FieldError(f"fees.{use}", "收费标准应为 1–100000 分/㎡·月"))
        else:
            fees[use] = fee
    return fees


def _check_tender(conn: Connection, cmd: ProjectIn) -> None:
    t, b = estates_tenders, estates_bids
    row = conn.execute(
        select(t.c.estate_id, t.c.status, b.c.company_id)
        .select_from(t.outerjoin(b, b.c.id == t.c.awarded_bid_id))
        .where(t.c.id == cmd.tender_id)
    ).first()
    if row is None or row.estate_id != cmd.estate_id:
        raise ValidationError.of("tender_id", "不是本小区的招标")
    if row.status != "awarded":
        raise ValidationError.of("tender_id", "招标尚未定标")
    if row.company_id != cmd.company_id:
        raise ValidationError.of("tender_id", "中标企业不是所选企业")


def _check_vote(conn: Connection, estate_id: int, vote_id: int) -> None:
    v = estates_votes.c
    row = conn.execute(select(v.estate_id, v.matter, v.passed).where(v.id == vote_id)).first()
    if row is None or row.estate_id != estate_id:
        raise ValidationError.of("vote_id", "不是本小区的表决")
    if row.matter != "hire_company":
        raise ValidationError.of("vote_id", "表决事项不是选聘物业服务企业")
    if row.passed is not True:
        raise ValidationError.of("vote_id", "表决未通过")


def create_project(conn: Connection, caller: Caller, cmd: ProjectIn) -> int:
    """File a project; a second active project of the estate is a conflict naming the estate."""
    values, fees = validate_project(conn, caller.scope, cmd)
    row = {**values, "status": "active", "created_at": clock.now(), "created_by": caller.account_id}
    try:
        pid = insert_numbered(conn, estates_projects, estates_projects.c.project_no, "WY", row)
    except IntegrityError:  # the partial unique index: the estate already has an active project
        raise active_conflict(conn, values["estate_id"]) from None
    conn.execute(
        estates_project_fees.insert(),
        [{"project_id": pid, "home_use": use, "fee_fen_per_m2": fee} for use, fee in sorted(fees.items())],
    )
    return pid


def active_conflict(conn: Connection, estate_id: int) -> Conflict:
    e, p = registry.estates, estates_projects
    row = conn.execute(
        select(e.c.name, p.c.project_no)
        .select_from(e.outerjoin(p, (p.c.estate_id == e.c.id) & (p.c.status == "active")))
        .where(e.c.id == estate_id)
    ).first()
    name = row.name if row else str(estate_id)
    no = f"（项目 {row.project_no}）" if row and row.project_no else ""
    text = f"小区“{name}”已有在管物业服务项目{no}，须先终止"
    return Conflict(text, [FieldError("estate_id", text)])


def _scoped_project(conn: Connection, scope: Scope, project_id: int) -> Any:
    row = conn.execute(select(estates_projects).where(estates_projects.c.id == project_id)).first()
    missing = f"物业服务项目 {project_id} 不存在"
    if row is None:
        raise NotFound(missing)
    scope.require(row.street_code, missing)
    return row


def end_project(conn: Connection, caller: Caller, project_id: int, action: str, on: date, reason: str) -> str:
    """End (到期) or terminate (解聘) an active project on a day, with a reason; returns the new status."""
    to = {"end": "ended", "terminate": "terminated"}.get(action)
    if to is None:
        raise ValidationError.of("action", "应为 end 或 terminate")
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationError.of("reason", "须填写理由")
    if len(text) > 200:
        raise ValidationError.of("reason", "最长 200 个字符")
    row = _scoped_project(conn, caller.scope, project_id)
    if row.status != "active":
        label = domain.PROJECT_STATUSES.get(row.status, row.status)
        raise Conflict(f"项目当前状态为“{label}”，不能办理", [FieldError("status", label)])
    if not isinstance(on, date) or on < row.starts_on:
        raise ValidationError.of("ended_on", "终止日期不能早于合同开始日")
    conn.execute(
        update(estates_projects)
        .where(estates_projects.c.id == project_id, estates_projects.c.status == "active")
        .values(status=to, ended_on=on, end_reason=text)
    )
    return to


@dataclass(frozen=True)
class HandoverIn:
    inspected_on: date
    items_checked: int
    defects: int
    result: str
    note: str | None = None


def record_handover(conn: Connection, caller: Caller, project_id: int, cmd: HandoverIn) -> int:
    """Record a handover inspection (承接查验) of a project's common parts."""
    row = _scoped_project(conn, caller.scope, project_id)
    errors: list[FieldError] = []
    if not isinstance(cmd.inspected_on, date) or cmd.inspected_on > clock.today():
        errors.append(FieldError("inspected_on", "查验日期不能晚于今天"))
    n, d = cmd.items_checked, cmd.defects
    if not isinstance(n, int) or isinstance(n, bool) or not 0 < n <= 10_000:
        errors.append(FieldError("items_checked", "查验项目数应为 1–10000"))
    elif not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= n:
        errors.append(FieldError("defects", "问题数应在 0 与查验项目数之间"))
    elif cmd.result == "accepted" and d > 0:
        errors.append(FieldError("result", "有问题项时应为“有遗留问题通过”或“不予承接”"))
    if cmd.result not in domain.HANDOVER_RESULTS:
        errors.append(FieldError("result", "应为 " + "、".join(domain.HANDOVER_RESULTS)))
    note = " ".join((cmd.note or "").split())
    if len(note) > 500:
        errors.append(FieldError("note", "最长 500 个字符"))
    if errors:
        raise ValidationError("查验记录有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    return int(
        conn.execute(
            estates_handovers.insert()
            .values(
                project_id=row.id,
                inspected_on=cmd.inspected_on,
                items_checked=n,
                defects=d,
                result=cmd.result,
                note=note or None,
                recorded_by=caller.account_id,
                recorded_at=clock.now(),
            )
            .returning(estates_handovers.c.id)
        ).scalar_one()
    )


class ProjectSummary(TypedDict):
    id: int
    project_no: str
    estate_id: int
    estate_name: str
    company_id: int
    company_name: str
    kind: str
    kind_label: str
    chosen_by: str
    chosen_by_label: str
    contract_no: str
    starts_on: date
    ends_on: date
    service_level: str
    status: str
    status_label: str
    district_code: str
    street_code: str


class FeeLine(TypedDict):
    home_use: str
    fee_fen_per_m2: int


class HandoverLine(TypedDict):
    id: int
    inspected_on: date
    items_checked: int
    defects: int
    result: str
    result_label: str
    note: str | None
    recorded_at: datetime


class ProjectDetail(ProjectSummary):
    tender_id: int | None
    vote_id: int | None
    ended_on: date | None
    end_reason: str | None
    fees: list[FeeLine]
    handovers: list[HandoverLine]


def _select() -> Any:
    p, e, c = estates_projects, registry.estates, estates_companies
    return (
        select(p, e.c.name.label("estate_name"), c.c.name.label("company_name"))
        .join(e, e.c.id == p.c.estate_id)
        .join(c, c.c.id == p.c.company_id)
    )


def _summary(r: Any) -> ProjectSummary:
    return {
        "id": int(r.id),
        "project_no": r.project_no,
        "estate_id": int(r.estate_id),
        "estate_name": r.estate_name,
        "company_id": int(r.company_id),
        "company_name": r.company_name,
        "kind": r.kind,
        "kind_label": domain.PROJECT_KINDS.get(r.kind, r.kind),
        "chosen_by": r.chosen_by,
        "chosen_by_label": domain.CHOSEN_BY.get(r.chosen_by, r.chosen_by),
        "contract_no": r.contract_no,
        "starts_on": r.starts_on,
        "ends_on": r.ends_on,
        "service_level": r.service_level,
        "status": r.status,
        "status_label": domain.PROJECT_STATUSES.get(r.status, r.status),
        "district_code": r.district_code,
        "street_code": r.street_code,
    }


def _conditions(f: ProjectFilter, scope: Scope) -> list[Any]:
    p = estates_projects.c
    conds: list[Any] = list(scope.where(p.street_code))
    if f.district:
        conds.append(p.district_code == f.district)
    if f.street:
        conds.append(p.street_code == f.street)
    if f.company_id:
        conds.append(p.company_id == f.company_id)
    if f.status:
        conds.append(p.status == f.status)
    if f.expiring_within is not None:
        today = clock.today()
        conds += [p.status == "active", p.ends_on <= today + timedelta(days=f.expiring_within)]
    return conds


def list_projects(conn: Connection, f: ProjectFilter, *, scope: Scope, limit: int, offset: int) -> Page[ProjectSummary]:
    conds = _conditions(f, scope)
    stmt = _select().where(*conds).order_by(estates_projects.c.id.desc())
    count = select(estates_projects.c.id).where(*conds)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_summary, count_stmt=count)


PROJECT_CSV_COLUMNS = (
    "project_no", "estate_name", "company_name", "kind", "chosen_by", "contract_no", "starts_on", "ends_on",
    "service_level", "status", "district_code", "street_code",
)  # fmt: skip


def export_projects(conn: Connection, f: ProjectFilter, *, scope: Scope) -> Iterator[list[Any]]:
    """Every project matching the filter in scope, as CSV rows, read in batches by id."""
    conds = _conditions(f, scope)
    last = 0
    while True:
        rows = conn.execute(
            _select().where(*conds, estates_projects.c.id > last).order_by(estates_projects.c.id).limit(1000)
        ).all()
        if not rows:
            return
        for r in rows:
            x = _summary(r)
            yield [
                x["project_no"], x["estate_name"], x["company_name"], x["kind_label"], x["chosen_by_label"],
                x["contract_no"], x["starts_on"].isoformat(), x["ends_on"].isoformat(), x["service_level"],
                x["status_label"], x["district_code"], x["street_code"],
            ]  # fmt: skip
        last = int(rows[-1].id)


def get_project(conn: Connection, scope: Scope, project_id: int) -> ProjectDetail:
    _scoped_project(conn, scope, project_id)
    r = conn.execute(_select().where(estates_projects.c.id == project_id)).one()
    f, h = estates_project_fees.c, estates_handovers.c
    fees: list[FeeLine] = [
        {"home_use": x.home_use, "fee_fen_per_m2": int(x.fee_fen_per_m2)}
        for x in conn.execute(select(f.home_use, f.fee_fen_per_m2).where(f.project_id == project_id).order_by(f.id))
    ]
    handovers: list[HandoverLine] = [
        {
            "id": int(x.id),
            "inspected_on": x.inspected_on,
            "items_checked": int(x.items_checked),
            "defects": int(x.defects),
            "result": x.result,
            "result_label": domain.HANDOVER_RESULTS.get(x.result, x.result),
            "note": x.note,
            "recorded_at": x.recorded_at,
        }
        for x in conn.execute(select(estates_handovers).where(h.project_id == project_id).order_by(h.id))
    ]
    return {
        **_summary(r),
        "tender_id": r.tender_id,
        "vote_id": r.vote_id,
        "ended_on": r.ended_on,
        "end_reason": r.end_reason,
        "fees": fees,
        "handovers": handovers,
    }
