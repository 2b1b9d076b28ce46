"""The project library (更新项目库): projects on the register's estates and buildings, checked for
eligibility when entered (the reason kept on the project), and read in the caller's scope.

A project enters the library at its kind's first status (储备, "reserve") on a date, with its
responsible unit and documents; :mod:`anju.renewal.lifecycle` moves it on. Every field's error names
the field and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from sqlalchemy import Connection, func, or_, select
from sqlalchemy.exc import IntegrityError

from anju import assistance, registry
from anju.core import clock
from anju.core.errors import Conflict, FieldError, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.core.settings import Settings
from anju.divisions import divisions_table
from anju.renewal import domain, rules
from anju.renewal.lifecycle import documents_json, scoped_project, step_fields
from anju.renewal.tables import renewal_projects, renewal_steps
from anju.security import Caller

MAX_AREA = Decimal(10_000_000)  # m²
MAX_HOUSEHOLDS = 100_000
P = renewal_projects.c


@dataclass(frozen=True)
class ProjectIn:
    kind: str
    name: str
    estate_id: int
    on: date  # the reserve date
    unit: str  # the responsible unit
    area: Decimal | str  # m² covered
    households: int
    building_id: int | None = None
    unit_no: str | None = None  # lifts: the building unit
    conditions: tuple[str, ...] = ()
    shanty_mode: str | None = None
    expropriated_households: int | None = None
    resettlement_programme: str | None = None
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectFilter:
    kind: str | None = None
    status: str | None = None
    district: str | None = None
    street: str | None = None
    plan_year: int | None = None
    q: str | None = None


class ProjectRow(TypedDict):
    id: int
    project_no: str
    kind: str
    kind_label: str
    name: str
    estate_id: int
    estate_name: str
    building_id: int | None
    unit_no: str | None
    district_code: str
    street_code: str
    status: str
    status_label: str
    status_on: date
    plan_year: int | None
    area: Decimal
    households: int
    synthetic: bool


def area_of(value: Decimal | str, field: str, errors: list[FieldError]) -> Decimal:
    """An area in m² (> 0, at most two decimals, at most ten million)."""
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        errors.append(FieldError(field, "应为数字（平方米）"))
        return Decimal(0)
    if not d.is_finite() or d <= 0 or d > MAX_AREA:
        errors.append(FieldError(field, "应大于 0 且不超过 1000 万平方米"))
    elif d != d.quantize(Decimal("0.01")):
        errors.append(FieldError(field, "最多两位小数"))
    return d


def _kind_fields(cmd: ProjectIn, errors: list[FieldError]) -> None:
    """The fields only some kinds have: 留/改/拆 and 征收 (shanty-town), the building unit (lifts)."""
    if cmd.kind == "shanty":
        if cmd.shanty_mode not in domain.SHANTY_MODES:
            errors.append(FieldError("shanty_mode", "棚户区改造须选择留、改或拆"))
        n = cmd.expropriated_households
        if n is not None and not 0 <= n <= cmd.households:
            errors.append(FieldError("expropriated_households", "征收户数应在 0 到项目户数之间"))
        if n and cmd.shanty_mode != "demolish":
            errors.append(FieldError("expropriated_households", "只有“拆”的改造方式才有征收户"))
    elif cmd.shanty_mode or cmd.expropriated_households or cmd.resettlement_programme:
        errors.append(FieldError("shanty_mode", "留/改/拆、征收户数和安置项目只用于棚户区改造"))
    if cmd.kind == "lift":
        if cmd.building_id is None:
            errors.append(FieldError("building_id", "加装电梯须选择楼栋"))
        if not (cmd.unit_no or "").isdigit() or len(cmd.unit_no or "") > 3:
            errors.append(FieldError("unit_no", "加装电梯须填写单元号（数字）"))


def project_fields(cmd: ProjectIn, known_conditions: Sequence[str], errors: list[FieldError]) -> Decimal:
    """Every field that needs no database (the synthetic city runs the same checks)."""
    if cmd.kind not in domain.KINDS:
        errors.append(FieldError("kind", "应为 " + "、".join(domain.KINDS)))
    if not cmd.name.strip() or len(cmd.name) > 100:
        errors.append(FieldError("name", "请填写项目名称（最多 100 字）"))
    area = area_of(cmd.area, "area", errors)
    if not 0 <= cmd.households <= MAX_HOUSEHOLDS:
        errors.append(FieldError("households", f"应在 0–{MAX_HOUSEHOLDS} 之间"))
    for c in cmd.conditions:
        if c not in known_conditions:
            errors.append(FieldError("conditions", f"未知的情形 {c[:20]}"))
    _kind_fields(cmd, errors)
    step_fields(cmd.unit, cmd.documents, errors)
    return area


def managing_district(conn: Connection, street_code: str) -> str:
    """The district or functional zone managing a street (a zone's streets belong to the zone)."""
    d = divisions_table.c
    found = conn.execute(
        select(func.coalesce(d.managing_code, d.parent_code)).where(d.code == street_code)
    ).scalar_one_or_none()
    return str(found or street_code[:6])


def _building(conn: Connection, estate_id: int, building_id: int) -> Any:
    b = registry.buildings.c
    row = conn.execute(
        select(b.id, b.estate_id, b.units, b.floors_above, b.year_built).where(b.id == building_id)
    ).first()
    if row is None or row.estate_id != estate_id:
        raise ValidationError.of("building_id", "楼盘表中这个小区没有这幢楼")
    return row


def _resettlement(conn: Connection, code: str) -> None:
    pe = assistance.programme_editions.c
    kind = assistance.Kind.resettlement.value
    if conn.execute(select(pe.id).where(pe.code == code, pe.kind == kind).limit(1)).first() is None:
        raise ValidationError.of("resettlement_programme", "住房保障中没有这个征收安置房项目")


def create_project(
    conn: Connection, settings: Settings, caller: Caller, cmd: ProjectIn, *, synthetic: bool = False
) -> int:
    """Enter a project in the library at its first status (储备). Refused, naming the field: a bad
    field, an estate outside the scope, a building not of the estate, a project that does not meet
    the eligibility rules in force (the reason says why), an unfinished project of the same kind on the
    same estate (or building unit)."""
    elig_rules = rules.eligibility(settings)
    errors: list[FieldError] = []
    area = project_fields(cmd, list(elig_rules.conditions), errors)
    if cmd.on > clock.today():
        errors.append(FieldError("on", "日期不能晚于今天"))
    if errors:
        raise ValidationError("项目信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    e = conn.execute(select(registry.estates).where(registry.estates.c.id == cmd.estate_id)).first()
    if e is None or not caller.scope.allows(e.street_code):
        raise ValidationError.of("estate_id", "楼盘表中没有这个小区（或不在您的辖区）")
    year_built, floors = e.year_built, None
    if cmd.building_id is not None:
        b = _building(conn, cmd.estate_id, cmd.building_id)
        year_built, floors = b.year_built or e.year_built, b.floors_above
        if cmd.kind == "lift" and not 1 <= int(cmd.unit_no or 0) <= b.units:
            raise ValidationError.of("unit_no", f"这幢楼只有 {b.units} 个单元")
    if cmd.resettlement_programme:
        _resettlement(conn, cmd.resettlement_programme)
    elig = rules.check(elig_rules, cmd.kind, cmd.on, year_built, floors, cmd.conditions)
    if not elig.eligible:
        raise ValidationError.of("eligibility", elig.reason)
    _no_open_duplicate(conn, cmd)
    now = clock.now()
    values = {
        "kind": cmd.kind,
        "name": cmd.name.strip(),
        "estate_id": cmd.estate_id,
        "building_id": cmd.building_id,
        "unit_no": cmd.unit_no if cmd.kind == "lift" else None,
        "district_code": managing_district(conn, e.street_code),
        "street_code": e.street_code,
        "status": "reserve",
        "status_on": cmd.on,
        "plan_year": None,
        "area": area,
        "households": cmd.households,
        "year_built": year_built,
        "conditions": ",".join(cmd.conditions) or None,
        "eligibility_edition": elig.edition,
        "eligibility_rule": elig.rule,
        "eligibility_reason": elig.reason[:400],
        "shanty_mode": cmd.shanty_mode,
        "expropriated_households": cmd.expropriated_households,
        "resettlement_programme": cmd.resettlement_programme or None,
        "synthetic": synthetic,
        "created_at": now,
        "created_by": caller.account_id,
        "updated_at": now,
    }
    pid = _insert_numbered(conn, values)
    conn.execute(
        renewal_steps.insert().values(
            project_id=pid,
            status="reserve",
            on=cmd.on,
            unit=cmd.unit.strip(),
            documents=documents_json(cmd.documents),
            recorded_at=now,
            recorded_by=caller.account_id,
        )
    )
    return pid


def _no_open_duplicate(conn: Connection, cmd: ProjectIn) -> None:
    q = select(P.project_no).where(
        P.kind == cmd.kind, P.estate_id == cmd.estate_id, P.status.not_in(domain.DONE | {"closed"})
    )
    if cmd.kind == "lift":
        q = q.where(P.building_id == cmd.building_id, P.unit_no == cmd.unit_no)
    found = conn.execute(q.limit(1)).scalar_one_or_none()
    if found is not None:
        raise Conflict(f"该小区（单元）已有未完成的{domain.KINDS[cmd.kind]}项目 {found}")


def _insert_numbered(conn: Connection, values: dict[str, Any]) -> int:
    """Insert numbered RN + year + 6 digits; a concurrent writer taking the number first is retried."""
    head = f"RN{clock.to_local(clock.now()).year}"
    for _ in range(3):
        last = conn.execute(select(func.max(P.project_no)).where(P.project_no.like(f"{head}%"))).scalar_one()
        number = f"{head}{(int(last[len(head) :]) if last else 0) + 1:06d}"
        try:
            with conn.begin_nested():
                key = conn.execute(renewal_projects.insert().values(project_no=number, **values)).inserted_primary_key
                assert key is not None
                return int(key[0])
        except IntegrityError:
            continue
    raise Conflict("项目编号冲突，请重试")


# -------------------------------------------------------------------------------------------- reads


def _select() -> Any:
    es = registry.estates
    return select(
        P.id,
        P.project_no,
        P.kind,
        P.name,
        P.estate_id,
        es.c.name.label("estate_name"),
        P.building_id,
        P.unit_no,
        P.district_code,
        P.street_code,
        P.status,
        P.status_on,
        P.plan_year,
        P.area,
        P.households,
        P.synthetic,
    ).select_from(renewal_projects.join(es, es.c.id == P.estate_id))


def _row(r: Any) -> ProjectRow:
    return {
        "id": int(r.id),
        "project_no": r.project_no,
        "kind": r.kind,
        "kind_label": domain.KINDS.get(r.kind, r.kind),
        "name": r.name,
        "estate_id": int(r.estate_id),
        "estate_name": r.estate_name,
        "building_id": r.building_id,
        "unit_no": r.unit_no,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "status": r.status,
        "status_label": domain.STATUSES.get(r.status, r.status),
        "status_on": r.status_on,
        "plan_year": r.plan_year,
        "area": r.area,
        "households": int(r.households),
        "synthetic": bool(r.synthetic),
    }


def check_filter(f: ProjectFilter) -> None:
    if f.kind and f.kind not in domain.KINDS:
        raise ValidationError.of("kind", "未知的项目类型")
    if f.status and f.status not in domain.STATUSES:
        raise ValidationError.of("status", "未知的环节")
    if f.plan_year is not None and not 1990 <= f.plan_year <= 2100:
        raise ValidationError.of("plan_year", "年份应在 1990–2100 之间")


def filtered(f: ProjectFilter, scope: Scope) -> Any:
    check_filter(f)
    q = _select().where(*scope.where(P.street_code))
    if f.kind:
        q = q.where(P.kind == f.kind)
    if f.status:
        q = q.where(P.status == f.status)
    if f.district:
        q = q.where(P.district_code == f.district)
    if f.street:
        q = q.where(P.street_code == f.street)
    if f.plan_year is not None:
        q = q.where(P.plan_year == f.plan_year)
    if f.q:
        like = f"%{f.q.strip()[:40]}%"
        q = q.where(or_(P.name.like(like), P.project_no.like(like), registry.estates.c.name.like(like)))
    return q.order_by(P.id.desc())


def list_projects(conn: Connection, f: ProjectFilter, *, scope: Scope, limit: int, offset: int) -> Page[ProjectRow]:
    return fetch_page(conn, filtered(f, scope), limit=limit, offset=offset, row=_row)


CSV_COLUMNS = (
    "project_no",
    "kind",
    "name",
    "estate_name",
    "district_code",
    "street_code",
    "status",
    "status_on",
    "plan_year",
    "area_m2",
    "households",
)


def export_projects(conn: Connection, f: ProjectFilter, *, scope: Scope) -> Iterator[list[Any]]:
    """Every project matching the filter in scope, as CSV rows (newest first), read in batches by id."""
    q = filtered(f, scope)
    last: int | None = None
    while True:
        rows = [_row(r) for r in conn.execute((q if last is None else q.where(P.id < last)).limit(1000))]
        for r in rows:
            yield [
                r["project_no"],
                r["kind_label"],
                r["name"],
                r["estate_name"],
                r["district_code"],
                r["street_code"],
                r["status_label"],
                r["status_on"].isoformat(),
                r["plan_year"] or "",
                str(r["area"]),
                r["households"],
            ]
        if len(rows) < 1000:
            return
        last = rows[-1]["id"]


__all__ = ["ProjectFilter", "ProjectIn", "ProjectRow", "create_project", "explain", "list_projects", "scoped_project"]


def explain(
    conn: Connection,
    settings: Settings,
    scope: Scope,
    kind: str,
    estate_id: int,
    building_id: int | None = None,
    conditions: Sequence[str] = (),
) -> rules.Eligibility:
    """Whether a project of ``kind`` on this estate (building) would be eligible today, and why — the
    same check :func:`create_project` runs, without writing."""
    if kind not in domain.KINDS:
        raise ValidationError.of("kind", "未知的项目类型")
    elig_rules = rules.eligibility(settings)
    for c in conditions:
        if c not in elig_rules.conditions:
            raise ValidationError.of("conditions", f"未知的情形 {c[:20]}")
    e = conn.execute(select(registry.estates).where(registry.estates.c.id == estate_id)).first()
    if e is None or not scope.allows(e.street_code):
        raise ValidationError.of("estate_id", "楼盘表中没有这个小区（或不在您的辖区）")
    year_built, floors = e.year_built, None
    if building_id is not None:
        b = _building(conn, estate_id, building_id)
        year_built, floors = b.year_built or e.year_built, b.floors_above
    return rules.check(elig_rules, kind, clock.today(), year_built, floors, conditions)
