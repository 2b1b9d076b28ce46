"""Housing assistance and talent housing: programmes, applications, eligibility, review, lottery, allocation, tracking.

Other contexts use only what this module exports. The exports are loaded on first use, so importing
the package stays cheap (``anju lottery verify`` needs only :mod:`anju.core.lottery`, standard library).

The life of an application: drafted and documented (:mod:`.applying`), checked (:mod:`.eligibility`)
and reviewed (:mod:`.review`); an approved application of a home programme waits on the waiting list
(:mod:`.waitlist`), is drawn (:mod:`.drawing`, with :mod:`anju.core.lottery`), selects a home
(:mod:`.selection`), contracts and moves in (:mod:`.tenancy`) and is tracked (:mod:`.tracking`);
subsidy programmes pay monthly (:mod:`.subsidies`). Reads of applications are in :mod:`.queries`,
the figures against the plan in :mod:`.figures`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anju.core.lazy import lazy_exports

if TYPE_CHECKING:
    from anju.assistance import domain
    from anju.assistance.applying import ApplicationIn, MemberIn, add_document, create_draft
    from anju.assistance.catalogue import load_programmes
    from anju.assistance.department_feeds import field_names as department_feed_names
    from anju.assistance.department_files import load_file as load_department_file
    from anju.assistance.domain import AppStatus, Kind, Policy, evaluate, load_policies, sample_policy_path
    from anju.assistance.drawing import freeze_draw, run_draw
    from anju.assistance.eligibility import check_all, check_many
    from anju.assistance.figures import current_benefit
    from anju.assistance.plan_targets import population_in
    from anju.assistance.retention import pseudonymise_closed
    from anju.assistance.review import Decision, object_to, submit
    from anju.assistance.selection import select_home
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
    from anju.assistance.tenancy import contract, make_assisted
    from anju.assistance.tracking import open_case

if not TYPE_CHECKING:  # type checkers read the imports above; they must not see a catch-all hook
    __getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "AppStatus",
    "ApplicationIn",
    "Decision",
    "Kind",
    "MemberIn",
    "Policy",
    "add_document",
    "allocations",
    "application_members",
    "application_steps",
    "applications",
    "assisted_homes",
    "benefits",
    "check_all",
    "check_many",
    "contract",
    "create_draft",
    "current_benefit",
    "department_feed_names",
    "domain",
    "draw_candidates",
    "draws",
    "evaluate",
    "freeze_draw",
    "load_department_file",
    "load_policies",
    "load_programmes",
    "make_assisted",
    "object_to",
    "objections",
    "open_case",
    "population_in",
    "programme_editions",
    "pseudonymise_closed",
    "run_draw",
    "sample_policy_path",
    "select_home",
    "submit",
]
