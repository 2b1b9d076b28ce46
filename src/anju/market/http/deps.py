"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

MarketRead = Annotated[Caller, allow("market.read")]
MarketReport = Annotated[Caller, allow("market.report")]
MarketCompute = Annotated[Caller, allow("market.compute")]
MarketWarn = Annotated[Caller, allow("market.warn")]
MarketPublish = Annotated[Caller, allow("market.publish")]
