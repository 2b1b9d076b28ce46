"""New-home transactions' web adapters: REST routes (``api``), HTML pages (``pages``; the developer's
staff in ``pages_sales``, the bureau's filing forms in ``pages_filings``), REST models (``schemas``)
and the policies (``deps``); existing-home resale in ``api_resale`` / ``pages_resale``."""

from anju.transactions.http.api import router as _api
from anju.transactions.http.api_funds import router as _funds_api
from anju.transactions.http.api_resale import router as _api_resale
from anju.transactions.http.api_resale_funds import router as _api_resale_funds
from anju.transactions.http.pages import router as _pages
from anju.transactions.http.pages_filings import router as _filings
from anju.transactions.http.pages_funds import router as _funds_pages
from anju.transactions.http.pages_resale import router as _resale
from anju.transactions.http.pages_resale_agency import router as _resale_agency
from anju.transactions.http.pages_resale_funds import router as _resale_funds
from anju.transactions.http.pages_sales import router as _sales
from anju.transactions.http.pages_sales_funds import router as _sales_funds
from anju.web.routing import Mount

ROUTERS = (
    Mount.api(_api),
    Mount.api(_funds_api),
    Mount.pages(_pages),
    Mount.pages(_sales),
    Mount.pages(_sales_funds),
    Mount.pages(_filings),
    Mount.pages(_funds_pages),
    Mount.api(_api_resale),
    Mount.api(_api_resale_funds),
    Mount.pages(_resale),
    Mount.pages(_resale_agency),
    Mount.pages(_resale_funds),
)
