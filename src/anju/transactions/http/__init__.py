"""New-home transactions' web adapters: REST routes (``api``), HTML pages (``pages``; the developer's
staff in ``pages_sales``, the bureau's filing forms in ``pages_filings``), REST models (``schemas``)
and the policies (``deps``)."""

from anju.transactions.http.api import router as _api
from anju.transactions.http.api_funds import router as _funds_api
from anju.transactions.http.pages import router as _pages
from anju.transactions.http.pages_filings import router as _filings
from anju.transactions.http.pages_funds import router as _funds_pages
from anju.transactions.http.pages_sales import router as _sales
from anju.web.routing import Mount

ROUTERS = (
    Mount.api(_api),
    Mount.api(_funds_api),
    Mount.pages(_pages),
    Mount.pages(_sales),
    Mount.pages(_filings),
    Mount.pages(_funds_pages),
)
