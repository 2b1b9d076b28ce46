"""Small plans built directly (the plan-data loader is not needed for the monitoring's tests)."""

from __future__ import annotations

from decimal import Decimal

from anju.plan.domain import Comparison, Period, Plan, Target

CITY = "320100"


def target(
    key: str = "t",
    *,
    value: str = "100",
    comparison: Comparison = "at_least",
    period: Period = "cumulative",
    indicator: str = "test.supply",
    area: str = CITY,
    year: int | None = None,
    factor: str = "1",
    unit: str = "套",
    label: str = "供应住房",
    tolerance: str = "0.05",
) -> Target:
    return Target(
        key=key,
        label=label,
        indicator=indicator,
        unit=unit,
        value=Decimal(value),
        comparison=comparison,
        nature="expected",
        period=period,
        source="专栏3",
        area=area,
        year=year,
        factor=Decimal(factor),
        tolerance=Decimal(tolerance),
    )


def plan(*targets: Target, first: int = 2021, last: int = 2025, code: str = "320100-14th") -> Plan:
    return Plan(
        code=code,
        edition=1,
        name="南京市“十四五”城镇住房发展规划",
        city=CITY,
        first_year=first,
        last_year=last,
        targets=tuple(targets),
        tables=(),
    )
