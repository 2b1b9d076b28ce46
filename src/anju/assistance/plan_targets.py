"""Assistance's view of the one housing plan (``anju.plan``): the targets its figures pages compare
with, read from the plan's targets linked to the indicator dictionary (no file of its own).

:func:`targets_from_plan` picks, by dictionary code, the plan's city targets (coverage, supply, each
programme kind's five-year target, talent housing), the 专栏2 cells by year and the 专栏5 cells by
district, converted to the figures' units (套, %); :func:`targets_in` does so for the city's current
plan (a newly loaded edition or the next plan is followed without code changes), with the urban
population — the coverage rate's denominator — from the street database's stored ``population.resident``
(not a plan figure), and scales the counts to the synthetic city in a demo."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection

from anju import registry
from anju.assistance import domain
from anju.core.scope import SYSTEM

#: An ``anju.plan.Plan`` and one of its ``Target``s. Not imported: the plan context's reports use the
#: market's, whose figures read assistance — assistance's core names no plan type (its routes pass the
#: current plan in, ``http/targets.py``).
Plan = Any
Target = Any


class TargetsError(ValueError):
    """The plan lacks a target the figures need; the message names the plan and the dictionary code."""


class DistrictPopulation(TypedDict):
    code: str
    population: int


class DistrictHomes(TypedDict):
    code: str
    homes: int


class YearHomes(TypedDict):
    year: int
    homes: int


class ProgrammeTargetDict(TypedDict):
    kind: str
    kind_label: str
    homes: int
    bound: str
    bound_label: str
    source: str


class TargetsDict(TypedDict):
    """The targets as the API publishes them (:meth:`Targets.as_dict`): mappings as sorted lists."""

    plan_name: str
    first_year: int
    last_year: int
    coverage_percent: float
    previous_coverage_percent: float | None
    coverage_source: str
    population: int | None
    population_year: int | None
    population_sample: bool
    population_source: str
    district_population: list[DistrictPopulation]
    supply_total: int
    supply_by_year: list[YearHomes]
    supply_kinds: list[str]
    supply_source: str
    programmes: list[ProgrammeTargetDict]
    talent_homes: int
    talent_beneficiaries: int
    talent_kinds: list[str]
    talent_home_kinds: list[str]
    talent_homes_by_district: list[DistrictHomes]
    talent_source: str
    scaled_by: float | None


@dataclass(frozen=True)
class ProgrammeTarget:
    kind: domain.Kind
    homes: int
    bound: str  # at_least | about | target
    source: str

    @property
    def bound_label(self) -> str:
        return domain.BOUNDS[self.bound]


@dataclass(frozen=True)
class Targets:
    """The plan's targets for the figures pages (one city, one plan period)."""

    plan_name: str
    first_year: int
    last_year: int
    coverage_percent: float
    previous_coverage_percent: float | None
    coverage_source: str
    population: int | None
    population_year: int | None
    population_sample: bool
    population_source: str
    district_population: Mapping[str, int]
    supply_total: int
    supply_by_year: Mapping[int, int]
    supply_kinds: tuple[domain.Kind, ...]
    supply_source: str
    programmes: tuple[ProgrammeTarget, ...]
    talent_homes: int
    talent_beneficiaries: int
    talent_kinds: tuple[domain.Kind, ...]
    talent_home_kinds: tuple[domain.Kind, ...]
    talent_homes_by_district: Mapping[str, int]
    talent_source: str
    #: Set when the targets were scaled to a synthetic city (``scaled``): the city's scale.
    scaled_by: float | None = None

    def scaled(self, factor: float) -> Targets:
        """The targets for a synthetic city of ``factor`` times the real one: every count of the plan
        (homes, beneficiaries) times ``factor``, rounded; rates (coverage %) as they are. Labelled. The
        population is the synthetic city's own (its street database), not scaled."""

        def n(value: int) -> int:
            return round(value * factor)

        return replace(
            self,
            supply_total=n(self.supply_total),
            supply_by_year={y: n(v) for y, v in self.supply_by_year.items()},
            programmes=tuple(replace(p, homes=n(p.homes)) for p in self.programmes),
            talent_homes=n(self.talent_homes),
            talent_beneficiaries=n(self.talent_beneficiaries),
            talent_homes_by_district={k: n(v) for k, v in self.talent_homes_by_district.items()},
            scaled_by=factor,
        )

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def programme(self, kind: str | None) -> ProgrammeTarget | None:
        return next((p for p in self.programmes if p.kind == kind), None)

    def as_dict(self) -> TargetsDict:
        return {
            "plan_name": self.plan_name,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "coverage_percent": self.coverage_percent,
            "previous_coverage_percent": self.previous_coverage_percent,
            "coverage_source": self.coverage_source,
            "population": self.population,
            "population_year": self.population_year,
            "population_sample": self.population_sample,
            "population_source": self.population_source,
            "district_population": [{"code": k, "population": v} for k, v in sorted(self.district_population.items())],
            "supply_total": self.supply_total,
            "supply_by_year": [{"year": y, "homes": n} for y, n in sorted(self.supply_by_year.items())],
            "supply_kinds": [k.value for k in self.supply_kinds],
            "supply_source": self.supply_source,
            "programmes": [
                {
                    "kind": p.kind.value,
                    "kind_label": domain.KIND_LABELS[p.kind],
                    "homes": p.homes,
                    "bound": p.bound,
                    "bound_label": p.bound_label,
                    "source": p.source,
                }
                for p in self.programmes
            ],
            "talent_homes": self.talent_homes,
            "talent_beneficiaries": self.talent_beneficiaries,
            "talent_kinds": [k.value for k in self.talent_kinds],
            "talent_home_kinds": [k.value for k in self.talent_home_kinds],
            "talent_homes_by_district": [
                {"code": k, "homes": v} for k, v in sorted(self.talent_homes_by_district.items())
            ],
            "talent_source": self.talent_source,
            "scaled_by": self.scaled_by,
        }


K = domain.Kind
#: a supply indicator of the dictionary (``assistance.*``) → the programme kinds whose homes it counts
#: (its provider :mod:`anju.assistance.indicators`, and the figures pages' plan totals)
INDICATOR_KINDS: dict[str, frozenset[K]] = {
    "assistance.assisted_homes_supplied": frozenset(
        {K.public_rental, K.affordable_rental, K.shared_ownership, K.resettlement}
    ),
    "assistance.assisted_ownership_homes_supplied": frozenset({K.shared_ownership, K.resettlement}),
    "assistance.assisted_rental_homes_supplied": frozenset({K.public_rental, K.affordable_rental}),
    "assistance.affordable_rental_raised": frozenset({K.affordable_rental}),
    "assistance.public_rental_raised": frozenset({K.public_rental}),
    "assistance.shared_ownership_raised": frozenset({K.shared_ownership}),
    "assistance.talent_homes_raised": frozenset({K.talent_rental}),
}

#: programme kind → the dictionary code of its five-year target in the plan (三（一）1)
PROGRAMME_INDICATORS: dict[domain.Kind, str] = {
    K.affordable_rental: "assistance.affordable_rental_raised",
    K.public_rental: "assistance.public_rental_raised",
    K.shared_ownership: "assistance.shared_ownership_raised",
    K.resettlement: "assistance.resettlement_started_homes",
}
COVERAGE = "assistance.coverage"
SUPPLY = "assistance.assisted_homes_supplied"
TALENT_HOMES = "assistance.talent_homes_raised"
TALENT_BENEFICIARIES = "assistance.talent_beneficiaries"
POPULATION = "population.resident"
#: the programme kinds whose beneficiaries are talent housing's (人才安居受益人数)
TALENT_KINDS = (K.talent_purchase, K.talent_rental, K.talent_subsidy)
#: the plan's table of the previous plan's results, whose row naming the coverage target's label gives
#: the previous target (专栏1: 城镇常住人口保障性住房覆盖率不低于 23%)
PREVIOUS_TABLE = "专栏1"
BOUND_OF = {"at_least": "at_least", "about": "about"}  # a plan comparison → the figures' bound


def _kinds(code: str) -> tuple[domain.Kind, ...]:
    return tuple(k for k in domain.Kind if k in INDICATOR_KINDS[code])


def _in_dictionary_unit(t: Target) -> Decimal:
    """The target in the dictionary's unit (套, 人, %): the plan's value ÷ the target's factor."""
    value: Decimal = t.value / t.factor
    return value


def _count(t: Target) -> int:
    return int(_in_dictionary_unit(t).to_integral_value())


def _city_target(plan: Plan, code: str, *, required: bool = True) -> Target | None:
    """The plan's five-year city target measured by ``code``: a 专栏3 or text target before a table's
    总计 cell."""
    found = [t for t in plan.targets if t.indicator == code and t.area == plan.city and t.year is None]
    found.sort(key=lambda t: t.table is not None)
    if not found and required:
        raise TargetsError(f"规划 {plan.code} 没有指标 {code} 的全市目标（住房保障指标页需要）")
    return found[0] if found else None


@dataclass(frozen=True)
class Population:
    """The coverage rate's denominator: the city's and districts' resident population of one year."""

    city: int | None = None
    districts: Mapping[str, int] | None = None
    year: int | None = None
    sample: bool = False
    source: str = "街道数据库尚无常住人口（载入或合成街道数据并刷新指标后给出覆盖率）"


def targets_from_plan(plan: Plan, population: Population | None = None) -> Targets:
    """The figures' targets taken from ``plan`` (:class:`TargetsError` naming a missing one)."""
    pop = population or Population()
    coverage = _city_target(plan, COVERAGE)
    supply = _city_target(plan, SUPPLY)
    talent = _city_target(plan, TALENT_HOMES)
    beneficiaries = _city_target(plan, TALENT_BENEFICIARIES)
    assert coverage and supply and talent and beneficiaries
    previous = next(
        (
            float(r.values[0])
            for tb in plan.tables
            if tb.code == PREVIOUS_TABLE
            for r in tb.rows
            if r.label.startswith(coverage.label) and r.values and r.values[0] is not None
        ),
        None,
    )
    by_year = {
        t.year: _count(t) for t in plan.targets if t.indicator == SUPPLY and t.area == plan.city and t.year is not None
    }
    programmes = []
    for kind, code in PROGRAMME_INDICATORS.items():
        t = _city_target(plan, code, required=False)
        if t is not None:
            programmes.append(ProgrammeTarget(kind, _count(t), BOUND_OF.get(t.comparison, "target"), t.source))
    talent_by_district = {
        t.area: _count(t)
        for t in plan.targets
        if t.indicator == TALENT_HOMES and t.area != plan.city and t.year is None
    }
    return Targets(
        plan_name=plan.name,
        first_year=plan.first_year,
        last_year=plan.last_year,
        coverage_percent=float(_in_dictionary_unit(coverage)),
        previous_coverage_percent=previous,
        coverage_source=coverage.source,
        population=pop.city,
        population_year=pop.year,
        population_sample=pop.sample,
        population_source=pop.source,
        district_population=dict(pop.districts or {}),
        supply_total=_count(supply),
        supply_by_year=dict(sorted(by_year.items())),
        supply_kinds=_kinds(SUPPLY),
        supply_source=supply.source,
        programmes=tuple(programmes),
        talent_homes=_count(talent),
        talent_beneficiaries=_count(beneficiaries),
        talent_kinds=TALENT_KINDS,
        talent_home_kinds=_kinds(TALENT_HOMES),
        talent_homes_by_district=talent_by_district,
        talent_source=talent.source,
    )


def population_in(conn: Connection, city_code: str, *, sample: bool | None = None) -> Population:
    """The latest year's resident population of the city and its districts from the street database's
    stored values (``population.resident``), labelled a sample in a synthetic city (``sample``, read
    from the register when not given). Two small queries: the city's years, then that year's
    districts — never the streets."""
    from anju import indicators

    city_rows = indicators.values(conn, SYSTEM, codes=[POPULATION], level="city", areas=[city_code])
    known = [v for v in city_rows if v.value is not None]
    if not known:
        return Population()
    latest = max(known, key=lambda v: v.year)
    year = latest.year
    city = int(latest.value or 0)
    got = indicators.values(conn, SYSTEM, codes=[POPULATION], level="district", years=[year])
    districts = {v.area_code: int(v.value) for v in got if v.value is not None}
    if sample is None:
        sample = registry.synthetic_scale(conn) is not None
    entry = indicators.get(POPULATION)
    source = f"街道数据库：{entry.name}（{POPULATION}）{year} 年" + ("，合成数据" if sample else "")
    return Population(city, districts, year, sample, source)


def targets_in(conn: Connection, plan: Plan, city_code: str) -> Targets:
    """The targets of ``plan`` (the city's current plan, ``anju.plan.plan_for``) as the register in
    ``conn`` should be compared with them: scaled to the synthetic city's scale when the register is one
    (the demo), with the street database's population."""
    scale = registry.synthetic_scale(conn)
    targets = targets_from_plan(plan, population_in(conn, city_code, sample=scale is not None))
    return targets if scale is None or scale == 1 else targets.scaled(scale)
