"""Pydantic models of the divisions REST API."""

from __future__ import annotations

from pydantic import BaseModel


class DivisionOut(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    managing_code: str | None
    centroid_lon: float | None
    centroid_lat: float | None
    geometry_source: str | None
    synthetic: bool
