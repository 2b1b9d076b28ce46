"""REST routes of draws, allocation and tracking (``/api/v1/assistance``). Thin: parse, call, shape.

A draw's published material (its summary, the frozen list, the result and their verification) is
public: anyone can download both lists and re-run the draw with ``anju lottery verify``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from anju.assistance import drawing, selection, subsidies, tenancy, tracking, waitlist
from anju.assistance.http import schemas_allocation
from anju.assistance.http.deps import AssistanceAllocate, AssistanceRead, AssistanceReview
from anju.security import Public, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/assistance", tags=["assistance"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=schemas_allocation.ID_MAX)]
TEXT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {}}, "description": "每行一个编号（UTF-8，LF 换行）"}
}


def public_out(row: drawing.DrawPublic) -> schemas_allocation.DrawPublicOut:
    base = f"/api/v1/assistance/draws/{row['id']}"
    drawn = row["drawn_at"] is not None
    return schemas_allocation.DrawPublicOut(
        **{k: v for k, v in row.items() if k in schemas_allocation.DrawPublicOut.model_fields},
        candidates_url=f"{base}/candidates.txt",
        result_url=f"{base}/result.txt" if drawn else None,
        verify_command=drawing.verify_command(row) if drawn else None,
    )


# ------------------------------------------------------------------------------------ waiting list, draws


@router.get("/waiting-list", operation_id="assistance_waiting_list")
def waiting_list(
    uow: UowDep,
    caller: AssistanceRead,
    paging: PagingDep,
    programme_code: Annotated[str, Query(min_length=1, max_length=32, description="配房类保障项目")],
    priority_class: Annotated[str | None, Query(max_length=24, description="优先类别")] = None,
) -> Page[schemas_allocation.WaitingOut]:
    """The programme's waiting list (轮候) in the caller's scope, in order: submission time, then number."""
    with uow.read() as conn:
        listed = waitlist.waiting_list(
            conn,
            programme_code,
            priority_class or None,
            scope=caller.scope,
            limit=paging.page_size,
            offset=paging.offset,
        )
    return Page(
        items=[schemas_allocation.WaitingOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/draws", operation_id="list_assistance_draws")
def list_draws(
    uow: UowDep,
    caller: AssistanceRead,
    paging: PagingDep,
    programme_code: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[Literal["frozen", "drawn", "closed"] | None, Query()] = None,
) -> Page[schemas_allocation.DrawOut]:
    """Draws with a candidate in the caller's scope, newest first."""
    f = drawing.DrawFilter(programme=programme_code or None, status=status)
    with uow.read() as conn:
        listed = drawing.list_draws(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[schemas_allocation.DrawOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/draws", status_code=201, operation_id="freeze_assistance_draw")
def freeze_draw(
    uow: UowDep, caller: AssistanceAllocate, body: schemas_allocation.FreezeIn
) -> schemas_allocation.DrawOut:
    """Freeze the waiting list (in the caller's scope) into a draw and publish its SM3 hash in the log.
    409 when nobody is waiting outside an open draw."""
    with audited(uow, caller, "assistance.freeze_draw", "draw") as conn:
        draw_id = drawing.freeze_draw(conn, caller, body.programme_code, body.priority_class, body.title)
        set_audit_target(conn, draw_id)
        return schemas_allocation.DrawOut(**drawing.get_draw(conn, draw_id, scope=caller.scope))


@router.get("/draws/{draw_id}", operation_id="get_assistance_draw")
def get_draw(uow: UowDep, caller: AssistanceRead, draw_id: Id) -> schemas_allocation.DrawOut:
    with uow.read() as conn:
        return schemas_allocation.DrawOut(**drawing.get_draw(conn, draw_id, scope=caller.scope))


@router.post("/draws/{draw_id}/run", operation_id="run_assistance_draw")
def run_draw(
    uow: UowDep, caller: AssistanceAllocate, draw_id: Id, body: schemas_allocation.RunIn
) -> schemas_allocation.DrawOut:
    """Run a frozen draw with the seed announced in public. 409 naming ``list_hash`` when the stored
    list differs from the published one; 409 when the draw has already run."""
    with audited(uow, caller, "assistance.run_draw", "draw", draw_id) as conn:
        drawing.run_draw(conn, caller, draw_id, body.seed, body.seed_source, body.witnesses)
        return schemas_allocation.DrawOut(**drawing.get_draw(conn, draw_id, scope=caller.scope))


@router.post("/draws/{draw_id}/close", operation_id="close_assistance_draw")
def close_draw(
    uow: UowDep, caller: AssistanceAllocate, draw_id: Id, body: schemas_allocation.CloseIn
) -> schemas_allocation.DrawOut:
    """End a draw (cancel a frozen one, or end the selection); the unreached go back to the waiting list."""
    with audited(uow, caller, "assistance.close_draw", "draw", draw_id) as conn:
        drawing.close_draw(conn, caller, draw_id, body.reason)
        return schemas_allocation.DrawOut(**drawing.get_draw(conn, draw_id, scope=caller.scope))


@router.get("/draws/{draw_id}/turn", operation_id="get_assistance_draw_turn")
def get_turn(uow: UowDep, caller: AssistanceRead, paging: PagingDep, draw_id: Id) -> schemas_allocation.TurnOut:
    """Whose turn it is to choose, and the available homes (paginated) that fit that household."""
    with uow.read() as conn:
        return schemas_allocation.TurnOut(
            **selection.turn(conn, draw_id, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        )


@router.post("/draws/{draw_id}/selections", status_code=201, operation_id="select_assistance_home")
def select_home(
    uow: UowDep, caller: AssistanceAllocate, draw_id: Id, body: schemas_allocation.SelectIn
) -> schemas_allocation.AllocationOut:
    """The candidate whose turn it is chooses a home (选房). 409 naming ``application_id`` when it is
    not its turn, naming ``home_id`` when the home is taken; 422 when the home is too large."""
    with audited(uow, caller, "assistance.select_home", "allocation") as conn:
        alloc_id = selection.select_home(conn, caller, draw_id, body.application_id, body.home_id)
        set_audit_target(conn, alloc_id)
        return schemas_allocation.AllocationOut(**tenancy.get_allocation(conn, alloc_id, scope=caller.scope))


@router.post("/draws/{draw_id}/passes", operation_id="pass_assistance_turn")
def pass_turn(
    uow: UowDep, caller: AssistanceAllocate, draw_id: Id, body: schemas_allocation.PassIn
) -> schemas_allocation.DrawOut:
    """A candidate gives up its turn in this draw (放弃选房) and goes back to the waiting list."""
    with audited(uow, caller, "assistance.pass_turn", "application", body.application_id) as conn:
        selection.pass_turn(conn, caller, draw_id, body.application_id, body.reason)
        return schemas_allocation.DrawOut(**drawing.get_draw(conn, draw_id, scope=caller.scope))


# ------------------------------------------------------------------------------- published draw material


@router.get("/draws/{draw_id}/public", operation_id="get_public_assistance_draw")
def public_draw(uow: UowDep, _: Public, draw_id: Id) -> schemas_allocation.DrawPublicOut:
    """A draw as published (no sign-in): list hash, seed, result hash, counts, log entries, files."""
    with uow.read() as conn:
        return public_out(drawing.draw_public(conn, draw_id))


@router.get("/draws/{draw_id}/entries", operation_id="list_public_assistance_draw_entries")
def public_entries(
    uow: UowDep,
    _: Public,
    paging: PagingDep,
    draw_id: Id,
    order: Annotated[Literal["rank", "position"], Query(description="rank：选房顺序；position：冻结顺序")] = "rank",
) -> Page[schemas_allocation.EntryOut]:
    """The published list, paginated: in drawn order (before the draw: frozen order)."""
    with uow.read() as conn:
        listed = drawing.draw_entries(conn, draw_id, order=order, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[schemas_allocation.EntryOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


def _text_file(text: str, name: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/draws/{draw_id}/candidates.txt",
    operation_id="get_public_assistance_draw_candidates",
    response_class=Response,
    responses=TEXT,
)
def candidates_file(uow: UowDep, _: Public, draw_id: Id) -> Response:
    """The frozen list: one candidate id per line in frozen order (``--candidates``)."""
    with uow.read() as conn:
        row = drawing.draw_public(conn, draw_id)
        text = drawing.candidates_text(conn, draw_id)
    return _text_file(text, f"{row['draw_no']}-candidates.txt")


@router.get(
    "/draws/{draw_id}/result.txt",
    operation_id="get_public_assistance_draw_result",
    response_class=Response,
    responses=TEXT,
)
def result_file(uow: UowDep, _: Public, draw_id: Id) -> Response:
    """The result: one id per line, rank 1 first (``--result``). 409 before the draw."""
    with uow.read() as conn:
        row = drawing.draw_public(conn, draw_id)
        text = drawing.result_text(conn, draw_id)
    return _text_file(text, f"{row['draw_no']}-result.txt")


@router.get("/draws/{draw_id}/verify", operation_id="verify_public_assistance_draw")
def verify_draw(uow: UowDep, _: Public, draw_id: Id) -> schemas_allocation.VerificationOut:
    """Re-run the draw from its stored material and compare (409 before the draw)."""
    with uow.read() as conn:
        v = drawing.verify_draw(conn, draw_id)
    return schemas_allocation.VerificationOut(
        ok=v.ok,
        reasons=list(v.reasons),
        algorithm=v.algorithm,
        list_hash=v.list_hash,
        seed=v.seed,
        result_hash=v.result_hash,
        submitted_result_hash=v.submitted_result_hash,
    )


# ------------------------------------------------------------------------------------------- allocations


@router.get("/allocations", operation_id="list_assistance_allocations")
def list_allocations(
    uow: UowDep,
    caller: AssistanceRead,
    paging: PagingDep,
    status: Annotated[Literal["selected", "contracted", "moved_in", "ended"] | None, Query()] = None,
    programme_code: Annotated[str | None, Query(max_length=32)] = None,
    draw_id: Annotated[int | None, Query(ge=1, le=schemas_allocation.ID_MAX)] = None,
) -> Page[schemas_allocation.AllocationOut]:
    f = tenancy.AllocationFilter(status=status, programme=programme_code or None, draw_id=draw_id)
    with uow.read() as conn:
        listed = tenancy.list_allocations(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[schemas_allocation.AllocationOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/allocations/{allocation_id}", operation_id="get_assistance_allocation")
def get_allocation(uow: UowDep, caller: AssistanceRead, allocation_id: Id) -> schemas_allocation.AllocationOut:
    with uow.read() as conn:
        return schemas_allocation.AllocationOut(**tenancy.get_allocation(conn, allocation_id, scope=caller.scope))


@router.post("/allocations/{allocation_id}/contract", operation_id="contract_assistance_allocation")
def contract(
    uow: UowDep, caller: AssistanceAllocate, allocation_id: Id, body: schemas_allocation.ContractIn
) -> schemas_allocation.AllocationOut:
    """Record the contract of a selected home (409 unless selected)."""
    with audited(uow, caller, "assistance.contract", "allocation", allocation_id) as conn:
        tenancy.contract(conn, caller, allocation_id, body.contract_no)
        return schemas_allocation.AllocationOut(**tenancy.get_allocation(conn, allocation_id, scope=caller.scope))


@router.post("/allocations/{allocation_id}/move-in", operation_id="move_in_assistance_allocation")
def move_in(
    uow: UowDep, caller: AssistanceAllocate, allocation_id: Id, body: schemas_allocation.MoveInIn
) -> schemas_allocation.AllocationOut:
    """Record the move-in date of a contracted home (409 unless contracted)."""
    with audited(uow, caller, "assistance.move_in", "allocation", allocation_id) as conn:
        tenancy.move_in(conn, caller, allocation_id, body.on)
        return schemas_allocation.AllocationOut(**tenancy.get_allocation(conn, allocation_id, scope=caller.scope))


# ---------------------------------------------------------------------------------------------- tracking


@router.get("/cases", operation_id="list_assistance_cases")
def list_cases(
    uow: UowDep,
    caller: AssistanceRead,
    paging: PagingDep,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
    kind: Annotated[str | None, Query(max_length=24)] = None,
    overdue: Annotated[bool, Query(description="只看逾期未办结的案件")] = False,
) -> Page[schemas_allocation.CaseOut]:
    f = tracking.CaseFilter(status=status, kind=kind or None, overdue=overdue)
    with uow.read() as conn:
        listed = tracking.list_cases(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[schemas_allocation.CaseOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/cases/{case_id}", operation_id="get_assistance_case")
def get_case(uow: UowDep, caller: AssistanceRead, case_id: Id) -> schemas_allocation.CaseOut:
    with uow.read() as conn:
        return schemas_allocation.CaseOut(**tracking.get_case(conn, case_id, scope=caller.scope))


@router.post("/cases", status_code=201, operation_id="open_assistance_case")
def open_case(uow: UowDep, caller: AssistanceReview, body: schemas_allocation.CaseIn) -> schemas_allocation.CaseOut:
    """Open a tracking case on a supported household (a clerk's inspection, a data feed). 409 when the
    household is not supported or already has an open case of the kind."""
    with audited(uow, caller, "assistance.open_case", "case") as conn:
        case_id = tracking.open_case(conn, caller, body.application_id, body.kind, body.facts)
        set_audit_target(conn, case_id)
        return schemas_allocation.CaseOut(**tracking.get_case(conn, case_id, scope=caller.scope))


@router.post("/cases/{case_id}/decision", operation_id="decide_assistance_case")
def decide_case(
    uow: UowDep, caller: AssistanceAllocate, case_id: Id, body: schemas_allocation.DecisionIn
) -> schemas_allocation.DecisionOut:
    """Decide a case; the programme's exit rule gives the default outcome and its consequences, another
    outcome needs a reason (422 naming ``reason``)."""
    with audited(uow, caller, "assistance.decide_case", "case", case_id) as conn:
        return schemas_allocation.DecisionOut(**tracking.decide_case(conn, caller, case_id, body.outcome, body.reason))


@router.post("/requalify", operation_id="requalify_assistance")
def requalify(
    uow: UowDep, caller: AssistanceAllocate, body: schemas_allocation.RequalifyIn
) -> schemas_allocation.RequalifyOut:
    """Annual re-qualification of a programme's supported households in the caller's scope."""
    with audited(uow, caller, "assistance.requalify", "programme", body.programme_code) as conn:
        return schemas_allocation.RequalifyOut(**tracking.requalify(conn, caller, body.programme_code, body.on))


@router.post("/subsidies/payments", operation_id="pay_assistance_subsidies")
def pay_subsidies(uow: UowDep, caller: AssistanceAllocate, body: schemas_allocation.PayIn) -> schemas_allocation.PayOut:
    """Pay the month's rent subsidies in the caller's scope; a second run of the month pays nothing."""
    with audited(uow, caller, "assistance.pay_subsidies", "subsidy_month", body.month) as conn:
        return schemas_allocation.PayOut(**subsidies.pay_subsidies(conn, caller, body.month))
