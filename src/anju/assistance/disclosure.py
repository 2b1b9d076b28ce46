"""What the applicant is shown of an eligibility check: per rule pass / fail / pending (待成员授权),
and the requirement (the programme's published threshold) — never the figures the check used.

The check's full explanation (every rule with its inputs: owned floor area, the programmes members
benefit from, incomes, credit records) is for staff review only (:mod:`anju.assistance.queries`).
Shown to the applicant, those figures made the self-check an oracle on other people's property and
benefits (issue 17, finding 2; docs/assistance.md). The applicant's own declared incomes stay on
the member table they typed them into; the check's verdicts name rules, not numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, TypedDict

from sqlalchemy import Connection, select

from anju.assistance import domain
from anju.assistance.consent import MemberConsent, household_consents
from anju.assistance.queries import (
    ApplicationSummary,
    DocumentView,
    MemberView,
    ObjectionView,
    StepView,
    get_application,
)
from anju.assistance.tables import applications
from anju.core.scope import Scope
from anju.security import Keyring

RuleStatus = Literal["pass", "fail", "pending"]
Outcome = Literal["eligible", "ineligible", "pending"]

RESULT_LABELS: dict[str, str] = {"pass": "符合", "fail": "不符合", "pending": "待成员授权"}
OUTCOME_LABELS: dict[str, str] = {
    "eligible": "符合申请条件",
    "ineligible": "不符合申请条件",
    "pending": "尚待家庭成员授权：授权后方可核验涉及其住房、保障和信用信息的条件",
}


class RuleView(TypedDict):
    """One rule as the applicant sees it: no inputs, no figures."""

    code: str
    name: str
    requirement: str
    result: RuleStatus
    result_label: str


class SelfCheck(TypedDict):
    """An eligibility check as the applicant sees it."""

    outcome: Outcome
    outcome_label: str
    policy: dict[str, Any]
    rules: list[RuleView]


def _status(rule: Mapping[str, Any]) -> RuleStatus:
    if rule.get("pending"):
        return "pending"
    return "pass" if rule.get("passed") else "fail"


def for_applicant(result: Mapping[str, Any]) -> SelfCheck:
    """An eligibility explanation (``Eligibility.to_json`` or the stored one) without its figures."""
    rules: list[RuleView] = []
    for r in result.get("rules", []):
        st = _status(r)
        rules.append(
            {
                "code": str(r["code"]),
                "name": str(r["name"]),
                "requirement": str(r["requirement"]),
                "result": st,
                "result_label": RESULT_LABELS[st],
            }
        )
    results = {r["result"] for r in rules}
    outcome: Outcome = "ineligible" if "fail" in results else "pending" if "pending" in results else "eligible"
    pol = result.get("policy") or {}
    return {
        "outcome": outcome,
        "outcome_label": OUTCOME_LABELS[outcome],
        "policy": {"code": pol.get("code"), "edition": pol.get("edition")},
        "rules": rules,
    }


def of(e: domain.Eligibility) -> SelfCheck:
    result: dict[str, Any] = json.loads(e.to_json())
    return for_applicant(result)


def refusal(e: domain.Eligibility) -> tuple[str, list[tuple[str, str]]]:
    """Why a submission is refused, naming each failed (or pending) rule and its published requirement
    only: (message, [(field, reason)])."""
    out = [(f"eligibility.{r.code}", f"不符合「{r.name}」（要求：{r.requirement}）") for r in e.failed] + [
        (f"eligibility.{r.code}", f"「{r.name}」{domain.PENDING_REASON}") for r in e.pending
    ]
    return "不符合申请条件：" + "；".join(reason for _, reason in out), out


class ApplicantDetail(ApplicationSummary):
    """One's own application as the applicant sees it: the check without figures, consents."""

    priority_name: str | None
    members: list[MemberView]
    industry: str | None
    employer: str | None
    housing_status: str
    edition_id: int
    eligibility: SelfCheck | None
    consents: list[MemberConsent]
    documents: list[DocumentView]
    steps: list[StepView]
    objections: list[ObjectionView]
    checked_at: datetime | None


def applicant_detail(conn: Connection, kr: Keyring, app_id: int, *, scope: Scope) -> ApplicantDetail:
    """``queries.get_application`` for the applicant: the stored explanation without its figures and
    each member's consent state."""
    full = get_application(conn, kr, app_id, scope=scope)
    stored = full["eligibility"]
    checked_at = conn.execute(select(applications.c.checked_at).where(applications.c.id == app_id)).scalar()
    return {
        "id": full["id"],
        "app_no": full["app_no"],
        "programme_code": full["programme_code"],
        "programme_name": full["programme_name"],
        "status": full["status"],
        "status_label": full["status_label"],
        "level": full["level"],
        "due_at": full["due_at"],
        "priority_class": full["priority_class"],
        "household_size": full["household_size"],
        "talent_tier": full["talent_tier"],
        "district_code": full["district_code"],
        "street_code": full["street_code"],
        "eligible": full["eligible"],
        "submitted_at": full["submitted_at"],
        "notice_until": full["notice_until"],
        "decided_at": full["decided_at"],
        "updated_at": full["updated_at"],
        "version": full["version"],
        "priority_name": full["priority_name"],
        "members": full["members"],
        "industry": full["industry"],
        "employer": full["employer"],
        "housing_status": full["housing_status"],
        "edition_id": full["edition_id"],
        "eligibility": for_applicant(stored) if stored else None,
        "consents": household_consents(conn, kr, app_id),
        "documents": full["documents"],
        "steps": full["steps"],
        "objections": full["objections"],
        "checked_at": checked_at,
    }
