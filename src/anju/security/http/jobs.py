"""Pages and API of a person's background jobs (``anju.core.jobs``): the list of my jobs, and a job's
page that updates itself (htmx polls its progress fragment every second while the job runs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from anju.core import jobs
from anju.security import SignedIn
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page
from anju.web.templating import pager, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["jobs"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]


class JobOut(BaseModel):
    id: int
    kind: str
    title: str
    status: str
    status_label: str
    fraction: float
    message: str
    result_path: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    open: bool


@api.get("/jobs/{job_id}", operation_id="my_job")
def my_job(uow: UowDep, settings: SettingsDep, caller: SignedIn, job_id: Id) -> JobOut:
    """One of my background jobs with its progress (``fraction`` 0–1) and, once done, where the result is."""
    with uow.read() as conn:
        return JobOut(**jobs.get(conn, settings.data_dir, job_id, owner=caller.account_id))


@api.get("/jobs", operation_id="my_jobs")
def my_jobs(uow: UowDep, settings: SettingsDep, caller: SignedIn, paging: PagingDep) -> Page[JobOut]:
    """My background jobs, newest first."""
    assert caller.account_id is not None  # SignedIn
    with uow.read() as conn:
        got = jobs.list_for(conn, settings.data_dir, caller.account_id, offset=paging.offset, limit=paging.page_size)
    return Page(items=[JobOut(**j) for j in got.items], total=got.total, page=paging.page, page_size=paging.page_size)


@pages.get("/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request, uow: UowDep, settings: SettingsDep, caller: SignedIn, paging: PagingDep
) -> HTMLResponse:
    assert caller.account_id is not None  # SignedIn
    with uow.read() as conn:
        got = jobs.list_for(conn, settings.data_dir, caller.account_id, offset=paging.offset, limit=paging.page_size)
    return render(request, "jobs/list.html", jobs=got.items, pager=pager(got.total, paging.page, paging.page_size))


@pages.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, uow: UowDep, settings: SettingsDep, caller: SignedIn, job_id: Id) -> HTMLResponse:
    """The job's page; htmx's poll (``HX-Request``) gets only the progress fragment."""
    with uow.read() as conn:
        job = jobs.get(conn, settings.data_dir, job_id, owner=caller.account_id)
    if request.headers.get("hx-request") == "true":
        return render(request, "jobs/_progress.html", job=job)
    return render(request, "jobs/job.html", job=job)
