"""The plan as data (规划实施监测, issue 24): the terms every part of the plan context shares.

A :class:`Plan` is one edition of a published housing plan (the 14th Five-Year plan of a city is the
first; the next plan loads as another plan without code changes): its **targets** (each a line of 专栏3
or a figure stated only in the text, linked to the indicator dictionary entry that measures it) and its
**tables** (专栏1, 2, 5, 6: rows × columns as published, totals included, so the loader can check them and
the evaluation report can reproduce them). Nothing here is corrected: the published plan is the legal
text; what does not add up is an :class:`Inconsistency`, reported with the table, row, column, the
stated and the computed value.

Figures are exact decimals in the plan's own unit (万套, 万平方米, %, 平方米, 个, 套).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

#: How a target compares: ≥ (不少于、不低于), ≤, 约/左右 (about: within ``tolerance``), = (exactly, e.g. 100 %).
Comparison = Literal["at_least", "at_most", "about", "equal"]
COMPARISONS: tuple[Comparison, ...] = ("at_least", "at_most", "about", "equal")
COMPARISON_LABELS = {"at_least": "≥", "at_most": "≤", "about": "约", "equal": "="}

#: What the target measures over the plan's years: the sum over the period (5-year supply), the yearly
#: average (年均上市量), the level in the final year (人均面积、覆盖率), or the level each year.
Period = Literal["cumulative", "annual_average", "final_year", "each_year"]
PERIODS: tuple[Period, ...] = ("cumulative", "annual_average", "final_year", "each_year")

#: 约束性 (binding) or 预期性 (expected), as the plan labels each indicator.
Nature = Literal["binding", "expected"]
NATURE_LABELS = {"binding": "约束性", "expected": "预期性"}


@dataclass(frozen=True)
class Target:
    """One target of the plan: 专栏3's lines, the text's figures, a table's cell that is a target."""

    key: str  # the plan's own key, unique in the plan, e.g. "main.supply_total", "text.market_rental"
    label: str  # as the plan words it: 供应各类住房总套数
    indicator: str  # the indicator dictionary code that measures it
    unit: str  # the plan's unit (万套); the dictionary's unit may differ by a stated factor
    value: Decimal
    comparison: Comparison
    nature: Nature
    period: Period
    source: str  # where in the plan: 专栏3 住有所居第1项 / 三（一）1 正文
    area: str  # the division code the target is for (the city's code for a city target)
    year: int | None = None  # a single year's target (专栏2, 专栏6 cells); None: the plan period
    #: the dictionary value × factor = the value in the plan's unit (e.g. 0.0001 from 套 to 万套)
    factor: Decimal = Decimal(1)
    tolerance: Decimal = Decimal("0.05")  # for "about": ±5 % of the value counts as on target
    #: The table cell this target is (a 专栏2/5/6 cell) or must agree with (the text's 77/30/47 against
    #: 专栏2's 总计): (table code, row label, column); ``cell_factor`` converts the cell to ``unit``.
    cell: tuple[str, str, str] | None = None
    cell_factor: Decimal = Decimal(1)
    #: The table (专栏2/5/6) this target is a cell of; None for a target of 专栏3 or of the text.
    table: str | None = None


@dataclass(frozen=True)
class TableRow:
    label: str  # 玄武区 / 保障性住房(万套) / 全市合计
    area: str | None  # division code of a district row; None for a row that is not an area
    values: tuple[Decimal | None, ...]  # one per column; None where the plan prints "-" or nothing
    total: bool = False  # the table's 合计 row
    texts: tuple[str, ...] = ()  # one per ``PlanTable.text_columns`` (专栏1's 规划目标, 完成情况, 指标属性)


@dataclass(frozen=True)
class PlanTable:
    """A table as published: ``columns`` (e.g. 2021 个数, 2021 面积, …, 总计 个数, 总计 面积)."""

    code: str  # 专栏6
    title: str
    unit: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    #: per column, the column holding the row total of it (e.g. each year's 面积 → 总计 面积), if any
    row_totals: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (total column, columns summed)
    indicator: str | None = None  # the dictionary code its cells measure, when they are targets
    #: (share column, of column): the share is the row's ``of`` value ÷ the total row's, in % (专栏5)
    shares: tuple[tuple[str, str], ...] = ()
    text_columns: tuple[str, ...] = ()  # columns of text, not figures (专栏1's 完成情况)


@dataclass(frozen=True)
class Plan:
    code: str  # e.g. "320100-14th": city code and plan, stable across editions
    edition: int  # 1 for the published text; a later edition is a correction of the data (not the text)
    name: str  # 南京市“十四五”城镇住房发展规划
    city: str  # 320100
    first_year: int
    last_year: int
    targets: tuple[Target, ...]
    tables: tuple[PlanTable, ...]
    source: str = ""  # the document (文号, publication date)
    previous: str | None = None  # the code of the plan before it (its 专栏1 reports on that one)

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first_year, self.last_year + 1))


@dataclass(frozen=True)
class Inconsistency:
    """Where the plan's own figures do not add up: ``anju plan check`` prints these as CSV
    ``table,row,column,stated,computed``."""

    table: str
    row: str
    column: str
    stated: Decimal
    computed: Decimal


#: A target's status against its actual value.
Status = Literal["achieved", "on_track", "behind", "no_data"]
STATUS_LABELS = {"achieved": "已完成", "on_track": "进度正常", "behind": "滞后", "no_data": "暂无数据"}
