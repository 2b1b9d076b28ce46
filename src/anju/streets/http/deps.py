"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

StreetsRead = Annotated[Caller, allow("streets.read")]
StreetsLoad = Annotated[Caller, allow("streets.load")]
