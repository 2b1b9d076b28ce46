"""The safety context's web adapters: REST routes (``api``) and HTML pages (``pages_*``)."""

from anju.safety import domain
from anju.web.routing import Mount

#: The one synthetic-data label every safety template shows.
TEMPLATE_GLOBALS = {"safety_synthetic_label": domain.SYNTHETIC_LABEL}

ROUTERS: tuple[Mount, ...] = ()
