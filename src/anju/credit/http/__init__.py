"""The credit context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.credit.http import api_inspections, pages_inspections
from anju.credit.http.api_cases import router as _api_cases
from anju.credit.http.api_own import router as _api_own
from anju.credit.http.pages_cases import router as _pages_cases
from anju.credit.http.pages_own import router as _pages_own
from anju.web.routing import Mount

ROUTERS: tuple[Mount, ...] = (
    # objections, repair and the subject's own file (builder "objections")
    Mount.api(_api_own),
    Mount.api(_api_cases),
    Mount.pages(_pages_own),
    Mount.pages(_pages_cases),
    # random inspections (双随机)
    Mount.api(api_inspections.router),
    Mount.pages(pages_inspections.router),
)
