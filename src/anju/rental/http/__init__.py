"""Rental supervision's web adapters."""

from anju.rental.api import router as _api
from anju.rental.pages import router as _pages
from anju.web.routing import Mount

ROUTERS = (Mount.api(_api), Mount.pages(_pages))
