"""The register's web adapters: the REST API, imports and exports, and the 楼盘表 pages."""

from anju.registry import api_imports as _imports
from anju.registry.api import router as _api
from anju.registry.pages import router as _pages
from anju.web.routing import Mount

ROUTERS = (Mount.api(_api), Mount.api(_imports.router), Mount.pages(_pages), Mount.pages(_imports.pages))
