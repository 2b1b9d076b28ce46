"""Signed webhooks: the request the deliverer sends, its signature, and the consumer's verifier.

Every delivery is an HTTP ``POST`` of the event's JSON envelope with these headers:

* ``Anju-Event-Id`` — the event id, also sent as ``Idempotency-Key``: a consumer applies an event
  once, whatever the number of times it arrives (delivery is at least once);
* ``Anju-Topic``, ``Anju-Key`` — the topic and the ordering key;
* ``Anju-Timestamp`` — Unix seconds when this attempt was signed (each attempt is signed anew);
* ``Anju-Signature`` — ``sm3=`` + hex of HMAC-SM3(secret, timestamp + "." + event id + "." + body).

:func:`verify_webhook` is what a consumer runs (it needs only the standard library with an OpenSSL
that has SM3): the signature, the timestamp window, and that the event id was not seen before.
"""

from __future__ import annotations

import hmac
from collections.abc import Container, Mapping
from dataclasses import dataclass
from datetime import datetime

H_ID = "Anju-Event-Id"
H_TOPIC = "Anju-Topic"
H_KEY = "Anju-Key"
H_TIMESTAMP = "Anju-Timestamp"
H_SIGNATURE = "Anju-Signature"
H_IDEMPOTENCY = "Idempotency-Key"
SCHEME = "sm3="
WINDOW_SECONDS = 300


def signature(secret: str, timestamp: int, event_id: int | str, body: bytes) -> str:
    """``sm3=<hex>``: HMAC-SM3 keyed with the subscriber's secret over ``timestamp.event_id.body``."""
    message = f"{timestamp}.{event_id}.".encode() + body
    return SCHEME + hmac.new(secret.encode(), message, "sm3").hexdigest()


def signed_headers(secret: str, event_id: int, topic: str, key: str, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        H_ID: str(event_id),
        H_IDEMPOTENCY: str(event_id),
        H_TOPIC: topic,
        H_KEY: key,
        H_TIMESTAMP: str(timestamp),
        H_SIGNATURE: signature(secret, timestamp, event_id, body),
    }


class WebhookRejected(Exception):
    """The request is not a valid delivery (answer 4xx and apply nothing): the reason says why."""


class ReplayedWebhook(WebhookRejected):
    """A valid delivery of an event already seen: a redelivery (at least once) or a replay. Apply
    nothing and answer 2xx, so the platform stops sending it."""


@dataclass(frozen=True)
class VerifiedWebhook:
    event_id: str
    topic: str
    key: str
    timestamp: int


def _header(headers: Mapping[str, str], name: str) -> str:
    low = name.lower()
    for k, v in headers.items():
        if k.lower() == low:
            return v
    raise WebhookRejected(f"missing header {name}")


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    seen: Container[str],
    window_seconds: int = WINDOW_SECONDS,
) -> VerifiedWebhook:
    """Check a received delivery: the signature (constant-time), the timestamp within
    ``window_seconds`` of ``now`` (an aware datetime), and that the event id is not in ``seen`` (the
    ids the consumer applied: add the id in the same transaction as applying the event).

    Raises :class:`WebhookRejected` (bad or stale: answer 401/400) or :class:`ReplayedWebhook` (seen:
    answer 2xx, apply nothing); returns the delivery's id, topic and key."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    event_id = _header(headers, H_ID)
    raw_ts = _header(headers, H_TIMESTAMP)
    given = _header(headers, H_SIGNATURE)
    try:
        ts = int(raw_ts)
    except ValueError:
        raise WebhookRejected("bad timestamp") from None
    expected = signature(secret, ts, event_id, body)
    if not hmac.compare_digest(expected.encode(), given.strip().encode()):
        raise WebhookRejected("bad signature")
    if abs(now.timestamp() - ts) > window_seconds:
        raise WebhookRejected("timestamp outside the window")
    if event_id in seen:
        raise ReplayedWebhook(f"event {event_id} already seen")
    return VerifiedWebhook(event_id, _header(headers, H_TOPIC), _header(headers, H_KEY), ts)
