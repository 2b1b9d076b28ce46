"""Housing assistance and talent housing: programmes, applications, eligibility, review, lottery, allocation, tracking.

Other contexts use only what this module exports.
"""

from anju.assistance import domain
from anju.assistance.domain import AppStatus, Kind, Policy, evaluate, load_policies, sample_policy_path
from anju.assistance.services import (
    ApplicationIn,
    Decision,
    MemberIn,
    check_all,
    check_many,
    load_programmes,
)
from anju.assistance.tables import (
    allocations,
    application_members,
    application_steps,
    applications,
    assisted_homes,
    benefits,
    draw_candidates,
    draws,
    objections,
    programme_editions,
)

__all__ = [
    "AppStatus",
    "ApplicationIn",
    "Decision",
    "Kind",
    "MemberIn",
    "Policy",
    "allocations",
    "application_members",
    "application_steps",
    "applications",
    "assisted_homes",
    "benefits",
    "check_all",
    "check_many",
    "domain",
    "draw_candidates",
    "draws",
    "evaluate",
    "load_policies",
    "load_programmes",
    "objections",
    "programme_editions",
    "sample_policy_path",
]
