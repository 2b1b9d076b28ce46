"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

ExchangeGovern = Annotated[Caller, allow("exchange.govern")]
ExchangeRead = Annotated[Caller, allow("exchange.read")]
