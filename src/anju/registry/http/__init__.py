"""The register's web adapters: the REST API, imports and exports, and the 楼盘表 pages."""

from anju.registry.http import api, api_imports, pages, pages_imports
from anju.web.routing import Mount

ROUTERS = (
    Mount.api(api.router),
    Mount.api(api_imports.router),
    Mount.pages(pages.router),
    Mount.pages(pages_imports.router),
)
