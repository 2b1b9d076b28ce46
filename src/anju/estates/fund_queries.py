"""Reading the maintenance fund: staff views in the caller's scope (the fund by district, street or
estate; dues; interest runs) and an owner's own homes with their statements (我的维修资金), each
movement with its inclusion proof (``funds.line_proof``) against the log ``maintenance_fund``.

An owner is the register's: the caller's verified identity (ID blind index and name) must own the home
today (``registry.is_owner``). The 分户账 follows the home, so its statement shows the whole history and
the recorded transfers of its account with each completed resale (过户; no money moves).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, Literal, TypedDict

from sqlalchemy import Connection, String, case, cast, func, select

from anju import divisions, funds, ledger, registry
from anju.core import clock
from anju.core.errors import NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.estates import fund_deposits, fund_ledger
from anju.estates.domain import MAINTENANCE
from anju.estates.tables import estates_fund_dues, estates_fund_homes, estates_fund_transfers, estates_interest_runs
from anju.funds import fund_accounts, fund_ledger_accounts
from anju.security import Caller, Keyring, accounts

Level = Literal["district", "street", "estate"]
LEVELS: dict[str, str] = {"district": "区", "street": "街道", "estate": "小区"}

# ------------------------------------------------------------------------------------------- staff


class FundGroup(TypedDict):
    code: str
    name: str
    homes: int
    open_homes: int
    balance_fen: int
    dues: int
    dues_fen: int


def by_level(conn: Connection, scope: Scope, level: Level, *, limit: int, offset: int) -> Page[FundGroup]:
    """The fund grouped by district, street or estate: homes, balance, outstanding dues (in scope). The
    whole city reads every ledger account (finding each home by its key); a smaller scope finds each of
    its homes' ledger accounts by subject (so the plan stays linear either way)."""
    if level not in LEVELS:
        raise ValidationError.of("level", "应为 district、street 或 estate")
    h, la, d = estates_fund_homes, fund_ledger_accounts, estates_fund_dues
    key = {"district": h.c.district_code, "street": h.c.street_code, "estate": cast(h.c.estate_id, String)}[level]
    dues = (
        select(d.c.home_id, func.count().label("n"), func.sum(d.c.amount_fen).label("fen"))
        .where(d.c.status == "due")
        .group_by(d.c.home_id)
        .subquery("dues")
    )
    q = (
        select(
            key.label("code"),
            func.count().label("homes"),
            func.sum(case((h.c.status == "open", 1), else_=0)).label("open_homes"),
            func.coalesce(func.sum(-la.c.balance_fen), 0).label("balance_fen"),
            func.coalesce(func.sum(dues.c.n), 0).label("dues"),
            func.coalesce(func.sum(dues.c.fen), 0).label("dues_fen"),
        )
        .select_from(
            h.join(la, fund_deposits.home_join(many=scope.unrestricted)).outerjoin(dues, dues.c.home_id == h.c.home_id)
        )
        .where(*scope.where(h.c.street_code))
        .group_by(key)
        .order_by(key)
    )
    page = fetch_page(conn, q, limit=limit, offset=offset)
    codes = [str(r.code) for r in page.items]
    if level == "estate":
        e = registry.estates
        names = {
            str(r.id): r.name for r in conn.execute(select(e.c.id, e.c.name).where(e.c.id.in_([int(c) for c in codes])))
        }
    else:
        names = divisions.names(conn, set(codes))
    return Page(
        [
            {"code": str(r.code), "name": names.get(str(r.code), str(r.code)), "homes": int(r.homes),
             "open_homes": int(r.open_homes), "balance_fen": int(r.balance_fen), "dues": int(r.dues),
             "dues_fen": int(r.dues_fen)}
            for r in page.items
        ],
        page.total,
    )  # fmt: skip


class DueRow(TypedDict):
    id: int
    home_id: int
    house_code: str
    street_code: str
    kind: str
    reference: str
    amount_fen: int
    rate_fen_per_m2: int | None
    due_on: date
    status: str


class DueFilter(TypedDict, total=False):
    status: str
    kind: str
    street_code: str
    due_from: date
    due_to: date


def _dues_q(scope: Scope, f: DueFilter) -> Any:
    d, h = estates_fund_dues, registry.homes
    q = (
        select(d.c.id, d.c.home_id, h.c.house_code, h.c.street_code, d.c.kind, d.c.reference, d.c.amount_fen,
               d.c.rate_fen_per_m2, d.c.due_on, d.c.status)
        .join(h, h.c.id == d.c.home_id)
        .where(*scope.where(h.c.street_code))
    )  # fmt: skip
    if f.get("status"):
        q = q.where(d.c.status == f["status"])
    if f.get("kind"):
        q = q.where(d.c.kind == f["kind"])
    if f.get("street_code"):
        q = q.where(h.c.street_code == f["street_code"])
    if f.get("due_from"):
        q = q.where(d.c.due_on >= f["due_from"])
    if f.get("due_to"):
        q = q.where(d.c.due_on <= f["due_to"])
    return q.order_by(d.c.due_on.desc(), d.c.id.desc())


def _due_row(r: Any) -> DueRow:
    return {"id": int(r.id), "home_id": int(r.home_id), "house_code": r.house_code, "street_code": r.street_code,
            "kind": r.kind, "reference": r.reference, "amount_fen": int(r.amount_fen),
            "rate_fen_per_m2": r.rate_fen_per_m2, "due_on": r.due_on, "status": r.status}  # fmt: skip


def dues(conn: Connection, scope: Scope, f: DueFilter, *, limit: int, offset: int) -> Page[DueRow]:
    return fetch_page(conn, _dues_q(scope, f), limit=limit, offset=offset, row=_due_row)


def dues_all(conn: Connection, scope: Scope, f: DueFilter) -> Iterator[DueRow]:
    """Every due matching ``f`` (for the export), read in batches of 5 000 (no server-side cursor: reads
    run in autocommit on PostgreSQL)."""
    q, offset = _dues_q(scope, f), 0
    while rows := conn.execute(q.limit(5000).offset(offset)).all():
        yield from (_due_row(r) for r in rows)
        offset += len(rows)


class RunRow(TypedDict):
    id: int
    district_code: str
    year: int
    total_fen: int
    homes: int
    journals: int
    run_at: Any


def interest_runs(conn: Connection, scope: Scope, *, limit: int, offset: int) -> Page[RunRow]:
    """The interest runs of the district accounts whose homes the scope holds, latest year first."""
    r, a = estates_interest_runs, fund_accounts
    q = (
        select(r.c.id, a.c.district_code, r.c.year, r.c.total_fen, r.c.homes, r.c.journals, r.c.run_at)
        .join(a, a.c.id == r.c.fund_account_id)
        .order_by(r.c.year.desc(), a.c.district_code)
    )
    if not scope.unrestricted:  # a district's account: shown to whoever has homes of that district in scope
        h = estates_fund_homes
        q = q.where(a.c.district_code.in_(select(h.c.district_code).where(*scope.where(h.c.street_code)).distinct()))

    def row(x: Any) -> RunRow:
        return {"id": int(x.id), "district_code": x.district_code, "year": int(x.year), "total_fen": int(x.total_fen),
                "homes": int(x.homes), "journals": int(x.journals), "run_at": x.run_at}  # fmt: skip

    return fetch_page(conn, q, limit=limit, offset=offset, row=row)


# ------------------------------------------------------------------------------------------ owners


class OwnHome(TypedDict):
    home_id: int
    house_code: str
    address: str
    status: str
    opened_on: date
    balance_fen: int


def _identity(conn: Connection, kr: Keyring, caller: Caller) -> tuple[str, str]:
    if caller.account_id is None:
        raise ValidationError.of("account", "须登录")
    row = conn.execute(
        select(accounts.c.id_number_bidx, accounts.c.name_enc).where(accounts.c.id == caller.account_id)
    ).first()
    if row is None or not row.id_number_bidx:
        raise ValidationError.of("account", "账户尚未完成实名认证，不能查看房屋维修资金（我的账户 → 实名认证）")
    return row.id_number_bidx, kr.decrypt(row.name_enc, "accounts.name")


def my_homes(conn: Connection, kr: Keyring, caller: Caller) -> list[OwnHome]:
    """The homes the caller (verified identity) owns today that have a 分户账, with their balances."""
    bidx, name = _identity(conn, kr, caller)
    today = clock.today()
    o, h, fh, la = registry.home_owners, registry.homes, estates_fund_homes, fund_ledger_accounts
    q = (
        select(fh.c.home_id, h.c.house_code, h.c.address, fh.c.status, fh.c.opened_on, (-la.c.balance_fen).label("bal"))
        .select_from(fh.join(la, fund_deposits.home_join(many=False)).join(h, h.c.id == fh.c.home_id))
        .where(fh.c.home_id.in_(select(o.c.home_id).where(o.c.owner_bidx == bidx, registry.owned_on(today))))
        .order_by(h.c.house_code)
    )  # fmt: skip
    return [
        {"home_id": int(r.home_id), "house_code": r.house_code, "address": r.address, "status": r.status,
         "opened_on": r.opened_on, "balance_fen": int(r.bal)}
        for r in conn.execute(q)
        if registry.is_owner(conn, int(r.home_id), bidx, today, named=(kr, name))
    ]  # fmt: skip


def own_home(conn: Connection, kr: Keyring, caller: Caller, home_id: int) -> OwnHome:
    """One of the caller's homes; any other home is "not found" (no hint it exists)."""
    for x in my_homes(conn, kr, caller):
        if x["home_id"] == home_id:
            return x
    raise NotFound("没有这个房屋的维修资金分户账")


class Transfer(TypedDict):
    on: date
    note: str


def transfers(conn: Connection, home_id: int) -> list[Transfer]:
    """The home's recorded fund-account transfers (过户, ``estates_fund_transfers``: one per completed
    resale, written with the registration that completed it): the 分户账 follows the home, so a transfer
    moves no money and is shown on the statement as a note. The note names no contract: the statement's
    reader (today's owner) was no party to the earlier owners' sales."""
    t = estates_fund_transfers.c
    rows = conn.execute(select(t.transferred_on).where(t.home_id == home_id).order_by(t.transferred_on, t.id)).all()
    return [
        {"on": x.transferred_on, "note": "存量房转移登记，维修资金分户账过户：随房屋转移，余额不变"}
        for x in rows
    ]  # fmt: skip


def movements(
    conn: Connection, kr: Keyring, caller: Caller, home_id: int, *, limit: int, offset: int
) -> Page[funds.Movement]:
    own_home(conn, kr, caller, home_id)
    lid = fund_ledger.home_ledgers(conn, [home_id])[home_id]
    return funds.account_postings(conn, lid, limit=limit, offset=offset)


class StatementLine(TypedDict):
    booked_on: date
    kind: str
    kind_label: str
    memo: str
    credit_fen: int
    debit_fen: int
    balance_fen: int
    journal_id: int
    proof: funds.LineProof | None


class Statement(TypedDict):
    home_id: int
    house_code: str
    balance_fen: int
    generated_at: str
    log: str
    head: dict[str, Any]
    lines: list[StatementLine]
    transfers: list[Transfer]


def statement(conn: Connection, kr: Keyring, caller: Caller, home_id: int, signer: ledger.Signer) -> Statement:
    """The caller's home's whole statement (see :func:`home_statement`); any other home is "not found"."""
    home = own_home(conn, kr, caller, home_id)
    return home_statement(conn, home_id, home["house_code"], home["balance_fen"], signer)


def home_statement(
    conn: Connection, home_id: int, house_code: str, balance_fen: int, signer: ledger.Signer
) -> Statement:
    """A home's whole statement: every movement with its running balance and its proof (the line in its
    allocation journal's ``lines_root``, that journal's entry in the log), all proved against the log
    ``maintenance_fund``'s current signed tree head (signed and recorded when stale: the caller's
    transaction writes). No identity check: for callers that made it."""
    lid = fund_ledger.home_ledgers(conn, [home_id])[home_id]
    sth = ledger.current_signed_head(conn, MAINTENANCE.log, signer)
    size = sth.head.size
    page = funds.account_postings(conn, lid, limit=100_000, offset=0)
    proofs = funds.line_proofs(conn, lid, [m["journal_id"] for m in page.items if m["allocation"]], size)
    out: list[StatementLine] = []
    bal = 0
    for m in page.items:
        bal += m["credit_fen"] - m["debit_fen"]
        proof = proofs.get(m["journal_id"])
        out.append({"booked_on": m["booked_on"], "kind": m["kind"], "kind_label": m["kind_label"], "memo": m["memo"],
                    "credit_fen": m["credit_fen"], "debit_fen": m["debit_fen"], "balance_fen": bal,
                    "journal_id": m["journal_id"], "proof": proof})  # fmt: skip
    return {"home_id": home_id, "house_code": house_code, "balance_fen": balance_fen,
            "generated_at": clock.now().isoformat(), "log": MAINTENANCE.log, "head": dict(sth.as_dict()), "lines": out,
            "transfers": transfers(conn, home_id)}  # fmt: skip
