"""Safety inspection rules as dated data (``data/<city>/inspection_rules.toml``): editions in force
from a date, each with rules that select buildings from the register (by age, by structure and age, or
every building of an area after an event). Pure: reads the data file once, no database.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from anju.core.errors import ValidationError
from anju.registry import Structure
from anju.safety import domain

CITY = "320100"


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    label: str
    trigger: str  # domain.TRIGGERS
    min_age: int
    due_days: int
    structures: tuple[str, ...] = ()

    def max_year_built(self, on: date) -> int:
        """The latest year of construction a building may have to be selected on ``on``."""
        return on.year - self.min_age


@dataclass(frozen=True, slots=True)
class Edition:
    code: str
    name: str
    effective_from: date
    sample: bool
    rules: Mapping[str, Rule]


def _rule(where: str, raw: Mapping[str, Any]) -> Rule:
    code, label, trigger = raw.get("code"), raw.get("label"), raw.get("trigger")
    if not isinstance(code, str) or not code or len(code) > 24:
        raise ValueError(f"{where}.code: 应为 1–24 个字符")
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"{where}.label: 不能为空")
    if trigger not in domain.TRIGGERS:
        raise ValueError(f"{where}.trigger: 应为 {'、'.join(domain.TRIGGERS)} 之一")
    min_age, due_days = raw.get("min_age", 0), raw.get("due_days")
    if isinstance(min_age, bool) or not isinstance(min_age, int) or not 0 <= min_age <= 200:
        raise ValueError(f"{where}.min_age: 应为 0–200 的整数")
    if isinstance(due_days, bool) or not isinstance(due_days, int) or not 1 <= due_days <= 3650:
        raise ValueError(f"{where}.due_days: 应为 1–3650 的整数")
    structures = tuple(raw.get("structures", ()))
    known = {s.value for s in Structure}
    if trigger == "structure" and (not structures or not set(structures) <= known):
        raise ValueError(f"{where}.structures: 应为楼盘表的结构类型：{'、'.join(sorted(known))}")
    return Rule(code, label.strip(), str(trigger), min_age, due_days, structures)


def parse_editions(raw: Mapping[str, Any]) -> tuple[Edition, ...]:
    """The editions of the data file's content, oldest first; ``ValueError`` naming the field otherwise."""
    out: list[Edition] = []
    for i, e in enumerate(raw.get("edition", [])):
        where = f"inspection_rules.toml: edition[{i}]"
        code, name, start = e.get("code"), e.get("name"), e.get("effective_from")
        if not isinstance(code, str) or not code or len(code) > 40:
            raise ValueError(f"{where}.code: 应为 1–40 个字符")
        if not isinstance(name, str) or not name:
            raise ValueError(f"{where}.name: 不能为空")
        if not isinstance(start, date):
            raise ValueError(f"{where}.effective_from: 应为日期")
        rules = [_rule(f"{where}.rules[{j}]", r) for j, r in enumerate(e.get("rules", []))]
        if not rules or len({r.code for r in rules}) != len(rules):
            raise ValueError(f"{where}.rules: 至少一条，代码不重复")
        out.append(Edition(code, name, start, bool(e.get("sample", False)), {r.code: r for r in rules}))
    if not out:
        raise ValueError("inspection_rules.toml: edition: 至少一版")
    return tuple(sorted(out, key=lambda x: x.effective_from))


@cache
def editions(city: str = CITY) -> tuple[Edition, ...]:
    text = resources.files("anju.safety").joinpath("data", city, "inspection_rules.toml").read_text("utf-8")
    return parse_editions(tomllib.loads(text))


def edition_on(on: date, city: str = CITY) -> Edition:
    """The edition in force on ``on``; a day before every edition is refused naming ``planned_on``."""
    found = [e for e in editions(city) if e.effective_from <= on]
    if not found:
        raise ValidationError.of("planned_on", f"{on.isoformat()} 尚无生效的排查规则")
    return found[-1]


def rule_on(code: str, on: date, city: str = CITY) -> tuple[Edition, Rule]:
    ed = edition_on(on, city)
    rule = ed.rules.get(code)
    if rule is None:
        raise ValidationError.of("rule_code", f"{ed.name}中没有规则 {code}（可选：{'、'.join(ed.rules)}）")
    return ed, rule


@dataclass(frozen=True, slots=True)
class Review:
    period: str
    inspected_buildings: int
    dangerous_remediated: int
    filed_agencies: int


@cache
def plan_review(city: str = CITY) -> Review:
    """The last plan's review values the figures are shown against (``data/<city>/plan_review.toml``)."""
    text = resources.files("anju.safety").joinpath("data", city, "plan_review.toml").read_text("utf-8")
    r = tomllib.loads(text)["review"]
    return Review(
        str(r["period"]), int(r["inspected_buildings"]), int(r["dangerous_remediated"]), int(r["filed_agencies"])
    )
