"""The credit context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.credit.http.api_events import router as _api_events
from anju.credit.http.pages_events import router as _pages_events
from anju.web.routing import Mount

ROUTERS: tuple[Mount, ...] = (
    Mount.api(_api_events),
    Mount.pages(_pages_events),
)
