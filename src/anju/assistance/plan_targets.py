"""The plan's targets (指标) as data: ``data/<city>/targets.toml`` read and validated by
:func:`load_targets`, cached per file by :func:`targets_for`."""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypedDict

from sqlalchemy import Connection

from anju import registry
from anju.assistance import domain


class TargetsError(ValueError):
    """The targets file is wrong; the message names the key (e.g. ``supply.by_year.2023``)."""


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
    population: int
    population_year: int
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
    population: int
    population_year: int
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
        """The targets for a synthetic city of ``factor`` times the real one: every count (population,
        homes, beneficiaries) times ``factor``, rounded; rates (coverage %) as they are. Labelled."""

        def n(value: int) -> int:
            return round(value * factor)

        return replace(
            self,
            population=n(self.population),
            district_population={k: n(v) for k, v in self.district_population.items()},
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


class _Reader:
    """Typed access to the parsed TOML that names the key in every error."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def get(self, path: str, default: Any = ...) -> Any:
        cur: Any = self.raw
        for part in path.split("."):
            if not isinstance(cur, Mapping) or part not in cur:
                if default is not ...:
                    return default
                raise TargetsError(f"{path}: 缺少此项")
            cur = cur[part]
        return cur

    def table(self, path: str) -> Mapping[str, Any]:
        v = self.get(path)
        if not isinstance(v, Mapping):
            raise TargetsError(f"{path}: 应为表（table）")
        return v

    def text(self, path: str, default: Any = ...) -> str:
        v = self.get(path, default)
        if not isinstance(v, str) or not v.strip():
            raise TargetsError(f"{path}: 应为非空文本")
        return v

    def count(self, path: str, value: Any = ..., *, positive: bool = False) -> int:
        v = self.get(path) if value is ... else value
        if isinstance(v, bool) or not isinstance(v, int) or v < 0 or (positive and v == 0):
            raise TargetsError(f"{path}: 应为{'正' if positive else '非负'}整数")
        return v

    def percent(self, path: str, default: Any = ...) -> float | None:
        v = self.get(path, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 100:
            raise TargetsError(f"{path}: 应为 0 到 100 之间的百分数")
        return float(v)

    def kinds(self, path: str) -> tuple[domain.Kind, ...]:
        v = self.get(path)
        if not isinstance(v, list) or not v:
            raise TargetsError(f"{path}: 应为保障项目类别的列表")
        out = []
        for i, k in enumerate(v):
            try:
                out.append(domain.Kind(k))
            except ValueError:
                raise TargetsError(f"{path}[{i}]: 未知保障项目类别 {k}（可用 {'、'.join(domain.Kind)}）") from None
        if len(set(out)) != len(out):
            raise TargetsError(f"{path}: 类别重复")
        return tuple(out)

    def districts(self, path: str, *, positive: bool = False) -> dict[str, int]:
        out = {}
        for code, n in self.table(path).items():
            if not re.fullmatch(r"\d{6}", code):
                raise TargetsError(f"{path}.{code}: 应为六位区（县）或功能区代码")
            out[code] = self.count(f"{path}.{code}", n, positive=positive)
        return out


def targets_from_dict(raw: Mapping[str, Any]) -> Targets:
    """Build and validate the targets from the parsed TOML; errors name the key."""
    r = _Reader(raw)
    first, last = r.count("plan.first_year", positive=True), r.count("plan.last_year", positive=True)
    if last < first:
        raise TargetsError("plan.last_year: 早于 plan.first_year")
    by_year: dict[int, int] = {}
    for key, n in r.table("supply.by_year").items():
        if not key.isdigit() or not first <= int(key) <= last:
            raise TargetsError(f"supply.by_year.{key}: 年份应在 {first}–{last} 之间")
        by_year[int(key)] = r.count(f"supply.by_year.{key}", n)
    total = r.count("supply.total", positive=True)
    if by_year and sum(by_year.values()) != total:
        raise TargetsError(f"supply.by_year: 各年合计 {sum(by_year.values())} 与 supply.total {total} 不一致")
    progs: list[ProgrammeTarget] = []
    raw_programmes = r.get("supply.programme", [])
    if not isinstance(raw_programmes, list):
        raise TargetsError("supply.programme: 应为表数组（[[supply.programme]]）")
    for i, p in enumerate(raw_programmes):
        where = f"supply.programme[{i}]"
        pr = _Reader(p if isinstance(p, Mapping) else {})
        try:
            kind = domain.Kind(pr.get("kind", None))
        except ValueError:
            raise TargetsError(f"{where}.kind: 未知保障项目类别 {pr.get('kind', None)}") from None
        bound = pr.get("bound", "target")
        if bound not in domain.BOUNDS:
            raise TargetsError(f"{where}.bound: 应为 {'、'.join(domain.BOUNDS)} 之一")
        try:
            homes = pr.count("homes", positive=True)
            source = pr.text("source", "—")
        except TargetsError as e:
            raise TargetsError(f"{where}.{e}") from None
        if any(x.kind == kind for x in progs):
            raise TargetsError(f"{where}.kind: {kind.value} 重复")
        progs.append(ProgrammeTarget(kind, homes, bound, source))
    talent_homes = r.count("talent.homes", positive=True)
    by_district = r.districts("talent.homes_by_district")
    if by_district and sum(by_district.values()) != talent_homes:
        raise TargetsError(
            f"talent.homes_by_district: 各区合计 {sum(by_district.values())} 与 talent.homes {talent_homes} 不一致"
        )
    sample = r.get("population.sample", False)
    if not isinstance(sample, bool):
        raise TargetsError("population.sample: 应为 true 或 false")
    coverage = r.percent("coverage.target_percent")
    assert coverage is not None
    return Targets(
        plan_name=r.text("plan.name"),
        first_year=first,
        last_year=last,
        coverage_percent=coverage,
        previous_coverage_percent=r.percent("coverage.previous_target_percent", None),
        coverage_source=r.text("coverage.source", "—"),
        population=r.count("population.urban_residents", positive=True),
        population_year=r.count("population.year", positive=True),
        population_sample=sample,
        population_source=r.text("population.source", "—"),
        district_population=r.districts("population.districts", positive=True)
        if r.get("population.districts", None) is not None
        else {},
        supply_total=total,
        supply_by_year=by_year,
        supply_kinds=r.kinds("supply.kinds"),
        supply_source=r.text("supply.source", "—"),
        programmes=tuple(progs),
        talent_homes=talent_homes,
        talent_beneficiaries=r.count("talent.beneficiaries", positive=True),
        talent_kinds=r.kinds("talent.kinds"),
        talent_home_kinds=r.kinds("talent.home_kinds"),
        talent_homes_by_district=by_district,
        talent_source=r.text("talent.source", "—"),
    )


def load_targets(path: Path) -> Targets:
    """The targets in a file, validated (raises :class:`TargetsError` naming the key)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise TargetsError(f"{path.name}: {e}") from None
    return targets_from_dict(raw)


def targets_path(city_code: str) -> Path:
    return Path(__file__).parent / "data" / city_code / "targets.toml"


_CACHE: dict[Path, tuple[int, Targets]] = {}
_LOCK = threading.Lock()


def targets_for(city_code: str) -> Targets:
    """The city's targets, read once and again whenever the file changes."""
    path = targets_path(city_code)
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise TargetsError(f"{path}: 没有这个城市的规划指标文件") from None
    hit = _CACHE.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    targets = load_targets(path)
    with _LOCK:
        _CACHE[path] = (mtime, targets)
    return targets


def targets_in(conn: Connection, city_code: str) -> Targets:
    """The city's targets as the register in ``conn`` should be compared with them: scaled to the
    synthetic city's scale when the register is one (the demo), as they are otherwise."""
    targets = targets_for(city_code)
    scale = registry.synthetic_scale(conn)
    return targets if scale is None or scale == 1 else targets.scaled(scale)
