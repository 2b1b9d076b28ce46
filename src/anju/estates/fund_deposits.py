"""The maintenance fund's money in and out of homes' 分户账: deposit dues (应缴) at the first sale,
paying them, top-ups (续筹) and the refund on demolition (房屋灭失退还). Every movement is an
allocation journal of the one ledger engine (``funds.post_allocations``, one line per home), so each
line of a home's statement has its inclusion proof (``funds.line_proof``).

Opening at the first sale: the transactions context emits ``transactions.contract_filed`` to the
outbox (external subscribers only; there is no in-process subscriber mechanism), so the bureau's
clerk or a scheduled command calls :func:`due_for_contract` (``anju estates fund due``) with the
filed contract; the due is idempotent per contract.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)

from anju import funds, registry, transactions
from anju.core import clock
from anju.core.dialect import bulk_insert
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.scope import SYSTEM, Scope
from anju.core.settings import Settings
from anju.estates import fund_ledger, fund_rules
from anju.estates.tables import estates_fund_dues, estates_fund_homes, estates_spending_shares
from anju.funds import fund_ledger_accounts

DUE_KINDS = {"initial": "首次交存", "topup": "续筹"}
log = logging.getLogger(__name__)
DUE_STATUSES = {"due": "待交存", "paid": "已交存", "waived": "已免缴"}


def rate_editions(settings: Settings) -> tuple[fund_rules.RateEdition, ...]:
    """The deposit rates in force: the file ``estates_fund_rates`` names, else the city's sample."""
    return fund_rules.rates_for(settings.estates_fund_rates or str(fund_rules.sample_path(settings.city_code)))


def post_lines(
    conn: Connection,
    allocations: Sequence[funds.AllocationIn],
    lines: Iterable[tuple[str, int, int]],
    *,
    side: funds.allocations.Side,
) -> list[int]:
    """Post allocation journals whose lines (reference, ledger account, fen) are given here: streamed
    into the engine (``funds.post_allocations``), which groups, checks, hashes and copies them in bulk."""
    return funds.post_allocations(conn, allocations, lines, side=side)


# ----------------------------------------------------------------------------------- home facts


@dataclass(frozen=True, slots=True)
class HomeFacts:
    home_id: int
    house_code: str
    estate_id: int
    building_id: int
    district_code: str
    street_code: str
    area: Decimal
    building_type: str


def home_facts(conn: Connection, home_ids: Sequence[int]) -> dict[int, HomeFacts]:
    """The register's facts of homes that decide their deposit (in chunks, one query each)."""
    h, b = registry.homes, registry.buildings
    out: dict[int, HomeFacts] = {}
    ids = sorted(set(home_ids))
    for i in range(0, len(ids), 5000):
        q = (
            select(h.c.id, h.c.house_code, h.c.estate_id, h.c.building_id, h.c.district_code, h.c.street_code)
            .add_columns(h.c.construction_area, b.c.use, b.c.floors_above)
            .join(b, b.c.id == h.c.building_id)
            .where(h.c.id.in_(ids[i : i + 5000]))
        )
        for r in conn.execute(q):
            out[int(r.id)] = HomeFacts(
                int(r.id),
                r.house_code,
                int(r.estate_id),
                int(r.building_id),
                r.district_code,
                r.street_code,
                Decimal(r.construction_area),
                fund_rules.building_type(r.use, int(r.floors_above)),
            )
    return out


# ------------------------------------------------------------------------------------------- dues


class DueOut(TypedDict):
    id: int
    home_id: int
    kind: str
    reference: str
    amount_fen: int
    rate_fen_per_m2: int | None
    due_on: date
    status: str
    created: bool  # False: the due existed already (the call was repeated)


def _due(r: Any, created: bool) -> DueOut:
    return {
        "id": int(r.id),
        "home_id": int(r.home_id),
        "kind": r.kind,
        "reference": r.reference,
        "amount_fen": int(r.amount_fen),
        "rate_fen_per_m2": r.rate_fen_per_m2,
        "due_on": r.due_on,
        "status": r.status,
        "created": created,
    }


def due_for_contract(conn: Connection, settings: Settings, contract_id: int) -> DueOut:
    """The first deposit due (首次交存) of a home at its first sale: a filed new-home purchase contract
    gives the home, the area and the day; the rate is the edition's in force that day for the home's
    building type. Idempotent per contract; refused when the home has had an initial deposit already."""
    c = transactions.sale_contracts
    row = conn.execute(
        select(c.c.id, c.c.home_id, c.c.area, c.c.status, c.c.filed_at, c.c.created_at).where(c.c.id == contract_id)
    ).first()
    if row is None:
        raise NotFound("购房合同不存在")
    if row.status != transactions.domain.ContractStatus.filed:
        raise ValidationError.of("contract_id", "合同尚未网签备案，不能生成维修资金应缴")
    on = clock.to_local(row.filed_at or row.created_at).date()
    return _initial_due(conn, settings, contract_id, int(row.home_id), Decimal(row.area), on)


def _initial_due(
    conn: Connection, settings: Settings, contract_id: int, home_id: int, area: Decimal, on: date
) -> DueOut:
    d = estates_fund_dues
    reference = f"contract:{contract_id}"
    have = conn.execute(select(d).where(d.c.home_id == home_id, d.c.kind == "initial")).all()
    for h in have:
        if h.reference == reference:
            return _due(h, False)
    if any(h.status != "waived" for h in have):
        raise Conflict("该房屋已有首次交存记录（维修资金随房屋转移，不再重复交存）")
    facts = home_facts(conn, [home_id])[home_id]
    _, rate = fund_rules.rate_on(rate_editions(settings), facts.building_type, on)
    amount = fund_rules.deposit_fen(area, rate)
    new = conn.execute(
        insert(d).returning(d),
        {
            "home_id": home_id,
            "kind": "initial",
            "reference": reference,
            "amount_fen": amount,
            "rate_fen_per_m2": rate,
            "due_on": on,
            "status": "due",
            "journal_id": None,
            "created_at": clock.now(),
        },
    ).one()
    return _due(new, True)


def _follower_statements() -> tuple[Any, Any]:
    """The follower's two statements, built once (it runs in every filing: building an expression per call
    cost as much as running it)."""
    h, b, d, fh = registry.homes, registry.buildings, estates_fund_dues, estates_fund_homes
    home: BindParameter[int] = bindparam("home_id")
    opened = exists().where(fh.c.home_id == home)
    had = exists().where(d.c.home_id == home, d.c.kind == "initial", d.c.status != "waived")
    read = (
        select(b.c.use, b.c.floors_above, opened.label("opened"), had.label("had"))
        .join_from(h, b, b.c.id == h.c.building_id)
        .where(h.c.id == home)
    )
    return read, insert(d)


_FOLLOWER_READ, _INSERT_DUE = _follower_statements()


def on_contract_filed(conn: Connection, settings: Settings, event: Mapping[str, Any]) -> None:
    """The follower of ``transactions.contract_filed`` (``Context.event_followers``): the first deposit
    due of the home, in the filing's transaction, from the event (home, area; the day is the filing's).
    A home whose fund was opened before (an imported existing home) or that had its initial deposit
    already (the fund follows the home) owes nothing. Two prepared statements on the filing's path: one
    read of what decides it (the building's type, whether the fund is open, an initial due), one insert."""
    home_id = int(event["home_id"])
    row = conn.execute(_FOLLOWER_READ, {"home_id": home_id}).first()
    if row is None or row.opened or row.had:
        return
    now = clock.now()
    on = clock.to_local(now).date()
    kind = fund_rules.building_type(row.use, int(row.floors_above))
    try:
        _, rate = fund_rules.rate_on(rate_editions(settings), kind, on)
    except ValidationError as e:  # no deposit rate in force: the sale goes on (logged; the due can be made later)
        log.warning("no maintenance-fund due for contract %s: %s", event["contract_id"], e.message)
        return
    conn.execute(
        _INSERT_DUE,
        {
            "home_id": home_id, "kind": "initial", "reference": f"contract:{int(event['contract_id'])}",
            "amount_fen": fund_rules.deposit_fen(Decimal(event["area"]), rate), "rate_fen_per_m2": rate,
            "due_on": on, "status": "due", "journal_id": None, "created_at": now,
        },
    )  # fmt: skip


def _district_account(conn: Connection, district_code: str) -> int:
    acct = fund_ledger.district_accounts(conn, [district_code]).get(district_code)
    if acct is None:
        raise NotFound(f"区 {district_code} 尚未开立维修资金专户（anju estates fund open-account）")
    return acct


def pay_dues(conn: Connection, due_ids: Sequence[int], *, paid_on: date, actor_account_id: int | None) -> list[int]:
    """Pay dues (the bank received the money): one allocation journal per due (bank debit, the home's
    分户账 credit), the home's 分户账 opened first when needed (source ``sale``). Every due must be
    ``due``; else nothing is written (Conflict). Returns the journals in the dues' order."""
    if not due_ids:
        return []
    d = estates_fund_dues
    rows = conn.execute(select(d).where(d.c.id.in_(list(due_ids))).order_by(d.c.id)).all()
    found = {int(r.id) for r in rows}
    missing = [x for x in due_ids if x not in found]
    if missing:
        raise NotFound(f"应缴记录 {missing[0]} 不存在")
    paid = [r for r in rows if r.status != "due"]
    if paid:
        raise Conflict(f"应缴记录 {paid[0].id} 已{DUE_STATUSES.get(paid[0].status, paid[0].status)}")
    facts = home_facts(conn, [int(r.home_id) for r in rows])
    accounts = fund_ledger.district_accounts(conn, sorted({f.district_code for f in facts.values()}))
    opening = []
    for r in rows:
        f = facts[int(r.home_id)]
        if f.district_code not in accounts:
            raise NotFound(f"区 {f.district_code} 尚未开立维修资金专户（anju estates fund open-account）")
        opening.append(
            fund_ledger.HomeFundIn(
                f.home_id, accounts[f.district_code], f.estate_id, f.building_id, f.district_code,
                f.street_code, f.area, f.building_type, paid_on, "sale",
            )
        )  # fmt: skip
    fund_ledger.open_homes(conn, opening)
    _require_open(conn, [int(r.home_id) for r in rows])
    ledgers = fund_ledger.home_ledgers(conn, [int(r.home_id) for r in rows])
    banks = {a: funds.ledger_accounts(conn, a)["bank"] for a in set(accounts.values())}
    allocs, lines = [], []
    for r in rows:
        f = facts[int(r.home_id)]
        acct = accounts[f.district_code]
        ref = f"fund-due:{int(r.id)}"
        kind = "deposit" if r.kind == "initial" else "topup"
        memo = f"{DUE_KINDS[r.kind]} {f.house_code}"
        allocs.append(
            funds.AllocationIn(acct, kind, ref, paid_on, memo, banks[acct], subject=f"estate:{f.estate_id}",
                               actor_account_id=actor_account_id, extra={"due": int(r.id)})
        )  # fmt: skip
        lines.append((ref, ledgers[f.home_id], int(r.amount_fen)))
    jids = post_lines(conn, allocs, lines, side="credit")
    for r, jid in zip(rows, jids, strict=True):
        conn.execute(update(d).where(d.c.id == r.id).values(status="paid", journal_id=jid))
    return jids


def _require_open(conn: Connection, home_ids: Sequence[int]) -> None:
    h = estates_fund_homes
    closed = conn.execute(
        select(h.c.home_id).where(h.c.home_id.in_(list(home_ids)), h.c.status != "open").limit(1)
    ).scalar()
    if closed is not None:
        raise Conflict(f"房屋 {closed} 的维修资金分户账已销户")


def due_in_scope(conn: Connection, due_id: int, scope: Scope) -> Any:
    """The due with its home's house code and street, when the scope holds the home (else NotFound, the
    same answer as a due that does not exist)."""
    d, h = estates_fund_dues, registry.homes
    row = conn.execute(
        select(d, h.c.house_code, h.c.street_code).join(h, h.c.id == d.c.home_id).where(d.c.id == due_id)
    ).first()
    if row is None:
        raise NotFound("应缴记录不存在")
    scope.require(row.street_code, "应缴记录不存在")
    return row


def waive_due(conn: Connection, due_id: int, *, reason: str, scope: Scope = SYSTEM) -> None:
    """Waive an outstanding due (e.g. a contract cancelled before payment), with the reason (audited by
    the caller); only a due still ``due`` can be waived."""
    text = " ".join((reason or "").split())
    if len(text) < 2:
        raise ValidationError.of("reason", "请填写免缴原因（至少 2 个字）")
    if len(text) > 200:
        raise ValidationError.of("reason", "免缴原因最长 200 个字符")
    row = due_in_scope(conn, due_id, scope)
    if row.status != "due":
        raise Conflict(f"只有待交存的应缴记录可以免缴（该记录{DUE_STATUSES.get(row.status, row.status)}）")
    d = estates_fund_dues
    conn.execute(update(d).where(d.c.id == due_id, d.c.status == "due").values(status="waived"))


# ------------------------------------------------------------------------------------------ top-ups


def home_join(*, many: bool = True) -> ColumnElement[bool]:
    """The join of ``estates_fund_homes`` to the homes' ledger accounts (subject ``home:<id>``). ``many``
    (a whole account or more): the home id read from the subject, so the planner scans the ledger
    accounts by (fund account, kind) and finds each home by its key; else the subject built from the
    home id, for a few homes found through the subject's index."""
    h, la = estates_fund_homes, fund_ledger_accounts
    if many:
        link = h.c.home_id == cast(func.substr(la.c.subject, 6), Integer)
        return and_(la.c.fund_account_id == h.c.fund_account_id, la.c.kind == "home", link)
    # ``+ 0``: the account's (fund account, kind) index must not win over the subject's
    subject = la.c.subject == literal("home:") + cast(h.c.home_id, String)
    return and_(subject, la.c.fund_account_id + 0 == h.c.fund_account_id, la.c.kind == "home")


def home_balances_q() -> Select[Any]:
    """``(home_id, balance_fen)`` of every open 分户账 (the owners' money: credit-positive)."""
    h, la = estates_fund_homes, fund_ledger_accounts
    return (
        select(h.c.home_id, (-la.c.balance_fen).label("balance_fen"))
        .select_from(h.join(la, home_join()))
        .where(h.c.status == "open")
    )


def create_topups(conn: Connection, *, percent: int, on: date) -> int:
    """Top-up dues (续筹) for every open home whose balance fell below ``percent`` % of its initial
    deposit (the paid initial dues): back up to the initial deposit. One due per home and year
    (``topup:<year>``); a home with one already is skipped. Bulk: three linear reads (initial deposits
    grouped, the balances of every open 分户账, this year's top-ups), one executemany."""
    if not 1 <= percent <= 100:
        raise ValidationError.of("percent", "应为 1–100")
    d = estates_fund_dues
    initial_q = (
        select(d.c.home_id, func.sum(d.c.amount_fen))
        .where(d.c.kind == "initial", d.c.status == "paid")
        .group_by(d.c.home_id)
    )
    initial = {int(h): int(fen) for h, fen in conn.execute(initial_q)}
    reference = f"topup:{on.year}"
    already = set(conn.execute(select(d.c.home_id).where(d.c.kind == "topup", d.c.reference == reference)).scalars())
    now = clock.now()
    rows = [
        (int(h), "topup", reference, initial[int(h)] - int(bal), None, on, "due", None, now)
        for h, bal in conn.execute(home_balances_q())
        if int(h) in initial and int(h) not in already and fund_rules.below_share(int(bal), initial[int(h)], percent)
    ]
    cols = ("home_id", "kind", "reference", "amount_fen", "rate_fen_per_m2", "due_on", "status", "journal_id")
    return bulk_insert(conn, d, (*cols, "created_at"), rows)


# ------------------------------------------------------------------------------------------- refund


class RefundOut(TypedDict):
    home_id: int
    refunded_fen: int
    journal_id: int | None
    closed_on: date


def refund(
    conn: Connection, home_id: int, *, on: date, actor_account_id: int | None, scope: Scope = SYSTEM
) -> RefundOut:
    """The home was demolished (房屋灭失): its 分户账 is closed and its balance paid out to the owner
    (one allocation journal: the home's 分户账 debit, the bank credit). Refused while a spending share
    of the home is unpaid, or when the 分户账 is not open."""
    h = estates_fund_homes
    row = conn.execute(select(h).where(h.c.home_id == home_id)).first()
    if row is None:
        raise NotFound("该房屋没有维修资金分户账")
    scope.require(row.street_code, "该房屋没有维修资金分户账")
    if row.status != "open":
        raise Conflict("该房屋的维修资金分户账已销户")
    s = estates_spending_shares
    unpaid = conn.execute(
        select(func.count()).select_from(s).where(s.c.home_id == home_id, s.c.paid_fen < s.c.share_fen)
    ).scalar_one()
    if unpaid:
        raise Conflict("该房屋尚有未划付完毕的维修资金使用分摊，不能退还")
    lid = fund_ledger.home_ledgers(conn, [home_id])[home_id]
    balance = -int(
        conn.execute(select(fund_ledger_accounts.c.balance_fen).where(fund_ledger_accounts.c.id == lid)).scalar_one()
    )
    jid = None
    if balance > 0:
        acct = int(row.fund_account_id)
        bank = funds.ledger_accounts(conn, acct)["bank"]
        ref = f"fund-refund:{home_id}"
        estate = f"estate:{int(row.estate_id)}"
        alloc = funds.AllocationIn(
            acct, "refund", ref, on, "房屋灭失退还", bank, subject=estate, actor_account_id=actor_account_id
        )
        jid = post_lines(conn, [alloc], [(ref, lid, balance)], side="debit")[0]
    elif balance < 0:
        raise Conflict("该房屋分户账余额为负，须先补足")
    conn.execute(update(h).where(h.c.home_id == home_id).values(status="closed", closed_on=on))
    return {"home_id": home_id, "refunded_fen": balance, "journal_id": jid, "closed_on": on}
