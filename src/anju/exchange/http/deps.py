"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

ExchangeRead = Annotated[Caller, allow("exchange.read")]
ExchangeSubscribe = Annotated[Caller, allow("exchange.subscribe")]
