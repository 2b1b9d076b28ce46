"""Pages of a household member's consent (我的授权): the applications that name me as a member,
and the confirmation of giving or withdrawing my consent (docs/assistance.md, "Whose facts a check
may use"). Thin: call a service, render or redirect; each change is confirmed on a page of its own
and posted with the session's CSRF token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju.assistance import consent
from anju.assistance.http.deps import AssistanceApply
from anju.core.errors import AnjuError
from anju.security import SecurityDep, audited
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

DONE = {"given": "已授权。该申请的资格核验将使用您的住房、保障和信用信息。", "withdrawn": "已撤回授权。"}


@router.get("/assistance/consents", response_class=HTMLResponse)
def my_consents(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AssistanceApply,
    paging: PagingDep,
    done: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:
    """The applications of other households that name me as a member, with my consent to each."""
    with uow.read() as conn:
        listed = consent.consent_requests(conn, sec.keyring, caller, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "assistance/consents.html",
        items=listed.items,
        done=DONE.get(done),
        pager=pager(listed.total, paging.page, paging.page_size),
    )


def _confirm_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: Any, app_id: int, action: str, message: str = "",
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    with uow.read() as conn:
        item = consent.consent_request(conn, sec.keyring, caller, app_id)
    return render(
        request, "assistance/consent_confirm.html", status_code=status, item=item, action=action, message=message
    )


@router.get("/assistance/consents/{app_id}/confirm", response_class=HTMLResponse)
def confirm_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AssistanceApply,
    app_id: int,
    action: Annotated[str, Query(pattern="^(consent|withdraw)$")] = "consent",
) -> HTMLResponse:
    """Says what the consent covers (this application only: homes owned, benefits, credit) and asks."""
    return _confirm_page(request, uow, sec, caller, app_id, action)


@router.post("/assistance/consents/{app_id}", response_class=HTMLResponse)
def give(request: Request, uow: UowDep, sec: SecurityDep, caller: AssistanceApply, app_id: int) -> Any:

    def write() -> None:
        with audited(uow, caller, "assistance.consent", "application", app_id) as conn:
            consent.confirm(conn, sec.keyring, caller, app_id)

    def again(e: AnjuError) -> Response:
        return _confirm_page(request, uow, sec, caller, app_id, "consent", e.message, e.status_code)

    return form_action(write, done="/assistance/consents?done=given", again=again)


@router.post("/assistance/consents/{app_id}/withdraw", response_class=HTMLResponse)
def withdraw(request: Request, uow: UowDep, sec: SecurityDep, caller: AssistanceApply, app_id: int) -> Any:

    def write() -> None:
        with audited(uow, caller, "assistance.consent_withdraw", "application", app_id) as conn:
            consent.withdraw(conn, sec.keyring, caller, app_id)

    def again(e: AnjuError) -> Response:
        return _confirm_page(request, uow, sec, caller, app_id, "withdraw", e.message, e.status_code)

    return form_action(write, done="/assistance/consents?done=withdrawn", again=again)
