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
from anju.market import domain
from anju.market.dashboard import AreaRef, area_refs
from anju.market.runs import Run, is_synthetic, latest_run
from anju.market.tables import market_index_values, market_supply

S, IV = market_supply, market_index_values
TREND_MONTHS = 24


@dataclass(frozen=True, slots=True)
class DistrictLine:
    area: AreaRef
    new_sales: int
    new_area_m2: float
    new_median_fen: int | None
    new_mom: float | None
    new_yoy: float | None
    resales: int
    resale_median_fen: int | None
    resale_mom: float | None
    resale_yoy: float | None
    inventory_homes: int
    months_of_supply: float | None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    month: str
    new_index: float | None
    resale_index: float | None


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
    lines: list[DistrictLine]  # the city first
    trend: list[TrendPoint]

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
    """The report of ``month`` from the latest run, within the caller's scope (four queries)."""
    try:
        domain.parse_month(month)
    except ValueError:
        raise ValidationError.of("month", "月份格式应为 YYYY-MM") from None
    run = latest_run(conn)
    if run is None:
        raise NotFound("还没有完成的市场监测计算，无法生成月度报告")
    if not run.first_month <= month <= run.last_month:
        raise NotFound(f"本次计算不含 {month}（{run.first_month} 至 {run.last_month}）")
    refs = area_refs(conn, run, scope, city_code)
    codes = [a.code for a in refs]
    prev, last_year = domain.add_months(month, -1), domain.add_months(month, -12)
    supply: dict[tuple[str, str], Any] = {
        (r.area_code, r.month): r
        for r in conn.execute(
            select(S).where(S.c.run_id == run.id, S.c.area_code.in_(codes), S.c.month.in_([month, prev, last_year]))
        )
    }
    if (city_code, month) not in supply:
        raise NotFound(f"{month} 没有全市的供需数据")
    ix: dict[tuple[str, str, str], Any] = {
        (r.segment, r.method, r.area_code): r
        for r in conn.execute(
            select(IV).where(
                IV.c.run_id == run.id,
                IV.c.segment.in_(["new", "resale"]),
                IV.c.method.in_(sorted({method, "median"})),
                IV.c.area_code.in_(codes),
                IV.c.band == "all",
                IV.c.month == month,
            )
        )
    }
    start = max(run.first_month, domain.add_months(month, -(TREND_MONTHS - 1)))
    trend: dict[str, dict[str, float | None]] = {}
    for r in conn.execute(
        select(IV.c.segment, IV.c.month, IV.c.value)
        .where(
            IV.c.run_id == run.id,
            IV.c.segment.in_(["new", "resale"]),
            IV.c.method == method,
            IV.c.area_code == city_code,
            IV.c.band == "all",
            IV.c.month >= start,
            IV.c.month <= month,
        )
        .order_by(IV.c.month)
    ):
        trend.setdefault(r.month, {})[r.segment] = r.value
    lines = [_line(a, supply[(a.code, month)], ix, method) for a in refs if (a.code, month) in supply]
    city = lines[0]
    summary = _summary(
        month, city, supply.get((city_code, prev)), supply.get((city_code, last_year)), domain.METHODS[method]
    )
    return MonthReport(
        title=f"{city_name}房地产市场运行情况月度报告",
        month=month,
        month_label=month_label(month),
        run_id=run.id,
        method=method,
        method_label=domain.METHODS[method],
        base_month=run.first_month,
        synthetic=is_synthetic(conn, run),
        summary=summary,
        lines=lines,
        trend=[TrendPoint(m, v.get("new"), v.get("resale")) for m, v in trend.items()],
    )


def _line(a: AreaRef, s: Any, ix: dict[tuple[str, str, str], Any], method: str) -> DistrictLine:
    def get(seg: str, m: str) -> Any:
        return ix.get((seg, m, a.code))

    nv, rv, nm, rm = get("new", method), get("resale", method), get("new", "median"), get("resale", "median")
    return DistrictLine(
        area=a,
        new_sales=s.new_sales,
        new_area_m2=float(s.new_sales_area),
        new_median_fen=nm.median_unit_price_fen if nm else None,
        new_mom=nv.mom if nv else None,
        new_yoy=nv.yoy if nv else None,
        resales=s.resales,
        resale_median_fen=rm.median_unit_price_fen if rm else None,
        resale_mom=rv.mom if rv else None,
        resale_yoy=rv.yoy if rv else None,
        inventory_homes=s.inventory_homes,
        months_of_supply=s.months_of_supply,
    )


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


def _sales_sentence(label: str, n: int, area: float | None, prev: int | None, last_year: int | None) -> str:
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


def _summary(month: str, city: DistrictLine, prev: Any, last_year: Any, method_label: str) -> str:
    first = _sales_sentence(
        f"{month_label(month)}，全市新建商品住宅",
        city.new_sales,
        city.new_area_m2,
        prev.new_sales if prev is not None else None,
        last_year.new_sales if last_year is not None else None,
    )
    second = _sales_sentence(
        "二手住宅",
        city.resales,
        None,
        prev.resales if prev is not None else None,
        last_year.resales if last_year is not None else None,
    )
    text = f"{first}；{second}。"
    idx = [
        s
        for s in (
            _index_sentence("新建商品住宅", city.new_mom, city.new_yoy),
            _index_sentence("二手住宅", city.resale_mom, city.resale_yoy),
        )
        if s
    ]
    if idx:
        text += f"按{method_label}测算，" + "；".join(idx) + "。"
    text += f"月末全市新建商品住宅可售库存{city.inventory_homes:,}套"
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

    return [
        [
            line.area.name,
            f"{line.new_sales:,}",
            f"{line.new_area_m2:,.0f}",
            yuan(line.new_median_fen),
            num(line.new_mom),
            num(line.new_yoy),
            f"{line.resales:,}",
            yuan(line.resale_median_fen),
            num(line.resale_mom),
            num(line.resale_yoy),
            num(line.months_of_supply),
        ]
        for line in r.lines
    ]


#: The synthetic-data label of the PDF and .docx pages: the one label of the market context.
SYNTHETIC_LABEL = domain.SYNTHETIC_LABEL
