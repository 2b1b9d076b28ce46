"""The policies this context's routes declare: one permission per route (see anju.security.policy)."""

from typing import Annotated

from anju.security import Caller, allow

RegistryExport = Annotated[Caller, allow("registry.export")]
RegistryImport = Annotated[Caller, allow("registry.import")]
RegistryRead = Annotated[Caller, allow("registry.read")]
RegistryWrite = Annotated[Caller, allow("registry.write")]
