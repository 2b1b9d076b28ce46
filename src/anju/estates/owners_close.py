"""A vote's close and its tally (表决截止与计票).

A vote is closed from its end time on (``domain.effective_status``): no ballot is accepted — the service
refuses it and the database's trigger ``estates_ballots_vote_open`` (migration 0042) refuses any ballot
whose vote is not ``open`` or whose ``cast_at`` is outside its window. The close is then recorded
(status ``closed``, ``closed_at``, ``closed_by``) by the organiser or an officer in scope after the end
(:func:`close_vote`), or for every vote past its end at once (:func:`close_due`, ``anju estates votes
close-due``). Only a closed vote is tallied (:func:`tally_closed`). :func:`record_past_vote` writes a
past vote whole (the synthetic city's history) through the same functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Connection, select

from anju.core import clock
from anju.core.errors import Conflict, FieldError, ValidationError
from anju.core.scope import Scope
from anju.estates.domain import MATTERS, VOTE_STATUSES, effective_status
from anju.estates.owners_votes import (
    TallyResult,
    VoteIn,
    e_,
    estate_of,
    freeze_electorate,
    lock_vote,
    seal_ballots,
    tally_vote,
    v_,
)
from anju.estates.tables import estates_votes
from anju.security import Caller, Keyring


def close_vote(conn: Connection, caller: Caller, vote_id: int) -> None:
    """Record the close of an open vote whose end time has passed (the organiser or an officer in scope,
    after a confirmation). No ballot is accepted after it (nor after the end time: the database refuses
    one cast at or after ``closes_at``)."""
    v = lock_vote(conn, caller.scope, vote_id)
    if v.status != "open":
        raise Conflict(f"表决{VOTE_STATUSES[v.status]}，不能结束", [FieldError("status", v.status)])
    now = clock.now()
    if now < v.closes_at:
        raise Conflict("表决尚未到截止时间，不能提前结束（可撤销）", [FieldError("closes_at", "未截止")])
    conn.execute(
        estates_votes.update()
        .where(v_.id == vote_id)
        .values(status="closed", closed_at=now, closed_by=caller.account_id)
    )


def close_due(conn: Connection, *, at: datetime | None = None) -> int:
    """Record the close of every open vote whose end time has passed, in one ``UPDATE`` (the system's
    close at the end time: ``closed_by`` empty). Returns how many were closed."""
    now = at or clock.now()
    return int(
        conn.execute(
            estates_votes.update()
            .where(v_.status == "open", v_.closes_at <= now)
            .values(status="closed", closed_at=now, closed_by=None)
        ).rowcount
    )


def tally_closed(conn: Connection, kr: Keyring, caller: Caller, vote_id: int) -> TallyResult:
    """Tally a closed vote: open every sealed ballot (checked against its commitment), write the totals
    and the art. 278 outcome, and append the opened totals with the commitments' hash to the log."""
    v = lock_vote(conn, caller.scope, vote_id)
    if v.status != "closed":
        status = effective_status(v.status, v.closes_at, clock.now())
        why = {"open": "表决尚未截止，不能计票", "closed": "表决已截止，请先结束表决再计票"}
        msg = why.get(status, f"表决{VOTE_STATUSES[status]}，不能计票")
        raise Conflict(msg, [FieldError("status", v.status)])
    return tally_vote(conn, kr, v)


def record_past_vote(
    conn: Connection,
    kr: Keyring,
    cmd: VoteIn,
    vote_no: str,
    ballots: Callable[[Sequence[int]], Sequence[tuple[int, str]]],
) -> TallyResult | None:
    """A vote held in the past (the synthetic city's history, or earlier e-votes brought in): its row,
    the electorate frozen on the record date, the ballots ``ballots(elector ids)`` chooses sealed at the
    window's middle (``seal_ballots``) and the tally (``tally_vote``) — the live path's functions, without
    the live window's checks. None (the vote cancelled) when the estate had no owners on the record date."""
    est = estate_of(conn, Scope.whole_city(), cmd.estate_id)
    if cmd.matter not in MATTERS or cmd.closes_at <= cmd.opens_at:
        raise ValidationError.of("matter", "事项或表决时间无效")
    vid = int(
        conn.execute(
            estates_votes.insert()
            .values(
                vote_no=vote_no,
                estate_id=int(est.id),
                title=cmd.title,
                matter=cmd.matter,
                description=cmd.description,
                record_date=cmd.record_date,
                opens_at=cmd.opens_at,
                closes_at=cmd.closes_at,
                status="open",
                district_code=est.district_code,
                street_code=est.street_code,
                created_at=cmd.opens_at,
                created_by=None,
            )
            .returning(v_.id)
        ).scalar_one()
    )
    n, area = freeze_electorate(conn, vid, int(est.id), cmd.record_date)
    if n == 0:
        conn.execute(estates_votes.update().where(v_.id == vid).values(status="cancelled"))
        return None
    conn.execute(estates_votes.update().where(v_.id == vid).values(electorate_owners=n, electorate_area=area))
    electors = conn.execute(select(e_.id).where(e_.vote_id == vid).order_by(e_.id)).scalars().all()
    cast = ballots([int(x) for x in electors])
    if cast:
        seal_ballots(conn, kr, vid, vote_no, cast, cmd.opens_at + (cmd.closes_at - cmd.opens_at) / 2)
    conn.execute(estates_votes.update().where(v_.id == vid).values(status="closed", closed_at=cmd.closes_at))
    return tally_vote(conn, kr, conn.execute(select(estates_votes).where(v_.id == vid)).one())
