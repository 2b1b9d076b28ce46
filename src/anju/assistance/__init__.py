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

__all__ = [
    "AppStatus",
    "ApplicationIn",
    "Decision",
    "Kind",
    "MemberIn",
    "Policy",
    "check_all",
    "check_many",
    "domain",
    "evaluate",
    "load_policies",
    "load_programmes",
    "sample_policy_path",
]
