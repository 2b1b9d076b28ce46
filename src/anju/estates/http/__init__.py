"""The estates context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.estates import domain
from anju.estates.http import api_overview, pages_overview
from anju.estates.http.api_owners import router as api_owners_router
from anju.estates.http.pages_owners import router as pages_owners_router
from anju.web.routing import Mount

#: The one synthetic-data label every estates template shows.
TEMPLATE_GLOBALS = {"estates_synthetic_label": domain.SYNTHETIC_LABEL}

ROUTERS: tuple[Mount, ...] = (
    Mount.api(api_overview.router),
    Mount.pages(pages_overview.router),
    Mount.api(api_owners_router),
    Mount.pages(pages_owners_router),
)
