"""Receiving a feed's batch: :func:`load_feed`, the one intake of every feed (files, the API, replays).

A batch is ONE transaction (``security.audited_job``: its audit row is written in it): the batch row,
the accepted keys, the owning context's rows (its handler), the dead letters and the quality counts
commit together or not at all — a crash mid-batch leaves nothing. Records are streamed and handled in
chunks (``exchange_feed_chunk``), so memory holds a few chunks whatever the batch's size; the checks
and content hashes of a large batch's chunks are computed ahead in a worker process
(:mod:`anju.exchange.prepare`).

Per chunk: every record is checked field by field (:func:`anju.exchange.domain.check_record`);
a record whose key and content were accepted before (in an earlier batch or earlier in this one) is
a duplicate and changes nothing; with ``order_by``, the records of one key are applied in that order
within the chunk and a record older than the key's newest accepted one is rejected as stale; the rest
go to the handler in one call, which applies them in bulk and returns rejections. Every rejected
record (by a check, as stale, or by the handler) goes to the dead-letter list.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Protocol, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, and_, insert, select, text, update

from anju.contexts import CONTEXTS, load
from anju.core import clock
from anju.core.db import UnitOfWork, unit_of_work
from anju.core.dialect import bulk_insert, insert_missing
from anju.core.errors import NotFound
from anju.core.settings import Settings
from anju.core.sheet import FileRejected
from anju.exchange.contract import BatchContext, FeedFinish, FeedHandler
from anju.exchange.domain import FeedDefinition, FeedRecord, Rejection, sortable
from anju.exchange.files import Raw
from anju.exchange.prepare import Chunk, Prepared, chunks, prepared_chunks
from anju.exchange.tables import feed_batches, feed_dataset_locks, feed_dead_letters, feed_keys, feed_quality
from anju.security import AuditedJob, Caller, Keyring, audited_job, keyring_from_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Rejections a batch's result keeps to show (the counts are always exact).
SHOWN = 200


def feeds() -> list[FeedDefinition]:
    """Every feed the contexts declare (``anju.contexts``: ``feeds``), by dataset."""
    out = [load(spec) for ctx in CONTEXTS for spec in ctx.feeds.values()]
    return sorted(out, key=lambda f: f.dataset)


def feed(dataset: str) -> FeedDefinition:
    for f in feeds():
        if f.dataset == dataset:
            return f
    raise NotFound(f"没有数据集「{dataset}」的接入定义")


def feed_or_none(dataset: str) -> FeedDefinition | None:
    """The dataset's definition, or None when no context declares it any more (old batches)."""
    try:
        return feed(dataset)
    except NotFound:
        return None


@dataclass
class BatchResult:
    """What a batch did."""

    batch_id: int
    dataset: str
    status: str  # done | failed
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicate: int = 0
    error: str | None = None
    #: The first rejections (at most ``SHOWN``), in the batch's order.
    rejections: list[Rejection] = field(default_factory=list)


class DeadLetterSink(Protocol):
    """Where a batch's rejected records go: new dead letters (a delivery) or back to the dead letters
    they came from (a replay)."""

    def begin(self, conn: Connection, batch_id: int) -> None:
        """In the batch's transaction, once it holds its dataset's lock, before any record."""

    def rejected(self, conn: Connection, batch_id: int, items: list[tuple[int, Raw, list[Rejection]]]) -> None: ...

    def accepted(self, conn: Connection, batch_id: int, seqs: Sequence[int]) -> None: ...


class DeadLetterRow(TypedDict):
    batch_id: int
    dataset: str
    seq: int
    record: str
    personal_enc: bytes | None
    rejections: str
    status: str


class NewDeadLetters:
    """A delivery's rejected records become open dead letters (personal fields encrypted)."""

    def __init__(self, feed: FeedDefinition, kr: Keyring) -> None:
        self.feed, self.kr = feed, kr
        self.personal = frozenset(f.name for f in feed.fields if f.personal)

    def row(self, batch_id: int, seq: int, raw: Raw, why: list[Rejection]) -> DeadLetterRow:
        plain = {k: _jsonable(v) for k, v in raw.items() if k not in self.personal}
        secret = {k: _jsonable(v) for k, v in raw.items() if k in self.personal}
        enc = self.kr.encrypt(json.dumps(secret, ensure_ascii=False), "feed_dead_letters.personal") if secret else None
        return DeadLetterRow(
            batch_id=batch_id,
            dataset=self.feed.dataset,
            seq=seq,
            record=json.dumps(plain, ensure_ascii=False),
            personal_enc=enc,
            rejections=json.dumps([{"field": r.field, "reason": r.reason} for r in why], ensure_ascii=False),
            status="open",
        )

    def begin(self, conn: Connection, batch_id: int) -> None:
        return None

    def rejected(self, conn: Connection, batch_id: int, items: list[tuple[int, Raw, list[Rejection]]]) -> None:
        if items:
            conn.execute(insert(feed_dead_letters), [self.row(batch_id, s, raw, why) for s, raw, why in items])

    def accepted(self, conn: Connection, batch_id: int, seqs: Sequence[int]) -> None:
        return None


def _jsonable(v: object) -> object:
    return v if v is None or isinstance(v, str | int | float | bool | list | dict) else str(v)


@dataclass
class _Known:
    hashes: set[str] = field(default_factory=set)
    newest: str | None = None


class _Batch:
    """One batch in its transaction: counters, quality, timeliness, chunk by chunk."""

    def __init__(
        self, conn: Connection, ctx: BatchContext, kr: Keyring, sink: DeadLetterSink, result: BatchResult
    ) -> None:
        self.conn, self.ctx, self.kr, self.sink, self.result = conn, ctx, kr, sink, result
        f = ctx.feed
        self.handler: FeedHandler = load(f.handler)
        self.quality = {x.name: [0, 0, 0] for x in f.fields}  # present, missing, invalid
        self.lag_n = 0
        self.lag_sum = 0
        self.lag_max: int | None = None
        self._dups: list[int] = []
        #: Copies of a candidate earlier in the chunk (seq → the candidate's seq), until the handler decided.
        self._copies: dict[int, int] = {}

    def reject(self, why: list[Rejection]) -> None:
        self.result.rejected += 1
        room = SHOWN - len(self.result.rejections)
        if room > 0:
            self.result.rejections.extend(why[:room])

    def chunk(self, raws: Chunk, prep: Prepared) -> None:
        by_seq = dict(raws)
        dead: list[tuple[int, Raw, list[Rejection]]] = []
        checked: list[FeedRecord] = []
        self.result.received += len(raws)
        for (seq, raw), out in zip(raws, prep.outs, strict=True):
            if isinstance(out, list):
                dead.append((seq, raw, out))
            else:
                checked.append(out)
        for q, more in zip(self.quality.values(), prep.quality, strict=True):
            q[0] += more[0]
            q[1] += more[1]
            q[2] += more[2]
        candidates, stale = self._fresh(checked, prep.hashes)
        dead.extend((r.seq, by_seq[r.seq], [why]) for r, why in stale)
        refused: dict[int, list[Rejection]] = defaultdict(list)
        for no in self.handler(self.conn, candidates, self.ctx) if candidates else ():
            refused[no.seq].append(no)
        dead.extend((s, by_seq[s], reasons) for s, reasons in refused.items())
        dead.extend(self._copies_of(refused, by_seq))
        accepted = [r for r in candidates if r.seq not in refused]
        self._keep(accepted, prep.hashes)
        dead.sort(key=lambda d: d[0])
        for _s, _raw, why in dead:
            self.reject(why)
        self.sink.rejected(self.conn, self.result.batch_id, dead)
        self.sink.accepted(self.conn, self.result.batch_id, [r.seq for r in accepted] + self._dups)
        self.result.accepted += len(accepted)

    def _fresh(
        self, checked: list[FeedRecord], hashes: dict[int, str]
    ) -> tuple[list[FeedRecord], list[tuple[FeedRecord, Rejection]]]:
        """The records that are neither duplicates nor stale, in the order to apply them."""
        f = self.ctx.feed
        known = self._known({r.key for r in checked})
        by = f.order_by

        def order(r: FeedRecord) -> str:
            return sortable(r.values.get(by)) if by else ""

        if f.order_by:
            checked = sorted(checked, key=lambda r: (r.key, order(r), r.seq))
        out: list[FeedRecord] = []
        stale: list[tuple[FeedRecord, Rejection]] = []
        self._dups = []
        self._copies = {}
        pending: dict[tuple[str, str], int] = {}  # (key, content hash) → the chunk's candidate with it
        for r in checked:
            k = known[r.key]
            h = hashes[r.seq]
            if h in k.hashes:
                self.result.duplicate += 1
                self._dups.append(r.seq)
                continue
            if (r.key, h) in pending:
                self._copies[r.seq] = pending[r.key, h]
                continue
            if f.order_by:
                o = order(r)
                if k.newest is not None and o < k.newest:
                    label = f.field(f.order_by).label
                    stale.append((r, Rejection(r.seq, f.order_by, f"{label}：早于已接收的同一记录（过时）")))
                    continue
                k.newest = o
            pending[r.key, h] = r.seq
            out.append(r)
        return out, stale

    def _copies_of(
        self, refused: dict[int, list[Rejection]], by_seq: dict[int, Raw]
    ) -> list[tuple[int, Raw, list[Rejection]]]:
        """A copy of a record the handler accepted is a duplicate; of one it refused, refused alike."""
        dead: list[tuple[int, Raw, list[Rejection]]] = []
        for seq, first in self._copies.items():
            if first in refused:
                dead.append((seq, by_seq[seq], [replace(x, seq=seq) for x in refused[first]]))
            else:
                self.result.duplicate += 1
                self._dups.append(seq)
        return dead

    def _known(self, keys: set[str]) -> dict[str, _Known]:
        out: dict[str, _Known] = defaultdict(_Known)
        for key, h, o in _known_rows(self.conn, self.ctx.feed.dataset, sorted(keys)):
            k = out[key]
            k.hashes.add(h)
            if o is not None and (k.newest is None or o > k.newest):
                k.newest = o
        return out

    def _keep(self, accepted: list[FeedRecord], hashes: dict[int, str]) -> None:
        f = self.ctx.feed
        bid = self.result.batch_id
        rows = (
            (
                f.dataset,
                r.key[:200],
                hashes[r.seq],
                sortable(r.values.get(f.order_by))[:64] if f.order_by else None,
                bid,
            )
            for r in accepted
        )
        bulk_insert(self.conn, feed_keys, ["dataset", "key", "content_hash", "order_value", "batch_id"], rows)
        if f.as_of:
            for r in accepted:
                self._lag(r.values.get(f.as_of))

    def _lag(self, v: object) -> None:
        if isinstance(v, datetime):
            at = v
        elif isinstance(v, date):
            at = datetime.combine(v, time(), SHANGHAI)
        else:
            return
        s = int((self.ctx.received_at - at).total_seconds())
        self.lag_n += 1
        self.lag_sum += s
        self.lag_max = s if self.lag_max is None else max(self.lag_max, s)

    def close(self) -> None:
        f = self.ctx.feed
        if f.finish:
            finish: FeedFinish = load(f.finish)
            finish(self.conn, self.ctx)
        bid = self.result.batch_id
        self.conn.execute(
            insert(feed_quality),
            [
                {"batch_id": bid, "field": n, "present": q[0], "missing": q[1], "invalid": q[2]}
                for n, q in self.quality.items()
            ],
        )


# PostgreSQL: one index probe per key of the chunk, whatever the planner believes of feed_keys' size.
# Within a batch's transaction its own new rows have no statistics yet, and a plain ``key IN (…)`` or
# ``= ANY(…)`` was planned as a scan of the dataset's rows filtered by the list: a chunk's look-up grew
# with the table (tens of seconds per chunk at 200,000 rows). ``OFFSET 0`` keeps the lateral subquery
# from being flattened, so it stays a nested loop over the keys with the (dataset, key) index inside.
_PG_KNOWN = text(
    "SELECT k.key, f.content_hash, f.order_value FROM unnest(CAST(:keys AS text[])) AS k(key)"
    " CROSS JOIN LATERAL (SELECT content_hash, order_value FROM feed_keys"
    " WHERE dataset = :dataset AND key = k.key OFFSET 0) AS f"
)


def _known_rows(conn: Connection, dataset: str, keys: list[str]) -> Iterator[tuple[str, str, str | None]]:
    """The accepted (key, content hash, order value) rows of ``keys`` in ``dataset``."""
    if not keys:
        return
    if conn.dialect.name == "postgresql":
        for row in conn.execute(_PG_KNOWN, {"keys": keys, "dataset": dataset}):
            yield row[0], row[1], row[2]
        return
    fk = feed_keys.c
    for i in range(0, len(keys), 5000):
        rows = conn.execute(
            select(fk.key, fk.content_hash, fk.order_value).where(
                and_(fk.dataset == dataset, fk.key.in_(keys[i : i + 5000]))
            )
        )
        for row in rows:
            yield row[0], row[1], row[2]


def load_feed(
    target: Engine | UnitOfWork,
    settings: Settings,
    dataset: str | FeedDefinition,
    records: Iterable[Raw],
    *,
    caller: Caller,
    channel: str = "file",
    delivered_by: str | None = None,
    filename: str | None = None,
    keyring: Keyring | None = None,
    sink: DeadLetterSink | None = None,
    progress: Callable[[str, float], None] | None = None,
    now: datetime | None = None,
) -> BatchResult:
    """Receive one batch of ``dataset`` (see the module's docstring); ``records`` are raw mappings
    (field name → text or JSON value), streamed. Returns what the batch did; a file that cannot be
    read (its header, its encoding) or a handler that fails leaves a ``failed`` batch and nothing
    applied."""
    f = dataset if isinstance(dataset, FeedDefinition) else feed(dataset)
    kr = keyring or keyring_from_settings(settings)
    now = now or clock.now()
    who = (delivered_by or caller.username)[:120]
    job = audited_job(unit_of_work(target), caller, "exchange.feed_batch", "feed_batch")
    result = BatchResult(0, f.dataset, "done")
    chunk = settings.exchange_feed_chunk
    try:
        with job.final() as conn:
            # the first write is the dataset's lock row: batches of one dataset apply one at a time
            insert_missing(conn, feed_dataset_locks, {"dataset": f.dataset, "batches": 0})
            lk = feed_dataset_locks.c
            conn.execute(update(feed_dataset_locks).where(lk.dataset == f.dataset).values(batches=lk.batches + 1))
            result.batch_id = job.entity_id = _insert_batch(conn, f, channel, who, caller, filename, now)
            ctx = BatchContext(result.batch_id, f, now, now.astimezone(SHANGHAI).date(), settings, kr)
            b = _Batch(conn, ctx, kr, sink or NewDeadLetters(f, kr), result)
            b.sink.begin(conn, result.batch_id)
            parts = prepared_chunks(
                chunks(records, chunk), f, kr, settings.exchange_feed_workers, settings.exchange_feed_worker_from
            )
            for raws, prep in parts:
                b.chunk(raws, prep)
                if progress:
                    progress(f"已处理 {result.received} 条", 0.0)
            b.close()
            _finish_batch(conn, result, b, clock.now())
            job.detail = {
                "dataset": f.dataset,
                "channel": channel,
                "received": result.received,
                "accepted": result.accepted,
                "rejected": result.rejected,
                "duplicate": result.duplicate,
            }
    except FileRejected as e:
        return _failed(job, f, channel, who, caller, filename, now, e.error.reason)
    except Exception as e:
        _failed(job, f, channel, who, caller, filename, now, f"处理失败：{type(e).__name__}")
        raise
    return result


def _insert_batch(
    conn: Connection, f: FeedDefinition, channel: str, who: str, caller: Caller, filename: str | None, now: datetime
) -> int:
    values = {
        "dataset": f.dataset,
        "channel": channel,
        "delivered_by": who,
        "account_id": caller.account_id,
        "filename": filename[:200] if filename else None,
        "status": "running",
        "received": 0,
        "accepted": 0,
        "rejected": 0,
        "duplicate": 0,
        "lag_records": 0,
        "lag_seconds_sum": 0,
        "received_at": now,
    }
    return int(conn.execute(insert(feed_batches).values(**values).returning(feed_batches.c.id)).scalar_one())


def _finish_batch(conn: Connection, result: BatchResult, b: _Batch, now: datetime) -> None:
    conn.execute(
        update(feed_batches)
        .where(feed_batches.c.id == result.batch_id)
        .values(
            status=result.status,
            received=result.received,
            accepted=result.accepted,
            rejected=result.rejected,
            duplicate=result.duplicate,
            lag_records=b.lag_n,
            lag_seconds_sum=b.lag_sum,
            lag_seconds_max=b.lag_max,
            finished_at=now,
        )
    )


def _failed(
    job: AuditedJob,
    f: FeedDefinition,
    channel: str,
    who: str,
    caller: Caller,
    filename: str | None,
    now: datetime,
    reason: str,
) -> BatchResult:
    """Record a batch that applied nothing (in a transaction of its own, with its audit row)."""
    job.outcome = "failed"
    job.detail = {"dataset": f.dataset, "channel": channel, "error": reason}
    with job.final() as conn:
        bid = job.entity_id = _insert_batch(conn, f, channel, who, caller, filename, now)
        conn.execute(
            update(feed_batches).where(feed_batches.c.id == bid).values(status="failed", error=reason, finished_at=now)
        )
    return BatchResult(bid, f.dataset, "failed", error=reason)
