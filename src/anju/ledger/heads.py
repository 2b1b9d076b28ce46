"""Tree heads and their signatures.

A tree head states "log L, hashed with A, had ``size`` entries and this root at this time". Its
canonical bytes are the compact, key-sorted JSON of those five fields in UTF-8
(:func:`anju.ledger.verify.head_bytes`); the log signs them with Ed25519 and publishes its public key.

Why Ed25519 and not SM2: the ``cryptography`` library (our one cryptography dependency) has no SM2,
and SM2 signatures from a hand-written curve implementation are not something to ship. Signing goes
through the :class:`Signer` interface, so an SM2 signer (e.g. backed by a hardware security module
certified for the national algorithms) can be added without touching the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypedDict

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from anju.core.errors import AnjuError
from anju.ledger.verify import SIGNATURE_ALGORITHM, check_head, head_bytes

SETTING = "ANJU_LEDGER_SIGNING_KEY"


class SigningKeyMissing(AnjuError):
    """The log cannot sign: no key is configured (the server's configuration, not the request)."""

    status_code = 503
    code = "not_configured"


class Signer(Protocol):
    """Signs tree heads. ``algorithm`` names the signature scheme (``ed25519``)."""

    @property
    def algorithm(self) -> str: ...

    @property
    def public_key_hex(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


class Ed25519Signer:
    algorithm = SIGNATURE_ALGORITHM

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self._public = raw.hex()

    @classmethod
    def from_seed_hex(cls, seed_hex: str) -> Ed25519Signer:
        try:
            seed = bytes.fromhex(seed_hex.strip())
        except ValueError:
            raise AnjuError(f"{SETTING} 必须是 64 个十六进制字符（32 字节的 Ed25519 私钥种子）") from None
        if len(seed) != 32:
            raise AnjuError(f"{SETTING} 必须是 32 字节的 Ed25519 私钥种子（64 个十六进制字符），实为 {len(seed)} 字节")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def generate(cls) -> tuple[str, Ed25519Signer]:
        """A new random key: returns its seed (hex, for the setting) and the signer."""
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return seed.hex(), cls(key)

    @property
    def public_key_hex(self) -> str:
        return self._public

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def signer_from_seed(seed_hex: str | None) -> Signer:
    """The log's signer from the configured seed; a clear error when none is configured."""
    if not seed_hex:
        raise SigningKeyMissing(f"未配置日志签名私钥：请设置 {SETTING}（可用 `anju ledger keygen` 生成）")
    return Ed25519Signer.from_seed_hex(seed_hex)


def published_key(seed_hex: str | None) -> str | None:
    """The public key (hex) that verifies the heads signed with ``seed_hex``, None without a key: what
    pages publish for the citizens' in-browser check (docs/ledger.md, "In the browser: 核验")."""
    return signer_from_seed(seed_hex).public_key_hex if seed_hex else None


def head_timestamp(ts: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. ``2026-06-30T08:00:00.123+00:00``."""
    if ts.tzinfo is None:
        raise ValueError("naive datetime refused")
    return ts.astimezone(UTC).isoformat(timespec="milliseconds")


class HeadFields(TypedDict):
    """The signed fields of a tree head (see :func:`anju.ledger.verify.head_bytes`)."""

    algorithm: str
    log: str
    root: str
    size: int
    timestamp: str  # head_timestamp: ISO 8601, UTC, milliseconds


class SignedHeadFields(HeadFields):
    """The published form of a signed tree head."""

    signature_algorithm: str
    public_key: str
    signature: str


@dataclass(frozen=True)
class TreeHead:
    log: str
    algorithm: str
    size: int
    root: str  # lowercase hex
    timestamp: datetime

    def fields(self) -> HeadFields:
        return {
            "algorithm": self.algorithm,
            "log": self.log,
            "root": self.root,
            "size": self.size,
            "timestamp": head_timestamp(self.timestamp),
        }

    def canonical_bytes(self) -> bytes:
        return head_bytes(self.fields())


@dataclass(frozen=True)
class SignedTreeHead:
    head: TreeHead
    signature_algorithm: str
    public_key: str  # hex
    signature: str  # hex

    def as_dict(self) -> SignedHeadFields:
        """The published form: the signed fields plus signature, its algorithm and the public key."""
        return SignedHeadFields(
            **self.head.fields(),
            signature_algorithm=self.signature_algorithm,
            public_key=self.public_key,
            signature=self.signature,
        )

    def verify(self, public_key_hex: str) -> bool:
        return check_head(self.as_dict(), public_key_hex) is None


def sign(head: TreeHead, signer: Signer) -> SignedTreeHead:
    signature = signer.sign(head.canonical_bytes())
    return SignedTreeHead(head, signer.algorithm, signer.public_key_hex, signature.hex())
