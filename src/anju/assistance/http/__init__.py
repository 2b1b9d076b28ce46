"""Housing assistance's web adapters: applications and review, allocation, figures."""

from anju.assistance import api_allocation as _allocation_api
from anju.assistance import pages_allocation as _allocation_pages
from anju.assistance.api import router as _api
from anju.assistance.api_figures import router as _figures_api
from anju.assistance.pages import router as _pages
from anju.assistance.pages_figures import router as _figures_pages
from anju.web.routing import Mount

ROUTERS = (
    Mount.api(_api),
    Mount.pages(_pages),
    Mount.api(_figures_api),
    Mount.pages(_figures_pages),
    Mount.api(_allocation_api.router),
    Mount.pages(_allocation_pages.router),
)
