"""Estate management (物业管理与住宅专项维修资金, issue 22): property-service companies and projects,
tenders and handovers, coverage; complaints, random inspections (the credit context's draws) and
annual evaluations; owners' assemblies, committees and electronic votes under Civil Code art. 278; the
special maintenance fund on the one ledger engine (``anju.funds``, fund kind ``maintenance``). See
docs/estates.md.

Other contexts use only what this module exports.
"""

from anju.estates.domain import MAINTENANCE, MATTERS, SYNTHETIC_LABEL, Outcome, decide
from anju.estates.overview import Overview, overview

__all__ = ["MAINTENANCE", "MATTERS", "SYNTHETIC_LABEL", "Outcome", "Overview", "decide", "overview"]

# part "services"
from anju.estates.services_synth import attach_demo_company, synthetic_services

__all__ += ["attach_demo_company", "synthetic_services"]
