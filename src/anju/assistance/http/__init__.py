"""Housing assistance's web adapters: applications and review, allocation, figures."""

from anju.assistance.http import (
    api_allocation,
    api_applications,
    api_figures,
    pages_allocation,
    pages_applications,
    pages_consents,
    pages_figures,
)
from anju.web.routing import Mount

ROUTERS = (
    Mount.api(api_applications.router),
    Mount.pages(pages_applications.router),
    Mount.pages(pages_consents.router),
    Mount.api(api_figures.router),
    Mount.pages(pages_figures.router),
    Mount.api(api_allocation.router),
    Mount.pages(pages_allocation.router),
)
