"""API shapes of the verifiable log. Hashes are lowercase hex; proofs are listed bottom-up (RFC 9162)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class LogOut(BaseModel):
    name: str = Field(description="日志名，如 credit、escrow、maintenance_fund")
    algorithm: str = Field(description="哈希算法：sha256 或 sm3，创建时确定，不可更改")
    size: int = Field(description="当前记录条数（树的大小）")
    created_at: datetime = Field(description="创建时间（UTC）")


class SignedHeadOut(BaseModel):
    log: str = Field(description="日志名")
    algorithm: str = Field(description="哈希算法")
    size: int = Field(description="树的大小")
    root: str = Field(description="树根哈希（十六进制）")
    timestamp: str = Field(description="签发时间，ISO 8601，UTC；原样参与签名")
    signature_algorithm: str = Field(description="签名算法（ed25519）")
    public_key: str = Field(description="签名公钥（十六进制）；验证时应使用日志另行公布的公钥")
    signature: str = Field(
        description="对规范字节的签名（十六进制）：algorithm、log、root、size、timestamp "
        "五个字段按键排序的紧凑 JSON，UTF-8"
    )


class InclusionProofOut(BaseModel):
    log: str = Field(description="日志名")
    algorithm: str = Field(description="哈希算法")
    index: int = Field(description="叶子序号，从 0 开始")
    size: int = Field(description="证明所针对的树的大小")
    leaf_hash: str = Field(description="叶子哈希 H(0x00 ‖ 记录)")
    root: str = Field(description="该大小的树根哈希")
    proof: list[str] = Field(description="审计路径（RFC 9162 §2.1.3.1），自下而上")


class ConsistencyProofOut(BaseModel):
    log: str = Field(description="日志名")
    algorithm: str = Field(description="哈希算法")
    old_size: int = Field(description="旧树的大小")
    size: int = Field(description="新树的大小")
    old_root: str = Field(description="旧树根哈希")
    root: str = Field(description="新树根哈希")
    proof: list[str] = Field(description="一致性证明（RFC 9162 §2.1.4.1），自下而上")


class EntryOut(BaseModel):
    log: str = Field(description="日志名")
    index: int = Field(description="叶子序号，从 0 开始")
    leaf_hash: str = Field(description="叶子哈希 H(0x00 ‖ 记录)")
    data: str = Field(description="记录原文（十六进制）")
    text: str | None = Field(description="记录原文按 UTF-8 解码的文本；不是合法 UTF-8 时为 null")
