"""API shapes of the security context. Personal values appear here only masked, except in RevealOut."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from anju.security.domain import Role


class TokenIn(BaseModel):
    username: str = Field(min_length=1, max_length=40, description="用户名")
    password: str = Field(min_length=1, max_length=128, description="密码")
    totp: str | None = Field(None, max_length=10, description="动态口令（工作人员必填）")


class TokenOut(BaseModel):
    token: str = Field(description="Bearer 令牌：放在 Authorization: Bearer … 请求头中")
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name, not a secret
    expires_at: datetime


class RegisterIn(BaseModel):
    username: str = Field(min_length=3, max_length=40, description="用户名（小写字母开头）")
    password: str = Field(min_length=1, max_length=128, description="密码")
    name: str = Field(min_length=1, max_length=40, description="姓名")
    id_number: str = Field(min_length=1, max_length=20, description="居民身份证号码")
    phone: str = Field(min_length=1, max_length=20, description="手机号码")
    role: Literal["citizen", "landlord"] = Field("citizen", description="账户类型：市民或房东")
    division_code: str | None = Field(None, max_length=12, description="常住区（可选）")


class AccountIn(BaseModel):
    username: str = Field(min_length=3, max_length=40)
    password: str = Field(min_length=1, max_length=128)
    role: Role
    name: str = Field(min_length=1, max_length=40, description="姓名")
    division_code: str | None = Field(None, max_length=12, description="所属区划（工作人员必填）")
    id_number: str | None = Field(None, max_length=20, description="居民身份证号码")
    phone: str | None = Field(None, max_length=20, description="手机号码")
    org_code: str | None = Field(None, max_length=18, description="企业统一社会信用代码（企业人员必填）")


class RegisterOut(BaseModel):
    """The one answer to a well-formed registration: it does not say whether an account was opened."""

    message: str


class AccountOut(BaseModel):
    id: int
    username: str
    role: str
    division_code: str | None
    org_code: str | None
    name: str = Field(description="姓名（脱敏）")
    id_number: str | None = Field(description="证件号码（脱敏）")
    phone: str | None = Field(description="手机号码（脱敏）")
    identity_verified: bool = Field(description="已实名认证（工作人员：由本局登记）")
    phone_confirmed: bool = Field(description="手机号码已通过验证码验证")
    totp_enrolled: bool
    locked: bool
    disabled: bool
    created_at: datetime


class CreatedOut(BaseModel):
    account: AccountOut
    totp_secret: str | None = Field(description="动态口令密钥，仅显示这一次")
    totp_uri: str | None = Field(description="otpauth:// 地址，可生成二维码供验证器扫描")


class MeOut(BaseModel):
    account: AccountOut
    permissions: list[str]
    scope_level: str
    scope_code: str


class PasswordIn(BaseModel):
    old_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class LookupIn(BaseModel):
    id_number: str | None = Field(None, max_length=20, description="居民身份证号码（精确查找）")
    phone: str | None = Field(None, max_length=20, description="手机号码（精确查找）")


class RevealIn(BaseModel):
    fields: list[Literal["name", "id_number", "phone"]] = Field(min_length=1, max_length=3)
    reason: str = Field(min_length=1, max_length=200, description="查看事由（必填，将记入审计）")


class RevealOut(BaseModel):
    name: str | None = None
    id_number: str | None = None
    phone: str | None = None


class RoleIn(BaseModel):
    role: Role
    division_code: str | None = Field(None, max_length=12)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200, description="事由")


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor: str
    role: str | None
    scope_code: str | None
    action: str
    entity: str | None
    entity_id: str | None
    outcome: str
    reason: str | None
    ip: str | None
    request_id: str | None
    detail: str | None


class IdentityStatusOut(BaseModel):
    """Where the account stands in real-name verification (values masked)."""

    applies: bool = Field(description="本账户是否须实名认证（市民、房东）")
    phone: str | None = Field(description="手机号码（脱敏）")
    phone_confirmed: bool
    id_number: str | None = Field(description="证件号码（脱敏）")
    verified: bool
    verified_at: datetime | None
    method: str | None = Field(description="认证方式：身份核验服务名称，或 staff（工作人员由本局登记）")
    next_step: Literal["phone", "identity", "done", "none"] = Field(
        description="下一步：phone 验证手机号码，identity 实名核验，done 已完成，none 无须认证"
    )


class PhoneCodeOut(BaseModel):
    expires_at: datetime
    message: str


class PhoneCodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=12, description="短信验证码（6 位数字）")
