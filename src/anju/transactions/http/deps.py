"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

TxRead = Annotated[Caller, allow("transactions.read")]
TxManage = Annotated[Caller, allow("transactions.manage")]
TxSell = Annotated[Caller, allow("transactions.sell")]
TxBuy = Annotated[Caller, allow("transactions.buy")]
