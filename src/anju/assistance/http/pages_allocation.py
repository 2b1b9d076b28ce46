"""Pages of draws, selection and tracking: officers freeze lists, enter the seed before witnesses
(with a confirmation step), run the selection and decide cases; anyone sees a draw's public result.

Thin: parse, call services, render. Every decision is confirmed on a page of its own (no script: the
CSP allows none inline) and posted with the session's CSRF token.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anju.assistance import catalogue, domain, drawing, selection, tenancy, tracking, waitlist
from anju.assistance.http.deps import AssistanceAllocate, AssistanceRead
from anju.core import clock, jobs
from anju.core.errors import AnjuError, Conflict, ValidationError
from anju.security import Public, audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
FormId = Annotated[int, Form(ge=1, le=2**62)]
MAX_WITNESS_TEXT = 2000


def _witnesses(text: str) -> list[str]:
    return [w.strip() for w in text.splitlines() if w.strip()]


#: The seed form's fields in Chinese (a refusal names the field a person filled in).
RUN_FIELDS = {"seed": "种子", "seed_source": "种子来源", "witnesses": "见证人"}


def _run_refusal(e: AnjuError) -> str:
    """A refusal of the seed form in Chinese: the field's name and the reason, or the refusal itself."""
    if isinstance(e, ValidationError) and e.errors:
        err = e.errors[0]
        field = err.field.split("[", 1)[0]
        return f"{RUN_FIELDS.get(field, err.field)}：{err.reason}"
    return e.message


# ------------------------------------------------------------------------------------------------ draws


@router.get("/assistance/draws", response_class=HTMLResponse)
def draws_page(
    request: Request,
    uow: UowDep,
    caller: AssistanceRead,
    paging: PagingDep,
    programme: Annotated[str, Query(max_length=32)] = "",
    status: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:
    """Draws in scope, the waiting lists by programme and priority class, and the freeze form."""
    f = drawing.DrawFilter(programme=programme or None, status=status if status in domain.DRAW_STATUSES else None)
    with uow.read() as conn:
        listed = drawing.list_draws(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        waiting = waitlist.waiting_summary(conn, scope=caller.scope)
        programmes = catalogue.programme_labels(conn)
    return render(
        request,
        "assistance/draws.html",
        draws=listed.items,
        waiting=waiting,
        programmes=programmes,
        statuses=domain.DRAW_STATUSES,
        programme=programme,
        status=status,
        pager=pager(listed.total, paging.page, paging.page_size),
    )


@router.post("/assistance/draws", response_class=RedirectResponse)
def freeze_form(
    uow: UowDep,
    caller: AssistanceAllocate,
    programme_code: Annotated[str, Form(min_length=1, max_length=32)],
    title: Annotated[str, Form(max_length=200)],
    priority_class: Annotated[str, Form(max_length=24)] = "",
) -> RedirectResponse:
    with audited(uow, caller, "assistance.freeze_draw", "draw") as conn:
        draw_id = drawing.freeze_draw(conn, caller, programme_code, priority_class or None, title)
        set_audit_target(conn, draw_id)
    return RedirectResponse(f"/assistance/draws/{draw_id}", status_code=303)


@router.get("/assistance/draws/{draw_id}", response_class=HTMLResponse)
def draw_page(request: Request, uow: UowDep, caller: AssistanceRead, paging: PagingDep, draw_id: Id) -> HTMLResponse:
    """One draw: its published facts, its list (drawn order once drawn) and what can be done next."""
    with uow.read() as conn:
        draw = drawing.get_draw(conn, draw_id, scope=caller.scope)
        listed = drawing.draw_entries(conn, draw_id, limit=paging.page_size, offset=paging.offset)
        programmes = catalogue.programme_labels(conn)
    return render(
        request,
        "assistance/draw.html",
        draw=draw,
        entries=listed.items,
        programmes=programmes,
        pager=pager(listed.total, paging.page, paging.page_size),
    )


@router.post("/assistance/draws/{draw_id}/close", response_class=RedirectResponse)
def close_form(
    uow: UowDep, caller: AssistanceAllocate, draw_id: Id, reason: Annotated[str, Form(max_length=1000)] = ""
) -> RedirectResponse:
    with audited(uow, caller, "assistance.close_draw", "draw", draw_id) as conn:
        drawing.close_draw(conn, caller, draw_id, reason)
    return RedirectResponse(f"/assistance/draws/{draw_id}", status_code=303)


@router.get("/assistance/draws/{draw_id}/run", response_class=HTMLResponse)
def run_page(request: Request, uow: UowDep, caller: AssistanceAllocate, draw_id: Id) -> HTMLResponse:
    """The seed entry form: the officers present enter the seed announced in public and the witnesses."""
    with uow.read() as conn:
        draw = drawing.get_draw(conn, draw_id, scope=caller.scope)
    return render(request, "assistance/draw_run.html", draw=draw, seed="", seed_source="", witnesses="")


@router.post("/assistance/draws/{draw_id}/run/confirm", response_class=HTMLResponse)
def run_confirm(
    request: Request,
    uow: UowDep,
    caller: AssistanceAllocate,
    draw_id: Id,
    seed: Annotated[str, Form(max_length=1000)] = "",
    seed_source: Annotated[str, Form(max_length=1000)] = "",
    witnesses: Annotated[str, Form(max_length=MAX_WITNESS_TEXT)] = "",
) -> HTMLResponse:
    """Shows the seed exactly as the draw will use it, before anything is written."""
    with uow.read() as conn:
        draw = drawing.get_draw(conn, draw_id, scope=caller.scope)
    try:
        s, src, names = drawing.check_run_input(seed, seed_source, _witnesses(witnesses))
    except ValidationError as e:
        return render(
            request,
            "assistance/draw_run.html",
            status_code=422,
            draw=draw,
            seed=seed,
            seed_source=seed_source,
            witnesses=witnesses,
            message=_run_refusal(e),
        )
    return render(request, "assistance/draw_run_confirm.html", draw=draw, seed=s, seed_source=src, witnesses=names)


@router.post("/assistance/draws/{draw_id}/run", response_class=HTMLResponse)
def run_form(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: AssistanceAllocate,
    draw_id: Id,
    seed: Annotated[str, Form(max_length=1000)] = "",
    seed_source: Annotated[str, Form(max_length=1000)] = "",
    witnesses: Annotated[list[str] | None, Form(max_length=drawing.MAX_WITNESSES + 1)] = None,
) -> Response:
    """Runs the draw as confirmed (one ``witnesses`` field per witness) as a background job: the answer
    is the job's page, which follows the draw's stages and then leads to the published result. What can
    be refused at once (scope, a draw already run, the seed and the witnesses) is refused here, on the
    seed form, before any job starts; the list's hash is checked by the draw itself."""
    names = [w for item in witnesses or [] for w in _witnesses(item)]
    with uow.read() as conn:
        draw = drawing.get_draw(conn, draw_id, scope=caller.scope)
        try:
            drawing.check_run(conn, caller, draw_id, seed, seed_source, names)
        except (ValidationError, Conflict) as e:
            return render(
                request,
                "assistance/draw_run.html",
                status_code=e.status_code,
                draw=draw,
                seed=seed,
                seed_source=seed_source,
                witnesses="\n".join(names),
                message=_run_refusal(e),
            )

    def work(progress: jobs.Progress) -> jobs.Done:
        with audited(uow, caller, "assistance.run_draw", "draw", draw_id) as conn:
            out = drawing.run_draw(conn, caller, draw_id, seed, seed_source, names, progress=progress)
        return jobs.Done(
            f"/assistance/draws/{draw_id}/public",
            f"摇号 {out['draw_no']} 已完成：{out['candidates']} 人的选房顺序已公布，结果哈希 {out['result_hash']}",
        )

    job = jobs.start(
        uow,
        settings.data_dir,
        kind="assistance.run_draw",
        title=f"摇号 {draw['draw_no']}：{draw['title']}",
        owner=caller.account_id,
        work=work,
    )
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@router.get("/assistance/draws/{draw_id}/public", response_class=HTMLResponse)
def public_page(request: Request, uow: UowDep, _: Public, paging: PagingDep, draw_id: Id) -> HTMLResponse:
    """The published draw (anyone, no sign-in): hashes, seed, the ordered list, files, the command."""
    with uow.read() as conn:
        draw = drawing.draw_public(conn, draw_id)
        listed = drawing.draw_entries(conn, draw_id, limit=paging.page_size, offset=paging.offset)
        programmes = catalogue.programme_labels(conn)
    return render(
        request,
        "assistance/draw_public.html",
        draw=draw,
        entries=listed.items,
        programmes=programmes,
        command=drawing.verify_command(draw) if draw["drawn_at"] else None,
        pager=pager(listed.total, paging.page, paging.page_size),
    )


# -------------------------------------------------------------------------------------------- selection


@router.get("/assistance/draws/{draw_id}/select", response_class=HTMLResponse)
def select_page(
    request: Request,
    uow: UowDep,
    caller: AssistanceAllocate,
    paging: PagingDep,
    draw_id: Id,
    done: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> HTMLResponse:
    """Whose turn it is and the available homes that fit the household, each with a select button."""
    notice = None
    with uow.read() as conn:
        t = selection.turn(conn, draw_id, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        programmes = catalogue.programme_labels(conn)
        if done is not None:
            try:
                notice = tenancy.get_allocation(conn, done, scope=caller.scope)
            except AnjuError:
                notice = None
    return render(
        request,
        "assistance/draw_select.html",
        t=t,
        notice=notice,
        programmes=programmes,
        pager=pager(t["homes_total"], paging.page, paging.page_size),
    )


@router.get("/assistance/draws/{draw_id}/select/confirm", response_class=HTMLResponse)
def select_confirm(
    request: Request,
    uow: UowDep,
    caller: AssistanceAllocate,
    draw_id: Id,
    application_id: Annotated[int, Query(ge=1, le=2**62)],
    home_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> HTMLResponse:
    """Asks once more: select ``home_id`` for the candidate, or (no home) record that it passes."""
    with uow.read() as conn:
        t = selection.turn(conn, draw_id, scope=caller.scope, limit=1000, offset=0)
    nxt = t["next"]
    if nxt is None or nxt["application_id"] != application_id:
        raise ValidationError.of("application_id", "当前没有轮到该候选人")
    home = None
    if home_id is not None:
        home = next((h for h in t["homes"] if h["home_id"] == home_id), None)
        if home is None:
            raise ValidationError.of("home_id", "不是该户可选的房源")
    return render(request, "assistance/draw_select_confirm.html", t=t, next=nxt, home=home)


@router.post("/assistance/draws/{draw_id}/select", response_class=RedirectResponse)
def select_form(
    uow: UowDep, caller: AssistanceAllocate, draw_id: Id, application_id: FormId, home_id: FormId
) -> RedirectResponse:
    with audited(uow, caller, "assistance.select_home", "allocation") as conn:
        alloc_id = selection.select_home(conn, caller, draw_id, application_id, home_id)
        set_audit_target(conn, alloc_id)
    return RedirectResponse(f"/assistance/draws/{draw_id}/select?done={alloc_id}", status_code=303)


@router.post("/assistance/draws/{draw_id}/pass", response_class=RedirectResponse)
def pass_form(
    uow: UowDep,
    caller: AssistanceAllocate,
    draw_id: Id,
    application_id: FormId,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> RedirectResponse:
    with audited(uow, caller, "assistance.pass_turn", "application", application_id) as conn:
        selection.pass_turn(conn, caller, draw_id, application_id, reason)
    return RedirectResponse(f"/assistance/draws/{draw_id}/select", status_code=303)


# ------------------------------------------------------------------------------------------ allocations


@router.get("/assistance/allocations", response_class=HTMLResponse)
def allocations_page(
    request: Request,
    uow: UowDep,
    caller: AssistanceRead,
    paging: PagingDep,
    status: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:
    f = tenancy.AllocationFilter(status=status if status in domain.ALLOCATION_STATUSES else None)
    with uow.read() as conn:
        listed = tenancy.list_allocations(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "assistance/allocations.html",
        allocations=listed.items,
        statuses=domain.ALLOCATION_STATUSES,
        status=status,
        pager=pager(listed.total, paging.page, paging.page_size),
    )


@router.get("/assistance/allocations/{allocation_id}", response_class=HTMLResponse)
def allocation_page(request: Request, uow: UowDep, caller: AssistanceRead, allocation_id: Id) -> HTMLResponse:
    with uow.read() as conn:
        a = tenancy.get_allocation(conn, allocation_id, scope=caller.scope)
    return render(request, "assistance/allocation.html", a=a, today=clock.today().isoformat())


@router.post("/assistance/allocations/{allocation_id}/contract", response_class=RedirectResponse)
def contract_form(
    uow: UowDep, caller: AssistanceAllocate, allocation_id: Id, contract_no: Annotated[str, Form(max_length=100)] = ""
) -> RedirectResponse:
    with audited(uow, caller, "assistance.contract", "allocation", allocation_id) as conn:
        tenancy.contract(conn, caller, allocation_id, contract_no)
    return RedirectResponse(f"/assistance/allocations/{allocation_id}", status_code=303)


@router.post("/assistance/allocations/{allocation_id}/move-in", response_class=RedirectResponse)
def move_in_form(
    uow: UowDep, caller: AssistanceAllocate, allocation_id: Id, on: Annotated[date, Form()]
) -> RedirectResponse:
    with audited(uow, caller, "assistance.move_in", "allocation", allocation_id) as conn:
        tenancy.move_in(conn, caller, allocation_id, on)
    return RedirectResponse(f"/assistance/allocations/{allocation_id}", status_code=303)


# ---------------------------------------------------------------------------------------------- tracking


@router.get("/assistance/cases", response_class=HTMLResponse)
def cases_page(
    request: Request,
    uow: UowDep,
    caller: AssistanceRead,
    paging: PagingDep,
    status: Annotated[str, Query(max_length=12)] = "open",
    kind: Annotated[str, Query(max_length=24)] = "",
    overdue: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    f = tracking.CaseFilter(
        status=status if status in domain.CASE_STATUSES else None,
        kind=kind if kind in domain.CASE_KINDS else None,
        overdue=overdue,
    )
    with uow.read() as conn:
        listed = tracking.list_cases(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "assistance/cases.html",
        cases=listed.items,
        kinds=domain.CASE_KINDS,
        statuses=domain.CASE_STATUSES,
        status=status,
        kind=kind,
        overdue=overdue,
        pager=pager(listed.total, paging.page, paging.page_size),
    )


@router.get("/assistance/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, uow: UowDep, caller: AssistanceRead, case_id: Id) -> HTMLResponse:
    """A case with its facts, the programme's exit rule and the decision form (default preselected)."""
    with uow.read() as conn:
        c = tracking.get_case(conn, case_id, scope=caller.scope)
    return render(request, "assistance/case.html", c=c, outcomes=domain.OUTCOMES, credit_labels=domain.CREDIT_LABELS)


@router.post("/assistance/cases/{case_id}/decision", response_class=RedirectResponse)
def decide_form(
    uow: UowDep,
    caller: AssistanceAllocate,
    case_id: Id,
    outcome: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    with audited(uow, caller, "assistance.decide_case", "case", case_id) as conn:
        tracking.decide_case(conn, caller, case_id, outcome, reason or None)
    return RedirectResponse(f"/assistance/cases/{case_id}", status_code=303)
