"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

AddressLink = Annotated[Caller, allow("address.link")]
AddressParse = Annotated[Caller, allow("address.parse")]
AddressRead = Annotated[Caller, allow("address.read")]
AddressReview = Annotated[Caller, allow("address.review")]
