"""Housing assistance and talent housing: programmes, applications, eligibility, review, lottery, allocation, tracking.

Other contexts use only what this module exports. The exports are loaded on first use, so importing
:mod:`anju.assistance.lottery` (the stand-alone verifier, standard library only) loads nothing else.

The life of an application: drafted and documented (:mod:`.applying`), checked (:mod:`.eligibility`)
and reviewed (:mod:`.review`); an approved application of a home programme waits on the waiting list
(:mod:`.waitlist`), is drawn (:mod:`.drawing`, with :mod:`.lottery`), selects a home
(:mod:`.selection`), contracts and moves in (:mod:`.tenancy`) and is tracked (:mod:`.tracking`);
subsidy programmes pay monthly (:mod:`.subsidies`). Reads of applications are in :mod:`.queries`,
the figures against the plan in :mod:`.figures`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anju.assistance import domain
    from anju.assistance.applying import ApplicationIn, MemberIn, add_document, create_draft
    from anju.assistance.catalogue import load_programmes
    from anju.assistance.domain import AppStatus, Kind, Policy, evaluate, load_policies, sample_policy_path
    from anju.assistance.drawing import freeze_draw, run_draw
    from anju.assistance.eligibility import check_all, check_many
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

#: Exported name → the module of this package that defines it.
_EXPORTS: dict[str, str] = {
    "AppStatus": "domain",
    "Kind": "domain",
    "Policy": "domain",
    "evaluate": "domain",
    "load_policies": "domain",
    "sample_policy_path": "domain",
    "ApplicationIn": "applying",
    "MemberIn": "applying",
    "add_document": "applying",
    "create_draft": "applying",
    "Decision": "review",
    "object_to": "review",
    "submit": "review",
    "check_all": "eligibility",
    "check_many": "eligibility",
    "load_programmes": "catalogue",
    "freeze_draw": "drawing",
    "run_draw": "drawing",
    "select_home": "selection",
    "contract": "tenancy",
    "make_assisted": "tenancy",
    "open_case": "tracking",
    "allocations": "tables",
    "application_members": "tables",
    "application_steps": "tables",
    "applications": "tables",
    "assisted_homes": "tables",
    "benefits": "tables",
    "draw_candidates": "tables",
    "draws": "tables",
    "objections": "tables",
    "programme_editions": "tables",
}


def __getattr__(name: str) -> Any:
    if name == "domain":
        return importlib.import_module("anju.assistance.domain")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"anju.assistance.{module}"), name)
    globals()[name] = value
    return value


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
    "domain",
    "draw_candidates",
    "draws",
    "evaluate",
    "freeze_draw",
    "load_policies",
    "load_programmes",
    "make_assisted",
    "object_to",
    "objections",
    "open_case",
    "programme_editions",
    "run_draw",
    "sample_policy_path",
    "select_home",
    "submit",
]
