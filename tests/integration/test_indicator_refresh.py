"""Refreshing the indicator values: what a provider gives is checked, stored in one transaction with
its audit row, replaced on the next refresh, read within the caller's scope; a failing refresh writes
nothing but its failed run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

import pytest
from sqlalchemy import Connection, Engine, func, select

from anju.core.scope import Scope
from anju.indicators import Indicator, IndicatorError, Measurement, Provider, last_run, refresh, values
from anju.indicators.tables import indicator_values
from anju.security.tables import audit_log

ENTRY = Indicator(
    code="test.homes_per_household",
    name="套户比",
    unit="",
    formula="住房套数 ÷ 户数",
    source="测试",
    calibre="测试",
    levels=("city", "district", "street"),
    owner="test",
    provider="test:homes",
    decimals=2,
)
ENTRIES = {ENTRY.code: ENTRY}


def _provider(factor: Decimal, extra: Iterable[Measurement] = ()) -> Provider:
    def provider(conn: Connection, years: Sequence[int]) -> Iterable[Measurement]:
        for y in years:
            yield Measurement(ENTRY.code, "city", "320100", y, factor)
            yield Measurement(ENTRY.code, "district", "320102", y, factor * 2)
            yield Measurement(ENTRY.code, "street", "320102001", y, Decimal("1.005") * factor)
            yield Measurement(ENTRY.code, "street", "320104001", y, None, "缺少该街道的户数")
        yield from extra

    return provider


def _run(engine: Engine, provider: Provider, years: Sequence[int] = (2023, 2024)) -> int:
    return refresh(engine, years, entries=ENTRIES, resolve=lambda _spec: provider).values


def test_values_are_stored_rounded_replaced_and_read_within_the_scope(empty_engine: Engine) -> None:
    assert _run(empty_engine, _provider(Decimal(1))) == 8
    assert _run(empty_engine, _provider(Decimal(3)), years=(2024,)) == 4
    with empty_engine.connect() as conn:
        every = values(conn, Scope.whole_city("320100"), codes=[ENTRY.code])
        assert {(v.area_code, v.year): v.value for v in every if v.level != "street"} == {
            ("320100", 2023): Decimal(1), ("320102", 2023): Decimal(2),
            ("320100", 2024): Decimal(3), ("320102", 2024): Decimal(6),
        }  # fmt: skip
        street = {(v.area_code, v.year): (v.value, v.missing) for v in every if v.level == "street"}
        assert street[("320102001", 2023)] == (Decimal("1.00"), None)  # 1.005 to the dictionary's 2 places
        assert street[("320104001", 2024)] == (None, "缺少该街道的户数")
        district = Scope.of_streets("district", "320102", ["320102001", "320102002"])
        mine = {(v.area_code, v.year) for v in values(conn, district, years=[2024])}
        assert mine == {("320102", 2024), ("320102001", 2024)}  # never the city, never another district
        run = last_run(conn)
        assert run is not None and run.status == "done" and run.values_written == 4
        assert conn.execute(select(func.count()).where(audit_log.c.action == "indicators.refresh")).scalar() == 2


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (Measurement("test.other", "city", "320100", 2023, Decimal(1)), "不由它计算的指标"),
        (Measurement(ENTRY.code, "city", "320100", 2019, Decimal(1)), "年份 2019"),
        (Measurement(ENTRY.code, "city", "320100", 2023, None), "须说明缺少的数据"),
        (Measurement(ENTRY.code, "city", "320100", 2023, Decimal("NaN")), "有限的十进制数"),
        (Measurement(ENTRY.code, "city", "320100", 2023, Decimal(5)), "同一地区同一年给出了两个值"),
    ],
)
def test_a_wrong_measurement_fails_the_refresh_and_keeps_the_old_values(
    empty_engine: Engine, bad: Measurement, message: str
) -> None:
    _run(empty_engine, _provider(Decimal(1)))
    with pytest.raises(IndicatorError, match=message):
        _run(empty_engine, _provider(Decimal(7), [bad]))
    with empty_engine.connect() as conn:
        assert {v.value for v in values(conn, Scope.whole_city(), level="city")} == {Decimal(1)}
        run = last_run(conn)
        assert run is not None and run.status == "failed" and run.error is not None and message in run.error
        outcomes = conn.execute(select(audit_log.c.outcome).where(audit_log.c.action == "indicators.refresh"))
        assert sorted(outcomes.scalars()) == ["failed", "ok"]
        assert conn.execute(select(func.count()).select_from(indicator_values)).scalar() == 8


def test_an_unknown_code_or_no_year_is_refused_before_anything_runs(empty_engine: Engine) -> None:
    with pytest.raises(IndicatorError, match=r"codes: 不是字典中可计算的指标：test\.nothing"):
        refresh(empty_engine, [2024], codes=["test.nothing"], entries=ENTRIES)
    with pytest.raises(IndicatorError, match="years"):
        refresh(empty_engine, [], entries=ENTRIES)
    with empty_engine.connect() as conn:
        assert last_run(conn) is None
