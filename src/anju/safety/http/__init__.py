"""The safety context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.safety import domain
from anju.safety.http import api_agencies, api_buildings, pages_agencies, pages_buildings
from anju.web.routing import Mount

#: The one synthetic-data label every safety template shows.
TEMPLATE_GLOBALS = {"safety_synthetic_label": domain.SYNTHETIC_LABEL}

ROUTERS: tuple[Mount, ...] = (
    Mount.api(api_agencies.router),
    Mount.pages(pages_agencies.router),
    Mount.api(api_buildings.router),
    Mount.pages(pages_buildings.router),
)
