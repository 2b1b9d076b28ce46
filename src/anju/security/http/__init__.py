"""The security context's web adapters: the account and audit API and the sign-in pages."""

from anju.security.api import router as _api
from anju.security.pages import router as _pages
from anju.web.routing import Mount

ROUTERS = (Mount.api(_api), Mount.pages(_pages))
