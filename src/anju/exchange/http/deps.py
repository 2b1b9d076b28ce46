"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

ExchangeRead = Annotated[Caller, allow("exchange.read")]
ExchangeFeed = Annotated[Caller, allow("exchange.feed")]
ExchangeReplay = Annotated[Caller, allow("exchange.replay")]
ExchangeGovern = Annotated[Caller, allow("exchange.govern")]
ExchangeSubscribe = Annotated[Caller, allow("exchange.subscribe")]
