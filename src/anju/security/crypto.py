"""Personal-data cryptography: SM4-GCM encryption at rest and HMAC-SM3 blind indexes.

* Encryption: SM4 (GB/T 32907) in GCM mode (authenticated), a fresh 96-bit nonce per value, the
  column's name as associated data so a ciphertext cannot be moved to another column unnoticed.
  Blob layout: ``0x01 ‖ key id (2 bytes, big-endian) ‖ nonce (12) ‖ ciphertext ‖ tag (16)``.
* Blind index: HMAC-SM3 (GB/T 32905) over ``kind ‖ 0x00 ‖ normalised value`` with a separate key,
  for exact look-up without decrypting. It reveals equality only.
* Keys come from settings (``ANJU_DATA_KEYS``, ``ANJU_DATA_KEY_ACTIVE``, ``ANJU_INDEX_KEY``). Outside
  production, missing keys are generated once into ``data_dir/secrets.json`` (mode 0600) so the demo
  runs; production refuses to start without them. Several data keys may be configured: values are
  decrypted with the key named in their blob and re-encrypted with the active key by
  :func:`anju.security.keys.rotate_keys`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from anju.core.settings import Settings

VERSION = 1
NONCE = 12
TAG = 16
HEADER = 3


class KeyError_(Exception):  # noqa: N801 - distinct from the builtin KeyError
    """A configuration problem with the keys (message in Chinese, names the setting)."""


class DecryptError(Exception):
    """A value could not be decrypted: unknown key, wrong column, or tampered bytes."""


def sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


@dataclass(frozen=True)
class Keyring:
    keys: dict[int, bytes]
    active: int
    index_key: bytes

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise KeyError_(f"ANJU_DATA_KEY_ACTIVE={self.active} 不在 ANJU_DATA_KEYS 中")
        for kid, k in self.keys.items():
            if len(k) != 16:
                raise KeyError_(f"ANJU_DATA_KEYS 中编号 {kid} 的密钥必须是 16 字节（32 个十六进制字符）")
            if not 0 < kid < 65536:
                raise KeyError_("ANJU_DATA_KEYS 的密钥编号应在 1–65535 之间")
        if len(self.index_key) < 16:
            raise KeyError_("ANJU_INDEX_KEY 至少 16 字节（32 个十六进制字符）")

    def encrypt(self, value: str, column: str) -> bytes:
        header = bytes([VERSION]) + self.active.to_bytes(2, "big")
        nonce = os.urandom(NONCE)
        enc = Cipher(algorithms.SM4(self.keys[self.active]), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(header + column.encode())
        ct = enc.update(value.encode("utf-8")) + enc.finalize()
        return header + nonce + ct + enc.tag

    def decrypt(self, blob: bytes, column: str) -> str:
        blob = bytes(blob)
        if len(blob) < HEADER + NONCE + TAG or blob[0] != VERSION:
            raise DecryptError("unknown ciphertext format")
        kid = int.from_bytes(blob[1:3], "big")
        key = self.keys.get(kid)
        if key is None:
            raise DecryptError(f"data key {kid} is not configured")
        nonce, ct, tag = blob[HEADER : HEADER + NONCE], blob[HEADER + NONCE : -TAG], blob[-TAG:]
        dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        dec.authenticate_additional_data(blob[:HEADER] + column.encode())
        try:
            return (dec.update(ct) + dec.finalize()).decode("utf-8")
        except InvalidTag:
            raise DecryptError("authentication failed") from None

    @staticmethod
    def key_id(blob: bytes) -> int:
        return int.from_bytes(bytes(blob)[1:3], "big")

    def blind_index(self, value: str, kind: str) -> str:
        msg = kind.encode() + b"\x00" + normalise(value).encode("utf-8")
        return hmac.new(self.index_key, msg, "sm3").hexdigest()

    def blind_indexer(self, kind: str) -> Callable[[str], str]:
        """:meth:`blind_index` of one ``kind`` for many values (the keyed state is set up once)."""
        base = hmac.new(self.index_key, kind.encode() + b"\x00", "sm3")

        def index(value: str) -> str:
            h = base.copy()
            h.update(normalise(value).encode("utf-8"))
            return h.hexdigest()

        return index


def normalise(value: str) -> str:
    """The form a blind index is computed over: trimmed, no inner spaces, upper case (ID 'x' → 'X')."""
    return "".join(value.split()).upper()


def _parse_keys(text: str) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        kid, sep, hexkey = part.strip().partition(":")
        if not sep or not kid.isdigit():
            raise KeyError_("ANJU_DATA_KEYS 的格式应为 编号:十六进制密钥,编号:十六进制密钥")
        try:
            out[int(kid)] = bytes.fromhex(hexkey)
        except ValueError:
            raise KeyError_(f"ANJU_DATA_KEYS 中编号 {kid} 的密钥不是十六进制") from None
    if not out:
        raise KeyError_("ANJU_DATA_KEYS 为空")
    return out


def secrets_path(settings: Settings) -> Path:
    return settings.data_dir / "secrets.json"


def load_or_create_secrets(settings: Settings) -> dict[str, str]:
    """Development/test only: the generated secrets of this data folder (created on first use)."""
    path = secrets_path(settings)
    if path.exists():
        data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    else:
        data = {}
    changed = False
    for name, size in (("data_keys", 16), ("index_key", 32), ("ledger_signing_key", 32)):
        if name not in data:
            data[name] = f"1:{secrets.token_hex(size)}" if name == "data_keys" else secrets.token_hex(size)
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
    return data


def keyring_from_settings(settings: Settings) -> Keyring:
    keys_text = settings.data_keys.get_secret_value() if settings.data_keys else ""
    index_text = settings.index_key.get_secret_value() if settings.index_key else ""
    if not keys_text or not index_text:
        if settings.environment == "production":
            raise KeyError_("生产环境必须设置 ANJU_DATA_KEYS 与 ANJU_INDEX_KEY")
        generated = load_or_create_secrets(settings)
        keys_text = keys_text or generated["data_keys"]
        index_text = index_text or generated["index_key"]
    keys = _parse_keys(keys_text)
    try:
        index_key = bytes.fromhex(index_text)
    except ValueError:
        raise KeyError_("ANJU_INDEX_KEY 不是十六进制") from None
    return Keyring(keys, settings.data_key_active or max(keys), index_key)


def development_secret(settings: Settings, name: str) -> str | None:
    """A generated secret of this data folder (development only: tests and production configure theirs)."""
    if settings.environment != "development":
        return None
    return load_or_create_secrets(settings).get(name)


def ledger_signing_seed(settings: Settings) -> str | None:
    """The verifiable log's signing key seed (hex): ``ANJU_LEDGER_SIGNING_KEY``, in development the data
    folder's generated one, else None (``ledger.signer_from_seed`` then answers 503)."""
    key = settings.ledger_signing_key
    return key.get_secret_value() if key else development_secret(settings, "ledger_signing_key")
