"""Spending the maintenance fund (维修资金使用): applications, the street's decision with each home's
share (分摊), payment in stages against acceptance (验收) on the one ledger engine, publication of the
final account (决算公示). Reads are in ``spending_queries``; the pure rules in ``spending_rules``.

An ordinary application needs a tallied, passed owners' vote on ``use_fund`` of the same estate; an
emergency (应急使用: ``domain.EMERGENCY_KINDS``) needs none, but the street's approval confirms the
emergency, its budget is capped (``ANJU_ESTATES_EMERGENCY_CAP_FEN``) and its final account must be
published within ``ANJU_ESTATES_EMERGENCY_PUBLISH_DAYS`` days of the last payment.

Every write runs in the caller's (audited) transaction and checks everything before it writes. ``at``
(default now) lets the synthetic city write its history through the same checks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final
from uuid import uuid4

from sqlalchemy import Connection, bindparam, func, insert, select, update

from anju import funds, registry
from anju.core import clock
from anju.core.dialect import bulk_insert
from anju.core.errors import FieldError, NotFound, ValidationError
from anju.core.money import fen_to_yuan
from anju.estates import fund_ledger
from anju.estates.domain import EMERGENCY_KINDS, SPENDING_CATEGORIES
from anju.estates.spending_rules import (
    COMMITTED,
    MAX_QUOTES,
    StageIn,
    apportion,
    check_stages,
    must_be,
    split_stage,
)
from anju.estates.tables import (
    estates_committee_members,
    estates_committees,
    estates_companies,
    estates_fund_homes,
    estates_projects,
    estates_spending,
    estates_spending_quotes,
    estates_spending_shares,
    estates_spending_stages,
    estates_votes,
)
from anju.security import Caller, accounts, set_audit_detail, set_audit_target

sp = estates_spending


@dataclass(frozen=True, slots=True)
class Limits:
    """The settings the emergency route is held to."""

    emergency_cap_fen: int
    publish_days: int


@dataclass(frozen=True, slots=True)
class QuoteIn:
    contractor: str
    amount_fen: int
    chosen: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ApplicationIn:
    estate_id: int
    title: str
    category: str
    budget_fen: int
    quotes: Sequence[QuoteIn]
    building_id: int | None = None
    description: str = ""
    emergency: bool = False
    emergency_kind: str | None = None
    vote_id: int | None = None


@dataclass(frozen=True, slots=True)
class DecisionIn:
    outcome: str  # approve | reject
    note: str = ""
    approved_fen: int | None = None  # default: the chosen quote
    stages: Sequence[StageIn] = field(default_factory=tuple)  # default: one stage 竣工验收


# ------------------------------------------------------------------------------------ applicants


def _verified_bidx(conn: Connection, caller: Caller) -> str:
    row = conn.execute(
        select(accounts.c.id_number_bidx, accounts.c.identity_verified_at).where(accounts.c.id == caller.account_id)
    ).first()
    if row is None or row.id_number_bidx is None or row.identity_verified_at is None:
        raise ValidationError.of("account", "账户尚未完成实名认证（我的账户 → 实名认证）")
    return str(row.id_number_bidx)


def is_committee_member(conn: Connection, estate_id: int, owner_bidx: str) -> bool:
    """Whether the person (blind index of the ID) sits on the estate's active committee today."""
    m, c = estates_committee_members, estates_committees
    q = (
        select(m.c.id)
        .join(c, c.c.id == m.c.committee_id)
        .where(c.c.estate_id == estate_id, c.c.status == "active", m.c.owner_bidx == owner_bidx, m.c.left_on.is_(None))
        .limit(1)
    )
    return conn.execute(q).first() is not None


def _company_serves(conn: Connection, caller: Caller, estate_id: int) -> bool:
    p, co = estates_projects, estates_companies
    q = (
        select(p.c.id)
        .join(co, co.c.id == p.c.company_id)
        .join(accounts, accounts.c.org_code == co.c.credit_code)
        .where(accounts.c.id == caller.account_id, p.c.estate_id == estate_id, p.c.status == "active")
        .where(co.c.status == "filed")
        .limit(1)
    )
    return conn.execute(q).first() is not None


def _check_applicant(conn: Connection, caller: Caller, applicant: str, estate_id: int, street: str) -> None:
    if applicant == "street":
        caller.scope.require(street, "小区不存在")
    elif applicant == "committee":
        if not is_committee_member(conn, estate_id, _verified_bidx(conn, caller)):
            raise ValidationError.of("account", "您不是该小区在任业主委员会的成员，不能以业委会名义申请")
    elif applicant == "company":
        if not _company_serves(conn, caller, estate_id):
            raise ValidationError.of("account", "本账户所属企业不是该小区在管的已备案物业服务企业")
    else:
        raise ValidationError.of("applicant_kind", "未知的申请人类型")


# --------------------------------------------------------------------------------------- checks


def check_vote(conn: Connection, estate_id: int, vote_id: int | None) -> None:
    """The owners' decision an ordinary application rests on: a tallied, passed vote on using the fund
    (``use_fund``) of the same estate; otherwise refused naming ``vote_id``."""
    if vote_id is None:
        raise ValidationError.of("vote_id", "非应急使用须经业主共同决定：请指明已通过的“使用维修资金”表决")
    v = conn.execute(select(estates_votes).where(estates_votes.c.id == vote_id)).first()
    if v is None or v.estate_id != estate_id:
        raise ValidationError.of("vote_id", f"本小区没有编号为 {vote_id} 的表决")
    if v.matter != "use_fund":
        raise ValidationError.of("vote_id", "该表决的事项不是“使用建筑物及其附属设施的维修资金”")
    if v.status != "tallied" or not v.passed:
        raise ValidationError.of("vote_id", "该表决尚未计票或未获通过")


def _check_quotes(cmd: ApplicationIn) -> list[FieldError]:
    e: list[FieldError] = []
    if not 1 <= len(cmd.quotes) <= MAX_QUOTES:
        e.append(FieldError("quotes", f"应有 1–{MAX_QUOTES} 份报价"))
    for i, q in enumerate(cmd.quotes):
        if not 1 <= len(q.contractor.strip()) <= 100:
            e.append(FieldError(f"quotes[{i}].contractor", "施工单位名称应为 1–100 个字符"))
        if type(q.amount_fen) is not int or q.amount_fen <= 0:
            e.append(FieldError(f"quotes[{i}].amount_fen", "报价应为正整数（分）"))
        if q.note is not None and len(q.note) > 200:
            e.append(FieldError(f"quotes[{i}].note", "备注最多 200 个字符"))
    return e


def _check_input(cmd: ApplicationIn, limits: Limits) -> list[FieldError]:
    e: list[FieldError] = []
    if not 1 <= len(cmd.title.strip()) <= 100:
        e.append(FieldError("title", "标题应为 1–100 个字符"))
    if cmd.category not in SPENDING_CATEGORIES:
        e.append(FieldError("category", "未知的维修类别"))
    if len(cmd.description) > 2000:
        e.append(FieldError("description", "说明最多 2000 个字符"))
    if type(cmd.budget_fen) is not int or cmd.budget_fen <= 0:
        e.append(FieldError("budget_fen", "预算应为正整数（分）"))
    e += _check_quotes(cmd)
    chosen = [q for q in cmd.quotes if q.chosen]
    if cmd.quotes and len(chosen) != 1:
        e.append(FieldError("quotes", "应选定一份且只一份报价"))
    elif chosen and type(cmd.budget_fen) is int and chosen[0].amount_fen > cmd.budget_fen:
        e.append(FieldError("budget_fen", "预算不应低于选定的报价"))
    if cmd.emergency:
        if cmd.emergency_kind not in EMERGENCY_KINDS:
            e.append(FieldError("emergency_kind", "应急使用须说明紧急情形（电梯、渗漏、消防、管道、外墙）"))
        if type(cmd.budget_fen) is int and cmd.budget_fen > limits.emergency_cap_fen:
            cap = fen_to_yuan(limits.emergency_cap_fen)
            e.append(FieldError("budget_fen", f"应急使用的预算不得超过 {cap} 元；超过的须经业主表决"))
    elif cmd.emergency_kind is not None:
        e.append(FieldError("emergency_kind", "非应急使用不填紧急情形"))
    return e


# ---------------------------------------------------------------------------------------- writes


def create(
    conn: Connection, caller: Caller, cmd: ApplicationIn, *, applicant: str, limits: Limits, at: datetime | None = None
) -> int:
    """A draft application by the estate's committee (a member), its property company or the street."""
    errors = _check_input(cmd, limits)
    if errors:
        raise ValidationError(f"{errors[0].field}: {errors[0].reason}", errors)
    e = registry.estates
    est = conn.execute(select(e.c.id, e.c.district_code, e.c.street_code).where(e.c.id == cmd.estate_id)).first()
    if est is None:
        raise NotFound("小区不存在")
    _check_applicant(conn, caller, applicant, est.id, est.street_code)
    if cmd.building_id is not None:
        b = registry.buildings
        if conn.execute(select(b.c.estate_id).where(b.c.id == cmd.building_id)).scalar() != est.id:
            raise ValidationError.of("building_id", "该楼栋不属于本小区")
    if not cmd.emergency and cmd.vote_id is not None:
        check_vote(conn, est.id, cmd.vote_id)
    now = at or clock.now()
    sid = int(
        conn.execute(
            insert(sp)
            .values(
                application_no=uuid4().hex[:20],
                estate_id=est.id,
                building_id=cmd.building_id,
                title=cmd.title.strip(),
                category=cmd.category,
                description=cmd.description or None,
                emergency=cmd.emergency,
                emergency_kind=cmd.emergency_kind if cmd.emergency else None,
                vote_id=None if cmd.emergency else cmd.vote_id,
                status="draft",
                budget_fen=cmd.budget_fen,
                paid_fen=0,
                applicant_kind=applicant,
                applicant_account_id=caller.account_id,
                district_code=est.district_code,
                street_code=est.street_code,
                created_at=now,
                updated_at=now,
            )
            .returning(sp.c.id)
        ).scalar_one()
    )
    conn.execute(update(sp).where(sp.c.id == sid).values(application_no=application_no(sid)))
    conn.execute(
        insert(estates_spending_quotes),
        [
            {
                "spending_id": sid,
                "contractor": q.contractor.strip(),
                "amount_fen": q.amount_fen,
                "chosen": q.chosen,
                "note": q.note,
            }
            for q in cmd.quotes
        ],
    )
    set_audit_target(conn, sid)
    set_audit_detail(conn, {"estate_id": est.id, "emergency": cmd.emergency, "budget_fen": cmd.budget_fen})
    return sid


def application_no(spending_id: int) -> str:
    return f"SY{spending_id:012d}"


def staff(caller: Caller) -> bool:
    """Staff who read in scope, or the platform's own jobs (synthesis, commands: no account, no role)."""
    return caller.can("estates.read") or (
        caller.role is None and caller.account_id is None and caller.scope.unrestricted
    )


def _load(conn: Connection, caller: Caller, spending_id: int) -> Any:
    """The application if the caller may act on it: staff in scope, or its own applicant."""
    # locked for the rest of the write: two decisions or payments of one application queue (PostgreSQL)
    row = conn.execute(select(sp).where(sp.c.id == spending_id).with_for_update()).first()
    if row is None:
        raise NotFound("维修资金使用申请不存在")
    if staff(caller):
        caller.scope.require(row.street_code, "维修资金使用申请不存在")
    elif caller.account_id is None or row.applicant_account_id != caller.account_id:
        raise NotFound("维修资金使用申请不存在")
    return row


def submit(conn: Connection, caller: Caller, spending_id: int, *, limits: Limits, at: datetime | None = None) -> None:
    """Draft → submitted (待审核): an ordinary one with its passed vote, an emergency within the cap."""
    row = _load(conn, caller, spending_id)
    must_be(row.status, "draft", action="提交")
    if row.emergency:
        if row.budget_fen > limits.emergency_cap_fen:
            raise ValidationError.of("budget_fen", f"应急使用的预算不得超过 {fen_to_yuan(limits.emergency_cap_fen)} 元")
    else:
        check_vote(conn, row.estate_id, row.vote_id)
    now = at or clock.now()
    conn.execute(update(sp).where(sp.c.id == row.id).values(status="submitted", submitted_at=now, updated_at=now))


#: Before a decision: what its applicant may still edit or withdraw.
UNDECIDED: Final = ("draft", "voting", "submitted")


def _own(conn: Connection, caller: Caller, spending_id: int, action: str) -> Any:
    """The application, locked, if the caller is the account that made it and no decision was made;
    another account (staff included) gets "not found" — only the applicant edits or withdraws."""
    row = conn.execute(select(sp).where(sp.c.id == spending_id).with_for_update()).first()
    if row is None or caller.account_id is None or row.applicant_account_id != caller.account_id:
        raise NotFound("维修资金使用申请不存在")
    must_be(row.status, *UNDECIDED, action=action)
    return row


def edit(conn: Connection, caller: Caller, spending_id: int, cmd: ApplicationIn, *, limits: Limits) -> None:
    """The applicant changes its application before a decision: every field but the estate (a different
    estate is a new application), the quotes replaced. A submitted one stays submitted and must still
    pass what submitting checks (the vote, the emergency cap)."""
    row = _own(conn, caller, spending_id, "修改")
    errors = _check_input(cmd, limits)
    if cmd.estate_id != row.estate_id:
        errors.append(FieldError("estate_id", "不能更改申请的小区；请撤回后重新申请"))
    if errors:
        raise ValidationError(f"{errors[0].field}: {errors[0].reason}", errors)
    _check_applicant(conn, caller, row.applicant_kind, row.estate_id, row.street_code)
    if cmd.building_id is not None:
        b = registry.buildings
        if conn.execute(select(b.c.estate_id).where(b.c.id == cmd.building_id)).scalar() != row.estate_id:
            raise ValidationError.of("building_id", "该楼栋不属于本小区")
    vote_id = None if cmd.emergency else cmd.vote_id
    if (row.status != "draft" and not cmd.emergency) or vote_id is not None:
        check_vote(conn, row.estate_id, vote_id)
    conn.execute(
        update(sp)
        .where(sp.c.id == row.id)
        .values(
            building_id=cmd.building_id, title=cmd.title.strip(), category=cmd.category,
            description=cmd.description or None, emergency=cmd.emergency,
            emergency_kind=cmd.emergency_kind if cmd.emergency else None, vote_id=vote_id,
            budget_fen=cmd.budget_fen, updated_at=clock.now(),
        )
    )  # fmt: skip
    q = estates_spending_quotes
    conn.execute(q.delete().where(q.c.spending_id == row.id))
    conn.execute(
        insert(q),
        [{"spending_id": row.id, "contractor": x.contractor.strip(), "amount_fen": x.amount_fen, "chosen": x.chosen,
          "note": x.note} for x in cmd.quotes],
    )  # fmt: skip
    set_audit_detail(conn, {"budget_fen": cmd.budget_fen, "emergency": cmd.emergency, "status": row.status})


def withdraw(conn: Connection, caller: Caller, spending_id: int, reason: str) -> None:
    """The applicant withdraws its application before a decision, with a reason (2–200 characters,
    kept on the application and in the audit row). A withdrawn application is final."""
    text = " ".join((reason or "").split())
    if not 2 <= len(text) <= 200:
        raise ValidationError.of("reason", "请填写撤回原因（2–200 个字）")
    row = _own(conn, caller, spending_id, "撤回")
    now = clock.now()
    conn.execute(
        update(sp)
        .where(sp.c.id == row.id)
        .values(status="withdrawn", withdrawn_at=now, withdrawn_by=caller.account_id, withdraw_reason=text,
                updated_at=now)
    )  # fmt: skip
    set_audit_detail(conn, {"reason": text, "was": row.status})


class Shortfall(ValidationError):
    """A home's fund balance cannot cover its share (the field names the home)."""


def _homes(conn: Connection, row: Any) -> list[Any]:
    """The open 分户账 of the estate (or the building) the application is for, by home id."""
    h = estates_fund_homes
    q = select(h.c.home_id, h.c.area, h.c.fund_account_id, registry.homes.c.house_code).join(
        registry.homes, registry.homes.c.id == h.c.home_id
    )
    q = q.where(h.c.estate_id == row.estate_id, h.c.status == "open")
    if row.building_id is not None:
        q = q.where(h.c.building_id == row.building_id)
    # the homes' fund records locked: concurrent approvals on one estate see each other's shares
    return list(conn.execute(q.order_by(h.c.home_id).with_for_update(of=h)))


def _available(conn: Connection, spending_id: int, homes: Sequence[Any]) -> dict[int, tuple[int, int]]:
    """Home → (its fund balance, what other approved applications still hold of it), in fen."""
    ids = [int(h.home_id) for h in homes]
    ledgers = fund_ledger.home_ledgers(conn, ids)
    bal = funds.ledger_balances(conn, list(ledgers.values()))
    s = estates_spending_shares
    held: dict[int, int] = defaultdict(int)
    for i in range(0, len(ids), 5000):
        q = (
            select(s.c.home_id, s.c.share_fen - s.c.paid_fen)
            .join(sp, sp.c.id == s.c.spending_id)
            .where(s.c.home_id.in_(ids[i : i + 5000]), sp.c.status.in_(COMMITTED), sp.c.id != spending_id)
        )
        for hid, amt in conn.execute(q):
            held[int(hid)] += int(amt)
    # a home's 分户账 is credit-positive: the owner's money is minus the debit-positive balance
    return {h: (-bal.get(ledgers[h], 0), held[h]) for h in ids}


def _shortfall(home: Any, need: int, have: int, held: int) -> Shortfall:
    reason = f"房屋 {home.house_code}（id {home.home_id}）的维修资金余额 {fen_to_yuan(have)} 元"
    if held:
        reason += f"（其中 {fen_to_yuan(held)} 元已被其他已批准的使用占用）"
    reason += f"不足以分摊 {fen_to_yuan(need)} 元，须先续筹"
    return Shortfall(f"home:{home.home_id}: {reason}", [FieldError(f"home:{home.home_id}", reason)])


def decide(
    conn: Connection, caller: Caller, spending_id: int, cmd: DecisionIn, *, limits: Limits, at: datetime | None = None
) -> None:
    """The street's (or district's) decision. Approval apportions the approved amount to the homes of
    the building or estate by construction area (largest remainder, exact fen) and is refused, naming
    the home, when a home's balance (less what other approved applications hold) cannot cover its
    share; nothing is written then. For an emergency the approval also confirms the emergency."""
    row = _load(conn, caller, spending_id)
    must_be(row.status, "submitted", action="审核")
    if len(cmd.note) > 500:
        raise ValidationError.of("note", "意见最多 500 个字符")
    now = at or clock.now()
    if cmd.outcome == "reject":
        if not cmd.note.strip():
            raise ValidationError.of("note", "不予批准须说明理由")
        conn.execute(
            update(sp)
            .where(sp.c.id == row.id)
            .values(status="rejected", decided_at=now, decided_by=caller.account_id,
                    decision_note=cmd.note.strip(), updated_at=now)
        )  # fmt: skip
        return
    if cmd.outcome != "approve":
        raise ValidationError.of("outcome", "应为 approve 或 reject")
    chosen = conn.execute(
        select(estates_spending_quotes.c.amount_fen).where(
            estates_spending_quotes.c.spending_id == row.id, estates_spending_quotes.c.chosen.is_(True)
        )
    ).scalar()
    amount = cmd.approved_fen if cmd.approved_fen is not None else int(chosen or row.budget_fen)
    if type(amount) is not int or not 0 < amount <= row.budget_fen:
        raise ValidationError.of(
            "approved_fen", f"批准金额应为正整数（分），不超过预算 {fen_to_yuan(row.budget_fen)} 元"
        )
    if row.emergency and amount > limits.emergency_cap_fen:
        raise ValidationError.of("approved_fen", f"应急使用不得超过 {fen_to_yuan(limits.emergency_cap_fen)} 元")
    stages = list(cmd.stages) or [StageIn("竣工验收", amount)]
    check_stages(stages, amount)
    if not row.emergency:
        check_vote(conn, row.estate_id, row.vote_id)
    homes = _homes(conn, row)
    if not homes or sum(h.area for h in homes) <= 0:
        raise ValidationError.of("estate_id", "该小区（楼栋）没有已建立维修资金分户账的房屋，无从分摊")
    shares = apportion(amount, [h.area for h in homes])
    avail = _available(conn, row.id, homes)
    for h, share in zip(homes, shares, strict=True):
        have, held = avail[int(h.home_id)]
        if share > have - held:
            raise _shortfall(h, share, have, held)
    bulk_insert(
        conn,
        estates_spending_shares,
        ("spending_id", "home_id", "area", "share_fen", "paid_fen"),
        ((row.id, int(h.home_id), h.area, s, 0) for h, s in zip(homes, shares, strict=True)),
    )
    conn.execute(
        insert(estates_spending_stages),
        [
            {"spending_id": row.id, "seq": n, "label": s.label.strip(), "amount_fen": s.amount_fen}
            for n, s in enumerate(stages, start=1)
        ],
    )
    note = cmd.note.strip()
    if row.emergency:
        note = f"应急情形已确认（{EMERGENCY_KINDS[row.emergency_kind]}）。{note}"
    conn.execute(
        update(sp)
        .where(sp.c.id == row.id)
        .values(status="approved", approved_fen=amount, decided_at=now, decided_by=caller.account_id,
                decision_note=note[:500] or None, updated_at=now)
    )  # fmt: skip
    set_audit_detail(conn, {"approved_fen": amount, "homes": len(homes), "stages": len(stages)})


def accept_stage(
    conn: Connection, caller: Caller, spending_id: int, seq: int, accepted_on: date, *, at: datetime | None = None
) -> int:
    """Accept (验收) the next unpaid stage and pay it: ONE allocation journal per fund account debiting
    each home's 分户账 by its part of the stage (the stage split over the unpaid shares, exact) and
    crediting ``payable``, then the payout to the contractor (``payable`` → ``bank``). Returns the
    allocation journal's id."""
    row = _load(conn, caller, spending_id)
    must_be(row.status, "approved", "in_progress", action="验收付款")
    st = estates_spending_stages
    stage = conn.execute(
        select(st).where(st.c.spending_id == row.id, st.c.journal_id.is_(None)).order_by(st.c.seq).limit(1)
    ).first()
    if stage is None or stage.seq != seq:
        nxt = "无" if stage is None else f"第 {stage.seq} 阶段"
        raise ValidationError.of("seq", f"应按顺序验收付款：下一个待付阶段为{nxt}")
    now = at or clock.now()
    if accepted_on > clock.to_local(now).date() or (
        row.decided_at and accepted_on < clock.to_local(row.decided_at).date()
    ):
        raise ValidationError.of("accepted_on", "验收日期应在批准之后、不晚于今天")
    s = estates_spending_shares
    shares = conn.execute(
        select(s.c.id, s.c.home_id, s.c.share_fen, s.c.paid_fen).where(s.c.spending_id == row.id).order_by(s.c.home_id)
    ).all()
    parts = split_stage(int(stage.amount_fen), [int(r.share_fen) - int(r.paid_fen) for r in shares])
    homes = {int(h.home_id): h for h in _homes_by_id(conn, [int(r.home_id) for r in shares])}
    ledgers = fund_ledger.home_ledgers(conn, list(homes))
    bal = funds.ledger_balances(conn, list(ledgers.values()))
    by_acct: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for r, amt in zip(shares, parts, strict=True):
        h = homes[int(r.home_id)]
        if amt > -bal.get(ledgers[h.home_id], 0):
            raise _shortfall(h, amt, -bal.get(ledgers[h.home_id], 0), 0)
        if amt:
            by_acct[int(h.fund_account_id)].append((ledgers[h.home_id], amt))
    jids = _post_stage(conn, caller, row, seq, by_acct, clock.to_local(now).date())
    conn.execute(
        update(s).where(s.c.id == bindparam("sid")).values(paid_fen=s.c.paid_fen + bindparam("amt")),
        [{"sid": r.id, "amt": amt} for r, amt in zip(shares, parts, strict=True) if amt],
    )
    conn.execute(
        update(st)
        .where(st.c.id == stage.id)
        .values(accepted_on=accepted_on, accepted_by=caller.account_id, journal_id=jids[0], paid_at=now)
    )
    paid = int(row.paid_fen) + int(stage.amount_fen)
    status = "completed" if paid >= int(row.approved_fen) else "in_progress"
    conn.execute(update(sp).where(sp.c.id == row.id).values(paid_fen=paid, status=status, updated_at=now))
    set_audit_detail(conn, {"seq": seq, "amount_fen": int(stage.amount_fen), "journals": jids})
    return jids[0]


def _homes_by_id(conn: Connection, ids: Sequence[int]) -> list[Any]:
    h = estates_fund_homes
    out: list[Any] = []
    for i in range(0, len(ids), 5000):
        q = select(h.c.home_id, h.c.fund_account_id, registry.homes.c.house_code).join(
            registry.homes, registry.homes.c.id == h.c.home_id
        )
        out += conn.execute(q.where(h.c.home_id.in_(list(ids[i : i + 5000])))).all()
    return out


def _post_stage(
    conn: Connection, caller: Caller, row: Any, seq: int, by_acct: dict[int, list[tuple[int, int]]], day: date
) -> list[int]:
    """The stage's allocation journals (set-wise, the lines given to the engine as rows) and payouts."""
    many = len(by_acct) > 1
    allocs, payouts = [], []
    for acct, lines in sorted(by_acct.items()):
        ref = f"{row.application_no}-{seq}" + (f"-{acct}" if many else "")
        own = funds.ledger_accounts(conn, acct)
        total = sum(a for _, a in lines)
        memo = f"维修资金使用 {row.application_no} 第 {seq} 阶段验收分摊"
        allocs.append(
            funds.AllocationIn(acct, "spend", ref, day, memo, own["payable"], subject=f"estate:{row.estate_id}",
                               actor_account_id=caller.account_id, extra={"spending": row.application_no, "seq": seq})
        )  # fmt: skip
        payouts.append(
            funds.JournalIn(acct, "payout", f"{ref}-PAY", [(own["payable"], total, 0), (own["bank"], 0, total)], day,
                            f"维修资金使用 {row.application_no} 第 {seq} 阶段划付施工单位",
                            subject=f"estate:{row.estate_id}", actor_account_id=caller.account_id)
        )  # fmt: skip
    jids = funds.post_allocations(
        conn, allocs, [(a.reference, lid, amt) for a in allocs for lid, amt in by_acct[a.fund_account_id]], side="debit"
    )
    funds.post_many(conn, payouts)
    return jids


def publish(conn: Connection, caller: Caller, spending_id: int, *, at: datetime | None = None) -> None:
    """Publish the final account (决算公示) to the estate's owners: every stage paid."""
    row = _load(conn, caller, spending_id)
    must_be(row.status, "completed", action="公示决算")
    now = at or clock.now()
    conn.execute(update(sp).where(sp.c.id == row.id).values(status="published", published_at=now, updated_at=now))


# ------------------------------------------------------------------------------- for the synthetic city


@dataclass(frozen=True, slots=True)
class FundHome:
    home_id: int
    area: Decimal
    opened_on: date


def fund_homes_by_estate(conn: Connection) -> dict[int, list[FundHome]]:
    """Every open 分户账, by estate (the synthetic city picks the estates that can spend)."""
    h = estates_fund_homes
    q = select(h.c.estate_id, h.c.home_id, h.c.area, h.c.opened_on).where(h.c.status == "open").order_by(h.c.home_id)
    out: dict[int, list[FundHome]] = defaultdict(list)
    for r in conn.execute(q):
        out[int(r.estate_id)].append(FundHome(int(r.home_id), Decimal(r.area), r.opened_on))
    return dict(out)


def passed_fund_votes(conn: Connection) -> dict[int, tuple[int, datetime | None]]:
    """Estate → its latest tallied, passed ``use_fund`` vote and when it was tallied."""
    v = estates_votes
    q = (
        select(v.c.estate_id, func.max(v.c.id), func.max(v.c.tallied_at))
        .where(v.c.matter == "use_fund", v.c.status == "tallied", v.c.passed.is_(True))
        .group_by(v.c.estate_id)
    )
    return {int(e): (int(i), t) for e, i, t in conn.execute(q)}
