"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

RenewalRead = Annotated[Caller, allow("renewal.read")]
RenewalManage = Annotated[Caller, allow("renewal.manage")]
