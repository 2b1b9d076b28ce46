"""Request and response shapes of the lease API (``/api/v1/rental/me/leases``, ``/rental/leases``,
``/rental/public/filings``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from anju.rental import leases

Cycle = Literal["monthly", "quarterly", "half_year", "yearly"]


class LeaseBody(BaseModel):
    """A new lease, drafted by the landlord side on a verified listing or directly on an owned home."""

    listing_id: int | None = Field(None, ge=1, le=2**62, description="已核验（已发布）的房源；或给出 home_id")
    home_id: int | None = Field(None, ge=1, le=2**62, description="不经房源、直接出租的自有（受托）房屋")
    room_id: int | None = Field(None, ge=1, le=2**62, description="分间出租时的房间")
    tenant_name: str = Field(max_length=40, description="承租人姓名")
    tenant_id_number: str = Field(max_length=20, description="承租人居民身份证号码")
    tenant_username: str | None = Field(None, max_length=40, description="承租人的平台账户（可不填）")
    start_on: date = Field(description="租期开始日期")
    end_on: date = Field(description="租期最后一天（含）")
    rent_fen: int = Field(ge=-(2**62), le=2**62, description="月租金（分）")
    deposit_fen: int = Field(0, ge=-(2**62), le=2**62, description="押金（分）")
    payment_cycle: Cycle = Field("monthly", description="支付周期")
    occupants: int = Field(1, ge=-1000, le=1000, description="居住人数")
    use: str = Field("居住", max_length=16, description="房屋用途")
    extra_clauses: list[str] = Field(default_factory=list, max_length=50, description="补充条款")

    def command(self) -> leases.LeaseIn:
        return leases.LeaseIn(**self.model_dump())


class Created(BaseModel):
    id: int
    lease_no: str
    status: str


class LeaseOut(BaseModel):
    id: int
    lease_no: str
    filing_no: str | None
    home_id: int
    room_id: int | None
    house_code: str
    address: str
    district_code: str
    street_code: str
    landlord_kind: str
    landlord_name: str = Field(description="出租人（个人姓名已脱敏；企业为名称）")
    tenant_name: str = Field(description="承租人姓名（脱敏）")
    start_on: date
    end_on: date
    rent_fen: int
    deposit_fen: int
    payment_cycle: str
    status: str
    status_label: str
    landlord_signed_at: datetime | None
    tenant_signed_at: datetime | None
    filed_at: datetime | None
    ended_on: date | None
    amendments: int
    escrow_required: bool


class Clause(BaseModel):
    title: str
    text: str


class EventOut(BaseModel):
    kind: str
    at: datetime
    detail: dict[str, Any]
    ledger_index: int | None


class LeaseDetail(LeaseOut):
    estate: str
    floor: int | None
    room_name: str | None
    district_name: str
    street_name: str
    landlord_party_no: str | None
    tenant_id_masked: str
    area: Decimal | None
    bedrooms: int | None
    use: str
    occupants: int
    cycle_label: str
    extra_clauses: list[str]
    pending_amendment: dict[str, Any] | None
    pending_cancel: dict[str, Any] | None
    amendment_history: list[dict[str, Any]]
    model_clauses: list[Clause]
    end_reason: str | None
    renews_lease_id: int | None
    listing_id: int | None
    side: str | None = Field(description="调用者在合同中的身份：landlord 或 tenant（工作人员为空）")
    created_at: datetime
    events: list[EventOut]


class SignOut(BaseModel):
    id: int
    status: str


class FiledOut(BaseModel):
    id: int
    lease_no: str
    filing_no: str
    status: str
    filed_at: datetime
    ledger_index: int = Field(description="备案事件在可验证日志 rental 中的叶子序号")


class RenewBody(BaseModel):
    end_on: date = Field(description="续租合同的租期最后一天")
    rent_fen: int | None = Field(None, ge=-(2**62), le=2**62, description="新的月租金（默认不变）")
    deposit_fen: int | None = Field(None, ge=-(2**62), le=2**62)
    payment_cycle: Cycle | None = None


class AmendBody(BaseModel):
    """A change both parties must send identically (the first proposes, the other agrees)."""

    rent_fen: int | None = Field(None, ge=-(2**62), le=2**62, description="新的月租金")
    end_on: date | None = Field(None, description="新的租期最后一天")
    extra_clauses: list[str] | None = Field(None, max_length=50, description="新的补充条款（整体替换）")
    effective_on: date | None = Field(None, description="变更生效日期")

    def command(self) -> leases.AmendIn:
        return leases.AmendIn(**self.model_dump())


class AmendOut(BaseModel):
    id: int
    result: Literal["proposed", "amended"]


class TerminateBody(BaseModel):
    ended_on: date = Field(description="合同终止日期（最后一天）")
    reason: str = Field(max_length=200, description="解除原因")


class CancelBody(BaseModel):
    reason: str = Field(max_length=200, description="注销原因")


class CancelOut(BaseModel):
    id: int
    result: Literal["requested", "cancelled"]


class PublicFiling(BaseModel):
    """What anyone may verify of a filing (the QR code on the contract leads here)."""

    filing_no: str
    lease_no: str
    status: str
    status_label: str
    district_name: str
    street_name: str
    estate: str
    mode: str
    start_on: date
    end_on: date
    ended_on: date | None
    rent_fen: int
    filed_at: datetime | None
    amendments: int
    landlord_name: str
    tenant_name: str
