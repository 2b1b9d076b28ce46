"""How a context hands its routers to the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter

#: The prefix of every REST route.
API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Mount:
    """One router of a context and where it is mounted: REST routers under :data:`API_PREFIX`, pages
    at the root."""

    router: APIRouter
    prefix: str = ""

    @classmethod
    def api(cls, router: APIRouter) -> Mount:
        return cls(router, API_PREFIX)

    @classmethod
    def pages(cls, router: APIRouter) -> Mount:
        return cls(router, "")
