"""Pages of rental supervision (``/rental/…``) for tenants, landlords, enterprises/agencies and supervisors.

The section page routers are gathered here.
"""

from __future__ import annotations

from fastapi import APIRouter

from anju.rental.pages_escrow import router as _escrow
from anju.rental.pages_governance import router as _governance
from anju.rental.pages_guidance import router as _guidance
from anju.rental.pages_leases import router as _leases
from anju.rental.pages_listings import router as _listings
from anju.rental.pages_parties import router as _parties

router = APIRouter(include_in_schema=False)
for _section in (_guidance, _listings, _leases, _parties, _governance, _escrow):
    router.include_router(_section)
