"""Urban renewal's data (issue 23): the classified catalogue of contents and the dated eligibility
rules, each a TOML file under ``data/``, read once per process and checked when read; and renewal's
view of the one plan (``anju.plan``: its renewal targets and the district × year table 专栏6).

Eligibility is explained: :func:`check` answers whether a project is eligible under the edition in
force, by which rule, and the reason in Chinese — built from the register's year built (the
building's, else the estate's), the building's floors, and the conditions the project declares.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from anju.core import clock
from anju.core.settings import Settings
from anju.renewal import domain

if TYPE_CHECKING:
    from anju.plan import Plan as PlanData

DATA = Path(__file__).parent / "data"


class RulesError(ValueError):
    """A renewal data file is malformed (the message names the file and the entry)."""


def _read(path: Path) -> Mapping[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise RulesError(f"{path.name}: {e}") from None


# ------------------------------------------------------------------------------------------ catalogue


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    category: str  # domain.CATEGORIES
    name: str

    @property
    def category_label(self) -> str:
        return domain.CATEGORIES[self.category]


@dataclass(frozen=True, slots=True)
class Catalogue:
    name: str
    sample: bool
    items: tuple[Item, ...]

    def get(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)


def load_catalogue(path: Path) -> Catalogue:
    raw = _read(path)
    head = raw.get("catalogue", {})
    items: list[Item] = []
    for n, it in enumerate(raw.get("item", [])):
        if it.get("category") not in domain.CATEGORIES or not it.get("code") or not it.get("name"):
            raise RulesError(f"{path.name}: item {n + 1} needs code, name and a category of {list(domain.CATEGORIES)}")
        items.append(Item(str(it["code"]), str(it["category"]), str(it["name"])))
    if len({i.code for i in items}) != len(items):
        raise RulesError(f"{path.name}: item codes must not repeat")
    return Catalogue(str(head.get("name", "")), bool(head.get("sample", False)), tuple(items))


# ---------------------------------------------------------------------------------------- eligibility


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    kinds: frozenset[str]
    text: str
    built_before: int | None = None
    min_floors: int | None = None
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Edition:
    code: str
    name: str
    effective_from: date
    source: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class EligibilityRules:
    conditions: dict[str, str]  # code → Chinese
    editions: tuple[Edition, ...]  # oldest first
    lift_min_agreement: Fraction
    lift_source: str

    def edition_on(self, on: date) -> Edition | None:
        found = None
        for e in self.editions:
            if e.effective_from <= on:
                found = e
        return found


def _rule(path: Path, r: Mapping[str, Any], conditions: dict[str, str]) -> Rule:
    kinds = frozenset(str(k) for k in r.get("kinds", []))
    if not r.get("code") or not kinds or not kinds <= set(domain.KINDS):
        raise RulesError(f"{path.name}: rule {r.get('code')!r} needs a code and kinds of {list(domain.KINDS)}")
    conds = tuple(str(c) for c in r.get("conditions", []))
    if not set(conds) <= set(conditions):
        raise RulesError(f"{path.name}: rule {r['code']}: unknown condition")
    bb, mf = r.get("built_before"), r.get("min_floors")
    return Rule(
        str(r["code"]),
        kinds,
        str(r.get("text", "")),
        int(bb) if isinstance(bb, int) else None,
        int(mf) if isinstance(mf, int) else None,
        conds,
    )


def load_eligibility(path: Path) -> EligibilityRules:
    raw = _read(path)
    conditions = {str(k): str(v) for k, v in raw.get("conditions", {}).items()}
    editions: list[Edition] = []
    for e in raw.get("edition", []):
        if not isinstance(e.get("effective_from"), date) or not e.get("code"):
            raise RulesError(f"{path.name}: every edition needs a code and an effective_from date")
        rules = tuple(_rule(path, r, conditions) for r in e.get("rule", []))
        editions.append(
            Edition(str(e["code"]), str(e.get("name", "")), e["effective_from"], str(e.get("source", "")), rules)
        )
    editions.sort(key=lambda e: e.effective_from)
    lift = raw.get("lift", {})
    try:
        share = Fraction(str(lift.get("min_agreement", "2/3")))
    except (ValueError, ZeroDivisionError):
        raise RulesError(f"{path.name}: [lift] min_agreement should be a fraction like 2/3") from None
    if not 0 < share <= 1:
        raise RulesError(f"{path.name}: [lift] min_agreement should be in (0, 1]")
    return EligibilityRules(conditions, tuple(editions), share, str(lift.get("source", "")))


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The answer of :func:`check`: eligible or not, the edition and rule, and why (Chinese)."""

    eligible: bool
    edition: str | None
    rule: str | None
    reason: str


def check(
    rules: EligibilityRules,
    kind: str,
    on: date,
    year_built: int | None,
    floors_above: int | None,
    conditions: Sequence[str] = (),
) -> Eligibility:
    """Whether a ``kind`` project is eligible on ``on``: the first rule of the edition in force that
    holds, with its reason; otherwise why none holds."""
    ed = rules.edition_on(on)
    if ed is None:
        return Eligibility(False, None, None, f"{on.isoformat()} 无现行的改造范围规定")
    applicable = [r for r in ed.rules if kind in r.kinds]
    if not applicable:
        return Eligibility(False, ed.code, None, f"《{ed.name}》未规定{domain.KINDS.get(kind, kind)}的改造范围")
    why: list[str] = []
    for r in applicable:
        miss = _misses(rules, r, year_built, floors_above, conditions)
        if not miss:
            built = f"（楼盘表建成年份 {year_built} 年）" if year_built is not None else ""
            return Eligibility(True, ed.code, r.code, f"符合“{r.text}”{built}")
        why.append(f"不符合“{r.text}”：{miss}")
    return Eligibility(False, ed.code, None, "；".join(why))


def _misses(
    rules: EligibilityRules, r: Rule, year_built: int | None, floors_above: int | None, conditions: Sequence[str]
) -> str:
    if r.built_before is not None:
        if year_built is None:
            return "楼盘表中没有建成年份"
        if year_built >= r.built_before:
            return f"楼盘表建成年份为 {year_built} 年，不早于 {r.built_before} 年"
    if r.min_floors is not None and (floors_above or 0) < r.min_floors:
        return f"地上层数为 {floors_above or 0} 层，少于 {r.min_floors} 层"
    if r.conditions and not set(conditions) & set(r.conditions):
        return "未申报以下任一情形：" + "、".join(rules.conditions[c] for c in r.conditions)
    return ""


# ----------------------------------------------------------------------------------------------- plan

WAN = Decimal(10_000)  # the plan's 万㎡ → m²


@dataclass(frozen=True, slots=True)
class Target:
    code: str
    kind: str
    measure: str  # count | area
    value: Decimal  # in ``unit``
    unit: str
    label: str
    binding: bool
    source: str


@dataclass(frozen=True, slots=True)
class DistrictPlan:
    code: str
    name: str
    communities: tuple[int, ...]  # per year, first_year …
    area: tuple[Decimal, ...]  # 万㎡ per year


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    first_year: int
    last_year: int
    targets: tuple[Target, ...]
    districts: tuple[DistrictPlan, ...]
    total_communities: tuple[int, ...]
    total_area: tuple[Decimal, ...]
    #: Where the plan's own 全市合计 row differs from the sum of its district rows (shown, not corrected).
    discrepancies: tuple[str, ...]

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first_year, self.last_year + 1))


#: The plan indicators renewal reads (``anju.plan`` targets linked to them): code → (target code on the
#: progress page, project kind, measure).
INDICATORS = {
    "renewal.old_community_area": ("old_area", "old_community", "area"),
    "renewal.old_community_count": ("old_communities", "old_community", "count"),
    "renewal.shanty_area": ("shanty_area", "shanty", "area"),
}
COUNT, AREA = "renewal.old_community_count", "renewal.old_community_area"


def from_plan(p: PlanData) -> Plan:
    """Renewal's view of the one plan (``anju.plan``): its renewal targets for the period and the
    district × year table whose cells measure old-community renovation (专栏6), with the plan's own
    inconsistencies of that table (``anju.plan.check``) as the discrepancies shown, never corrected."""
    from anju.plan import check

    targets = tuple(
        Target(code, kind, measure, t.value, t.unit, t.label, t.nature == "binding", t.source)
        for t in p.targets
        if t.table is None and t.year is None and t.area == p.city and t.indicator in INDICATORS
        for code, kind, measure in (INDICATORS[t.indicator],)
    )
    years = p.years
    names: dict[str, str] = {}
    cells: dict[tuple[str, str, int], Decimal] = {}
    tables: set[str] = set()
    for t in p.targets:
        if t.table is None or t.year is None or t.indicator not in (COUNT, AREA):
            continue
        tables.add(t.table)
        if t.area != p.city:
            names.setdefault(t.area, t.cell[1] if t.cell else t.area)
        cells[(t.indicator, t.area, t.year)] = t.value
    for tab in p.tables:  # every district row of the table, "-" cells included
        if tab.code in tables:
            for row in tab.rows:
                if row.area is not None and row.area != p.city and not row.total:
                    names.setdefault(row.area, row.label)

    def series(code: str, area: str) -> tuple[Decimal, ...]:
        return tuple(cells.get((code, area, y), Decimal(0)) for y in years)

    districts = tuple(
        DistrictPlan(d, name, tuple(int(v) for v in series(COUNT, d)), series(AREA, d)) for d, name in names.items()
    )
    notes = tuple(
        f"{i.table} {i.row}“{i.column}”为 {i.stated}，按各项计算为 {i.computed}" for i in check(p) if i.table in tables
    )
    return Plan(
        p.name,
        p.first_year,
        p.last_year,
        targets,
        districts,
        tuple(int(v) for v in series(COUNT, p.city)),
        series(AREA, p.city),
        notes,
    )


def load_plan(path: Path) -> Plan:
    """Renewal's view of the plan file at ``path`` (the plan-as-data format, docs/plan.md)."""
    from anju.plan import PlanReadError, read_plan

    try:
        return from_plan(read_plan(path))
    except PlanReadError as e:
        raise RulesError(str(e)) from None


# ------------------------------------------------------------------------------------- where they are


def catalogue_path(settings: Settings) -> Path:
    return Path(settings.renewal_catalogue) if settings.renewal_catalogue else DATA / "catalogue.toml"


def eligibility_path(settings: Settings) -> Path:
    return Path(settings.renewal_eligibility) if settings.renewal_eligibility else DATA / "eligibility.toml"


@cache
def _catalogue(path: str) -> Catalogue:
    return load_catalogue(Path(path))


@cache
def _eligibility(path: str) -> EligibilityRules:
    return load_eligibility(Path(path))


def catalogue(settings: Settings) -> Catalogue:
    """The catalogue in use (read once per process)."""
    return _catalogue(str(catalogue_path(settings)))


def eligibility(settings: Settings) -> EligibilityRules:
    """The eligibility rules in use (read once per process)."""
    return _eligibility(str(eligibility_path(settings)))


def plan(settings: Settings, conn: Connection | None = None) -> Plan | None:
    """The plan renewal shows: the file ``ANJU_RENEWAL_PLAN`` names, else the city's current plan
    (``anju.plan.current_plan``: a loaded edition, else the shipped one; without ``conn`` the shipped
    one covering today, else the latest). None when the city has no plan."""
    from anju import plan as plans

    if settings.renewal_plan:
        return load_plan(Path(settings.renewal_plan))
    if conn is None:
        return shipped_plan(settings.city_code)
    try:
        found = plans.current_plan(conn, settings.city_code)
    except plans.PlanReadError as e:
        raise RulesError(str(e)) from None
    return None if found is None else from_plan(found)


def shipped_plan(city_code: str) -> Plan | None:
    """Renewal's view of the city's shipped plan covering today, else the latest shipped one."""
    from anju import plan as plans

    try:
        ships = plans.shipped(city_code)
    except plans.PlanReadError as e:
        raise RulesError(str(e)) from None
    year = clock.today().year
    found = next((p for p in reversed(ships) if p.first_year <= year <= p.last_year), None)
    if found is None and ships:
        found = ships[-1]
    return None if found is None else from_plan(found)
