"""The indicator dictionary's web adapters: the public REST routes and pages of the definitions."""

from anju.indicators.http import api, pages
from anju.web.routing import Mount

ROUTERS: tuple[Mount, ...] = (Mount.api(api.router), Mount.pages(pages.router))
