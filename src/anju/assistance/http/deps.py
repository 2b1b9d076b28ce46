"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

AssistanceAllocate = Annotated[Caller, allow("assistance.allocate")]
AssistanceApply = Annotated[Caller, allow("assistance.apply")]
AssistanceObject = Annotated[Caller, allow("assistance.object")]
AssistanceRead = Annotated[Caller, allow("assistance.read")]
AssistanceReview = Annotated[Caller, allow("assistance.review")]
