"""Annual evaluations (年度考评, issue 22): the street scores a property-service project once a year by the
items of ``estates/data/evaluation_items.toml`` (:mod:`anju.estates.quality_rules`); the total is the
exact sum of the item scores and gives the grade. One evaluation per project and year (a second is a
conflict). A failed grade is a credit event of the project's company.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from anju import registry
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.estates import domain, quality_credit, quality_rules
from anju.estates.tables import estates_companies, estates_evaluations, estates_projects
from anju.security import Caller, Keyring

_E = estates_evaluations
_EC = _E.c
_P = estates_projects.c


@dataclass(frozen=True)
class EvaluationIn:
    project_id: int
    year: int
    items: Mapping[str, object]
    evaluated_on: date | None = None  # None: today
    note: str | None = None


@dataclass(frozen=True)
class EvaluationFilter:
    year: int | None = None
    grade: str | None = None
    street: str | None = None
    company_id: int | None = None


class EvaluationRow(TypedDict):
    id: int
    project_id: int
    project_no: str
    estate_id: int
    estate_name: str
    company_id: int
    company_name: str
    year: int
    score: Decimal
    grade: str
    grade_label: str
    items: dict[str, Decimal]
    note: str | None
    evaluated_on: date
    street_code: str
    credit_event_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class Recorded:
    id: int
    score: Decimal
    grade: str
    credit_event_id: int | None = None
    items: dict[str, Decimal] = field(default_factory=dict)


def record_evaluation(conn: Connection, kr: Keyring, caller: Caller, cmd: EvaluationIn) -> Recorded:
    """Score a project in the caller's scope for a year; a second evaluation of the same project and
    year is refused (409). Nothing is written when a field is bad."""
    project = conn.execute(select(estates_projects).where(_P.id == cmd.project_id)).first()
    if project is None or not caller.scope.allows(project.street_code):
        raise ValidationError.of("project_id", "没有这个物业服务项目（或不在您的辖区）")
    today = clock.today()
    errors: list[FieldError] = []
    first = project.starts_on.year
    year_ok = not isinstance(cmd.year, bool) and isinstance(cmd.year, int) and first <= cmd.year <= today.year
    if not year_ok:
        errors.append(FieldError("year", f"应为项目服务期内、不晚于今年的年份（{first}–{today.year}）"))
    on = cmd.evaluated_on or today
    if on > today:
        errors.append(FieldError("evaluated_on", "不能晚于今天"))
    elif year_ok and on.year < cmd.year:
        errors.append(FieldError("evaluated_on", "不能早于考评年度"))
    note = (cmd.note or "").strip() or None
    if note is not None and len(note) > 500:
        errors.append(FieldError("note", "最长 500 个字符"))
    try:
        scored = quality_rules.score(cmd.items)
    except ValidationError as e:
        errors.extend(e.errors)
        scored = None
    if errors or scored is None:
        raise ValidationError("考评信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    dup = conn.execute(select(_EC.id).where(_EC.project_id == cmd.project_id, _EC.year == cmd.year)).first()
    dup_msg = f"项目 {project.project_no} 的 {cmd.year} 年度考评已经登记"
    if dup is not None:
        raise Conflict(dup_msg, [FieldError("year", "已考评")])
    now = clock.now()
    try:
        with conn.begin_nested():
            eid = int(
                conn.execute(
                    _E.insert()
                    .values(
                        project_id=cmd.project_id,
                        year=cmd.year,
                        score=scored.score,
                        grade=scored.grade,
                        items=json.dumps({k: str(v) for k, v in scored.items.items()}, sort_keys=True),
                        note=note,
                        evaluated_on=on,
                        evaluator_account_id=caller.account_id,
                        created_at=now,
                    )
                    .returning(_EC.id)
                ).scalar_one()
            )
    except IntegrityError:
        raise Conflict(
            f"项目 {project.project_no} 的 {cmd.year} 年度考评已经登记", [FieldError("year", "已考评")]
        ) from None
    ev = None
    if scored.grade == quality_rules.FAIL_GRADE:
        ev = quality_credit.company_event(
            conn,
            kr,
            int(project.company_id),
            severity=quality_rules.FAIL_SEVERITY,
            on=on,
            reference=f"{project.project_no}-{cmd.year}",
            street_code=project.street_code,
            detail={"origin": "evaluation", "evaluation_id": eid, "year": cmd.year, "score": str(scored.score)},
        )
        conn.execute(_E.update().where(_EC.id == eid).values(credit_event_id=ev))
    return Recorded(eid, scored.score, scored.grade, ev, scored.items)


def _select(scope: Scope, f: EvaluationFilter) -> Any:
    conds: list[Any] = [*scope.where(_P.street_code)]
    if f.year is not None:
        conds.append(_EC.year == f.year)
    if f.grade:
        conds.append(_EC.grade == f.grade)
    if f.street:
        conds.append(_P.street_code == f.street)
    if f.company_id is not None:
        conds.append(_P.company_id == f.company_id)
    joined = (
        _E.join(estates_projects, _P.id == _EC.project_id)
        .join(registry.estates, registry.estates.c.id == _P.estate_id)
        .join(estates_companies, estates_companies.c.id == _P.company_id)
    )
    return (
        select(
            _E,
            _P.project_no,
            _P.estate_id,
            _P.company_id,
            _P.street_code,
            registry.estates.c.name.label("estate_name"),
            estates_companies.c.name.label("company_name"),
        )
        .select_from(joined)
        .where(*conds)
        .order_by(_EC.year.desc(), _EC.score, _EC.id)
    )


def _row(r: Any) -> EvaluationRow:
    return {
        "id": int(r.id),
        "project_id": int(r.project_id),
        "project_no": r.project_no,
        "estate_id": int(r.estate_id),
        "estate_name": r.estate_name,
        "company_id": int(r.company_id),
        "company_name": r.company_name,
        "year": int(r.year),
        "score": Decimal(r.score).quantize(Decimal("0.01")),
        "grade": r.grade,
        "grade_label": domain.EVALUATION_GRADES.get(r.grade, r.grade),
        "items": {k: Decimal(v) for k, v in json.loads(r.items).items()},
        "note": r.note,
        "evaluated_on": r.evaluated_on,
        "street_code": r.street_code,
        "credit_event_id": r.credit_event_id,
        "created_at": r.created_at,
    }


def list_evaluations(
    conn: Connection, scope: Scope, f: EvaluationFilter, *, limit: int, offset: int
) -> Page[EvaluationRow]:
    """Evaluations of projects in scope, the latest year first, then the lowest score first."""
    return fetch_page(conn, _select(scope, f), limit=limit, offset=offset, row=_row)


def get_evaluation(conn: Connection, scope: Scope, evaluation_id: int) -> EvaluationRow:
    r = conn.execute(_select(scope, EvaluationFilter()).where(_EC.id == evaluation_id)).first()
    if r is None:
        raise NotFound(f"考评 {evaluation_id} 不存在")
    return _row(r)


def csv_columns() -> list[str]:
    items = quality_rules.rules().items
    return ["项目编号", "小区", "物业服务企业", "年度", *(i.label for i in items.values()), "总分", "等级", "考评日期"]


def csv_rows(conn: Connection, scope: Scope, f: EvaluationFilter) -> Iterator[list[Any]]:
    codes = list(quality_rules.rules().items)
    for r in conn.execute(_select(scope, f)):
        e = _row(r)
        yield [
            e["project_no"],
            e["estate_name"],
            e["company_name"],
            e["year"],
            *(e["items"].get(c) for c in codes),
            e["score"],
            e["grade_label"],
            e["evaluated_on"].isoformat(),
        ]


class ProjectChoice(TypedDict):
    id: int
    project_no: str
    estate_name: str
    company_name: str


def project_choices(conn: Connection, scope: Scope, *, limit: int = 500) -> list[ProjectChoice]:
    """Active projects in scope for the evaluation form, by number."""
    rows = conn.execute(
        select(_P.id, _P.project_no, registry.estates.c.name, estates_companies.c.name.label("company"))
        .select_from(
            estates_projects.join(registry.estates, registry.estates.c.id == _P.estate_id).join(
                estates_companies, estates_companies.c.id == _P.company_id
            )
        )
        .where(_P.status == "active", *scope.where(_P.street_code))
        .order_by(_P.project_no)
        .limit(limit)
    ).all()
    return [
        {"id": int(r.id), "project_no": r.project_no, "estate_name": r.name, "company_name": r.company} for r in rows
    ]
