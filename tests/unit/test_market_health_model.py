"""The health model as data (no database): the sample edition loads, normalisation scores, a bad edition
is refused naming its key, missing indicators re-weight their dimension, the warning rules' kinds, and
the forecast's refusals and back-test."""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest

from anju.market import domain
from anju.market.forecast import forecast_series
from anju.market.health import _weighted, scored_months
from anju.market.health_model import (
    HealthModelError,
    Normalisation,
    Rule,
    edition_from_dict,
    edition_on,
    load_editions,
    sample_path,
)
from anju.market.indicator_codes import INDICATORS
from anju.market.indicators import COMPUTE
from anju.market.warnings import ACTIONS, fires

RAW = tomllib.loads(sample_path("320100").read_text(encoding="utf-8"))["edition"][0]


def raw() -> dict[str, Any]:
    return copy.deepcopy(RAW)


def test_the_sample_edition_has_the_seven_dimensions_with_weights_summing_to_one() -> None:
    (ed,) = load_editions(sample_path("320100"), INDICATORS)
    assert ed.sample and ed.code == "nj-sample-2021"
    assert [d.code for d in ed.dimensions] == list(domain.DIMENSIONS)
    assert math.isclose(sum(d.weight for d in ed.dimensions), 1)
    for d in ed.dimensions:
        assert len(d.indicators) >= 2
        assert math.isclose(sum(i.weight for i in d.indicators), 1)
    assert ed.baselines == {"new_supply": 93200, "new_sales": 92900, "resales": 110000}
    assert ed.grade(85) == "健康" and ed.grade(65) == "基本健康" and ed.grade(10) == "预警" and ed.grade(None) is None
    assert ed.income_for(2030) == (2025, 225700) and ed.income_for(2000) is None
    assert set(COMPUTE) == set(INDICATORS)


def test_normalisation_band_lower_higher() -> None:
    band = Normalisation("band", healthy=(85, 115), zero=(40, 160))
    assert band.score(100) == 100 and band.score(85) == 100 and band.score(40) == 0 and band.score(10) == 0
    assert band.score(62.5) == pytest.approx(50) and band.score(137.5) == pytest.approx(50)
    assert band.score(None) is None and band.score(float("nan")) is None
    lower = Normalisation("lower", good=10, bad=25)
    assert lower.score(5) == 100 and lower.score(17.5) == pytest.approx(50) and lower.score(30) == 0
    higher = Normalisation("higher", good=20, bad=3)
    assert higher.score(25) == 100 and higher.score(11.5) == pytest.approx(50) and higher.score(1) == 0
    assert "健康区间" in band.describe()


def _refused(edit: Any, where: str) -> None:
    r = raw()
    edit(r)
    with pytest.raises(HealthModelError) as e:
        edition_from_dict(r, INDICATORS)
    assert where in str(e.value), str(e.value)


def test_a_bad_edition_is_refused_naming_the_key() -> None:
    def weights(r: dict[str, Any]) -> None:
        r["dimensions"]["scale"]["weight"] = 0.2

    _refused(weights, "nj-sample-2021.dimensions: 权重之和应为 1")

    def inner(r: dict[str, Any]) -> None:
        r["dimensions"]["price"]["indicators"][0]["weight"] = 0.5

    _refused(inner, "dimensions.price.indicators: 权重之和应为 1")

    def code(r: dict[str, Any]) -> None:
        r["dimensions"]["risk"]["indicators"][1]["code"] = "nonsense"

    _refused(code, "dimensions.risk.indicators[1].code: 未知的指标代码 nonsense")

    def grades(r: dict[str, Any]) -> None:
        r["grades"][1]["min"] = 90

    _refused(grades, "grades: 各等级最低分应依次递减")

    def band(r: dict[str, Any]) -> None:
        r["dimensions"]["scale"]["indicators"][0]["normalise"]["zero"] = [90, 160]

    _refused(band, "indicators[0].normalise.zero")

    def missing(r: dict[str, Any]) -> None:
        del r["dimensions"]["assistance"]

    _refused(missing, "缺少维度 assistance")

    def rule(r: dict[str, Any]) -> None:
        r["rules"][0]["indicator"] = "score:nothing"

    _refused(rule, "rules[0].indicator")

    def severity(r: dict[str, Any]) -> None:
        r["rules"][0]["severity"] = "purple"

    _refused(severity, "rules[0].severity")

    def covered(r: dict[str, Any]) -> None:
        r["min_covered_weight"] = 1.5

    _refused(covered, "min_covered_weight: 应大于 0 且不大于 1")

    def single(r: dict[str, Any]) -> None:
        r["dimensions"]["structure"]["indicators"] = r["dimensions"]["structure"]["indicators"][:1]

    _refused(single, "structure.indicators: 每个维度至少两个指标")

    def renamed(r: dict[str, Any]) -> None:  # the dictionary defines the name and the unit, once
        r["dimensions"]["price"]["indicators"][0]["name"] = "房价涨幅"

    _refused(renamed, "price.indicators[0].name: 应与指标字典一致（market.new_price_yoy：新建商品住宅价格同比）")

    def unit(r: dict[str, Any]) -> None:
        r["dimensions"]["price"]["indicators"][0]["unit"] = "倍"

    _refused(unit, "dimensions.price.indicators[0].unit: 应与指标字典一致")


def test_every_indicator_the_computation_offers_is_in_the_dictionary_as_a_monthly_market_figure() -> None:
    from anju import indicators

    for code, name in INDICATORS.items():
        entry = indicators.get(f"market.{code}")
        assert entry.name == name and entry.owner == "market" and entry.frequency == "month"
        assert entry.provider is None and entry.levels == ("city", "district") and entry.calibre


def test_editions_are_dated(tmp_path: Path) -> None:
    text = sample_path("320100").read_text(encoding="utf-8")
    later = text.split("\n[[edition]]\n", 1)[1].replace('code = "nj-sample-2021"', 'code = "nj-sample-2025"')
    later = later.replace("valid_from = 2021-01-01", "valid_from = 2025-01-01")
    path = tmp_path / "health.toml"
    path.write_text(text + "\n[[edition]]\n" + later, encoding="utf-8")
    eds = load_editions(path, INDICATORS)
    from datetime import date

    assert edition_on(eds, date(2024, 12, 31)).code == "nj-sample-2021"
    assert edition_on(eds, date(2025, 1, 1)).code == "nj-sample-2025"
    path.write_text(text + "\n[[edition]]\n" + later.replace("2025-01-01", "2021-01-01"), encoding="utf-8")
    with pytest.raises(HealthModelError, match="valid_from 相同"):
        load_editions(path, INDICATORS)


def test_a_missing_indicator_reweights_its_dimension() -> None:
    w = _weighted([("a", 0.5, 80.0), ("b", 0.3, None), ("c", 0.2, 40.0)], 0.5)
    assert w.score == pytest.approx((0.5 * 80 + 0.2 * 40) / 0.7)
    assert [p["missing"] for p in w.parts] == [False, True, False]
    assert sum(p["effective_weight"] for p in w.parts) == pytest.approx(1)
    assert w.status == "reweighted" and w.covered == pytest.approx(0.7)
    nothing = _weighted([("a", 1.0, None)], 0.5)
    assert (nothing.score, nothing.status) == (None, "empty")


def test_a_dimension_with_too_little_weight_present_is_not_scored() -> None:
    # one indicator of weight 0.2 out of 1.0: below the minimum covered weight 0.5, no score
    few = _weighted([("a", 0.2, 90.0), ("b", 0.4, None), ("c", 0.4, None)], 0.5)
    assert few.score is None and few.status == "insufficient" and few.covered == pytest.approx(0.2)
    assert "20%" in (few.reason or "") and "50%" in (few.reason or "")
    assert all(p["effective_weight"] == 0 for p in few.parts)
    # exactly at the minimum it is scored
    half = _weighted([("a", 0.5, 90.0), ("b", 0.5, None)], 0.5)
    assert half.score == pytest.approx(90.0) and half.status == "reweighted"
    assert _weighted([("a", 0.5, 90.0), ("b", 0.5, 70.0)], 0.5).status == "ok"


def test_score_rows_say_why_a_dimension_is_empty() -> None:
    import json

    from anju.market.health import score
    from anju.market.indicators import Value

    (ed,) = load_editions(sample_path("320100"), INDICATORS)
    assert ed.min_covered_weight == 0.5
    values = {(c, "A", "2024-06"): Value(None, {"missing": "x"}) for c in ed.indicators}
    first = ed.dimensions[0]
    values[(first.indicators[0].code, "A", "2024-06")] = Value(1.0, {})
    _, rows = score(ed, values, ("A",), ("2024-06",))
    by = {r["dimension"]: r for r in rows}
    row = by[first.code]
    contrib = json.loads(row["contributions"])
    if first.indicators[0].weight < 0.5:
        assert row["score"] is None and contrib["status"] == "insufficient" and contrib["reason"]
    total = json.loads(by[domain.TOTAL]["contributions"])
    assert by[domain.TOTAL]["score"] is None and total["status"] in ("insufficient", "empty")


def test_scored_months_are_the_last_window() -> None:
    assert scored_months("2020-01", "2021-12", 3) == ["2021-10", "2021-11", "2021-12"]
    assert scored_months("2021-11", "2021-12", 24) == ["2021-11", "2021-12"]


def _rule(kind: str, op: str, threshold: float, months: int = 1) -> Rule:
    return Rule("r", "x", kind, op, threshold, months, "yellow", "测试")


def test_rules_level_change_persistence() -> None:
    s = {
        ("x", "A", "2024-01"): 5.0,
        ("x", "A", "2024-02"): 12.0,
        ("x", "A", "2024-03"): 13.0,
        ("x", "A", "2024-04"): None,
    }
    level = fires(_rule("level", ">", 10), s, "A", "2024-02")
    assert level is not None and level.inputs == {"value": 12.0, "threshold": 10}
    assert fires(_rule("level", ">", 10), s, "A", "2024-01") is None
    assert fires(_rule("level", ">", 10), s, "A", "2024-04") is None  # a missing value never fires
    change = fires(_rule("change", ">", 6, 2), s, "A", "2024-03")
    assert change is not None and change.inputs["change"] == 8.0 and change.inputs["before_month"] == "2024-01"
    assert fires(_rule("change", ">", 6, 3), s, "A", "2024-03") is None  # no value three months before
    assert fires(_rule("persistence", ">", 10, 2), s, "A", "2024-03") is not None
    assert fires(_rule("persistence", ">", 10, 3), s, "A", "2024-03") is None


def test_the_warning_state_machine() -> None:
    assert ACTIONS == {"open": ("acknowledge", "close"), "acknowledged": ("close",), "closed": ()}


def test_forecasts_refuse_short_and_constant_series_and_report_a_backtest() -> None:
    months = domain.months_between("2021-01", "2024-12")
    assert "少于 24 个月" in str(forecast_series("s", "A", months[:10], [1.0] * 10, log=True))
    assert "常数" in str(forecast_series("s", "A", months, [3.0] * len(months), log=True))
    values = [100 + 10 * math.sin(i / 12 * 2 * math.pi) + i * 0.5 + ((i * 7919) % 13) / 4 for i in range(len(months))]
    f = forecast_series("sales_new", "A", months, values, log=True)
    assert not isinstance(f, str)
    assert f.months == ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06")
    assert all(lo <= v <= hi for lo, v, hi in zip(f.lower, f.values, f.upper, strict=True))
    assert f.mape is not None and 0 <= f.mape < 20
    assert f.model.startswith("SARIMAX(1,1,1)(0,1,1,12)")


def test_indicators_from_facts_city_sums_districts_and_missing_is_said() -> None:
    from anju.market.indicator_facts import Facts, ListedSales
    from anju.market.indicators import Frame

    (ed,) = load_editions(sample_path("320100"), INDICATORS)
    f = Facts()
    f.sums["new_n"][("A", "2024-06")] = 8
    f.sums["resale_n"][("A", "2024-06")] = 2
    f.sums["resale_n"][(None, "2024-06")] = 10  # no known district: the city's only
    f.sums["loan_n"][("A", "2024-06")] = 5
    f.sums["investor_n"][("A", "2024-06")] = 1
    f.sums["listings_withdrawn"][("A", "2024-06")] = 1
    f.sums["listings_ended"][("A", "2024-06")] = 4
    # two sales on listings: spreads 5 % and 0 %, one with a publication date (30 days)
    f.listed_sales[("A", "2024-06")] = ListedSales(2, 2, 2.5, 1, 30.0)
    f.listed_sales[(None, "2024-06")] = ListedSales(2, 2, 2.5, 1, 30.0)
    f.homes = {"A": 100, None: 400}
    f.sums["leases"][("A", "2024-06")] = 12
    months = ("2024-06",)
    fr = Frame("C", ("A", "B"), months, tuple(domain.months_between("2023-07", "2024-06")), "2023-01", f, ed)
    assert COMPUTE["mortgage_share"](fr, "A", "2024-06").value == pytest.approx(50)
    assert COMPUTE["mortgage_share"](fr, "C", "2024-06").value == pytest.approx(25)  # 5 of 20
    assert COMPUTE["investor_share"](fr, "A", "2024-06").value == pytest.approx(10)
    assert COMPUTE["withdrawal_share"](fr, "A", "2024-06").value == pytest.approx(25)
    assert COMPUTE["listing_spread"](fr, "A", "2024-06").value == pytest.approx(2.5)  # (5 % + 0 %) / 2
    assert COMPUTE["days_on_market"](fr, "A", "2024-06").value == 30
    assert COMPUTE["rental_share"](fr, "A", "2024-06").value == pytest.approx(12)
    nothing = COMPUTE["mortgage_share"](fr, "B", "2024-06")
    assert nothing.value is None and nothing.inputs["missing"] == "当月没有成交"
    assert COMPUTE["days_on_market"](fr, "B", "2024-06").value is None
    # no supply rows of the run: the scale and supply figures are missing, not zero
    scale = COMPUTE["new_sales_vs_plan"](fr, "A", "2024-06")
    assert scale.value is None and "供需数据" in scale.inputs["missing"]


def test_a_forecast_series_stops_at_a_thin_or_none_index_cell() -> None:
    from anju.market.forecast import usable_run

    months = domain.months_between("2024-01", "2024-06")
    points = {m: 100.0 for m in months if m != "2024-03"}
    run, why = usable_run(months, points, {"2024-03": "thin"})
    assert run == ["2024-04", "2024-05", "2024-06"]
    assert why is not None and "2024-03" in why and "thin" in why
    # a plain gap (no index row) stops it too, without a flag to report
    run, why = usable_run(months, points, {})
    assert run == ["2024-04", "2024-05", "2024-06"] and why is None
    assert usable_run(months, {m: 1.0 for m in months}, {}) == (months, None)


def _frame(f: Any) -> Any:
    from anju.market.indicators import Frame

    (ed,) = load_editions(sample_path("320100"), INDICATORS)
    months = ("2024-06",)
    return Frame("C", ("A", "B"), months, tuple(domain.months_between("2023-07", "2024-06")), "2023-01", f, ed)


def test_thin_or_none_index_cells_give_no_price_indicator() -> None:
    from anju.market.indicator_facts import Facts

    f = Facts()
    for area in ("A", "B"):
        f.index[("new", area, "2024-06")] = (101.0, 105.0)
        f.index_status[("hedonic", "new", area, "2024-05")] = "ok"
        f.index_status[("hedonic", "new", area, "2023-06")] = "ok"
    f.index_status[("hedonic", "new", "A", "2024-06")] = "ok"
    f.index_status[("hedonic", "new", "B", "2024-06")] = "thin"
    fr = _frame(f)
    assert COMPUTE["new_price_mom"](fr, "A", "2024-06").value == pytest.approx(1.0)
    assert COMPUTE["new_price_yoy"](fr, "A", "2024-06").value == pytest.approx(5.0)
    thin = COMPUTE["new_price_mom"](fr, "B", "2024-06")
    assert thin.value is None and "thin" in thin.inputs["missing"] and thin.inputs["cell_status"] == "thin"
    # the month compared with counts too: a none cell a year before stops the year-on-year figure
    f.index_status[("hedonic", "new", "A", "2023-06")] = "none"
    yoy = COMPUTE["new_price_yoy"](fr, "A", "2024-06")
    assert yoy.value is None and "2023-06" in yoy.inputs["missing"]
    # the median behind price-to-income likewise
    f.median_new[("A", "2024-06")] = 2_000_000
    f.index_status[("median", "new", "A", "2024-06")] = "thin"
    pti = COMPUTE["price_to_income"](fr, "A", "2024-06")
    assert pti.value is None and "thin" in pti.inputs["missing"]


def test_the_district_scale_baseline_is_split_by_population_not_by_its_own_sales() -> None:
    from anju.market.indicator_facts import Facts

    f = Facts()
    f.population = {None: 1000, "A": 250, "B": 750}
    f.population_note = "2023 年城镇常住人口"
    for m in domain.months_between("2023-07", "2024-06"):
        for area, n in (("A", 10), ("B", 10), ("C", 20)):
            f.supply[(area, m)] = {"new_sales": n, "permitted_homes": n, "resales": n}
    fr = _frame(f)
    baseline = fr.edition.baselines["new_sales"]
    a = COMPUTE["new_sales_vs_plan"](fr, "A", "2024-06")
    b = COMPUTE["new_sales_vs_plan"](fr, "B", "2024-06")
    assert a.inputs["district_share"] == 0.25 and b.inputs["district_share"] == 0.75
    # same sales, different population: A is measured against a quarter of the baseline, B three quarters
    assert a.value == pytest.approx(100 * 120 / (baseline * 0.25))
    assert b.value == pytest.approx(100 * 120 / (baseline * 0.75))
    # doubling A's own sales doubles its indicator (its share of the baseline does not move with them)
    for m in domain.months_between("2023-07", "2024-06"):
        f.supply[("A", m)] = {"new_sales": 20, "permitted_homes": 20, "resales": 20}
    assert a.value is not None
    assert COMPUTE["new_sales_vs_plan"](fr, "A", "2024-06").value == pytest.approx(2 * a.value)
    f.population = {None: 1000}
    missing = COMPUTE["new_sales_vs_plan"](fr, "A", "2024-06")
    assert missing.value is None and "人口" in missing.inputs["missing"]
