"""The divisions context's web adapters."""

from anju.divisions.http.api import router as _api
from anju.web.routing import Mount

ROUTERS = (Mount.api(_api),)
