"""Changes of a filed lease: amendment agreed by both parties, early termination, cancellation of the
filing (by the parties or a supervisor) and expiry. Each change is one ledger entry and one event."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from anju import ledger
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.settings import Settings
from anju.rental import credit_events, domain, escrow, events, leases
from anju.rental.domain import LeaseStatus
from anju.rental.lease_filing import lock_home, overlapping
from anju.rental.leases import AmendIn
from anju.rental.tables import (
    rental_lease_events,
    rental_leases,
)
from anju.security import Caller, keyring_from_settings


def _filed_for_change(conn: Connection, caller: Caller, lease_id: int) -> tuple[Any, str]:
    lock_home(conn, lease_id)
    lease = leases.own_lease(conn, caller, lease_id)
    if lease.status != LeaseStatus.filed:
        raise Conflict("只有已备案的合同可以办理此项", [FieldError("status", "合同未备案或已终止")])
    side = leases.side_of(lease, leases.identify(conn, caller))
    assert side is not None
    return lease, side


def amend(conn: Connection, settings: Settings, caller: Caller, lease_id: int, cmd: AmendIn) -> str:
    """Propose a change (one party) or agree to the other party's identical proposal (the change is
    made: ``amendments`` + 1, an event, a ledger entry). Returns ``proposed`` or ``amended``."""
    lease, side = _filed_for_change(conn, caller, lease_id)
    if cmd.rent_fen is None and cmd.end_on is None and cmd.extra_clauses is None:
        raise ValidationError.of("rent_fen", "至少变更一项：租金、租期结束日期或补充条款")
    terms = json.loads(lease.terms)
    new_rent = lease.rent_fen if cmd.rent_fen is None else cmd.rent_fen
    new_end = lease.end_on if cmd.end_on is None else cmd.end_on
    clauses = terms.get("extra_clauses", []) if cmd.extra_clauses is None else list(cmd.extra_clauses)
    leases.raise_problems(
        domain.lease_problems(
            leases.limits(settings),
            start_on=lease.start_on,
            end_on=new_end,
            rent_fen=new_rent,
            deposit_fen=lease.deposit_fen,
            occupants=lease.occupants,
            payment_cycle=lease.payment_cycle,
            use=lease.use,
            extra_clauses=clauses,
        )
    )
    if cmd.effective_on is not None and not lease.start_on <= cmd.effective_on <= new_end:
        raise ValidationError.of("effective_on", "变更生效日期应在租期内")
    if new_end > lease.end_on:
        clash = overlapping(conn, lease, lease.end_on + timedelta(days=1), new_end)
        if clash is not None:
            raise Conflict(f"延长后与已备案合同 {clash.filing_no} 租期重叠", [FieldError("end_on", "租期重叠")])
    now = clock.now()
    proposal = {"by": side, "change": cmd.as_dict(), "at": now.isoformat()}
    pending = terms.get("pending_amendment")
    if pending is None or pending["by"] == side or pending["change"] != proposal["change"]:
        terms["pending_amendment"] = proposal
        conn.execute(
            update(rental_leases)
            .where(rental_leases.c.id == lease.id)
            .values(terms=json.dumps(terms, ensure_ascii=False), updated_at=now)
        )
        leases.record_event(conn, lease.id, "proposed", caller, {"side": side, "change": proposal["change"]}, None, now)
        return "proposed"
    terms.pop("pending_amendment")
    terms["extra_clauses"] = clauses
    history = terms.setdefault("amendment_history", [])
    history.append({"no": lease.amendments + 1, "change": proposal["change"], "agreed_at": now.isoformat()})
    changed = conn.execute(
        update(rental_leases)
        .where(rental_leases.c.id == lease.id)
        .values(
            rent_fen=new_rent,
            end_on=new_end,
            terms=json.dumps(terms, ensure_ascii=False),
            amendments=rental_leases.c.amendments + 1,
            updated_at=now,
        )
        .returning(*rental_leases.c)
    ).one()
    detail = {"amendment": changed.amendments, "change": proposal["change"]}
    idx = leases.log_change(conn, "amended", changed, now, detail)
    leases.record_event(conn, lease.id, "amended", caller, detail, idx, now)
    return "amended"


def terminate(conn: Connection, settings: Settings, caller: Caller, lease_id: int, ended_on: date, reason: str) -> None:
    """Early termination (提前解除) by a party: the lease ends on ``ended_on``; escrow refunds follow."""
    lease, side = _filed_for_change(conn, caller, lease_id)
    _end(conn, settings, caller, lease, LeaseStatus.terminated, "terminated", ended_on, reason, {"side": side})


def _end(
    conn: Connection,
    settings: Settings,
    caller: Caller | None,
    lease: Any,
    status: domain.LeaseStatus,
    kind: str,
    ended_on: date,
    reason: str,
    detail: dict[str, Any],
) -> None:
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError.of("reason", "请说明原因")
    if len(reason) > 200:
        raise ValidationError.of("reason", "原因不超过 200 字")
    if not lease.start_on - timedelta(days=1) <= ended_on <= lease.end_on:
        raise ValidationError.of(
            "ended_on", f"终止日期应在 {lease.start_on - timedelta(days=1)} 至 {lease.end_on} 之间"
        )
    now = clock.now()
    ended = conn.execute(
        update(rental_leases)
        .where(rental_leases.c.id == lease.id)
        .values(status=status, ended_on=ended_on, end_reason=reason, updated_at=now)
        .returning(*rental_leases.c)
    ).one()
    escrow.on_lease_ended(conn, settings, int(lease.id), ended_on, kind)
    credit_events.escrow_on_time(conn, keyring_from_settings(settings), [int(lease.id)], kind)
    full = {**detail, "ended_on": ended_on.isoformat(), "reason": reason}
    idx = leases.log_change(conn, kind, ended, now, full)
    leases.record_event(conn, int(lease.id), kind, caller, full, idx, now)
    events.lease_ended(conn, ended, kind, ended_on)


def cancel_by_parties(conn: Connection, settings: Settings, caller: Caller, lease_id: int, reason: str) -> str:
    """备案注销 agreed by both parties: the first asks, the other confirms. Returns ``requested`` or
    ``cancelled``."""
    lease, side = _filed_for_change(conn, caller, lease_id)
    terms = json.loads(lease.terms)
    pending = terms.get("pending_cancel")
    if pending is None or pending["by"] == side:
        if not " ".join(reason.split()):
            raise ValidationError.of("reason", "请说明原因")
        terms["pending_cancel"] = {"by": side, "reason": " ".join(reason.split())[:200], "at": clock.now().isoformat()}
        conn.execute(
            update(rental_leases)
            .where(rental_leases.c.id == lease.id)
            .values(terms=json.dumps(terms, ensure_ascii=False))
        )
        leases.record_event(conn, lease.id, "cancel_asked", caller, {"side": side}, None, clock.now())
        return "requested"
    _end(
        conn,
        settings,
        caller,
        lease,
        LeaseStatus.cancelled,
        "cancelled",
        _cancel_day(lease),
        pending["reason"],
        {"by": "parties"},
    )
    return "cancelled"


def _cancel_day(lease: Any) -> date:
    today = clock.today()
    day: date = min(max(today, lease.start_on - timedelta(days=1)), lease.end_on)
    return day


def cancel_by_supervisor(conn: Connection, settings: Settings, caller: Caller, lease_id: int, reason: str) -> None:
    """备案注销 by a supervisor of the lease's street (e.g. a filing made on false facts)."""
    row = conn.execute(select(rental_leases.c.street_code).where(rental_leases.c.id == lease_id)).first()
    if row is None:
        raise NotFound("租赁合同不存在")
    caller.scope.require(row.street_code, "租赁合同不存在")
    lock_home(conn, lease_id)
    lease = conn.execute(select(rental_leases).where(rental_leases.c.id == lease_id)).one()
    if lease.status != LeaseStatus.filed:
        raise Conflict("只有已备案的合同可以注销备案", [FieldError("status", "合同未备案或已终止")])
    _end(
        conn,
        settings,
        caller,
        lease,
        LeaseStatus.cancelled,
        "cancelled",
        _cancel_day(lease),
        reason,
        {"by": "supervisor"},
    )


def expire_leases(conn: Connection, settings: Settings, today: date, limit: int = 2000) -> int:
    """Filed leases whose term ended before ``today`` become expired (a batch of at most ``limit``, in
    the caller's transaction): one ledger batch, one event per lease, escrow told of each end."""
    rows = conn.execute(
        select(rental_leases)
        .where(rental_leases.c.status == LeaseStatus.filed, rental_leases.c.end_on < today)
        .order_by(rental_leases.c.end_on, rental_leases.c.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    now = clock.now()
    ids = [int(r.id) for r in rows]
    conn.execute(
        update(rental_leases)
        .where(rental_leases.c.id.in_(ids), rental_leases.c.status == LeaseStatus.filed)
        .values(status=LeaseStatus.expired, updated_at=now)
    )
    entries = [leases.ledger_entry("expired", r, now, {"ended_on": r.end_on.isoformat()}) for r in rows]
    first = ledger.append(conn, leases.LOG, entries)
    conn.execute(
        rental_lease_events.insert(),
        [
            {
                "lease_id": r.id,
                "kind": "expired",
                "at": now,
                "actor_account_id": None,
                "detail": json.dumps({"ended_on": r.end_on.isoformat()}),
                "ledger_index": first + i,
            }
            for i, r in enumerate(rows)
        ],
    )
    for r in rows:
        escrow.on_lease_ended(conn, settings, int(r.id), r.end_on, "expired")
    credit_events.escrow_on_time(conn, keyring_from_settings(settings), ids, "expired")
    events.leases_expired(conn, rows)
    return len(rows)
