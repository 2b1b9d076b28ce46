"""Filings of the new-home market: developers (房地产开发企业), projects (项目) on register estates and
presale permits (商品房预售许可), which move exactly the permitted homes to 预售 in the register.

Every function takes a Connection: the one transaction a route opened with its audit row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from anju import divisions, registry
from anju.core import clock, csvout
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import SYSTEM, Scope
from anju.registry import Change, Status, change_home, get_estate, home_restrictions
from anju.security import Caller, Keyring, accounts, credit_code
from anju.transactions import domain
from anju.transactions.credit_subjects import file_developer_subject
from anju.transactions.tables import developers, presale_permit_homes, presale_permits, sale_projects

#: A permit names at most this many homes (a building or a batch; a bigger batch is a typing error).
MAX_PERMIT_HOMES = 5000
#: The approvals credit may restrict (``anju.credit.domain.ACTIONS``).
PERMIT_ISSUE = "transactions.permit.issue"
CONTRACT_FILE = "transactions.contract.file"


def clean_text(value: str | None, fld: str, n: int, errors: list[FieldError]) -> str:
    v = " ".join((value or "").split())
    if not v:
        errors.append(FieldError(fld, "不能为空"))
    elif len(v) > n:
        errors.append(FieldError(fld, f"最长 {n} 个字符"))
    elif reason := csvout.formula_reason(v):
        errors.append(FieldError(fld, reason))
    return v


def _raise(title: str, errors: list[FieldError]) -> None:
    if errors:
        raise ValidationError(title + "：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)


# ---------------------------------------------------------------------------------------- developers


@dataclass(frozen=True)
class DeveloperIn:
    credit_code: str
    name: str
    qualification_grade: str
    qualification_no: str
    address: str
    street_code: str


class Developer(TypedDict):
    id: int
    credit_code: str
    name: str
    qualification_grade: str
    qualification_label: str
    qualification_no: str
    address: str
    district_code: str
    street_code: str
    filed_at: datetime


def _developer(r: Any) -> Developer:
    return {
        "id": r.id,
        "credit_code": r.credit_code,
        "name": r.name,
        "qualification_grade": r.qualification_grade,
        "qualification_label": domain.QUALIFICATION_GRADES.get(r.qualification_grade, r.qualification_grade),
        "qualification_no": r.qualification_no,
        "address": r.address,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "filed_at": r.filed_at,
    }


def file_developer(conn: Connection, kr: Keyring, caller: Caller, cmd: DeveloperIn) -> int:
    """File a development enterprise (开发企业备案): the credit code checked (GB 32100 check digit), the
    grade one of the known ones, the registered street in the caller's scope. A code filed before is 409.
    The developer's credit file (信用主体) is created in the same transaction."""
    errors: list[FieldError] = []
    code = ""
    try:
        code = credit_code(cmd.credit_code, "credit_code")
    except ValidationError as e:
        errors.extend(e.errors)
    name = clean_text(cmd.name, "name", 100, errors)
    if cmd.qualification_grade not in domain.QUALIFICATION_GRADES:
        errors.append(FieldError("qualification_grade", "应为 " + "、".join(domain.QUALIFICATION_GRADES) + " 之一"))
    qno = clean_text(cmd.qualification_no, "qualification_no", 40, errors)
    address = clean_text(cmd.address, "address", 200, errors)
    street = _street(conn, cmd.street_code, "street_code", errors)
    _raise("开发企业备案信息有误", errors)
    assert street is not None
    caller.scope.require(street.code, "没有这个街道（镇）")
    if conn.execute(select(developers.c.id).where(developers.c.credit_code == code)).first():
        raise Conflict("credit_code: 该企业已备案", [FieldError("credit_code", "该企业已备案")])
    try:
        did = int(
            conn.execute(
                developers.insert()
                .values(
                    credit_code=code,
                    name=name,
                    qualification_grade=cmd.qualification_grade,
                    qualification_no=qno,
                    address=address,
                    district_code=street.parent_code or "",
                    street_code=street.code,
                    filed_by=caller.username,
                    filed_at=clock.now(),
                )
                .returning(developers.c.id)
            ).scalar_one()
        )
    except IntegrityError:
        raise Conflict("credit_code: 该企业已备案", [FieldError("credit_code", "该企业已备案")]) from None
    file_developer_subject(conn, kr, did, code, name, street.parent_code or "", street.code)
    return did


def _street(conn: Connection, code: str, fld: str, errors: list[FieldError]) -> Any:
    try:
        st = divisions.get(conn, code)
    except NotFound:
        errors.append(FieldError(fld, "没有这个街道（镇）"))
        return None
    if st.level != "street":
        errors.append(FieldError(fld, "应为街道（镇）代码"))
        return None
    return st


def list_developers(
    conn: Connection, *, scope: Scope, q: str | None = None, limit: int, offset: int
) -> Page[Developer]:
    d = developers
    stmt = select(d).where(*scope.where(d.c.street_code)).order_by(d.c.id.desc())
    if q:
        stmt = stmt.where((d.c.name.contains(q, autoescape=True)) | (d.c.credit_code == q.upper()))
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_developer)


def developer_of(conn: Connection, caller: Caller) -> Developer:
    """The filed developer the caller works for (the account's organisation code); a clear refusal otherwise."""
    if caller.account_id is None:
        raise ValidationError.of("account", "须登录")
    row = conn.execute(
        select(developers)
        .join(accounts, accounts.c.org_code == developers.c.credit_code)
        .where(accounts.c.id == caller.account_id)
    ).first()
    if row is None:
        raise ValidationError.of("account", "本账户所属机构不是已备案的房地产开发企业")
    return _developer(row)


# ------------------------------------------------------------------------------------------ projects


@dataclass(frozen=True)
class ProjectIn:
    name: str
    developer_id: int
    estate_id: int


class Project(TypedDict):
    id: int
    name: str
    developer_id: int
    developer_name: str
    estate_id: int
    estate_name: str
    district_code: str
    street_code: str
    filed_at: datetime


_PROJECT_COLS = (
    sale_projects,
    developers.c.name.label("developer_name"),
    registry.estates.c.name.label("estate_name"),
)


def _project(r: Any) -> Project:
    return {
        "id": r.id,
        "name": r.name,
        "developer_id": r.developer_id,
        "developer_name": r.developer_name,
        "estate_id": r.estate_id,
        "estate_name": r.estate_name,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "filed_at": r.filed_at,
    }


def _project_select() -> Any:
    return (
        select(*_PROJECT_COLS)
        .join(developers, developers.c.id == sale_projects.c.developer_id)
        .join(registry.estates, registry.estates.c.id == sale_projects.c.estate_id)
    )


def file_project(conn: Connection, caller: Caller, cmd: ProjectIn) -> int:
    """A development project (项目) of a filed developer on a register estate in the caller's scope."""
    errors: list[FieldError] = []
    name = clean_text(cmd.name, "name", 100, errors)
    if conn.execute(select(developers.c.id).where(developers.c.id == cmd.developer_id)).first() is None:
        errors.append(FieldError("developer_id", "开发企业未备案"))
    _raise("项目信息有误", errors)
    try:
        estate = get_estate(conn, cmd.estate_id, scope=caller.scope)
    except NotFound:
        raise ValidationError.of("estate_id", "楼盘表中没有这个小区（或不在您的辖区）") from None
    dup = select(sale_projects.c.id).where(sale_projects.c.estate_id == estate["id"], sale_projects.c.name == name)
    if conn.execute(dup).first():
        raise Conflict("name: 该小区已有同名项目", [FieldError("name", "该小区已有同名项目")])
    return int(
        conn.execute(
            sale_projects.insert()
            .values(
                name=name,
                developer_id=cmd.developer_id,
                estate_id=estate["id"],
                district_code=estate["district_code"],
                street_code=estate["street_code"],
                filed_by=caller.username,
                filed_at=clock.now(),
            )
            .returning(sale_projects.c.id)
        ).scalar_one()
    )


def get_project(conn: Connection, project_id: int, *, scope: Scope) -> Project:
    row = conn.execute(_project_select().where(sale_projects.c.id == project_id)).first()
    missing = f"没有编号为 {project_id} 的项目"
    if row is None:
        raise NotFound(missing)
    scope.require(row.street_code, missing)
    return _project(row)


def list_projects(
    conn: Connection,
    *,
    scope: Scope,
    district: str | None = None,
    developer_id: int | None = None,
    with_permit: bool = False,
    limit: int,
    offset: int,
) -> Page[Project]:
    p = sale_projects
    stmt = _project_select().where(*scope.where(p.c.street_code)).order_by(p.c.id.desc())
    if district:
        stmt = stmt.where(p.c.district_code == district)
    if developer_id:
        stmt = stmt.where(p.c.developer_id == developer_id)
    if with_permit:
        stmt = stmt.where(select(presale_permits.c.id).where(presale_permits.c.project_id == p.c.id).exists())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_project)


# ------------------------------------------------------------------------------------------- permits


@dataclass(frozen=True)
class PermitIn:
    project_id: int
    issued_on: date
    building_ids: Sequence[int] = field(default_factory=tuple)
    home_ids: Sequence[int] = field(default_factory=tuple)


class Permit(TypedDict):
    id: int
    permit_no: str
    project_id: int
    project_name: str
    developer_name: str
    issued_on: date
    homes: int
    area: Decimal
    district_code: str
    street_code: str
    filed_at: datetime


def _permit(r: Any) -> Permit:
    return {
        "id": r.id,
        "permit_no": r.permit_no,
        "project_id": r.project_id,
        "project_name": r.project_name,
        "developer_name": r.developer_name,
        "issued_on": r.issued_on,
        "homes": r.homes,
        "area": r.area,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "filed_at": r.filed_at,
    }


def _permit_select() -> Any:
    pp = presale_permits
    return (
        select(pp, sale_projects.c.name.label("project_name"), developers.c.name.label("developer_name"))
        .join(sale_projects, sale_projects.c.id == pp.c.project_id)
        .join(developers, developers.c.id == sale_projects.c.developer_id)
    )


def _next_permit_no(conn: Connection, year: int) -> str:
    pp = presale_permits.c.permit_no
    first, after = domain.permit_number(year, 0), domain.permit_number(year + 1, 0)
    last = conn.execute(select(func.max(pp)).where(pp > first, pp < after)).scalar_one()
    seq = int(last[8:13]) + 1 if last else 1
    return domain.permit_number(year, seq)


def _permit_homes(conn: Connection, cmd: PermitIn) -> list[Any]:
    h = registry.homes
    ids = list(dict.fromkeys(cmd.home_ids))
    if len(ids) + len(cmd.building_ids) > MAX_PERMIT_HOMES:
        raise ValidationError.of("home_ids", f"一次许可最多 {MAX_PERMIT_HOMES} 户")
    rows: list[Any] = []
    if cmd.building_ids:
        found = conn.execute(select(h).where(h.c.building_id.in_(list(cmd.building_ids)))).all()
        missing_b = set(cmd.building_ids) - {r.building_id for r in found}
        if missing_b:
            raise ValidationError.of("building_ids", f"楼幢 {sorted(missing_b)} 没有房屋或不存在")
        rows.extend(r for r in found if r.status not in (Status.retired, Status.demolished))
    if ids:
        found = conn.execute(select(h).where(h.c.id.in_(ids))).all()
        missing = set(ids) - {r.id for r in found}
        if missing:
            raise ValidationError.of("home_ids", f"楼盘表中没有编号为 {sorted(missing)} 的房屋")
        rows.extend(found)
    unique = {r.id: r for r in rows}
    if not unique:
        raise ValidationError.of("home_ids", "须列出许可的楼幢（building_ids）或房屋（home_ids）")
    if len(unique) > MAX_PERMIT_HOMES:
        raise ValidationError.of("home_ids", f"一次许可最多 {MAX_PERMIT_HOMES} 户")
    return sorted(unique.values(), key=lambda r: r.id)


def _names(rows: Sequence[Any], n: int = 10) -> str:
    codes = [r.house_code for r in rows]
    return "、".join(codes[:n]) + (f" 等 {len(codes)} 户" if len(codes) > n else "")


def require_credit(conn: Connection, kr: Keyring, action: str, code: str, name: str, field: str) -> None:
    """Refuse (409, the field named) when a restriction (联合惩戒: credit's black list or grade) bars the
    organisation of credit code ``code`` and name ``name`` from ``action``: one set-wise question."""
    bidx = kr.blind_index(code, "credit_code")
    found = registry.subject_restrictions(conn, [bidx], action, clock.today())
    if found:
        text = registry.subject_refusal(found, {bidx: name})
        raise Conflict(f"{field}: {text}", [FieldError(field, text)])


def file_permit(conn: Connection, kr: Keyring, caller: Caller, cmd: PermitIn, *, today: date | None = None) -> int:
    """Issue a presale permit for a building or a batch of homes of a project.

    Exactly the permitted homes move to 预售 in the register, from the issue date, with the permit
    number as the change's source (the register's bitemporal history keeps the earlier status). Homes
    outside the project's estate, not 在建, already in a permit or under a restriction are refused,
    named by house code, and nothing is written. A developer credit bars (联合惩戒) gets no permit."""
    today = today or clock.today()
    project = get_project(conn, cmd.project_id, scope=caller.scope)
    code = conn.execute(select(developers.c.credit_code).where(developers.c.id == project["developer_id"])).scalar_one()
    require_credit(conn, kr, PERMIT_ISSUE, code, project["developer_name"], "project_id")
    if cmd.issued_on > today:
        raise ValidationError.of("issued_on", "许可日期不能晚于今天")
    rows = _permit_homes(conn, cmd)
    outside = [r for r in rows if r.estate_id != project["estate_id"]]
    if outside:
        raise ValidationError.of("home_ids", f"不属于本项目所在小区的房屋：{_names(outside)}")
    if not all(caller.scope.allows(r.street_code) for r in rows):
        raise ValidationError.of("home_ids", "部分房屋不在您的辖区")
    not_sellable = [r for r in rows if r.status != Status.under_construction]
    if not_sellable:
        states = "、".join(sorted({r.status for r in not_sellable}))
        raise ValidationError.of("home_ids", f"只有在建房屋可以预售；以下房屋状态为 {states}：{_names(not_sellable)}")
    ids = [r.id for r in rows]
    taken = (
        conn.execute(select(presale_permit_homes.c.home_id).where(presale_permit_homes.c.home_id.in_(ids)))
        .scalars()
        .all()
    )
    if taken:
        bad = [r for r in rows if r.id in set(taken)]
        raise Conflict(
            f"home_ids: 以下房屋已在其他预售许可中：{_names(bad)}",
            [FieldError("home_ids", f"已在其他预售许可中：{_names(bad)}")],
        )
    restricted = home_restrictions(conn, ids, today)
    if restricted:
        bad = [r for r in rows if r.id in restricted]
        first = restricted[bad[0].id][0]
        raise ValidationError.of(
            "home_ids",
            f"以下房屋存在限制，不能预售：{_names(bad)}（{restriction_text(first)}）",
        )
    permit_no = _next_permit_no(conn, cmd.issued_on.year)
    area = sum((Decimal(r.construction_area) for r in rows), Decimal("0"))
    try:
        # Two permits filed at once may draw the same number or name the same homes: the unique keys
        # decide, and the loser is told to try again (it will then see the homes taken, by name).
        with conn.begin_nested():
            pid = _insert_permit(conn, caller, cmd, project, permit_no, area, len(rows))
            conn.execute(
                presale_permit_homes.insert(),
                [{"permit_id": pid, "home_id": r.id, "building_id": r.building_id} for r in rows],
            )
    except IntegrityError:
        reason = "与同时办理的另一份预售许可冲突，请重试"
        raise Conflict(f"home_ids: {reason}", [FieldError("home_ids", reason)]) from None
    change = Change(
        patch={"status": Status.presale.value},
        valid_from=cmd.issued_on,
        kind="status",
        reason=f"商品房预售许可 {permit_no}",
        source=permit_no,
    )
    for r in rows:
        change_home(conn, r.id, change, scope=SYSTEM, today=today)
    return pid


def _insert_permit(
    conn: Connection, caller: Caller, cmd: PermitIn, project: Project, permit_no: str, area: Decimal, homes: int
) -> int:
    return int(
        conn.execute(
            presale_permits.insert()
            .values(
                permit_no=permit_no,
                project_id=project["id"],
                issued_on=cmd.issued_on,
                homes=homes,
                area=area,
                district_code=project["district_code"],
                street_code=project["street_code"],
                filed_by=caller.username,
                filed_at=clock.now(),
            )
            .returning(presale_permits.c.id)
        ).scalar_one()
    )


def restriction_text(r: registry.Restriction) -> str:
    return registry.restriction_text(r)


def get_permit(conn: Connection, permit_id: int, *, scope: Scope) -> Permit:
    row = conn.execute(_permit_select().where(presale_permits.c.id == permit_id)).first()
    missing = f"没有编号为 {permit_id} 的预售许可"
    if row is None:
        raise NotFound(missing)
    scope.require(row.street_code, missing)
    return _permit(row)


def list_permits(
    conn: Connection,
    *,
    scope: Scope,
    project_id: int | None = None,
    district: str | None = None,
    q: str | None = None,
    limit: int,
    offset: int,
) -> Page[Permit]:
    pp = presale_permits
    stmt = _permit_select().where(*scope.where(pp.c.street_code)).order_by(pp.c.issued_on.desc(), pp.c.id.desc())
    if project_id:
        stmt = stmt.where(pp.c.project_id == project_id)
    if district:
        stmt = stmt.where(pp.c.district_code == district)
    if q:
        stmt = stmt.where(
            pp.c.permit_no.contains(q, autoescape=True) | sale_projects.c.name.contains(q, autoescape=True)
        )
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_permit)


def permits_of(conn: Connection, project_ids: Sequence[int]) -> list[Permit]:
    """Every permit of the projects (one query), oldest first."""
    if not project_ids:
        return []
    pp = presale_permits
    stmt = _permit_select().where(pp.c.project_id.in_(list(project_ids))).order_by(pp.c.issued_on, pp.c.id)
    return [_permit(r) for r in conn.execute(stmt)]
