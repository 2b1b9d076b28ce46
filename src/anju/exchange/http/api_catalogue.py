"""REST routes of the exchange: the data catalogue in DCAT (JSON-LD)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from anju.exchange import catalogue
from anju.security import Public
from anju.web.deps import SettingsDep

router = APIRouter(tags=["exchange"])


@router.get(
    "/exchange/catalogue",
    operation_id="get_exchange_catalogue",
    response_class=JSONResponse,
    responses={200: {"content": {"application/ld+json": {}}, "description": "a dcat:Catalog in JSON-LD"}},
)
def get_catalogue(request: Request, caller: Public, settings: SettingsDep) -> JSONResponse:
    """The data catalogue as a ``dcat:Catalog`` (JSON-LD): anonymous callers and callers without
    ``exchange.read`` see the public datasets (and those offered to their role); ``exchange.read``
    sees every dataset."""
    base = settings.exchange_catalogue_base_url or str(request.base_url)  # a stable @id when configured
    doc: Any = catalogue.catalogue_dcat(catalogue.visible(caller), base)
    return JSONResponse(doc, media_type="application/ld+json")
