"""The market context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.market.http import api_indices, api_runs, pages_indices
from anju.web.routing import Mount

ROUTERS: tuple[Mount, ...] = (
    Mount.api(api_runs.router),
    Mount.api(api_indices.router),
    Mount.pages(pages_indices.router),
)
