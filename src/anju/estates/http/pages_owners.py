"""Pages of owners' organisations and votes: the street and district's assemblies, committees (term
audits, negative list) and votes (``estates.read`` to see, ``estates.supervise`` to act); the owner's
"我的业主事务" (``estates.own``): their estates' committees, votes to cast, receipts and decisions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from anju import ledger
from anju.core import clock, csvout
from anju.core.errors import AnjuError, ValidationError
from anju.estates import owners_close as closing
from anju.estates import owners_orgs as orgs
from anju.estates import owners_paper as paper
from anju.estates import owners_votes as votes
from anju.estates.domain import AUDIT_RESULTS, CHOICES, MATTERS, POSITIONS, SYNTHETIC_LABEL, VOTE_STATUSES
from anju.estates.http.deps import EstatesOwn, EstatesRead, EstatesSupervise
from anju.security import Caller, SecurityDep, audited, ledger_signing_seed, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)
#: A row id in a path: bounded so no value overflows a database integer.
Id = Annotated[int, Path(ge=1, le=2**62)]

ORGS = "/property/owners"
VOTES = "/property/votes"
MINE = "/property/mine"
StatusQ = Annotated[str, Query(pattern=r"^(draft|open|closed|tallied|cancelled)?$")]
DoneQ = Annotated[str, Query(max_length=20)]
DONE = {
    "filed": "业主大会已备案。",
    "committee": "业主委员会已备案，上一届已届满。",
    "audit": "换届审计已登记。",
    "negative": "已列入履职负面清单。",
    "cleared": "负面清单事项已消除。",
    "created": "表决已草拟，请核对后开启。",
    "open": "表决已开启，表决权人已按股权登记日冻结。",
    "close": "表决已结束，不再接受投票，可以计票。",
    "tally": "计票完成，结果已写入可验证日志。",
    "cancel": "表决已撤销。",
    "cast": "投票成功。请保存回执中的承诺值和随机数，可随时核验。",
}


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError.of(field, "请填写日期（年-月-日）") from None


def _int(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ValidationError.of(field, "请填写编号") from None


# ------------------------------------------------------------------------------------ organisations


def _orgs(request: Request, uow: UowDep, caller: Caller, paging: PagingDep, q: str, **extra: object) -> HTMLResponse:
    with uow.read() as conn:
        page = orgs.list_assemblies(conn, caller.scope, q=q or None, limit=paging.page_size, offset=paging.offset)
    ctx: dict[str, object] = {"values": {}, "errors": [], "message": None, "done": None, **extra}
    return render(
        request,
        "estates/owners_assemblies.html",
        status_code=int(str(ctx.pop("status_code", 200))),
        items=page.items,
        q=q,
        pager=pager(page.total, paging.page, paging.page_size),
        can_supervise=caller.can("estates.supervise"),
        **ctx,
    )


@router.get(ORGS, response_class=HTMLResponse)
def assemblies_page(
    request: Request,
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    q: Annotated[str, Query(max_length=40)] = "",
    done: DoneQ = "",
) -> HTMLResponse:
    """业主组织：辖区内的业主大会和在任业主委员会。"""
    return _orgs(request, uow, caller, paging, q, done=DONE.get(done))


@router.post(ORGS, response_class=HTMLResponse, response_model=None)
def file_assembly_page(
    request: Request,
    uow: UowDep,
    caller: EstatesSupervise,
    paging: PagingDep,
    estate_id: Annotated[str, Form(max_length=12)] = "",
    filing_no: Annotated[str, Form(max_length=30)] = "",
    established_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    values = {"estate_id": estate_id, "filing_no": filing_no, "established_on": established_on}

    def write() -> int:
        eid, day = _int(estate_id, "estate_id"), _day(established_on, "established_on")
        with audited(uow, caller, "estates.assembly_file", "estates_assembly") as conn:
            aid = orgs.file_assembly(conn, caller, eid, filing_no, day)
            set_audit_target(conn, aid)
            return aid

    def again(e: AnjuError) -> Response:
        return _orgs(
            request,
            uow,
            caller,
            paging,
            "",
            values=values,
            message=e.message,
            errors=e.errors,
            status_code=e.status_code,
        )

    return form_action(write, done=f"{ORGS}?done=filed", again=again, not_found_is_error_page=False)


def _committee_form(request: Request, uow: UowDep, caller: Caller, assembly_id: Id, **extra: object) -> HTMLResponse:
    with uow.read() as conn:
        a = orgs.get_assembly(conn, caller.scope, assembly_id)
    ctx: dict[str, object] = {"values": {}, "errors": [], "message": None, **extra}
    return render(
        request,
        "estates/owners_committee_form.html",
        status_code=int(str(ctx.pop("status_code", 200))),
        a=a,
        rows=range(orgs.MAX_MEMBERS),
        positions=POSITIONS,
        **ctx,
    )


@router.get(ORGS + "/assemblies/{assembly_id}/committee", response_class=HTMLResponse)
def committee_form_page(request: Request, assembly_id: Id, uow: UowDep, caller: EstatesSupervise) -> HTMLResponse:
    """业主委员会备案（新一届）：5–11 名委员、一名主任，均须为本小区楼盘表登记的产权人。"""
    return _committee_form(request, uow, caller, assembly_id)


@router.post(ORGS + "/assemblies/{assembly_id}/committee", response_class=HTMLResponse, response_model=None)
async def form_committee_page(
    request: Request, assembly_id: Id, uow: UowDep, sec: SecurityDep, caller: EstatesSupervise
) -> Response:
    form = await request.form()

    def field(name: str) -> str:
        v = form.get(name)
        return v.strip()[:40] if isinstance(v, str) else ""

    # the typed ID numbers are never shown again (personal data): a refused form asks for them anew
    values = {f"m{i}_{k}": field(f"m{i}_{k}") for i in range(orgs.MAX_MEMBERS) for k in ("name", "house", "position")}
    values |= {"term_starts_on": field("term_starts_on"), "term_ends_on": field("term_ends_on")}

    def write() -> int:
        members = [
            orgs.MemberIn(field(f"m{i}_name"), field(f"m{i}_id"), field(f"m{i}_house"), field(f"m{i}_position"))
            for i in range(orgs.MAX_MEMBERS)
            if field(f"m{i}_name") or field(f"m{i}_id")
        ]
        cmd = orgs.CommitteeIn(
            assembly_id,
            _day(field("term_starts_on"), "term_starts_on"),
            _day(field("term_ends_on"), "term_ends_on"),
            members,
        )
        with audited(uow, caller, "estates.committee_form", "estates_committee") as conn:
            cid = orgs.form_committee(conn, sec.keyring, caller, cmd)
            set_audit_target(conn, cid)
            return cid

    def again(e: AnjuError) -> Response:
        return _committee_form(
            request,
            uow,
            caller,
            assembly_id,
            values=values,
            message=e.message,
            errors=e.errors,
            status_code=e.status_code,
        )

    return await run_in_threadpool(
        form_action, write, done=lambda cid: f"{ORGS}/committees/{cid}?done=committee", again=again
    )


def _committee(
    request: Request, uow: UowDep, sec: SecurityDep, caller: Caller, committee_id: Id, **extra: object
) -> HTMLResponse:
    with uow.read() as conn:
        c = orgs.get_committee(conn, sec.keyring, caller.scope, committee_id)
    ctx: dict[str, object] = {"values": {}, "errors": [], "message": None, "done": None, **extra}
    return render(
        request,
        "estates/owners_committee.html",
        status_code=int(str(ctx.pop("status_code", 200))),
        c=c,
        kinds=orgs.negative_kinds(),
        results=AUDIT_RESULTS,
        can_supervise=caller.can("estates.supervise"),
        label=SYNTHETIC_LABEL,
        **ctx,
    )


@router.get(ORGS + "/committees/{committee_id}", response_class=HTMLResponse)
def committee_page(
    request: Request, committee_id: Id, uow: UowDep, sec: SecurityDep, caller: EstatesRead, done: DoneQ = ""
) -> HTMLResponse:
    """业主委员会：委员、换届审计、履职负面清单。"""
    return _committee(request, uow, sec, caller, committee_id, done=DONE.get(done))


@router.post(ORGS + "/committees/{committee_id}/audits", response_class=HTMLResponse, response_model=None)
def audit_page(
    request: Request,
    committee_id: Id,
    uow: UowDep,
    sec: SecurityDep,
    caller: EstatesSupervise,
    audited_on: Annotated[str, Form(max_length=10)] = "",
    auditor: Annotated[str, Form(max_length=100)] = "",
    result: Annotated[str, Form(max_length=12)] = "",
    findings: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    values = {"audited_on": audited_on, "auditor": auditor, "result": result, "findings": findings}

    def write() -> int:
        day = _day(audited_on, "audited_on")
        with audited(uow, caller, "estates.term_audit", "estates_term_audit") as conn:
            tid = orgs.record_audit(conn, caller, committee_id, day, auditor, result, findings)
            set_audit_target(conn, tid)
            return tid

    def again(e: AnjuError) -> Response:
        return _committee(
            request,
            uow,
            sec,
            caller,
            committee_id,
            values=values,
            message=e.message,
            errors=e.errors,
            status_code=e.status_code,
        )

    return form_action(write, done=f"{ORGS}/committees/{committee_id}?done=audit", again=again)


@router.post(ORGS + "/committees/{committee_id}/negative", response_class=HTMLResponse, response_model=None)
def negative_page(
    request: Request,
    committee_id: Id,
    uow: UowDep,
    sec: SecurityDep,
    caller: EstatesSupervise,
    kind: Annotated[str, Form(max_length=32)] = "",
    occurred_on: Annotated[str, Form(max_length=10)] = "",
    member_id: Annotated[str, Form(max_length=12)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    values = {"kind": kind, "occurred_on": occurred_on, "member_id": member_id, "note": note}

    def write() -> int:
        day = _day(occurred_on, "occurred_on")
        mid = _int(member_id, "member_id") if member_id.strip() else None
        with audited(uow, caller, "estates.negative_add", "estates_negative_item") as conn:
            nid = orgs.add_negative(conn, caller, committee_id, kind, day, note, mid)
            set_audit_target(conn, nid)
            return nid

    def again(e: AnjuError) -> Response:
        return _committee(
            request,
            uow,
            sec,
            caller,
            committee_id,
            values=values,
            message=e.message,
            errors=e.errors,
            status_code=e.status_code,
        )

    return form_action(write, done=f"{ORGS}/committees/{committee_id}?done=negative", again=again)


@router.post(ORGS + "/negative/{item_id}/clear", response_class=HTMLResponse, response_model=None)
def clear_page(
    request: Request,
    item_id: Id,
    uow: UowDep,
    caller: EstatesSupervise,
    cleared_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    def write() -> int:
        day = _day(cleared_on, "cleared_on") if cleared_on.strip() else clock.today()
        with audited(uow, caller, "estates.negative_clear", "estates_negative_item", item_id) as conn:
            return orgs.clear_negative(conn, caller, item_id, day)

    def again(e: AnjuError) -> Response:
        from anju.web.templating import render_error

        return render_error(request, e.status_code, e.message)

    return form_action(write, done=lambda cid: f"{ORGS}/committees/{cid}?done=cleared", again=again)


# -------------------------------------------------------------------------------------------- votes


def _votes(
    request: Request,
    uow: UowDep,
    caller: Caller,
    paging: PagingDep,
    status: str,
    matter: str,
    **extra: object,
) -> HTMLResponse:
    with uow.read() as conn:
        page = votes.list_votes(
            conn,
            caller.scope,
            status=status or None,
            matter=matter or None,
            limit=paging.page_size,
            offset=paging.offset,
        )
    ctx: dict[str, object] = {"values": {}, "errors": [], "message": None, "done": None, **extra}
    return render(
        request,
        "estates/owners_votes.html",
        status_code=int(str(ctx.pop("status_code", 200))),
        items=page.items,
        status=status,
        matter=matter,
        statuses=VOTE_STATUSES,
        matters=MATTERS,
        pager=pager(page.total, paging.page, paging.page_size),
        can_supervise=caller.can("estates.supervise"),
        label=SYNTHETIC_LABEL,
        **ctx,
    )


@router.get(VOTES, response_class=HTMLResponse)
def votes_page(
    request: Request,
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    status: StatusQ = "",
    matter: Annotated[str, Query(max_length=24)] = "",
    done: DoneQ = "",
) -> HTMLResponse:
    """业主表决：辖区内的表决，表决中显示参与人数和面积，计票后显示结果。"""
    return _votes(request, uow, caller, paging, status, matter, done=DONE.get(done))


EXPORT_COLUMNS = (
    "vote_no",
    "estate_name",
    "title",
    "matter",
    "status",
    "record_date",
    "closes_at",
    "electorate_owners",
    "electorate_area",
    "ballots",
    "ballots_area",
    "yes_owners",
    "yes_area",
    "no_owners",
    "no_area",
    "abstain_owners",
    "abstain_area",
    "quorum_met",
    "passed",
)


def _cell(x: Mapping[str, object], k: str) -> object:
    return x["matter_label"] if k == "matter" else x["status_label"] if k == "status" else x[k]


@router.get(VOTES + "/export.csv")
def votes_export(uow: UowDep, caller: EstatesRead, status: StatusQ = "") -> Response:
    """业主表决导出（CSV，辖区内，最多 10000 条）。"""
    with uow.read() as conn:
        page = votes.list_votes(conn, caller.scope, status=status or None, limit=10_000, offset=0)
    rows = [[_cell(x, k) for k in EXPORT_COLUMNS] for x in page.items]
    synthetic = any(x["synthetic"] for x in page.items)
    return csvout.response("业主表决.csv", EXPORT_COLUMNS, rows, note=SYNTHETIC_LABEL if synthetic else None)


@router.post(VOTES, response_class=HTMLResponse, response_model=None)
def create_vote_page(
    request: Request,
    uow: UowDep,
    caller: EstatesSupervise,
    paging: PagingDep,
    estate_id: Annotated[str, Form(max_length=12)] = "",
    title: Annotated[str, Form(max_length=100)] = "",
    matter: Annotated[str, Form(max_length=24)] = "",
    record_date: Annotated[str, Form(max_length=10)] = "",
    opens_on: Annotated[str, Form(max_length=10)] = "",
    closes_on: Annotated[str, Form(max_length=10)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    values = {
        "estate_id": estate_id,
        "title": title,
        "matter": matter,
        "record_date": record_date,
        "opens_on": opens_on,
        "closes_on": closes_on,
        "description": description,
    }

    def write() -> int:
        opens = datetime.combine(_day(opens_on, "opens_on"), time(0), clock.CITY_TZ)
        closes = datetime.combine(_day(closes_on, "closes_on"), time(23, 59, 59), clock.CITY_TZ)
        cmd = votes.VoteIn(
            _int(estate_id, "estate_id"), title, matter, _day(record_date, "record_date"), opens, closes, description
        )
        with audited(uow, caller, "estates.vote_create", "estates_vote") as conn:
            vid = votes.create_vote(conn, caller, cmd)
            set_audit_target(conn, vid)
            return vid

    def again(e: AnjuError) -> Response:
        return _votes(
            request,
            uow,
            caller,
            paging,
            "",
            "",
            values=values,
            message=e.message,
            errors=e.errors,
            status_code=e.status_code,
        )

    return form_action(
        write, done=lambda vid: f"{VOTES}/{vid}?done=created", again=again, not_found_is_error_page=False
    )


def _vote(
    request: Request,
    uow: UowDep,
    caller: Caller,
    vote_id: Id,
    template: str = "estates/owners_vote.html",
    **extra: object,
) -> HTMLResponse:
    with uow.read() as conn:
        v = votes.get_vote(conn, caller.scope, vote_id)
    ctx: dict[str, object] = {"message": None, "done": None, **extra}
    return render(
        request,
        template,
        status_code=int(str(ctx.pop("status_code", 200))),
        v=v,
        can_supervise=caller.can("estates.supervise"),
        label=SYNTHETIC_LABEL,
        **ctx,
    )


@router.get(VOTES + "/{vote_id}", response_class=HTMLResponse)
def vote_page(request: Request, vote_id: Id, uow: UowDep, caller: EstatesRead, done: DoneQ = "") -> HTMLResponse:
    """一次业主表决：参与情况（计票前不含选择）和计票结果。"""
    return _vote(request, uow, caller, vote_id, done=DONE.get(done))


@router.get(VOTES + "/{vote_id}/close", response_class=HTMLResponse)
def close_vote_page(request: Request, vote_id: Id, uow: UowDep, caller: EstatesSupervise) -> HTMLResponse:
    """结束表决的确认页：截止时间已过，结束后不再接受投票，方可计票。"""
    return _vote(request, uow, caller, vote_id, template="estates/owners_vote_close.html")


@router.post(VOTES + "/{vote_id}/close", response_class=HTMLResponse, response_model=None)
def close_vote_action(
    request: Request,
    vote_id: Id,
    uow: UowDep,
    caller: EstatesSupervise,
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """结束表决（须勾选确认）。"""

    def write() -> None:
        if confirm != "yes":
            raise ValidationError.of("confirm", "请勾选确认：结束后不再接受任何投票")
        with audited(uow, caller, "estates.vote_close", "estates_vote", vote_id) as conn:
            closing.close_vote(conn, caller, vote_id)

    def again(e: AnjuError) -> Response:
        return _vote(
            request, uow, caller, vote_id, template="estates/owners_vote_close.html",
            message=e.message, status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done=f"{VOTES}/{vote_id}?done=close", again=again)


@router.get(VOTES + "/{vote_id}/paper", response_class=HTMLResponse)
def paper_ballot_page(request: Request, vote_id: Id, uow: UowDep, caller: EstatesSupervise) -> HTMLResponse:
    """登记单位产权人的书面表决票：表单。"""
    return _vote(request, uow, caller, vote_id, template="estates/owners_vote_paper.html", values={}, errors=[],
                 choices=CHOICES)  # fmt: skip


@router.post(VOTES + "/{vote_id}/paper", response_class=HTMLResponse, response_model=None)
def paper_ballot_save(
    request: Request,
    vote_id: Id,
    uow: UowDep,
    sec: SecurityDep,
    caller: EstatesSupervise,
    credit_code: Annotated[str, Form(max_length=30)] = "",
    choice: Annotated[str, Form(max_length=8)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """登记（须勾选确认）；成功后一次性显示回执，交单位留存。"""
    try:
        with audited(uow, caller, "estates.paper_ballot", "estates_vote", vote_id) as conn:
            receipt = paper.record_paper_ballot(
                conn, sec.keyring, caller, vote_id, credit_code, choice, confirmed=confirm == "yes"
            )
    except AnjuError as e:
        if e.status_code == 404:
            raise
        return _vote(
            request, uow, caller, vote_id, template="estates/owners_vote_paper.html", choices=CHOICES,
            values={"credit_code": credit_code, "choice": choice}, errors=e.errors, message=e.message,
            status_code=e.status_code,
        )  # fmt: skip
    return _vote(request, uow, caller, vote_id, template="estates/owners_vote_paper.html", choices=CHOICES,
                 values={}, errors=[], receipt=receipt)  # fmt: skip


@router.post(VOTES + "/{vote_id}/{action}", response_class=HTMLResponse, response_model=None)
def vote_action_page(
    request: Request,
    vote_id: Id,
    action: Literal["open", "tally", "cancel"],
    uow: UowDep,
    sec: SecurityDep,
    caller: EstatesSupervise,
) -> Response:
    """开启（冻结表决权人）、计票或撤销。"""

    def write() -> None:
        with audited(uow, caller, f"estates.vote_{action}", "estates_vote", vote_id) as conn:
            if action == "open":
                votes.open_vote(conn, caller, vote_id)
            elif action == "tally":
                closing.tally_closed(conn, sec.keyring, caller, vote_id)
            else:
                votes.cancel_vote(conn, caller, vote_id)

    def again(e: AnjuError) -> Response:
        return _vote(request, uow, caller, vote_id, message=e.message, status_code=e.status_code)

    return form_action(write, done=f"{VOTES}/{vote_id}?done={action}", again=again)


# ------------------------------------------------------------------------------------------- owners


@router.get(MINE, response_class=HTMLResponse)
def mine_page(request: Request, uow: UowDep, sec: SecurityDep, caller: EstatesOwn, paging: PagingDep) -> HTMLResponse:
    """我的业主事务：我的小区和业主委员会、我的表决（待投票、已投票、已决定）。"""
    message = None
    estates: list[orgs.MyEstate] = []
    items: list[votes.MyVote] = []
    total = 0
    with uow.read() as conn:
        try:
            bidx, _ = votes.identity_of(conn, sec.keyring, caller)
        except ValidationError as e:
            message = e.message
        else:
            estates = orgs.my_estates(conn, sec.keyring, bidx)
            page = votes.my_votes(conn, sec.keyring, caller, limit=paging.page_size, offset=paging.offset)
            items, total = list(page.items), page.total
    return render(
        request,
        "estates/owners_mine.html",
        estates=estates,
        items=items,
        pager=pager(total, paging.page, paging.page_size),
        message=message,
        label=SYNTHETIC_LABEL,
    )


def _my_vote(
    request: Request, uow: UowDep, sec: SecurityDep, caller: Caller, vote_id: Id, **extra: object
) -> HTMLResponse:
    signer = ledger.signer_from_seed(ledger_signing_seed(sec.settings))
    with audited(uow, caller, "estates.ballot_receipt", "estates_vote", vote_id) as conn:
        page = votes.my_votes(conn, sec.keyring, caller, limit=1, offset=0, vote_id=vote_id)
        if not page.items:
            from anju.core.errors import NotFound

            raise NotFound("表决不存在或您不是本次表决的表决权人")
        mine = page.items[0]
        ballot = votes.my_ballot(conn, sec.keyring, caller, vote_id, signer) if mine["cast"] else None
    ctx: dict[str, object] = {"message": None, "done": None, "errors": [], **extra}
    return render(
        request,
        "estates/owners_my_vote.html",
        status_code=int(str(ctx.pop("status_code", 200))),
        m=mine,
        v=mine["vote"],
        ballot=ballot,
        choices=CHOICES,
        label=SYNTHETIC_LABEL,
        **ctx,
    )


@router.get(MINE + "/votes/{vote_id}", response_class=HTMLResponse)
def my_vote_page(
    request: Request, vote_id: Id, uow: UowDep, sec: SecurityDep, caller: EstatesOwn, done: DoneQ = ""
) -> HTMLResponse:
    """我的一次表决：投票，或查看回执与包含证明。"""
    return _my_vote(request, uow, sec, caller, vote_id, done=DONE.get(done))


@router.post(MINE + "/votes/{vote_id}", response_class=HTMLResponse, response_model=None)
def cast_page(
    request: Request,
    vote_id: Id,
    uow: UowDep,
    sec: SecurityDep,
    caller: EstatesOwn,
    choice: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    def write() -> None:
        with audited(uow, caller, "estates.ballot_cast", "estates_vote", vote_id) as conn:
            votes.cast(conn, sec.keyring, caller, vote_id, choice)

    def again(e: AnjuError) -> Response:
        return _my_vote(
            request, uow, sec, caller, vote_id, message=e.message, errors=e.errors, status_code=e.status_code
        )

    return form_action(write, done=f"{MINE}/votes/{vote_id}?done=cast", again=again)
