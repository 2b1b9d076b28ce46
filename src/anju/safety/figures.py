"""House safety's figures (issue 23), by district and for the city (within the caller's scope): buildings
inspected, appraisals by grade, open hazard cases, remediated (closed) cases and filed agencies, shown
against the last plan's review values (``data/<city>/plan_review.toml``). One grouped query per figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict

from sqlalchemy import Connection, func, select

from anju import divisions
from anju.core.scope import Scope
from anju.safety import domain, rules
from anju.safety.tables import safety_agencies, safety_appraisals, safety_hazards, safety_inspections


@dataclass
class Row:
    code: str
    name: str
    inspected: int = 0
    grades: dict[str, int] = field(default_factory=lambda: dict.fromkeys(domain.GRADES, 0))
    open_hazards: int = 0
    remediated: int = 0
    agencies: int = 0


class Reference(TypedDict):
    period: str
    inspected_buildings: int
    dangerous_remediated: int
    filed_agencies: int


class FigureRow(TypedDict):
    code: str
    name: str
    inspected: int
    grade_a: int
    grade_b: int
    grade_c: int
    grade_d: int
    open_hazards: int
    remediated: int
    agencies: int


class Figures(TypedDict):
    districts: list[FigureRow]
    city: FigureRow
    reference: Reference


def _grouped(conn: Connection, stmt: Any) -> Iterator[Any]:
    return iter(conn.execute(stmt).all())


def figures(conn: Connection, *, scope: Scope) -> Figures:
    """Every district's figures in scope and their sum, with the review's reference values."""
    i, a, h, g = safety_inspections.c, safety_appraisals.c, safety_hazards.c, safety_agencies.c
    names = {d.code: d.name for d in divisions.by_level(conn, "district")}
    rows: dict[str, Row] = {}

    def at(code: str) -> Row:
        return rows.setdefault(code, Row(code, names.get(code, code)))

    for d, n in _grouped(
        conn,
        select(i.district_code, func.count(func.distinct(i.building_id)))
        .where(i.status == "done", *scope.where(i.street_code))
        .group_by(i.district_code),
    ):
        at(d).inspected = int(n)
    for d, grade, n in _grouped(
        conn,
        select(a.district_code, a.grade, func.count())
        .where(*scope.where(a.street_code))
        .group_by(a.district_code, a.grade),
    ):
        at(d).grades[grade] = int(n)
    for d, status, n in _grouped(
        conn,
        select(h.district_code, h.status, func.count())
        .where(*scope.where(h.street_code))
        .group_by(h.district_code, h.status),
    ):
        if status == "open":
            at(d).open_hazards = int(n)
        else:
            at(d).remediated += int(n)
    for d, n in _grouped(
        conn,
        select(g.district_code, func.count())
        .where(g.status == "filed", *scope.where(g.street_code))
        .group_by(g.district_code),
    ):
        at(d).agencies = int(n)  # fmt: skip

    def out(r: Row) -> FigureRow:
        return {
            "code": r.code, "name": r.name, "inspected": r.inspected, "grade_a": r.grades["A"],
            "grade_b": r.grades["B"], "grade_c": r.grades["C"], "grade_d": r.grades["D"],
            "open_hazards": r.open_hazards, "remediated": r.remediated, "agencies": r.agencies,
        }  # fmt: skip

    districts = [out(rows[c]) for c in sorted(rows)]
    total = Row("", "全市" if scope.unrestricted else "辖区合计")
    for r in rows.values():
        total.inspected += r.inspected
        total.open_hazards += r.open_hazards
        total.remediated += r.remediated
        total.agencies += r.agencies
        for k, v in r.grades.items():
            total.grades[k] += v
    rv = rules.plan_review()
    reference: Reference = {
        "period": rv.period,
        "inspected_buildings": rv.inspected_buildings,
        "dangerous_remediated": rv.dangerous_remediated,
        "filed_agencies": rv.filed_agencies,
    }
    return {"districts": districts, "city": out(total), "reference": reference}


FIGURE_CSV_COLUMNS = (
    "区代码",
    "区",
    "已排查楼幢",
    "A 级",
    "B 级",
    "C 级",
    "D 级",
    "处置中隐患",
    "已销案",
    "备案鉴定机构",
)


def figure_rows(f: Figures) -> Iterator[list[Any]]:
    for r in [*f["districts"], f["city"]]:
        yield [r["code"], r["name"], r["inspected"], r["grade_a"], r["grade_b"], r["grade_c"], r["grade_d"],
               r["open_hazards"], r["remediated"], r["agencies"]]  # fmt: skip
