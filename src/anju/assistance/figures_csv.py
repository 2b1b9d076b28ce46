"""The figures as CSV tables (one table per figure part) for download."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from anju.assistance.figures import applications_by_status, coverage, monthly, supply, times
from anju.assistance.plan_targets import Targets
from anju.assistance.talent_figures import talent
from anju.core import csvout
from anju.core.scope import Scope

Row = list[Any]


def _coverage_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["项目代码", "项目名称", "在保人数", "在保户数", "城镇常住人口", "覆盖率（%）", "规划目标（%）"]
    rows: list[Row] = [
        [p["programme_code"], p["name"], p["persons"], p["households"], "", "", ""] for p in f["by_programme"]
    ]
    rows.append(
        ["", f"合计（{f['area_name']}）", f["persons"], f["households"], f["population"], f["rate_percent"],
         f["target_percent"]]
    )  # fmt: skip
    return cols, rows


def _supply_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["项目代码", "项目名称", "类别", *(f"{y}年" for y in f["years"]), "规划期合计", "规划目标", "完成率（%）"]
    rows = [
        [p["programme_code"], p["name"], p["kind_label"], *(y["homes"] for y in p["by_year"]), p["period_total"],
         p["target"], p["progress_percent"]]
        for p in f["programmes"]
    ]  # fmt: skip
    return cols, rows


def _plan_years_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["年份", "保障性住房供应套数", "年度计划套数", "完成率（%）"]
    rows = [[y["year"], y["homes"], y["target"], y["progress_percent"]] for y in f["plan_years"]]
    rows.append(["合计", f["period_total"], f["period_target"], f["progress_percent"]])
    return cols, rows


def _applications_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["项目代码", "项目名称", *(s["label"] for s in f["statuses"]), "合计"]
    rows = [
        [p["programme_code"], p["name"], *(s["count"] for s in p["by_status"]), p["total"]] for p in f["programmes"]
    ]
    return cols, rows


def _waiting_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["项目代码", "项目名称", "已配置申请数", "轮候天数中位数", "轮候天数第90百分位"]
    return cols, [[w["programme_code"], w["name"], w["n"], w["median_days"], w["p90_days"]] for w in f["waiting"]]


def _approval_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["项目代码", "项目名称", "环节", "件数", "天数中位数", "天数第90百分位"]
    rows: list[Row] = []
    for p in f["approval"]:
        o = p["overall"]
        rows.append([p["programme_code"], p["name"], "提交至决定", o["n"], o["median_days"], o["p90_days"]])
        for lv in p["levels"]:
            rows.append(
                [p["programme_code"], p["name"], f"{lv['label']}级审核", lv["n"], lv["median_days"], lv["p90_days"]]
            )
    return cols, rows


def _monthly_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["月份", *(s["name"] for s in f["series"]), "合计"]
    rows = [[m, *(s["counts"][i] for s in f["series"]), f["totals"][i]] for i, m in enumerate(f["months"])]
    return cols, rows


def _tiers_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    return ["人才层次", "申请数", "受益人数"], [[t["tier"], t["applications"], t["beneficiaries"]] for t in f["tiers"]]


def _districts_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["区划代码", "区（功能区）", "申请数", "受益人数", "人才安居住房供应套数", "专栏5目标套数", "完成率（%）"]
    rows = [
        [x["code"], x["name"], x["applications"], x["beneficiaries"], x["homes"], x["homes_target"],
         x["progress_percent"]]
        for x in f["districts"]
    ]  # fmt: skip
    return cols, rows


def _industries_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    rows = [[x["industry"], x["applications"], x["beneficiaries"]] for x in f["industries"]]
    return ["行业", "申请数", "受益人数"], rows


def _talent_months_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    rows = [[m["month"], m["applications"], m["beneficiaries"]] for m in f["months"]]
    return ["月份", "申请数", "新增受益人数"], rows


Figure = Callable[[Connection, Targets, Scope, str | None], Mapping[str, Any]]

FIGURES: dict[str, Figure] = {
    "coverage": lambda c, t, s, dist: coverage(c, t, scope=s, district=dist),
    "supply": lambda c, t, s, dist: supply(c, t, scope=s, district=dist),
    "applications": lambda c, t, s, dist: applications_by_status(c, scope=s, district=dist),
    "times": lambda c, t, s, dist: times(c, scope=s, district=dist),
    "monthly": lambda c, t, s, dist: monthly(c, scope=s, district=dist),
    "talent": lambda c, t, s, dist: talent(c, t, scope=s, district=dist),
}

#: CSV table name → (the figure it comes from, its shaping, its title).
TABLES: dict[str, tuple[str, Callable[[Mapping[str, Any]], tuple[list[str], list[Row]]], str]] = {
    "coverage": ("coverage", _coverage_table, "保障覆盖"),
    "supply": ("supply", _supply_table, "分项目年度供应"),
    "plan-years": ("supply", _plan_years_table, "保障性住房年度供应与计划"),
    "applications": ("applications", _applications_table, "分项目分状态申请数"),
    "waiting-times": ("times", _waiting_table, "轮候时间"),
    "approval-times": ("times", _approval_table, "审批时间"),
    "monthly": ("monthly", _monthly_table, "月度申请数"),
    "talent-tiers": ("talent", _tiers_table, "人才层次"),
    "talent-districts": ("talent", _districts_table, "人才安居分区"),
    "talent-industries": ("talent", _industries_table, "人才行业分布"),
    "talent-months": ("talent", _talent_months_table, "人才安居月度趋势"),
}


def table(
    conn: Connection, targets: Targets, name: str, *, scope: Scope, district: str | None = None
) -> tuple[list[str], list[Row]]:
    """One figure's table (header, rows), for CSV export."""
    figure, shape, _ = TABLES[name]
    return shape(FIGURES[figure](conn, targets, scope, district))


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (so that Excel shows Chinese correctly), CRLF line ends; an empty
    cell for a missing figure."""
    return csvout.to_bytes(columns, rows)
