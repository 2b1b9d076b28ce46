"""Inspections (检查) of the rental market: a supervisor records what was inspected (a lease, listing,
home or party), the outcome and the violations found, which become credit events; reads are scoped by
street. The subjects and violations are shared with complaints (:mod:`anju.rental.governance`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.registry import homes
from anju.rental import credit_events, domain, governance
from anju.rental.tables import (
    rental_inspections,
    rental_parties,
    rental_violations,
)
from anju.security import Caller, Keyring

# --------------------------------------------------------------------------------------- inspections


@dataclass(frozen=True)
class InspectionIn:
    target_kind: str  # party | home | listing
    findings: str
    inspected_on: date | None = None
    party_id: int | None = None
    listing_id: int | None = None
    house_code: str | None = None
    violations: Sequence[governance.ViolationIn] = field(default_factory=tuple)


def record_inspection(conn: Connection, kr: Keyring, caller: Caller, cmd: InspectionIn) -> int:
    """Record an inspection of a party, a home or a listing in the caller's scope, with its findings; each
    violation found becomes a credit event of whoever answers for the target."""
    errors: list[FieldError] = []
    refs: dict[str, tuple[int | str | None, str]] = {
        "party": (cmd.party_id, "party_id"),
        "listing": (cmd.listing_id, "listing_id"),
        "home": (cmd.house_code, "house_code"),
    }
    t: governance.Target | None = None
    if cmd.target_kind not in refs:
        errors.append(FieldError("target_kind", "应为 party、home 或 listing"))
    else:
        ref, fld = refs[cmd.target_kind]
        try:
            t = governance.target_of(conn, cmd.target_kind, ref, fld)
        except ValidationError as e:
            errors.extend(e.errors)
    if t is not None and not caller.scope.allows(t.street_code):
        ref, fld = refs[cmd.target_kind]
        errors.append(
            FieldError(fld, {"party": "没有这个租赁主体", "listing": "没有这个房源"}.get(t.kind, "没有这个房屋代码"))
        )
        t = None
    findings = (cmd.findings or "").strip()
    if not findings or len(findings) > 5000:
        errors.append(FieldError("findings", "须填写检查情况（1–5000 个字符）"))
    on = cmd.inspected_on or clock.today()
    if on > clock.today():
        errors.append(FieldError("inspected_on", "不能晚于今天"))
    if len(cmd.violations) > 20:
        errors.append(FieldError("violations", "一次最多记录 20 项违规"))
    errors.extend(governance.check_violations(cmd.violations, "violations"))
    if errors:
        raise ValidationError("检查记录有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    assert t is not None
    now = clock.now()
    iid = None
    for _ in range(3):
        try:
            with conn.begin_nested():
                number = governance.next_number(conn, rental_inspections.c.inspection_no, "JC", now)
                iid = conn.execute(
                    rental_inspections.insert()
                    .values(
                        inspection_no=number,
                        target_kind=t.kind,
                        party_id=t.party_id,
                        home_id=t.home_id,
                        listing_id=t.listing_id,
                        district_code=t.district_code,
                        street_code=t.street_code,
                        inspected_on=on,
                        findings=findings,
                        outcome="violation" if cmd.violations else "compliant",
                        inspector_account_id=caller.account_id,
                        recorded_at=now,
                    )
                    .returning(rental_inspections.c.id)
                ).scalar_one()
            break
        except IntegrityError:
            continue
    if iid is None:
        raise Conflict("检查编号分配冲突，请重试")
    governance.record_violations(conn, kr, t, cmd.violations, on, reference=number, inspection_id=int(iid))
    if not cmd.violations and t.party_id is not None:
        # nothing found at a party (or its listing): good conduct of the party (a private owner's home
        # or listing found clean is no conduct of a filed party: nothing is recorded)
        credit_events.clean_inspection(conn, kr, t.party_id, on, number, int(iid))
    return int(iid)


@dataclass(frozen=True)
class InspectionFilter:
    target_kind: str | None = None
    outcome: str | None = None
    street: str | None = None
    party_id: int | None = None


class InspectionSummary(TypedDict):
    """An inspection as listed."""

    id: int
    inspection_no: str
    target_kind: str
    target_label: str
    party_id: int | None
    home_id: int | None
    listing_id: int | None
    house_code: str | None
    party_name: str | None
    district_code: str
    street_code: str
    inspected_on: date
    outcome: str
    outcome_label: str
    recorded_at: datetime


class ViolationView(TypedDict):
    """A violation found by an inspection (each one a credit event)."""

    kind: str
    kind_label: str
    severity: str
    severity_label: str
    description: str
    subject_kind: str
    occurred_on: date
    credit_event_id: int


class InspectionDetail(InspectionSummary):
    findings: str
    violations: list[ViolationView]


def _inspection_out(r: Any) -> InspectionSummary:
    return {
        "id": int(r.id),
        "inspection_no": r.inspection_no,
        "target_kind": r.target_kind,
        "target_label": domain.INSPECTION_TARGETS[r.target_kind],
        "party_id": r.party_id,
        "home_id": r.home_id,
        "listing_id": r.listing_id,
        "house_code": r.house_code,
        "party_name": r.party_name,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "inspected_on": r.inspected_on,
        "outcome": r.outcome,
        "outcome_label": "发现违规" if r.outcome == "violation" else "未发现违规",
        "recorded_at": r.recorded_at,
    }


def _inspection_query() -> Any:
    return (
        select(rental_inspections, homes.c.house_code, rental_parties.c.name.label("party_name"))
        .outerjoin(homes, homes.c.id == rental_inspections.c.home_id)
        .outerjoin(rental_parties, rental_parties.c.id == rental_inspections.c.party_id)
    )


def list_inspections(
    conn: Connection, f: InspectionFilter, *, scope: Scope, limit: int, offset: int
) -> Page[InspectionSummary]:
    conds: list[Any] = list(scope.where(rental_inspections.c.street_code))
    if f.target_kind:
        conds.append(rental_inspections.c.target_kind == f.target_kind)
    if f.outcome:
        conds.append(rental_inspections.c.outcome == f.outcome)
    if f.street:
        conds.append(rental_inspections.c.street_code == f.street)
    if f.party_id:
        conds.append(rental_inspections.c.party_id == f.party_id)
    stmt = (
        _inspection_query()
        .where(*conds)
        .order_by(rental_inspections.c.inspected_on.desc(), rental_inspections.c.id.desc())
    )
    count_stmt = select(rental_inspections.c.id).where(*conds)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_inspection_out, count_stmt=count_stmt)


def get_inspection(conn: Connection, scope: Scope, inspection_id: int) -> InspectionDetail:
    r = conn.execute(_inspection_query().where(rental_inspections.c.id == inspection_id)).first()
    missing = f"检查记录 {inspection_id} 不存在"
    if r is None:
        raise NotFound(missing)
    scope.require(r.street_code, missing)
    return {
        **_inspection_out(r),
        "findings": r.findings,
        "violations": [
            {
                "kind": x.kind,
                "kind_label": domain.VIOLATION_KINDS.get(x.kind, (x.kind, ""))[0],
                "severity": x.severity,
                "severity_label": domain.SEVERITY_LABELS.get(x.severity, x.severity),
                "description": x.description,
                "subject_kind": x.subject_kind,
                "occurred_on": x.occurred_on,
                "credit_event_id": int(x.credit_event_id),
            }
            for x in conn.execute(
                select(rental_violations)
                .where(rental_violations.c.inspection_id == inspection_id)
                .order_by(rental_violations.c.id)
            )
        ],
    }
