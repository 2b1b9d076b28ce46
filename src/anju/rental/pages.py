"""Pages of rental supervision (``/rental/…``) for tenants, landlords, enterprises/agencies and supervisors.

The section page routers are gathered here.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

# Each section adds its router here (parties, listings, leases, escrow, guidance, governance).
