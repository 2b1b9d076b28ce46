"""Parties of the rental market: filed enterprises and agencies, their practitioners, owners and
entrustments, and the home flags (查封 …) that bar renting a home.

The read helpers at the top are what listings and leases ask of this section; they are set-wise where
a caller may ask about many homes.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, false, func, or_, select
from sqlalchemy.exc import IntegrityError

from anju import credit
from anju import divisions as div
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.scope import Scope
from anju.registry import home_owners, homes, rooms
from anju.rental import domain
from anju.rental.tables import (
    rental_entrustments,
    rental_home_flags,
    rental_parties,
    rental_party_actions,
    rental_practitioners,
)
from anju.security import Caller, Keyring, accounts, credit_code, mask_id, mask_name, person_name, resident_id

CHUNK = 5000


def party_for_account(conn: Connection, account_id: int) -> Any | None:
    """The filed party (any status) an agency account works for: the account's enterprise code."""
    return conn.execute(
        select(rental_parties)
        .join(accounts, accounts.c.org_code == rental_parties.c.credit_code)
        .where(accounts.c.id == account_id)
    ).first()


_PARTY = select(rental_parties).where(rental_parties.c.id == bindparam("party_id"))


def require_active_party(conn: Connection, party_id: int, field: str = "party_id") -> Any:
    """The party, if it is filed and neither suspended nor revoked; otherwise a clear refusal."""
    row = conn.execute(_PARTY, {"party_id": party_id}).first()
    if row is None:
        raise ValidationError.of(field, "租赁主体未备案")
    if row.status != domain.PartyStatus.filed:
        label = domain.PARTY_STATUS_LABELS[domain.PartyStatus(row.status)]
        raise Conflict(f"{field}: 租赁主体{label}，不能发布房源或签约", [_fe(field, f"租赁主体{label}")])
    return row


def _fe(field: str, reason: str) -> Any:
    from anju.core.errors import FieldError

    return FieldError(field, reason)


def is_owner(conn: Connection, home_id: int, owner_bidx: str, on: date) -> bool:
    """Whether the person or organisation (blind index) owns (a share of) the home on ``on``."""
    return conn.execute(_IS_OWNER, {"home_id": home_id, "owner_bidx": owner_bidx, "on": on}).first() is not None


# Statements of the signing and filing paths, built once (see anju.rental.leases).
_IS_OWNER = (
    select(home_owners.c.id)
    .where(
        home_owners.c.home_id == bindparam("home_id"),
        home_owners.c.owner_bidx == bindparam("owner_bidx"),
        home_owners.c.acquired_on <= bindparam("on"),
        or_(home_owners.c.released_on.is_(None), home_owners.c.released_on > bindparam("on")),
    )
    .limit(1)
)


def owners_of(conn: Connection, home_id: int, on: date) -> list[str]:
    """The blind indexes of the home's owners on ``on``."""
    return list(
        conn.execute(
            select(home_owners.c.owner_bidx).where(
                home_owners.c.home_id == home_id,
                home_owners.c.acquired_on <= on,
                or_(home_owners.c.released_on.is_(None), home_owners.c.released_on > on),
            )
        ).scalars()
    )


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
    e = rental_entrustments
    agent = []
    if agent_account_id is not None:
        agent.append(e.c.agent_account_id == agent_account_id)
    if agent_party_id is not None:
        agent.append(e.c.agent_party_id == agent_party_id)
    rows = conn.execute(
        select(e).where(
            e.c.home_id == home_id,
            or_(e.c.room_id.is_(None), e.c.room_id == room_id) if room_id is not None else e.c.room_id.is_(None),
            or_(*agent),
            e.c.valid_from <= on,
            e.c.valid_to >= on,
            e.c.revoked_at.is_(None),
        )
    ).all()
    for row in rows:
        if is_owner(conn, home_id, row.owner_bidx, on):
            return row
    return None


def home_restrictions(conn: Connection, home_ids: Sequence[int], on: date) -> dict[int, list[domain.Restriction]]:
    """Every restriction any registered source reports for the homes on ``on`` (set-wise)."""
    out: dict[int, list[domain.Restriction]] = defaultdict(list)
    for _name, source in domain.restriction_sources():
        for hid, found in source(conn, home_ids, on).items():
            out[hid].extend(found)
    return dict(out)


_FLAGS = select(
    rental_home_flags.c.home_id, rental_home_flags.c.kind, rental_home_flags.c.source, rental_home_flags.c.reason
).where(
    rental_home_flags.c.home_id.in_(bindparam("ids", expanding=True)),
    rental_home_flags.c.since <= bindparam("on"),
    or_(rental_home_flags.c.until.is_(None), rental_home_flags.c.until > bindparam("on")),
    rental_home_flags.c.lifted_at.is_(None),
)


def _flag_source(conn: object, home_ids: Sequence[int], on: date) -> dict[int, list[domain.Restriction]]:
    """The rental context's own restriction source: flags recorded by supervisors (and courts)."""
    assert isinstance(conn, Connection)
    out: dict[int, list[domain.Restriction]] = defaultdict(list)
    ids = sorted(set(home_ids))
    for i in range(0, len(ids), CHUNK):
        rows = conn.execute(_FLAGS, {"ids": ids[i : i + CHUNK], "on": on})
        for hid, kind, source, reason in rows:
            out[hid].append(domain.Restriction(kind, source, reason))
    return out


domain.register_restriction_source("rental_flags", _flag_source)


# ======================================================================================== use cases
# Filing (备案) of enterprises and agencies, practitioners, supervision, entrustments, home flags.
# Every function takes a Connection (one transaction opened by the route with its audit row).


@dataclass(frozen=True)
class PartyIn:
    kind: str
    credit_code: str
    name: str
    business_scope: str
    registered_capital_fen: int
    legal_rep_name: str
    legal_rep_id: str
    address: str
    street_code: str
    escrow_bank: str | None = None
    escrow_account_no: str | None = None


@dataclass(frozen=True)
class PartyFilter:
    kind: str | None = None
    status: str | None = None
    street: str | None = None
    q: str | None = None


ACCOUNT_NO_RE = re.compile(r"^[0-9]{8,32}$")
PRACTICE_NO_RE = re.compile(r"^[0-9A-Za-z-]{4,24}$")
MAX_CAPITAL_FEN = 10**15  # 10 trillion yuan: beyond it the figure is a typing error


def _account(conn: Connection, caller: Caller) -> Any:
    if caller.account_id is None:
        raise ValidationError.of("account", "须登录")
    row = conn.execute(select(accounts).where(accounts.c.id == caller.account_id)).first()
    if row is None:
        raise NotFound("账户不存在")
    return row


def _text(value: str | None, fld: str, n: int, errors: list[FieldError], *, required: bool = True) -> str:
    v = " ".join((value or "").split())
    if required and not v:
        errors.append(FieldError(fld, "不能为空"))
    elif len(v) > n:
        errors.append(FieldError(fld, f"最长 {n} 个字符"))
    return v


def _street(conn: Connection, code: str, fld: str, errors: list[FieldError]) -> Any:
    try:
        st = div.get(conn, code)
    except NotFound:
        errors.append(FieldError(fld, "没有这个街道（镇）"))
        return None
    if st.level != "street":
        errors.append(FieldError(fld, "应为街道（镇）代码"))
        return None
    return st


def _validate_party(conn: Connection, kr: Keyring, cmd: PartyIn, org_code: str | None) -> dict[str, Any]:
    """Every field checked, every error collected (field + reason); nothing is written."""
    errors: list[FieldError] = []
    if cmd.kind not in domain.PARTY_KIND_LABELS:
        errors.append(FieldError("kind", "应为 enterprise（住房租赁企业）或 agency（房地产经纪机构）"))
    code = ""
    try:
        code = credit_code(cmd.credit_code, "credit_code")
    except ValidationError as e:
        errors.extend(e.errors)
    if code and code != (org_code or ""):
        errors.append(FieldError("credit_code", "须与本账户所属机构的统一社会信用代码一致"))
    name = _text(cmd.name, "name", 100, errors)
    scope_text = _text(cmd.business_scope, "business_scope", 2000, errors)
    cap = cmd.registered_capital_fen
    if not isinstance(cap, int) or isinstance(cap, bool) or cap <= 0:
        errors.append(FieldError("registered_capital_fen", "注册资本应为正数（分）"))
    elif cap > MAX_CAPITAL_FEN:
        errors.append(FieldError("registered_capital_fen", "超过合理范围，请核对"))
    rep_name = rep_id = ""
    try:
        rep_name = person_name(cmd.legal_rep_name, "legal_rep_name")
    except ValidationError as e:
        errors.extend(e.errors)
    try:
        rep_id = resident_id(cmd.legal_rep_id, "legal_rep_id")
    except ValidationError as e:
        errors.extend(e.errors)
    bank = _text(cmd.escrow_bank, "escrow_bank", 60, errors, required=cmd.kind == domain.PartyKind.enterprise)
    acct = "".join((cmd.escrow_account_no or "").split())
    if cmd.kind == domain.PartyKind.enterprise and not acct:
        errors.append(FieldError("escrow_account_no", "住房租赁企业须填写资金监管账户"))
    elif acct and not ACCOUNT_NO_RE.match(acct):
        errors.append(FieldError("escrow_account_no", "账号应为 8–32 位数字"))
    if bool(bank) != bool(acct):
        errors.append(FieldError("escrow_bank" if acct else "escrow_account_no", "监管银行和账号须同时填写"))
    address = _text(cmd.address, "address", 200, errors)
    st = _street(conn, cmd.street_code, "street_code", errors)
    if errors:
        raise ValidationError("备案信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    return {
        "kind": cmd.kind,
        "credit_code": code,
        "name": name,
        "business_scope": scope_text,
        "registered_capital_fen": cap,
        "legal_rep_name_enc": kr.encrypt(rep_name, "rental_parties.legal_rep_name"),
        "legal_rep_id_enc": kr.encrypt(rep_id, "rental_parties.legal_rep_id"),
        "legal_rep_id_bidx": kr.blind_index(rep_id, "id_number"),
        "escrow_bank": bank or None,
        "escrow_account_no": acct or None,
        "address": address,
        "district_code": st.parent_code or "",
        "street_code": st.code,
    }


def _party_no(conn: Connection, kind: str, year: int) -> str:
    """The next filing number of the year: QY (enterprise) / JJ (agency) + year + 6 digits."""
    prefix = f"{'QY' if kind == domain.PartyKind.enterprise else 'JJ'}{year}"
    p = rental_parties.c.party_no
    last = conn.execute(select(func.max(p)).where(p >= prefix, p < f"{prefix[:2]}{year + 1}")).scalar_one()
    return f"{prefix}{(int(last[len(prefix) :]) if last else 0) + 1:06d}"


def _party_action(
    conn: Connection, party_id: int, action: str, frm: str | None, to: str, reason: str | None, actor: int | None
) -> int:
    return int(
        conn.execute(
            rental_party_actions.insert()
            .values(
                party_id=party_id,
                action=action,
                from_status=frm,
                to_status=to,
                reason=reason,
                actor_account_id=actor,
                at=clock.now(),
            )
            .returning(rental_party_actions.c.id)
        ).scalar_one()
    )


def file_party(conn: Connection, kr: Keyring, caller: Caller, cmd: PartyIn) -> int:
    """File the caller's own organisation (备案). A second filing of the same code is a conflict."""
    acct = _account(conn, caller)
    if party_for_account(conn, int(acct.id)) is not None:
        raise Conflict("本机构已备案，如需变更请修改备案信息", [FieldError("credit_code", "已备案")])
    values = _validate_party(conn, kr, cmd, acct.org_code)
    now = clock.now()
    year = clock.to_local(now).year
    for _ in range(3):  # the number is a count: a concurrent filing may take it first
        try:
            with conn.begin_nested():
                pid = conn.execute(
                    rental_parties.insert()
                    .values(
                        **values,
                        party_no=_party_no(conn, cmd.kind, year),
                        status=domain.PartyStatus.filed.value,
                        status_reason=None,
                        account_id=acct.id,
                        filed_at=now,
                        updated_at=now,
                    )
                    .returning(rental_parties.c.id)
                ).scalar_one()
            break
        except IntegrityError:
            if conn.execute(
                select(rental_parties.c.id).where(rental_parties.c.credit_code == values["credit_code"])
            ).first():
                raise Conflict("该统一社会信用代码已备案", [FieldError("credit_code", "已备案")]) from None
    else:
        raise Conflict("备案编号分配冲突，请重试")
    _party_action(conn, int(pid), "filed", None, domain.PartyStatus.filed.value, None, caller.account_id)
    return int(pid)


def amend_party(conn: Connection, kr: Keyring, caller: Caller, cmd: PartyIn) -> int:
    """Amend the caller's own filing (not its code or kind); a revoked filing cannot be amended."""
    acct = _account(conn, caller)
    row = party_for_account(conn, int(acct.id))
    if row is None:
        raise NotFound("本机构尚未备案")
    if row.status == domain.PartyStatus.revoked:
        raise Conflict("备案已撤销，不能修改", [FieldError("status", "已撤销")])
    values = _validate_party(conn, kr, cmd, acct.org_code)
    if values["kind"] != row.kind:
        raise ValidationError.of("kind", "不能变更主体类型，请联系监管部门")
    conn.execute(rental_parties.update().where(rental_parties.c.id == row.id).values(**values, updated_at=clock.now()))
    _party_action(conn, int(row.id), "amended", row.status, row.status, None, caller.account_id)
    return int(row.id)


def _party_summary(kr: Keyring, r: Any) -> dict[str, Any]:
    return {
        "id": int(r.id),
        "party_no": r.party_no,
        "kind": r.kind,
        "kind_label": domain.PARTY_KIND_LABELS[domain.PartyKind(r.kind)],
        "credit_code": r.credit_code,
        "name": r.name,
        "registered_capital_fen": int(r.registered_capital_fen),
        "legal_rep_name": mask_name(kr.decrypt(r.legal_rep_name_enc, "rental_parties.legal_rep_name")),
        "legal_rep_id": mask_id(kr.decrypt(r.legal_rep_id_enc, "rental_parties.legal_rep_id")),
        "district_code": r.district_code,
        "street_code": r.street_code,
        "status": r.status,
        "status_label": domain.PARTY_STATUS_LABELS[domain.PartyStatus(r.status)],
        "status_reason": r.status_reason,
        "filed_at": r.filed_at,
        "updated_at": r.updated_at,
    }


def _party_detail(conn: Connection, kr: Keyring, r: Any) -> dict[str, Any]:
    out = _party_summary(kr, r)
    out |= {
        "business_scope": r.business_scope,
        "escrow_bank": r.escrow_bank,
        "escrow_account_no": r.escrow_account_no,
        "address": r.address,
    }
    pr = rental_practitioners
    out["practitioners_active"] = int(
        conn.execute(
            select(func.count()).select_from(pr).where(pr.c.party_id == r.id, pr.c.status == "active")
        ).scalar_one()
    )
    a = rental_party_actions
    out["actions"] = [
        {
            "action": x.action,
            "action_label": domain.PARTY_ACTION_LABELS.get(x.action, x.action),
            "from_status": x.from_status,
            "to_status": x.to_status,
            "reason": x.reason,
            "at": x.at,
            "credit_event_id": x.credit_event_id,
        }
        for x in conn.execute(select(a).where(a.c.party_id == r.id).order_by(a.c.id))
    ]
    return out


def my_party(conn: Connection, kr: Keyring, caller: Caller) -> dict[str, Any]:
    if caller.account_id is None:
        raise NotFound("本机构尚未备案")
    row = party_for_account(conn, caller.account_id)
    if row is None:
        raise NotFound("本机构尚未备案")
    return _party_detail(conn, kr, row)


def _party_conditions(f: PartyFilter, scope: Scope) -> list[Any]:
    p = rental_parties
    conds: list[Any] = list(scope.where(p.c.street_code))
    if f.kind:
        conds.append(p.c.kind == f.kind)
    if f.status:
        conds.append(p.c.status == f.status)
    if f.street:
        conds.append(p.c.street_code == f.street)
    if f.q:
        q = f.q.strip()
        conds.append(or_(p.c.name.contains(q, autoescape=True), p.c.credit_code == q.upper(), p.c.party_no == q))
    return conds


def list_parties(
    conn: Connection, kr: Keyring, f: PartyFilter, *, scope: Scope, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Filed parties of the streets in scope, newest first."""
    p = rental_parties
    conds = _party_conditions(f, scope)
    total = conn.execute(select(func.count()).select_from(p).where(*conds)).scalar_one()
    rows = conn.execute(select(p).where(*conds).order_by(p.c.id.desc()).limit(limit).offset(offset))
    return int(total), [_party_summary(kr, r) for r in rows]


PARTY_CSV_COLUMNS = (
    "party_no", "kind", "credit_code", "name", "status", "district_code", "street_code",
    "registered_capital_fen", "legal_rep_name", "legal_rep_id", "escrow_bank", "filed_at",
)  # fmt: skip


def export_parties(conn: Connection, kr: Keyring, f: PartyFilter, *, scope: Scope) -> Iterator[list[Any]]:
    """Every party matching the filter in scope, as CSV rows (personal values masked), in batches."""
    p = rental_parties
    conds = _party_conditions(f, scope)
    last = 0
    while True:
        rows = conn.execute(select(p).where(*conds, p.c.id > last).order_by(p.c.id).limit(1000)).all()
        if not rows:
            return
        for r in rows:
            s = _party_summary(kr, r)
            yield [
                r.party_no, r.kind, r.credit_code, r.name, r.status, r.district_code, r.street_code,
                int(r.registered_capital_fen), s["legal_rep_name"], s["legal_rep_id"], r.escrow_bank or "",
                clock.to_local(r.filed_at).isoformat(timespec="seconds"),
            ]  # fmt: skip
        last = int(rows[-1].id)


def _scoped_party(conn: Connection, scope: Scope, party_id: int) -> Any:
    row = conn.execute(select(rental_parties).where(rental_parties.c.id == party_id)).first()
    if row is None:
        raise NotFound(f"租赁主体 {party_id} 不存在")
    scope.require(row.street_code, f"租赁主体 {party_id} 不存在")
    return row


def get_party(conn: Connection, kr: Keyring, scope: Scope, party_id: int) -> dict[str, Any]:
    return _party_detail(conn, kr, _scoped_party(conn, scope, party_id))


def supervise(conn: Connection, kr: Keyring, caller: Caller, party_id: int, action: str, reason: str) -> str:
    """Suspend (暂停), reinstate or revoke (撤销, final) a filing, with a reason. Suspension and
    revocation are sanctions: each becomes a credit event of the organisation. Returns the new status."""
    if action not in domain.PARTY_ACTIONS:
        raise ValidationError.of("action", "应为 suspend、reinstate 或 revoke")
    why = " ".join((reason or "").split())
    if not why:
        raise ValidationError.of("reason", "须说明理由")
    if len(why) > 200:
        raise ValidationError.of("reason", "最长 200 个字符")
    row = _scoped_party(conn, caller.scope, party_id)
    allowed, to = domain.PARTY_ACTIONS[action]
    if row.status not in allowed:
        label = domain.PARTY_STATUS_LABELS[domain.PartyStatus(row.status)]
        raise Conflict(f"租赁主体{label}，不能{domain.PARTY_ACTION_LABELS[action]}", [FieldError("status", label)])
    done = conn.execute(
        rental_parties.update()
        .where(rental_parties.c.id == party_id, rental_parties.c.status == row.status)
        .values(status=to.value, status_reason=why, updated_at=clock.now())
    )
    if done.rowcount != 1:
        raise Conflict("租赁主体状态已被他人修改，请刷新后重试")
    event_id = None
    if action in domain.PARTY_SANCTIONS:
        kind, severity = domain.PARTY_SANCTIONS[action]
        event_id = credit.record_event(
            conn,
            credit.Event(
                subject_kind="org",
                subject_bidx=kr.blind_index(row.credit_code, "credit_code"),
                source="rental",
                kind=kind,
                severity=severity,
                occurred_on=clock.today(),
                reference=row.party_no,
                street_code=row.street_code,
                detail={"party_id": int(row.id), "action": action, "reason": why},
            ),
        )
    _party_action(conn, party_id, action, row.status, to.value, why, caller.account_id)
    if event_id is not None:
        a = rental_party_actions
        last = conn.execute(select(func.max(a.c.id)).where(a.c.party_id == party_id)).scalar_one()
        conn.execute(a.update().where(a.c.id == last).values(credit_event_id=event_id))
    return to.value


# ------------------------------------------------------------------------------------- practitioners


@dataclass(frozen=True)
class PractitionerIn:
    name: str
    id_number: str
    practice_no: str
    position: str
    joined_on: date | None = None


def _own_party(conn: Connection, caller: Caller, *, writable: bool = True) -> Any:
    if caller.account_id is None:
        raise NotFound("本机构尚未备案")
    row = party_for_account(conn, caller.account_id)
    if row is None:
        raise NotFound("本机构尚未备案")
    if writable and row.status == domain.PartyStatus.revoked:
        raise Conflict("备案已撤销，不能办理", [FieldError("status", "已撤销")])
    return row


def add_practitioner(conn: Connection, kr: Keyring, caller: Caller, cmd: PractitionerIn) -> int:
    """Add a practitioner (从业人员) to the caller's own filed party."""
    pr = rental_practitioners
    party = _own_party(conn, caller)
    errors: list[FieldError] = []
    name = idn = ""
    try:
        name = person_name(cmd.name, "name")
    except ValidationError as e:
        errors.extend(e.errors)
    try:
        idn = resident_id(cmd.id_number, "id_number")
    except ValidationError as e:
        errors.extend(e.errors)
    practice_no = cmd.practice_no.strip().upper()
    if not PRACTICE_NO_RE.match(practice_no):
        errors.append(FieldError("practice_no", "从业编号应为 4–24 位字母、数字或连字符"))
    if cmd.position not in domain.PRACTITIONER_POSITIONS:
        errors.append(FieldError("position", f"应为 {'、'.join(domain.PRACTITIONER_POSITIONS)} 之一"))
    joined = cmd.joined_on or clock.today()
    if joined > clock.today():
        errors.append(FieldError("joined_on", "不能晚于今天"))
    if errors:
        raise ValidationError("从业人员信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    bidx = kr.blind_index(idn, "id_number")
    if conn.execute(select(pr.c.id).where(pr.c.practice_no == practice_no)).first():
        raise Conflict("从业编号已登记", [FieldError("practice_no", "已登记")])
    if conn.execute(select(pr.c.id).where(pr.c.id_bidx == bidx, pr.c.status == "active")).first():
        raise Conflict("此人已在一家机构登记执业，须先办理离职", [FieldError("id_number", "已在职")])
    now = clock.now()
    record = [{"on": joined.isoformat(), "kind": "joined", "text": "入职登记"}]
    try:
        with conn.begin_nested():
            new_id = conn.execute(
                pr.insert()
                .values(
                    party_id=party.id,
                    practice_no=practice_no,
                    name_enc=kr.encrypt(name, "rental_practitioners.name"),
                    id_enc=kr.encrypt(idn, "rental_practitioners.id"),
                    id_bidx=bidx,
                    position=cmd.position,
                    status="active",
                    joined_on=joined,
                    left_on=None,
                    record=json.dumps(record, ensure_ascii=False),
                    recorded_at=now,
                )
                .returning(pr.c.id)
            ).scalar_one()
    except IntegrityError:
        raise Conflict("从业编号已登记", [FieldError("practice_no", "已登记")]) from None
    return int(new_id)


def _practitioner_out(kr: Keyring, r: Any) -> dict[str, Any]:
    return {
        "id": int(r.id),
        "party_id": int(r.party_id),
        "practice_no": r.practice_no,
        "name": mask_name(kr.decrypt(r.name_enc, "rental_practitioners.name")),
        "id_number": mask_id(kr.decrypt(r.id_enc, "rental_practitioners.id")),
        "position": r.position,
        "position_label": domain.PRACTITIONER_POSITIONS.get(r.position, r.position),
        "status": r.status,
        "status_label": domain.PRACTITIONER_STATUS_LABELS.get(r.status, r.status),
        "joined_on": r.joined_on,
        "left_on": r.left_on,
        "record": json.loads(r.record),
    }


def list_practitioners(
    conn: Connection, kr: Keyring, party_id: int, *, status: str | None, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    pr = rental_practitioners
    conds: list[Any] = [pr.c.party_id == party_id]
    if status:
        conds.append(pr.c.status == status)
    total = conn.execute(select(func.count()).select_from(pr).where(*conds)).scalar_one()
    rows = conn.execute(select(pr).where(*conds).order_by(pr.c.id).limit(limit).offset(offset))
    return int(total), [_practitioner_out(kr, r) for r in rows]


def my_practitioners(
    conn: Connection, kr: Keyring, caller: Caller, *, status: str | None, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    party = _own_party(conn, caller, writable=False)
    return list_practitioners(conn, kr, int(party.id), status=status, limit=limit, offset=offset)


def _own_practitioner(conn: Connection, caller: Caller, practitioner_id: int) -> Any:
    pr = rental_practitioners
    party = _own_party(conn, caller)
    row = conn.execute(select(pr).where(pr.c.id == practitioner_id, pr.c.party_id == party.id)).first()
    if row is None:
        raise NotFound(f"从业人员 {practitioner_id} 不存在")
    return row


def practitioner_left(conn: Connection, caller: Caller, practitioner_id: int, on: date | None = None) -> None:
    """Mark one of the party's practitioners as having left (离职)."""
    pr = rental_practitioners
    row = _own_practitioner(conn, caller, practitioner_id)
    if row.status == "left":
        raise Conflict("该从业人员已离职", [FieldError("status", "已离职")])
    left = on or clock.today()
    if left < row.joined_on or left > clock.today():
        raise ValidationError.of("left_on", "离职日期应在入职日期与今天之间")
    record = [*json.loads(row.record), {"on": left.isoformat(), "kind": "left", "text": "离职"}]
    conn.execute(
        pr.update()
        .where(pr.c.id == practitioner_id)
        .values(status="left", left_on=left, record=json.dumps(record, ensure_ascii=False))
    )


RECORD_KINDS = {"training": "培训", "award": "表彰", "warning": "警示", "note": "其他"}


def add_practice_record(conn: Connection, caller: Caller, practitioner_id: int, kind: str, text: str) -> None:
    """Append an entry to a practitioner's practice record (执业记录). No personal values belong here."""
    pr = rental_practitioners
    if kind not in RECORD_KINDS:
        raise ValidationError.of("kind", f"应为 {'、'.join(RECORD_KINDS)} 之一")
    t = " ".join((text or "").split())
    if not t or len(t) > 200:
        raise ValidationError.of("text", "应为 1–200 个字符")
    row = _own_practitioner(conn, caller, practitioner_id)
    record = [*json.loads(row.record), {"on": clock.today().isoformat(), "kind": kind, "text": t}]
    if len(record) > 200:
        raise Conflict("执业记录已达上限", [FieldError("record", "最多 200 条")])
    conn.execute(pr.update().where(pr.c.id == practitioner_id).values(record=json.dumps(record, ensure_ascii=False)))


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


def _home_by_code(conn: Connection, code: str, fld: str = "house_code") -> Any:
    c = (code or "").strip().upper()
    row = conn.execute(select(homes).where(homes.c.house_code == c)).first() if c else None
    if row is None:
        raise ValidationError.of(fld, "没有这个房屋代码")
    return row


def entrust(conn: Connection, caller: Caller, cmd: EntrustmentIn) -> int:
    """An owner entrusts a home (or one room of it) to an agent: an account or a filed party."""
    acct = _account(conn, caller)
    if not acct.id_number_bidx:
        raise ValidationError.of("account", "账户未实名（无身份证号码），不能办理委托")
    home = _home_by_code(conn, cmd.house_code)
    today = clock.today()
    if not is_owner(conn, int(home.id), acct.id_number_bidx, today):
        raise ValidationError.of("house_code", "您不是该房屋的产权人，不能委托")
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
        require_active_party(conn, int(p.id), "agent_credit_code")
        agent_party = int(p.id)
    e = rental_entrustments
    clash = conn.execute(
        select(e.c.id).where(
            e.c.home_id == home.id,
            e.c.room_id.is_(None) if room_id is None else e.c.room_id == room_id,
            e.c.agent_account_id == agent_account if agent_account else e.c.agent_party_id == agent_party,
            e.c.revoked_at.is_(None),
            e.c.valid_from <= cmd.valid_to,
            e.c.valid_to >= cmd.valid_from,
        )
    ).first()
    if clash is not None:
        raise Conflict("同一受托人在该期间已有有效委托", [FieldError("valid_from", "与已有委托重叠")])
    return int(
        conn.execute(
            e.insert()
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
            .returning(e.c.id)
        ).scalar_one()
    )


def my_entrustments(
    conn: Connection, caller: Caller, *, side: str | None, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """The caller's entrustments: granted as owner, and received as agent (in person or through the
    filed party the caller works for)."""
    acct = _account(conn, caller)
    e = rental_entrustments
    as_owner = e.c.owner_bidx == acct.id_number_bidx if acct.id_number_bidx else false()
    agent_conds = [e.c.agent_account_id == acct.id]
    party = party_for_account(conn, int(acct.id))
    if party is not None:
        agent_conds.append(e.c.agent_party_id == party.id)
    as_agent = or_(*agent_conds)
    cond = as_owner if side == "owner" else as_agent if side == "agent" else or_(as_owner, as_agent)
    total = conn.execute(select(func.count()).select_from(e).where(cond)).scalar_one()
    agent_acct = accounts.alias("agent")
    rows = conn.execute(
        select(
            e,
            homes.c.house_code,
            homes.c.address,
            rooms.c.room_code,
            rooms.c.name.label("room_name"),
            agent_acct.c.username.label("agent_username"),
            rental_parties.c.name.label("agent_party_name"),
            rental_parties.c.credit_code.label("agent_credit_code"),
        )
        .join(homes, homes.c.id == e.c.home_id)
        .outerjoin(rooms, rooms.c.id == e.c.room_id)
        .outerjoin(agent_acct, agent_acct.c.id == e.c.agent_account_id)
        .outerjoin(rental_parties, rental_parties.c.id == e.c.agent_party_id)
        .where(cond)
        .order_by(e.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    today = clock.today()
    out = []
    for r in rows:
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
                "state_label": ENTRUSTMENT_STATES[state],
                "revoked_at": r.revoked_at,
                "created_at": r.created_at,
            }
        )
    return int(total), out


ENTRUSTMENT_STATES = {"active": "有效", "pending": "未到期始", "expired": "已到期", "revoked": "已撤销"}


def revoke_entrustment(conn: Connection, caller: Caller, entrustment_id: int) -> None:
    """The granting owner revokes an entrustment (撤销委托); it no longer covers new listings or leases."""
    acct = _account(conn, caller)
    e = rental_entrustments
    row = conn.execute(select(e).where(e.c.id == entrustment_id)).first()
    if row is None or not acct.id_number_bidx or row.owner_bidx != acct.id_number_bidx:
        raise NotFound(f"委托 {entrustment_id} 不存在")
    if row.revoked_at is not None:
        raise Conflict("委托已撤销", [FieldError("status", "已撤销")])
    conn.execute(e.update().where(e.c.id == entrustment_id).values(revoked_at=clock.now()))


# ------------------------------------------------------------------------------------------ home flags


@dataclass(frozen=True)
class FlagIn:
    house_code: str
    kind: str
    source: str
    reason: str
    since: date | None = None
    until: date | None = None


def record_flag(conn: Connection, caller: Caller, cmd: FlagIn) -> int:
    """Flag a home (查封, 危房 …): it bars listing verification and lease filing while in force."""
    home = _home_by_code(conn, cmd.house_code)
    caller.scope.require(home.street_code, "没有这个房屋代码")
    errors: list[FieldError] = []
    if cmd.kind not in domain.FLAG_KINDS:
        errors.append(FieldError("kind", f"应为 {'、'.join(domain.FLAG_KINDS)} 之一"))
    if cmd.source not in domain.FLAG_SOURCES:
        errors.append(FieldError("source", f"应为 {'、'.join(domain.FLAG_SOURCES)} 之一"))
    reason = _text(cmd.reason, "reason", 200, errors)
    since = cmd.since or clock.today()
    if cmd.until is not None and cmd.until <= since:
        errors.append(FieldError("until", "应晚于开始日期"))
    if errors:
        raise ValidationError("限制信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    f = rental_home_flags
    return int(
        conn.execute(
            f.insert()
            .values(
                home_id=home.id,
                street_code=home.street_code,
                kind=cmd.kind,
                source=cmd.source,
                reason=reason,
                since=since,
                until=cmd.until,
                lifted_at=None,
                recorded_by=caller.account_id,
                recorded_at=clock.now(),
            )
            .returning(f.c.id)
        ).scalar_one()
    )


def lift_flag(conn: Connection, caller: Caller, flag_id: int) -> None:
    f = rental_home_flags
    row = conn.execute(select(f).where(f.c.id == flag_id)).first()
    if row is None:
        raise NotFound(f"房屋限制 {flag_id} 不存在")
    caller.scope.require(row.street_code, f"房屋限制 {flag_id} 不存在")
    if row.lifted_at is not None:
        raise Conflict("该限制已解除", [FieldError("status", "已解除")])
    conn.execute(f.update().where(f.c.id == flag_id).values(lifted_at=clock.now()))


def list_flags(
    conn: Connection, *, scope: Scope, house_code: str | None, active: bool | None, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    f = rental_home_flags
    conds: list[Any] = list(scope.where(f.c.street_code))
    if house_code:
        conds.append(homes.c.house_code == house_code.strip().upper())
    today = clock.today()
    in_force = and_(f.c.lifted_at.is_(None), f.c.since <= today, or_(f.c.until.is_(None), f.c.until > today))
    if active is True:
        conds.append(in_force)
    elif active is False:
        conds.append(~in_force)
    base = select(f, homes.c.house_code).join(homes, homes.c.id == f.c.home_id).where(*conds)
    total = conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = conn.execute(base.order_by(f.c.id.desc()).limit(limit).offset(offset))
    return int(total), [
        {
            "id": int(r.id),
            "home_id": int(r.home_id),
            "house_code": r.house_code,
            "street_code": r.street_code,
            "kind": r.kind,
            "kind_label": domain.FLAG_KINDS.get(r.kind, r.kind),
            "source": r.source,
            "source_label": domain.FLAG_SOURCES.get(r.source, r.source),
            "reason": r.reason,
            "since": r.since,
            "until": r.until,
            "lifted_at": r.lifted_at,
            "in_force": r.lifted_at is None and r.since <= today and (r.until is None or r.until > today),
            "recorded_at": r.recorded_at,
        }
        for r in rows
    ]
