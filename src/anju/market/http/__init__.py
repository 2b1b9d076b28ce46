"""The market context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.market import domain
from anju.market.health_queries import describe_inputs, indicator_label
from anju.market.http import (
    api_dashboard,
    api_health,
    api_indices,
    api_land,
    api_public,
    api_runs,
    pages_dashboard,
    pages_health,
    pages_indices,
    pages_land,
    pages_public,
)
from anju.web.routing import Mount

#: The one synthetic-data label every market template shows (``market/_synthetic.html``).
TEMPLATE_GLOBALS = {
    "market_synthetic_label": domain.SYNTHETIC_LABEL,
    "market_synthetic_tag": domain.SYNTHETIC_TAG,
    "indicator_label": indicator_label,
    "describe_inputs": describe_inputs,
}

ROUTERS: tuple[Mount, ...] = (
    Mount.api(api_runs.router),
    Mount.api(api_land.router),
    Mount.api(api_health.router),
    Mount.api(api_dashboard.router),
    Mount.api(api_public.router),
    Mount.api(api_indices.router),
    Mount.pages(pages_land.router),
    Mount.pages(pages_health.router),
    Mount.pages(pages_dashboard.router),
    Mount.pages(pages_public.router),
    Mount.pages(pages_indices.router),
)
