"""Request and response models of listings (房源发布与核验)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from anju.rental import listings


class ListingIn(BaseModel):
    house_code: str = Field(max_length=23, description="房屋代码（整租或分间所在房屋）")
    room_code: str | None = Field(None, max_length=26, description="房间代码（分间出租时填写）")
    title: str = Field(max_length=200)
    description: str = Field("", max_length=8000)
    area: Decimal | None = Field(None, description="出租面积（平方米）")
    bedrooms: int | None = Field(None, ge=0, le=99)
    living_rooms: int | None = Field(None, ge=0, le=99)
    floor: int | None = Field(None, ge=-20, le=300)
    rent_fen: int | None = Field(None, ge=-(10**12), le=10**12, description="月租金（分）")
    deposit_fen: int | None = Field(None, ge=-(10**12), le=10**12, description="押金（分）")
    photos: int = Field(0, ge=0, le=1000)

    def command(self) -> listings.ListingIn:
        return listings.ListingIn(**self.model_dump())


class RuleOut(BaseModel):
    name: str
    title: str
    passed: bool
    reason: str


class VerifyOut(BaseModel):
    id: int
    status: str
    failed: list[str]
    flags: list[str]
    rules: list[RuleOut]
    verify_code: str | None = None


class ReviewIn(BaseModel):
    action: str = Field(pattern="^(approve|reject)$")
    reason: str | None = Field(None, max_length=400)


class StatusOut(BaseModel):
    id: int
    status: str


class Created(BaseModel):
    id: int


class PublicListing(BaseModel):
    """What anyone may see of a listing: no owner, no lister, no personal data."""

    id: int
    listing_no: str
    mode: str
    mode_label: str
    district_code: str
    district_name: str
    street_code: str
    street_name: str
    estate_name: str
    building_name: str
    title: str
    area: Decimal | None
    bedrooms: int | None
    living_rooms: int | None
    floor: int | None
    floors_above: int | None
    rent_fen: int | None
    deposit_fen: int | None
    status: str
    status_label: str
    valid_until: datetime | None
    published_at: datetime | None
    verify_code: str | None = None
    distance_m: int | None = None


class CheckOut(PublicListing):
    code: str
    valid: bool
    verified_at: datetime | None


class ListingOut(PublicListing):
    house_code: str
    room_code: str | None = None
    description: str
    photos: int
    party_id: int | None
    lister_kind: str
    flags: list[str]
    verification: list[dict[str, Any]]
    created_at: datetime
    verified_at: datetime | None
    closed_at: datetime | None


class SearchPage(BaseModel):
    items: list[PublicListing]
    total: int = Field(description="符合条件的房源数；total_capped 为真时表示“至少这么多”")
    total_capped: bool = Field(False, description="计数在上限（10000，附近搜索 2000）处停止")
    page: int
    page_size: int
    center: tuple[float, float] | None = None
    sort: str
