"""HTML pages of the register's imports: the upload form, the list of jobs and a job's report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from anju.core import jobs
from anju.registry import domain, imports
from anju.registry.http import api_imports
from anju.registry.http.deps import RegistryImport
from anju.registry.http.schemas_imports import Mode, Source
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

FIELD_LABELS = {c.field: c.label for c in imports.COLUMNS}


@router.get("/imports", response_class=HTMLResponse)
def imports_page(
    request: Request, uow: UowDep, _: RegistryImport, paging: PagingDep, settings: SettingsDep
) -> HTMLResponse:
    with uow.read() as conn:
        jobs = imports.list_jobs(conn, offset=paging.offset, limit=paging.page_size)
    return render(
        request,
        "imports.html",
        jobs=jobs.items,
        pager=pager(jobs.total, paging.page, paging.page_size),
        sources=domain.IMPORT_SOURCES,
        modes=domain.IMPORT_MODES,
        statuses=domain.IMPORT_JOB_STATUS,
        columns=imports.COLUMNS,
        max_mb=settings.upload_max_bytes // (1024 * 1024),
        crumbs=[],
    )


@router.post("/imports", response_class=RedirectResponse)
def imports_upload(
    uow: UowDep,
    settings: SettingsDep,
    caller: RegistryImport,
    file: Annotated[UploadFile, File()],
    source: Annotated[Source, Form()] = "manual",
    mode: Annotated[Mode, Form()] = "all_or_nothing",
) -> RedirectResponse:
    """Start the import as a background job and answer at once with the job's page (its progress)."""
    data = api_imports.read_upload(file, settings.upload_max_bytes)
    filename = file.filename or "upload"

    def work(progress: jobs.Progress) -> jobs.Done:
        result = api_imports.run_import(uow, settings, caller, data, filename, source, mode, progress)
        status = domain.IMPORT_JOB_STATUS.get(result.status, result.status)
        counts = f"新建 {result.rows_created}，更新 {result.rows_updated}，无变化 {result.rows_unchanged}"
        return jobs.Done(
            f"/imports/{result.job_id}", f"{status}：共 {result.rows_total} 行，{counts}，拒绝 {result.rows_rejected}"
        )

    job = jobs.start(
        uow,
        settings.data_dir,
        kind="registry.import",
        title=f"楼盘表导入：{filename[:100]}",
        owner=caller.account_id,
        work=work,
    )
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@router.get("/imports/{job_id}", response_class=HTMLResponse)
def import_job_page(request: Request, uow: UowDep, _: RegistryImport, job_id: int) -> HTMLResponse:
    with uow.read() as conn:
        job = imports.get_job(conn, job_id)
    return render(
        request,
        "import_job.html",
        job=job,
        report=job["report"],
        sources=domain.IMPORT_SOURCES,
        modes=domain.IMPORT_MODES,
        statuses=domain.IMPORT_JOB_STATUS,
        labels=FIELD_LABELS,
        crumbs=[],
    )
