"""The health indicators: each one's value per area × month from the facts (:mod:`.indicator_facts`),
with the figures it was computed from and their sources (``inputs``), so a score explains itself.

A value that cannot be computed (no sales in the window, no index cell, an index cell that is ``thin``
or ``none`` — in the month or the month it is compared with —, fewer than twelve months of history for
a twelve-month figure) is None with the reason in ``inputs["missing"]`` — never invented, and never a
flagged few-observation index value passed on as if it were sound.

A district's share of a plan baseline (the scale indicators) is split by a **fixed key**: the
district's share of the city's residents in the street database (``Facts.population``), not
by the district's own share of the sales it is measured on (which would make the indicator measure
itself: a district's sales against a baseline scaled by its sales).
The formulas are those the edition documents (``health.toml``); the codes are :data:`INDICATORS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from anju.market import domain
from anju.market.health_model import Edition
from anju.market.indicator_facts import Facts, ListedSales

SUPPLY = "本次计算的供需数据（market_supply）"
INDEX = "本次计算的价格指数（market_index_values，hedonic，全部面积段）"
SALES = "交易：已备案的商品房买卖合同、已备案或已登记的存量房买卖合同（按签约月份）"


@dataclass(frozen=True)
class Value:
    value: float | None
    inputs: dict[str, Any]


@dataclass(frozen=True)
class Frame:
    """What one computation asks for: the areas, the scored months, the facts and the edition."""

    city: str
    districts: tuple[str, ...]
    months: tuple[str, ...]  # scored
    history: tuple[str, ...]  # scored months and eleven before them
    first_month: str  # the run's first month (no supply row exists before it)
    facts: Facts
    edition: Edition

    @property
    def areas(self) -> tuple[str, ...]:
        return (*self.districts, self.city)

    def trailing(self, month: str) -> list[str]:
        return domain.months_between(domain.add_months(month, -11), month)

    def total(self, name: str, area: str, month: str) -> float:
        return self.facts.total(name, area, month, self.city)

    def total12(self, name: str, area: str, month: str) -> float:
        return sum(self.total(name, area, m) for m in self.trailing(month))

    def key(self, area: str) -> str | None:
        return None if area == self.city else area


def _none(reason: str, **inputs: Any) -> Value:
    return Value(None, {**inputs, "missing": reason})


def _pct(part: float, whole: float) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


# --------------------------------------------------------------------------------------------- scale

_SCALE = {
    "new_sales_vs_plan": ("new_sales", "new_sales", "新建商品住房网签备案套数"),
    "new_supply_vs_plan": ("permitted_homes", "new_supply", "预售许可套数"),
    "resales_vs_plan": ("resales", "resales", "存量住房网签套数"),
}


def _scale(code: str) -> Callable[[Frame, str, str], Value]:
    column, baseline_key, label = _SCALE[code]

    def compute(fr: Frame, area: str, month: str) -> Value:
        trailing = fr.trailing(month)
        if domain.month_index(trailing[0]) < domain.month_index(fr.first_month):
            return _none("计算期起始月之前没有供需数据，不足 12 个月", first_month=fr.first_month, source=SUPPLY)
        rows = [fr.facts.supply.get((area, m)) for m in trailing]
        if any(r is None for r in rows):
            return _none("本次计算缺少该区域部分月份的供需数据", source=SUPPLY)
        n12 = sum(int(r[column]) for r in rows if r is not None)
        baseline = fr.edition.baselines[baseline_key]
        scale = fr.facts.scale or 1.0
        share = 1.0
        if area != fr.city:
            own, whole = fr.facts.population.get(area), fr.facts.population.get(None)
            if not own or not whole:
                return _none("街道数据库中没有该区或全市的常住人口，无法分摊基数", source=SUPPLY)
            share = own / whole
        base = baseline * scale * share
        return Value(
            100.0 * n12 / base,
            {
                "label": label,
                "last_12_months": n12,
                "window": [trailing[0], trailing[-1]],
                "plan_baseline": baseline,
                "synthetic_scale": fr.facts.scale,
                "district_share": None if area == fr.city else round(share, 6),
                "district_share_key": None if area == fr.city else f"常住人口占全市比重（{fr.facts.population_note}）",
                "baseline_used": round(base, 3),
                "source": f"{SUPPLY}.{column}；{fr.edition.baseline_source}",
            },
        )

    return compute


# ----------------------------------------------------------------------------------------- structure


def small_home_share(fr: Frame, area: str, month: str) -> Value:
    small = fr.total12("small_n", area, month)
    sales = fr.total12("new_n", area, month) + fr.total12("resale_n", area, month)
    inputs = {"small_le90_12m": small, "sales_12m": sales, "source": SALES}
    v = _pct(small, sales)
    return Value(v, inputs) if v is not None else _none("近 12 个月没有成交", **inputs)


def rental_share(fr: Frame, area: str, month: str) -> Value:
    leases = fr.total("leases", area, month)
    homes = fr.facts.homes.get(fr.key(area), 0)
    inputs = {"leases_in_force": leases, "homes": homes, "source": "租赁：已备案住房租赁合同；楼盘表（现房、使用）"}
    v = _pct(leases, homes)
    return Value(v, inputs) if v is not None else _none("楼盘表中没有现房、使用状态的住房", **inputs)


# --------------------------------------------------------------------------------------------- price


def _not_ok(fr: Frame, method: str, segment: str, area: str, months: Sequence[str]) -> str | None:
    """The reason the index cells of ``months`` cannot be used (a cell ``thin``, ``none`` or absent),
    else None."""
    for m in months:
        status = fr.facts.index_status.get((method, segment, area, m))
        if status is None:
            return f"本次计算没有 {m} 的指数值"
        if status != "ok":
            label = "样本不足（thin）" if status == "thin" else "无法估计（none）"
            return f"{m} 的指数值{label}，不用于评分"
    return None


def _index(segment: str, which: int) -> Callable[[Frame, str, str], Value]:
    def compute(fr: Frame, area: str, month: str) -> Value:
        got = fr.facts.index.get((segment, area, month))
        inputs: dict[str, Any] = {"segment": segment, "method": "hedonic", "band": "all", "source": INDEX}
        ratio = got[which] if got is not None else None
        if ratio is None:
            return _none("本次计算没有该区域、月份的指数值（样本不足或无法估计）", **inputs)
        compared = domain.add_months(month, -1 if which == 0 else -12)
        why = _not_ok(fr, "hedonic", segment, area, (compared, month))
        if why is not None:
            return _none(why, **inputs, cell_status=fr.facts.index_status.get(("hedonic", segment, area, month)))
        return Value(ratio - 100.0, {**inputs, ("mom" if which == 0 else "yoy"): ratio})

    return compute


def price_to_income(fr: Frame, area: str, month: str) -> Value:
    median = fr.facts.median_new.get((area, month))
    year = domain.parse_month(month)[0]
    income = fr.edition.income_for(year)
    inputs: dict[str, Any] = {
        "median_unit_price_fen": median,
        "standard_area_m2": fr.edition.standard_area,
        "income_source": fr.edition.income_source,
        "income_sample": fr.edition.income_sample,
        "source": "本次计算的分层中位数（market_index_values：新建、median、全部面积段）",
    }
    if median is None:
        return _none("本次计算没有该区域、月份的新建住宅成交单价中位数", **inputs)
    why = _not_ok(fr, "median", "new", area, (month,))
    if why is not None:
        return _none(why, **inputs)
    if income is None:
        return _none(f"本版本没有 {year} 年及以前的户均可支配收入", **inputs)
    inputs.update(income_year=income[0], household_income_yuan=income[1])
    return Value(median / 100 * fr.edition.standard_area / income[1], inputs)


# ------------------------------------------------------------------------------------- supply–demand


def months_of_supply(fr: Frame, area: str, month: str) -> Value:
    row = fr.facts.supply.get((area, month))
    if row is None:
        return _none("本次计算没有该区域、月份的供需数据", source=SUPPLY)
    inputs = {"inventory_area": str(row["inventory_area"]), "inventory_homes": row["inventory_homes"], "source": SUPPLY}
    if row["months_of_supply"] is None:
        return _none("近 12 个月没有新建商品住房成交，去化周期无法计算", **inputs)
    return Value(float(row["months_of_supply"]), inputs)


def _area_ratio(code: str, column: str, label: str) -> Callable[[Frame, str, str], Value]:
    def compute(fr: Frame, area: str, month: str) -> Value:
        trailing = fr.trailing(month)
        rows = [fr.facts.supply.get((area, m)) for m in trailing]
        if domain.month_index(trailing[0]) < domain.month_index(fr.first_month) or any(r is None for r in rows):
            return _none("不足 12 个月的供需数据", source=SUPPLY)
        num = sum(float(r[column]) for r in rows if r is not None)
        den = sum(float(r["new_sales_area"]) for r in rows if r is not None)
        inputs = {f"{column}_12m": round(num, 2), "new_sales_area_12m": round(den, 2), "label": label, "source": SUPPLY}
        if den == 0:
            return _none("近 12 个月没有新建商品住房成交面积", **inputs)
        return Value(num / den, inputs)

    return compute


# ---------------------------------------------------------------------------------------- assistance


def assistance_coverage(fr: Frame, area: str, month: str) -> Value:
    persons = fr.facts.covered.get((area, month), 0)
    population = fr.facts.population.get(fr.key(area))
    inputs = {
        "persons": persons,
        "population": population,
        "population_note": fr.facts.population_note,
        "source": "住房保障：保障待遇（月末正在享受）",
    }
    if not population:
        return _none("街道数据库中没有该区域的常住人口", **inputs)
    return Value(100.0 * persons / population, inputs)


def assisted_home_share(fr: Frame, area: str, month: str) -> Value:
    n = fr.total("assisted_homes", area, month)
    homes = fr.facts.homes.get(fr.key(area), 0)
    inputs = {"assisted_homes": n, "homes": homes, "source": "住房保障：保障房源（未撤回）；楼盘表（现房、使用）"}
    v = _pct(n, homes)
    return Value(v, inputs) if v is not None else _none("楼盘表中没有现房、使用状态的住房", **inputs)


# ---------------------------------------------------------------------------------------------- risk


def presale_supervision(fr: Frame, area: str, month: str) -> Value:
    sup, whole = fr.total12("supervised_fen", area, month), fr.total12("new_fen", area, month)
    inputs = {
        "supervised_fen_12m": int(sup),
        "filed_fen_12m": int(whole),
        "source": "交易：商品房买卖合同；预售资金监管账户",
    }
    v = _pct(sup, whole)
    return Value(v, inputs) if v is not None else _none("近 12 个月没有新建商品住房网签备案", **inputs)


def credit_events(fr: Frame, area: str, month: str) -> Value:
    events = fr.total12("credit_events", area, month)
    subjects = fr.facts.credit_subjects.get(fr.key(area), 0)
    inputs = {"events_12m": events, "subjects": subjects, "source": "信用：失信类信用事件；开发企业、经纪机构信用主体"}
    if subjects == 0:
        return _none("该区域没有开发企业、经纪机构的信用档案", **inputs)
    return Value(100.0 * events / subjects, inputs)


def _share_of_sales(name: str, label: str) -> Callable[[Frame, str, str], Value]:
    def compute(fr: Frame, area: str, month: str) -> Value:
        part = fr.total(name, area, month)
        sales = fr.total("new_n", area, month) + fr.total("resale_n", area, month)
        inputs = {name: part, "sales": sales, "label": label, "source": SALES}
        v = _pct(part, sales)
        return Value(v, inputs) if v is not None else _none("当月没有成交", **inputs)

    return compute


# -------------------------------------------------------------------------------------- expectations


def _listed(fr: Frame, area: str, month: str) -> ListedSales | None:
    return fr.facts.listed_sales.get((fr.key(area), month))


def listing_spread(fr: Frame, area: str, month: str) -> Value:
    got = _listed(fr, area, month)
    n = got.spread_sales if got is not None else 0
    inputs = {"sales_on_listings": n, "source": "交易：存量房挂牌房源及其买卖合同"}
    if got is None or got.mean_spread_pct is None:
        return _none("当月没有经挂牌成交的存量住房", **inputs)
    return Value(got.mean_spread_pct, inputs)


def days_on_market(fr: Frame, area: str, month: str) -> Value:
    got = _listed(fr, area, month)
    n = got.dated_sales if got is not None else 0
    inputs = {"sales_on_listings": n, "source": "交易：存量房挂牌发布时间、买卖合同签订日期"}
    if got is None or got.mean_days is None:
        return _none("当月没有经挂牌成交的存量住房", **inputs)
    return Value(got.mean_days, inputs)


def withdrawal_share(fr: Frame, area: str, month: str) -> Value:
    withdrawn, ended = fr.total("listings_withdrawn", area, month), fr.total("listings_ended", area, month)
    inputs = {"withdrawn": withdrawn, "ended": ended, "source": "交易：存量房挂牌房源（已撤回、已成交）"}
    v = _pct(withdrawn, ended)
    return Value(v, inputs) if v is not None else _none("当月没有结束的挂牌", **inputs)


COMPUTE: dict[str, Callable[[Frame, str, str], Value]] = {
    "new_sales_vs_plan": _scale("new_sales_vs_plan"),
    "new_supply_vs_plan": _scale("new_supply_vs_plan"),
    "resales_vs_plan": _scale("resales_vs_plan"),
    "small_home_share": small_home_share,
    "rental_share": rental_share,
    "new_price_yoy": _index("new", 1),
    "resale_price_yoy": _index("resale", 1),
    "new_price_mom": _index("new", 0),
    "resale_price_mom": _index("resale", 0),
    "price_to_income": price_to_income,
    "months_of_supply": months_of_supply,
    "land_to_sales": _area_ratio("land_to_sales", "land_floor_area", "出让土地规划建筑面积"),
    "supply_to_sales": _area_ratio("supply_to_sales", "permitted_area", "预售许可面积"),
    "assistance_coverage": assistance_coverage,
    "assisted_home_share": assisted_home_share,
    "presale_supervision": presale_supervision,
    "credit_events": credit_events,
    "mortgage_share": _share_of_sales("loan_n", "贷款金额大于 0 的成交套数"),
    "investor_share": _share_of_sales("investor_n", "购房时已拥有 2 套及以上住房的买受人成交套数"),
    "listing_spread": listing_spread,
    "days_on_market": days_on_market,
    "withdrawal_share": withdrawal_share,
}


def compute_all(fr: Frame, codes: Sequence[str]) -> dict[tuple[str, str, str], Value]:
    """(indicator, area, month) → value for every indicator of ``codes``, area and scored month."""
    return {
        (code, area, month): COMPUTE[code](fr, area, month)
        for code in codes
        for area in fr.areas
        for month in fr.months
    }
