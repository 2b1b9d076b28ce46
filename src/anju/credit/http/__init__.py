"""The credit context's web adapters: REST routes (``api_*``) and HTML pages (``pages_*``)."""

from anju.credit.http import (
    api_cases,
    api_events,
    api_inspections,
    api_own,
    api_subjects,
    labels,  # noqa: F401  (installs the credit label filters)
    pages_cases,
    pages_events,
    pages_inspections,
    pages_own,
    pages_subjects,
)
from anju.web.routing import Mount

ROUTERS: tuple[Mount, ...] = (
    Mount.api(api_cases.router),
    Mount.api(api_events.router),
    Mount.api(api_inspections.router),
    Mount.api(api_own.router),
    Mount.api(api_subjects.router),
    Mount.pages(pages_cases.router),
    Mount.pages(pages_events.router),
    Mount.pages(pages_inspections.router),
    Mount.pages(pages_own.router),
    Mount.pages(pages_subjects.router),
)
