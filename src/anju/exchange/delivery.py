"""The deliverer: claims due deliveries, sends them (signed webhooks, AMQP with publisher confirms),
and records each outcome — at least once, in order per key for each subscriber.

One round: (1) in one short write transaction, claim up to ``exchange_delivery_batch`` pending
deliveries that are due, of active subscribers, each the earliest undelivered event of its subscriber
and key (an earlier pending or parked delivery of the same key blocks it), marking them claimed until
now + ``exchange_claim_seconds`` (``core.dialect.skip_locked``: two deliverers never claim the same
row); (2) send them outside any transaction, concurrently across keys (a round holds at most one
delivery per subscriber and key, so per-key order holds); (3) in one transaction, mark each delivered,
or failed with a back-off (exponential, with jitter) until ``exchange_delivery_max_attempts``, after
which it is parked for a person to retry. A deliverer killed between (1) and (3) leaves its claims to
expire: they are sent again (the consumer's idempotency key is the event id).
"""

from __future__ import annotations

import http.client
import json
import random
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, and_, bindparam, exists, func, or_, select, update

from anju.core import clock
from anju.core.db import UnitOfWork, unit_of_work
from anju.core.dialect import analyze_table, skip_locked
from anju.core.settings import Settings
from anju.exchange import webhooks
from anju.exchange.outbox import decode_personal
from anju.exchange.tables import exchange_deliveries, exchange_events, exchange_subscribers
from anju.security import Keyring

d = exchange_deliveries
s = exchange_subscribers
e = exchange_events
SECRET_COLUMN = "exchange_subscribers.secret"  # noqa: S105 - a column name, not a secret
ERROR_MAX = 500
SLOW_CLAIM_SECONDS = 0.5
ANALYZE_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class Target:
    """A subscriber as the deliverer needs it (its secret in clear, in memory only)."""

    id: int
    kind: str
    url: str | None
    amqp_exchange: str | None
    routing_key: str | None
    secret: str
    personal: bool


@dataclass(frozen=True)
class Work:
    delivery_id: int
    subscriber_id: int
    event_id: int
    topic: str
    key: str
    attempts: int  # before this one
    body: bytes  # the JSON envelope sent


@dataclass
class RunStats:
    """What a run of the deliverer did."""

    rounds: int = 0
    delivered: int = 0
    failed: int = 0
    parked: int = 0


@dataclass
class Outcome:
    work: Work
    error: str | None  # None: delivered


def backoff_seconds(attempts: int, settings: Settings, rnd: Callable[[], float] = random.random) -> float:
    """The delay before attempt ``attempts + 1``: base × 2^(attempts − 1), capped, with jitter (a
    uniformly random half to full delay, so failing subscribers' retries spread out)."""
    delay = min(settings.exchange_retry_max_seconds, settings.exchange_retry_base_seconds * 2.0 ** (attempts - 1))
    return float(delay * (0.5 + 0.5 * rnd()))


def envelope(
    event_id: int, topic: str, key: str, created_at: datetime, payload: str, personal: dict[str, str]
) -> bytes:
    """The JSON body of a delivery: id, topic, key, when it happened, the payload (``data``) and, for
    an entitled subscriber, the personal values (``personal``). Built from the stored JSON text."""
    head = json.dumps(
        {"id": event_id, "topic": topic, "key": key, "occurred_at": created_at.isoformat()},
        ensure_ascii=False,
        separators=(",", ":"),
    )[:-1]
    tail = (
        f',"personal":{json.dumps(personal, ensure_ascii=False, sort_keys=True, separators=(",", ":"))}'
        if personal
        else ""
    )
    return f'{head},"data":{payload}{tail}}}'.encode()


def _kinds(settings: Settings) -> list[str]:
    return ["webhook", "amqp"] if settings.exchange_amqp_url else ["webhook"]


def _claimable(settings: Settings, now: datetime, subscriber_ids: Sequence[int]) -> Any:
    """Due deliveries of the given (active) subscribers that head their key, oldest first. No join:
    the scan of pending rows in id order (``ix_exchange_deliveries_queue``) stops at the limit."""
    earlier = d.alias("earlier")
    blocked = exists().where(
        earlier.c.subscriber_id == d.c.subscriber_id,
        earlier.c.key == d.c.key,
        earlier.c.state.in_(("pending", "parked")),
        earlier.c.event_id < d.c.event_id,
    )
    return (
        select(d.c.id)
        .where(
            d.c.state == "pending",
            d.c.subscriber_id.in_(list(subscriber_ids)),
            d.c.due_at <= now,
            or_(d.c.claimed_until.is_(None), d.c.claimed_until < now),
            ~blocked,
        )
        .order_by(d.c.id)
        .limit(settings.exchange_delivery_batch)
    )


def targets(conn: Connection, keyring: Keyring, ids: Sequence[int]) -> dict[int, Target]:
    rows = conn.execute(select(s).where(s.c.id.in_(list(ids))))
    return {
        int(r.id): Target(
            int(r.id),
            r.kind,
            r.url,
            r.amqp_exchange,
            r.routing_key,
            keyring.decrypt(r.secret_enc, SECRET_COLUMN),
            bool(r.personal),
        )
        for r in rows
    }


def claim(uow: UnitOfWork, settings: Settings, keyring: Keyring) -> tuple[list[Work], dict[int, Target]]:
    """Claim a round of deliveries (one write transaction); returns them and their subscribers."""
    with uow.begin() as conn:
        now = clock.now()
        active = [
            int(i)
            for i in conn.execute(
                select(s.c.id).where(s.c.status == "active", s.c.kind.in_(_kinds(settings)))
            ).scalars()
        ]
        if not active:
            return [], {}
        ids = [int(i) for i in conn.execute(skip_locked(conn, _claimable(settings, now, active), d)).scalars()]
        if not ids:
            return [], {}
        conn.execute(
            update(d)
            .where(d.c.id.in_(ids))
            .values(claimed_until=now + timedelta(seconds=settings.exchange_claim_seconds))
        )
        rows = conn.execute(
            select(d.c.id, d.c.subscriber_id, d.c.event_id, d.c.key, d.c.attempts)
            .add_columns(e.c.topic, e.c.payload, e.c.personal, e.c.created_at)
            .join(e, e.c.id == d.c.event_id)
            .where(d.c.id.in_(ids))
            .order_by(d.c.id)
        ).all()
        subs = targets(conn, keyring, sorted({int(r.subscriber_id) for r in rows}))
    works = []
    for r in rows:
        t = subs[int(r.subscriber_id)]
        personal = decode_personal(r.personal, keyring) if t.personal else {}
        body = envelope(int(r.event_id), r.topic, r.key, r.created_at, r.payload, personal)
        works.append(Work(int(r.id), t.id, int(r.event_id), r.topic, r.key, int(r.attempts), body))
    return works, subs


_DELIVERED = (
    update(d)
    .where(d.c.id == bindparam("did"))
    .values(state="delivered", delivered_at=bindparam("at"), attempts=d.c.attempts + 1, claimed_until=None,
            last_error=None)
)  # fmt: skip
_FAILED = (
    update(d)
    .where(d.c.id == bindparam("did"))
    .values(
        state=bindparam("new_state"),
        attempts=d.c.attempts + 1,
        due_at=bindparam("due"),
        claimed_until=None,
        last_error=bindparam("error"),
    )
)


def settle(uow: UnitOfWork, settings: Settings, outcomes: Sequence[Outcome], stats: RunStats) -> None:
    """Record a round's outcomes in one transaction."""
    now = clock.now()
    ok = [{"did": o.work.delivery_id, "at": now} for o in outcomes if o.error is None]
    bad = []
    for o in outcomes:
        if o.error is None:
            continue
        n = o.work.attempts + 1
        parked = n >= settings.exchange_delivery_max_attempts
        stats.parked += parked
        bad.append(
            {
                "did": o.work.delivery_id,
                "new_state": "parked" if parked else "pending",
                "due": now + timedelta(seconds=backoff_seconds(n, settings)),
                "error": o.error[:ERROR_MAX],
            }
        )
    with uow.begin() as conn:
        if ok:
            conn.execute(_DELIVERED, ok)
        if bad:
            conn.execute(_FAILED, bad)
    stats.delivered += len(ok)
    stats.failed += len(bad)


class _Connections(threading.local):
    """Each sending thread's keep-alive connections, by (scheme, host, port)."""

    def __init__(self) -> None:
        self.by_origin: dict[tuple[str, str, int], http.client.HTTPConnection] = {}


@dataclass
class Senders:
    """The deliverer's connections, kept across rounds: keep-alive HTTP connections per sending thread
    (the standard library's ``http.client``: a webhook is one small POST, and a thread pool of plain
    connections sends several thousand a second on one core) and one AMQP publisher (re-opened after
    a failure)."""

    settings: Settings
    amqp: Any = None
    pool: ThreadPoolExecutor = field(init=False)
    conns: _Connections = field(init=False)

    def __post_init__(self) -> None:
        self.pool = ThreadPoolExecutor(
            max_workers=self.settings.exchange_delivery_concurrency, thread_name_prefix="anju-deliver"
        )
        self.conns = _Connections()

    def connection(self, url: str) -> tuple[http.client.HTTPConnection, str]:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        origin = (scheme, host, port)
        conn = self.conns.by_origin.get(origin)
        if conn is None:
            timeout = self.settings.exchange_webhook_timeout_seconds
            conn = (
                http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
                if scheme == "https"
                else http.client.HTTPConnection(host, port, timeout=timeout)
            )
            self.conns.by_origin[origin] = conn
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return conn, path

    def drop(self, url: str) -> None:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        conn = self.conns.by_origin.pop((parts.scheme, parts.hostname or "", port), None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        if self.amqp is not None:
            self.amqp.close()


def _post(senders: Senders, t: Target, w: Work) -> Outcome:
    """One signed POST on the thread's keep-alive connection (one retry on a fresh connection when a
    kept one turns out closed by the server; a timeout is a failed attempt). No redirects, no proxy."""
    assert t.url is not None
    headers = webhooks.signed_headers(t.secret, w.event_id, w.topic, w.key, w.body, int(time.time()))
    headers["Content-Length"] = str(len(w.body))
    for again in (True, False):
        conn, path = senders.connection(t.url)
        try:
            conn.request("POST", path, body=w.body, headers=headers)
            r = conn.getresponse()
            text = r.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
            senders.drop(t.url)
            if again:
                continue
            return Outcome(w, f"{type(exc).__name__}: {exc}")
        except (OSError, http.client.HTTPException) as exc:
            senders.drop(t.url)
            return Outcome(w, f"{type(exc).__name__}: {exc}")
        if r.will_close:
            senders.drop(t.url)
        if 200 <= r.status < 300:
            return Outcome(w, None)
        return Outcome(w, f"HTTP {r.status}: {text[:200].decode('utf-8', 'replace')}")
    raise AssertionError("unreachable")


def _publish_all(senders: Senders, subs: dict[int, Target], works: Sequence[Work]) -> list[Outcome]:
    from anju.exchange.amqp import AmqpError, AmqpPublisher

    url = senders.settings.exchange_amqp_url
    assert url is not None
    out: list[Outcome] = []
    for w in works:
        t = subs[w.subscriber_id]
        ts = int(time.time())
        headers = webhooks.signed_headers(t.secret, w.event_id, w.topic, w.key, w.body, ts)
        headers.pop("Content-Type")
        try:
            if senders.amqp is None or not senders.amqp.is_open:
                senders.amqp = AmqpPublisher(url.get_secret_value(), senders.settings.exchange_webhook_timeout_seconds)
            senders.amqp.publish(t.amqp_exchange or "", t.routing_key or w.topic, w.body, str(w.event_id), headers, ts)
            out.append(Outcome(w, None))
        except AmqpError as exc:
            if senders.amqp is not None and not senders.amqp.is_open:
                senders.amqp = None
            out.append(Outcome(w, str(exc)))
    return out


def send(senders: Senders, subs: dict[int, Target], works: Sequence[Work]) -> list[Outcome]:
    """Send one round: webhooks concurrently (different keys), AMQP messages one by one, confirmed."""
    hooks = [w for w in works if subs[w.subscriber_id].kind == "webhook"]
    queued = [w for w in works if subs[w.subscriber_id].kind == "amqp"]
    futures = [senders.pool.submit(_post, senders, subs[w.subscriber_id], w) for w in hooks]
    out = _publish_all(senders, subs, queued) if queued else []
    out.extend(f.result() for f in futures)
    return out


def _others_claims(uow: UnitOfWork, at: datetime) -> bool:
    """Whether another deliverer held claims not yet expired at ``at`` (when this one last tried to
    claim: a ``--once`` run waits for them). Asked as of the claim's own time, not now: a claim that
    expired between the two would otherwise end the run with its work undelivered."""
    with uow.read() as conn:
        return (
            conn.execute(
                select(func.count()).select_from(d).where(and_(d.c.state == "pending", d.c.claimed_until >= at))
            ).scalar_one()
            > 0
        )


def run(
    engine: Engine | UnitOfWork,
    settings: Settings,
    keyring: Keyring,
    *,
    once: bool = False,
    stop: threading.Event | None = None,
    on_round: Callable[[RunStats], None] | None = None,
) -> RunStats:
    """Deliver until stopped; ``once``: until nothing is due (and no other deliverer's claim is left
    to expire), then return."""
    uow = unit_of_work(engine)
    stats = RunStats()
    senders = Senders(settings)
    with uow.begin() as conn:  # plans of the claim need statistics of the backlog (core.dialect)
        analyze_table(conn, d)
    analysed = time.monotonic()
    try:
        while stop is None or not stop.is_set():
            started = time.monotonic()
            tried_at = clock.now()
            works, subs = claim(uow, settings, keyring)
            if time.monotonic() - started > SLOW_CLAIM_SECONDS and started - analysed > ANALYZE_EVERY_SECONDS:
                # a slow claim: the backlog grew faster than autovacuum analyses it (a bulk emit)
                with uow.begin() as conn:
                    analyze_table(conn, d)
                analysed = time.monotonic()
            if works:
                settle(uow, settings, send(senders, subs, works), stats)
                stats.rounds += 1
                if on_round is not None:
                    on_round(stats)
                continue
            if once and not _others_claims(uow, tried_at):
                break
            if stop is not None:
                stop.wait(settings.exchange_poll_seconds)
            else:
                time.sleep(settings.exchange_poll_seconds)
    finally:
        senders.close()
    return stats
