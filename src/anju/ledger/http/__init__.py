"""The ledger's web adapters."""

from anju.ledger.http.api import router as _api
from anju.ledger.http.pages import router as _pages
from anju.web.routing import Mount

ROUTERS = (Mount.api(_api), Mount.pages(_pages))
