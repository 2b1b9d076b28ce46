"""The address context's web adapters."""

from anju.addresses.http.api import router as _api
from anju.addresses.http.pages import router as _pages
from anju.web.routing import Mount

ROUTERS = (Mount.api(_api), Mount.pages(_pages))
