"""The estates context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.estates import domain
from anju.estates.http import (
    api_fund,
    api_overview,
    api_owners,
    api_quality,
    api_services,
    api_spending,
    pages_fund,
    pages_overview,
    pages_owners,
    pages_quality,
    pages_services,
    pages_spending,
)
from anju.web.routing import Mount

#: The one synthetic-data label every estates template shows.
TEMPLATE_GLOBALS = {"estates_synthetic_label": domain.SYNTHETIC_LABEL}

ROUTERS: tuple[Mount, ...] = (
    Mount.api(api_overview.router),
    Mount.pages(pages_overview.router),
    Mount.api(api_fund.router),
    Mount.pages(pages_fund.router),
    Mount.api(api_spending.router),
    Mount.pages(pages_spending.router),
    Mount.api(api_services.router),
    Mount.pages(pages_services.router),
    Mount.api(api_quality.router),
    Mount.pages(pages_quality.router),
    Mount.api(api_owners.router),
    Mount.pages(pages_owners.router),
)
