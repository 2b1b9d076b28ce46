"""The map's web adapters: its JSON API, the vector tiles and the map page."""

from anju.map import api as _api
from anju.map.pages import router as _pages
from anju.web.routing import Mount

ROUTERS = (Mount.api(_api.api), Mount.pages(_api.router), Mount.pages(_pages))
