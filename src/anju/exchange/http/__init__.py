"""The exchange's web adapters: REST routes (``api``), HTML pages (``pages``), REST models (``schemas``)."""

from anju.exchange.http.api import router as _api
from anju.exchange.http.pages import router as _pages
from anju.web.routing import Mount

ROUTERS = (Mount.api(_api), Mount.pages(_pages))
