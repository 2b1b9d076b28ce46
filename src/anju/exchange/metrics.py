"""What the feeds did, read: per feed (received, accepted, rejected, duplicates, last batch, lag), its
batches, and its quality per day (completeness, validity, timeliness)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from anju.core.errors import NotFound
from anju.core.paging import Page, fetch_page
from anju.exchange import feeding
from anju.exchange.domain import FeedDefinition
from anju.exchange.tables import feed_batches, feed_dead_letters, feed_quality

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHANNEL_LABELS = {"file": "文件", "api": "接口", "replay": "死信重放"}
BATCH_STATUS_LABELS = {"running": "处理中", "done": "已完成", "failed": "失败"}


class FeedMetrics(TypedDict):
    dataset: str
    title: str
    source: str
    frequency: str
    batches: int
    received: int
    accepted: int
    rejected: int
    duplicate: int
    open_dead_letters: int
    last_batch_at: datetime | None
    #: Mean seconds from the records' as-of to receipt over every batch; None without ``as_of``.
    lag_seconds: int | None


class BatchView(TypedDict):
    id: int
    dataset: str
    channel: str
    delivered_by: str
    filename: str | None
    status: str
    received: int
    accepted: int
    rejected: int
    duplicate: int
    lag_seconds: int | None  # mean
    lag_seconds_max: int | None
    error: str | None
    received_at: datetime
    finished_at: datetime | None


class QualityDay(TypedDict):
    day: date
    received: int
    completeness: float | None  # present / (present + missing) over every field
    validity: float | None  # 1 - invalid / present
    lag_seconds: int | None  # mean


def _mean(total: int, n: int) -> int | None:
    return round(total / n) if n else None


def feed_metrics(conn: Connection) -> list[FeedMetrics]:
    """Every declared feed with its totals (one grouped query for all of them)."""
    b = feed_batches.c
    rows = {
        r.dataset: r
        for r in conn.execute(
            select(
                b.dataset,
                func.count().label("batches"),
                func.coalesce(func.sum(b.received), 0).label("received"),
                func.coalesce(func.sum(b.accepted), 0).label("accepted"),
                func.coalesce(func.sum(b.rejected), 0).label("rejected"),
                func.coalesce(func.sum(b.duplicate), 0).label("duplicate"),
                func.max(b.received_at).label("last"),
                func.coalesce(func.sum(b.lag_records), 0).label("lag_n"),
                func.coalesce(func.sum(b.lag_seconds_sum), 0).label("lag_sum"),
            )
            .where(b.channel != "replay")
            .group_by(b.dataset)
        )
    }
    d = feed_dead_letters.c
    open_: dict[str, int] = dict(
        conn.execute(select(d.dataset, func.count()).where(d.status == "open").group_by(d.dataset)).all()
    )
    out: list[FeedMetrics] = []
    for f in feeding.feeds():
        r: Any = rows.get(f.dataset)
        out.append(
            FeedMetrics(
                dataset=f.dataset,
                title=f.title,
                source=f.source,
                frequency=f.frequency,
                batches=int(r.batches) if r else 0,
                received=int(r.received) if r else 0,
                accepted=int(r.accepted) if r else 0,
                rejected=int(r.rejected) if r else 0,
                duplicate=int(r.duplicate) if r else 0,
                open_dead_letters=int(open_.get(f.dataset, 0)),
                last_batch_at=r.last if r else None,
                lag_seconds=_mean(int(r.lag_sum), int(r.lag_n)) if r else None,
            )
        )
    return out


def _batch(r: Any) -> BatchView:
    return BatchView(
        id=int(r.id),
        dataset=r.dataset,
        channel=r.channel,
        delivered_by=r.delivered_by,
        filename=r.filename,
        status=r.status,
        received=int(r.received),
        accepted=int(r.accepted),
        rejected=int(r.rejected),
        duplicate=int(r.duplicate),
        lag_seconds=_mean(int(r.lag_seconds_sum), int(r.lag_records)),
        lag_seconds_max=r.lag_seconds_max,
        error=r.error,
        received_at=r.received_at,
        finished_at=r.finished_at,
    )


def list_batches(
    conn: Connection,
    dataset: str | None,
    *,
    status: str | None = None,
    channel: str | None = None,
    offset: int,
    limit: int,
) -> Page[BatchView]:
    b = feed_batches.c
    stmt = select(feed_batches).order_by(b.id.desc())
    if dataset is not None:
        stmt = stmt.where(b.dataset == dataset)
    if status is not None:
        stmt = stmt.where(b.status == status)
    if channel is not None:
        stmt = stmt.where(b.channel == channel)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_batch)


def get_batch(conn: Connection, batch_id: int) -> BatchView:
    r = conn.execute(select(feed_batches).where(feed_batches.c.id == batch_id)).first()
    if r is None:
        raise NotFound("没有这个接入批次")
    return _batch(r)


class FieldQuality(TypedDict):
    field: str
    label: str
    present: int
    missing: int
    invalid: int


def batch_quality(conn: Connection, f: FeedDefinition | None, batch_id: int) -> list[FieldQuality]:
    q = feed_quality.c
    labels = {x.name: x.label for x in f.fields} if f else {}
    rows = conn.execute(select(feed_quality).where(q.batch_id == batch_id).order_by(q.field))
    return [
        FieldQuality(
            field=r.field, label=labels.get(r.field, r.field), present=r.present, missing=r.missing, invalid=r.invalid
        )
        for r in rows
    ]


def quality_trend(conn: Connection, dataset: str, days: int, today: date) -> list[QualityDay]:
    """Per day (Asia/Shanghai) of the last ``days``: the feed's completeness, validity and mean lag,
    over its delivered batches (replays left out)."""
    since = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), SHANGHAI)
    b, q = feed_batches.c, feed_quality.c
    batches = conn.execute(
        select(b.id, b.received_at, b.received, b.lag_records, b.lag_seconds_sum).where(
            b.dataset == dataset, b.channel != "replay", b.status == "done", b.received_at >= since
        )
    ).all()
    day_of = {int(r.id): r.received_at.astimezone(SHANGHAI).date() for r in batches}
    acc: dict[date, list[int]] = defaultdict(
        lambda: [0, 0, 0, 0, 0, 0]
    )  # received, present, missing, invalid, lag_n, lag_sum
    for r in batches:
        a = acc[day_of[int(r.id)]]
        a[0] += int(r.received)
        a[4] += int(r.lag_records)
        a[5] += int(r.lag_seconds_sum)
    ids = sorted(day_of)
    for i in range(0, len(ids), 5000):
        rows = conn.execute(
            select(q.batch_id, func.sum(q.present), func.sum(q.missing), func.sum(q.invalid))
            .where(q.batch_id.in_(ids[i : i + 5000]))
            .group_by(q.batch_id)
        )
        for bid, present, missing, invalid in rows:
            a = acc[day_of[int(bid)]]
            a[1] += int(present or 0)
            a[2] += int(missing or 0)
            a[3] += int(invalid or 0)
    out: list[QualityDay] = []
    for day in sorted(acc):
        received, present, missing, invalid, lag_n, lag_sum = acc[day]
        out.append(
            QualityDay(
                day=day,
                received=received,
                completeness=round(present / (present + missing), 4) if present + missing else None,
                validity=round(1 - invalid / present, 4) if present else None,
                lag_seconds=_mean(lag_sum, lag_n),
            )
        )
    return out
