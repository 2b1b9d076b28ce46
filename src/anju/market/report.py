"""The monthly market report (月度市场报告, ``/market/reports``): a bulletin generated from the stored rows of
one month of the latest finished run, the way a housing bureau publishes its monthly report — a title,
a summary paragraph in Chinese written from the figures, a table of district figures, and two charts
(the city's price-index trend; sales by district). :mod:`anju.market.report_pdf` and
:mod:`anju.market.report_docx` lay it out; this module only gathers the figures and writes the text.

The report is internal (``market.read``): figures are not suppressed, and a district officer's report
holds their district and the city. The headline index method is ``market_published_method``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from anju.core.errors import NotFound, ValidationError
from anju.core.scope import Scope
from anju.market import areas, domain
from anju.market import publication as pub
from anju.market.publication import AreaFigures, TrendPoint
from anju.market.runs import Run, latest_run
from anju.market.tables import market_index_values, market_supply

S, IV = market_supply, market_index_values
TREND_MONTHS = 24


@dataclass(frozen=True, slots=True)
class MonthReport:
    title: str
    month: str
    month_label: str  # 2026年1月
    run_id: int
    method: str
    method_label: str
    base_month: str
    synthetic: bool
    summary: str
    lines: list[AreaFigures]  # the city first (:func:`anju.market.publication.figures_of`)
    trend: list[TrendPoint]
    #: which figures the report follows: the current publication of the month or the run (unpublished)
    source: str
    published_version: int | None = None

    @property
    def file_stem(self) -> str:
        return f"market-report-{self.month}"


def month_label(month: str) -> str:
    y, m = domain.parse_month(month)
    return f"{y}年{m}月"


def report_months(conn: Connection) -> tuple[Run | None, list[str]]:
    """The latest run and its months, newest first (the months a report can be made of)."""
    run = latest_run(conn)
    if run is None:
        return None, []
    return run, list(reversed(domain.months_between(run.first_month, run.last_month)))


def build(conn: Connection, scope: Scope, city_code: str, month: str, *, method: str, city_name: str) -> MonthReport:
    """The report of ``month`` within the caller's scope, from the figures the public page shows: the
    current publication's snapshot when the month is published (the report says which version), else
    the latest run's figures as :func:`anju.market.publication.figures_of` computes them, unsuppressed
    (the internal variant: the report is for staff)."""
    try:
        domain.parse_month(month)
    except ValueError:
        raise ValidationError.of("month", "月份格式应为 YYYY-MM") from None
    run = latest_run(conn)
    if run is None:
        raise NotFound("还没有完成的市场监测计算，无法生成月度报告")
    if not run.first_month <= month <= run.last_month:
        raise NotFound(f"本次计算不含 {month}（{run.first_month} 至 {run.last_month}）")
    version: int | None = None
    try:
        current = pub.published_month(conn, month).publication
        figs, version = current.figures, current.head.version
        source = (
            f"本报告数据依据 {month} 的第 {version} 版发布数据"
            f"（{current.head.published_at:%Y-%m-%d} 发布，计算编号 {figs.run_id}），与公开发布页一致。"
        )
    except NotFound:
        try:
            figs = pub.figures_of(conn, run, month, city_code=city_code, method=method, k=0, suppressed=False)
        except ValidationError:
            raise NotFound(f"{month} 没有全市的供需数据") from None
        source = f"本报告数据依据第 {run.id} 次计算，{month} 尚未发布（内部数据，未做小样本隐藏）。"
    seen = set(areas.visible(scope, city_code, [a.code for a in figs.areas]))
    lines = [a for a in figs.areas if a.code in seen]
    city = figs.city
    if city is None:
        raise NotFound(f"{month} 没有全市的供需数据")
    prev, last_year = domain.add_months(month, -1), domain.add_months(month, -12)
    before = {
        r.month: r
        for r in conn.execute(
            select(S.c.month, S.c.new_sales, S.c.resales).where(
                S.c.run_id == run.id, S.c.area_code == city_code, S.c.month.in_([prev, last_year])
            )
        )
    }
    return MonthReport(
        title=f"{city_name}房地产市场运行情况月度报告",
        month=month,
        month_label=month_label(month),
        run_id=figs.run_id,
        method=figs.method,
        method_label=figs.method_label,
        base_month=figs.base_month,
        synthetic=figs.synthetic,
        summary=_summary(month, city, before.get(prev), before.get(last_year), figs.method_label),
        lines=lines,
        trend=_trend(conn, run, city_code, month, figs.method),
        source=source,
        published_version=version,
    )


def _trend(conn: Connection, run: Run, city_code: str, month: str, method: str) -> list[TrendPoint]:
    """The city's index levels (the run's own base), year-on-year ratios and sales over the
    :data:`TREND_MONTHS` months up to ``month`` (two queries)."""
    start = max(run.first_month, domain.add_months(month, -(TREND_MONTHS - 1)))
    ix: dict[str, dict[str, Any]] = {}
    for r in conn.execute(
        select(IV.c.segment, IV.c.month, IV.c.value, IV.c.yoy).where(
            IV.c.run_id == run.id,
            IV.c.segment.in_(pub.SEGMENT_KEYS),
            IV.c.method == method,
            IV.c.area_code == city_code,
            IV.c.band == "all",
            IV.c.month >= start,
            IV.c.month <= month,
        )
    ):
        ix.setdefault(r.month, {})[r.segment] = r
    sales = {
        r.month: r
        for r in conn.execute(
            select(S.c.month, S.c.new_sales, S.c.resales).where(
                S.c.run_id == run.id, S.c.area_code == city_code, S.c.month >= start, S.c.month <= month
            )
        )
    }

    def get(m: str, seg: str, attr: str) -> Any:
        r = ix.get(m, {}).get(seg)
        return None if r is None else getattr(r, attr)

    return [
        TrendPoint(
            m,
            get(m, "new", "value"),
            get(m, "new", "yoy"),
            get(m, "resale", "value"),
            get(m, "resale", "yoy"),
            sales[m].new_sales if m in sales else None,
            sales[m].resales if m in sales else None,
        )
        for m in sorted(ix)
    ]


# ------------------------------------------------------------------------------------------- the text


def change(now: float, before: float | None) -> str | None:
    """ "增长 3.2%" / "下降 1.5%" / "持平" of a count against an earlier one (None: no comparison)."""
    if before is None or before == 0:
        return None
    pct = (now / before - 1) * 100
    if abs(pct) < 0.05:
        return "持平"
    return f"{'增长' if pct > 0 else '下降'}{abs(pct):.1f}%"


def index_change(ratio: float | None) -> str | None:
    """An index ratio (上月=100) in words: "上涨0.5%" / "下降0.8%" / "持平"."""
    if ratio is None:
        return None
    d = ratio - 100
    if abs(d) < 0.05:
        return "持平"
    return f"{'上涨' if d > 0 else '下降'}{abs(d):.1f}%"


def _sales_sentence(label: str, n: int | None, area: float | None, prev: int | None, last_year: int | None) -> str:
    if n is None:  # withheld in the published figures (few sales)
        return f"{label}成交样本偏少，不予公布"
    parts = [f"{label}成交{n:,}套"]
    if (c := change(n, prev)) is not None:
        parts.append(f"环比{c}")
    if (c := change(n, last_year)) is not None:
        parts.append(f"同比{c}")
    if area is not None:
        parts.append(f"成交面积{area / 10000:.2f}万平方米")
    return "，".join(parts)


def _index_sentence(label: str, mom: float | None, yoy: float | None) -> str | None:
    bits = [f"环比{c}" for c in [index_change(mom)] if c] + [f"同比{c}" for c in [index_change(yoy)] if c]
    return f"{label}价格{'，'.join(bits)}" if bits else None


def _summary(month: str, city: AreaFigures, prev: Any, last_year: Any, method_label: str) -> str:
    first = _sales_sentence(
        f"{month_label(month)}，全市新建商品住宅",
        city.new.sales,
        city.new.area_m2,
        prev.new_sales if prev is not None else None,
        last_year.new_sales if last_year is not None else None,
    )
    second = _sales_sentence(
        "二手住宅",
        city.resale.sales,
        None,
        prev.resales if prev is not None else None,
        last_year.resales if last_year is not None else None,
    )
    text = f"{first}；{second}。"
    idx = [
        s
        for s in (
            _index_sentence("新建商品住宅", city.new.mom, city.new.yoy),
            _index_sentence("二手住宅", city.resale.mom, city.resale.yoy),
        )
        if s
    ]
    if idx:
        text += f"按{method_label}测算，" + "；".join(idx) + "。"
    text += f"月末全市新建商品住宅可售库存{city.inventory_homes or 0:,}套"
    if city.months_of_supply is not None:
        text += f"，去化周期{city.months_of_supply:.1f}个月"
    return text + "。"


# ------------------------------------------------------------------------------------------ the table

TABLE_HEADER = (
    "区域",
    "新建成交（套）",
    "新建成交面积（㎡）",
    "新建单价中位数（元/㎡）",
    "新建指数环比",
    "新建指数同比",
    "二手成交（套）",
    "二手单价中位数（元/㎡）",
    "二手指数环比",
    "二手指数同比",
    "去化周期（月）",
)


def table_rows(r: MonthReport) -> list[list[str]]:
    """The district table as text cells (the same in the PDF and the .docx)."""

    def num(v: float | None, places: int = 1) -> str:
        return "—" if v is None else f"{v:.{places}f}"

    def yuan(fen: int | None) -> str:
        return "—" if fen is None else f"{round(fen / 100):,}"

    def count(n: int | None) -> str:
        return "—" if n is None else f"{n:,}"

    return [
        [
            line.name,
            count(line.new.sales),
            "—" if line.new.area_m2 is None else f"{line.new.area_m2:,.0f}",
            yuan(line.new.median_unit_price_fen),
            num(line.new.mom),
            num(line.new.yoy),
            count(line.resale.sales),
            yuan(line.resale.median_unit_price_fen),
            num(line.resale.mom),
            num(line.resale.yoy),
            num(line.months_of_supply),
        ]
        for line in r.lines
    ]


#: The synthetic-data label of the PDF and .docx pages: the one label of the market context.
SYNTHETIC_LABEL = domain.SYNTHETIC_LABEL
