"""Subscribers of the outbox (数据推送订阅) and what the pages show of their deliveries.

A subscriber is a receiving department's endpoint: a webhook URL, or an AMQP exchange and routing key
on the deployment's broker, with the topics it receives and whether it is entitled to the events'
personal values. Its signing secret is generated here, stored SM4-encrypted, and shown once (at
creation and at each rotation). A subscriber receives the events emitted after it subscribed to their
topic; paused, its deliveries wait and are sent on resumption.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, and_, case, func, insert, select, update

from anju.core import clock
from anju.core.errors import FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.exchange.delivery import SECRET_COLUMN
from anju.exchange.outbox import topics
from anju.exchange.tables import exchange_deliveries, exchange_events, exchange_subscribers
from anju.security import Keyring

d = exchange_deliveries
s = exchange_subscribers
KINDS = {"webhook": "Webhook（HTTPS 推送）", "amqp": "消息队列（AMQP）"}
STATUS = {"active": "推送中", "paused": "已暂停"}


@dataclass(frozen=True)
class SubscriberIn:
    name: str
    department: str
    kind: str
    url: str
    amqp_exchange: str
    routing_key: str
    topics: tuple[str, ...]
    personal: bool


@dataclass(frozen=True)
class Subscriber:
    id: int
    name: str
    department: str
    kind: str
    kind_label: str
    url: str | None
    amqp_exchange: str | None
    routing_key: str | None
    topics: tuple[str, ...]
    personal: bool
    status: str
    status_label: str
    created_at: datetime


@dataclass(frozen=True)
class DeliveryStatus:
    """A subscriber's backlog: pending (waiting or retrying), parked (given up, shown for a manual
    retry), failing (pending after at least one failure), lag (age of its oldest undelivered event)."""

    pending: int
    parked: int
    failing: int
    delivered: int
    lag_seconds: int | None
    last_error: str | None


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    event_id: int
    topic: str
    key: str
    state: str
    attempts: int
    due_at: datetime
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True)
class EventRow:
    id: int
    topic: str
    topic_label: str
    key: str
    payload: str
    has_personal: bool
    created_at: datetime


def _row(r: Any) -> Subscriber:
    return Subscriber(
        int(r.id), r.name, r.department, r.kind, KINDS.get(r.kind, r.kind), r.url, r.amqp_exchange, r.routing_key,
        tuple(json.loads(r.topics)), bool(r.personal), r.status, STATUS.get(r.status, r.status), r.created_at,
    )  # fmt: skip


def _check_topics(chosen: Sequence[str]) -> tuple[str, ...]:
    declared = topics()
    picked = tuple(sorted({t.strip() for t in chosen if t.strip()}))
    if not picked:
        raise ValidationError.of("topics", "至少选择一个事件主题")
    unknown = [t for t in picked if t not in declared]
    if unknown:
        raise ValidationError.of("topics", f"未声明的事件主题：{'、'.join(unknown)}")
    return picked


def check(cmd: SubscriberIn) -> SubscriberIn:
    """The subscriber's fields checked (every problem named by its field); raises ValidationError."""
    errors: list[FieldError] = []
    name, dept = cmd.name.strip(), cmd.department.strip()
    if not name or len(name) > 60:
        errors.append(FieldError("name", "请填写订阅名称（不超过 60 字）"))
    if not dept or len(dept) > 60:
        errors.append(FieldError("department", "请填写接收部门（不超过 60 字）"))
    url, exch, rk = cmd.url.strip(), cmd.amqp_exchange.strip(), cmd.routing_key.strip()
    if cmd.kind == "webhook":
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
            errors.append(FieldError("url", "请填写 http(s):// 开头的推送地址（不超过 500 字符）"))
        exch, rk = "", ""
    elif cmd.kind == "amqp":
        if not exch or len(exch) > 120 or not exch.isascii():
            errors.append(FieldError("amqp_exchange", "请填写交换机名称（ASCII，不超过 120 字符）"))
        if len(rk) > 120 or not rk.isascii():
            errors.append(FieldError("routing_key", "路由键为 ASCII，不超过 120 字符（留空则使用事件主题）"))
        url = ""
    else:
        errors.append(FieldError("kind", "推送方式应为 Webhook 或 AMQP"))
    try:
        picked = _check_topics(cmd.topics)
    except ValidationError as e:
        errors.extend(e.errors)
        picked = ()
    if errors:
        raise ValidationError("订阅信息有误", errors)
    return SubscriberIn(name, dept, cmd.kind, url, exch, rk, picked, cmd.personal)


def new_secret() -> str:
    return secrets.token_hex(32)


def create_subscriber(conn: Connection, keyring: Keyring, cmd: SubscriberIn) -> tuple[int, str]:
    """Create a subscriber (active); returns its id and its signing secret, shown this once."""
    c = check(cmd)
    if conn.execute(select(s.c.id).where(s.c.name == c.name)).first() is not None:
        raise ValidationError.of("name", "已有同名订阅")
    secret = new_secret()
    now = clock.now()
    sid = conn.execute(
        insert(s)
        .values(
            name=c.name,
            department=c.department,
            kind=c.kind,
            url=c.url or None,
            amqp_exchange=c.amqp_exchange or None,
            routing_key=c.routing_key or None,
            topics=json.dumps(list(c.topics)),
            personal=c.personal,
            secret_enc=keyring.encrypt(secret, SECRET_COLUMN),
            status="active",
            created_at=now,
            updated_at=now,
        )
        .returning(s.c.id)
    ).scalar_one()
    return int(sid), secret


def get_subscriber(conn: Connection, subscriber_id: int) -> Subscriber:
    r = conn.execute(select(s).where(s.c.id == subscriber_id)).first()
    if r is None:
        raise NotFound("订阅不存在")
    return _row(r)


def set_topics(conn: Connection, subscriber_id: int, chosen: Sequence[str], personal: bool) -> None:
    """Change the topics (new events of added topics are delivered; pending ones of removed topics
    still are) and the entitlement to personal values."""
    get_subscriber(conn, subscriber_id)
    picked = _check_topics(chosen)
    conn.execute(
        update(s)
        .where(s.c.id == subscriber_id)
        .values(topics=json.dumps(list(picked)), personal=personal, updated_at=clock.now())
    )


def set_status(conn: Connection, subscriber_id: int, status: str) -> None:
    if status not in STATUS:
        raise ValidationError.of("status", "状态应为推送中或已暂停")
    get_subscriber(conn, subscriber_id)
    conn.execute(update(s).where(s.c.id == subscriber_id).values(status=status, updated_at=clock.now()))


def rotate_secret(conn: Connection, keyring: Keyring, subscriber_id: int) -> str:
    """A new signing secret (the old one stops at once); returned this once."""
    get_subscriber(conn, subscriber_id)
    secret = new_secret()
    conn.execute(
        update(s)
        .where(s.c.id == subscriber_id)
        .values(secret_enc=keyring.encrypt(secret, SECRET_COLUMN), updated_at=clock.now())
    )
    return secret


def retry_now(conn: Connection, subscriber_id: int) -> int:
    """Make the subscriber's parked and retrying deliveries due now, their attempts counted afresh;
    returns how many."""
    get_subscriber(conn, subscriber_id)
    res = conn.execute(
        update(d)
        .where(d.c.subscriber_id == subscriber_id, d.c.state.in_(("pending", "parked")), d.c.attempts > 0)
        .values(state="pending", attempts=0, due_at=clock.now(), claimed_until=None)
    )
    return int(res.rowcount or 0)


def list_subscribers(conn: Connection, *, limit: int, offset: int) -> Page[Subscriber]:
    page: Page[Subscriber] = fetch_page(conn, select(s).order_by(s.c.name), limit=limit, offset=offset, row=_row)
    return page


def statuses(conn: Connection, ids: Sequence[int]) -> dict[int, DeliveryStatus]:
    """The backlog of each subscriber, in two grouped queries."""
    if not ids:
        return {}
    now = clock.now()
    counts = conn.execute(
        select(
            d.c.subscriber_id,
            func.sum(case((d.c.state == "pending", 1), else_=0)),
            func.sum(case((d.c.state == "parked", 1), else_=0)),
            func.sum(case((and_(d.c.state == "pending", d.c.attempts > 0), 1), else_=0)),
            func.sum(case((d.c.state == "delivered", 1), else_=0)),
            func.min(case((d.c.state != "delivered", d.c.event_id), else_=None)),
        )
        .where(d.c.subscriber_id.in_(list(ids)))
        .group_by(d.c.subscriber_id)
    ).all()
    oldest = {int(r[0]): r[5] for r in counts if r[5] is not None}
    born = dict(
        conn.execute(
            select(exchange_events.c.id, exchange_events.c.created_at).where(
                exchange_events.c.id.in_(list(oldest.values()))
            )
        ).all()
    )
    last = {
        int(sid): err
        for sid, err in conn.execute(
            select(d.c.subscriber_id, d.c.last_error).where(
                d.c.id.in_(
                    select(func.max(d.c.id))
                    .where(d.c.subscriber_id.in_(list(ids)), d.c.last_error.is_not(None))
                    .group_by(d.c.subscriber_id)
                )
            )
        )
    }
    out = {}
    for r in counts:
        sid = int(r[0])
        at = born.get(oldest.get(sid))
        lag = int((now - at).total_seconds()) if at is not None else None
        out[sid] = DeliveryStatus(int(r[1] or 0), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0), lag, last.get(sid))
    empty = DeliveryStatus(0, 0, 0, 0, None, None)
    return {i: out.get(i, empty) for i in ids}


def troubled(conn: Connection, subscriber_id: int, *, limit: int, offset: int) -> Page[DeliveryRow]:
    """The subscriber's parked and failing deliveries, oldest first."""
    q = (
        select(d, exchange_events.c.topic, exchange_events.c.created_at)
        .join(exchange_events, exchange_events.c.id == d.c.event_id)
        .where(d.c.subscriber_id == subscriber_id, d.c.state.in_(("pending", "parked")), d.c.attempts > 0)
        .order_by(d.c.id)
    )
    page: Page[DeliveryRow] = fetch_page(
        conn,
        q,
        limit=limit,
        offset=offset,
        row=lambda r: DeliveryRow(
            int(r.id), int(r.event_id), r.topic, r.key, r.state, int(r.attempts), r.due_at, r.last_error, r.created_at
        ),
    )
    return page


def list_events(conn: Connection, *, topic: str | None, limit: int, offset: int) -> Page[EventRow]:
    """The event log, newest first (payloads carry no personal values; those stay sealed)."""
    ev = exchange_events
    declared = topics()
    q = select(ev.c.id, ev.c.topic, ev.c.key, ev.c.payload, ev.c.personal.is_not(None).label("hp"), ev.c.created_at)
    cq = select(ev.c.id)
    if topic:
        q, cq = q.where(ev.c.topic == topic), cq.where(ev.c.topic == topic)
    page: Page[EventRow] = fetch_page(
        conn,
        q.order_by(ev.c.id.desc()),
        limit=limit,
        offset=offset,
        count_stmt=cq,
        row=lambda r: EventRow(
            int(r.id), r.topic, declared.get(r.topic, r.topic), r.key, r.payload, bool(r.hp), r.created_at
        ),
    )
    return page
