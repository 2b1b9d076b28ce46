"""The exchange's web adapters: REST routes (``api*``) and HTML pages and downloads (``pages*``)."""

from anju.exchange.http.api import router as _api
from anju.exchange.http.pages import router as _pages
from anju.exchange.http.pages_retention import router as _retention
from anju.web.routing import Mount

ROUTERS = (Mount.api(_api), Mount.pages(_pages), Mount.pages(_retention))
