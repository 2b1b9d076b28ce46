"""Reading applications: the reviewers' queue and the applicant's list, one application in full, the
public notices and the log proofs of an applicant's decisions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, select

from anju import ledger
from anju.assistance import domain
from anju.assistance.catalogue import edition
from anju.assistance.common import LOG, own_application, scoped_application
from anju.assistance.tables import (
    application_documents,
    application_members,
    application_steps,
    applications,
    objections,
    programme_editions,
)
from anju.core import clock
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.security import Caller, Keyring, mask_id, mask_name


class ApplicationSummary(TypedDict):
    """An application as listed (the reviewers' queue, the applicant's list)."""

    id: int
    app_no: str
    programme_code: str
    programme_name: str | None
    status: str
    status_label: str
    level: str | None
    due_at: datetime | None
    priority_class: str | None
    household_size: int
    talent_tier: str | None
    district_code: str
    street_code: str
    eligible: bool | None
    submitted_at: datetime | None
    notice_until: datetime | None
    decided_at: datetime | None
    updated_at: datetime
    version: int


class MemberView(TypedDict):
    """A household member, masked."""

    seq: int
    relation: str
    name: str
    id_number: str
    birth_year: int
    annual_income_fen: int
    assets_fen: int
    local_hukou: bool
    hukou_years: int
    social_insurance_months: int
    employed: bool


class DocumentView(TypedDict):
    """A supporting document's metadata."""

    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class StepView(TypedDict):
    """A step of the application's history."""

    at: datetime
    actor: str
    level: str
    action: str
    from_status: str | None
    to_status: str
    reason: str | None
    ledger_index: int | None


class ObjectionView(TypedDict):
    """An objection raised during the public notice."""

    id: int
    status: str
    submitted_at: datetime
    resolution: str | None


class ApplicationDetail(ApplicationSummary):
    """One application in full: masked members, documents, steps, objections, the explanation."""

    priority_name: str | None
    members: list[MemberView]
    industry: str | None
    employer: str | None
    housing_status: str
    edition_id: int
    eligibility: dict[str, Any] | None
    documents: list[DocumentView]
    steps: list[StepView]
    objections: list[ObjectionView]


class Notice(TypedDict):
    """An application in its public notice period (number, street, household size only)."""

    id: int
    app_no: str
    programme_code: str
    street_code: str
    household_size: int
    priority_class: str | None
    notice_until: datetime | None


@dataclass(frozen=True)
class AppFilter:
    status: str | None = None
    programme: str | None = None
    level: str | None = None
    overdue: bool = False
    street: str | None = None
    app_no: str | None = None


def _summary(r: Any) -> ApplicationSummary:
    return {
        "id": int(r.id),
        "app_no": r.app_no,
        "programme_code": r.programme_code,
        "programme_name": getattr(r, "programme_name", None),
        "status": r.status,
        "status_label": domain.STATUS_LABELS[domain.AppStatus(r.status)],
        "level": r.level,
        "due_at": r.due_at,
        "priority_class": r.priority_class,
        "household_size": r.household_size,
        "talent_tier": r.talent_tier,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "eligible": r.eligible,
        "submitted_at": r.submitted_at,
        "notice_until": r.notice_until,
        "decided_at": r.decided_at,
        "updated_at": r.updated_at,
        "version": r.version,
    }


def list_applications(
    conn: Connection, f: AppFilter, *, scope: Scope, limit: int, offset: int
) -> Page[ApplicationSummary]:
    conds: list[Any] = []
    if scope.level == "own":
        conds.append(applications.c.account_id == scope.account_id)
    else:
        conds.extend(scope.where(applications.c.street_code))
    if f.status:
        conds.append(applications.c.status == f.status)
    if f.programme:
        conds.append(applications.c.programme_code == f.programme)
    if f.level:
        conds.append(applications.c.level == f.level)
    if f.street:
        conds.append(applications.c.street_code == f.street)
    if f.app_no:
        conds.append(applications.c.app_no == f.app_no)
    if f.overdue:
        conds.append(applications.c.due_at < clock.now())
    q = (
        select(applications, programme_editions.c.name.label("programme_name"))
        .join(programme_editions, programme_editions.c.id == applications.c.edition_id)
        .where(*conds)
        .order_by(applications.c.due_at.is_(None), applications.c.due_at, applications.c.id)
    )
    # counted without the join (every application has its edition): the count stays on the applications' indexes
    return fetch_page(
        conn, q, limit=limit, offset=offset, row=_summary, count_stmt=select(applications.c.id).where(*conds)
    )


def get_application(conn: Connection, kr: Keyring, app_id: int, *, scope: Scope) -> ApplicationDetail:
    """One application with masked members, documents (metadata), every step and the explanation."""
    r = scoped_application(conn, scope, app_id)
    programme_name = conn.execute(
        select(programme_editions.c.name).where(programme_editions.c.id == r.edition_id)
    ).scalar_one()
    classes = {p.code: p.name for p in edition(conn, r.edition_id).priority} | {"general": "一般家庭"}
    return {
        **_summary(r),
        "programme_name": programme_name,
        "priority_name": classes.get(r.priority_class, r.priority_class) if r.priority_class else None,
        "members": _members(conn, kr, app_id),
        "industry": r.industry,
        "employer": r.employer,
        "housing_status": r.housing_status,
        "edition_id": int(r.edition_id),
        "eligibility": json.loads(r.eligibility) if r.eligibility else None,
        "documents": _documents(conn, app_id),
        "steps": _steps(conn, app_id),
        "objections": _objections(conn, app_id),
    }


def _members(conn: Connection, kr: Keyring, app_id: int) -> list[MemberView]:
    return [
        {
            "seq": m.seq,
            "relation": m.relation,
            "name": mask_name(kr.decrypt(m.name_enc, "application_members.name")),
            "id_number": mask_id(kr.decrypt(m.id_number_enc, "application_members.id_number")),
            "birth_year": m.birth_year,
            "annual_income_fen": int(m.annual_income_fen),
            "assets_fen": int(m.assets_fen),
            "local_hukou": bool(m.local_hukou),
            "hukou_years": m.hukou_years,
            "social_insurance_months": m.social_insurance_months,
            "employed": bool(m.employed),
        }
        for m in conn.execute(
            select(application_members)
            .where(application_members.c.application_id == app_id)
            .order_by(application_members.c.seq)
        )
    ]


def _documents(conn: Connection, app_id: int) -> list[DocumentView]:
    return [
        {
            "id": int(x.id),
            "kind": x.kind,
            "filename": x.filename,
            "content_type": x.content_type,
            "size": x.size,
            "sha256": x.sha256,
            "uploaded_at": x.uploaded_at,
        }
        for x in conn.execute(
            select(
                application_documents.c.id,
                application_documents.c.kind,
                application_documents.c.filename,
                application_documents.c.content_type,
                application_documents.c.size,
                application_documents.c.sha256,
                application_documents.c.uploaded_at,
            )
            .where(application_documents.c.application_id == app_id)
            .order_by(application_documents.c.id)
        )
    ]


def _steps(conn: Connection, app_id: int) -> list[StepView]:
    return [
        {
            "at": s.at,
            "actor": s.actor,
            "level": s.level,
            "action": s.action,
            "from_status": s.from_status,
            "to_status": s.to_status,
            "reason": s.reason,
            "ledger_index": s.ledger_index,
        }
        for s in conn.execute(
            select(application_steps)
            .where(application_steps.c.application_id == app_id)
            .order_by(application_steps.c.id)
        )
    ]


def _objections(conn: Connection, app_id: int) -> list[ObjectionView]:
    return [
        {"id": int(o.id), "status": o.status, "submitted_at": o.submitted_at, "resolution": o.resolution}
        for o in conn.execute(select(objections).where(objections.c.application_id == app_id).order_by(objections.c.id))
    ]


def public_notices(conn: Connection, *, limit: int, offset: int, programme: str | None = None) -> Page[Notice]:
    """The public notice (公示): applications in their notice period, identified by number, street,
    household size and the masked applicant's name only. An application whose period has ended is not
    in notice any more, whether or not the nightly finalisation has approved it yet."""
    conds = [applications.c.status == domain.AppStatus.notice, applications.c.notice_until > clock.now()]
    if programme:
        conds.append(applications.c.programme_code == programme)
    q = select(applications).where(*conds).order_by(applications.c.notice_until, applications.c.id)
    return fetch_page(conn, q, limit=limit, offset=offset, row=_notice)


def _notice(r: Any) -> Notice:
    return {
        "id": int(r.id),
        "app_no": r.app_no,
        "programme_code": r.programme_code,
        "street_code": r.street_code,
        "household_size": r.household_size,
        "priority_class": r.priority_class,
        "notice_until": r.notice_until,
    }


class ProofItem(TypedDict):
    """A logged step of an application, its log entry and the entry's inclusion proof."""

    action: str
    at: datetime
    index: int
    entry: str
    leaf_hash: str
    proof: list[str]


class DecisionProofs(TypedDict):
    """An applicant's logged decisions, provable against the log's head at ``size``."""

    log: str
    algorithm: str
    size: int
    root: str
    items: list[ProofItem]


def decision_proofs(conn: Connection, caller: Caller, app_id: int, size: int | None = None) -> DecisionProofs:
    """For the applicant: each logged step of their own application with the log entry itself and its
    inclusion proof in the log ``assistance`` (at ``size``, default the current size), so they can check
    with the stand-alone verifier that the decision is in the published log and was not altered."""
    own_application(conn, caller, app_id)
    steps = conn.execute(
        select(application_steps.c.action, application_steps.c.at, application_steps.c.ledger_index)
        .where(application_steps.c.application_id == app_id, application_steps.c.ledger_index.is_not(None))
        .order_by(application_steps.c.id)
    ).all()
    head = ledger.tree_head(conn, LOG, size)
    items: list[ProofItem] = []
    for st in steps:
        idx = int(st.ledger_index)
        if idx >= head.size:
            continue
        e = ledger.entry(conn, LOG, idx)
        p = ledger.inclusion_proof(conn, LOG, idx, head.size)
        items.append(
            {
                "action": st.action,
                "at": st.at,
                "index": idx,
                "entry": e.data.decode("utf-8"),
                "leaf_hash": p.leaf_hash.hex(),
                "proof": [h.hex() for h in p.proof],
            }
        )
    return {"log": LOG, "algorithm": head.algorithm, "size": head.size, "root": head.root, "items": items}
