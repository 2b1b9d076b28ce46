"""Idempotency keys (``Idempotency-Key`` header) of rental writes that clients retry: lease filing.

A key belongs to the account that sent it. The first successful answer is stored with a hash of the
request (operation, target, body); the same key with the same request gets that answer again (and
writes nothing new), the same key with a different request is refused with 422 naming the header.
A request that failed stored nothing: retrying it with the same key evaluates it again.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select

from anju.core import clock
from anju.core.dialect import insert_missing_statement
from anju.core.errors import ValidationError
from anju.rental.tables import rental_idempotency

HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


@dataclass(frozen=True)
class Stored:
    status_code: int
    response: dict[str, Any]
    replayed: bool = False  # the stored answer of an earlier request, not a new write


def check_key(key: str | None) -> str:
    """The key, if it is present and well formed (8–64 of ``A–Z a–z 0–9 . _ : -``; a UUID fits)."""
    if key is None or not key.strip():
        raise ValidationError.of(HEADER, "备案请求必须带 Idempotency-Key 请求头（建议使用 UUID）")
    if not KEY_RE.match(key):
        raise ValidationError.of(HEADER, "Idempotency-Key 应为 8–64 位字母、数字或 . _ : -")
    return key


def request_hash(operation: str, target: object, body: dict[str, Any]) -> str:
    text = json.dumps([operation, str(target), body], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


_LOOKUP = select(
    rental_idempotency.c.operation,
    rental_idempotency.c.request_hash,
    rental_idempotency.c.status_code,
    rental_idempotency.c.response,
).where(rental_idempotency.c.account_id == bindparam("account_id"), rental_idempotency.c.key == bindparam("key"))
_REMEMBER = insert_missing_statement(rental_idempotency)


def lookup(conn: Connection, account_id: int, key: str, operation: str, digest: str) -> Stored | None:
    """The stored answer of an earlier identical request; a different request with the key is refused."""
    row = conn.execute(_LOOKUP, {"account_id": account_id, "key": key}).first()
    if row is None:
        return None
    if row.operation != operation or row.request_hash != digest:
        raise ValidationError.of(HEADER, "该 Idempotency-Key 已用于另一个不同的请求，请换一个新的键")
    return Stored(int(row.status_code), json.loads(row.response), replayed=True)


def remember(
    conn: Connection, account_id: int, key: str, operation: str, digest: str, status_code: int, response: dict[str, Any]
) -> None:
    """Store the answer inside the request's own transaction. A concurrent request that took the
    same key first (for another target) makes this one fail as a reuse of the key."""
    inserted = conn.execute(
        _REMEMBER(conn),
        {
            "account_id": account_id,
            "key": key,
            "operation": operation,
            "request_hash": digest,
            "status_code": status_code,
            "response": json.dumps(response, ensure_ascii=False, default=str),
            "created_at": clock.now(),
        },
    ).first()
    if inserted is None:
        raise ValidationError.of(HEADER, "该 Idempotency-Key 已用于另一个请求，请换一个新的键")
