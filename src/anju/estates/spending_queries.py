"""Reading spending applications (维修资金使用): the street's queue (filters, overdue publications of
emergencies), one application with its quotes, vote, stages and journals, the homes' shares, the proof
of a home's line in a stage's journal, and the owners' view of the published final accounts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, Connection, and_, func, select

from anju import funds, registry
from anju.core import clock
from anju.core.errors import NotFound
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.estates import fund_ledger
from anju.estates.domain import EMERGENCY_KINDS, SPENDING_CATEGORIES, SPENDING_STATUSES
from anju.estates.spending import staff
from anju.estates.spending_rules import APPLICANT_KINDS
from anju.estates.tables import (
    estates_spending,
    estates_spending_quotes,
    estates_spending_shares,
    estates_spending_stages,
    estates_votes,
)
from anju.security import Caller, accounts

sp = estates_spending
st = estates_spending_stages
#: The day the last stage was paid (an application's completion), per application.
_done = (
    select(st.c.spending_id, func.max(st.c.paid_at).label("completed_at"))
    .where(st.c.paid_at.is_not(None))
    .group_by(st.c.spending_id)
    .subquery("done")
)


class ApplicationRow(TypedDict):
    id: int
    application_no: str
    estate_id: int
    estate_name: str
    building_id: int | None
    title: str
    category: str
    category_label: str
    emergency: bool
    emergency_kind: str | None
    emergency_label: str | None
    status: str
    status_label: str
    budget_fen: int
    approved_fen: int | None
    paid_fen: int
    applicant_kind: str
    applicant_label: str
    vote_id: int | None
    street_code: str
    submitted_at: datetime | None
    decided_at: datetime | None
    completed_at: datetime | None
    publish_due: date | None  # an emergency's final account is due to the owners by this day
    overdue: bool
    published_at: datetime | None
    withdrawn_at: datetime | None
    withdraw_reason: str | None


def _q() -> Any:
    e = registry.estates
    return (
        select(sp, e.c.name.label("estate_name"), _done.c.completed_at)
        .join(e, e.c.id == sp.c.estate_id)
        .outerjoin(_done, _done.c.spending_id == sp.c.id)
    )


def _row(publish_days: int, now: datetime) -> Any:
    def row(r: Any) -> ApplicationRow:
        due = None
        if r.emergency and r.completed_at is not None:
            due = clock.to_local(r.completed_at).date() + timedelta(days=publish_days)
        return {
            "id": int(r.id),
            "application_no": r.application_no,
            "estate_id": int(r.estate_id),
            "estate_name": r.estate_name,
            "building_id": r.building_id,
            "title": r.title,
            "category": r.category,
            "category_label": SPENDING_CATEGORIES.get(r.category, r.category),
            "emergency": bool(r.emergency),
            "emergency_kind": r.emergency_kind,
            "emergency_label": EMERGENCY_KINDS.get(r.emergency_kind) if r.emergency_kind else None,
            "status": r.status,
            "status_label": SPENDING_STATUSES.get(r.status, r.status),
            "budget_fen": int(r.budget_fen),
            "approved_fen": None if r.approved_fen is None else int(r.approved_fen),
            "paid_fen": int(r.paid_fen),
            "applicant_kind": r.applicant_kind,
            "applicant_label": APPLICANT_KINDS.get(r.applicant_kind, r.applicant_kind),
            "vote_id": r.vote_id,
            "street_code": r.street_code,
            "submitted_at": r.submitted_at,
            "decided_at": r.decided_at,
            "completed_at": r.completed_at,
            "publish_due": due,
            "overdue": due is not None and r.published_at is None and due < clock.to_local(now).date(),
            "published_at": r.published_at,
            "withdrawn_at": r.withdrawn_at,
            "withdraw_reason": r.withdraw_reason,
        }

    return row


def overdue_condition(publish_days: int, now: datetime) -> ColumnElement[bool]:
    """Emergencies fully paid more than ``publish_days`` days ago whose final account is unpublished."""
    return and_(
        sp.c.emergency.is_(True),
        sp.c.status == "completed",
        _done.c.completed_at < now - timedelta(days=publish_days),
    )


def _filtered(
    scope: Scope, status: str | None, emergency: bool | None, overdue: bool, publish_days: int, now: datetime
) -> Any:
    q = _q().where(*scope.where(sp.c.street_code))
    if status:
        q = q.where(sp.c.status == status)
    if emergency is not None:
        q = q.where(sp.c.emergency.is_(emergency))
    if overdue:
        q = q.where(overdue_condition(publish_days, now))
    return q


def applications(
    conn: Connection,
    scope: Scope,
    *,
    status: str | None = None,
    emergency: bool | None = None,
    overdue: bool = False,
    publish_days: int,
    limit: int,
    offset: int,
) -> Page[ApplicationRow]:
    """The queue in scope: waiting ones first (submitted, then the overdue publications), newest after."""
    now = clock.now()
    q = _filtered(scope, status, emergency, overdue, publish_days, now)
    q = q.order_by((sp.c.status != "submitted"), sp.c.submitted_at.desc(), sp.c.id.desc())
    return fetch_page(conn, q, limit=limit, offset=offset, row=_row(publish_days, now))


def own_applications(
    conn: Connection, caller: Caller, *, publish_days: int, limit: int, offset: int
) -> Page[ApplicationRow]:
    """The applications the caller made (a committee member's, a company's staff's), newest first."""
    now = clock.now()
    q = _q().where(sp.c.applicant_account_id == caller.account_id).order_by(sp.c.id.desc())
    return fetch_page(conn, q, limit=limit, offset=offset, row=_row(publish_days, now))


def export_rows(
    conn: Connection, scope: Scope, *, status: str | None, emergency: bool | None, overdue: bool, publish_days: int
) -> Iterator[ApplicationRow]:
    """Every application of the queue's filter (for the CSV export)."""
    now = clock.now()
    q = _filtered(scope, status, emergency, overdue, publish_days, now).order_by(sp.c.id)
    row = _row(publish_days, now)
    for r in conn.execute(q):
        yield row(r)


class QuoteRow(TypedDict):
    contractor: str
    amount_fen: int
    chosen: bool
    note: str | None


class StageRow(TypedDict):
    seq: int
    label: str
    amount_fen: int
    accepted_on: date | None
    journal_id: int | None
    ledger_index: int | None
    paid_at: datetime | None


class VoteRow(TypedDict):
    id: int
    vote_no: str
    title: str
    status: str
    passed: bool | None
    tallied_at: datetime | None


class ApplicationDetail(TypedDict):
    application: ApplicationRow
    description: str | None
    decision_note: str | None
    building_code: str | None
    quotes: list[QuoteRow]
    stages: list[StageRow]
    vote: VoteRow | None
    homes: int


def _visible(caller: Caller, r: Any) -> bool:
    if staff(caller):
        return caller.scope.allows(r.street_code)
    return caller.account_id is not None and r.applicant_account_id == caller.account_id


def is_applicant(conn: Connection, caller: Caller, spending_id: int) -> bool:
    """Whether the caller's own account made the application (staff in scope are not its applicant)."""
    mine = conn.execute(select(sp.c.applicant_account_id).where(sp.c.id == spending_id)).scalar()
    return caller.account_id is not None and mine == caller.account_id


def application(conn: Connection, caller: Caller, spending_id: int, *, publish_days: int) -> ApplicationDetail:
    """One application the caller may see (staff in scope, or its own applicant)."""
    r = conn.execute(_q().where(sp.c.id == spending_id)).first()
    if r is None or not _visible(caller, r):
        raise NotFound("维修资金使用申请不存在")
    q = estates_spending_quotes
    quotes: list[QuoteRow] = [
        {"contractor": x.contractor, "amount_fen": int(x.amount_fen), "chosen": bool(x.chosen), "note": x.note}
        for x in conn.execute(select(q).where(q.c.spending_id == r.id).order_by(q.c.id))
    ]
    stages: list[StageRow] = []
    for x in conn.execute(select(st).where(st.c.spending_id == r.id).order_by(st.c.seq)):
        j = funds.journal(conn, int(x.journal_id)) if x.journal_id else None
        stages.append(
            {"seq": int(x.seq), "label": x.label, "amount_fen": int(x.amount_fen), "accepted_on": x.accepted_on,
             "journal_id": x.journal_id, "ledger_index": j["ledger_index"] if j else None, "paid_at": x.paid_at}
        )  # fmt: skip
    vote: VoteRow | None = None
    if r.vote_id is not None:
        v = conn.execute(select(estates_votes).where(estates_votes.c.id == r.vote_id)).first()
        if v is not None:
            vote = {"id": int(v.id), "vote_no": v.vote_no, "title": v.title, "status": v.status,
                    "passed": v.passed, "tallied_at": v.tallied_at}  # fmt: skip
    b = registry.buildings
    code = conn.execute(select(b.c.house_code).where(b.c.id == r.building_id)).scalar() if r.building_id else None
    s = estates_spending_shares
    homes = conn.execute(select(func.count()).select_from(s).where(s.c.spending_id == r.id)).scalar_one()
    return {
        "application": _row(publish_days, clock.now())(r),
        "description": r.description,
        "decision_note": r.decision_note,
        "building_code": code,
        "quotes": quotes,
        "stages": stages,
        "vote": vote,
        "homes": int(homes),
    }


class ShareRow(TypedDict):
    home_id: int
    house_code: str
    area: Decimal
    share_fen: int
    paid_fen: int


def _share_q() -> Any:
    s, h = estates_spending_shares, registry.homes
    return select(s.c.home_id, h.c.house_code, s.c.area, s.c.share_fen, s.c.paid_fen).join(h, h.c.id == s.c.home_id)


def _share(r: Any) -> ShareRow:
    return {"home_id": int(r.home_id), "house_code": r.house_code, "area": r.area,
            "share_fen": int(r.share_fen), "paid_fen": int(r.paid_fen)}  # fmt: skip


def shares(conn: Connection, caller: Caller, spending_id: int, *, limit: int, offset: int) -> Page[ShareRow]:
    """Each home's share of an application the caller may see, by home."""
    r = conn.execute(select(sp.c.street_code, sp.c.applicant_account_id).where(sp.c.id == spending_id)).first()
    if r is None or not _visible(caller, r):
        raise NotFound("维修资金使用申请不存在")
    s = estates_spending_shares
    q = _share_q().where(s.c.spending_id == spending_id).order_by(s.c.home_id)
    count = select(s.c.id).where(s.c.spending_id == spending_id)
    return fetch_page(conn, q, limit=limit, offset=offset, row=_share, count_stmt=count)


def _owned_homes(conn: Connection, caller: Caller) -> list[int]:
    """The homes the caller (a verified person) owns today, as the register believes now."""
    bidx = conn.execute(select(accounts.c.id_number_bidx).where(accounts.c.id == caller.account_id)).scalar()
    if bidx is None:
        return []
    o = registry.home_owners
    q = select(o.c.home_id).where(o.c.owner_bidx == bidx, registry.owned_on(clock.today()))
    return sorted({int(x) for x in conn.execute(q).scalars()})


def line_proof(conn: Connection, caller: Caller, spending_id: int, seq: int, home_id: int) -> funds.LineProof:
    """A home's line in a paid stage's allocation journal, with both inclusion proofs (the line in the
    journal's ``lines_root``, the journal's entry in the log ``maintenance_fund``). Staff in scope, or
    an owner of that home for a published application of their estate."""
    r = conn.execute(select(sp).where(sp.c.id == spending_id)).first()
    mine = not staff(caller) and home_id in _owned_homes(conn, caller)
    if r is None or not (_visible(caller, r) or (mine and r.status == "published")):
        raise NotFound("维修资金使用申请不存在")
    jid = conn.execute(select(st.c.journal_id).where(st.c.spending_id == r.id, st.c.seq == seq)).scalar()
    if jid is None:
        raise NotFound("该阶段尚未付款")
    lid = fund_ledger.home_ledgers(conn, [home_id]).get(home_id)
    if lid is None:
        raise NotFound("该房屋没有维修资金分户账")
    return funds.line_proof(conn, int(jid), lid)


class PublicRow(TypedDict):
    """A published final account as an owner of the estate sees it, with the shares of their homes."""

    application: ApplicationRow
    stages: list[StageRow]
    my_shares: list[ShareRow]


def published_for_owner(
    conn: Connection, caller: Caller, *, publish_days: int, limit: int, offset: int
) -> Page[PublicRow]:
    """维修资金使用公示: the published final accounts of the estates where the caller owns a home."""
    homes = _owned_homes(conn, caller)
    if not homes:
        return Page([], 0)
    h = registry.homes
    estates = sorted({int(x) for x in conn.execute(select(h.c.estate_id).where(h.c.id.in_(homes))).scalars()})
    q = _q().where(sp.c.estate_id.in_(estates), sp.c.status == "published").order_by(sp.c.published_at.desc())
    page = fetch_page(conn, q, limit=limit, offset=offset, row=_row(publish_days, clock.now()))
    ids = [i["id"] for i in page.items]
    s = estates_spending_shares
    mine: dict[int, list[ShareRow]] = {i: [] for i in ids}
    for r in conn.execute(
        _share_q().add_columns(s.c.spending_id).where(s.c.spending_id.in_(ids), s.c.home_id.in_(homes))
    ):
        mine[int(r.spending_id)].append(_share(r))
    stages: dict[int, list[StageRow]] = {i: [] for i in ids}
    for x in conn.execute(select(st).where(st.c.spending_id.in_(ids)).order_by(st.c.spending_id, st.c.seq)):
        stages[int(x.spending_id)].append(
            {"seq": int(x.seq), "label": x.label, "amount_fen": int(x.amount_fen), "accepted_on": x.accepted_on,
             "journal_id": x.journal_id, "ledger_index": None, "paid_at": x.paid_at}
        )  # fmt: skip
    return Page(
        [{"application": a, "stages": stages[a["id"]], "my_shares": mine[a["id"]]} for a in page.items], page.total
    )


def owned_homes(conn: Connection, caller: Caller) -> Sequence[int]:
    """The homes the caller owns today (for the owner's page)."""
    return _owned_homes(conn, caller)
