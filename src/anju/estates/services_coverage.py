"""Property-service coverage (物业服务覆盖率) by district and street: the register's residential
estates (an estate with at least one standing residential home) with an active project, of all of
them — and the same by homes — against the plan's target (``services_rules.COVERAGE_TARGET``).

One query: the standing residential homes counted per estate (one scan of the homes, no join), joined
to their estates and summed per street with whether each estate is served (an EXISTS on the active
project, an index lookup); districts and the total are sums of the streets.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, case, exists, func, select

from anju import divisions, registry
from anju.core import csvout
from anju.core.scope import Scope
from anju.estates.services_rules import COVERAGE_TARGET, Coverage, percent
from anju.estates.tables import estates_projects

#: A home counts when it stands: built (现房) or in use (使用); planned, under construction, retired
#: and demolished homes need no property service yet (or any more).
STANDING = (registry.Status.completed.value, registry.Status.in_use.value)
RESIDENTIAL = (registry.Use.residential.value,)


@dataclass(frozen=True)
class StreetCoverage:
    district_code: str
    street_code: str
    coverage: Coverage
    #: the same for the new estates only (built from ``COVERAGE_TARGET.new_from_year``): the target's
    new: Coverage


def street_coverage(conn: Connection, scope: Scope, district: str | None = None) -> list[StreetCoverage]:
    """Coverage of each street in scope (and in ``district`` if given), by district then street."""
    h, e, p = registry.homes, registry.estates, estates_projects
    conds: list[Any] = [h.c.use.in_(RESIDENTIAL), h.c.status.in_(STANDING), *scope.where(h.c.street_code)]
    if district:
        conds.append(h.c.district_code == district)
    # the homes are counted per estate first (one scan, no join), then joined to their estates
    per_estate = select(h.c.estate_id, func.count().label("homes")).where(*conds).group_by(h.c.estate_id).subquery()
    served = exists().where(p.c.estate_id == e.c.id, p.c.status == "active")
    is_new = e.c.year_built >= COVERAGE_TARGET.new_from_year
    rows = conn.execute(
        select(
            e.c.district_code,
            e.c.street_code,
            func.count().label("estates"),
            func.sum(case((served, 1), else_=0)).label("served_estates"),
            func.sum(per_estate.c.homes).label("homes"),
            func.sum(case((served, per_estate.c.homes), else_=0)).label("served_homes"),
            func.sum(case((is_new, 1), else_=0)).label("new_estates"),
            func.sum(case((and_(is_new, served), 1), else_=0)).label("new_served_estates"),
            func.sum(case((is_new, per_estate.c.homes), else_=0)).label("new_homes"),
            func.sum(case((and_(is_new, served), per_estate.c.homes), else_=0)).label("new_served_homes"),
        )
        .join(per_estate, per_estate.c.estate_id == e.c.id)
        .where(*scope.where(e.c.street_code))
        .group_by(e.c.district_code, e.c.street_code)
        .order_by(e.c.district_code, e.c.street_code)
    ).all()
    return [
        StreetCoverage(
            r.district_code,
            r.street_code,
            Coverage(int(r.estates), int(r.served_estates or 0), int(r.homes or 0), int(r.served_homes or 0)),
            Coverage(
                int(r.new_estates or 0),
                int(r.new_served_estates or 0),
                int(r.new_homes or 0),
                int(r.new_served_homes or 0),
            ),
        )
        for r in rows
    ]


class CoverageLine(TypedDict):
    level: str  # district | street | total
    district_code: str
    street_code: str | None
    name: str
    estates: int
    served_estates: int
    estate_percent: Decimal | None
    homes: int
    served_homes: int
    home_percent: Decimal | None
    new_estates: int  # built from the target's first year
    new_served_estates: int
    new_estate_percent: Decimal | None
    meets_target: bool | None  # the new estates' coverage against the target
    gap_estates: int  # new estates still to be served


class CoverageReport(TypedDict):
    target_percent: Decimal
    target_label: str
    target_source: str
    target_binding: bool
    target_new_from_year: int
    lines: list[CoverageLine]


def _line(level: str, district: str, street: str | None, name: str, c: Coverage, new: Coverage) -> CoverageLine:
    return {
        "level": level,
        "district_code": district,
        "street_code": street,
        "name": name,
        "estates": c.estates,
        "served_estates": c.served_estates,
        "estate_percent": percent(c.estate_share),
        "homes": c.homes,
        "served_homes": c.served_homes,
        "home_percent": percent(c.home_share),
        "new_estates": new.estates,
        "new_served_estates": new.served_estates,
        "new_estate_percent": percent(new.estate_share),
        "meets_target": new.meets(),
        "gap_estates": new.gap(),
    }


def coverage_report(conn: Connection, scope: Scope, district: str | None = None) -> CoverageReport:
    """The table by district → street with a total line first, and the target with its source."""
    streets = street_coverage(conn, scope, district)
    names = divisions.names(conn, {s.street_code for s in streets} | {s.district_code for s in streets})
    zero = Coverage(0, 0, 0, 0)
    by_district: dict[str, list[StreetCoverage]] = {}
    for s in streets:
        by_district.setdefault(s.district_code, []).append(s)
    total, total_new = sum((s.coverage for s in streets), zero), sum((s.new for s in streets), zero)
    lines: list[CoverageLine] = [_line("total", "", None, "合计", total, total_new)]
    for d, items in by_district.items():
        sub, sub_new = sum((s.coverage for s in items), zero), sum((s.new for s in items), zero)
        lines.append(_line("district", d, None, names.get(d, d), sub, sub_new))
        lines += [
            _line("street", d, s.street_code, names.get(s.street_code, s.street_code), s.coverage, s.new) for s in items
        ]
    return {
        "target_percent": percent(COVERAGE_TARGET.share) or Decimal(0),
        "target_label": COVERAGE_TARGET.label,
        "target_source": COVERAGE_TARGET.source,
        "target_binding": COVERAGE_TARGET.binding,
        "target_new_from_year": COVERAGE_TARGET.new_from_year,
        "lines": lines,
    }


COVERAGE_CSV_COLUMNS = (
    "level", "district_code", "street_code", "name", "estates", "served_estates", "estate_percent",
    "homes", "served_homes", "home_percent", "new_estates", "new_served_estates", "new_estate_percent",
    "meets_target", "gap_estates",
)  # fmt: skip


def coverage_rows(report: CoverageReport) -> Iterator[list[Any]]:
    for x in report["lines"]:
        yield [
            x["level"], x["district_code"], x["street_code"] or "", x["name"], x["estates"], x["served_estates"],
            x["estate_percent"], x["homes"], x["served_homes"], x["home_percent"], x["new_estates"],
            x["new_served_estates"], x["new_estate_percent"],
            "" if x["meets_target"] is None else ("是" if x["meets_target"] else "否"), x["gap_estates"],
        ]  # fmt: skip


def coverage_xlsx(report: CoverageReport, note: str) -> bytes:
    """The table as an Excel workbook (openpyxl, write-only): the target and its source first, the
    header, the lines, then ``note`` (the synthetic-data label); text cells kept as text and defused
    like CSV cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("物业服务覆盖率")

    def text(v: str) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=csvout.cell(v))
        c.data_type = "s"
        return c

    ws.append([text(f"规划目标：{report['target_label']} {report['target_percent']}%（{report['target_source']}）")])
    ws.append([text(c) for c in COVERAGE_CSV_COLUMNS])
    for row in coverage_rows(report):
        ws.append([text(v) if isinstance(v, str) else v for v in row])
    ws.append([text(note)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
