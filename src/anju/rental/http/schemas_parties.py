"""Request and response shapes of filed parties, practitioners, entrustments and home flags."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from anju.rental import entrustments, home_flags, parties


class PartyIn(BaseModel):
    kind: Literal["enterprise", "agency"] = Field(description="enterprise 住房租赁企业 / agency 房地产经纪机构")
    credit_code: str = Field(max_length=24, description="统一社会信用代码（须与本账户所属机构一致）")
    name: str = Field(max_length=100, description="名称")
    business_scope: str = Field(max_length=2000, description="经营范围")
    registered_capital_fen: int = Field(description="注册资本（分，> 0）")
    legal_rep_name: str = Field(max_length=40, description="法定代表人姓名")
    legal_rep_id: str = Field(max_length=20, description="法定代表人居民身份证号码")
    address: str = Field(max_length=200, description="住所")
    street_code: str = Field(max_length=12, description="住所所在街道（镇）代码")
    escrow_bank: str | None = Field(None, max_length=60, description="资金监管银行（住房租赁企业必填）")
    escrow_account_no: str | None = Field(None, max_length=40, description="资金监管账号（住房租赁企业必填）")

    def command(self) -> parties.PartyIn:
        return parties.PartyIn(**self.model_dump())


class ActionOut(BaseModel):
    action: str
    action_label: str
    from_status: str | None
    to_status: str
    reason: str | None
    at: datetime
    credit_event_id: int | None


class PartyOut(BaseModel):
    id: int
    party_no: str = Field(description="备案编号")
    kind: str
    kind_label: str
    credit_code: str
    name: str
    registered_capital_fen: int
    legal_rep_name: str = Field(description="脱敏")
    legal_rep_id: str = Field(description="脱敏")
    district_code: str
    street_code: str
    status: str
    status_label: str
    status_reason: str | None
    filed_at: datetime
    updated_at: datetime


class PartyDetail(PartyOut):
    business_scope: str
    escrow_bank: str | None
    escrow_account_no: str | None
    address: str
    practitioners_active: int
    actions: list[ActionOut]


class SuperviseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200, description="理由（记入信用记录和审计）")


class StatusOut(BaseModel):
    id: int
    status: str


class PractitionerIn(BaseModel):
    name: str = Field(max_length=40)
    id_number: str = Field(max_length=20, description="居民身份证号码")
    practice_no: str = Field(max_length=24, description="从业（执业）编号，全市唯一")
    position: Literal["broker", "assistant", "manager", "staff"] = Field(
        description="broker 经纪人 / assistant 经纪人协理 / manager 管理人员 / staff 业务人员"
    )
    joined_on: date | None = Field(None, description="入职日期（默认今天）")

    def command(self) -> parties.PractitionerIn:
        return parties.PractitionerIn(**self.model_dump())


class PractitionerOut(BaseModel):
    id: int
    party_id: int
    practice_no: str
    name: str = Field(description="脱敏")
    id_number: str = Field(description="脱敏")
    position: str
    position_label: str
    status: str
    status_label: str
    joined_on: date
    left_on: date | None
    record: list[dict[str, Any]] = Field(description="执业记录")


class LeftIn(BaseModel):
    left_on: date | None = Field(None, description="离职日期（默认今天）")


class RecordIn(BaseModel):
    kind: Literal["training", "award", "warning", "note"]
    text: str = Field(min_length=1, max_length=200)


class EntrustmentIn(BaseModel):
    house_code: str = Field(max_length=23, description="房屋代码")
    room_code: str | None = Field(None, max_length=26, description="房间代码（只委托一间时）")
    agent_username: str | None = Field(None, max_length=40, description="受托人账户名（个人）")
    agent_credit_code: str | None = Field(None, max_length=24, description="受托机构统一社会信用代码（已备案）")
    valid_from: date
    valid_to: date

    def command(self) -> entrustments.EntrustmentIn:
        return entrustments.EntrustmentIn(**self.model_dump())


class EntrustmentOut(BaseModel):
    id: int
    side: Literal["owner", "agent"] = Field(description="owner 我委托的 / agent 委托给我的")
    house_code: str
    address: str | None
    room_code: str | None
    room_name: str | None
    street_code: str
    agent_username: str | None
    agent_party_name: str | None
    agent_credit_code: str | None
    valid_from: date
    valid_to: date
    state: str
    state_label: str
    revoked_at: datetime | None
    created_at: datetime


class FlagIn(BaseModel):
    house_code: str = Field(max_length=23)
    kind: Literal["seized", "unsafe", "disputed", "other"] = Field(description="seized 查封 / unsafe 危房 / …")
    source: Literal["court", "registry", "safety", "supervisor"]
    reason: str = Field(min_length=1, max_length=200)
    since: date | None = Field(None, description="起始日期（默认今天）")
    until: date | None = Field(None, description="截止日期（为空：直至解除）")

    def command(self) -> home_flags.FlagIn:
        return home_flags.FlagIn(**self.model_dump())


class FlagOut(BaseModel):
    id: int
    home_id: int
    house_code: str
    street_code: str
    kind: str
    kind_label: str
    source: str
    source_label: str
    reason: str
    since: date
    until: date | None
    lifted_at: datetime | None
    in_force: bool
    recorded_at: datetime


class Created(BaseModel):
    id: int
