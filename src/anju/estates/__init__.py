"""Estate management (物业管理与住宅专项维修资金, issue 22): property-service companies and projects,
tenders and handovers, coverage; complaints, random inspections (the credit context's draws) and
annual evaluations; owners' assemblies, committees and electronic votes under Civil Code art. 278; the
special maintenance fund on the one ledger engine (``anju.funds``, fund kind ``maintenance``). See
docs/estates.md.

Other contexts use only what this module exports.
"""

from anju.estates import (
    fund_deposits,
    fund_interest,
    fund_ledger,
    fund_rules,
    fund_transfers,
    owners_close,
    owners_orgs,
    owners_votes,
)
from anju.estates.domain import MAINTENANCE, MATTERS, SYNTHETIC_LABEL, Outcome, decide
from anju.estates.layer import COVERAGE_LAYER
from anju.estates.overview import Overview, overview
from anju.estates.services_synth import attach_demo_company, synthetic_services
from anju.estates.tables import estates_fund_dues, estates_fund_transfers

__all__ = [
    "COVERAGE_LAYER",
    "MAINTENANCE",
    "MATTERS",
    "SYNTHETIC_LABEL",
    "Outcome",
    "Overview",
    "attach_demo_company",
    "decide",
    "estates_fund_dues",
    "estates_fund_transfers",
    "fund_deposits",
    "fund_interest",
    "fund_ledger",
    "fund_rules",
    "fund_transfers",
    "overview",
    "owners_close",
    "owners_orgs",
    "owners_votes",
    "synthetic_services",
]
