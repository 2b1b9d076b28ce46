"""The credit context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.credit.http import api_inspections, pages_inspections
from anju.web.routing import Mount

ROUTERS: tuple[Mount, ...] = (
    # random inspections (双随机)
    Mount.api(api_inspections.router),
    Mount.pages(pages_inspections.router),
)
