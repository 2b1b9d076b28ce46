"""Tenders for property services (招投标): an officer opens a tender for an estate, filed companies bid
(a company a credit restriction bars from ``domain.TENDER_ACTION`` is refused), the officer closes it,
the panel's technical scores are entered and the price and total scores computed
(:mod:`anju.estates.services_rules`), and the award goes to the highest total — setting every bid
won or lost (a bid whose company has become restricted since is refused, not awarded).

Restrictions are the registry's one mechanism (``anju.registry.subject_restrictions``), to which the
credit context's lists and grades answer, asked by the blind index of the company's credit code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from anju import registry
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.estates import domain, services_rules
from anju.estates.services_companies import clean_text, company_for_account, require_active_company
from anju.estates.tables import estates_bids, estates_companies, estates_tenders
from anju.security import Caller, Keyring

MAX_FEE_FEN = 100_000  # 1000 元/㎡·月: beyond it the figure is a typing error


@dataclass(frozen=True)
class TenderIn:
    estate_id: int
    kind: str
    title: str
    closes_on: date


@dataclass(frozen=True)
class TenderFilter:
    district: str | None = None
    street: str | None = None
    status: str | None = None
    estate_id: int | None = None


def scoped_estate(conn: Connection, scope: Scope, estate_id: int, field: str = "estate_id") -> Any:
    """The register's estate, if the caller's scope holds it (otherwise the field is refused)."""
    row = conn.execute(select(registry.estates).where(registry.estates.c.id == estate_id)).first()
    if row is None or not scope.allows(row.street_code):
        raise ValidationError.of(field, "楼盘表中没有这个小区（或不在您的辖区）")
    return row


def next_number(conn: Connection, column: Any, prefix: str) -> str:
    """The next number of the year: prefix + year + 6 digits."""
    year = clock.to_local(clock.now()).year
    head = f"{prefix}{year}"
    last = conn.execute(select(func.max(column)).where(column.like(f"{head}%"))).scalar_one()
    return f"{head}{(int(last[len(head) :]) if last else 0) + 1:06d}"


def insert_numbered(conn: Connection, table: Any, column: Any, prefix: str, values: Mapping[str, Any]) -> int:
    """Insert a row numbered ``prefix`` + year + 6 digits; a concurrent writer may take the number
    first (the unique constraint says so), then the next one is tried. Any other integrity error is
    the caller's to explain."""
    for _ in range(3):
        number = next_number(conn, column, prefix)
        try:
            with conn.begin_nested():
                return int(
                    conn.execute(
                        table.insert().values(**values, **{column.name: number}).returning(table.c.id)
                    ).scalar_one()
                )
        except IntegrityError:
            if conn.execute(select(table.c.id).where(column == number)).first() is None:
                raise
    raise Conflict("编号分配冲突，请重试")


def create_tender(conn: Connection, caller: Caller, cmd: TenderIn) -> int:
    errors: list[FieldError] = []
    if cmd.kind not in domain.PROJECT_KINDS:
        errors.append(FieldError("kind", "应为 " + "、".join(domain.PROJECT_KINDS)))
    title = clean_text(cmd.title, "title", 100, errors)
    today = clock.today()
    if not isinstance(cmd.closes_on, date) or cmd.closes_on <= today:
        errors.append(FieldError("closes_on", "截止日期应晚于今天"))
    if errors:
        raise ValidationError("招标信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    estate = scoped_estate(conn, caller.scope, cmd.estate_id)
    values = {
        "estate_id": estate.id,
        "kind": cmd.kind,
        "title": title,
        "published_on": today,
        "closes_on": cmd.closes_on,
        "status": "open",
        "district_code": estate.district_code,
        "street_code": estate.street_code,
        "created_at": clock.now(),
        "created_by": caller.account_id,
    }
    return insert_numbered(conn, estates_tenders, estates_tenders.c.tender_no, "ZB", values)


def _tender(conn: Connection, tender_id: int, scope: Scope | None) -> Any:
    row = conn.execute(select(estates_tenders).where(estates_tenders.c.id == tender_id)).first()
    missing = f"招标 {tender_id} 不存在"
    if row is None:
        raise NotFound(missing)
    if scope is not None:
        scope.require(row.street_code, missing)
    return row


def _need_status(row: Any, *statuses: str) -> None:
    if row.status not in statuses:
        label = domain.TENDER_STATUSES.get(row.status, row.status)
        raise Conflict(f"招标当前状态为“{label}”，不能办理", [FieldError("status", label)])


def restricted(conn: Connection, kr: Keyring, companies: Mapping[int, Any]) -> dict[int, str]:
    """Company id → why a credit restriction bars it from tenders today (set-wise, one question)."""
    by_bidx = {kr.blind_index(c.credit_code, "credit_code"): cid for cid, c in companies.items()}
    found = registry.subject_restrictions(conn, list(by_bidx), domain.TENDER_ACTION, clock.today())
    return {
        by_bidx[bidx]: registry.subject_refusal({bidx: items}, {bidx: companies[by_bidx[bidx]].name})
        for bidx, items in found.items()
        if items
    }


def submit_bid(
    conn: Connection, kr: Keyring, caller: Caller, tender_id: int, company_id: int | None, fee_fen_per_m2: int,
    note: str | None = None,
) -> int:  # fmt: skip
    """A bid: by an officer for a named company (tender in scope), or by a company's own staff
    (``company_id`` None: the caller's company; any open tender of the city)."""
    if company_id is None:
        own = company_for_account(conn, caller.account_id)
        if own is None:
            raise ValidationError.of("company_id", "本机构尚未备案为物业服务企业")
        company_id = int(own.id)
        tender = _tender(conn, tender_id, None)
    else:
        tender = _tender(conn, tender_id, caller.scope)
    _need_status(tender, "open")
    if tender.closes_on < clock.today():
        raise Conflict("投标已截止", [FieldError("tender_id", "投标已截止")])
    if not isinstance(fee_fen_per_m2, int) or isinstance(fee_fen_per_m2, bool) or not 0 < fee_fen_per_m2 <= MAX_FEE_FEN:
        raise ValidationError.of("fee_fen_per_m2", "报价应为 1–100000 分/㎡·月")
    text = " ".join((note or "").split())
    if len(text) > 200:
        raise ValidationError.of("note", "最长 200 个字符")
    company = require_active_company(conn, company_id)
    if why := restricted(conn, kr, {company_id: company}).get(company_id):
        raise Conflict(f"不予受理投标：{why}", [FieldError("company_id", why)])
    try:
        with conn.begin_nested():
            bid = conn.execute(
                estates_bids.insert()
                .values(
                    tender_id=tender_id,
                    company_id=company_id,
                    fee_fen_per_m2=fee_fen_per_m2,
                    status="submitted",
                    note=text or None,
                    submitted_at=clock.now(),
                )
                .returning(estates_bids.c.id)
            ).scalar_one()
    except IntegrityError:
        raise Conflict("该企业已投标", [FieldError("company_id", "已投标")]) from None
    return int(bid)


def close_tender(conn: Connection, caller: Caller, tender_id: int) -> None:
    """Close the bidding (开标): no more bids; scoring can start."""
    _need_status(_tender(conn, tender_id, caller.scope), "open")
    conn.execute(update(estates_tenders).where(estates_tenders.c.id == tender_id).values(status="closed"))


def cancel_tender(conn: Connection, caller: Caller, tender_id: int) -> None:
    _need_status(_tender(conn, tender_id, caller.scope), "open", "closed")
    conn.execute(update(estates_tenders).where(estates_tenders.c.id == tender_id).values(status="cancelled"))


def score_bids(conn: Connection, caller: Caller, tender_id: int, technical: Mapping[int, Any]) -> int:
    """Enter the panel's technical score of every submitted bid; the price and total scores are
    computed for all of them together (the lowest fee sets the price scores). Returns the bids scored."""
    _need_status(_tender(conn, tender_id, caller.scope), "closed")
    bids = conn.execute(
        select(estates_bids.c.id, estates_bids.c.fee_fen_per_m2).where(
            estates_bids.c.tender_id == tender_id, estates_bids.c.status == "submitted"
        )
    ).all()
    if not bids:
        raise Conflict("没有可评的投标", [FieldError("technical", "没有投标")])
    errors: list[FieldError] = []
    tech: dict[int, Decimal] = {}
    for b in bids:
        if int(b.id) not in technical:
            errors.append(FieldError(f"technical.{b.id}", "须给出技术分"))
            continue
        try:
            tech[int(b.id)] = services_rules.technical_score(technical[int(b.id)])
        except ValueError as e:
            errors.append(FieldError(f"technical.{b.id}", str(e)))
    if extra := set(technical) - {int(b.id) for b in bids}:
        errors.append(FieldError("technical", f"不是本招标的有效投标：{sorted(extra)}"))
    if errors:
        raise ValidationError("评分有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    prices = services_rules.price_scores({int(b.id): int(b.fee_fen_per_m2) for b in bids})
    conn.execute(
        update(estates_bids)
        .where(estates_bids.c.id == bindparam("b_id"))
        .values(technical_score=bindparam("t"), price_score=bindparam("p"), total_score=bindparam("s")),
        [
            {"b_id": bid, "t": tech[bid], "p": prices[bid], "s": services_rules.total_score(tech[bid], prices[bid])}
            for bid in tech
        ],
    )
    return len(tech)


class Award(TypedDict):
    bid_id: int
    company_id: int
    refused: list[int]


def award(conn: Connection, kr: Keyring, caller: Caller, tender_id: int) -> Award:
    """Award (定标) to the highest total (ties: lower fee, then earlier bid); every other bid is lost,
    a bid whose company a credit restriction now bars is refused (不予受理)."""
    _need_status(_tender(conn, tender_id, caller.scope), "closed")
    b = estates_bids
    bids = conn.execute(select(b).where(b.c.tender_id == tender_id, b.c.status == "submitted")).all()
    if not bids:
        raise Conflict("没有可定标的投标", [FieldError("tender_id", "没有投标")])
    if any(x.total_score is None for x in bids):
        raise Conflict("尚有投标未评分", [FieldError("technical", "须先评分")])
    companies = {
        int(r.id): r
        for r in conn.execute(
            select(estates_companies).where(estates_companies.c.id.in_({int(x.company_id) for x in bids}))
        )
    }
    barred = restricted(conn, kr, companies)
    inactive = {cid for cid, r in companies.items() if r.status != "filed"}
    eligible = [x for x in bids if int(x.company_id) not in barred and int(x.company_id) not in inactive]
    if not eligible:
        raise Conflict("所有投标企业均不符合中标条件", [FieldError("tender_id", "无合格投标")])
    win = services_rules.winner(
        [
            services_rules.ScoredBid(int(x.id), int(x.fee_fen_per_m2), Decimal(x.total_score), x.submitted_at)
            for x in eligible
        ]
    )
    ok_ids = {int(x.id) for x in eligible}
    refused = [int(x.id) for x in bids if int(x.id) not in ok_ids]
    status = {int(x.id): ("won" if int(x.id) == win else "refused" if int(x.id) in refused else "lost") for x in bids}
    conn.execute(
        update(b).where(b.c.id == bindparam("b_id")).values(status=bindparam("st")),
        [{"b_id": k, "st": v} for k, v in status.items()],
    )
    conn.execute(
        update(estates_tenders)
        .where(estates_tenders.c.id == tender_id)
        .values(status="awarded", awarded_bid_id=win, awarded_on=clock.today())
    )
    company = next(int(x.company_id) for x in bids if int(x.id) == win)
    return {"bid_id": win, "company_id": company, "refused": refused}


class TenderSummary(TypedDict):
    id: int
    tender_no: str
    estate_id: int
    estate_name: str
    kind: str
    kind_label: str
    title: str
    published_on: date
    closes_on: date
    status: str
    status_label: str
    awarded_bid_id: int | None
    awarded_on: date | None
    district_code: str
    street_code: str
    bids: int


class BidLine(TypedDict):
    id: int
    company_id: int
    company_name: str
    credit_code: str
    fee_fen_per_m2: int
    technical_score: Decimal | None
    price_score: Decimal | None
    total_score: Decimal | None
    status: str
    status_label: str
    note: str | None
    submitted_at: datetime


class TenderDetail(TenderSummary):
    bid_lines: list[BidLine]


def _bid_count() -> Any:
    return (
        select(func.count())
        .select_from(estates_bids)
        .where(estates_bids.c.tender_id == estates_tenders.c.id)
        .scalar_subquery()
        .label("bids")
    )


def _tender_select() -> Any:
    e = registry.estates
    return select(estates_tenders, e.c.name.label("estate_name"), _bid_count()).join(
        e, e.c.id == estates_tenders.c.estate_id
    )


def _summary(r: Any) -> TenderSummary:
    return {
        "id": int(r.id),
        "tender_no": r.tender_no,
        "estate_id": int(r.estate_id),
        "estate_name": r.estate_name,
        "kind": r.kind,
        "kind_label": domain.PROJECT_KINDS.get(r.kind, r.kind),
        "title": r.title,
        "published_on": r.published_on,
        "closes_on": r.closes_on,
        "status": r.status,
        "status_label": domain.TENDER_STATUSES.get(r.status, r.status),
        "awarded_bid_id": r.awarded_bid_id,
        "awarded_on": r.awarded_on,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "bids": int(r.bids),
    }


def list_tenders(conn: Connection, f: TenderFilter, *, scope: Scope, limit: int, offset: int) -> Page[TenderSummary]:
    t = estates_tenders.c
    conds: list[Any] = list(scope.where(t.street_code))
    if f.district:
        conds.append(t.district_code == f.district)
    if f.street:
        conds.append(t.street_code == f.street)
    if f.status:
        conds.append(t.status == f.status)
    if f.estate_id:
        conds.append(t.estate_id == f.estate_id)
    stmt = _tender_select().where(*conds).order_by(t.id.desc())
    count = select(estates_tenders.c.id).where(*conds)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_summary, count_stmt=count)


def open_tenders(conn: Connection, *, limit: int, offset: int) -> Page[TenderSummary]:
    """Every open tender of the city (what a company may bid for)."""
    t = estates_tenders.c
    stmt = _tender_select().where(t.status == "open", t.closes_on >= clock.today()).order_by(t.closes_on, t.id)
    count = select(t.id).where(t.status == "open", t.closes_on >= clock.today())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_summary, count_stmt=count)


def get_tender(conn: Connection, scope: Scope, tender_id: int) -> TenderDetail:
    _tender(conn, tender_id, scope)
    r = conn.execute(_tender_select().where(estates_tenders.c.id == tender_id)).one()
    b, c = estates_bids, estates_companies
    lines: list[BidLine] = [
        {
            "id": int(x.id),
            "company_id": int(x.company_id),
            "company_name": x.company_name,
            "credit_code": x.credit_code,
            "fee_fen_per_m2": int(x.fee_fen_per_m2),
            "technical_score": x.technical_score,
            "price_score": x.price_score,
            "total_score": x.total_score,
            "status": x.status,
            "status_label": domain.BID_STATUSES.get(x.status, x.status),
            "note": x.note,
            "submitted_at": x.submitted_at,
        }
        for x in conn.execute(
            select(b, c.c.name.label("company_name"), c.c.credit_code)
            .join(c, c.c.id == b.c.company_id)
            .where(b.c.tender_id == tender_id)
            .order_by(b.c.total_score.desc().nulls_last(), b.c.id)
        )
    ]
    return {**_summary(r), "bid_lines": lines}
