"""Pages of the street database: the street list (``/streets``: district filter, search, paginated,
CSV), a street's profile (``/streets/{code}``: the panel by year, every source and correction, the
indicators with their dictionary definitions, an ECharts trend) and the upload page for city staff
(``/streets/load``: the per-cell error list of a refused file)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse

from anju import divisions
from anju.core.errors import AnjuError, FieldError, TooLarge
from anju.streets import domain, indicators, loader, reads
from anju.streets.http.deps import StreetsLoad, StreetsRead
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)
Opt = Annotated[str, Query(max_length=40)]
Code = Annotated[str, Path(pattern=r"^\d{9,12}$")]
TREND = ("population.resident", "housing.floor_area_per_resident", "housing.homes_per_household", "jobs_housing.ratio")


def _year(text: str) -> int | None:
    return int(text) if text.isdigit() and domain.FIRST_YEAR <= int(text) <= domain.LAST_YEAR else None


@router.get("/streets", response_class=HTMLResponse)
def street_list(
    request: Request,
    uow: UowDep,
    caller: StreetsRead,
    paging: PagingDep,
    year: Opt = "",
    district: Opt = "",
    q: Opt = "",
) -> HTMLResponse:
    with uow.read() as conn:
        y = _year(year) or reads.default_year(conn)
        page = reads.list_streets(
            conn,
            caller.scope,
            year=y,
            district=district or None,
            q=q or None,
            limit=paging.page_size,
            offset=paging.offset,
        )
        districts = [d for d in divisions.choices(conn) if any(caller.scope.allows(s["code"]) for s in d["streets"])]
        synthetic = reads.synthetic_years(conn)
    query = "&".join(f"{k}={v}" for k, v in (("year", y), ("district", district), ("q", q)) if v)
    return render(
        request,
        "streets/list.html",
        items=page.items,
        year=y,
        district=district,
        q=q,
        districts=districts,
        csv_query=query,
        synthetic=synthetic,
        label=domain.SYNTHETIC_LABEL,
        pager=pager(page.total, paging.page, paging.page_size),
    )


@router.get("/streets/load", response_class=HTMLResponse)
def load_form(request: Request, caller: StreetsLoad) -> HTMLResponse:
    return render(
        request, "streets/load.html", result=None, error=None, header=domain.header(), columns=domain.columns()
    )


@router.post("/streets/load", response_class=HTMLResponse)
def load_upload(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: StreetsLoad,
    file: Annotated[UploadFile, File()],
    year: Annotated[str, Form(max_length=4)] = "",
    source: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    data = file.file.read(settings.upload_max_bytes + 1)
    try:
        if len(data) > settings.upload_max_bytes:
            raise TooLarge("文件过大", [FieldError("文件", f"不能超过 {settings.upload_max_bytes} 字节")])
        y = _year(year.strip())
        if y is None:
            raise loader.PanelRejected("年份无效", [FieldError("年份", f"应为 {domain.FIRST_YEAR} 年以后的年份")])
        got = loader.load_file(uow, caller, data, file.filename or "upload.csv", year=y, source=source)
    except AnjuError as e:
        return render(request, "streets/load.html", status_code=422, result=None, error=e, columns=domain.columns())
    return render(request, "streets/load.html", result=got, error=None, columns=domain.columns())


def _num(v: indicators.IndicatorValue | None) -> float | None:
    return None if v is None or v.value is None else float(v.value)


def _trend(values: Sequence[indicators.IndicatorValue]) -> dict[str, object]:
    years = sorted({v.year for v in values})
    series = []
    for code in TREND:
        got = {v.year: v for v in values if v.code == code}
        if got:
            first = next(iter(got.values()))
            series.append(
                {
                    "code": code,
                    "name": first.name + (f"（{first.unit}）" if first.unit else ""),
                    "values": [_num(got.get(y)) for y in years],
                }
            )
    return {"years": years, "series": series}


@router.get("/streets/{code}", response_class=HTMLResponse)
def street_profile(
    request: Request, uow: UowDep, caller: StreetsRead, code: Code, as_of: Annotated[datetime | None, Query()] = None
) -> HTMLResponse:
    with uow.read() as conn:
        p = reads.profile(conn, caller.scope, code, as_of)
        values = indicators.indicator_values(conn, caller.scope, code)
    chosen = reads.chosen(p.versions)
    years = sorted({v.year for v in p.versions})
    definitions: dict[str, indicators.IndicatorValue] = {}
    for v in values:
        definitions.setdefault(v.code, v)
    table: dict[str, dict[int, indicators.IndicatorValue]] = {}
    for v in values:
        table.setdefault(v.code, {})[v.year] = v
    return render(
        request,
        "streets/profile.html",
        p=p,
        years=years,
        chosen={y: chosen[(p.code, y)] for y in years if (p.code, y) in chosen},
        sectors=domain.sectors(),
        definitions=definitions,
        table=table,
        value_years=sorted({v.year for v in values}),
        trend=_trend(values),
        synthetic=any(v.synthetic for v in p.versions),
        label=domain.SYNTHETIC_LABEL,
    )
