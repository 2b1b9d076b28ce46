"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

SafetyRead = Annotated[Caller, allow("safety.read")]
SafetySupervise = Annotated[Caller, allow("safety.supervise")]
SafetyAgencies = Annotated[Caller, allow("safety.agencies")]
