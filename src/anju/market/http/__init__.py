"""The market context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.market.http import api_health, api_runs, pages_health
from anju.web.routing import Mount

ROUTERS: tuple[Mount, ...] = (
    Mount.api(api_runs.router),
    Mount.api(api_health.router),
    Mount.pages(pages_health.router),
)
