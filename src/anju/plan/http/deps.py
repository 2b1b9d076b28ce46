"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

PlanRead = Annotated[Caller, allow("plan.read")]
PlanReport = Annotated[Caller, allow("plan.report")]
