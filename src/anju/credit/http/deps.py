"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

CreditRead = Annotated[Caller, allow("credit.read")]
CreditRecord = Annotated[Caller, allow("credit.record")]
CreditDecide = Annotated[Caller, allow("credit.decide")]
CreditInspect = Annotated[Caller, allow("credit.inspect")]
CreditGovern = Annotated[Caller, allow("credit.govern")]
CreditOwn = Annotated[Caller, allow("credit.own")]
