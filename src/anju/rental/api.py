"""REST routes of rental supervision (``/api/v1/rental``): the section routers, gathered in one place."""

from __future__ import annotations

from fastapi import APIRouter

from anju.web.schemas import ERRORS

router = APIRouter(prefix="/rental", tags=["rental"], responses=ERRORS)  # type: ignore[arg-type]

# Each section adds its router here (parties, listings, leases, escrow, guidance, governance).
