"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

AccountsManage = Annotated[Caller, allow("accounts.manage")]
AuditRead = Annotated[Caller, allow("audit.read")]
PersonalReveal = Annotated[Caller, allow("personal.reveal")]
