"""The map's web adapters: its JSON API, the vector tiles and the map page."""

from anju.map.http import api, pages, tiles
from anju.web.routing import Mount

ROUTERS = (Mount.api(api.router), Mount.pages(tiles.router), Mount.pages(pages.router))
