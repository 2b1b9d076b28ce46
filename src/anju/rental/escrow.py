"""Rent escrow (租金监管/托管): the supervised accounts' double-entry ledger.

Lease filing calls :func:`on_lease_filed` and its ending (termination, cancellation, expiry)
:func:`on_lease_ended` inside their own transaction. The model (``docs/rental.md``, "Money: rent
escrow"):

* an enterprise (party) landlord's lease whose rent is collected for more than
  ``rental_escrow_rent_months`` at once, or whose deposit exceeds ``rental_escrow_deposit_months`` of
  rent, has a *position*: the supervised part of every payment (``excess``: beyond the limit; ``all``:
  all of it) goes to the party's escrow account, and every supervised rent month is a row of the
  release *schedule*, released to the enterprise the day after the month ends (when it is earned);
* every movement is a *journal* of postings in integer fen whose debits equal its credits
  (``anju.funds.post_many``, the one ledger engine, refuses anything else before it writes), appended
  to the verifiable log ``rental`` in the same transaction; the journal keeps its leaf index;
* a journal's ``reference`` is unique (a repeated payment or release is the same journal) and its
  ``item`` names what it settles, so nothing is settled twice;
* the bank pushes its statement lines; the daily reconciliation compares the platform's bank-cash
  account with them (:mod:`anju.rental.escrow_reconciliation`); tenants and parties read their
  statements through :mod:`anju.rental.escrow_statements`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import Connection, bindparam, insert, select, update

from anju import funds
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.scope import Scope
from anju.core.settings import Settings
from anju.rental import credit_events, domain
from anju.rental.tables import rental_escrow_positions, rental_escrow_schedule, rental_leases, rental_parties
from anju.security import Caller, Keyring

#: The fund kind of rent escrow in the one ledger engine (``anju.funds``); see ``domain.RENT_ESCROW``.
KIND = "rent_escrow"


def subject(lease_id: int) -> str:
    """A lease in the fund's ledger (ledger accounts and journals)."""
    return f"lease:{lease_id}"


def owner(party_id: int) -> str:
    """A filed party as the owner of its escrow account."""
    return f"party:{party_id}"


REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{5,39}$")


def rule(settings: Settings) -> domain.EscrowRule:
    return domain.EscrowRule(
        settings.rental_escrow_rent_months, settings.rental_escrow_deposit_months, settings.rental_escrow_mode
    )


# ---------------------------------------------------------------------------------- lease life cycle


def _open_account(conn: Connection, party: Any) -> int:
    found = funds.account_by_no(conn, party.escrow_account_no)
    if found is not None and (found["kind"] != KIND or found["owner"] != owner(int(party.id))):
        raise ValidationError.of("escrow_account", "该监管账户已登记在其他企业名下")
    return funds.open_account(
        conn,
        KIND,
        owner(int(party.id)),
        party.escrow_bank,
        party.escrow_account_no,
        party.district_code,
        party.street_code,
    )


def on_lease_filed(conn: Connection, settings: Settings, lease: Any) -> None:
    """A lease was filed: if its money must be supervised, open its position in the landlord party's
    escrow account and schedule its monthly releases. A party without an escrow account is refused
    (``ValidationError`` naming ``escrow_account``; the filing rolls back)."""
    need = domain.escrow_need(
        rule(settings), lease.landlord_kind, lease.payment_cycle, int(lease.rent_fen), int(lease.deposit_fen)
    )
    if not need.required:
        return
    party = conn.execute(select(rental_parties).where(rental_parties.c.id == lease.landlord_party_id)).first()
    if party is None or not party.escrow_bank or not party.escrow_account_no:
        raise ValidationError.of("escrow_account", "预收租金或押金超过限额，出租企业须先登记租金监管账户才能备案")
    acct = _open_account(conn, party)
    funds.ledger_accounts(conn, acct, subject(int(lease.id)))
    conn.execute(
        insert(rental_escrow_positions).values(
            lease_id=lease.id,
            escrow_account_id=acct,
            mode=settings.rental_escrow_mode,
            rent_months=settings.rental_escrow_rent_months,
            deposit_months=settings.rental_escrow_deposit_months,
            deposit_fen=need.deposit_fen,
            deposit_status="due" if need.deposit_fen else "none",
            status="active",
            ended_on=None,
            created_at=clock.now(),
        )
    )
    months = domain.escrow_months(
        lease.start_on, lease.end_on, int(lease.rent_fen), lease.payment_cycle, need.rent_months_per_cycle
    )
    if months:
        conn.execute(
            insert(rental_escrow_schedule),
            [
                {
                    "lease_id": lease.id,
                    "escrow_account_id": acct,
                    "cycle_no": m.cycle_no,
                    "period_start": m.period_start,
                    "period_end": m.period_end,
                    "due_on": m.due_on,
                    "amount_fen": m.amount_fen,
                    "status": "planned",
                    "journal_id": None,
                }
                for m in months
            ],
        )
    if not lease.escrow_required:
        conn.execute(update(rental_leases).where(rental_leases.c.id == lease.id).values(escrow_required=True))


def on_lease_ended(conn: Connection, settings: Settings, lease_id: int, ended_on: date, reason: str) -> None:
    """A lease ended (early termination, cancellation of the filing, or expiry) on ``ended_on``: the
    held rent months already earned are released (a month cut short by its earned days), the unearned
    rest is refunded to the tenant, unpaid months are cancelled and the deposit is returned."""
    pos = conn.execute(select(rental_escrow_positions).where(rental_escrow_positions.c.lease_id == lease_id)).first()
    if pos is None or pos.status != "active":
        return
    settle(conn, int(lease_id), ended_on, reason, deduction_fen=0)


def settle(
    conn: Connection,
    lease_id: int,
    ended_on: date,
    reason: str,
    *,
    deduction_fen: int = 0,
    deduction_reason: str = "",
    actor_account_id: int | None = None,
) -> list[int]:
    """Close a lease's position (see :func:`on_lease_ended`); a deposit deduction (e.g. agreed damages)
    goes to the enterprise. Returns the journals posted."""
    pos = conn.execute(select(rental_escrow_positions).where(rental_escrow_positions.c.lease_id == lease_id)).one()
    acct = int(pos.escrow_account_id)
    la = funds.accounts_of(conn, acct, subject(lease_id))
    rows = conn.execute(
        select(rental_escrow_schedule)
        .where(rental_escrow_schedule.c.lease_id == lease_id)
        .order_by(rental_escrow_schedule.c.period_start)
    ).all()
    today = clock.today()
    journals: list[funds.JournalIn] = []
    released: list[tuple[int, int]] = []
    refund = 0
    for r in rows:
        if r.status != "held":
            continue
        m = domain.RentMonth(r.cycle_no, r.period_start, r.period_end, int(r.amount_fen))
        earned = domain.earned_part(m, ended_on)
        refund += m.amount_fen - earned
        if earned:
            journals.append(
                funds.JournalIn(
                    acct,
                    "release",
                    f"release:{r.id}",
                    [(la["prepaid"], earned, 0), (la["payable"], 0, earned)],
                    today,
                    f"拨付 {r.period_start} 起租金" + ("（按实际天数）" if earned < m.amount_fen else ""),
                    item=f"S{r.id}:release",
                    subject=subject(lease_id),
                    actor_account_id=actor_account_id,
                )
            )
            released.append((int(r.id), len(journals) - 1))
    if refund:
        journals.append(
            funds.JournalIn(
                acct,
                "refund",
                f"refund:{lease_id}",
                [(la["prepaid"], refund, 0), (la["refunds"], 0, refund)],
                today,
                f"合同终止（{reason}），退还未到期租金",
                item=f"L{lease_id}:refund",
                subject=subject(lease_id),
                actor_account_id=actor_account_id,
            )
        )
    deposit = int(pos.deposit_fen) if pos.deposit_status == "held" else 0
    if deduction_fen < 0 or deduction_fen > deposit:
        raise ValidationError.of("deduction_fen", f"押金抵扣应在 0 至 {deposit} 分之间")
    back = refund
    if deposit:
        legs = [(la["deposit"], deposit, 0)]
        if deposit - deduction_fen:
            legs.append((la["refunds"], 0, deposit - deduction_fen))
        if deduction_fen:
            legs.append((la["payable"], 0, deduction_fen))
        journals.append(
            funds.JournalIn(
                acct,
                "deposit_return",
                f"deposit:{lease_id}",
                legs,
                today,
                "退还押金" + (f"，抵扣 {deduction_fen} 分：{deduction_reason}" if deduction_fen else ""),
                item=f"L{lease_id}:deposit_return",
                subject=subject(lease_id),
                actor_account_id=actor_account_id,
            )
        )
        back += deposit - deduction_fen
    if back:
        journals.append(
            funds.JournalIn(
                acct,
                "payout",
                f"refund-payout:{lease_id}",
                [(la["refunds"], back, 0), (la["bank"], 0, back)],
                today,
                "划付承租人（退款、押金）",
                item=f"L{lease_id}:refund_payout",
                subject=subject(lease_id),
                actor_account_id=actor_account_id,
            )
        )
    jids = funds.post_many(conn, journals)
    for sid, i in released:
        conn.execute(
            update(rental_escrow_schedule)
            .where(rental_escrow_schedule.c.id == sid)
            .values(status="released", journal_id=jids[i])
        )
    refund_jid = next((jid for jid, j in zip(jids, journals, strict=True) if j.kind == "refund"), None)
    conn.execute(
        update(rental_escrow_schedule)
        .where(rental_escrow_schedule.c.lease_id == lease_id, rental_escrow_schedule.c.status == "held")
        .values(status="refunded", journal_id=refund_jid)
    )
    conn.execute(
        update(rental_escrow_schedule)
        .where(rental_escrow_schedule.c.lease_id == lease_id, rental_escrow_schedule.c.status == "planned")
        .values(status="cancelled")
    )
    conn.execute(
        update(rental_escrow_positions)
        .where(rental_escrow_positions.c.lease_id == lease_id)
        .values(
            status="ended",
            ended_on=ended_on,
            deposit_status="returned" if deposit else ("none" if pos.deposit_status == "none" else "cancelled"),
        )
    )
    return jids


# -------------------------------------------------------------------------------------- payments


def tenant_lease(conn: Connection, caller: Caller, lease_id: int) -> Any:
    """The caller's own lease as tenant (anything else is "not found")."""
    row = conn.execute(select(rental_leases).where(rental_leases.c.id == lease_id)).first()
    if row is None or caller.account_id is None or row.tenant_account_id != caller.account_id:
        raise NotFound("租赁合同不存在")
    return row


class PaymentRecorded(TypedDict):
    """The journal of a tenant's payment; ``replayed`` when the reference had been recorded before."""

    journal_id: int
    ledger_index: int | None
    replayed: bool


def record_payment(
    conn: Connection,
    caller: Caller,
    lease_id: int,
    kind: str,
    amount_fen: int,
    reference: str,
    *,
    cycle_no: int | None = None,
    paid_on: date | None = None,
) -> PaymentRecorded:
    """The tenant's payment into the escrow account: the supervised part of one payment cycle's rent
    (``kind`` rent, ``cycle_no``) or of the deposit. Idempotent by ``reference`` (the bank transfer's
    reference): the same payment again answers with the first journal."""
    lease = tenant_lease(conn, caller, lease_id)
    if not REFERENCE.match(reference or ""):
        raise ValidationError.of("reference", "付款流水号应为 6–40 位字母、数字、短横线或下划线")
    if kind not in ("rent", "deposit"):
        raise ValidationError.of("kind", "应为 rent（租金）或 deposit（押金）")
    item = f"L{lease_id}:deposit" if kind == "deposit" else f"L{lease_id}:rent:{cycle_no}"
    prior = funds.journal_by_reference(conn, reference)
    if prior is not None:
        if prior["item"] != item or prior["amount_fen"] != amount_fen:
            raise Conflict("付款流水号已用于另一笔缴存", [FieldError("reference", "流水号重复")])
        return {"journal_id": prior["id"], "ledger_index": prior["ledger_index"], "replayed": True}
    pos = conn.execute(select(rental_escrow_positions).where(rental_escrow_positions.c.lease_id == lease_id)).first()
    if pos is None:
        raise ValidationError.of("lease_id", "该合同无需资金监管")
    if pos.status != "active":
        raise Conflict("合同已终止，不再缴存", [FieldError("lease_id", "合同已终止")])
    if funds.items_settled(conn, [item]):
        raise Conflict("该笔款项已缴存", [FieldError("cycle_no" if kind == "rent" else "kind", "已缴存")])
    acct = int(pos.escrow_account_id)
    la = funds.accounts_of(conn, acct, subject(lease_id))
    if kind == "deposit":
        expected = int(pos.deposit_fen) if pos.deposit_status == "due" else 0
        credit = la["deposit"]
        ids: list[int] = []
    else:
        if cycle_no is None:
            raise ValidationError.of("cycle_no", "缴存租金须指明支付期次")
        due = conn.execute(
            select(rental_escrow_schedule.c.id, rental_escrow_schedule.c.amount_fen).where(
                rental_escrow_schedule.c.lease_id == lease_id,
                rental_escrow_schedule.c.cycle_no == cycle_no,
                rental_escrow_schedule.c.status == "planned",
            )
        ).all()
        ids = [int(r.id) for r in due]
        expected = sum(int(r.amount_fen) for r in due)
        credit = la["prepaid"]
    if expected == 0:
        raise ValidationError.of("cycle_no" if kind == "rent" else "kind", "该项无需缴存监管资金")
    if amount_fen != expected:
        raise ValidationError.of("amount_fen", f"应缴存 {expected} 分（{expected / 100:.2f} 元）")
    jid = funds.post(
        conn,
        funds.JournalIn(
            acct,
            "payment",
            reference,
            [(la["bank"], amount_fen, 0), (credit, 0, amount_fen)],
            paid_on or clock.today(),
            "承租人缴存押金" if kind == "deposit" else f"承租人缴存第 {cycle_no + 1} 期预付租金",  # type: ignore[operator]
            item=item,
            subject=subject(lease_id),
            actor_account_id=caller.account_id,
            extra={"filing_no": lease.filing_no},
        ),
    )
    if kind == "deposit":
        conn.execute(
            update(rental_escrow_positions)
            .where(rental_escrow_positions.c.lease_id == lease_id)
            .values(deposit_status="held")
        )
    else:
        conn.execute(update(rental_escrow_schedule).where(rental_escrow_schedule.c.id.in_(ids)).values(status="held"))
    return {"journal_id": jid, "ledger_index": funds.journal(conn, jid)["ledger_index"], "replayed": False}


# -------------------------------------------------------------------------------------- the release job


class Releases(TypedDict):
    """What a release run posted: rent months released and payouts to the enterprises (fen)."""

    released: int
    released_fen: int
    payouts: int
    paid_out_fen: int


def release_due(conn: Connection, on: date) -> Releases:
    """Post every held rent month due by ``on`` (set-wise, in the caller's one transaction), then pay
    each account's positive balance payable to its enterprise out of the bank. Running it again posts
    nothing new (each release's reference is unique and its row is marked released)."""
    due = conn.execute(
        select(
            rental_escrow_schedule.c.id,
            rental_escrow_schedule.c.lease_id,
            rental_escrow_schedule.c.escrow_account_id,
            rental_escrow_schedule.c.amount_fen,
            rental_escrow_schedule.c.period_start,
        )
        .where(rental_escrow_schedule.c.status == "held", rental_escrow_schedule.c.due_on <= on)
        .order_by(rental_escrow_schedule.c.escrow_account_id, rental_escrow_schedule.c.id)
    ).all()
    if not due:
        return {"released": 0, "released_fen": 0, "payouts": 0, "paid_out_fen": 0}
    lease_ids = sorted({int(r.lease_id) for r in due})
    acct_ids = sorted({int(r.escrow_account_id) for r in due})
    per_lease = funds.ledger_account_ids(conn, acct_ids, "prepaid", subjects=[subject(i) for i in lease_ids])
    per_acct = {
        (a, k): i for k in ("payable", "bank") for (a, _), i in funds.ledger_account_ids(conn, acct_ids, k).items()
    }
    journals = [
        funds.JournalIn(
            int(r.escrow_account_id),
            "release",
            f"release:{r.id}",
            [
                (per_lease[int(r.escrow_account_id), subject(int(r.lease_id))], int(r.amount_fen), 0),
                (per_acct[int(r.escrow_account_id), "payable"], 0, int(r.amount_fen)),
            ],
            on,
            f"拨付 {r.period_start} 起当月租金",
            item=f"S{r.id}:release",
            subject=subject(int(r.lease_id)),
        )
        for r in due
    ]
    jids = funds.post_many(conn, journals)
    conn.execute(
        update(rental_escrow_schedule)
        .where(rental_escrow_schedule.c.id == bindparam("sid"))
        .values(status="released", journal_id=bindparam("jid")),
        [{"sid": int(r.id), "jid": jid} for r, jid in zip(due, jids, strict=True)],
    )
    owed = {a: -b.get("payable", 0) for a, b in funds.balances(conn, acct_ids).items() if b.get("payable", 0) < 0}
    seq = funds.count_journals(conn, list(owed), "payout", on)
    payouts = [
        funds.JournalIn(
            a,
            "payout",
            f"payout:{a}:{on.isoformat()}:{seq.get(a, 0) + 1}",
            [(per_acct[a, "payable"], amount, 0), (per_acct[a, "bank"], 0, amount)],
            on,
            "划付企业已到期租金",
        )
        for a, amount in sorted(owed.items())
    ]
    funds.post_many(conn, payouts)
    return {
        "released": len(journals),
        "released_fen": sum(int(r.amount_fen) for r in due),
        "payouts": len(payouts),
        "paid_out_fen": sum(owed.values()),
    }


# ------------------------------------------------------------------------------------------ penalties


def scoped_account(conn: Connection, scope: Scope, account_id: int) -> funds.Account:
    """A rent escrow account in the caller's scope (anything else is "not found")."""
    return funds.scoped_account(conn, scope, account_id, KIND)


def impose_penalty(
    conn: Connection,
    kr: Keyring,
    caller: Caller,
    escrow_account_id: int,
    amount_fen: int,
    reason: str,
    reference: str,
) -> int:
    """A supervisor's penalty on the enterprise, withheld from what the escrow owes it (payable → penalties),
    and a credit event of the enterprise (``rental.escrow_penalty``, named by the decision's number).
    Idempotent by ``reference`` (the decision's number): a replay records nothing new."""
    acct = scoped_account(conn, caller.scope, escrow_account_id)
    if not REFERENCE.match(reference or ""):
        raise ValidationError.of("reference", "决定书编号应为 6–40 位字母、数字、短横线或下划线")
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > 200:
        raise ValidationError.of("reason", "请说明原因（不超过 200 字）")
    if amount_fen <= 0 or amount_fen > 10**12:
        raise ValidationError.of("amount_fen", "罚没金额应大于零")
    ref = f"penalty:{reference}"
    prior = funds.journal_by_reference(conn, ref)
    if prior is not None:
        if prior["fund_account_id"] != escrow_account_id or prior["amount_fen"] != amount_fen:
            raise Conflict("决定书编号已用于另一笔罚没", [FieldError("reference", "编号重复")])
        return prior["id"]
    la = funds.ledger_accounts(conn, escrow_account_id)
    jid = funds.post(
        conn,
        funds.JournalIn(
            escrow_account_id,
            "penalty",
            ref,
            [(la["payable"], amount_fen, 0), (la["penalties"], 0, amount_fen)],
            clock.today(),
            reason,
            item=ref,
            actor_account_id=caller.account_id,
        ),
    )
    credit_events.escrow_penalty(
        conn,
        kr,
        int(acct["owner"].removeprefix("party:")),
        journal_id=jid,
        amount_fen=amount_fen,
        reference=reference,
        reason=reason,
    )
    return jid
