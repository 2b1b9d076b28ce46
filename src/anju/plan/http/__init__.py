"""The plan context's web adapters: REST routes (``api``) and HTML pages (``pages``)."""

from anju.plan.http import api, pages
from anju.web.routing import Mount

ROUTERS: tuple[Mount, ...] = (
    Mount.api(api.router),
    Mount.pages(pages.router),
)
