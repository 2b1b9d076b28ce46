"""The ledger's web adapters."""

from anju.ledger.http.api import router as _api
from anju.web.routing import Mount

ROUTERS = (Mount.api(_api),)
