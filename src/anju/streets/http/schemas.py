"""Typed request and response shapes of the street database's REST routes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class StreetOut(BaseModel):
    code: str
    name: str
    district_code: str
    district_name: str
    year: int
    resident: int | None
    households: int | None
    jobs: int | None
    source: str | None = Field(description="所用数据的来源（多来源时取最近记录的一个）")
    synthetic: bool = Field(description="合成数据")


class SectorOut(BaseModel):
    code: str
    name: str
    jobs: int | None
    enterprises: int | None


class VersionOut(BaseModel):
    id: int
    year: int
    source: str
    resident: int | None
    registered: int | None
    households: int | None
    age_0_14: int | None
    age_15_59: int | None
    age_60_plus: int | None
    land_stock: Decimal | None = Field(description="住宅用地存量，平方米")
    land_supply: Decimal | None = Field(description="住宅用地供应，平方米")
    jobs: int | None
    enterprises: int | None
    synthetic: bool
    load_id: int
    recorded_at: datetime
    superseded_at: datetime | None


class IndicatorValueOut(BaseModel):
    code: str
    name: str
    unit: str
    year: int
    value: Decimal | None
    missing: str | None


class ProfileOut(BaseModel):
    code: str
    name: str
    district_code: str
    district_name: str
    as_of: datetime | None = Field(description="按该时点的报送口径（空：现行）")
    versions: list[VersionOut]
    industry: dict[int, list[SectorOut]]
    indicators: list[IndicatorValueOut]
    synthetic_label: str | None


class LoadOut(BaseModel):
    load_id: int
    year: int
    source: str
    rows: int
    added: int
    corrected: int
    unchanged: int
