"""Owners' votes (业主表决) on the matters of Civil Code art. 278: create, open (freeze the electorate),
cast sealed ballots, close and tally, and what each owner can check.

- **Electorate.** Opening a vote freezes its electors from the register's ownership on the record date
  with one ``INSERT … SELECT``: each home of the estate (not retired or demolished) counts for exactly
  one owner — the one with the largest share, ties to the earliest ownership row — and each owner is one
  elector, whose weight is the exclusive (inner) area of the homes counted for them (the construction
  area where the register has no inner area). An owner of two homes is one elector with both areas.
- **Ballots.** An elector whose account's identity is verified (and whose name is the register's) casts
  yes/no/abstain. The choice and a random nonce are sealed (encrypted with the keyring); the commitment
  ``SHA-256(vote_no|choice|nonce)`` is appended to the log ``estates``; the owner's receipt names the
  commitment, the nonce and the log index, and an inclusion proof against a signed head is fetched any
  time. ``UniqueConstraint(vote_id, elector_id)`` refuses a second ballot (a :class:`Conflict`).
- **Close.** From its end time a vote is closed and takes no ballot (the database refuses one too);
  the close is recorded and the vote tallied in ``owners_close``.
- **Tally.** The ballots opened (each checked against its commitment), totals and the ``decide``
  outcome written and logged with the commitments' hash; :func:`publication` is the public tally file.
Staff see participation (counts and area) while a vote is open, never choices before the tally.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, bindparam, func, literal, select
from sqlalchemy.exc import IntegrityError

import anju.estates.owners_tally as tally
from anju import ledger, registry
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.estates.domain import CHOICES, MATTERS, SYNTHETIC_LABEL, VOTE_STATUSES, decide, effective_status
from anju.estates.tables import estates_ballots, estates_vote_electors, estates_votes
from anju.security import Caller, Keyring, accounts

#: The verifiable log of owners' decisions (created by migration 0035).
LOG = "estates"
#: The message of the database's refusal of a ballot for a vote not open (trigger of migration 0042).
BALLOT_REFUSED = "estates_ballots: vote not open"
SEALED = "estates_ballots.sealed"
GONE = (registry.Status.retired, registry.Status.demolished)

v_ = estates_votes.c
e_ = estates_vote_electors.c
b_ = estates_ballots.c


@dataclass(frozen=True)
class VoteIn:
    estate_id: int
    title: str
    matter: str
    record_date: date
    opens_at: datetime
    closes_at: datetime
    description: str | None = None


class Receipt(TypedDict):
    """What the owner keeps after casting: with the nonce and the choice, the commitment is theirs."""

    vote_no: str
    choice: str
    commitment: str
    nonce: str
    ledger_index: int
    cast_at: datetime


class VoteRow(TypedDict):
    id: int
    vote_no: str
    estate_id: int
    estate_name: str
    title: str
    matter: str
    matter_label: str
    status: str  # effective: an open vote past its end time is "closed" (close_recorded False)
    status_label: str
    close_recorded: bool
    closed_at: datetime | None
    record_date: date
    opens_at: datetime
    closes_at: datetime
    street_code: str
    electorate_owners: int | None
    electorate_area: Decimal | None
    ballots: int  # cast so far (no choices before the tally)
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


# ------------------------------------------------------------------------------------------ writes


def _area(value: object) -> Decimal:
    """An aggregate of an ``Area`` column: a Decimal, or the stored integer hundredths."""
    if value is None:
        return Decimal("0.00")
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    return (Decimal(int(str(value))) / 100).quantize(Decimal("0.01"))


def estate_of(conn: Connection, scope: Scope, estate_id: int) -> Any:
    e = registry.estates
    row = conn.execute(select(e.c.id, e.c.name, e.c.district_code, e.c.street_code).where(e.c.id == estate_id)).first()
    if row is None:
        raise NotFound("小区不存在")
    scope.require(row.street_code, "小区不存在")
    return row


def create_vote(conn: Connection, caller: Caller, cmd: VoteIn) -> int:
    """A draft vote of an estate's owners (the street or district in scope starts it)."""
    est = estate_of(conn, caller.scope, cmd.estate_id)
    errors: list[FieldError] = []
    title = " ".join((cmd.title or "").split())
    if not 2 <= len(title) <= 100:
        errors.append(FieldError("title", "标题应为 2–100 个字"))
    if cmd.matter not in MATTERS:
        errors.append(FieldError("matter", "不是民法典第二百七十八条所列的事项"))
    if cmd.opens_at.tzinfo is None or cmd.closes_at.tzinfo is None:
        errors.append(FieldError("opens_at", "时间须带时区"))
    elif cmd.closes_at <= cmd.opens_at:
        errors.append(FieldError("closes_at", "截止时间须晚于开始时间"))
    elif cmd.closes_at <= clock.now():
        errors.append(FieldError("closes_at", "截止时间须晚于现在"))
    elif cmd.record_date > clock.to_local(cmd.opens_at).date():
        errors.append(FieldError("record_date", "股权登记日不能晚于表决开始日"))
    if errors:
        raise ValidationError("表决信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    now = clock.now()
    for _ in range(3):
        vote_no = f"BJ{clock.to_local(now):%Y%m%d}{secrets.token_hex(3).upper()}"
        if conn.execute(select(v_.id).where(v_.vote_no == vote_no)).first() is None:
            break
    vid = conn.execute(
        estates_votes.insert()
        .values(
            vote_no=vote_no,
            estate_id=int(est.id),
            title=title,
            matter=cmd.matter,
            description=(cmd.description or "").strip() or None,
            record_date=cmd.record_date,
            opens_at=cmd.opens_at,
            closes_at=cmd.closes_at,
            status="draft",
            district_code=est.district_code,
            street_code=est.street_code,
            created_at=now,
            created_by=caller.account_id,
        )
        .returning(v_.id)
    ).scalar_one()
    return int(vid)


def _vote(conn: Connection, scope: Scope, vote_id: int) -> Any:
    row = conn.execute(select(estates_votes).where(v_.id == vote_id)).first()
    if row is None:
        raise NotFound("表决不存在")
    scope.require(row.street_code, "表决不存在")
    return row


def lock_vote(conn: Connection, scope: Scope, vote_id: int) -> Any:
    """The vote, with its row locked until the transaction ends (a status change happens once)."""
    from anju.core.dialect import lock_rows

    _vote(conn, scope, vote_id)
    lock_rows(conn, estates_votes, v_.id == vote_id)
    return conn.execute(select(estates_votes).where(v_.id == vote_id)).one()


def freeze_electorate(conn: Connection, vote_id: int, estate_id: int, record_date: date) -> tuple[int, Decimal]:
    """Insert the electors of a vote in one ``INSERT … SELECT`` (see the module's rule); returns the
    number of electors and their total area."""
    o, h = registry.home_owners.c, registry.homes.c
    rank = func.row_number().over(partition_by=o.home_id, order_by=(o.share_pct.desc(), o.id)).label("rk")
    held = (
        select(o.owner_bidx, func.coalesce(h.inner_area, h.construction_area).label("area"), rank)
        .select_from(registry.home_owners.join(registry.homes, h.id == o.home_id))
        .where(h.estate_id == estate_id, h.status.not_in(GONE), registry.owned_on(record_date))
        .subquery()
    )
    sel = (
        select(literal(vote_id), held.c.owner_bidx, func.count(), func.sum(held.c.area))
        .where(held.c.rk == 1)
        .group_by(held.c.owner_bidx)
    )
    conn.execute(estates_vote_electors.insert().from_select(["vote_id", "owner_bidx", "homes", "area"], sel))
    n, area = conn.execute(select(func.count(), func.coalesce(func.sum(e_.area), 0)).where(e_.vote_id == vote_id)).one()
    return int(n), _area(area)


def open_vote(conn: Connection, caller: Caller, vote_id: int) -> int:
    """Open a draft vote: its electorate is frozen from the register on the record date. Returns the
    number of electors."""
    v = lock_vote(conn, caller.scope, vote_id)
    if v.status != "draft":
        raise Conflict(f"表决{VOTE_STATUSES[v.status]}，不能再开启", [FieldError("status", v.status)])
    if v.record_date > clock.today():
        raise ValidationError.of("record_date", "股权登记日尚未到，不能冻结表决权人")
    if v.closes_at <= clock.now():
        raise ValidationError.of("closes_at", "截止时间已过，请撤销后重新发起")
    n, area = freeze_electorate(conn, vote_id, int(v.estate_id), v.record_date)
    if n == 0:
        raise ValidationError.of("estate_id", "股权登记日该小区没有登记的产权人，无法表决")
    conn.execute(
        estates_votes.update().where(v_.id == vote_id).values(status="open", electorate_owners=n, electorate_area=area)
    )
    return n


def cancel_vote(conn: Connection, caller: Caller, vote_id: int) -> None:
    v = lock_vote(conn, caller.scope, vote_id)
    if v.status not in ("draft", "open"):
        raise Conflict(f"表决{VOTE_STATUSES[v.status]}，不能撤销", [FieldError("status", v.status)])
    conn.execute(estates_votes.update().where(v_.id == vote_id).values(status="cancelled"))


def seal_ballots(
    conn: Connection,
    kr: Keyring,
    vote_id: int,
    vote_no: str,
    cast: Sequence[tuple[int, str]],
    at: datetime,
    recorded_by: int | None = None,  # an officer recording paper ballots (owners_paper)
) -> list[Receipt]:
    """Seal and store ballots ``(elector_id, choice)``: each commitment appended to the log (one batch),
    the ballots inserted with one ``executemany``. The database refuses a second ballot of an elector
    (:class:`Conflict`). The live cast path and the synthetic city both write through this."""
    made = []
    for elector_id, choice in cast:
        if choice not in CHOICES:
            raise ValidationError.of("choice", "请选择同意、反对或弃权")
        nonce = secrets.token_hex(16)
        made.append((elector_id, choice, nonce, tally.commitment(vote_no, choice, nonce)))
    entries = [
        json.dumps({"kind": "estates.ballot", "vote_no": vote_no, "commitment": c}, sort_keys=True).encode()
        for _, _, _, c in made
    ]
    first = ledger.append(conn, LOG, entries)
    rows = [
        {
            "vote_id": vote_id,
            "elector_id": eid,
            "commitment": c,
            "choice": None,
            "cast_at": at,
            "sealed": kr.encrypt(json.dumps({"choice": ch, "nonce": n}), SEALED),
            "ledger_index": first + i,
            "recorded_by": recorded_by,
        }
        for i, (eid, ch, n, c) in enumerate(made)
    ]
    try:
        conn.execute(estates_ballots.insert(), rows)
    except IntegrityError as e:
        if BALLOT_REFUSED in str(e.orig):
            raise Conflict("表决已截止或未在表决中，不能投票", [FieldError("vote_id", "已截止")]) from None
        raise Conflict("您已在本次表决中投票，每位业主只能投一次", [FieldError("vote_id", "已投票")]) from None
    return [
        Receipt(vote_no=vote_no, choice=ch, commitment=c, nonce=n, ledger_index=first + i, cast_at=at)
        for i, (_, ch, n, c) in enumerate(made)
    ]


def identity_of(conn: Connection, kr: Keyring, caller: Caller) -> tuple[str, str]:
    """The caller's verified identity: (blind index of the ID number, name)."""
    if caller.account_id is None:
        raise ValidationError.of("account", "请先登录")
    row = conn.execute(
        select(accounts.c.id_number_bidx, accounts.c.name_enc).where(accounts.c.id == caller.account_id)
    ).first()
    if row is None or not row.id_number_bidx:
        raise ValidationError.of("account", "账户尚未完成实名认证，不能参加业主表决（我的账户 → 实名认证）")
    return str(row.id_number_bidx), kr.decrypt(row.name_enc, "accounts.name")


def _elector(conn: Connection, kr: Keyring, caller: Caller, v: Any) -> int:
    bidx, name = identity_of(conn, kr, caller)
    eid = conn.execute(select(e_.id).where(e_.vote_id == v.id, e_.owner_bidx == bidx)).scalar()
    if eid is None:
        raise ValidationError.of("vote_id", "您不是本次表决的表决权人（以股权登记日楼盘表登记的产权人为准）")
    o, h = registry.home_owners.c, registry.homes.c
    home = conn.execute(
        select(o.home_id)
        .join(registry.homes, h.id == o.home_id)
        .where(h.estate_id == v.estate_id, o.owner_bidx == bidx, registry.owned_on(v.record_date))
        .limit(1)
    ).scalar()
    if home is None or not registry.is_owner(conn, int(home), bidx, v.record_date, named=(kr, name)):
        raise ValidationError.of("account", "账户姓名与楼盘表登记的产权人姓名不一致，不能投票")
    return int(eid)


def cast(conn: Connection, kr: Keyring, caller: Caller, vote_id: int, choice: str) -> Receipt:
    """An elector casts their ballot while the vote is open (see the module's rules)."""
    v = conn.execute(select(estates_votes).where(v_.id == vote_id)).first()
    if v is None or v.status in ("draft", "cancelled"):
        raise NotFound("表决不存在")
    if choice not in CHOICES:
        raise ValidationError.of("choice", "请选择同意、反对或弃权")
    eid = _elector(conn, kr, caller, v)
    now = clock.now()
    if effective_status(v.status, v.closes_at, now) != "open":
        raise Conflict("表决已截止，不能再投票", [FieldError("vote_id", "已截止")])
    if now < v.opens_at:
        raise Conflict("表决尚未开始", [FieldError("vote_id", "未开始")])
    return seal_ballots(conn, kr, int(v.id), v.vote_no, [(eid, choice)], now)[0]


class TallyResult(TypedDict):
    vote_no: str
    ballots: int
    quorum_met: bool
    passed: bool
    reason: str
    ledger_index: int


def tally_vote(conn: Connection, kr: Keyring, v: Any) -> TallyResult:
    """The tally of the closed vote row ``v`` (``owners_close.tally_closed``; past votes closed first)."""
    if v.status != "closed":
        raise Conflict("只能对已结束的表决计票", [FieldError("status", v.status)])
    rows = conn.execute(
        select(b_.id, b_.sealed, b_.commitment, e_.area)
        .join(estates_vote_electors, e_.id == b_.elector_id)
        .where(b_.vote_id == v.id)
        .order_by(b_.ledger_index, b_.id)
    ).all()
    opened: list[tuple[str, Decimal]] = []
    updates = []
    for r in rows:
        d = json.loads(kr.decrypt(r.sealed, SEALED))
        if tally.commitment(v.vote_no, d["choice"], d["nonce"]) != r.commitment:
            raise Conflict(f"选票 {r.commitment[:12]}… 的内容与承诺值不符，计票中止")
        opened.append((d["choice"], r.area))
        updates.append({"bid": r.id, "ch": d["choice"]})
    if updates:
        conn.execute(estates_ballots.update().where(b_.id == bindparam("bid")).values(choice=bindparam("ch")), updates)
    t = tally.totals(opened)
    o = decide(
        v.matter,
        electorate_owners=int(v.electorate_owners),
        electorate_area=v.electorate_area,
        participated_owners=t["participated_owners"],
        participated_area=t["participated_area"],
        yes_owners=t["yes_owners"],
        yes_area=t["yes_area"],
    )
    ch = tally.commitments_hash([r.commitment for r in rows])
    entry = {
        "kind": "estates.tally",
        "vote_no": v.vote_no,
        "matter": v.matter,
        "ballots": len(rows),
        "electorate_owners": int(v.electorate_owners),
        "electorate_area": str(v.electorate_area),
        "totals": {k: str(x) if isinstance(x, Decimal) else x for k, x in t.items()},
        "quorum_met": o.quorum_met,
        "passed": o.passed,
        "commitments_hash": ch,
    }
    idx = ledger.append(conn, LOG, [json.dumps(entry, sort_keys=True, ensure_ascii=False).encode()])
    conn.execute(
        estates_votes.update()
        .where(v_.id == v.id)
        .values(
            status="tallied",
            quorum_met=o.quorum_met,
            passed=o.passed,
            tallied_at=clock.now(),
            opened_ledger_index=idx,
            **t,
        )
    )
    return TallyResult(
        vote_no=v.vote_no,
        ballots=len(rows),
        quorum_met=o.quorum_met,
        passed=o.passed,
        reason=o.reason,
        ledger_index=idx,
    )


# ------------------------------------------------------------------------------------------- reads

_BALLOTS = (
    select(
        b_.vote_id,
        func.count().label("n"),
        func.coalesce(func.sum(e_.area), 0).label("area"),
    )
    .join(estates_vote_electors, e_.id == b_.elector_id)
    .group_by(b_.vote_id)
    .subquery()
)


def _select() -> Any:
    e = registry.estates
    return select(
        estates_votes,
        e.c.name.label("estate_name"),
        func.coalesce(_BALLOTS.c.n, 0).label("ballots_n"),
        func.coalesce(_BALLOTS.c.area, 0).label("ballots_a"),
    ).select_from(estates_votes.join(e, e.c.id == v_.estate_id).outerjoin(_BALLOTS, _BALLOTS.c.vote_id == v_.id))


def _row(r: Any, now: datetime | None = None) -> VoteRow:
    tallied = r.status == "tallied"
    status = effective_status(r.status, r.closes_at, now or clock.now())
    return VoteRow(
        id=int(r.id),
        vote_no=r.vote_no,
        estate_id=int(r.estate_id),
        estate_name=r.estate_name,
        title=r.title,
        matter=r.matter,
        matter_label=MATTERS[r.matter].label,
        status=status,
        status_label=VOTE_STATUSES[status] + ("（待结束）" if status != r.status else ""),
        close_recorded=r.status in ("closed", "tallied"),
        closed_at=r.closed_at,
        record_date=r.record_date,
        opens_at=r.opens_at,
        closes_at=r.closes_at,
        street_code=r.street_code,
        electorate_owners=r.electorate_owners,
        electorate_area=r.electorate_area,
        ballots=int(r.ballots_n),
        ballots_area=_area(r.ballots_a),
        yes_owners=r.yes_owners if tallied else None,
        yes_area=r.yes_area if tallied else None,
        no_owners=r.no_owners if tallied else None,
        no_area=r.no_area if tallied else None,
        abstain_owners=r.abstain_owners if tallied else None,
        abstain_area=r.abstain_area if tallied else None,
        quorum_met=r.quorum_met if tallied else None,
        passed=r.passed if tallied else None,
        synthetic=r.created_by is None,
    )


def list_votes(
    conn: Connection,
    scope: Scope,
    *,
    status: str | None = None,
    matter: str | None = None,
    estate_id: int | None = None,
    limit: int,
    offset: int,
) -> Page[VoteRow]:
    """Votes in scope, latest first, with live participation (counts and area only)."""
    conds = [*scope.where(v_.street_code)]
    now = clock.now()
    if status == "open":
        conds.extend([v_.status == "open", v_.closes_at > now])
    elif status == "closed":  # recorded, or open past its end time
        conds.append((v_.status == "closed") | ((v_.status == "open") & (v_.closes_at <= now)))
    elif status:
        conds.append(v_.status == status)
    if matter:
        conds.append(v_.matter == matter)
    if estate_id:
        conds.append(v_.estate_id == estate_id)
    stmt = _select().where(*conds).order_by(v_.opens_at.desc(), v_.id.desc())
    count = select(v_.id).where(*conds)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda r: _row(r, now), count_stmt=count)


def get_vote(conn: Connection, scope: Scope, vote_id: int) -> VoteRow:
    r = conn.execute(_select().where(v_.id == vote_id)).first()
    if r is None:
        raise NotFound("表决不存在")
    scope.require(r.street_code, "表决不存在")
    return _row(r)


class MyVote(TypedDict):
    vote: VoteRow
    homes: int
    area: Decimal
    cast: bool
    can_cast: bool


def my_votes(
    conn: Connection, kr: Keyring, caller: Caller, *, limit: int, offset: int, vote_id: int | None = None
) -> Page[MyVote]:
    """The votes the caller is an elector of (我的表决): to cast, cast, and decided."""
    bidx, _ = identity_of(conn, kr, caller)
    mine = select(e_.vote_id, e_.homes, e_.area, e_.id.label("eid")).where(e_.owner_bidx == bidx).subquery()
    stmt = (
        _select()
        .add_columns(mine.c.homes, mine.c.area.label("my_area"), b_.id.label("ballot_id"))
        .join(mine, mine.c.vote_id == v_.id)
        .outerjoin(estates_ballots, (b_.vote_id == v_.id) & (b_.elector_id == mine.c.eid))
        .where(v_.status != "cancelled", *([v_.id == vote_id] if vote_id is not None else []))
        .order_by(v_.closes_at.desc(), v_.id.desc())
    )
    now = clock.now()

    def row(r: Any) -> MyVote:
        cast_ = r.ballot_id is not None
        return MyVote(
            vote=_row(r, now),
            homes=int(r.homes),
            area=_area(r.my_area),
            cast=cast_,
            can_cast=not cast_ and r.status == "open" and r.opens_at <= now < r.closes_at,
        )

    return fetch_page(conn, stmt, limit=limit, offset=offset, row=row)


class ProofOut(TypedDict):
    log: str
    algorithm: str  # the log's hash (the commitment itself is SHA-256)
    index: int
    tree_size: int
    leaf_hash: str
    root: str
    proof: list[str]
    entry: str
    signed_head: dict[str, Any]


class MyBallot(TypedDict):
    receipt: Receipt
    proof: ProofOut | None


def my_ballot(conn: Connection, kr: Keyring, caller: Caller, vote_id: int, signer: ledger.Signer) -> MyBallot:
    """The caller's own ballot: the receipt (choice and nonce unsealed for its owner only) and an
    inclusion proof of its commitment against the log's current signed head (signing one if the latest
    does not cover the log: call inside an audited transaction)."""
    bidx, _ = identity_of(conn, kr, caller)
    r = conn.execute(
        select(estates_ballots, v_.vote_no)
        .join(estates_vote_electors, e_.id == b_.elector_id)
        .join(estates_votes, v_.id == b_.vote_id)
        .where(b_.vote_id == vote_id, e_.owner_bidx == bidx)
    ).first()
    if r is None:
        raise NotFound("您在本次表决中没有选票")
    d = json.loads(kr.decrypt(r.sealed, SEALED))
    receipt = Receipt(
        vote_no=r.vote_no,
        choice=d["choice"],
        commitment=r.commitment,
        nonce=d["nonce"],
        ledger_index=int(r.ledger_index),
        cast_at=r.cast_at,
    )
    sth = ledger.current_signed_head(conn, LOG, signer)
    p = ledger.inclusion_proof(conn, LOG, int(r.ledger_index), sth.head.size)
    entry = ledger.entry(conn, LOG, int(r.ledger_index))
    proof = ProofOut(
        log=LOG,
        algorithm=p.algorithm,
        index=p.index,
        tree_size=p.size,
        leaf_hash=p.leaf_hash.hex(),
        root=p.root.hex(),
        proof=[h.hex() for h in p.proof],
        entry=entry.data.decode(),
        signed_head=dict(sth.as_dict()),
    )
    return MyBallot(receipt=receipt, proof=proof)


class PublishedBallot(TypedDict):
    commitment: str
    choice: str
    nonce: str
    area: str  # the elector's exclusive area (m², exact)


class Publication(TypedDict):
    """The public tally file (format ``owners_tally.FORMAT``)."""

    format: str
    vote_no: str
    matter: str
    title: str
    record_date: str
    electorate_owners: int
    electorate_area: str
    ballots: list[PublishedBallot]
    commitments_hash: str
    totals: dict[str, int | str]
    outcome: dict[str, bool]
    log: str
    tally_ledger_index: int
    label: str | None


def publication(conn: Connection, kr: Keyring, vote_id: int) -> Publication:
    """The public tally file of a tallied vote: the commitments with their opened (choice, nonce) and
    the elector's weight, in the order cast; the electorate, totals, outcome and the log entry's index.
    No elector's identity is in it."""
    v = conn.execute(select(estates_votes).where(v_.id == vote_id)).first()
    if v is None or v.status != "tallied":
        raise NotFound("表决不存在或尚未计票")
    rows = conn.execute(
        select(b_.commitment, b_.sealed, e_.area)
        .join(estates_vote_electors, e_.id == b_.elector_id)
        .where(b_.vote_id == vote_id)
        .order_by(b_.ledger_index, b_.id)
    ).all()
    ballots: list[PublishedBallot] = []
    for r in rows:
        d = json.loads(kr.decrypt(r.sealed, SEALED))
        ballots.append(PublishedBallot(commitment=r.commitment, choice=d["choice"], nonce=d["nonce"], area=str(r.area)))
    totals: dict[str, int | str] = {
        k: (str(getattr(v, k)) if k.endswith("_area") else int(getattr(v, k))) for k in tally.Totals.__annotations__
    }
    return {
        "format": tally.FORMAT,
        "vote_no": v.vote_no,
        "matter": v.matter,
        "title": v.title,
        "record_date": v.record_date.isoformat(),
        "electorate_owners": int(v.electorate_owners),
        "electorate_area": str(v.electorate_area),
        "ballots": ballots,
        "commitments_hash": tally.commitments_hash([b["commitment"] for b in ballots]),
        "totals": totals,
        "outcome": {"quorum_met": bool(v.quorum_met), "passed": bool(v.passed)},
        "log": LOG,
        "tally_ledger_index": int(v.opened_ledger_index),
        "label": SYNTHETIC_LABEL if v.created_by is None else None,
    }
