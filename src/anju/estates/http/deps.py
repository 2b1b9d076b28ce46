"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

EstatesRead = Annotated[Caller, allow("estates.read")]
EstatesSupervise = Annotated[Caller, allow("estates.supervise")]
EstatesApprove = Annotated[Caller, allow("estates.approve")]
EstatesFund = Annotated[Caller, allow("estates.fund")]
EstatesOwn = Annotated[Caller, allow("estates.own")]
EstatesCompany = Annotated[Caller, allow("estates.company")]
