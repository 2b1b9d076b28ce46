"""The health-evaluation model (房地产市场健康评价模型) as data: dated editions read from
``market/data/<city>/health.toml`` (a labelled sample for the configured city) or the file the setting
``market_health_model`` names, validated on load. A :class:`HealthModelError` names the edition, the key
and the reason; a bad file is refused whole (nothing is scored with it).

An edition holds the seven dimensions (:data:`anju.market.domain.DIMENSIONS`) with their weights, per
dimension its indicators (code, Chinese name, unit, formula, source, normalisation, weight), the grade
bands of a score, the plan's annual baselines, the household income per year (for price-to-income), and
the early-warning rules. Which indicator codes exist is :data:`anju.market.indicators.INDICATORS` (the
computation); an edition may use any subset of at least two per dimension.

Normalisation of an indicator's value to a score 0–100:

* ``band``: ``healthy = [lo, hi]`` scores 100, decaying linearly to 0 at ``zero = [z_lo, z_hi]``;
* ``lower`` (lower is better): ≤ ``good`` scores 100, ≥ ``bad`` scores 0, linear between;
* ``higher`` (higher is better): ≥ ``good`` scores 100, ≤ ``bad`` scores 0, linear between.
"""

from __future__ import annotations

import itertools
import math
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from anju.market import domain
from anju.market.indicator_codes import INDICATORS, UNITS

DATA = Path(__file__).parent / "data"
NORMALISATIONS = {"band": "健康区间", "lower": "越低越好", "higher": "越高越好"}
RULE_KINDS = {"level": "水平", "change": "变动", "persistence": "持续"}
OPS = (">", ">=", "<", "<=")
WEIGHT_TOLERANCE = 1e-6
#: A rule on a score (not an indicator) names ``score:<dimension>`` or ``score:total``.
SCORE_PREFIX = "score:"


class HealthModelError(ValueError):
    """A health-model file that cannot be used (the message names the edition, the key and the reason)."""


@dataclass(frozen=True)
class Normalisation:
    kind: str  # band | lower | higher
    healthy: tuple[float, float] | None = None
    zero: tuple[float, float] | None = None
    good: float | None = None
    bad: float | None = None

    def score(self, value: float | None) -> float | None:  # noqa: PLR0911 (one return per case)
        """The score 0–100 of ``value`` (None stays None: a missing value is never scored)."""
        if value is None or not math.isfinite(value):
            return None
        if self.kind == "band":
            assert self.healthy is not None and self.zero is not None
            (lo, hi), (zlo, zhi) = self.healthy, self.zero
            if lo <= value <= hi:
                return 100.0
            if value < lo:
                return 0.0 if value <= zlo else 100.0 * (value - zlo) / (lo - zlo)
            return 0.0 if value >= zhi else 100.0 * (zhi - value) / (zhi - hi)
        assert self.good is not None and self.bad is not None
        good, bad = self.good, self.bad
        if self.kind == "lower":
            if value <= good:
                return 100.0
            return 0.0 if value >= bad else 100.0 * (bad - value) / (bad - good)
        if value >= good:
            return 100.0
        return 0.0 if value <= bad else 100.0 * (value - bad) / (good - bad)

    def describe(self) -> str:
        """The normalisation in Chinese, for the explanation pages."""
        if self.kind == "band":
            assert self.healthy is not None and self.zero is not None
            return (
                f"健康区间 [{_num(self.healthy[0])}, {_num(self.healthy[1])}] 得 100 分，"
                f"向外线性递减，至 {_num(self.zero[0])} 或 {_num(self.zero[1])} 为 0 分"
            )
        if self.kind == "lower":
            return f"越低越好：≤ {_num(self.good)} 得 100 分，≥ {_num(self.bad)} 得 0 分，其间线性"
        return f"越高越好：≥ {_num(self.good)} 得 100 分，≤ {_num(self.bad)} 得 0 分，其间线性"


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:g}"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    formula: str
    source: str
    weight: float
    normalise: Normalisation


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    weight: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Grade:
    label: str  # 健康 | 基本健康 | 关注 | 预警
    min: float


@dataclass(frozen=True)
class Rule:
    """An early-warning rule. ``level``: value op threshold in the month; ``change``: value − value N
    months before op threshold; ``persistence``: value op threshold in each of the last N months."""

    code: str
    indicator: str  # an indicator code of the edition, or score:<dimension|total>
    kind: str
    op: str
    threshold: float
    months: int
    severity: str
    message: str

    def holds(self, value: float) -> bool:
        t = self.threshold
        return {">": value > t, ">=": value >= t, "<": value < t, "<=": value <= t}[self.op]

    def describe(self) -> str:
        if self.kind == "level":
            return f"当月值 {self.op} {self.threshold:g}"
        if self.kind == "change":
            return f"较 {self.months} 个月前变动 {self.op} {self.threshold:g}"
        return f"连续 {self.months} 个月 {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class Edition:
    code: str
    title: str
    valid_from: date
    sample: bool
    window_months: int  # the last N months of a run are scored
    warning_months: int  # warnings are raised for the last N months of a run
    standard_area: float  # m², the standard home of price-to-income
    baselines: Mapping[str, float]  # new_supply | new_sales | resales: homes a year (the plan)
    baseline_source: str
    income: Mapping[int, float]  # year → annual disposable income per household, yuan
    income_sample: bool
    income_source: str
    dimensions: tuple[Dimension, ...]
    grades: tuple[Grade, ...]  # best first
    rules: tuple[Rule, ...]
    #: a dimension (the total) is scored only when the weight of its present indicators (dimensions)
    #: is at least this share of its weight; else its score is None (see ``health._weighted``)
    min_covered_weight: float = 0.5

    def grade(self, score: float | None) -> str | None:
        if score is None:
            return None
        for g in self.grades:
            if score >= g.min:
                return g.label
        return self.grades[-1].label

    @property
    def indicators(self) -> dict[str, Indicator]:
        return {i.code: i for d in self.dimensions for i in d.indicators}

    def dimension_of(self, indicator: str) -> Dimension:
        return next(d for d in self.dimensions if any(i.code == indicator for i in d.indicators))

    def income_for(self, year: int) -> tuple[int, float] | None:
        """The latest income published for ``year`` or before (year, yuan); None before the first."""
        years = [y for y in self.income if y <= year]
        return (max(years), self.income[max(years)]) if years else None


# ------------------------------------------------------------------------------------------ loading

BASELINES = {"new_supply": "新建商品住房年均供应", "new_sales": "新建商品住房年均销售", "resales": "存量住房年均交易"}


def _err(where: str, reason: str) -> HealthModelError:
    return HealthModelError(f"{where}: {reason}")


def _text(where: str, v: object) -> str:
    if not isinstance(v, str) or not v.strip():
        raise _err(where, "不能为空")
    return v.strip()


def _number(where: str, v: object) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
        raise _err(where, "应为数字")
    return float(v)


def _positive_int(where: str, v: object, default: int) -> int:
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise _err(where, "应为正整数")
    return v


def _weight(where: str, v: object) -> float:
    w = _number(where, v)
    if not 0 < w <= 1:
        raise _err(where, "权重应在 (0, 1] 之间")
    return w


def _pair(where: str, v: object) -> tuple[float, float]:
    if not isinstance(v, list) or len(v) != 2:
        raise _err(where, "应为两个数 [下限, 上限]")
    a, b = _number(where, v[0]), _number(where, v[1])
    if a >= b:
        raise _err(where, "下限应小于上限")
    return a, b


def _normalisation(where: str, raw: object) -> Normalisation:
    if not isinstance(raw, dict):
        raise _err(where, "缺少标准化方法")
    kind = raw.get("kind")
    if kind not in NORMALISATIONS:
        raise _err(f"{where}.kind", f"应为 {'、'.join(NORMALISATIONS)} 之一")
    if kind == "band":
        healthy = _pair(f"{where}.healthy", raw.get("healthy"))
        zero = _pair(f"{where}.zero", raw.get("zero"))
        if not (zero[0] < healthy[0] and healthy[1] < zero[1]):
            raise _err(f"{where}.zero", "零分界限应在健康区间之外（zero[0] < healthy[0] ≤ healthy[1] < zero[1]）")
        return Normalisation("band", healthy=healthy, zero=zero)
    good, bad = _number(f"{where}.good", raw.get("good")), _number(f"{where}.bad", raw.get("bad"))
    if kind == "lower" and not good < bad:
        raise _err(f"{where}.bad", "越低越好时 bad 应大于 good")
    if kind == "higher" and not good > bad:
        raise _err(f"{where}.bad", "越高越好时 bad 应小于 good")
    return Normalisation(kind, good=good, bad=bad)


def _sums_to_one(where: str, weights: list[float]) -> None:
    if abs(sum(weights) - 1) > WEIGHT_TOLERANCE:
        raise _err(where, f"权重之和应为 1（现为 {sum(weights):g}）")


def _indicator(where: str, raw: object, known: Mapping[str, str]) -> Indicator:
    if not isinstance(raw, dict):
        raise _err(where, "应为表")
    code = _text(f"{where}.code", raw.get("code"))
    if code not in known:
        raise _err(f"{where}.code", f"未知的指标代码 {code}")
    name = _text(f"{where}.name", raw.get("name"))
    if name != known[code]:
        raise _err(f"{where}.name", f"应与指标字典一致（market.{code}：{known[code]}）")
    unit = _text(f"{where}.unit", raw.get("unit"))
    if code in UNITS and unit != UNITS[code]:
        raise _err(f"{where}.unit", f"应与指标字典一致（market.{code}：{UNITS[code]}）")
    return Indicator(
        code=code,
        name=name,
        unit=unit,
        formula=_text(f"{where}.formula", raw.get("formula")),
        source=_text(f"{where}.source", raw.get("source")),
        weight=_weight(f"{where}.weight", raw.get("weight")),
        normalise=_normalisation(f"{where}.normalise", raw.get("normalise")),
    )


def _dimension(where: str, code: str, raw: object, known: Mapping[str, str]) -> Dimension:
    if not isinstance(raw, dict):
        raise _err(where, "应为表")
    weight = _weight(f"{where}.weight", raw.get("weight"))
    items = raw.get("indicators")
    if not isinstance(items, list) or len(items) < 2:
        raise _err(f"{where}.indicators", "每个维度至少两个指标")
    indicators = tuple(_indicator(f"{where}.indicators[{n}]", r, known) for n, r in enumerate(items))
    _sums_to_one(f"{where}.indicators", [i.weight for i in indicators])
    return Dimension(code, domain.DIMENSIONS[code], weight, indicators)


def _grades(where: str, raw: object) -> tuple[Grade, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise _err(where, "应至少给出两个等级")
    out = []
    for n, g in enumerate(raw):
        if not isinstance(g, dict):
            raise _err(f"{where}[{n}]", "应为表")
        label = _text(f"{where}[{n}].label", g.get("label"))
        if len(label) > 8:
            raise _err(f"{where}[{n}].label", "最多 8 个字")
        out.append(Grade(label, _number(f"{where}[{n}].min", g.get("min"))))
    if any(a.min <= b.min for a, b in itertools.pairwise(out)):
        raise _err(where, "各等级最低分应依次递减")
    if out[-1].min > 0:
        raise _err(f"{where}[{len(out) - 1}].min", "最低等级的最低分应为 0（每个分数都应有等级）")
    return tuple(out)


def _rule(where: str, raw: object, codes: set[str]) -> Rule:
    if not isinstance(raw, dict):
        raise _err(where, "应为表")
    code = _text(f"{where}.code", raw.get("code"))
    if len(code) > 40:
        raise _err(f"{where}.code", "最多 40 个字符")
    indicator = _text(f"{where}.indicator", raw.get("indicator"))
    scores = {SCORE_PREFIX + d for d in (*domain.DIMENSIONS, domain.TOTAL)}
    if indicator not in codes and indicator not in scores:
        raise _err(f"{where}.indicator", f"不是本版本的指标或评分：{indicator}")
    kind = raw.get("kind")
    if kind not in RULE_KINDS:
        raise _err(f"{where}.kind", f"应为 {'、'.join(RULE_KINDS)} 之一")
    op = raw.get("op")
    if op not in OPS:
        raise _err(f"{where}.op", f"应为 {' '.join(OPS)} 之一")
    months = _positive_int(f"{where}.months", raw.get("months"), 1)
    if kind in ("change", "persistence") and raw.get("months") is None:
        raise _err(f"{where}.months", "变动、持续规则应给出月数")
    severity = raw.get("severity")
    if severity not in domain.SEVERITIES:
        raise _err(f"{where}.severity", f"应为 {'、'.join(domain.SEVERITIES)} 之一")
    message = _text(f"{where}.message", raw.get("message"))
    if len(message) > 200:
        raise _err(f"{where}.message", "最多 200 个字")
    return Rule(
        code,
        indicator,
        str(kind),
        str(op),
        _number(f"{where}.threshold", raw.get("threshold")),
        months,
        str(severity),
        message,
    )


def _min_covered(where: str, raw: Any) -> float:
    v = _number(where, raw)
    if not 0 < v <= 1:
        raise _err(where, "应大于 0 且不大于 1")
    return v


def edition_from_dict(raw: Mapping[str, Any], known: Mapping[str, str]) -> Edition:  # noqa: PLR0912
    """One edition from its TOML table; ``known`` the indicator codes the computation offers."""
    code = raw.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 20:
        raise _err("edition.code", "不能为空，最多 20 个字符")
    w = code
    valid_from = raw.get("valid_from")
    if not isinstance(valid_from, date):
        raise _err(f"{w}.valid_from", "应为日期（YYYY-MM-DD）")
    dims_raw = raw.get("dimensions")
    if not isinstance(dims_raw, dict):
        raise _err(f"{w}.dimensions", "缺少维度")
    missing = [d for d in domain.DIMENSIONS if d not in dims_raw]
    if missing:
        raise _err(f"{w}.dimensions", f"缺少维度 {'、'.join(missing)}")
    unknown = [d for d in dims_raw if d not in domain.DIMENSIONS]
    if unknown:
        raise _err(f"{w}.dimensions", f"未知的维度 {'、'.join(unknown)}")
    dims = tuple(_dimension(f"{w}.dimensions.{d}", d, dims_raw[d], known) for d in domain.DIMENSIONS)
    _sums_to_one(f"{w}.dimensions", [d.weight for d in dims])
    seen: set[str] = set()
    for d in dims:
        for i in d.indicators:
            if i.code in seen:
                raise _err(f"{w}.dimensions.{d.code}", f"指标 {i.code} 重复")
            seen.add(i.code)
    baselines_raw = raw.get("baselines")
    if not isinstance(baselines_raw, dict):
        raise _err(f"{w}.baselines", "缺少规划基数")
    baselines = {}
    for k in BASELINES:
        v = _number(f"{w}.baselines.{k}", baselines_raw.get(k))
        if v <= 0:
            raise _err(f"{w}.baselines.{k}", "应为正数")
        baselines[k] = v
    income_raw = raw.get("income")
    if not isinstance(income_raw, dict) or not isinstance(income_raw.get("years"), dict) or not income_raw["years"]:
        raise _err(f"{w}.income.years", "缺少各年份的户均可支配收入")
    income = {}
    for y, v in income_raw["years"].items():
        if not str(y).isdigit() or len(str(y)) != 4:
            raise _err(f"{w}.income.years.{y}", "年份应为四位数字")
        yuan = _number(f"{w}.income.years.{y}", v)
        if yuan <= 0:
            raise _err(f"{w}.income.years.{y}", "应为正数")
        income[int(y)] = yuan
    standard_area = _number(f"{w}.standard_home_area", raw.get("standard_home_area", 90))
    if standard_area <= 0:
        raise _err(f"{w}.standard_home_area", "应为正数")
    rules_raw = raw.get("rules", [])
    if not isinstance(rules_raw, list):
        raise _err(f"{w}.rules", "应为规则列表")
    rules = tuple(_rule(f"{w}.rules[{n}]", r, seen) for n, r in enumerate(rules_raw))
    if len({r.code for r in rules}) != len(rules):
        raise _err(f"{w}.rules", "规则代码重复")
    return Edition(
        code=code.strip(),
        title=_text(f"{w}.title", raw.get("title")),
        valid_from=valid_from,
        sample=bool(raw.get("sample", False)),
        window_months=_positive_int(f"{w}.window_months", raw.get("window_months"), 24),
        warning_months=_positive_int(f"{w}.warning_months", raw.get("warning_months"), 3),
        standard_area=standard_area,
        baselines=baselines,
        baseline_source=_text(f"{w}.baseline_source", raw.get("baseline_source")),
        income=dict(sorted(income.items())),
        income_sample=bool(income_raw.get("sample", False)),
        income_source=_text(f"{w}.income.source", income_raw.get("source")),
        dimensions=dims,
        grades=_grades(f"{w}.grades", raw.get("grades")),
        rules=rules,
        min_covered_weight=_min_covered(f"{w}.min_covered_weight", raw.get("min_covered_weight", 0.5)),
    )


def load_editions(path: Path, known: Mapping[str, str]) -> tuple[Edition, ...]:
    """Every edition of the file, oldest first; :class:`HealthModelError` naming the key otherwise."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HealthModelError(f"{path}: 没有这个健康评价模型文件") from None
    except tomllib.TOMLDecodeError as err:
        raise HealthModelError(f"{path.name}: {err}") from None
    items = raw.get("edition")
    if not isinstance(items, list) or not items:
        raise HealthModelError(f"{path.name}: 没有评价模型版本（[[edition]]）")
    eds = sorted((edition_from_dict(e, known) for e in items), key=lambda e: e.valid_from)
    if len({e.code for e in eds}) != len(eds):
        raise HealthModelError(f"{path.name}: edition code 重复")
    if len({e.valid_from for e in eds}) != len(eds):
        raise HealthModelError(f"{path.name}: 两个版本的 valid_from 相同")
    return tuple(eds)


def sample_path(city_code: str) -> Path:
    return DATA / city_code / "health.toml"


def model_path(setting: str, city_code: str) -> Path:
    """The file the setting names, else the labelled sample of the city."""
    return Path(setting) if setting else sample_path(city_code)


_CACHE: dict[Path, tuple[int, tuple[Edition, ...]]] = {}
_LOCK = threading.Lock()


def editions(path: Path) -> tuple[Edition, ...]:
    """The file's editions, read once and again whenever the file changes."""
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise HealthModelError(f"{path}: 没有这个健康评价模型文件") from None
    hit = _CACHE.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    found = load_editions(path, INDICATORS)
    with _LOCK:
        _CACHE[path] = (mtime, found)
    return found


def configured_editions() -> tuple[Edition, ...]:
    """The editions of the configured file (settings ``market_health_model``, else the city's sample)."""
    from anju.core import runtime

    s = runtime.settings()
    return editions(model_path(s.market_health_model, s.city_code))


def edition_on(eds: tuple[Edition, ...], d: date) -> Edition:
    """The edition in force on ``d`` (the earliest one before the first edition's date)."""
    found = eds[0]
    for e in eds:
        if e.valid_from <= d:
            found = e
    return found


def edition_by_code(eds: tuple[Edition, ...], code: str) -> Edition | None:
    return next((e for e in eds if e.code == code), None)
