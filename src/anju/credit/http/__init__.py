"""The credit context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.credit.http.api_subjects import router as _api_subjects
from anju.credit.http.pages_subjects import router as _pages_subjects
from anju.web.routing import Mount

ROUTERS: tuple[Mount, ...] = (
    Mount.api(_api_subjects),  # builder "subjects"
    Mount.pages(_pages_subjects),  # builder "subjects"
)
