"""Pages of rental supervision (``/rental/…``) for tenants, landlords, enterprises/agencies and supervisors.

The section page routers are gathered here.
"""

from __future__ import annotations

from fastapi import APIRouter

from anju.rental.http.pages_escrow import router as _escrow
from anju.rental.http.pages_flags import router as _flags
from anju.rental.http.pages_governance import router as _governance
from anju.rental.http.pages_guidance import router as _guidance
from anju.rental.http.pages_lease_changes import router as _lease_changes
from anju.rental.http.pages_leases import router as _leases
from anju.rental.http.pages_listings import router as _listings
from anju.rental.http.pages_my_listings import router as _my_listings
from anju.rental.http.pages_parties import router as _parties

router = APIRouter(include_in_schema=False)
for _section in (_guidance, _my_listings, _listings, _leases, _lease_changes, _parties, _governance, _escrow, _flags):
    router.include_router(_section)
