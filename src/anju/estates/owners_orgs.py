"""Owners' organisations (业主大会、业主委员会): assemblies filed with the street, committees per term,
their members, term audits (换届审计) and the negative list (履职负面清单).

A committee has 5–11 members and exactly one chair. Every member is an owner of a home in the estate
on the first day of the term as the register believes it — the ID number must be a valid resident ID
and the register's name for that owner the same (``registry.is_owner`` with the name, the identity
check rental and transactions use). A member is stored by the blind index of the ID number and the
encrypted name; outputs show the name masked. Forming a new committee ends the assembly's active one.
The kinds of negative-list item are data (``estates/data/negative_list.toml``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from anju import registry
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.estates.domain import AUDIT_RESULTS, COMMITTEE_STATUSES, POSITIONS
from anju.estates.tables import (
    estates_assemblies,
    estates_committee_members,
    estates_committees,
    estates_negative_items,
    estates_term_audits,
)
from anju.security import Caller, Keyring, mask_name, person_name, resident_id

MEMBER_NAME = "estates_committee_members.name"
MIN_MEMBERS, MAX_MEMBERS = 5, 11
NEGATIVE_LIST = Path(__file__).parent / "data" / "negative_list.toml"

a_ = estates_assemblies.c
c_ = estates_committees.c
m_ = estates_committee_members.c
n_ = estates_negative_items.c
t_ = estates_term_audits.c


@dataclass(frozen=True, slots=True)
class NegativeKind:
    code: str
    label: str
    applies_to: str  # committee | member | both


@cache
def negative_kinds() -> dict[str, NegativeKind]:
    """The negative list's kinds, from ``estates/data/negative_list.toml``."""
    raw = tomllib.loads(NEGATIVE_LIST.read_text(encoding="utf-8"))
    return {
        code: NegativeKind(code, str(k["label"]), str(k.get("applies_to", "both")))
        for code, k in raw.get("kinds", {}).items()
    }


def _estate(conn: Connection, scope: Scope, estate_id: int) -> Any:
    e = registry.estates.c
    row = conn.execute(select(e.id, e.name, e.district_code, e.street_code).where(e.id == estate_id)).first()
    if row is None:
        raise NotFound("小区不存在")
    scope.require(row.street_code, "小区不存在")
    return row


def file_assembly(conn: Connection, caller: Caller, estate_id: int, filing_no: str, established_on: date) -> int:
    """File an estate's owners' assembly (one per estate; the filing number is unique)."""
    est = _estate(conn, caller.scope, estate_id)
    no = (filing_no or "").strip()
    if not 4 <= len(no) <= 30:
        raise ValidationError.of("filing_no", "备案号应为 4–30 个字符")
    if established_on > clock.today():
        raise ValidationError.of("established_on", "成立日期不能晚于今天")
    if conn.execute(select(a_.id).where(a_.estate_id == estate_id)).first() is not None:
        raise Conflict("该小区的业主大会已备案", [FieldError("estate_id", "已备案")])
    try:
        with conn.begin_nested():
            aid = conn.execute(
                estates_assemblies.insert()
                .values(
                    estate_id=estate_id,
                    established_on=established_on,
                    filing_no=no,
                    status="active",
                    district_code=est.district_code,
                    street_code=est.street_code,
                    created_at=clock.now(),
                    created_by=caller.account_id,
                )
                .returning(a_.id)
            ).scalar_one()
    except IntegrityError:
        raise Conflict("备案号已被使用或该小区的业主大会已备案", [FieldError("filing_no", "已使用")]) from None
    return int(aid)


@dataclass(frozen=True)
class MemberIn:
    name: str
    id_number: str
    house_code: str
    position: str


@dataclass(frozen=True)
class CommitteeIn:
    assembly_id: int
    term_starts_on: date
    term_ends_on: date
    members: list[MemberIn]


def _member_rows(
    conn: Connection, kr: Keyring, estate_id: int, on: date, members: list[MemberIn]
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    errors: list[FieldError] = []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    h = registry.homes.c
    for i, m in enumerate(members):
        f = f"members[{i}]"
        try:
            name = person_name(m.name, f"{f}.name")
            idn = resident_id(m.id_number, f"{f}.id_number")
        except ValidationError as e:
            errors.extend(e.errors)
            continue
        if m.position not in POSITIONS:
            errors.append(FieldError(f"{f}.position", "职务应为主任、副主任或委员"))
            continue
        home = conn.execute(
            select(h.id).where(h.house_code == (m.house_code or "").strip().upper(), h.estate_id == estate_id)
        ).scalar()
        if home is None:
            errors.append(FieldError(f"{f}.house_code", "本小区没有这个房屋代码"))
            continue
        bidx = kr.blind_index(idn, "id_number")
        if bidx in seen:
            errors.append(FieldError(f"{f}.id_number", "同一业主只能担任一个职务"))
            continue
        seen.add(bidx)
        if not registry.is_owner(conn, int(home), bidx, on, named=(kr, name)):
            errors.append(FieldError(f"{f}.id_number", "不是该房屋登记的产权人（证件号码与姓名须与楼盘表一致）"))
            continue
        rows.append(
            {
                "owner_bidx": bidx,
                "name_enc": kr.encrypt(name, MEMBER_NAME),
                "home_id": int(home),
                "position": m.position,
                "left_on": None,
            }
        )
    return rows, errors


def form_committee(conn: Connection, kr: Keyring, caller: Caller, cmd: CommitteeIn) -> int:
    """A committee for a term of the assembly (see the module's rules). The active one ends."""
    a = conn.execute(select(estates_assemblies).where(a_.id == cmd.assembly_id)).first()
    if a is None:
        raise NotFound("业主大会不存在")
    caller.scope.require(a.street_code, "业主大会不存在")
    errors: list[FieldError] = []
    if cmd.term_ends_on <= cmd.term_starts_on:
        errors.append(FieldError("term_ends_on", "任期结束日须晚于开始日"))
    elif (cmd.term_ends_on - cmd.term_starts_on).days > 5 * 366:
        errors.append(FieldError("term_ends_on", "每届任期不超过五年"))
    if not MIN_MEMBERS <= len(cmd.members) <= MAX_MEMBERS:
        errors.append(FieldError("members", f"业主委员会由 {MIN_MEMBERS}–{MAX_MEMBERS} 名委员组成"))
    if sum(1 for m in cmd.members if m.position == "chair") != 1:
        errors.append(FieldError("members", "须有且只有一名主任"))
    rows, member_errors = _member_rows(conn, kr, int(a.estate_id), cmd.term_starts_on, cmd.members)
    errors.extend(member_errors)
    if errors:
        raise ValidationError("业主委员会信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    today = clock.today()
    conn.execute(
        estates_committees.update()
        .where(c_.assembly_id == a.id, c_.status == "active")
        .values(status="ended" if today >= cmd.term_starts_on else "active")
    )
    cid = conn.execute(
        estates_committees.insert()
        .values(
            assembly_id=int(a.id),
            estate_id=int(a.estate_id),
            term_starts_on=cmd.term_starts_on,
            term_ends_on=cmd.term_ends_on,
            status="active",
            vote_id=None,
            district_code=a.district_code,
            street_code=a.street_code,
            created_at=clock.now(),
            created_by=caller.account_id,
        )
        .returning(c_.id)
    ).scalar_one()
    conn.execute(estates_committee_members.insert(), [{**r, "committee_id": int(cid)} for r in rows])
    return int(cid)


def _committee(conn: Connection, scope: Scope, committee_id: int) -> Any:
    row = conn.execute(select(estates_committees).where(c_.id == committee_id)).first()
    if row is None:
        raise NotFound("业主委员会不存在")
    scope.require(row.street_code, "业主委员会不存在")
    return row


def record_audit(
    conn: Connection,
    caller: Caller,
    committee_id: int,
    audited_on: date,
    auditor: str,
    result: str,
    findings: str | None,
) -> int:
    """Record a committee's term audit (换届审计)."""
    c = _committee(conn, caller.scope, committee_id)
    errors = []
    if not 2 <= len((auditor or "").strip()) <= 100:
        errors.append(FieldError("auditor", "请填写审计机构名称（2–100 字）"))
    if result not in AUDIT_RESULTS:
        errors.append(FieldError("result", "审计结论应为无问题、存在问题或存在严重问题"))
    if audited_on > clock.today():
        errors.append(FieldError("audited_on", "审计日期不能晚于今天"))
    elif audited_on < c.term_starts_on:
        errors.append(FieldError("audited_on", "审计日期不能早于任期开始"))
    if result != "clean" and not (findings or "").strip():
        errors.append(FieldError("findings", "审计发现问题时须填写问题说明"))
    if errors:
        raise ValidationError("换届审计信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    tid = conn.execute(
        estates_term_audits.insert()
        .values(
            committee_id=committee_id,
            audited_on=audited_on,
            auditor=auditor.strip(),
            result=result,
            findings=(findings or "").strip() or None,
            recorded_by=caller.account_id,
            recorded_at=clock.now(),
        )
        .returning(t_.id)
    ).scalar_one()
    return int(tid)


def add_negative(
    conn: Connection,
    caller: Caller,
    committee_id: int,
    kind: str,
    occurred_on: date,
    note: str | None,
    member_id: int | None = None,
) -> int:
    """List a committee (or one of its members) on the negative list."""
    _committee(conn, caller.scope, committee_id)
    k = negative_kinds().get(kind)
    if k is None:
        raise ValidationError.of("kind", "不是负面清单所列的情形")
    if member_id is not None:
        if conn.execute(select(m_.id).where(m_.id == member_id, m_.committee_id == committee_id)).first() is None:
            raise ValidationError.of("member_id", "该业主委员会没有这名委员")
        if k.applies_to == "committee":
            raise ValidationError.of("kind", "该情形只适用于业主委员会，不适用于个人")
    elif k.applies_to == "member":
        raise ValidationError.of("member_id", "该情形须指明委员")
    if occurred_on > clock.today():
        raise ValidationError.of("occurred_on", "发生日期不能晚于今天")
    nid = conn.execute(
        estates_negative_items.insert()
        .values(
            committee_id=committee_id,
            member_id=member_id,
            kind=kind,
            occurred_on=occurred_on,
            note=(note or "").strip()[:500] or None,
            cleared_on=None,
            recorded_by=caller.account_id,
            recorded_at=clock.now(),
        )
        .returning(n_.id)
    ).scalar_one()
    return int(nid)


def clear_negative(conn: Connection, caller: Caller, item_id: int, cleared_on: date) -> int:
    """Clear (整改完成) a negative-list item; returns its committee."""
    row = conn.execute(select(estates_negative_items).where(n_.id == item_id)).first()
    if row is None:
        raise NotFound("负面清单事项不存在")
    c = _committee(conn, caller.scope, int(row.committee_id))
    if row.cleared_on is not None:
        raise Conflict("该事项已消除", [FieldError("cleared_on", "已消除")])
    if cleared_on < row.occurred_on or cleared_on > clock.today():
        raise ValidationError.of("cleared_on", "消除日期应在发生日期和今天之间")
    conn.execute(estates_negative_items.update().where(n_.id == item_id).values(cleared_on=cleared_on))
    return int(c.id)


# ------------------------------------------------------------------------------------------- reads


class AssemblyRow(TypedDict):
    id: int
    estate_id: int
    estate_name: str
    filing_no: str
    established_on: date
    street_code: str
    committee_id: int | None
    term_starts_on: date | None
    term_ends_on: date | None
    members: int
    open_negative: int


def list_assemblies(
    conn: Connection, scope: Scope, *, q: str | None = None, limit: int, offset: int
) -> Page[AssemblyRow]:
    """Assemblies in scope with their active committee, its size and its open negative-list items."""
    e = registry.estates.c
    members = (
        select(m_.committee_id, func.count().label("n"))
        .where(m_.left_on.is_(None))
        .group_by(m_.committee_id)
        .subquery()
    )
    neg = (
        select(n_.committee_id, func.count().label("n"))
        .where(n_.cleared_on.is_(None))
        .group_by(n_.committee_id)
        .subquery()
    )
    active = select(estates_committees).where(c_.status == "active").subquery()
    conds = [*scope.where(a_.street_code)]
    if q:
        conds.append(registry.estates.c.name.contains(q.strip()) | a_.filing_no.contains(q.strip()))
    stmt = (
        select(
            estates_assemblies,
            e.name.label("estate_name"),
            active.c.id.label("committee_id"),
            active.c.term_starts_on,
            active.c.term_ends_on,
            func.coalesce(members.c.n, 0).label("members"),
            func.coalesce(neg.c.n, 0).label("open_negative"),
        )
        .select_from(
            estates_assemblies.join(registry.estates, e.id == a_.estate_id)
            .outerjoin(active, active.c.assembly_id == a_.id)
            .outerjoin(members, members.c.committee_id == active.c.id)
            .outerjoin(neg, neg.c.committee_id == active.c.id)
        )
        .where(*conds)
        .order_by(a_.street_code, e.name, a_.id)
    )

    def row(r: Any) -> AssemblyRow:
        return AssemblyRow(
            id=int(r.id),
            estate_id=int(r.estate_id),
            estate_name=r.estate_name,
            filing_no=r.filing_no,
            established_on=r.established_on,
            street_code=r.street_code,
            committee_id=r.committee_id,
            term_starts_on=r.term_starts_on,
            term_ends_on=r.term_ends_on,
            members=int(r.members),
            open_negative=int(r.open_negative),
        )

    return fetch_page(conn, stmt, limit=limit, offset=offset, row=row)


class AssemblyHead(TypedDict):
    id: int
    estate_id: int
    estate_name: str
    filing_no: str
    street_code: str


def get_assembly(conn: Connection, scope: Scope, assembly_id: int) -> AssemblyHead:
    e = registry.estates.c
    r = conn.execute(
        select(a_.id, a_.estate_id, a_.filing_no, a_.street_code, e.name)
        .join(registry.estates, e.id == a_.estate_id)
        .where(a_.id == assembly_id)
    ).first()
    if r is None:
        raise NotFound("业主大会不存在")
    scope.require(r.street_code, "业主大会不存在")
    return AssemblyHead(
        id=int(r.id), estate_id=int(r.estate_id), estate_name=r.name, filing_no=r.filing_no, street_code=r.street_code
    )


class MemberView(TypedDict):
    id: int
    name: str  # masked
    position: str
    position_label: str
    house_code: str
    left_on: date | None


class AuditView(TypedDict):
    id: int
    audited_on: date
    auditor: str
    result: str
    result_label: str
    findings: str | None


class NegativeView(TypedDict):
    id: int
    member_id: int | None
    kind: str
    kind_label: str
    occurred_on: date
    note: str | None
    cleared_on: date | None


class CommitteeView(TypedDict):
    id: int
    assembly_id: int
    estate_id: int
    estate_name: str
    filing_no: str
    term_starts_on: date
    term_ends_on: date
    status: str
    status_label: str
    street_code: str
    members: list[MemberView]
    audits: list[AuditView]
    negative: list[NegativeView]
    synthetic: bool


def committee_view(conn: Connection, kr: Keyring, committee_id: int) -> CommitteeView:
    """A committee with its members (names masked), term audits and negative-list items."""
    e = registry.estates.c
    c = conn.execute(
        select(estates_committees, e.name.label("estate_name"), a_.filing_no)
        .join(registry.estates, e.id == c_.estate_id)
        .join(estates_assemblies, a_.id == c_.assembly_id)
        .where(c_.id == committee_id)
    ).first()
    if c is None:
        raise NotFound("业主委员会不存在")
    h = registry.homes.c
    members = conn.execute(
        select(m_.id, m_.name_enc, m_.position, m_.left_on, h.house_code)
        .join(registry.homes, h.id == m_.home_id)
        .where(m_.committee_id == committee_id)
        .order_by(m_.id)
    ).all()
    order = list(POSITIONS)
    kinds = negative_kinds()
    return CommitteeView(
        id=int(c.id),
        assembly_id=int(c.assembly_id),
        estate_id=int(c.estate_id),
        estate_name=c.estate_name,
        filing_no=c.filing_no,
        term_starts_on=c.term_starts_on,
        term_ends_on=c.term_ends_on,
        status=c.status,
        status_label=COMMITTEE_STATUSES.get(c.status, c.status),
        street_code=c.street_code,
        members=sorted(
            (
                MemberView(
                    id=int(m.id),
                    name=mask_name(kr.decrypt(m.name_enc, MEMBER_NAME)),
                    position=m.position,
                    position_label=POSITIONS[m.position],
                    house_code=m.house_code,
                    left_on=m.left_on,
                )
                for m in members
            ),
            key=lambda m: (order.index(m["position"]), m["id"]),
        ),
        audits=[
            AuditView(
                id=int(t.id),
                audited_on=t.audited_on,
                auditor=t.auditor,
                result=t.result,
                result_label=AUDIT_RESULTS[t.result],
                findings=t.findings,
            )
            for t in conn.execute(
                select(estates_term_audits).where(t_.committee_id == committee_id).order_by(t_.audited_on)
            )
        ],
        negative=[
            NegativeView(
                id=int(n.id),
                member_id=n.member_id,
                kind=n.kind,
                kind_label=kinds[n.kind].label if n.kind in kinds else n.kind,
                occurred_on=n.occurred_on,
                note=n.note,
                cleared_on=n.cleared_on,
            )
            for n in conn.execute(
                select(estates_negative_items)
                .where(n_.committee_id == committee_id)
                .order_by(n_.occurred_on.desc(), n_.id)
            )
        ],
        synthetic=c.created_by is None,
    )


def get_committee(conn: Connection, kr: Keyring, scope: Scope, committee_id: int) -> CommitteeView:
    _committee(conn, scope, committee_id)
    return committee_view(conn, kr, committee_id)


class MyEstate(TypedDict):
    estate_id: int
    estate_name: str
    homes: int
    committee: CommitteeView | None


def my_estates(conn: Connection, kr: Keyring, owner_bidx: str) -> list[MyEstate]:
    """The estates where the owner (blind index) holds homes today, with each one's active committee."""
    o, h, e = registry.home_owners.c, registry.homes.c, registry.estates.c
    rows = conn.execute(
        select(e.id, e.name, func.count(func.distinct(h.id)).label("homes"))
        .select_from(
            registry.home_owners.join(registry.homes, h.id == o.home_id).join(registry.estates, e.id == h.estate_id)
        )
        .where(o.owner_bidx == owner_bidx, registry.owned_on(clock.today()))
        .group_by(e.id, e.name)
        .order_by(e.name)
    ).all()
    if not rows:
        return []
    active = dict(
        conn.execute(
            select(c_.estate_id, func.max(c_.id))
            .where(c_.estate_id.in_([int(r.id) for r in rows]), c_.status == "active")
            .group_by(c_.estate_id)
        ).all()
    )
    return [
        MyEstate(
            estate_id=int(r.id),
            estate_name=r.name,
            homes=int(r.homes),
            committee=committee_view(conn, kr, int(active[r.id])) if r.id in active else None,
        )
        for r in rows
    ]
