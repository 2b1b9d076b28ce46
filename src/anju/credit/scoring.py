"""The scoring model (房地产信用评价标准) as data: dated editions read from
``credit/data/<city>/scoring.toml`` (a labelled sample for the configured city), checked against the
event catalogue (:mod:`anju.credit.catalogue`) and validated on load (a :class:`ScoringError` names the
edition and the field). Nothing city-specific lives in code: the file is found by the city code of the
settings. An edition holds the points of every kind, the grade scales, the red/black list rules and the
restriction (联合惩戒) and incentive (联合激励) rules that :mod:`anju.credit.restrictions` applies. The
periods of credit repair are not here: they are ``credit/data/<city>/repair.toml``
(:mod:`anju.credit.repair_rules`).

Points are kept as integer hundredths (``*_centi``); severity factors as integer percent.
"""

from __future__ import annotations

import itertools
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from anju.credit import domain
from anju.credit.catalogue import EventKind
from anju.credit.catalogue import catalogue as event_catalogue

DATA = Path(__file__).parent / "data"
EFFECTS = ("restrict", "incentive")
INCENTIVES = {"skip_manual_review": "免于人工复核"}
GROUPS = domain.SUBJECT_KINDS  # person | org


class ScoringError(ValueError):
    """A scoring file that cannot be used (the message names the edition and the field)."""


@dataclass(frozen=True)
class KindRule:
    """How one event kind counts in an edition."""

    kind: str
    points_centi: int  # at severity factor 1; negative: 失信, positive: 守信
    decay_months: int  # linear to zero over this many months; 0: no decay
    expiry_months: int  # stops counting this many months after it occurred; 0: never
    cap_centi: int  # the most all events of the kind together count (absolute); 0: no cap
    severity_pct: Mapping[str, int]  # severity → factor in percent

    @property
    def negative(self) -> bool:
        return self.points_centi < 0


@dataclass(frozen=True)
class Scale:
    """A subject group's score range and grade thresholds."""

    base_centi: int
    floor_centi: int
    ceiling_centi: int
    thresholds: tuple[tuple[str, int], ...]  # (grade, lowest score), best grade first

    def grade(self, score_centi: int) -> str:
        for grade, low in self.thresholds:
            if score_centi >= low:
                return grade
        return self.thresholds[-1][0]


@dataclass(frozen=True)
class ListRule:
    """A rule that puts a subject on the red or the black list (all the given conditions must hold)."""

    code: str
    list: str  # red | black
    label: str  # the Chinese reason recorded with the entry
    grades: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    min_severity: str | None = None
    clean_months: int | None = None
    subject_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionRule:
    """A restriction (联合惩戒) or an incentive (联合激励) on actions of ``domain.ACTIONS``: it applies to a
    subject of one of ``subject_kinds`` (empty: both) on one of ``lists`` or with one of ``grades``.
    ``title`` is the rule's wording, quoted (with the code) by every refusal or favour it gives."""

    code: str
    effect: str  # restrict | incentive
    actions: tuple[str, ...]  # action codes; ("*",): every action
    title: str
    lists: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    subject_kinds: tuple[str, ...] = ()  # person | org; empty: both
    incentive: str | None = None

    def covers(self, action: str, subject_kind: str | None = None) -> bool:
        """The rule names ``action`` (and, given one, the subject group)."""
        named = "*" in self.actions or action in self.actions
        return named and (subject_kind is None or not self.subject_kinds or subject_kind in self.subject_kinds)

    def applies(self, grade: str | None, lists: frozenset[str] | set[str], subject_kind: str | None = None) -> bool:
        if subject_kind is not None and self.subject_kinds and subject_kind not in self.subject_kinds:
            return False
        return (grade is not None and grade in self.grades) or bool(lists & set(self.lists))


@dataclass(frozen=True)
class Edition:
    code: str
    title: str
    effective_from: date
    sample: bool
    scales: Mapping[str, Scale]  # person | org
    kinds: Mapping[str, KindRule]
    lists: tuple[ListRule, ...]
    actions: tuple[ActionRule, ...]

    def scale(self, subject_kind: str) -> Scale:
        return self.scales.get(subject_kind) or self.scales["org"]

    def action_rules(self, action: str, effect: str | None = None) -> tuple[ActionRule, ...]:
        """The rules of ``action`` (of one effect, or both), in file order."""
        return tuple(r for r in self.actions if r.covers(action) and (effect is None or r.effect == effect))

    def grades(self) -> tuple[str, ...]:
        return tuple(g for g, _ in self.scale("org").thresholds)


# ------------------------------------------------------------------------------------------ loading


def _centi(where: str, v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ScoringError(f"{where}: 应为数字")
    c = round(float(v) * 100)
    if abs(c - float(v) * 100) > 1e-6:
        raise ScoringError(f"{where}: 最多两位小数")
    return c


def _months(where: str, v: object, default: int | None = None) -> int:
    if v is None and default is not None:
        return default
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ScoringError(f"{where}: 应为非负整数（月数）")
    return v


def _strs(where: str, v: object, allowed: Mapping[str, object] | tuple[str, ...] | None = None) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
        raise ScoringError(f"{where}: 应为字符串列表")
    if allowed is not None:
        bad = [x for x in v if x not in allowed]
        if bad:
            raise ScoringError(f"{where}: 未知的取值 {'、'.join(bad)}")
    return tuple(v)


def _text(where: str, v: object) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ScoringError(f"{where}: 不能为空")
    return v


#: A TOML table as read, before validation (what ``extends`` merges).
RawTable = dict[str, Any]


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> RawTable:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _scale(where: str, raw: Mapping[str, Any]) -> Scale:
    base, floor, ceiling = (_centi(f"{where}.{k}", raw.get(k)) for k in ("base", "floor", "ceiling"))
    if not floor <= base <= ceiling:
        raise ScoringError(f"{where}.base: 应满足 floor ≤ base ≤ ceiling")
    grades = raw.get("grades")
    if not isinstance(grades, dict) or list(grades) != list(domain.GRADE_LABELS):
        raise ScoringError(f"{where}.grades: 应依次给出 {'、'.join(domain.GRADE_LABELS)} 各等级的最低分")
    thresholds = tuple((g, _centi(f"{where}.grades.{g}", v)) for g, v in grades.items())
    lows = [low for _, low in thresholds]
    if any(a <= b for a, b in itertools.pairwise(lows)):
        raise ScoringError(f"{where}.grades: 各等级最低分应依次递减")
    if lows[-1] > floor:
        raise ScoringError(f"{where}.grades.{thresholds[-1][0]}: 不能高于 floor（每个分数都应有等级）")
    return Scale(base, floor, ceiling, thresholds)


def _severity(where: str, raw: object, default: Mapping[str, int] | None) -> dict[str, int]:
    if raw is None and default is not None:
        return dict(default)
    if not isinstance(raw, dict) or set(raw) != set(domain.SEVERITIES):
        raise ScoringError(f"{where}: 应给出 {'、'.join(domain.SEVERITIES)} 的系数")
    out = {}
    for s in domain.SEVERITIES:
        pct = _centi(f"{where}.{s}", raw[s])
        if pct < 0:
            raise ScoringError(f"{where}.{s}: 系数不能为负")
        out[s] = pct
    return out


def _kind_rule(
    where: str, code: str, raw: object, catalogue: Mapping[str, EventKind], sev: Mapping[str, int]
) -> KindRule:
    if not isinstance(raw, dict):
        raise ScoringError(f"{where}: 应为表")
    ek = catalogue.get(code)
    if ek is None:
        raise ScoringError(f"{where}: 事件目录中没有这个事件类型")
    points = _centi(f"{where}.points", raw.get("points"))
    if points == 0 or (points < 0) != (ek.polarity == "negative"):
        want = "负数（失信）" if ek.polarity == "negative" else "正数（守信）"
        raise ScoringError(f"{where}.points: 应为{want}")
    cap = _centi(f"{where}.cap", raw.get("cap", 0))
    if cap < 0:
        raise ScoringError(f"{where}.cap: 应为非负数（绝对值上限）")
    unknown = set(raw) - {"points", "decay_months", "expiry_months", "cap", "severity"}
    if unknown:
        raise ScoringError(f"{where}.{sorted(unknown)[0]}: 未知的字段")
    return KindRule(
        kind=code,
        points_centi=points,
        decay_months=_months(f"{where}.decay_months", raw.get("decay_months"), 0),
        expiry_months=_months(f"{where}.expiry_months", raw.get("expiry_months"), 0),
        cap_centi=cap,
        severity_pct=MappingProxyType(_severity(f"{where}.severity", raw.get("severity"), sev)),
    )


def _list_rule(where: str, raw: object, catalogue: Mapping[str, EventKind]) -> ListRule:
    if not isinstance(raw, dict):
        raise ScoringError(f"{where}: 应为表")
    lst = raw.get("list")
    if lst not in domain.LISTS:
        raise ScoringError(f"{where}.list: 应为 {'、'.join(domain.LISTS)} 之一")
    sev = raw.get("min_severity")
    if sev is not None and sev not in domain.SEVERITIES:
        raise ScoringError(f"{where}.min_severity: 应为 {'、'.join(domain.SEVERITIES)} 之一")
    clean = raw.get("clean_months")
    rule = ListRule(
        code=_text(f"{where}.code", raw.get("code")),
        list=str(lst),
        label=_text(f"{where}.label", raw.get("label")),
        grades=_strs(f"{where}.grades", raw.get("grades"), domain.GRADE_LABELS),
        kinds=_strs(f"{where}.kinds", raw.get("kinds"), catalogue),
        min_severity=sev,
        clean_months=None if clean is None else _months(f"{where}.clean_months", clean),
        subject_kinds=_strs(f"{where}.subject_kinds", raw.get("subject_kinds"), GROUPS),
    )
    if not (rule.grades or rule.kinds or rule.min_severity or rule.clean_months):
        raise ScoringError(f"{where}: 至少给出 grades、kinds、min_severity、clean_months 之一")
    if len(rule.code) > 24 or len(rule.label) > 200:
        raise ScoringError(f"{where}.code: 代码不超过 24 个字符，说明不超过 200 个字符")
    return rule


def _action_rule(where: str, raw: object) -> ActionRule:
    if not isinstance(raw, dict):
        raise ScoringError(f"{where}: 应为表")
    effect = raw.get("effect")
    if effect not in EFFECTS:
        raise ScoringError(f"{where}.effect: 应为 {'、'.join(EFFECTS)} 之一")
    actions = _strs(f"{where}.actions", raw.get("actions"), (*domain.ACTIONS, "*"))
    if not actions:
        raise ScoringError(f"{where}.actions: 不能为空")
    incentive = raw.get("incentive")
    if effect == "incentive" and incentive not in INCENTIVES:
        raise ScoringError(f"{where}.incentive: 应为 {'、'.join(INCENTIVES)} 之一")
    if effect == "restrict" and incentive is not None:
        raise ScoringError(f"{where}.incentive: 限制规则不给激励")
    rule = ActionRule(
        code=_text(f"{where}.code", raw.get("code")),
        effect=str(effect),
        actions=actions,
        title=_text(f"{where}.title", raw.get("title")),
        lists=_strs(f"{where}.lists", raw.get("lists"), domain.LISTS),
        grades=_strs(f"{where}.grades", raw.get("grades"), domain.GRADE_LABELS),
        subject_kinds=_strs(f"{where}.subject_kinds", raw.get("subject_kinds"), GROUPS),
        incentive=incentive,
    )
    if not (rule.lists or rule.grades):
        raise ScoringError(f"{where}: 至少给出 lists 或 grades")
    if len(rule.code) > 24:
        raise ScoringError(f"{where}.code: 代码不超过 24 个字符")
    return rule


def edition_from_dict(raw: Mapping[str, Any], catalogue: Mapping[str, EventKind]) -> Edition:
    """One edition, validated (``extends`` already resolved)."""
    code = raw.get("code")
    where = f"edition[{code or '?'}]"
    if not isinstance(code, str) or not code or len(code) > 24:
        raise ScoringError(f"{where}.code: 应为 1–24 个字符")
    start = raw.get("effective_from")
    if not isinstance(start, date):
        raise ScoringError(f"{where}.effective_from: 应为日期")
    scale = _scale(where, raw)
    scales = {"org": scale, "person": scale}
    groups = raw.get("groups", {})
    if not isinstance(groups, dict) or not set(groups) <= set(GROUPS):
        raise ScoringError(f"{where}.groups: 只能是 {'、'.join(GROUPS)}")
    for g, over in groups.items():
        scales[g] = _scale(f"{where}.groups.{g}", _merge(raw, over))
    sev = _severity(f"{where}.severity", raw.get("severity"), None)
    kinds_raw = raw.get("kinds")
    if not isinstance(kinds_raw, dict):
        raise ScoringError(f"{where}.kinds: 应为每个事件类型的规则表")
    kinds = {k: _kind_rule(f"{where}.kinds.{k}", k, v, catalogue, sev) for k, v in kinds_raw.items()}
    missing = [k for k in catalogue if k not in kinds]
    if missing:
        raise ScoringError(f"{where}.kinds: 缺少事件类型 {'、'.join(missing)} 的规则")
    lists_raw, actions_raw = raw.get("lists", []), raw.get("actions", [])
    if not isinstance(lists_raw, list) or not isinstance(actions_raw, list):
        raise ScoringError(f"{where}.lists: lists 与 actions 应为数组")
    lists = tuple(_list_rule(f"{where}.lists[{i}]", r, catalogue) for i, r in enumerate(lists_raw))
    actions = tuple(_action_rule(f"{where}.actions[{i}]", r) for i, r in enumerate(actions_raw))
    for field, codes in (("lists", [r.code for r in lists]), ("actions", [r.code for r in actions])):
        if len(set(codes)) != len(codes):
            raise ScoringError(f"{where}.{field}: 规则代码重复")
    return Edition(
        code=code,
        title=_text(f"{where}.title", raw.get("title")),
        effective_from=start,
        sample=bool(raw.get("sample", False)),
        scales=MappingProxyType(scales),
        kinds=MappingProxyType(kinds),
        lists=lists,
        actions=actions,
    )


def load_editions(path: Path, catalogue: Mapping[str, EventKind]) -> tuple[Edition, ...]:
    """Every edition of a scoring file, oldest first (raises :class:`ScoringError`)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScoringError(f"{path.name}: {err}") from None
    resolved: dict[str, RawTable] = {}
    out = []
    for i, given in enumerate(raw.get("edition", [])):
        parent = given.get("extends")
        full = dict(given)
        if parent is not None:
            if parent not in resolved:
                raise ScoringError(f"edition[{given.get('code', i)}].extends: 没有在它之前的版本 {parent}")
            full = _merge({k: v for k, v in resolved[parent].items() if k != "sample"}, given)
        resolved[str(full.get("code"))] = full
        out.append(edition_from_dict(full, catalogue))
    if not out:
        raise ScoringError(f"{path.name}: 没有评价标准版本")
    if len({e.code for e in out}) != len(out):
        raise ScoringError(f"{path.name}: edition code 重复")
    if len({e.effective_from for e in out}) != len(out):
        raise ScoringError(f"{path.name}: 两个版本的 effective_from 相同")
    return tuple(sorted(out, key=lambda e: e.effective_from))


# ---------------------------------------------------------------------------------- the city's data


def scoring_path(city_code: str) -> Path:
    return DATA / city_code / "scoring.toml"


_CACHE: dict[Path, tuple[int, tuple[Edition, ...]]] = {}
_LOCK = threading.Lock()


@cache
def _city() -> str:
    from anju.core import runtime

    return runtime.settings().city_code


def editions(city_code: str | None = None) -> tuple[Edition, ...]:
    """The city's editions, oldest first; read once and again whenever the file changes."""
    path = scoring_path(city_code or _city())
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise ScoringError(f"{path}: 没有这个城市的信用评价标准") from None
    hit = _CACHE.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    found = load_editions(path, event_catalogue().kinds)
    with _LOCK:
        _CACHE[path] = (mtime, found)
    return found


def edition_on(d: date, city_code: str | None = None) -> Edition:
    """The edition in force on ``d`` (the earliest one before the first edition's date)."""
    eds = editions(city_code)
    found = eds[0]
    for e in eds:
        if e.effective_from <= d:
            found = e
    return found


def edition_by_code(code: str, city_code: str | None = None) -> Edition | None:
    return next((e for e in editions(city_code) if e.code == code), None)
