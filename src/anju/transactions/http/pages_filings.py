"""The bureau's filing forms (``transactions.manage``, ``/transactions/staff/filings``): a development
enterprise, a project on a register estate and a presale permit for buildings or homes. Price lists
are filed through the API (``POST /api/v1/transactions/permits/{id}/prices``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju.core.errors import AnjuError, FieldError, ValidationError
from anju.security import Caller, SecurityDep, audited, set_audit_target
from anju.transactions import domain, filings
from anju.transactions.http.deps import TxManage
from anju.web.deps import UowDep
from anju.web.forms import form_action
from anju.web.templating import render

router = APIRouter(include_in_schema=False)

Short = Annotated[str, Form(max_length=200)]
DoneQ = Annotated[Literal["", "developer", "project", "permit"], Query()]
DONE = {
    "developer": "开发企业已备案。",
    "project": "项目已备案。",
    "permit": "预售许可已办理，许可范围内的房屋已转为预售。",
}


def _page(
    request: Request,
    uow: UowDep,
    caller: Caller,
    *,
    done: str = "",
    which: str = "",
    form: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        devs = filings.list_developers(conn, scope=caller.scope, limit=100, offset=0).items
        projects = filings.list_projects(conn, scope=caller.scope, limit=100, offset=0).items
    return render(
        request,
        "transactions/staff_filings.html",
        status_code=status_code,
        developers=devs,
        projects=projects,
        grades=domain.QUALIFICATION_GRADES,
        done=DONE.get(done, ""),
        which=which,
        form=form or {},
        field_errors={e.field: e.reason for e in errors or []},
        message=message,
    )


@router.get("/transactions/staff/filings", response_class=HTMLResponse)
def filings_page(request: Request, uow: UowDep, caller: TxManage, done: DoneQ = "") -> HTMLResponse:
    """The forms: file a developer, a project, a presale permit."""
    return _page(request, uow, caller, done=done)


def _ids(text: str, fld: str) -> list[int]:
    out: list[int] = []
    for part in text.replace("，", ",").replace(" ", ",").split(","):
        if not part.strip():
            continue
        if not part.strip().isdigit() or len(part.strip()) > 18:
            raise ValidationError.of(fld, f"“{part.strip()[:20]}”不是编号；多个编号用逗号分隔")
        out.append(int(part))
    return out


def _int(text: str, fld: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 18:
        raise ValidationError.of(fld, "应为编号（整数）")
    return int(text)


@router.post("/transactions/staff/developers", response_class=HTMLResponse, response_model=None)
def developer_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxManage,
    credit_code: Short = "",
    name: Short = "",
    qualification_grade: Short = "",
    qualification_no: Short = "",
    address: Short = "",
    street_code: Short = "",
) -> Response:
    form = {
        "credit_code": credit_code,
        "name": name,
        "qualification_grade": qualification_grade,
        "qualification_no": qualification_no,
        "address": address,
        "street_code": street_code,
    }

    def write() -> None:
        cmd = filings.DeveloperIn(**form)
        with audited(uow, caller, "transactions.file_developer", "developer") as conn:
            set_audit_target(conn, filings.file_developer(conn, sec.keyring, caller, cmd))

    def again(e: AnjuError) -> Response:
        return _page(
            request, uow, caller, which="developer", form=form, errors=e.errors, message=e.message,
            status_code=e.status_code,
        )  # fmt: skip

    return form_action(
        write, done="/transactions/staff/filings?done=developer", again=again, not_found_is_error_page=False
    )


@router.post("/transactions/staff/projects", response_class=HTMLResponse, response_model=None)
def project_form(
    request: Request,
    uow: UowDep,
    caller: TxManage,
    name: Short = "",
    developer_id: Short = "",
    estate_id: Short = "",
) -> Response:
    form = {"name": name, "developer_id": developer_id, "estate_id": estate_id}

    def write() -> None:
        cmd = filings.ProjectIn(name, _int(developer_id, "developer_id"), _int(estate_id, "estate_id"))
        with audited(uow, caller, "transactions.file_project", "sale_project") as conn:
            set_audit_target(conn, filings.file_project(conn, caller, cmd))

    def again(e: AnjuError) -> Response:
        return _page(
            request, uow, caller, which="project", form=form, errors=e.errors, message=e.message,
            status_code=e.status_code,
        )  # fmt: skip

    return form_action(
        write, done="/transactions/staff/filings?done=project", again=again, not_found_is_error_page=False
    )


@router.post("/transactions/staff/permits", response_class=HTMLResponse, response_model=None)
def permit_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxManage,
    project_id: Short = "",
    issued_on: Short = "",
    building_ids: Annotated[str, Form(max_length=2000)] = "",
    home_ids: Annotated[str, Form(max_length=60000)] = "",
) -> Response:
    form = {"project_id": project_id, "issued_on": issued_on, "building_ids": building_ids, "home_ids": home_ids}

    def write() -> None:
        try:
            day = date.fromisoformat(issued_on)
        except ValueError:
            raise ValidationError.of("issued_on", "日期格式应为 YYYY-MM-DD") from None
        cmd = filings.PermitIn(
            _int(project_id, "project_id"), day, _ids(building_ids, "building_ids"), _ids(home_ids, "home_ids")
        )
        with audited(uow, caller, "transactions.file_permit", "presale_permit") as conn:
            set_audit_target(conn, filings.file_permit(conn, sec.keyring, caller, cmd))

    def again(e: AnjuError) -> Response:
        return _page(
            request, uow, caller, which="permit", form=form, errors=e.errors, message=e.message,
            status_code=e.status_code,
        )  # fmt: skip

    return form_action(
        write, done="/transactions/staff/filings?done=permit", again=again, not_found_is_error_page=False
    )
