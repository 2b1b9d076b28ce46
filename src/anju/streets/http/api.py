"""REST routes of the street database (``/api/v1/streets/…``): the street list (JSON, CSV), the year's
panel in the load format (CSV), a street's profile (current or as reported on a date) and a year's
versions, and a file load. Thin: parse, call, shape."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import StreamingResponse

from anju.core import csvout
from anju.core.errors import FieldError, TooLarge
from anju.streets import domain, indicators, loader, reads
from anju.streets.http import schemas as s
from anju.streets.http.deps import StreetsLoad, StreetsRead
from anju.streets.http.shapes import profile_out, version_out
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/streets", tags=["streets"], responses=ERRORS)

Code = Annotated[str, Path(pattern=r"^\d{9,12}$", description="街道（镇）代码")]
YearQ = Annotated[
    int | None, Query(ge=domain.FIRST_YEAR, le=domain.LAST_YEAR, description="年份（默认：有数据的最近一年）")
]
DistrictQ = Annotated[str | None, Query(max_length=12, pattern=r"^\d{6,12}$", description="区（功能区）代码")]
TextQ = Annotated[str | None, Query(max_length=40, description="街道名称或代码包含")]
AsOfQ = Annotated[datetime | None, Query(description="按该时点的报送口径（ISO 8601，带时区）")]


@router.get("", operation_id="streets_list")
def list_streets(
    uow: UowDep, caller: StreetsRead, paging: PagingDep, year: YearQ = None, district: DistrictQ = None, q: TextQ = None
) -> Page[s.StreetOut]:
    """辖区内的街道及其该年的人口、户数、就业岗位。"""
    with uow.read() as conn:
        y = year or reads.default_year(conn)
        page = reads.list_streets(
            conn, caller.scope, year=y, district=district, q=q, limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[s.StreetOut(**x.__dict__) for x in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/list.csv",
    operation_id="streets_list_csv",
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM"}},
)
def list_csv(
    uow: UowDep, caller: StreetsRead, year: YearQ = None, district: DistrictQ = None, q: TextQ = None
) -> StreamingResponse:
    """同一筛选条件下的全部街道（CSV）。"""
    with uow.read() as conn:
        y = year or reads.default_year(conn)
        items = reads.all_streets(conn, caller.scope, year=y, district=district, q=q)
        synthetic = reads.synthetic_years(conn)
    cols = ["街道代码", "街道", "区代码", "区", "年份", "常住人口", "户数", "就业岗位", "数据来源"]
    rows = [
        [i.code, i.name, i.district_code, i.district_name, i.year, i.resident, i.households, i.jobs, i.source]
        for i in items
    ]
    return csvout.response(f"街道数据-{y}.csv", cols, rows, note=domain.SYNTHETIC_LABEL if synthetic else None)


@router.get(
    "/panel.csv",
    operation_id="streets_panel_csv",
    responses={200: {"content": {"text/csv": {}}, "description": "导入格式（docs/streets.md），UTF-8 带 BOM"}},
)
def panel_csv(uow: UowDep, caller: StreetsRead, year: YearQ = None, as_of: AsOfQ = None) -> StreamingResponse:
    """该年辖区内各街道的数据，按导入格式（可原样导入）。"""
    with uow.read() as conn:
        y = year or reads.default_year(conn)
        rows = list(reads.export_rows(conn, caller.scope, y, as_of))
        synthetic = reads.year_is_synthetic(conn, y)
    note = domain.SYNTHETIC_LABEL if synthetic else None
    return csvout.response(f"街道数据-导入格式-{y}.csv", domain.header(), rows, note=note)


@router.get("/{code}", operation_id="streets_profile")
def get_profile(uow: UowDep, caller: StreetsRead, code: Code, as_of: AsOfQ = None) -> s.ProfileOut:
    """街道档案：各年、各来源的数据（现行或按某时点的报送口径）、产业分行业数据和指标。"""
    with uow.read() as conn:
        p = reads.profile(conn, caller.scope, code, as_of)
        values = indicators.indicator_values(conn, caller.scope, code)
    return profile_out(p, values)


@router.get("/{code}/history", operation_id="streets_history")
def get_history(
    uow: UowDep, caller: StreetsRead, code: Code, year: Annotated[int, Query(ge=domain.FIRST_YEAR, le=domain.LAST_YEAR)]
) -> list[s.VersionOut]:
    """某街道某年的全部版本（含已被更正的），按来源、记录时间。"""
    with uow.read() as conn:
        reads.profile(conn, caller.scope, code)  # 404 for a street out of scope or unknown
        return [version_out(v) for v in reads.history(conn, caller.scope, code, year)]


@router.post("/loads", status_code=201, operation_id="streets_load")
def load(
    uow: UowDep,
    settings: SettingsDep,
    caller: StreetsLoad,
    file: Annotated[UploadFile, File(description="CSV 或 .xlsx，格式见 docs/streets.md")],
    year: Annotated[int, Form(ge=domain.FIRST_YEAR, le=domain.LAST_YEAR)],
    source: Annotated[str, Form(min_length=1, max_length=40)],
) -> s.LoadOut:
    """导入一个年份、一个来源的街道数据文件：逐格校验，有错误时列出每处（行、列、原因）且不写入任何数据；
    与现行版本相同的行不变，不同的行记为更正（保留原版本）。"""
    data = file.file.read(settings.upload_max_bytes + 1)
    if len(data) > settings.upload_max_bytes:
        raise TooLarge("文件过大", [FieldError("file", f"不能超过 {settings.upload_max_bytes} 字节")])
    got = loader.load_file(uow, caller, data, file.filename or "upload.csv", year=year, source=source)
    return s.LoadOut(**{k: v for k, v in got.__dict__.items() if k != "synthetic"})
