"""The credit context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.web.routing import Mount

ROUTERS: tuple[Mount, ...] = ()
