"""The exchange's web adapters: HTML pages (``pages*``)."""

from anju.exchange.http.pages_outbox import router as _outbox
from anju.web.routing import Mount

ROUTERS = (Mount.pages(_outbox),)
