"""Service quality's pure rules (物业服务质量, issue 22): the annual evaluation's items and grades (data:
``estates/data/evaluation_items.toml``), the score of an evaluation, and a complaint's deadline in
working days. No I/O beyond reading the data file once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from types import MappingProxyType

from anju.core.clock import CITY_TZ
from anju.core.errors import FieldError, ValidationError
from anju.core.workdays import add_working_days
from anju.estates import domain

#: A grade that becomes a credit event of the company (``estates.service_violation``).
FAIL_GRADE = "fail"
#: Credit event kind and severities of service quality (the catalogue's kind for source ``estates``).
EVENT_KIND = "estates.service_violation"
COMPLAINT_SEVERITY = "minor"
FAIL_SEVERITY = "major"
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    label: str
    max: Decimal


@dataclass(frozen=True, slots=True)
class Rules:
    edition: str
    items: Mapping[str, Item]  # in file order
    grades: tuple[tuple[str, Decimal], ...]  # (grade, min score), highest first


def parse_rules(raw: Mapping[str, object]) -> Rules:
    """The evaluation rules from the data file's content; ``ValueError`` naming the field otherwise."""
    edition = raw.get("edition")
    if not isinstance(edition, str) or not edition:
        raise ValueError("evaluation_items.toml: edition: 不能为空")
    items_raw = raw.get("items")
    if not isinstance(items_raw, dict) or not items_raw:
        raise ValueError("evaluation_items.toml: items: 至少一项")
    items: dict[str, Item] = {}
    for code, v in items_raw.items():
        label, mx = v.get("label"), v.get("max")
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"evaluation_items.toml: items.{code}.label: 不能为空")
        if isinstance(mx, bool) or not isinstance(mx, int | float) or mx <= 0:
            raise ValueError(f"evaluation_items.toml: items.{code}.max: 应为正数")
        items[code] = Item(code, label, Decimal(str(mx)))
    if sum(i.max for i in items.values()) != 100:
        raise ValueError("evaluation_items.toml: items: 各项满分之和应为 100")
    grades_raw = raw.get("grades")
    if not isinstance(grades_raw, list) or not grades_raw:
        raise ValueError("evaluation_items.toml: grades: 至少一档")
    grades: list[tuple[str, Decimal]] = []
    for n, g in enumerate(grades_raw):
        code, low = g.get("code"), g.get("min")
        if code not in domain.EVALUATION_GRADES:
            raise ValueError(f"evaluation_items.toml: grades[{n}].code: 应为 {'、'.join(domain.EVALUATION_GRADES)}")
        if isinstance(low, bool) or not isinstance(low, int | float):
            raise ValueError(f"evaluation_items.toml: grades[{n}].min: 应为数字")
        if grades and Decimal(str(low)) >= grades[-1][1]:
            raise ValueError(f"evaluation_items.toml: grades[{n}].min: 应从高到低排列")
        grades.append((str(code), Decimal(str(low))))
    if grades[-1][1] != 0:
        raise ValueError("evaluation_items.toml: grades: 最低一档应从 0 分起")
    return Rules(edition, MappingProxyType(items), tuple(grades))


@cache
def rules() -> Rules:
    """The evaluation rules of the data file, read and checked once."""
    text = resources.files("anju.estates").joinpath("data/evaluation_items.toml").read_text("utf-8")
    return parse_rules(tomllib.loads(text))


def grade_of(score: Decimal, r: Rules | None = None) -> str:
    """The grade of a total score: the highest grade whose minimum the score reaches."""
    for code, low in (r or rules()).grades:
        if score >= low:
            return code
    raise ValueError("score below every grade")  # unreachable: the last grade starts at 0


@dataclass(frozen=True, slots=True)
class Scored:
    items: dict[str, Decimal]  # item code → score, in the file's order
    score: Decimal
    grade: str


def score(raw: Mapping[str, object], r: Rules | None = None) -> Scored:
    """Each item's score checked (every item present, a number from 0 to the item's maximum with at
    most two decimals), summed exactly, and graded. Errors name ``items.<code>``."""
    r = r or rules()
    errors: list[FieldError] = []
    out: dict[str, Decimal] = {}
    for code in raw:
        if code not in r.items:
            errors.append(FieldError(f"items.{code}", "没有这个考评项目"))
    for code, item in r.items.items():
        v = raw.get(code)
        fld = f"items.{code}"
        if v is None or (isinstance(v, str) and not v.strip()):
            errors.append(FieldError(fld, f"须填写{item.label}的得分"))
            continue
        try:
            d = Decimal(str(v).strip()) if not isinstance(v, bool) else None
        except InvalidOperation:
            d = None
        if d is None or not d.is_finite():
            errors.append(FieldError(fld, "应为数字"))
            continue
        if d != d.quantize(_CENT):
            errors.append(FieldError(fld, "最多两位小数"))
        elif not 0 <= d <= item.max:
            errors.append(FieldError(fld, f"应在 0–{item.max} 分之间"))
        else:
            out[code] = d.quantize(_CENT)
    if errors:
        raise ValidationError("考评得分有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    total = sum(out.values(), Decimal(0)).quantize(_CENT)
    return Scored(out, total, grade_of(total, r))


# ------------------------------------------------------------------------------------------ deadlines


def due_at(filed_at: datetime, days: int) -> datetime:
    """A complaint's deadline: the end of the ``days``-th working day after the day it was filed (city
    time), as an aware instant (the next midnight, Asia/Shanghai)."""
    local_day = filed_at.astimezone(CITY_TZ).date()
    last = add_working_days(local_day, days)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=CITY_TZ)
