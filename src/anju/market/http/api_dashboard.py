"""The monitoring dashboard's JSON and CSV (``/api/v1/market/dashboard/…``, ``market.read``): answered from
the latest finished run's stored rows only, within the caller's scope (a district officer: their
district and the city). Before the first run: ``run`` null and nothing else."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from anju.core import csvout
from anju.market import dashboard as dash
from anju.market import supply as market_supply
from anju.market.health_queries import WARNING_CSV_HEADER
from anju.market.http.api_health import WarningOut
from anju.market.http.deps import MarketRead
from anju.market.runs import latest_is_synthetic, synthetic_note
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/market/dashboard", responses=ERRORS)

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
AreaQ = Annotated[str | None, Query(pattern=r"^\d{6}$", description="区域代码：区（县）或全市；缺省为全市")]
MonthQ = Annotated[str | None, Query(pattern=MONTH, description="月份 YYYY-MM；缺省为本次计算的最后一个月")]
MonthsQ = Annotated[int, Query(ge=1, le=dash.MAX_MONTHS, description="月数")]
SegmentQ = Annotated[Literal["new", "resale"], Query(description="new：新建商品住宅；resale：二手住宅")]
MethodQ = Annotated[
    Literal["hedonic", "repeat-sales-geometric", "repeat-sales-arithmetic", "median"], Query(description="指数方法")
]
BandQ = Annotated[Literal["all", "le90", "90to144", "gt144"], Query(description="面积段")]
Table = Literal["supply", "indices", "health", "warnings"]


@router.get("/summary", operation_id="market_dashboard_summary")
def summary(uow: UowDep, caller: MarketRead, settings: SettingsDep) -> dash.Summary:
    """The latest finished run, the areas the caller may see and the months it covers."""
    with uow.read() as conn:
        return dash.summary(conn, caller.scope, settings.city_code)


@router.get("/supply", operation_id="market_dashboard_supply")
def supply(
    uow: UowDep,
    caller: MarketRead,
    settings: SettingsDep,
    area: AreaQ = None,
    months: MonthsQ = 36,
    until: MonthQ = None,
) -> dash.SupplySeries:
    """The supply pipeline of one area month by month: land, permits, sales, inventory, months of supply."""
    with uow.read() as conn:
        return dash.supply(conn, caller.scope, settings.city_code, area=area, months=months, last=until)


@router.get("/indices", operation_id="market_dashboard_indices")
def indices(
    uow: UowDep,
    caller: MarketRead,
    settings: SettingsDep,
    segment: SegmentQ = "new",
    method: MethodQ = "hedonic",
    band: BandQ = "all",
    area: AreaQ = None,
    months: MonthsQ = 36,
    until: MonthQ = None,
) -> dash.Indices:
    """Price-index series of one segment × method × band, for one area or every area the caller may see."""
    with uow.read() as conn:
        return dash.indices(
            conn,
            caller.scope,
            settings.city_code,
            segment=segment,
            method=method,
            band=band,
            area=area,
            months=months,
            last=until,
        )


@router.get("/health", operation_id="market_dashboard_health")
def health(
    uow: UowDep,
    caller: MarketRead,
    settings: SettingsDep,
    month: MonthQ = None,
    area: AreaQ = None,
    months: MonthsQ = 36,
) -> dash.Health:
    """The seven-dimension health scores of every visible area in a month (the radar), and one area's
    scores over time."""
    with uow.read() as conn:
        return dash.health(conn, caller.scope, settings.city_code, month=month, area=area, months=months)


@router.get("/warnings", operation_id="market_dashboard_warnings")
def warnings(
    uow: UowDep, caller: MarketRead, settings: SettingsDep, paging: PagingDep, area: AreaQ = None
) -> Page[WarningOut]:
    """Open early warnings of the visible areas, the newest month first, paginated."""
    with uow.read() as conn:
        page = dash.open_warnings(
            conn, caller.scope, settings.city_code, area=area, limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[WarningOut(**asdict(w)) for w in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/{table}.csv",
    operation_id="market_dashboard_csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM，Excel 可直接打开；合成数据末行注明"}},
)
def table_csv(
    uow: UowDep,
    caller: MarketRead,
    settings: SettingsDep,
    table: Annotated[Table, Path(description="supply：供应链条；indices：价格指数；health：健康评价；warnings：预警")],
    area: AreaQ = None,
    month: MonthQ = None,
    months: MonthsQ = 36,
    segment: SegmentQ = "new",
    method: MethodQ = "hedonic",
    band: BandQ = "all",
) -> StreamingResponse:
    """A dashboard chart's table as CSV (the same figures as the JSON), within the caller's scope."""
    scope, city = caller.scope, settings.city_code
    columns: tuple[str, ...]
    rows: Iterable[list[Any]]
    with uow.read() as conn:
        note = synthetic_note(latest_is_synthetic(conn))
        if table == "supply":
            sup = dash.supply(conn, scope, city, area=area, months=months, last=month)
            columns, rows = market_supply.EXPORT_HEADER, [market_supply.export_row(p) for p in sup.points]
        elif table == "indices":
            ix = dash.indices(
                conn, scope, city, segment=segment, method=method, band=band, area=area, months=months, last=month
            )
            columns, rows = dash.INDEX_COLUMNS, dash.index_rows(ix)
        elif table == "health":
            h = dash.health(conn, scope, city, month=month, area=area, months=months)
            columns, rows = dash.HEALTH_COLUMNS, dash.health_rows(h)
        else:
            columns, rows = WARNING_CSV_HEADER, dash.warning_export(uow.engine, scope, city, area=area)
    return csvout.response(f"market-{table}.csv", columns, rows, note=note)
