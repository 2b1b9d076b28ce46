"""Pages of rent escrow (租金监管): the tenant's statement, the enterprise's accounts, supervisors' accounts."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
