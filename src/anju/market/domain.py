"""Market monitoring's vocabulary and pure rules (issue 21): segments, size bands, index methods, the
seven health dimensions, warning severities and statuses, land uses, months. No I/O.

Months are ``YYYY-MM`` strings everywhere (tables, API, CSV); :func:`month_index` and
:func:`month_at` turn them into consecutive integers and back, so arithmetic on months is one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

# ------------------------------------------------------------------------------------------ segments

SEGMENTS: Final = {"new": "新建商品住宅", "resale": "二手住宅"}


@dataclass(frozen=True, slots=True)
class Band:
    """A size band of construction area (m²): ``low`` < area ≤ ``high`` (None: unbounded)."""

    code: str
    label: str
    low: Decimal | None
    high: Decimal | None

    def holds(self, area: Decimal) -> bool:
        return (self.low is None or area > self.low) and (self.high is None or area <= self.high)


#: The statistical bureau's size bands (90 m² and 144 m², as in the 70-city price statistics) and the
#: whole market (``all``).
BANDS: Final = (
    Band("all", "全部面积段", None, None),
    Band("le90", "90㎡及以下", None, Decimal(90)),
    Band("90to144", "90–144㎡", Decimal(90), Decimal(144)),
    Band("gt144", "144㎡以上", Decimal(144), None),
)
BAND_LABELS: Final = {b.code: b.label for b in BANDS}


def band_of(area: Decimal) -> str:
    """The size band (other than ``all``) of a home of ``area`` m²."""
    for band in BANDS[1:]:
        if band.holds(area):
            return band.code
    raise ValueError(f"no band holds {area}")


# ------------------------------------------------------------------------------------------- methods

METHODS: Final = {
    "hedonic": "特征价格指数（时间虚拟变量法）",
    "repeat-sales-geometric": "重复交易指数（几何加权）",
    "repeat-sales-arithmetic": "重复交易指数（算术加权）",
    "median": "分层中位数",
}
#: The methods ``anju market index`` offers on a sales file (the median needs no CLI: it is a median).
CLI_METHODS: Final = ("repeat-sales-geometric", "repeat-sales-arithmetic", "hedonic")

#: Cell status of an index value: estimated, estimated from few observations, not estimable.
INDEX_STATUSES: Final = {"ok": "正常", "thin": "样本偏少", "none": "无法估计"}

# -------------------------------------------------------------------------------------------- health

#: The plan's seven dimensions (三(五)2) in its order, and the weighted whole.
DIMENSIONS: Final = {
    "scale": "规模",
    "structure": "结构",
    "price": "价格",
    "supply_demand": "供需",
    "assistance": "保障",
    "risk": "风险",
    "expectations": "预期",
}
TOTAL: Final = "total"
DIMENSION_LABELS: Final = {**DIMENSIONS, TOTAL: "综合"}

SEVERITIES: Final = {"blue": "蓝色（关注）", "yellow": "黄色（提示）", "orange": "橙色（警示）", "red": "红色（严重）"}
WARNING_STATUSES: Final = {"open": "待处理", "acknowledged": "已确认", "closed": "已关闭"}

FORECAST_SERIES: Final = {
    "sales_new": "新建商品住宅成交套数",
    "sales_resale": "二手住宅成交套数",
    "price_new": "新建商品住宅价格指数",
    "price_resale": "二手住宅价格指数",
}

#: The one label of figures computed from synthetic data (合成): every market page, CSV (a trailing note
#: row), PDF and .docx that shows such figures says it (see :func:`anju.market.runs.is_synthetic`).
SYNTHETIC_LABEL: Final = "合成数据（synthetic）：以下数据由合成数据计算，仅用于演示，不代表真实市场。"
#: The short tag (a badge, a column value, a page header prefix).
SYNTHETIC_TAG: Final = "合成"

RUN_STATUSES: Final = {"running": "计算中", "done": "已完成", "failed": "失败"}
ENGINES: Final = {"duckdb": "DuckDB（单机）", "spark": "Spark（分布式）"}

# ---------------------------------------------------------------------------------------------- land

LAND_USES: Final = {
    "residential": "住宅用地",
    "mixed": "商住混合用地",
    "commercial": "商服用地",
    "rental": "租赁住房用地",
    "industrial": "工业用地",
}
TRANSFER_METHODS: Final = {"listing": "挂牌", "auction": "拍卖", "tender": "招标"}

# -------------------------------------------------------------------------------------------- months

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(value: str) -> tuple[int, int]:
    """``YYYY-MM`` → (year, month); ValueError naming the value otherwise."""
    m = _MONTH.match(value)
    if m is None:
        raise ValueError(f"不是 YYYY-MM 格式的月份：{value!r}")
    return int(m.group(1)), int(m.group(2))


def month_index(value: str) -> int:
    """A month as a consecutive integer (year × 12 + month − 1)."""
    y, m = parse_month(value)
    return y * 12 + m - 1


def month_at(index: int) -> str:
    """The inverse of :func:`month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive (empty when last < first)."""
    return [month_at(i) for i in range(month_index(first), month_index(last) + 1)]


def add_months(month: str, n: int) -> str:
    return month_at(month_index(month) + n)
