"""Progress against the plan: the 专栏6 table (district × year: communities and area, planned and
accepted) and the plan's targets, from the plan data (``rules.Plan``) and the projects.

The actual figures come from one grouped query over the projects (kind, district, plan year, whether
the works are accepted), on the index ``ix_renewal_projects_progress``; a project counts in the year of
the plan it was listed in (``plan_year``) and in the district or zone managing its street, and as
actual once accepted (竣工验收 or later). Old-community renovation fills the table; shanty-town
renovation has a city target only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, case, func, select

from anju.core.scope import Scope
from anju.core.types import Area
from anju.divisions import divisions_table
from anju.renewal import domain
from anju.renewal.rules import WAN, Plan
from anju.renewal.tables import renewal_projects

P = renewal_projects.c
CENT = Decimal("0.01")


def wan(m2: Decimal) -> Decimal:
    """m² as the plan's 万㎡, two decimals."""
    return (m2 / WAN).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Cell:
    year: int
    plan_communities: int = 0
    plan_area: Decimal = Decimal(0)  # 万㎡
    listed: int = 0  # projects listed in the year's plan (any step from "planned")
    done: int = 0  # accepted
    done_area: Decimal = Decimal(0)  # 万㎡

    @property
    def share(self) -> str:
        return f"{self.done * 100 / self.plan_communities:.0f}%" if self.plan_communities else "—"


@dataclass
class Row:
    code: str
    name: str
    cells: list[Cell] = field(default_factory=list)

    @property
    def total(self) -> Cell:
        t = Cell(0)
        for c in self.cells:
            t.plan_communities += c.plan_communities
            t.plan_area += c.plan_area
            t.listed += c.listed
            t.done += c.done
            t.done_area += c.done_area
        return t


@dataclass(frozen=True)
class TargetProgress:
    code: str
    label: str
    unit: str
    target: Decimal
    actual: Decimal
    binding: bool
    source: str

    @property
    def percent(self) -> str:
        return f"{self.actual * 100 / self.target:.1f}%" if self.target else "—"


@dataclass(frozen=True)
class Progress:
    plan_name: str
    years: tuple[int, ...]
    rows: list[Row]
    total: Row
    targets: list[TargetProgress]
    discrepancies: tuple[str, ...]
    scoped: bool  # the caller sees part of the city: the plan rows outside it are left out


def _actuals(
    conn: Connection, scope: Scope, first: int, last: int
) -> list[tuple[str, str, int | None, bool, int, Decimal]]:
    done = case((P.status.in_(sorted(domain.DONE)), True), else_=False)
    q = (
        select(P.kind, P.district_code, P.plan_year, done.label("done"), func.count(), func.sum(P.area, type_=Area()))
        .where(P.kind.in_(("old_community", "shanty")), P.plan_year.is_not(None), *scope.where(P.street_code))
        .group_by(P.kind, P.district_code, P.plan_year, done)
    )
    return [(k, d, y, bool(f), int(n), a or Decimal(0)) for k, d, y, f, n, a in conn.execute(q)]


def progress(conn: Connection, plan: Plan, *, scope: Scope) -> Progress:
    """The district × year table and the targets, within the scope (one grouped query; the districts'
    names in one more)."""
    years = plan.years
    facts = _actuals(conn, scope, plan.first_year, plan.last_year)
    codes = [d.code for d in plan.districts] + sorted({f[1] for f in facts} - {d.code for d in plan.districts})
    names = {
        str(code): str(name)
        for code, name in conn.execute(
            select(divisions_table.c.code, divisions_table.c.name).where(divisions_table.c.code.in_(codes))
        )
    }
    rows: dict[str, Row] = {}
    for d in plan.districts:
        rows[d.code] = Row(
            d.code, names.get(d.code, d.name), [Cell(y, d.communities[i], d.area[i]) for i, y in enumerate(years)]
        )
    target_actual: dict[str, Decimal] = {
        "old_community:count": Decimal(0),
        "old_community:area": Decimal(0),
        "shanty:count": Decimal(0),
        "shanty:area": Decimal(0),
    }
    for kind, district, year, done, n, area in facts:
        if done and year is not None and plan.first_year <= year <= plan.last_year:
            target_actual[f"{kind}:count"] += n
            target_actual[f"{kind}:area"] += area
        if kind != "old_community" or year is None or not plan.first_year <= year <= plan.last_year:
            continue
        row = rows.setdefault(district, Row(district, names.get(district, district), [Cell(y) for y in years]))
        cell = row.cells[year - plan.first_year]
        cell.listed += n
        if done:
            cell.done += n
            cell.done_area += wan(area)
    visible = [r for r in rows.values() if scope.unrestricted or scope.allows_division(r.code) or r.total.listed]
    total = Row("total", "全市合计" if scope.unrestricted else "合计", [Cell(y) for y in years])
    for r in visible:
        for i, c in enumerate(r.cells):
            t = total.cells[i]
            t.plan_communities += c.plan_communities
            t.plan_area += c.plan_area
            t.listed += c.listed
            t.done += c.done
            t.done_area += c.done_area
    targets = [
        TargetProgress(
            t.code,
            t.label,
            t.unit,
            t.value,
            wan(target_actual[f"{t.kind}:area"]) if t.measure == "area" else target_actual[f"{t.kind}:count"],
            t.binding,
            t.source,
        )
        for t in plan.targets
    ]
    return Progress(plan.name, years, visible, total, targets, plan.discrepancies, not scope.unrestricted)


@dataclass(frozen=True)
class StatusCount:
    kind: str
    kind_label: str
    status: str
    status_label: str
    projects: int


def by_status(conn: Connection, *, scope: Scope) -> list[StatusCount]:
    """Projects by kind and status in scope (one grouped query), in lifecycle order."""
    q = select(P.kind, P.status, func.count()).where(*scope.where(P.street_code)).group_by(P.kind, P.status)
    found = {(k, s): int(n) for k, s, n in conn.execute(q)}
    return [
        StatusCount(k, domain.KINDS[k], s, domain.STATUSES[s], found[(k, s)])
        for k in domain.KINDS
        for s in domain.LIFECYCLES[k]
        if (k, s) in found
    ]
