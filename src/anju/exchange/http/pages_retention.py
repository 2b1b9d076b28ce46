"""Retention pages (数据保留, ``exchange.govern``): the rules in force, a run started as a background
job (a dry run counts, an applied run acts — after a confirmation), and the past runs with each
applied run's entry in the verifiable log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anju.core import jobs
from anju.core.errors import ValidationError
from anju.exchange import retention
from anju.exchange.http.deps import ExchangeGovern
from anju.security import SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

RunId = Annotated[int, Path(ge=1, le=2**62)]


def _page(
    request: Request, uow: UowDep, settings: SettingsDep, paging: PagingDep, status: int = 200, message: str = ""
) -> HTMLResponse:
    with uow.read() as conn:
        runs = retention.list_runs(conn, offset=paging.offset, limit=paging.page_size)
    return render(
        request,
        "exchange/retention.html",
        status_code=status,
        rules=retention.rule_views(settings),
        runs=runs.items,
        total=runs.total,
        pager=pager(runs.total, paging.page, paging.page_size),
        message=message,
    )


@router.get("/exchange/retention", response_class=HTMLResponse)
def retention_page(
    request: Request, uow: UowDep, settings: SettingsDep, caller: ExchangeGovern, paging: PagingDep
) -> HTMLResponse:
    return _page(request, uow, settings, paging)


@router.post("/exchange/retention", response_class=HTMLResponse, response_model=None)
def start_run(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    sec: SecurityDep,
    caller: ExchangeGovern,
    paging: PagingDep,
    mode: Annotated[str, Form(max_length=8)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> HTMLResponse | RedirectResponse:
    """Start a run as a background job; its page leads to the run. An applied run needs the
    confirmation box; bad input shows the page again with the reason (no job, nothing written)."""
    try:
        if mode not in retention.MODE_LABELS:
            raise ValidationError.of("mode", "应为预演（dry_run）或执行（apply）")
        if mode == "apply" and confirm != "yes":
            raise ValidationError.of("confirm", "执行会修改数据，请先勾选确认")
    except ValidationError as e:
        return _page(request, uow, settings, paging, 422, e.errors[0].reason)
    apply = mode == "apply"
    keyring = sec.keyring

    def work(progress: jobs.Progress) -> jobs.Done:
        progress("按数据保留规则统计并处理已结束的记录", 0.1)
        with audited(uow, caller, "exchange.retention_run", "retention_run") as conn:
            out = retention.run(conn, settings, keyring, caller, apply=apply)
            set_audit_target(conn, out["id"])
        return jobs.Done(f"/exchange/retention/runs/{out['id']}", f"{out['mode_label']}完成，共 {out['total']} 条")

    job = jobs.start(
        uow,
        settings.data_dir,
        kind="exchange.retention_run",
        title="执行数据保留规则" if apply else "预演数据保留规则",
        owner=caller.account_id,
        work=work,
    )
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@router.get("/exchange/retention/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, uow: UowDep, caller: ExchangeGovern, run_id: RunId) -> HTMLResponse:
    with uow.read() as conn:
        run = retention.get_run(conn, run_id)
    return render(request, "exchange/retention_run.html", run=run, log=retention.LOG)
