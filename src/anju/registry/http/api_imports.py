"""REST routes of the register's import and export (under /api/v1): thin — parse the request, call the
importer or the exporter, shape the answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response, StreamingResponse

from anju.core.db import UnitOfWork
from anju.core.errors import FieldError, TooLarge
from anju.core.settings import Settings
from anju.registry import export, imports
from anju.registry.http.deps import RegistryExport, RegistryImport
from anju.registry.http.schemas_imports import (
    ConflictOut,
    ImportJobDetail,
    ImportJobOut,
    ImportRejected,
    Mode,
    Source,
)
from anju.security import Caller, record_now
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, ErrorItem, Page

router = APIRouter(tags=["imports"], responses=ERRORS)

Id = Annotated[int, PathParam(ge=1, le=2**62)]
Format = Literal["csv", "xlsx", "geojson"]
FormatQ = Annotated[Format, Query(alias="format", description="导出格式：csv、xlsx 或 geojson")]
DistrictQ = Annotated[str | None, Query(pattern=r"^\d{6}$", description="区（县）或功能区代码")]
StreetQ = Annotated[str | None, Query(pattern=r"^\d{9}$", description="街道代码")]


def _detail(job: imports.ImportJobWithReport) -> ImportJobDetail:
    rep = job["report"] or {}
    base = {k: v for k, v in job.items() if k != "report"}
    return ImportJobDetail(
        **base,
        format=rep.get("format"),
        encoding=rep.get("encoding"),
        errors=[ErrorItem(**e) for e in rep.get("errors", [])],
        errors_total=rep.get("errors_total", 0),
        conflict_list=[ConflictOut(**c) for c in rep.get("conflicts", [])],
        conflicts_total=rep.get("conflicts_total", 0),
        notes=rep.get("notes", []),
        rejects_total=(rep.get("rejects") or {}).get("total", 0),
    )


def read_upload(file: UploadFile, limit: int) -> bytes:
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"上传的文件超过上限 {limit} 字节", [FieldError("file", f"文件不能超过 {limit} 字节")])
    return data


def run_import(
    uow: UnitOfWork,
    settings: Settings,
    caller: Caller,
    data: bytes,
    filename: str,
    source: str,
    mode: str,
    progress: Callable[[str, float], None] | None = None,
) -> imports.ImportResult:
    """Run an import (city-wide permission only: a file may touch any street) with the settings' limits;
    the job and its audit row are written in the import's own transaction. The API calls it in the
    request, the upload page on a background job (with ``progress``)."""
    return imports.import_file(
        uow,
        data,
        filename,
        caller=caller,
        source=source,
        mode=mode,
        max_bytes=settings.upload_max_bytes,
        batch_rows=settings.import_batch_rows,
        xlsx_limits=imports.XlsxLimits.of(settings),
        progress=progress,
    )


@router.post(
    "/imports",
    status_code=201,
    operation_id="create_import",
    response_model=ImportJobDetail,
    responses={
        422: {"model": ImportRejected, "description": "文件被拒绝：列出行号、列和原因"},
        413: {"description": "文件过大"},
    },
)
def create_import(
    uow: UowDep,
    settings: SettingsDep,
    caller: RegistryImport,
    file: Annotated[UploadFile, File(description="楼盘表文件：CSV（UTF-8 或 GBK）或 .xlsx")],
    source: Annotated[Source, Form(description="数据来源")] = "manual",
    mode: Annotated[Mode, Form(description="导入方式")] = "all_or_nothing",
) -> ImportJobDetail | JSONResponse:
    """Upload a 楼盘表 file; answers the job's report (422 with the row errors when rejected)."""
    data = read_upload(file, settings.upload_max_bytes)
    result = run_import(uow, settings, caller, data, file.filename or "upload", source, mode)
    with uow.read() as conn:
        job = _detail(imports.get_job(conn, result.job_id))
    if result.rejected:
        body = ImportRejected(
            error="invalid",
            message=f"导入被拒绝（作业 #{result.job_id}）：{_message(result)}",
            errors=job.errors,
            job=job,
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=422)
    return job


def _message(result: imports.ImportResult) -> str:
    if result.rows_rejected:
        return (
            f"{result.rows_rejected} 行有错误，未做任何修改"
            if result.mode == "all_or_nothing"
            else f"{result.rows_rejected} 行有错误，没有可导入的行"
        )
    first = result.errors[0] if result.errors else None
    return f"{first.field}：{first.reason}" if first else "文件无法导入"


@router.get("/imports", operation_id="list_imports")
def list_imports(uow: UowDep, _: RegistryImport, paging: PagingDep) -> Page[ImportJobOut]:
    with uow.read() as conn:
        found = imports.list_jobs(conn, offset=paging.offset, limit=paging.page_size)
    return Page(
        items=[ImportJobOut(**i) for i in found.items], total=found.total, page=paging.page, page_size=paging.page_size
    )


@router.get("/imports/{job_id}", operation_id="get_import")
def get_import(uow: UowDep, _: RegistryImport, job_id: Id) -> ImportJobDetail:
    with uow.read() as conn:
        return _detail(imports.get_job(conn, job_id))


@router.get(
    "/imports/{job_id}/rejects.csv",
    operation_id="get_import_rejects",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "被拒绝的行：原有各列加「错误原因」列"}},
)
def get_import_rejects(uow: UowDep, _: RegistryImport, job_id: Id) -> Response:
    with uow.read() as conn:
        data = imports.job_rejects_csv(imports.get_job(conn, job_id))
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job_id}-rejects.csv"'},
    )


_EXPORT_CONTENT: dict[str, dict[str, Any]] = {
    fmt: {} for fmt in ("text/csv", "application/geo+json", export.FORMATS["xlsx"])
}


def _export(
    uow: Any, caller: Caller, layer: str, fmt: str, district_code: str | None, street_code: str | None
) -> StreamingResponse:
    export.check_filters(uow.engine, district_code, street_code, caller.scope)
    name = export.filename_for(layer, fmt, district_code, street_code)
    record_now(
        uow.engine,
        caller,
        f"registry.export_{layer}",
        detail={"format": fmt, "district_code": district_code, "street_code": street_code},
    )
    return StreamingResponse(
        export.stream(uow.engine, fmt, layer, district_code=district_code, street_code=street_code, scope=caller.scope),
        media_type=export.FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/exports/homes",
    operation_id="export_homes",
    response_class=StreamingResponse,
    responses={200: {"content": _EXPORT_CONTENT, "description": "每套房屋一行（GeoJSON：楼幢中心点）"}},
)
def export_homes(
    uow: UowDep,
    caller: RegistryExport,
    fmt: FormatQ = "csv",
    district_code: DistrictQ = None,
    street_code: StreetQ = None,
) -> StreamingResponse:
    """Stream every home (of a district or street, within the caller's scope) as CSV, .xlsx or GeoJSON points."""
    return _export(uow, caller, "homes", fmt, district_code, street_code)


@router.get(
    "/exports/buildings",
    operation_id="export_buildings",
    response_class=StreamingResponse,
    responses={200: {"content": _EXPORT_CONTENT, "description": "每幢楼一行（GeoJSON：楼幢轮廓）"}},
)
def export_buildings(
    uow: UowDep,
    caller: RegistryExport,
    fmt: FormatQ = "csv",
    district_code: DistrictQ = None,
    street_code: StreetQ = None,
) -> StreamingResponse:
    """Stream every building (of a district or street, within the caller's scope) as CSV, .xlsx or GeoJSON."""
    return _export(uow, caller, "buildings", fmt, district_code, street_code)
