"""The security context's web adapters: the account and audit API and the sign-in pages."""

from anju.security import ROLE_LABELS
from anju.security.http.api import router as _api
from anju.security.http.client_pages import router as _client_pages
from anju.security.http.jobs import api as _jobs_api
from anju.security.http.jobs import pages as _jobs_pages
from anju.security.http.oauth import api as _clients_api
from anju.security.http.oauth import token_router as _token
from anju.security.http.pages import router as _pages
from anju.security.vocabulary import action_label, entity_label, permission_label
from anju.web.routing import Mount

ROUTERS = (
    Mount.api(_api),
    Mount.pages(_pages),
    Mount.api(_jobs_api),
    Mount.pages(_jobs_pages),
    Mount.pages(_client_pages),
    Mount.pages(_token),
    Mount.api(_clients_api),
)

#: Names every page's template may use (the web kit knows no context).
TEMPLATE_GLOBALS = {
    "ROLE_LABELS": ROLE_LABELS,
    "action_label": action_label,
    "entity_label": entity_label,
    "permission_label": permission_label,
}
