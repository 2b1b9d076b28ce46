"""The plan's evaluation reports (规划实施评估): the mid-term (中期评估, as of the plan's middle year) and
the final (总结评估, as of its last year) evaluation, gathered from the data; :mod:`anju.plan.report_docx`
and :mod:`anju.plan.report_pdf` lay it out. The main table has the structure of the plan's own 专栏1 (its
report on the previous plan): 规划目标 / 指标 / 完成情况 / 指标属性, each target's target, actual, gap,
status and trend beside it; the targets of areas (专栏5, 专栏6: districts) follow in a district table.
This module only gathers the figures and writes the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sqlalchemy import Connection

from anju import divisions, indicators
from anju.core.clock import now
from anju.core.scope import Scope
from anju.plan import progress as pr
from anju.plan.domain import COMPARISON_LABELS, NATURE_LABELS, STATUS_LABELS, Plan
from anju.plan.monitoring import live

Kind = Literal["midterm", "final"]
KINDS: tuple[Kind, ...] = ("midterm", "final")
KIND_LABELS = {"midterm": "中期评估", "final": "总结评估"}
SYNTHETIC_LABEL = "合成数据：本报告的实际值由合成城市的数据计算，仅供演示，不代表真实完成情况。"
MAIN_HEADER = ("规划目标", "指标", "完成情况", "指标属性")
DETAIL_HEADER = ("指标", "单位", "目标值", "实际值", "差距", "完成率", "状态", "趋势")
DISTRICT_HEADER = ("专栏", "区属", "指标", "年度", "目标值", "实际值", "差距", "状态")


def as_of_year(plan: Plan, kind: Kind) -> int:
    """The year an evaluation is as of: the middle year (2023 of 2021–2025) or the last."""
    return plan.first_year + (plan.last_year - plan.first_year) // 2 if kind == "midterm" else plan.last_year


def num(d: Decimal | None) -> str:
    """A figure as printed: at most two places, no trailing zeros; "—" for none."""
    if d is None:
        return "—"
    return format(d.quantize(Decimal("0.01")).normalize(), "f")


def _goal(source: str) -> str:
    """The 规划目标 group of a target, from where the plan states it: 专栏3 住有所居第1项 → 住有所居;
    a figure of the text (一（五）2 正文：…) → 规划正文 一（五）2."""
    first = source.split("；", maxsplit=1)[0].strip()
    if " 正文" in first:
        return "规划正文 " + first.split(" 正文")[0].strip()
    text = re.sub(r"^专栏\s*\d+\s*", "", first)
    text = re.sub(r"（.*?）", "", text)
    text = re.sub(r"第\s*\d+\s*项$", "", text).strip()
    return text or first


def _column(source: str) -> str:
    m = re.match(r"^(专栏\s*\d+)", source)
    return m.group(1).replace(" ", "") if m else source


@dataclass(frozen=True)
class Line:
    goal: str  # 规划目标
    indicator: str  # 指标: label with the target (城镇常住人口保障性住房覆盖率 ≥28%)
    outcome: str  # 完成情况 in words
    nature: str  # 指标属性
    p: pr.TargetProgress
    trend: str  # the yearly values, e.g. "2021：14.2；2022：15.0"
    definition: str  # the dictionary's name, formula and calibre


@dataclass(frozen=True)
class DistrictLine:
    column: str
    area: str
    indicator: str
    year: str
    p: pr.TargetProgress


@dataclass(frozen=True)
class Evaluation:
    plan: Plan
    kind: Kind
    as_of: int
    title: str
    subtitle: str
    summary: str
    lines: list[Line]
    districts: list[DistrictLine]
    synthetic: bool
    generated_at: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def _outcome(p: pr.TargetProgress) -> str:
    t = p.target
    if p.status == "no_data":
        return f"{STATUS_LABELS['no_data']}（{p.missing}）"
    pct = f"，完成 {p.percent}%" if p.percent is not None else ""
    path = ""
    if p.status != "achieved" and p.expected is not None and p.expected != t.value:
        path = f"，按进度应达 {num(p.expected)}"
    return f"{STATUS_LABELS[p.status]}：实际 {num(p.actual)}{t.unit}{pct}{path}"


def _trend(p: pr.TargetProgress) -> str:
    return "；".join(f"{y.year}：{num(y.value)}" for y in p.years) or "—"


def gather(
    conn: Connection, plan: Plan, kind: Kind, progress: Callable[[str, float], None] | None = None
) -> Evaluation:
    """Gather an evaluation of ``plan`` (whole city) from the stored values: one read of them."""
    say = progress or (lambda _m, _f: None)
    year = as_of_year(plan, kind)
    say(f"读取 {plan.first_year}–{year} 年的指标数值", 0.1)
    got = live(conn, plan, Scope.whole_city(), year)
    book = indicators.dictionary()
    say("整理各项指标完成情况", 0.4)
    areas = {p.target.area for p in got.items if p.target.area != plan.city}
    names = divisions.names(conn, areas) if areas else {}
    lines: list[Line] = []
    districts: list[DistrictLine] = []
    for p in got.items:
        t = p.target
        label = f"{t.label} {COMPARISON_LABELS[t.comparison]}{num(t.value)}{t.unit}"
        if t.area != plan.city:
            year_text = str(t.year) if t.year is not None else f"{plan.first_year}–{plan.last_year}"
            districts.append(DistrictLine(_column(t.source), names.get(t.area, t.area), label, year_text, p))
            continue
        ind = book.get(t.indicator)
        definition = f"{ind.name}：{ind.formula}；口径：{ind.calibre}" if ind else t.indicator
        lines.append(Line(_goal(t.source), label, _outcome(p), NATURE_LABELS[t.nature], p, _trend(p), definition))
    counts = {s: sum(1 for ln in lines if ln.p.status == s) for s in STATUS_LABELS}
    summary = (
        f"截至 {year} 年底，《{plan.name}》{len(lines)} 项全市指标中，"
        + "，".join(f"{STATUS_LABELS[s]} {n} 项" for s, n in counts.items() if n)
        + (f"；另有分区指标 {len(districts)} 项，见分区完成情况表。" if districts else "。")
        + "实际值取自平台统一指标字典的存储数值（统计部门报送的指标按录入数），累计指标按已过年数折算进度。"
    )
    say("完成", 0.6)
    return Evaluation(
        plan=plan,
        kind=kind,
        as_of=year,
        title=f"{plan.name}实施{KIND_LABELS[kind]}报告",
        subtitle=f"规划期 {plan.first_year}–{plan.last_year} 年，数据截至 {year} 年底",
        summary=summary,
        lines=lines,
        districts=districts,
        synthetic=got.synthetic,
        generated_at=now().strftime("%Y-%m-%d %H:%M"),
    )


def main_rows(e: Evaluation) -> list[tuple[str, str, str, str]]:
    """The 专栏1-shaped table: 规划目标 (printed once per group), 指标, 完成情况, 指标属性."""
    out = []
    last = None
    for ln in e.lines:
        out.append((ln.goal if ln.goal != last else "", ln.indicator, ln.outcome, ln.nature))
        last = ln.goal
    return out


def detail_rows(e: Evaluation) -> list[tuple[str, ...]]:
    return [
        (
            ln.p.target.label,
            ln.p.target.unit,
            f"{COMPARISON_LABELS[ln.p.target.comparison]}{num(ln.p.target.value)}",
            num(ln.p.actual),
            num(ln.p.gap),
            "—" if ln.p.percent is None else f"{ln.p.percent}%",
            STATUS_LABELS[ln.p.status],
            ln.trend,
        )
        for ln in e.lines
    ]


def district_rows(e: Evaluation) -> list[tuple[str, ...]]:
    return [
        (d.column, d.area, d.indicator, d.year, num(d.p.target.value), num(d.p.actual), num(d.p.gap),
         STATUS_LABELS[d.p.status])
        for d in e.districts
    ]  # fmt: skip


__all__ = [
    "DETAIL_HEADER",
    "DISTRICT_HEADER",
    "KINDS",
    "KIND_LABELS",
    "MAIN_HEADER",
    "SYNTHETIC_LABEL",
    "Evaluation",
    "Kind",
    "as_of_year",
    "detail_rows",
    "district_rows",
    "gather",
    "main_rows",
]
