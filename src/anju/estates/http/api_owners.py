"""Owners' organisations and votes (业主大会、业主委员会、业主表决) over REST, under ``/api/v1/property``:
the street and district (``estates.supervise``) file assemblies, form committees, record term audits and
negative-list items, and start, open and tally votes; staff in scope read (``estates.read``); owners
(``estates.own``) see their estates' committees, the votes they may cast, cast, and fetch their receipt
with an inclusion proof; anyone fetches a tallied vote's public tally file."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from anju import ledger
from anju.estates import owners_close as closing
from anju.estates import owners_orgs as orgs
from anju.estates import owners_paper as paper
from anju.estates import owners_votes as votes
from anju.estates.http.deps import EstatesOwn, EstatesRead, EstatesSupervise
from anju.security import Public, SecurityDep, audited, ledger_signing_seed, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/property", tags=["estates"], responses=ERRORS)

Choice = Literal["yes", "no", "abstain"]
#: A row id in a path, a body or a query: bounded so no value overflows a database integer.
Id = Annotated[int, Path(ge=1, le=2**62)]
BodyId = Annotated[int, Field(ge=1, le=2**62)]
QueryId = Annotated[int | None, Query(ge=1, le=2**62)]


class Created(BaseModel):
    id: int


class AssemblyIn(BaseModel):
    estate_id: BodyId
    filing_no: str = Field(max_length=30)
    established_on: date


class AssemblyOut(BaseModel):
    id: int
    estate_id: int
    estate_name: str
    filing_no: str
    established_on: date
    street_code: str
    committee_id: int | None
    term_starts_on: date | None
    term_ends_on: date | None
    members: int
    open_negative: int


class MemberIn(BaseModel):
    name: str = Field(max_length=40)
    id_number: str = Field(max_length=20)
    house_code: str = Field(max_length=23)
    position: Literal["chair", "vice_chair", "member"]


class CommitteeIn(BaseModel):
    term_starts_on: date
    term_ends_on: date
    members: list[MemberIn] = Field(max_length=20)


class MemberOut(BaseModel):
    id: int
    name: str
    position: str
    position_label: str
    house_code: str
    left_on: date | None


class AuditOut(BaseModel):
    id: int
    audited_on: date
    auditor: str
    result: str
    result_label: str
    findings: str | None


class NegativeOut(BaseModel):
    id: int
    member_id: int | None
    kind: str
    kind_label: str
    occurred_on: date
    note: str | None
    cleared_on: date | None


class CommitteeOut(BaseModel):
    id: int
    assembly_id: int
    estate_id: int
    estate_name: str
    filing_no: str
    term_starts_on: date
    term_ends_on: date
    status: str
    status_label: str
    street_code: str
    members: list[MemberOut]
    audits: list[AuditOut]
    negative: list[NegativeOut]
    synthetic: bool


class AuditIn(BaseModel):
    audited_on: date
    auditor: str = Field(max_length=100)
    result: Literal["clean", "issues", "serious"]
    findings: str | None = Field(default=None, max_length=2000)


class NegativeIn(BaseModel):
    kind: str = Field(max_length=32)
    occurred_on: date
    note: str | None = Field(default=None, max_length=500)
    member_id: BodyId | None = None


class ClearIn(BaseModel):
    cleared_on: date


class VoteIn(BaseModel):
    estate_id: BodyId
    title: str = Field(max_length=100)
    matter: str = Field(max_length=24)
    record_date: date
    opens_at: datetime
    closes_at: datetime
    description: str | None = Field(default=None, max_length=4000)


class VoteOut(BaseModel):
    id: int
    vote_no: str
    estate_id: int
    estate_name: str
    title: str
    matter: str
    matter_label: str
    status: str
    status_label: str
    close_recorded: bool
    closed_at: datetime | None
    record_date: date
    opens_at: datetime
    closes_at: datetime
    street_code: str
    electorate_owners: int | None
    electorate_area: Decimal | None
    ballots: int
    ballots_area: Decimal
    yes_owners: int | None
    yes_area: Decimal | None
    no_owners: int | None
    no_area: Decimal | None
    abstain_owners: int | None
    abstain_area: Decimal | None
    quorum_met: bool | None
    passed: bool | None
    synthetic: bool


class OpenedOut(BaseModel):
    electors: int


class TallyOut(BaseModel):
    vote_no: str
    ballots: int
    quorum_met: bool
    passed: bool
    reason: str
    ledger_index: int


class BallotIn(BaseModel):
    choice: Choice


class PaperBallotIn(BaseModel):
    credit_code: str = Field(max_length=30, description="单位产权人的统一社会信用代码")
    choice: Choice
    confirmed: bool = Field(False, description="已核对加盖单位公章的书面表决票及签署人的授权")


class ReceiptOut(BaseModel):
    vote_no: str
    choice: str
    commitment: str
    nonce: str
    ledger_index: int
    cast_at: datetime


class ProofOut(BaseModel):
    log: str
    algorithm: str
    index: int
    tree_size: int
    leaf_hash: str
    root: str
    proof: list[str]
    entry: str
    signed_head: dict[str, Any]


class MyBallotOut(BaseModel):
    receipt: ReceiptOut
    proof: ProofOut | None


class MyVoteOut(BaseModel):
    vote: VoteOut
    homes: int
    area: Decimal
    cast: bool
    can_cast: bool


class MyEstateOut(BaseModel):
    estate_id: int
    estate_name: str
    homes: int
    committee: CommitteeOut | None


# ------------------------------------------------------------------------------------ organisations


@router.get("/assemblies")
def list_assemblies(
    uow: UowDep, caller: EstatesRead, paging: PagingDep, q: Annotated[str | None, Query(max_length=40)] = None
) -> Page[AssemblyOut]:
    """业主大会列表（辖区内）：备案号、在任业主委员会、委员人数和未消除的负面清单事项。"""
    with uow.read() as conn:
        p = orgs.list_assemblies(conn, caller.scope, q=q, limit=paging.page_size, offset=paging.offset)
    items = [AssemblyOut.model_validate(x) for x in p.items]
    return Page(items=items, total=p.total, page=paging.page, page_size=paging.page_size)


@router.post("/assemblies", status_code=201)
def file_assembly(body: AssemblyIn, uow: UowDep, caller: EstatesSupervise) -> Created:
    """业主大会备案（每个小区一个）。"""
    with audited(uow, caller, "estates.assembly_file", "estates_assembly") as conn:
        aid = orgs.file_assembly(conn, caller, body.estate_id, body.filing_no, body.established_on)
        set_audit_target(conn, aid)
    return Created(id=aid)


@router.post("/assemblies/{assembly_id}/committees", status_code=201)
def form_committee(
    assembly_id: Id, body: CommitteeIn, uow: UowDep, sec: SecurityDep, caller: EstatesSupervise
) -> Created:
    """业主委员会备案（新一届）：5–11 名委员、一名主任，均为本小区楼盘表登记的产权人。"""
    cmd = orgs.CommitteeIn(
        assembly_id,
        body.term_starts_on,
        body.term_ends_on,
        [orgs.MemberIn(m.name, m.id_number, m.house_code, m.position) for m in body.members],
    )
    with audited(uow, caller, "estates.committee_form", "estates_committee") as conn:
        cid = orgs.form_committee(conn, sec.keyring, caller, cmd)
        set_audit_target(conn, cid)
    return Created(id=cid)


@router.get("/committees/{committee_id}")
def get_committee(committee_id: Id, uow: UowDep, sec: SecurityDep, caller: EstatesRead) -> CommitteeOut:
    """业主委员会：委员（姓名脱敏）、换届审计、履职负面清单。"""
    with uow.read() as conn:
        return CommitteeOut.model_validate(orgs.get_committee(conn, sec.keyring, caller.scope, committee_id))


@router.post("/committees/{committee_id}/audits", status_code=201)
def record_audit(committee_id: Id, body: AuditIn, uow: UowDep, caller: EstatesSupervise) -> Created:
    """登记换届审计。"""
    with audited(uow, caller, "estates.term_audit", "estates_term_audit") as conn:
        tid = orgs.record_audit(conn, caller, committee_id, body.audited_on, body.auditor, body.result, body.findings)
        set_audit_target(conn, tid)
    return Created(id=tid)


@router.post("/committees/{committee_id}/negative", status_code=201)
def add_negative(committee_id: Id, body: NegativeIn, uow: UowDep, caller: EstatesSupervise) -> Created:
    """列入履职负面清单（业主委员会或其委员）。"""
    with audited(uow, caller, "estates.negative_add", "estates_negative_item") as conn:
        nid = orgs.add_negative(conn, caller, committee_id, body.kind, body.occurred_on, body.note, body.member_id)
        set_audit_target(conn, nid)
    return Created(id=nid)


@router.post("/negative/{item_id}/clear")
def clear_negative(item_id: Id, body: ClearIn, uow: UowDep, caller: EstatesSupervise) -> Created:
    """负面清单事项整改消除。"""
    with audited(uow, caller, "estates.negative_clear", "estates_negative_item", item_id) as conn:
        orgs.clear_negative(conn, caller, item_id, body.cleared_on)
    return Created(id=item_id)


# -------------------------------------------------------------------------------------------- votes


@router.get("/votes")
def list_votes(
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    status: Annotated[str | None, Query(pattern=r"^(draft|open|closed|tallied|cancelled)?$")] = None,
    matter: Annotated[str | None, Query(max_length=24)] = None,
    estate_id: QueryId = None,
) -> Page[VoteOut]:
    """业主表决列表（辖区内）：表决中只显示参与人数和面积，计票后显示结果。"""
    with uow.read() as conn:
        p = votes.list_votes(
            conn,
            caller.scope,
            status=status or None,
            matter=matter or None,
            estate_id=estate_id,
            limit=paging.page_size,
            offset=paging.offset,
        )
    items = [VoteOut.model_validate(x) for x in p.items]
    return Page(items=items, total=p.total, page=paging.page, page_size=paging.page_size)


@router.post("/votes", status_code=201)
def create_vote(body: VoteIn, uow: UowDep, caller: EstatesSupervise) -> Created:
    """发起业主表决（草拟）：事项、股权登记日、表决起止时间。"""
    cmd = votes.VoteIn(
        body.estate_id, body.title, body.matter, body.record_date, body.opens_at, body.closes_at, body.description
    )
    with audited(uow, caller, "estates.vote_create", "estates_vote") as conn:
        vid = votes.create_vote(conn, caller, cmd)
        set_audit_target(conn, vid)
    return Created(id=vid)


@router.get("/votes/{vote_id}")
def get_vote(vote_id: Id, uow: UowDep, caller: EstatesRead) -> VoteOut:
    """一次业主表决：表决权人、参与情况（计票前不含选择）、计票结果。"""
    with uow.read() as conn:
        return VoteOut.model_validate(votes.get_vote(conn, caller.scope, vote_id))


@router.post("/votes/{vote_id}/open")
def open_vote(vote_id: Id, uow: UowDep, caller: EstatesSupervise) -> OpenedOut:
    """开启表决：按股权登记日的楼盘表产权冻结表决权人。"""
    with audited(uow, caller, "estates.vote_open", "estates_vote", vote_id) as conn:
        return OpenedOut(electors=votes.open_vote(conn, caller, vote_id))


@router.post("/votes/{vote_id}/cancel")
def cancel_vote(vote_id: Id, uow: UowDep, caller: EstatesSupervise) -> Created:
    """撤销草拟中或表决中的事项。"""
    with audited(uow, caller, "estates.vote_cancel", "estates_vote", vote_id) as conn:
        votes.cancel_vote(conn, caller, vote_id)
    return Created(id=vote_id)


@router.post("/votes/{vote_id}/close")
def close_vote(vote_id: Id, uow: UowDep, caller: EstatesSupervise) -> Created:
    """结束表决：截止时间已过的表决记为已截止，此后不再接受投票，方可计票。"""
    with audited(uow, caller, "estates.vote_close", "estates_vote", vote_id) as conn:
        closing.close_vote(conn, caller, vote_id)
    return Created(id=vote_id)


@router.post("/votes/{vote_id}/paper-ballots", status_code=201)
def paper_ballot(
    vote_id: Id, body: PaperBallotIn, uow: UowDep, sec: SecurityDep, caller: EstatesSupervise
) -> ReceiptOut:
    """登记单位产权人的书面表决票（单位无法在线投票）：与在线选票同样密封并写入可验证日志，每个表决权人一票。"""
    with audited(uow, caller, "estates.paper_ballot", "estates_vote", vote_id) as conn:
        r = paper.record_paper_ballot(
            conn, sec.keyring, caller, vote_id, body.credit_code, body.choice, confirmed=body.confirmed
        )
    return ReceiptOut.model_validate(r)


@router.post("/votes/{vote_id}/tally")
def tally_vote(vote_id: Id, uow: UowDep, sec: SecurityDep, caller: EstatesSupervise) -> TallyOut:
    """对已结束的表决计票：开启密封选票，按人数和专有部分面积统计，依民法典第二百七十八条判定，结果写入可验证日志。"""
    with audited(uow, caller, "estates.vote_tally", "estates_vote", vote_id) as conn:
        return TallyOut.model_validate(closing.tally_closed(conn, sec.keyring, caller, vote_id))


@router.get("/votes/{vote_id}/tally.json")
def tally_file(vote_id: Id, uow: UowDep, sec: SecurityDep, caller: Public) -> JSONResponse:
    """公开计票文件：全部选票承诺值及开启后的（选择、随机数）、表决权人总数与面积、统计和结果，任何人可用
    ``anju estates votes verify`` 复核。不含业主身份。"""
    with uow.read() as conn:
        pub = votes.publication(conn, sec.keyring, vote_id)
    return JSONResponse(dict(pub))


# ------------------------------------------------------------------------------------------- owners


@router.get("/my/estates")
def my_estates(uow: UowDep, sec: SecurityDep, caller: EstatesOwn) -> list[MyEstateOut]:
    """我的小区：本人名下房屋所在小区及其在任业主委员会。"""
    with uow.read() as conn:
        bidx, _ = votes.identity_of(conn, sec.keyring, caller)
        return [MyEstateOut.model_validate(x) for x in orgs.my_estates(conn, sec.keyring, bidx)]


@router.get("/my/votes")
def my_votes(uow: UowDep, sec: SecurityDep, caller: EstatesOwn, paging: PagingDep) -> Page[MyVoteOut]:
    """我的表决：本人为表决权人的表决（待投票、已投票、已决定）。"""
    with uow.read() as conn:
        p = votes.my_votes(conn, sec.keyring, caller, limit=paging.page_size, offset=paging.offset)
    items = [MyVoteOut.model_validate(x) for x in p.items]
    return Page(items=items, total=p.total, page=paging.page, page_size=paging.page_size)


@router.post("/my/votes/{vote_id}/ballot", status_code=201)
def cast_ballot(vote_id: Id, body: BallotIn, uow: UowDep, sec: SecurityDep, caller: EstatesOwn) -> ReceiptOut:
    """投票：选票加密封存，承诺值写入可验证日志；回执含承诺值、随机数和日志序号。每人只能投一次。"""
    with audited(uow, caller, "estates.ballot_cast", "estates_vote", vote_id) as conn:
        return ReceiptOut.model_validate(votes.cast(conn, sec.keyring, caller, vote_id, body.choice))


@router.get("/my/votes/{vote_id}/ballot")
def my_ballot(vote_id: Id, uow: UowDep, sec: SecurityDep, caller: EstatesOwn) -> MyBallotOut:
    """我的选票：回执与承诺值在可验证日志中的包含证明（对照签名树头）。"""
    signer = ledger.signer_from_seed(ledger_signing_seed(sec.settings))
    with audited(uow, caller, "estates.ballot_receipt", "estates_vote", vote_id) as conn:
        return MyBallotOut.model_validate(votes.my_ballot(conn, sec.keyring, caller, vote_id, signer))
