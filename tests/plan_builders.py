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


def store_values(engine: object, rows: list[tuple[str, str, str, int, str | None, str | None]]) -> None:
    """Stored indicator values written directly (as a refresh would leave them): (code, level, area,
    year, value text or None, missing reason)."""
    from sqlalchemy import Engine, delete, insert

    from anju.core import clock
    from anju.indicators.tables import indicator_runs, indicator_values

    assert isinstance(engine, Engine)
    with engine.begin() as conn:
        pk = conn.execute(
            insert(indicator_runs).values(
                started_at=clock.now(),
                finished_at=clock.now(),
                status="done",
                years="2021",
                values_written=len(rows),
                actor="test",
            )
        ).inserted_primary_key
        assert pk is not None
        for code, level, area, year, _v, _m in rows:
            V = indicator_values.c  # noqa: N806
            conn.execute(
                delete(indicator_values).where(V.code == code, V.level == level, V.area_code == area, V.year == year)
            )
        conn.execute(
            insert(indicator_values),
            [
                {"code": c, "level": lv, "area_code": a, "year": y, "value": v, "missing": m, "run_id": int(pk[0])}
                for c, lv, a, y, v, m in rows
            ],
        )
