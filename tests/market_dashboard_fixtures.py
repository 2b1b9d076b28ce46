"""Fixture rows of a finished market run for the dashboard, publication, public page and report tests (and
the bench): written straight into the result tables (the computation is tested elsewhere).

Figures are deterministic functions of (area, month, …) so tests can state the expected value: see
:func:`new_sales`, :func:`index_value`, :func:`health_score`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert

from anju.core import clock
from anju.market import domain
from anju.market.runs import finish_run, start_run
from anju.market.tables import (
    market_forecasts,
    market_health_scores,
    market_index_values,
    market_supply,
    market_warnings,
)


def new_sales(area_no: int, month_no: int) -> int:
    """New-home sales of the ``area_no``-th area (0 the city) in the ``month_no``-th month."""
    return 300 + 7 * month_no if area_no == 0 else 20 + 3 * area_no + month_no % 5


def resales(area_no: int, month_no: int) -> int:
    return 200 + 5 * month_no if area_no == 0 else 10 + 2 * area_no + month_no % 3


def index_value(area_no: int, month_no: int, segment: str, method: str, band: str) -> float:
    base = 100.0 + 0.5 * month_no + 0.1 * area_no
    return round(
        base
        + (0.2 if segment == "resale" else 0)
        + 0.01 * list(domain.METHODS).index(method)
        + 0.001 * [b.code for b in domain.BANDS].index(band),
        4,
    )


def health_score(area_no: int, month_no: int, dim_no: int) -> float:
    return round(50 + (area_no * 3 + month_no + dim_no * 5) % 45, 2)


def make_run(
    conn: Connection,
    *,
    city: str,
    districts: Sequence[str],
    first: str = "2025-01",
    last: str = "2026-03",
    synthetic: bool = False,
    small: dict[str, int] | None = None,
    methods: Sequence[str] = tuple(domain.METHODS),
    bands: Sequence[str] = tuple(domain.BAND_LABELS),
    warnings: int = 6,
    status: str = "done",
) -> int:
    """A run (``done`` unless ``status``) with index values, supply, health scores, warnings and
    forecasts for the city and ``districts`` over ``first``..``last``. ``small`` gives districts whose
    new-home sales are that small in every month (to exercise suppression)."""
    months = domain.months_between(first, last)
    run = start_run(
        conn,
        engine="duckdb",
        first_month=first,
        last_month=last,
        edition="test-1",
        params={"synthetic": synthetic},
        started_by="test",
    )
    areas = [city, *districts]
    small = small or {}
    supply: list[dict[str, Any]] = []
    for a, code in enumerate(areas):
        for m, month in enumerate(months):
            ns = small.get(code, new_sales(a, m))
            supply.append(
                {
                    "run_id": run.id,
                    "area_code": code,
                    "month": month,
                    "land_parcels": (a + m) % 3,
                    "land_floor_area": Decimal("10000.00") * ((a + m) % 3),
                    "land_price_fen": 50_000_000_00 * ((a + m) % 3),
                    "projects": 2,
                    "permits": 1 + m % 2,
                    "permitted_homes": 100 + m,
                    "permitted_area": Decimal("9000.00"),
                    "completed_homes": 50,
                    "new_sales": ns,
                    "new_sales_area": Decimal(ns * 95),
                    "new_sales_fen": ns * 95 * 30_000_00,
                    "resales": resales(a, m),
                    "resales_area": Decimal(resales(a, m) * 85),
                    "resales_fen": resales(a, m) * 85 * 25_000_00,
                    "inventory_homes": 5000 - 10 * m + a,
                    "inventory_area": Decimal(475000 - 950 * m),
                    "months_of_supply": round(12.0 - 0.1 * m + a * 0.01, 2),
                }
            )
    conn.execute(insert(market_supply), supply)
    ix: list[dict[str, Any]] = []
    for a, code in enumerate(areas):
        for seg in domain.SEGMENTS:
            for meth in methods:
                for band in bands:
                    for m, month in enumerate(months):
                        v = index_value(a, m, seg, meth, band)
                        prev = index_value(a, m - 1, seg, meth, band) if m >= 1 else None
                        yago = index_value(a, m - 12, seg, meth, band) if m >= 12 else None
                        ix.append(
                            {
                                "run_id": run.id,
                                "segment": seg,
                                "method": meth,
                                "area_code": code,
                                "band": band,
                                "month": month,
                                "value": v,
                                "mom": None if prev is None else round(v / prev * 100, 4),
                                "yoy": None if yago is None else round(v / yago * 100, 4),
                                "observations": 30,
                                "median_unit_price_fen": 30_000_00 + 100_00 * m + 1000_00 * a
                                if meth == "median"
                                else None,
                                "status": "ok",
                            }
                        )
    conn.execute(insert(market_index_values), ix)
    dims = [*domain.DIMENSIONS, domain.TOTAL]
    hs = [
        {
            "run_id": run.id,
            "area_code": code,
            "month": month,
            "dimension": d,
            "score": health_score(a, m, i),
            "grade": "健康" if d == domain.TOTAL else None,
            "contributions": "{}",
        }
        for a, code in enumerate(areas)
        for m, month in enumerate(months)
        for i, d in enumerate(dims)
    ]
    conn.execute(insert(market_health_scores), hs)
    now = clock.now()
    ws = []
    for i in range(warnings):
        code = areas[i % len(areas)]
        ws.append(
            {
                "rule": f"r{run.id}-{i}",
                "edition": "test-1",
                "indicator": "months_of_supply",
                "area_code": code,
                "month": months[-1 - (i // len(areas)) % len(months)],
                "severity": list(domain.SEVERITIES)[i % 4],
                "message": f"测试预警{i}（{code}）",
                "inputs": json.dumps({"value": i}),
                "status": "open" if i % 5 != 4 else "closed",
                "run_id": run.id,
                "raised_at": now,
            }
        )
    if ws:
        conn.execute(insert(market_warnings), ws)
    fc = [
        {
            "run_id": run.id,
            "series": "sales_new",
            "area_code": code,
            "month": domain.add_months(last, h),
            "value": 100.0,
            "lower": 80.0,
            "upper": 120.0,
            "level": 0.8,
            "model": "SARIMAX(1,0,0)",
            "backtest_mape": 0.1,
        }
        for code in areas
        for h in (1, 2, 3)
    ]
    conn.execute(insert(market_forecasts), fc)
    if status != "running":
        finish_run(conn, run.id, status=status, summary={"test": True})
    return run.id
