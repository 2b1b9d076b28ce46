"""Rental supervision's web adapters: REST routes (``api*``), HTML pages (``pages*``), REST models
(``schemas*``) and HTTP-only helpers (``qr``)."""

from anju.rental.http.api import router as _api
from anju.rental.http.pages import router as _pages
from anju.web.routing import Mount

ROUTERS = (Mount.api(_api), Mount.pages(_pages))
