"""The renewal context's web adapters: REST routes (``api``) and HTML pages (``pages_*``)."""

from anju.renewal import domain
from anju.renewal.http import api, pages_figures, pages_projects
from anju.web.routing import Mount

#: The one synthetic-data label every renewal template shows.
TEMPLATE_GLOBALS = {"renewal_synthetic_label": domain.SYNTHETIC_LABEL}

ROUTERS: tuple[Mount, ...] = (
    Mount.api(api.router),
    Mount.pages(pages_figures.router),
    Mount.pages(pages_projects.router),
)
