"""REST routes of rental supervision (``/api/v1/rental``): the section routers, gathered in one place."""

from __future__ import annotations

from fastapi import APIRouter

from anju.rental.http.api_escrow import router as _escrow
from anju.rental.http.api_governance import router as _governance
from anju.rental.http.api_guidance import router as _guidance
from anju.rental.http.api_leases import router as _leases
from anju.rental.http.api_listings import router as _listings
from anju.rental.http.api_parties import router as _parties
from anju.web.schemas import ERRORS

router = APIRouter(prefix="/rental", tags=["rental"], responses=ERRORS)
for _section in (_leases, _parties, _governance, _guidance, _listings, _escrow):
    router.include_router(_section)
