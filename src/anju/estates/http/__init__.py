"""The estates context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.estates import domain
from anju.estates.http import api_overview, api_quality, pages_overview, pages_quality
from anju.web.routing import Mount

#: The one synthetic-data label every estates template shows.
TEMPLATE_GLOBALS = {"estates_synthetic_label": domain.SYNTHETIC_LABEL}

ROUTERS: tuple[Mount, ...] = (
    Mount.api(api_overview.router),
    Mount.pages(pages_overview.router),
    Mount.api(api_quality.router),
    Mount.pages(pages_quality.router),
)
