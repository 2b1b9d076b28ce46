"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

RentalGuidance = Annotated[Caller, allow("rental.guidance")]
RentalHandle = Annotated[Caller, allow("rental.handle")]
RentalParty = Annotated[Caller, allow("rental.party")]
RentalPublish = Annotated[Caller, allow("rental.publish")]
RentalRead = Annotated[Caller, allow("rental.read")]
RentalSign = Annotated[Caller, allow("rental.sign")]
RentalSupervise = Annotated[Caller, allow("rental.supervise")]
