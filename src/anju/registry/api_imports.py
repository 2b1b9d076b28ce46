"""Routes of the register's import and export: thin — parse the request, call the importer or the
exporter, shape the answer. ``router`` is the REST API (under /api/v1), ``pages`` the HTML pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from anju.core.errors import FieldError, TooLarge
from anju.registry import export, importer
from anju.security import Caller, record_now
from anju.web.deps import PagingDep, RegistryExport, RegistryImport, SettingsDep, UowDep
from anju.web.schemas import ERRORS, ErrorItem, Page
from anju.web.templating import pager, render

router = APIRouter(tags=["imports"], responses=ERRORS)
pages = APIRouter(include_in_schema=False)

Id = Annotated[int, PathParam(ge=1, le=2**62)]
Source = Literal["presale", "survey", "registration", "rental", "manual"]
Mode = Literal["all_or_nothing", "good_rows"]
Format = Literal["csv", "xlsx", "geojson"]
FormatQ = Annotated[Format, Query(alias="format", description="导出格式：csv、xlsx 或 geojson")]
DistrictQ = Annotated[str | None, Query(pattern=r"^\d{6}$", description="区（县）或功能区代码")]
StreetQ = Annotated[str | None, Query(pattern=r"^\d{9}$", description="街道代码")]


class ImportJobOut(BaseModel):
    id: int
    source: str = Field(description="来源：presale 预售、survey 测绘、registration 登记、rental 租赁、manual 手工")
    filename: str
    sha256: str
    mode: str = Field(description="all_or_nothing 全部或全不；good_rows 只导入正确的行")
    status: str = Field(description="loaded 已导入、partial 部分导入、unchanged 无变化、rejected 已拒绝")
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    conflicts: int
    created_at: datetime
    finished_at: datetime | None


class ConflictOut(BaseModel):
    row: int | None = None
    home_id: int
    house_code: str
    field: str
    values: dict[str, Any] = Field(description="各来源给出的值")
    winner: str = Field(description="按来源优先级采用的来源")
    value: Any = Field(description="采用的值")


class ImportJobDetail(ImportJobOut):
    format: str | None = None
    encoding: str | None = None
    errors: list[ErrorItem] = Field(default_factory=list, description="行级错误（最多列出 1000 条）")
    errors_total: int = 0
    conflict_list: list[ConflictOut] = Field(default_factory=list, description="来源之间的冲突（最多列出 1000 条）")
    conflicts_total: int = 0
    notes: list[str] = Field(default_factory=list)
    rejects_total: int = Field(0, description="被拒绝的行数；可从 rejects.csv 下载")


class ImportRejected(BaseModel):
    error: str
    message: str
    errors: list[ErrorItem]
    job: ImportJobDetail | None = Field(None, description="被拒绝的导入作业；请求本身无效（如缺少文件）时没有作业")


def _detail(job: dict[str, Any]) -> ImportJobDetail:
    rep = job.get("report") or {}
    base = {k: v for k, v in job.items() if k != "report"}
    return ImportJobDetail(
        **base, format=rep.get("format"), encoding=rep.get("encoding"),
        errors=[ErrorItem(**e) for e in rep.get("errors", [])], errors_total=rep.get("errors_total", 0),
        conflict_list=[ConflictOut(**c) for c in rep.get("conflicts", [])],
        conflicts_total=rep.get("conflicts_total", 0), notes=rep.get("notes", []),
        rejects_total=(rep.get("rejects") or {}).get("total", 0),
    )


def _read_upload(file: UploadFile, limit: int) -> bytes:
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"上传的文件超过上限 {limit} 字节", [FieldError("file", f"文件不能超过 {limit} 字节")])
    return data


def _run_import(uow: Any, settings: Any, caller: Caller, file: UploadFile, source: str, mode: str
                ) -> importer.ImportResult:
    """Run an import (city-wide permission only: a file may touch any street) and audit the job.

    The import commits in batches of its own, so its audit row follows in a transaction of its own."""
    data = _read_upload(file, settings.upload_max_bytes)
    result = importer.import_file(uow.engine, data, file.filename or "upload", source=source, mode=mode,
                                  max_bytes=settings.upload_max_bytes, batch_rows=settings.import_batch_rows)
    record_now(uow.engine, caller, "registry.import", entity="import_job", entity_id=result.job_id,
               outcome="failed" if result.rejected else "ok", detail={"source": source, "mode": mode})
    return result


# ------------------------------------------------------------------------------------------------
# REST API
# ------------------------------------------------------------------------------------------------


@router.post("/imports", status_code=201, operation_id="create_import", response_model=ImportJobDetail,
             responses={422: {"model": ImportRejected, "description": "文件被拒绝：列出行号、列和原因"},
                        413: {"description": "文件过大"}})
def create_import(uow: UowDep, settings: SettingsDep, caller: RegistryImport,
                  file: Annotated[UploadFile, File(description="楼盘表文件：CSV（UTF-8 或 GBK）或 .xlsx")],
                  source: Annotated[Source, Form(description="数据来源")] = "manual",
                  mode: Annotated[Mode, Form(description="导入方式")] = "all_or_nothing",
                  ) -> ImportJobDetail | JSONResponse:
    """Upload a 楼盘表 file; answers the job's report (422 with the row errors when rejected)."""
    result = _run_import(uow, settings, caller, file, source, mode)
    with uow.read() as conn:
        job = _detail(importer.get_job(conn, result.job_id))
    if result.rejected:
        body = ImportRejected(error="invalid", message=f"导入被拒绝（作业 #{result.job_id}）：{_message(result)}",
                              errors=job.errors, job=job)
        return JSONResponse(body.model_dump(mode="json"), status_code=422)
    return job


def _message(result: importer.ImportResult) -> str:
    if result.rows_rejected:
        return f"{result.rows_rejected} 行有错误，未做任何修改" if result.mode == "all_or_nothing" else \
            f"{result.rows_rejected} 行有错误，没有可导入的行"
    first = result.errors[0] if result.errors else None
    return f"{first.field}：{first.reason}" if first else "文件无法导入"


@router.get("/imports", operation_id="list_imports")
def list_imports(uow: UowDep, _: RegistryImport, paging: PagingDep) -> Page[ImportJobOut]:
    with uow.read() as conn:
        items, total = importer.list_jobs(conn, offset=paging.offset, limit=paging.page_size)
    return Page(items=[ImportJobOut(**i) for i in items], total=total, page=paging.page,
                page_size=paging.page_size)


@router.get("/imports/{job_id}", operation_id="get_import")
def get_import(uow: UowDep, _: RegistryImport, job_id: Id) -> ImportJobDetail:
    with uow.read() as conn:
        return _detail(importer.get_job(conn, job_id))


@router.get("/imports/{job_id}/rejects.csv", operation_id="get_import_rejects", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "被拒绝的行：原有各列加「错误原因」列"}})
def get_import_rejects(uow: UowDep, _: RegistryImport, job_id: Id) -> Response:
    with uow.read() as conn:
        data = importer.job_rejects_csv(importer.get_job(conn, job_id))
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="import-{job_id}-rejects.csv"'})


_EXPORT_CONTENT: dict[str, dict[str, Any]] = {
    fmt: {} for fmt in ("text/csv", "application/geo+json", export.FORMATS["xlsx"])
}


def _export(uow: Any, caller: Caller, layer: str, fmt: str, district_code: str | None, street_code: str | None
            ) -> StreamingResponse:
    export.check_filters(uow.engine, district_code, street_code, caller.scope)
    name = export.filename_for(layer, fmt, district_code, street_code)
    record_now(uow.engine, caller, f"registry.export_{layer}", detail={"format": fmt, "district_code": district_code,
                                                                      "street_code": street_code})
    return StreamingResponse(
        export.stream(uow.engine, fmt, layer, district_code=district_code, street_code=street_code,
                      scope=caller.scope),
        media_type=export.FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/exports/homes", operation_id="export_homes", response_class=StreamingResponse,
            responses={200: {"content": _EXPORT_CONTENT, "description": "每套房屋一行（GeoJSON：楼幢中心点）"}})
def export_homes(uow: UowDep, caller: RegistryExport, fmt: FormatQ = "csv", district_code: DistrictQ = None,
                 street_code: StreetQ = None) -> StreamingResponse:
    """Stream every home (of a district or street, within the caller's scope) as CSV, .xlsx or GeoJSON points."""
    return _export(uow, caller, "homes", fmt, district_code, street_code)


@router.get("/exports/buildings", operation_id="export_buildings", response_class=StreamingResponse,
            responses={200: {"content": _EXPORT_CONTENT, "description": "每幢楼一行（GeoJSON：楼幢轮廓）"}})
def export_buildings(uow: UowDep, caller: RegistryExport, fmt: FormatQ = "csv", district_code: DistrictQ = None,
                     street_code: StreetQ = None) -> StreamingResponse:
    """Stream every building (of a district or street, within the caller's scope) as CSV, .xlsx or GeoJSON."""
    return _export(uow, caller, "buildings", fmt, district_code, street_code)


# ------------------------------------------------------------------------------------------------
# pages
# ------------------------------------------------------------------------------------------------

FIELD_LABELS = {c.field: c.label for c in importer.COLUMNS}


@pages.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, uow: UowDep, _: RegistryImport, paging: PagingDep, settings: SettingsDep
                 ) -> HTMLResponse:
    with uow.read() as conn:
        items, total = importer.list_jobs(conn, offset=paging.offset, limit=paging.page_size)
    return render(request, "imports.html", jobs=items, pager=pager(total, paging.page, paging.page_size),
                  sources=importer.SOURCES, modes=importer.MODES, statuses=importer.JOB_STATUS,
                  columns=importer.COLUMNS, max_mb=settings.upload_max_bytes // (1024 * 1024), crumbs=[])


@pages.post("/imports", response_class=RedirectResponse)
def imports_upload(uow: UowDep, settings: SettingsDep, caller: RegistryImport, file: Annotated[UploadFile, File()],
                   source: Annotated[Source, Form()] = "manual",
                   mode: Annotated[Mode, Form()] = "all_or_nothing") -> RedirectResponse:
    result = _run_import(uow, settings, caller, file, source, mode)
    return RedirectResponse(f"/imports/{result.job_id}", status_code=303)


@pages.get("/imports/{job_id}", response_class=HTMLResponse)
def import_job_page(request: Request, uow: UowDep, _: RegistryImport, job_id: int) -> HTMLResponse:
    with uow.read() as conn:
        job = importer.get_job(conn, job_id)
    return render(request, "import_job.html", job=job, report=job["report"], sources=importer.SOURCES,
                  modes=importer.MODES, statuses=importer.JOB_STATUS, labels=FIELD_LABELS, crumbs=[])
