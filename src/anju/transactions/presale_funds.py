"""Presale fund supervision (预售资金监管) on the one ledger engine (``anju.funds``, fund kind ``presale``).

* The bureau opens a project's supervised account (bank, account number); the policy edition in force
  that day (``presale_policy``) governs it for good.
* Buyers' down payments and loans of a *filed* contract are recorded as deposits (bank → held for the
  contract, subject ``contract:<id>``), never above what the contract says for each.
* The bureau records the construction milestones reached, in order. Releases to the developer are
  requested and approved by another officer; the total released never exceeds the cap of the latest
  milestone reached (its cumulative share of the net deposits) and, before the last milestone, never
  touches the retained key amount (重点监管额度: a share of the project's total filed prices).
* Cancelling a filed contract (撤销备案) refunds what it deposited (:func:`on_contract_cancelled`).
* Every journal is appended to the verifiable log ``funds``; the accounts are reconciled daily against
  the bank's lines through ``anju.funds.reconciliation``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, Select, func, select, update
from sqlalchemy.exc import IntegrityError

from anju import funds
from anju.core import clock, csvout
from anju.core.errors import Conflict, FieldError, Forbidden, NotFound, ValidationError
from anju.core.money import fen_to_yuan
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.core.settings import Settings
from anju.security import Caller, accounts
from anju.transactions import domain
from anju.transactions.presale_policy import policy_by_code, policy_on
from anju.transactions.tables import (
    developers,
    home_prices,
    presale_fund_supervisions,
    presale_milestones,
    presale_permits,
    presale_releases,
    sale_contracts,
    sale_projects,
)

KIND = "presale"
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{5,39}$")
ACCOUNT_NO = re.compile(r"^[0-9A-Za-z-]{6,40}$")
MAX_FEN = 10**13


def subject(contract_id: int) -> str:
    return f"contract:{contract_id}"


def yuan(fen: int) -> str:
    return fen_to_yuan(fen, unit=True)


# ------------------------------------------------------------------------------------------ accounts


def open_account(
    conn: Connection, settings: Settings, caller: Caller, project_id: int, bank: str, account_no: str
) -> int:
    """Open the supervised account of a project in the caller's scope (one per project)."""
    project = conn.execute(select(sale_projects).where(sale_projects.c.id == project_id)).first()
    missing = f"没有编号为 {project_id} 的项目"
    if project is None:
        raise NotFound(missing)
    caller.scope.require(project.street_code, missing)
    bank = " ".join((bank or "").split())
    errors = []
    if not 2 <= len(bank) <= 60:
        errors.append(FieldError("bank", "请填写开户银行（2–60 个字符）"))
    if not ACCOUNT_NO.match(account_no or ""):
        errors.append(FieldError("account_no", "账号应为 6–40 位数字、字母或短横线"))
    if errors:
        raise ValidationError("监管账户信息有误", errors)
    if conn.execute(select(presale_fund_supervisions.c.project_id).where(
        presale_fund_supervisions.c.project_id == project_id
    )).first() is not None:  # fmt: skip
        raise Conflict("该项目已开立预售资金监管账户", [FieldError("project_id", "已开立")])
    if funds.account_by_no(conn, account_no) is not None:
        raise Conflict("该账号已登记为监管账户", [FieldError("account_no", "账号已登记")])
    policy = policy_on(settings, clock.today())
    acct = funds.open_account(
        conn, KIND, f"project:{project_id}", bank, account_no, project.district_code, project.street_code
    )
    conn.execute(
        presale_fund_supervisions.insert().values(
            project_id=project_id,
            fund_account_id=acct,
            policy_code=policy.code,
            district_code=project.district_code,
            street_code=project.street_code,
            opened_by=caller.username,
            opened_at=clock.now(),
        )
    )
    return acct


MISSING = "监管账户不存在"


def _in_scope(scope: Scope) -> list[Any]:
    """The conditions, on ``presale_fund_supervisions`` joined to ``sale_projects``, of the accounts a
    scope covers: an officer's streets; for a developer's staff (an ``own`` scope carrying the
    enterprise's credit code, ``Scope.org``) the projects of that developer, whatever their street."""
    s = presale_fund_supervisions
    if scope.level == "own":
        mine = select(developers.c.id).where(*scope.where_org(developers.c.credit_code))
        return [sale_projects.c.developer_id.in_(mine.scalar_subquery())]
    return scope.where(s.c.street_code)


def _supervision(conn: Connection, scope: Scope, fund_account_id: int, *, lock: bool = False) -> Any:
    """The project's supervision of a fund account in scope (an officer's streets, or a developer's own
    projects — :func:`_in_scope`; anything else is "not found", a record out of scope ``OutOfScope``);
    ``lock`` takes its row for the rest of the transaction (PostgreSQL; SQLite serialises writers
    anyway), so that concurrent deposits, requests and approvals of one project check their caps one
    after the other."""
    if scope.level != "own":
        funds.scoped_account(conn, scope, fund_account_id, KIND)
    q = (
        select(
            presale_fund_supervisions,
            sale_projects.c.name.label("project_name"),
            developers.c.credit_code.label("developer_code"),
        )
        .join(sale_projects, sale_projects.c.id == presale_fund_supervisions.c.project_id)
        .join(developers, developers.c.id == sale_projects.c.developer_id)
        .where(presale_fund_supervisions.c.fund_account_id == fund_account_id)
    )
    row = conn.execute(q.with_for_update(of=presale_fund_supervisions) if lock else q).first()
    if row is None:
        raise NotFound(MISSING)
    if scope.level == "own":
        scope.require_org(row.developer_code, MISSING)
    return row


# ------------------------------------------------------------------------------------------ deposits


class DepositRecorded(TypedDict):
    """The journal of a deposit; ``replayed`` when the reference had been recorded before."""

    journal_id: int
    ledger_index: int | None
    replayed: bool


def _deposited(conn: Connection, fund_account_id: int, contract_id: int, kind: str) -> int:
    """What a contract's journals of ``kind`` add up to (one grouped query, however many there are)."""
    subj = subject(contract_id)
    return funds.subject_totals(conn, [fund_account_id], [subj]).get((fund_account_id, subj), {}).get(kind, 0)


def record_deposit(
    conn: Connection,
    caller: Caller,
    fund_account_id: int,
    contract_id: int,
    kind: str,
    amount_fen: int,
    reference: str,
    paid_on: date | None = None,
) -> DepositRecorded:
    """A buyer's down payment or loan (``kind``) of a filed contract of the account's project, paid into
    the supervised account. The contract's deposits of a kind never exceed what the contract says.
    Idempotent by ``reference`` (the bank transfer's): the same deposit again answers with its journal."""
    sup = _supervision(conn, caller.scope, fund_account_id, lock=True)
    if kind not in domain.DEPOSIT_KINDS:
        raise ValidationError.of("kind", "应为 down_payment（首付款）或 loan（按揭贷款）")
    if not REFERENCE.match(reference or ""):
        raise ValidationError.of("reference", "银行流水号应为 6–40 位字母、数字、短横线或下划线")
    if not isinstance(amount_fen, int) or not 0 < amount_fen <= MAX_FEN:
        raise ValidationError.of("amount_fen", "金额应为正整数（分）")
    day = paid_on or clock.today()
    if day > clock.today():
        raise ValidationError.of("paid_on", "入账日期不能晚于今天")
    prior = funds.journal_by_reference(conn, reference)
    if prior is not None:
        same = (prior["fund_account_id"], prior["subject"], prior["kind"], prior["amount_fen"])
        if same != (fund_account_id, subject(contract_id), kind, amount_fen):
            raise Conflict("银行流水号已用于另一笔入账", [FieldError("reference", "流水号重复")])
        return {"journal_id": prior["id"], "ledger_index": prior["ledger_index"], "replayed": True}
    c = conn.execute(select(sale_contracts).where(sale_contracts.c.id == contract_id)).first()
    if c is None or int(c.project_id) != int(sup.project_id):
        raise ValidationError.of("contract_id", "该合同不属于本监管账户的项目")
    if c.status != domain.ContractStatus.filed:
        raise ValidationError.of("contract_id", f"合同 {c.filing_no or contract_id} 未备案（或已撤销），不能入账")
    limit = int(c.down_payment_fen if kind == "down_payment" else c.loan_fen)
    before = _deposited(conn, fund_account_id, contract_id, kind)
    if before + amount_fen > limit:
        label = domain.DEPOSIT_KINDS[kind]
        raise ValidationError.of(
            "amount_fen",
            f"合同 {c.filing_no} 约定{label} {yuan(limit)}，已入账 {yuan(before)}，本次最多 {yuan(limit - before)}",
        )
    la = funds.accounts_of(conn, fund_account_id, subject(contract_id))
    jid = funds.post(
        conn,
        funds.JournalIn(
            fund_account_id,
            kind,
            reference,
            [(la["bank"], amount_fen, 0), (la["held"], 0, amount_fen)],
            day,
            f"合同 {c.filing_no} {domain.DEPOSIT_KINDS[kind]}入账",
            subject=subject(contract_id),
            actor_account_id=caller.account_id,
            extra={"filing_no": c.filing_no, "project": int(sup.project_id)},
        ),
    )
    return {"journal_id": jid, "ledger_index": funds.journal(conn, jid)["ledger_index"], "replayed": False}


def on_contract_cancelled(conn: Connection, caller: Caller, contract_id: int) -> int | None:
    """A contract's filing was cancelled (撤销备案): refund what it deposited (the refund journal).
    Returns the journal, or None when it deposited nothing."""
    acct = conn.execute(
        select(presale_fund_supervisions.c.fund_account_id)
        .join(sale_contracts, sale_contracts.c.project_id == presale_fund_supervisions.c.project_id)
        .where(sale_contracts.c.id == contract_id)
    ).scalar()
    if acct is None:
        return None
    held = -funds.balances(conn, [int(acct)], subject=subject(contract_id)).get(int(acct), {}).get("held", 0)
    if held <= 0:
        return None
    la = funds.accounts_of(conn, int(acct), subject(contract_id))
    ref = f"presale-refund:{contract_id}"
    return funds.post(
        conn,
        funds.JournalIn(
            int(acct),
            "refund",
            ref,
            [(la["held"], held, 0), (la["bank"], 0, held)],
            clock.today(),
            "撤销备案，退还购房人已交存款",
            item=ref,
            subject=subject(contract_id),
            actor_account_id=caller.account_id,
        ),
    )


# ---------------------------------------------------------------------------------------- milestones


def record_milestone(
    conn: Connection, settings: Settings, caller: Caller, fund_account_id: int, milestone: str, reached_on: date
) -> int:
    """A construction milestone the project reached, in the policy's order (each one once)."""
    sup = _supervision(conn, caller.scope, fund_account_id)
    policy = policy_by_code(settings, sup.policy_code)
    m = policy.milestone(milestone)
    if m is None:
        names = "、".join(f"{x.code}（{x.name}）" for x in policy.milestones)
        raise ValidationError.of("milestone", f"应为 {names} 之一")
    if reached_on > clock.today():
        raise ValidationError.of("reached_on", "达到日期不能晚于今天")
    reached = _reached(conn, int(sup.project_id))
    if milestone in reached:
        raise Conflict(f"已记录节点「{m.name}」", [FieldError("milestone", "已记录")])
    before = policy.milestones[: policy.milestones.index(m)]
    missing = [x.name for x in before if x.code not in reached]
    if missing:
        raise ValidationError.of("milestone", f"须先记录节点「{'」「'.join(missing)}」")
    try:
        with conn.begin_nested():
            return int(
                conn.execute(
                    presale_milestones.insert()
                    .values(project_id=sup.project_id, milestone=milestone, reached_on=reached_on,
                            recorded_by=caller.username, recorded_at=clock.now())
                    .returning(presale_milestones.c.id)
                ).scalar_one()
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(f"已记录节点「{m.name}」", [FieldError("milestone", "已记录")]) from None


def _reached(conn: Connection, project_id: int) -> dict[str, date]:
    q = select(presale_milestones.c.milestone, presale_milestones.c.reached_on).where(
        presale_milestones.c.project_id == project_id
    )
    return {r.milestone: r.reached_on for r in conn.execute(q)}


# ----------------------------------------------------------------------------------------- positions


class MilestoneRow(TypedDict):
    code: str
    name: str
    release_percent: int
    reached_on: date | None
    cap_fen: int  # the cumulative releasable amount once reached


class Position(TypedDict):
    """Where a project's supervised funds stand: what is deposited, released, retained and releasable."""

    fund_account_id: int
    project_id: int
    project_name: str
    bank: str
    account_no: str
    district_code: str
    street_code: str
    policy_code: str
    policy_name: str
    sample_policy: bool
    deposited_fen: int  # net of refunds
    released_fen: int
    bank_fen: int
    pending_fen: int  # requested, awaiting approval
    filed_total_fen: int
    retained_fen: int
    milestone: str | None  # the latest reached
    milestone_name: str | None
    cap_fen: int
    available_fen: int  # cap − released − pending
    milestones: list[MilestoneRow]


def _filed_total(conn: Connection, project_id: int) -> int:
    q = (
        select(func.coalesce(func.sum(home_prices.c.total_price_fen), 0))
        .join(presale_permits, presale_permits.c.id == home_prices.c.permit_id)
        .where(presale_permits.c.project_id == project_id, home_prices.c.current == 1)
    )
    return int(conn.execute(q).scalar_one())


def _pending(conn: Connection, project_id: int, but: int | None = None) -> int:
    q = select(func.coalesce(func.sum(presale_releases.c.amount_fen), 0)).where(
        presale_releases.c.project_id == project_id, presale_releases.c.status == "requested"
    )
    if but is not None:
        q = q.where(presale_releases.c.id != but)
    return int(conn.execute(q).scalar_one())


def position(
    conn: Connection,
    settings: Settings,
    scope: Scope,
    fund_account_id: int,
    *,
    but: int | None = None,
    lock: bool = False,
) -> Position:
    """A project account's position (``but``: leave that request out of what is pending; ``lock``: for
    a write that checks the cap, see :func:`_supervision`)."""
    sup = _supervision(conn, scope, fund_account_id, lock=lock)
    acct = funds.accounts(conn, [fund_account_id])[0]
    policy = policy_by_code(settings, sup.policy_code)
    bal = funds.balances(conn, [fund_account_id]).get(fund_account_id, {})
    deposited, released = -bal.get("held", 0), bal.get("released", 0)
    filed = _filed_total(conn, int(sup.project_id))
    retained = domain.retained_fen(policy, filed)
    reached = _reached(conn, int(sup.project_id))
    caps = domain.milestone_caps(policy, reached, deposited, retained)
    now = domain.current_cap(caps)
    pending = _pending(conn, int(sup.project_id), but)
    cap = now.cap_fen if now else 0
    return {
        "fund_account_id": fund_account_id,
        "project_id": int(sup.project_id),
        "project_name": sup.project_name,
        "bank": acct["bank"],
        "account_no": acct["account_no"],
        "district_code": acct["district_code"],
        "street_code": acct["street_code"],
        "policy_code": policy.code,
        "policy_name": policy.name,
        "sample_policy": policy.sample,
        "deposited_fen": deposited,
        "released_fen": released,
        "bank_fen": bal.get("bank", 0),
        "pending_fen": pending,
        "filed_total_fen": filed,
        "retained_fen": retained,
        "milestone": now.milestone.code if now else None,
        "milestone_name": now.milestone.name if now else None,
        "cap_fen": cap,
        "available_fen": max(0, cap - released - pending),
        "milestones": [
            {
                "code": c.milestone.code,
                "name": c.milestone.name,
                "release_percent": c.milestone.release_percent,
                "reached_on": reached.get(c.milestone.code),
                "cap_fen": c.cap_fen,
            }
            for c in caps
        ],
    }


# ------------------------------------------------------------------------------------------ releases


def _refuse(pos: Position, amount_fen: int) -> ValidationError:
    if pos["milestone"] is None:
        first = pos["milestones"][0]["name"]
        return ValidationError.of(
            "amount_fen", f"申请拨付 {yuan(amount_fen)}：项目尚未达到首个拨付节点「{first}」，不可拨付"
        )
    last = pos["milestones"][-1]["name"]
    return ValidationError.of(
        "amount_fen",
        f"申请拨付 {yuan(amount_fen)} 超过可拨付额度：已达节点「{pos['milestone_name']}」，累计可拨付上限 "
        f"{yuan(pos['cap_fen'])}（重点监管额度 {yuan(pos['retained_fen'])} 须至「{last}」后方可拨付），已拨付 "
        f"{yuan(pos['released_fen'])}，待审批 {yuan(pos['pending_fen'])}，本次最多 {yuan(pos['available_fen'])}",
    )


def request_release(conn: Connection, settings: Settings, caller: Caller, fund_account_id: int, amount_fen: int) -> int:
    """A request to release ``amount_fen`` to the developer — by an officer in scope on its behalf, or by
    the developer's own staff for its own project's account (the caller's scope decides which accounts
    it reaches) — refused (naming the milestone, the cap, what is released and pending, the retained
    amount and the amount asked) when it is above what the latest milestone reached allows."""
    if not isinstance(amount_fen, int) or not 0 < amount_fen <= MAX_FEN:
        raise ValidationError.of("amount_fen", "金额应为正整数（分）")
    pos = position(conn, settings, caller.scope, fund_account_id, lock=True)
    check_release(pos, amount_fen)
    return int(
        conn.execute(
            presale_releases.insert()
            .values(project_id=pos["project_id"], amount_fen=amount_fen, milestone=pos["milestone"],
                    status="requested", requested_by=caller.username, requested_at=clock.now())
            .returning(presale_releases.c.id)
        ).scalar_one()
    )  # fmt: skip


def check_release(pos: Position, amount_fen: int) -> None:
    """Refuse a request of ``amount_fen`` above what the position allows (the confirmation page asks it
    before the request is written; :func:`request_release` asks it again under the lock)."""
    if not isinstance(amount_fen, int) or not 0 < amount_fen <= MAX_FEN:
        raise ValidationError.of("amount_fen", "金额应为正整数（分）")
    if amount_fen > pos["available_fen"]:
        raise _refuse(pos, amount_fen)


def _release_row(conn: Connection, project_id: int, release_id: int) -> Any:
    row = conn.execute(select(presale_releases).where(presale_releases.c.id == release_id)).first()
    if row is None or int(row.project_id) != project_id:
        raise NotFound(f"没有编号为 {release_id} 的拨付申请")
    if row.status != "requested":
        raise Conflict("该拨付申请已处理", [FieldError("release_id", domain.RELEASE_STATUS_LABELS[row.status])])
    return row


def approve_release(conn: Connection, settings: Settings, caller: Caller, fund_account_id: int, release_id: int) -> int:
    """Approve a request (another officer than the one who requested it): the cap is checked again and
    the release journal posted (bank → released). Returns the journal."""
    _officer(caller)
    pos = position(conn, settings, caller.scope, fund_account_id, but=release_id, lock=True)
    row = _release_row(conn, pos["project_id"], release_id)
    if row.requested_by == caller.username:
        raise ValidationError.of("release_id", "拨付申请须由另一名工作人员审批")
    amount = int(row.amount_fen)
    if amount > pos["available_fen"]:
        raise _refuse(pos, amount)
    la = funds.ledger_accounts(conn, fund_account_id)
    ref = f"presale-release:{release_id}"
    jid = funds.post(
        conn,
        funds.JournalIn(
            fund_account_id, "release", ref, [(la["released"], amount, 0), (la["bank"], 0, amount)], clock.today(),
            f"按节点「{pos['milestone_name']}」拨付开发企业", item=ref, actor_account_id=caller.account_id,
            extra={"project": pos["project_id"], "milestone": pos["milestone"]},
        ),
    )  # fmt: skip
    conn.execute(
        update(presale_releases)
        .where(presale_releases.c.id == release_id)
        .values(status="approved", decided_by=caller.username, decided_at=clock.now(), journal_id=jid)
    )
    return jid


def _officer(caller: Caller) -> None:
    """Deciding on a request is the bureau's: a developer's staff never approve or reject one (the routes
    ask ``transactions.manage`` already; this keeps the rule in the service)."""
    if caller.scope.level == "own":
        raise Forbidden("拨付申请由监管部门审批")


def reject_release(conn: Connection, caller: Caller, fund_account_id: int, release_id: int) -> None:
    _officer(caller)
    sup = _supervision(conn, caller.scope, fund_account_id)
    _release_row(conn, int(sup.project_id), release_id)
    conn.execute(
        update(presale_releases)
        .where(presale_releases.c.id == release_id)
        .values(status="rejected", decided_by=caller.username, decided_at=clock.now())
    )


class Release(TypedDict):
    id: int
    amount_fen: int
    milestone: str | None
    status: str
    status_label: str
    requested_by: str
    #: the developer's own application (its staff requested it) rather than an officer's on its behalf
    by_developer: bool
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    journal_id: int | None


def _releases_q() -> Select[Any]:
    """Release requests with whether a developer's staff account (an account of an enterprise) made them."""
    by_dev = accounts.c.org_code.is_not(None)
    return select(presale_releases, by_dev.label("by_developer")).outerjoin(
        accounts, accounts.c.username == presale_releases.c.requested_by
    )


def releases(conn: Connection, scope: Scope, fund_account_id: int, *, limit: int, offset: int) -> Page[Release]:
    """The account's release requests, newest first (a developer's staff: only its own projects')."""
    sup = _supervision(conn, scope, fund_account_id)
    stmt = _releases_q().where(presale_releases.c.project_id == sup.project_id).order_by(presale_releases.c.id.desc())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_release)


def requested_release(conn: Connection, scope: Scope, fund_account_id: int, release_id: int) -> Release:
    """One request of the account waiting for approval (404 if not the account's, 409 if handled)."""
    sup = _supervision(conn, scope, fund_account_id)
    _release_row(conn, sup.project_id, release_id)
    return _release(conn.execute(_releases_q().where(presale_releases.c.id == release_id)).one())


def _release(r: Any) -> Release:
    return {
        "id": int(r.id),
        "amount_fen": int(r.amount_fen),
        "milestone": r.milestone,
        "status": r.status,
        "status_label": domain.RELEASE_STATUS_LABELS[r.status],
        "requested_by": r.requested_by,
        "by_developer": bool(r.by_developer),
        "requested_at": r.requested_at,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at,
        "journal_id": r.journal_id,
    }


# ------------------------------------------------------------------------------- lists and statements


class AccountRow(TypedDict):
    """A project's supervised account in the list, with its balances and the day's reconciliation."""

    fund_account_id: int
    project_id: int
    project_name: str
    bank: str
    account_no: str
    district_code: str
    deposited_fen: int
    released_fen: int
    bank_fen: int
    balanced: bool


def _accounts_query(scope: Scope, district: str | None) -> Select[Any]:
    """The project accounts a scope covers (of a district), unordered: the one base query of the list,
    the developer's list and the reconciliation report."""
    s = presale_fund_supervisions
    stmt = (
        select(s.c.fund_account_id, s.c.project_id, s.c.district_code, sale_projects.c.name.label("project_name"))
        .join(sale_projects, sale_projects.c.id == s.c.project_id)
        .where(*_in_scope(scope))
    )
    return stmt.where(s.c.district_code == district) if district else stmt


def list_accounts(
    conn: Connection, scope: Scope, *, district: str | None, on: date, limit: int, offset: int
) -> Page[AccountRow]:
    """The project accounts in scope (an officer's streets; a developer's staff: its own projects, see
    :func:`_in_scope`), of a district, newest first, with balances and the reconciliation of ``on``
    (grouped queries per page)."""
    stmt = _accounts_query(scope, district).order_by(presale_fund_supervisions.c.fund_account_id.desc())
    page = fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda r: r)
    ids = [int(r.fund_account_id) for r in page.items]
    accts = {a["id"]: a for a in funds.accounts(conn, ids)}
    bal = funds.balances(conn, ids)
    day = funds.reconciliation.day_figures(conn, ids, on)
    items: list[AccountRow] = []
    for r in page.items:
        i = int(r.fund_account_id)
        b = bal.get(i, {})
        items.append(
            {"fund_account_id": i, "project_id": int(r.project_id), "project_name": r.project_name,
             "bank": accts[i]["bank"], "account_no": accts[i]["account_no"], "district_code": r.district_code,
             "deposited_fen": -b.get("held", 0), "released_fen": b.get("released", 0), "bank_fen": b.get("bank", 0),
             "balanced": bool(day[i]["balanced"])}
        )  # fmt: skip
    return Page(items, page.total)


def statement(conn: Connection, scope: Scope, fund_account_id: int, *, limit: int, offset: int) -> Page[funds.Journal]:
    """The account's journals, oldest first."""
    _supervision(conn, scope, fund_account_id)
    return funds.journals(conn, fund_account_id=fund_account_id, limit=limit, offset=offset)


def import_bank_lines(conn: Connection, caller: Caller, fund_account_id: int, text: str) -> funds.BankImport:
    _supervision(conn, caller.scope, fund_account_id)
    return funds.reconciliation.import_bank_lines(conn, fund_account_id, text, caller.account_id)


def reconciliation(conn: Connection, scope: Scope, fund_account_id: int, on: date) -> funds.Reconciliation:
    """The daily reconciliation of a project account against the bank's lines."""
    _supervision(conn, scope, fund_account_id)
    return funds.reconciliation.reconcile(conn, fund_account_id, on)


def journal_index(conn: Connection, journal_id: int) -> int | None:
    return funds.journal(conn, journal_id)["ledger_index"]


# ------------------------------------------------------------------------------ reconciliation report

#: The columns of the daily reconciliation report (amounts in fen; ``balanced`` 1 or 0).
#: The day's figures of an account (``funds.reconciliation.day_figures``), the tail of every fund
#: reconciliation report (presale here, resale in ``resale_funds``).
DAY_COLUMNS = (
    "platform_in", "platform_out", "platform_balance", "bank_in", "bank_out", "bank_balance", "difference",
    "balanced",
)  # fmt: skip
RECONCILIATION_COLUMNS = (
    "date", "fund_account_id", "project_id", "project_name", "district_code", "street_code", "bank", "account_no",
    *DAY_COLUMNS,
)  # fmt: skip


def reconcile_all(conn: Connection, scope: Scope, on: date, *, district: str | None = None) -> list[dict[str, Any]]:
    """Every project account in scope (of a district), oldest first, with the figures of ``on`` the list
    page shows (``funds.reconciliation.day_figures``: the platform's and the bank's movements and closing
    balances): one row per account, in a fixed number of grouped queries."""
    stmt = _accounts_query(scope, district).order_by(presale_fund_supervisions.c.fund_account_id)
    found = conn.execute(stmt).all()
    ids = [int(r.fund_account_id) for r in found]
    accts = {a["id"]: a for a in funds.accounts(conn, ids)}
    day = funds.reconciliation.day_figures(conn, ids, on)
    return [
        {"date": on, "fund_account_id": i, "project_id": int(r.project_id), "project_name": r.project_name,
         "district_code": r.district_code, "street_code": accts[i]["street_code"], "bank": accts[i]["bank"],
         "account_no": accts[i]["account_no"], **day[i]}
        for r in found
        for i in [int(r.fund_account_id)]
    ]  # fmt: skip


def reconciliation_csv(conn: Connection, scope: Scope, on: date, *, district: str | None = None) -> bytes:
    """:func:`reconcile_all` as CSV through the platform's one writer (``core.csvout``: UTF-8 with BOM, a
    text cell that a spreadsheet would read as a formula — a bank name beginning with ``=`` — quoted)."""
    return reconciliation_bytes(reconcile_all(conn, scope, on, district=district))


def reconciliation_bytes(rows: list[dict[str, Any]]) -> bytes:
    """Rows of :func:`reconcile_all` as the report's CSV."""
    return csvout.to_bytes(RECONCILIATION_COLUMNS, ([r[c] for c in RECONCILIATION_COLUMNS] for r in rows))


# ---------------------------------------------------------------------------- the developer's own view
#
# A developer's staff reach the same functions with their own scope (``Scope.own`` carrying the
# enterprise's credit code, resolved at sign-in from ``accounts.org_code``): ``list_accounts``,
# ``position``, ``releases`` and ``request_release`` answer only the developer's own projects' accounts
# (:func:`_in_scope`, :func:`_supervision`); another developer's account is out of scope, answered
# exactly like a missing one.
