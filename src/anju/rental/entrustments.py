"""Who may let a home: its owners on a day, and the entrustments (委托) by which an owner lets an agent
— an account or a filed party — let the home or one of its rooms.

The read helpers at the top are what listings and leases ask; whether someone is a home's registered
owner is the registry's one check (``anju.registry.is_owner``), re-exported here for the rental modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, false, or_, select

from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.registry import homes, is_owner, rooms
from anju.rental import domain, parties
from anju.rental.tables import (
    rental_entrustments,
    rental_parties,
)
from anju.security import Caller, Keyring, accounts, credit_code


def valid_entrustment(
    conn: Connection,
    home_id: int,
    room_id: int | None,
    on: date,
    *,
    agent_account_id: int | None = None,
    agent_party_id: int | None = None,
) -> Any | None:
    """An entrustment in force on ``on`` that lets the agent (an account or a party) let the unit.

    A whole-home entrustment covers its rooms; a room entrustment covers only that room. The granting
    owner must still own the home on ``on``."""
    if agent_account_id is None and agent_party_id is None:
        return None
    agent = []
    if agent_account_id is not None:
        agent.append(rental_entrustments.c.agent_account_id == agent_account_id)
    if agent_party_id is not None:
        agent.append(rental_entrustments.c.agent_party_id == agent_party_id)
    rows = conn.execute(
        select(rental_entrustments).where(
            rental_entrustments.c.home_id == home_id,
            or_(rental_entrustments.c.room_id.is_(None), rental_entrustments.c.room_id == room_id)
            if room_id is not None
            else rental_entrustments.c.room_id.is_(None),
            or_(*agent),
            rental_entrustments.c.valid_from <= on,
            rental_entrustments.c.valid_to >= on,
            rental_entrustments.c.revoked_at.is_(None),
        )
    ).all()
    for row in rows:
        if is_owner(conn, home_id, row.owner_bidx, on):
            return row
    return None


# -------------------------------------------------------------------------------------- entrustments


@dataclass(frozen=True)
class EntrustmentIn:
    house_code: str
    valid_from: date
    valid_to: date
    room_code: str | None = None
    agent_username: str | None = None
    agent_credit_code: str | None = None


MAX_ENTRUSTMENT_DAYS = 5 * 366


def home_by_code(conn: Connection, code: str, fld: str = "house_code") -> Any:
    c = (code or "").strip().upper()
    row = conn.execute(select(homes).where(homes.c.house_code == c)).first() if c else None
    if row is None:
        raise ValidationError.of(fld, "没有这个房屋代码")
    return row


def entrust(conn: Connection, kr: Keyring, caller: Caller, cmd: EntrustmentIn) -> int:
    """An owner entrusts a home (or one room of it) to an agent: an account or a filed party."""
    acct = parties.caller_account(conn, caller)
    if not acct.id_number_bidx:
        raise ValidationError.of("account", "账户尚未完成实名认证，不能以产权人身份办理委托（我的账户 → 实名认证）")
    home = home_by_code(conn, cmd.house_code)
    today = clock.today()
    named = (kr, kr.decrypt(acct.name_enc, "accounts.name"))
    if not is_owner(conn, int(home.id), acct.id_number_bidx, today, named=named):
        raise ValidationError.of("house_code", "您不是该房屋登记的产权人（证件号码与姓名须与楼盘表一致），不能委托")
    room_id = None
    if cmd.room_code:
        r = conn.execute(
            select(rooms.c.id, rooms.c.home_id, rooms.c.status).where(
                rooms.c.room_code == cmd.room_code.strip().upper()
            )
        ).first()
        if r is None or r.home_id != home.id or r.status != "in_use":
            raise ValidationError.of("room_code", "该房屋没有这个房间")
        room_id = int(r.id)
    errors: list[FieldError] = []
    if cmd.valid_to < cmd.valid_from:
        errors.append(FieldError("valid_to", "不能早于开始日期"))
    elif cmd.valid_to < today:
        errors.append(FieldError("valid_to", "不能早于今天"))
    elif (cmd.valid_to - cmd.valid_from).days > MAX_ENTRUSTMENT_DAYS:
        errors.append(FieldError("valid_to", "委托期限最长 5 年"))
    if bool(cmd.agent_username) == bool(cmd.agent_credit_code):
        errors.append(FieldError("agent", "须填写受托人账户名或受托机构统一社会信用代码之一"))
    if errors:
        raise ValidationError("委托信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    agent_account = agent_party = None
    if cmd.agent_username:
        a = conn.execute(
            select(accounts.c.id, accounts.c.role, accounts.c.disabled_at).where(
                accounts.c.username == cmd.agent_username.strip()
            )
        ).first()
        if a is None or a.disabled_at is not None or a.role not in ("landlord", "agency"):
            raise ValidationError.of("agent_username", "没有这个可受托的账户（房东或机构人员）")
        if int(a.id) == int(acct.id):
            raise ValidationError.of("agent_username", "不能委托给自己")
        agent_account = int(a.id)
    else:
        code = credit_code(cmd.agent_credit_code or "", "agent_credit_code")
        p = conn.execute(select(rental_parties.c.id).where(rental_parties.c.credit_code == code)).first()
        if p is None:
            raise ValidationError.of("agent_credit_code", "该机构未备案")
        parties.require_active_party(conn, int(p.id), "agent_credit_code")
        agent_party = int(p.id)
    clash = conn.execute(
        select(rental_entrustments.c.id).where(
            rental_entrustments.c.home_id == home.id,
            rental_entrustments.c.room_id.is_(None) if room_id is None else rental_entrustments.c.room_id == room_id,
            rental_entrustments.c.agent_account_id == agent_account
            if agent_account
            else rental_entrustments.c.agent_party_id == agent_party,
            rental_entrustments.c.revoked_at.is_(None),
            rental_entrustments.c.valid_from <= cmd.valid_to,
            rental_entrustments.c.valid_to >= cmd.valid_from,
        )
    ).first()
    if clash is not None:
        raise Conflict("同一受托人在该期间已有有效委托", [FieldError("valid_from", "与已有委托重叠")])
    return int(
        conn.execute(
            rental_entrustments.insert()
            .values(
                home_id=home.id,
                room_id=room_id,
                street_code=home.street_code,
                owner_bidx=acct.id_number_bidx,
                agent_account_id=agent_account,
                agent_party_id=agent_party,
                valid_from=cmd.valid_from,
                valid_to=cmd.valid_to,
                revoked_at=None,
                created_by=acct.id,
                created_at=clock.now(),
            )
            .returning(rental_entrustments.c.id)
        ).scalar_one()
    )


class EntrustmentView(TypedDict):
    """An entrustment as its owner (``side`` owner) or its agent (``side`` agent) sees it."""

    id: int
    side: str
    house_code: str
    address: str | None
    room_code: str | None
    room_name: str | None
    street_code: str
    agent_username: str | None
    agent_party_name: str | None
    agent_credit_code: str | None
    valid_from: date
    valid_to: date
    state: str
    state_label: str
    revoked_at: datetime | None
    created_at: datetime


def my_entrustments(
    conn: Connection, caller: Caller, *, side: str | None, limit: int, offset: int
) -> Page[EntrustmentView]:
    """The caller's entrustments: granted as owner, and received as agent (in person or through the
    filed party the caller works for)."""
    acct = parties.caller_account(conn, caller)
    as_owner = rental_entrustments.c.owner_bidx == acct.id_number_bidx if acct.id_number_bidx else false()
    agent_conds = [rental_entrustments.c.agent_account_id == acct.id]
    party = parties.party_for_account(conn, int(acct.id))
    if party is not None:
        agent_conds.append(rental_entrustments.c.agent_party_id == party.id)
    as_agent = or_(*agent_conds)
    cond = as_owner if side == "owner" else as_agent if side == "agent" else or_(as_owner, as_agent)
    agent_acct = accounts.alias("agent")
    stmt = (
        select(
            rental_entrustments,
            homes.c.house_code,
            homes.c.address,
            rooms.c.room_code,
            rooms.c.name.label("room_name"),
            agent_acct.c.username.label("agent_username"),
            rental_parties.c.name.label("agent_party_name"),
            rental_parties.c.credit_code.label("agent_credit_code"),
        )
        .join(homes, homes.c.id == rental_entrustments.c.home_id)
        .outerjoin(rooms, rooms.c.id == rental_entrustments.c.room_id)
        .outerjoin(agent_acct, agent_acct.c.id == rental_entrustments.c.agent_account_id)
        .outerjoin(rental_parties, rental_parties.c.id == rental_entrustments.c.agent_party_id)
        .where(cond)
        .order_by(rental_entrustments.c.id.desc())
    )
    page = fetch_page(conn, stmt, limit=limit, offset=offset, count_stmt=select(rental_entrustments.c.id).where(cond))
    today = clock.today()
    out: list[EntrustmentView] = []
    for r in page.items:
        mine = bool(acct.id_number_bidx) and r.owner_bidx == acct.id_number_bidx
        state = (
            "revoked"
            if r.revoked_at is not None
            else "expired"
            if r.valid_to < today
            else "pending"
            if r.valid_from > today
            else "active"
        )
        out.append(
            {
                "id": int(r.id),
                "side": "owner" if mine else "agent",
                "house_code": r.house_code,
                "address": r.address,
                "room_code": r.room_code,
                "room_name": r.room_name,
                "street_code": r.street_code,
                "agent_username": r.agent_username,
                "agent_party_name": r.agent_party_name,
                "agent_credit_code": r.agent_credit_code,
                "valid_from": r.valid_from,
                "valid_to": r.valid_to,
                "state": state,
                "state_label": domain.ENTRUSTMENT_STATES[state],
                "revoked_at": r.revoked_at,
                "created_at": r.created_at,
            }
        )
    return Page(out, page.total)


def revoke_entrustment(conn: Connection, caller: Caller, entrustment_id: int) -> None:
    """The granting owner revokes an entrustment (撤销委托); it no longer covers new listings or leases."""
    acct = parties.caller_account(conn, caller)
    row = conn.execute(select(rental_entrustments).where(rental_entrustments.c.id == entrustment_id)).first()
    if row is None or not acct.id_number_bidx or row.owner_bidx != acct.id_number_bidx:
        raise NotFound(f"委托 {entrustment_id} 不存在")
    if row.revoked_at is not None:
        raise Conflict("委托已撤销", [FieldError("status", "已撤销")])
    conn.execute(
        rental_entrustments.update().where(rental_entrustments.c.id == entrustment_id).values(revoked_at=clock.now())
    )
