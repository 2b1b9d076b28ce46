"""Parties of the rental market (备案): filed enterprises and agencies, their supervision and their
practitioners.

The read helpers at the top are what listings, leases and escrow ask of this module. Owners and
entrustments live in :mod:`anju.rental.entrustments`, the home flags that bar renting a home in
:mod:`anju.rental.home_flags`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError

from anju import credit, divisions
from anju.core import clock, csvout
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page
from anju.core.scope import Scope
from anju.rental import credit_checks, domain
from anju.rental.credit_subjects import file_party_subject, file_practitioner_subject
from anju.rental.tables import (
    rental_parties,
    rental_party_actions,
    rental_practitioners,
)
from anju.security import Caller, Keyring, accounts, credit_code, mask_id, mask_name, person_name, resident_id


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
        raise Conflict(f"{field}: 租赁主体{label}，不能发布房源或签约", [FieldError(field, f"租赁主体{label}")])
    return row


# ======================================================================================== use cases
# Filing (备案) of enterprises and agencies, supervision, practitioners.
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


def caller_account(conn: Connection, caller: Caller) -> Any:
    if caller.account_id is None:
        raise ValidationError.of("account", "须登录")
    row = conn.execute(select(accounts).where(accounts.c.id == caller.account_id)).first()
    if row is None:
        raise NotFound("账户不存在")
    return row


def clean_text(value: str | None, fld: str, n: int, errors: list[FieldError], *, required: bool = True) -> str:
    v = " ".join((value or "").split())
    if required and not v:
        errors.append(FieldError(fld, "不能为空"))
    elif len(v) > n:
        errors.append(FieldError(fld, f"最长 {n} 个字符"))
    return v


def _street(conn: Connection, code: str, fld: str, errors: list[FieldError]) -> Any:
    try:
        st = divisions.get(conn, code)
    except NotFound:
        errors.append(FieldError(fld, "没有这个街道（镇）"))
        return None
    if st.level != "street":
        errors.append(FieldError(fld, "应为街道（镇）代码"))
        return None
    return st


class _PartyValues(TypedDict):
    kind: str
    credit_code: str
    name: str
    business_scope: str
    registered_capital_fen: int
    legal_rep_name_enc: bytes
    legal_rep_id_enc: bytes
    legal_rep_id_bidx: str
    escrow_bank: str | None
    escrow_account_no: str | None
    address: str
    district_code: str
    street_code: str


def _validate_party(conn: Connection, kr: Keyring, cmd: PartyIn, org_code: str | None) -> _PartyValues:
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
    name = clean_text(cmd.name, "name", 100, errors)
    if reason := csvout.formula_reason(name):
        errors.append(FieldError("name", reason))
    scope_text = clean_text(cmd.business_scope, "business_scope", 2000, errors)
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
    bank = clean_text(cmd.escrow_bank, "escrow_bank", 60, errors, required=cmd.kind == domain.PartyKind.enterprise)
    acct = "".join((cmd.escrow_account_no or "").split())
    if cmd.kind == domain.PartyKind.enterprise and not acct:
        errors.append(FieldError("escrow_account_no", "住房租赁企业须填写资金监管账户"))
    elif acct and not ACCOUNT_NO_RE.match(acct):
        errors.append(FieldError("escrow_account_no", "账号应为 8–32 位数字"))
    if bool(bank) != bool(acct):
        errors.append(FieldError("escrow_bank" if acct else "escrow_account_no", "监管银行和账号须同时填写"))
    address = clean_text(cmd.address, "address", 200, errors)
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
    acct = caller_account(conn, caller)
    if party_for_account(conn, int(acct.id)) is not None:
        raise Conflict("本机构已备案，如需变更请修改备案信息", [FieldError("credit_code", "已备案")])
    values = _validate_party(conn, kr, cmd, acct.org_code)
    subject = {kr.blind_index(values["credit_code"], "credit_code"): values["name"]}
    credit_checks.require_credit(conn, credit_checks.PARTY_FILE, subject, "credit_code", prefix="不予备案：")
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
    file_party_subject(conn, kr, int(pid), values)
    return int(pid)


def amend_party(conn: Connection, kr: Keyring, caller: Caller, cmd: PartyIn) -> int:
    """Amend the caller's own filing (not its code or kind); a revoked filing cannot be amended."""
    acct = caller_account(conn, caller)
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


class PartySummary(TypedDict):
    """A filed party as lists show it (the legal representative masked)."""

    id: int
    party_no: str
    kind: str
    kind_label: str
    credit_code: str
    name: str
    registered_capital_fen: int
    legal_rep_name: str
    legal_rep_id: str
    district_code: str
    street_code: str
    status: str
    status_label: str
    status_reason: str | None
    filed_at: datetime
    updated_at: datetime


class PartyAction(TypedDict):
    action: str
    action_label: str
    from_status: str | None
    to_status: str
    reason: str | None
    at: datetime
    credit_event_id: int | None


class PartyDetail(PartySummary):
    """One party with its filing's other fields, its active practitioners and its status history."""

    business_scope: str
    escrow_bank: str | None
    escrow_account_no: str | None
    address: str
    practitioners_active: int
    actions: list[PartyAction]


def _party_summary(kr: Keyring, r: Any) -> PartySummary:
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


def _party_detail(conn: Connection, kr: Keyring, r: Any) -> PartyDetail:
    practitioners_active = int(
        conn.execute(
            select(func.count())
            .select_from(rental_practitioners)
            .where(rental_practitioners.c.party_id == r.id, rental_practitioners.c.status == "active")
        ).scalar_one()
    )
    actions: list[PartyAction] = [
        {
            "action": x.action,
            "action_label": domain.PARTY_ACTION_LABELS.get(x.action, x.action),
            "from_status": x.from_status,
            "to_status": x.to_status,
            "reason": x.reason,
            "at": x.at,
            "credit_event_id": x.credit_event_id,
        }
        for x in conn.execute(
            select(rental_party_actions)
            .where(rental_party_actions.c.party_id == r.id)
            .order_by(rental_party_actions.c.id)
        )
    ]
    return {
        **_party_summary(kr, r),
        "business_scope": r.business_scope,
        "escrow_bank": r.escrow_bank,
        "escrow_account_no": r.escrow_account_no,
        "address": r.address,
        "practitioners_active": practitioners_active,
        "actions": actions,
    }


def my_party(conn: Connection, kr: Keyring, caller: Caller) -> PartyDetail:
    if caller.account_id is None:
        raise NotFound("本机构尚未备案")
    row = party_for_account(conn, caller.account_id)
    if row is None:
        raise NotFound("本机构尚未备案")
    return _party_detail(conn, kr, row)


def _party_conditions(f: PartyFilter, scope: Scope) -> list[Any]:
    conds: list[Any] = list(scope.where(rental_parties.c.street_code))
    if f.kind:
        conds.append(rental_parties.c.kind == f.kind)
    if f.status:
        conds.append(rental_parties.c.status == f.status)
    if f.street:
        conds.append(rental_parties.c.street_code == f.street)
    if f.q:
        q = f.q.strip()
        conds.append(
            or_(
                rental_parties.c.name.contains(q, autoescape=True),
                rental_parties.c.credit_code == q.upper(),
                rental_parties.c.party_no == q,
            )
        )
    return conds


def list_parties(
    conn: Connection, kr: Keyring, f: PartyFilter, *, scope: Scope, limit: int, offset: int
) -> Page[PartySummary]:
    """Filed parties of the streets in scope, newest first."""
    conds = _party_conditions(f, scope)
    total = conn.execute(select(func.count()).select_from(rental_parties).where(*conds)).scalar_one()
    rows = conn.execute(
        select(rental_parties).where(*conds).order_by(rental_parties.c.id.desc()).limit(limit).offset(offset)
    )
    return Page([_party_summary(kr, r) for r in rows], int(total))


PARTY_CSV_COLUMNS = (
    "party_no", "kind", "credit_code", "name", "status", "district_code", "street_code",
    "registered_capital_fen", "legal_rep_name", "legal_rep_id", "escrow_bank", "filed_at",
)  # fmt: skip


def export_parties(conn: Connection, kr: Keyring, f: PartyFilter, *, scope: Scope) -> Iterator[list[Any]]:
    """Every party matching the filter in scope, as CSV rows (personal values masked), in batches."""
    conds = _party_conditions(f, scope)
    last = 0
    while True:
        rows = conn.execute(
            select(rental_parties).where(*conds, rental_parties.c.id > last).order_by(rental_parties.c.id).limit(1000)
        ).all()
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


def get_party(conn: Connection, kr: Keyring, scope: Scope, party_id: int) -> PartyDetail:
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
    if action == "reinstate":  # 备案延续: a party credit bars stays suspended
        subject = credit_checks.party_subject(kr, row)
        credit_checks.require_credit(conn, credit_checks.PARTY_RENEW, subject, "party_id", prefix="不予恢复备案：")
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
                subject_type={"enterprise": "rental_enterprise", "agency": "agency"}.get(row.kind),
            ),
        )
    _party_action(conn, party_id, action, row.status, to.value, why, caller.account_id)
    if event_id is not None:
        last = conn.execute(
            select(func.max(rental_party_actions.c.id)).where(rental_party_actions.c.party_id == party_id)
        ).scalar_one()
        conn.execute(
            rental_party_actions.update().where(rental_party_actions.c.id == last).values(credit_event_id=event_id)
        )
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
    if conn.execute(select(rental_practitioners.c.id).where(rental_practitioners.c.practice_no == practice_no)).first():
        raise Conflict("从业编号已登记", [FieldError("practice_no", "已登记")])
    if conn.execute(
        select(rental_practitioners.c.id).where(
            rental_practitioners.c.id_bidx == bidx, rental_practitioners.c.status == "active"
        )
    ).first():
        raise Conflict("此人已在一家机构登记执业，须先办理离职", [FieldError("id_number", "已在职")])
    now = clock.now()
    record = [{"on": joined.isoformat(), "kind": "joined", "text": "入职登记"}]
    try:
        with conn.begin_nested():
            new_id = conn.execute(
                rental_practitioners.insert()
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
                .returning(rental_practitioners.c.id)
            ).scalar_one()
    except IntegrityError:
        raise Conflict("从业编号已登记", [FieldError("practice_no", "已登记")]) from None
    file_practitioner_subject(conn, kr, int(new_id), name, bidx, party)
    return int(new_id)


class RecordEntry(TypedDict):
    on: str  # ISO date
    kind: str
    text: str


class Practitioner(TypedDict):
    """A practitioner of a party, masked, with the practice record (执业记录)."""

    id: int
    party_id: int
    practice_no: str
    name: str
    id_number: str
    position: str
    position_label: str
    status: str
    status_label: str
    joined_on: date
    left_on: date | None
    record: list[RecordEntry]


def _practitioner_out(kr: Keyring, r: Any) -> Practitioner:
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
) -> Page[Practitioner]:
    conds: list[Any] = [rental_practitioners.c.party_id == party_id]
    if status:
        conds.append(rental_practitioners.c.status == status)
    total = conn.execute(select(func.count()).select_from(rental_practitioners).where(*conds)).scalar_one()
    rows = conn.execute(
        select(rental_practitioners).where(*conds).order_by(rental_practitioners.c.id).limit(limit).offset(offset)
    )
    return Page([_practitioner_out(kr, r) for r in rows], int(total))


def my_practitioners(
    conn: Connection, kr: Keyring, caller: Caller, *, status: str | None, limit: int, offset: int
) -> Page[Practitioner]:
    party = _own_party(conn, caller, writable=False)
    return list_practitioners(conn, kr, int(party.id), status=status, limit=limit, offset=offset)


def _own_practitioner(conn: Connection, caller: Caller, practitioner_id: int) -> Any:
    party = _own_party(conn, caller)
    row = conn.execute(
        select(rental_practitioners).where(
            rental_practitioners.c.id == practitioner_id, rental_practitioners.c.party_id == party.id
        )
    ).first()
    if row is None:
        raise NotFound(f"从业人员 {practitioner_id} 不存在")
    return row


def practitioner_left(conn: Connection, caller: Caller, practitioner_id: int, on: date | None = None) -> None:
    """Mark one of the party's practitioners as having left (离职)."""
    row = _own_practitioner(conn, caller, practitioner_id)
    if row.status == "left":
        raise Conflict("该从业人员已离职", [FieldError("status", "已离职")])
    left = on or clock.today()
    if left < row.joined_on or left > clock.today():
        raise ValidationError.of("left_on", "离职日期应在入职日期与今天之间")
    record = [*json.loads(row.record), {"on": left.isoformat(), "kind": "left", "text": "离职"}]
    conn.execute(
        rental_practitioners.update()
        .where(rental_practitioners.c.id == practitioner_id)
        .values(status="left", left_on=left, record=json.dumps(record, ensure_ascii=False))
    )


def add_practice_record(conn: Connection, caller: Caller, practitioner_id: int, kind: str, text: str) -> None:
    """Append an entry to a practitioner's practice record (执业记录). No personal values belong here."""
    if kind not in domain.RECORD_KINDS:
        raise ValidationError.of("kind", f"应为 {'、'.join(domain.RECORD_KINDS)} 之一")
    t = " ".join((text or "").split())
    if not t or len(t) > 200:
        raise ValidationError.of("text", "应为 1–200 个字符")
    row = _own_practitioner(conn, caller, practitioner_id)
    record = [*json.loads(row.record), {"on": clock.today().isoformat(), "kind": kind, "text": t}]
    if len(record) > 200:
        raise Conflict("执业记录已达上限", [FieldError("record", "最多 200 条")])
    conn.execute(
        rental_practitioners.update()
        .where(rental_practitioners.c.id == practitioner_id)
        .values(record=json.dumps(record, ensure_ascii=False))
    )
