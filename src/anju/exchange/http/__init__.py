"""The exchange's web adapters: REST routes (``api_*``), HTML pages and downloads (``pages_*``)."""

from anju.exchange.http.api_catalogue import router as _api_catalogue
from anju.exchange.http.api_feeds import router as _api_feeds
from anju.exchange.http.pages_catalogue import router as _pages_catalogue
from anju.exchange.http.pages_feeds import router as _pages_feeds
from anju.exchange.http.pages_outbox import router as _outbox
from anju.exchange.http.pages_retention import router as _retention
from anju.web.routing import Mount

ROUTERS = (
    Mount.api(_api_feeds),
    Mount.api(_api_catalogue),
    Mount.pages(_pages_feeds),
    Mount.pages(_pages_catalogue),
    Mount.pages(_outbox),
    Mount.pages(_retention),
)
