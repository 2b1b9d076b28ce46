"""Checking a batch's records and hashing their content, chunk by chunk: pure computation, done in a
worker process for large batches so that it overlaps the loading process's database work.

:class:`Preparer` turns a chunk of raw records into :class:`Prepared` (per record its checked
:class:`FeedRecord` or its rejections, the content hash of each checked one, and the chunk's quality
counts). :func:`prepared_chunks` yields the chunks of a batch with their preparation: in this process
until the batch has passed ``exchange_feed_worker_from`` records; from there on one worker process
prepares the next chunks while this one applies the current (``exchange_feed_workers``; 0 keeps
everything here: starting a worker costs about a second, worth it for large batches only). The
worker touches no database and no state: the batch's transaction, its order and its guarantees stay
in the loading process; a worker that fails fails the batch like any error.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace

from anju.exchange.domain import FeedDefinition, FeedRecord, Rejection, record_checker, sortable
from anju.exchange.files import ERROR, Raw
from anju.security import Keyring

Chunk = list[tuple[int, Raw]]


@dataclass
class Prepared:
    """One chunk checked: per record (in the chunk's order) its record or its rejections."""

    outs: list[FeedRecord | list[Rejection]] = field(default_factory=list)
    #: The content hash of each checked record, by its seq.
    hashes: dict[int, str] = field(default_factory=dict)
    #: Per field (the feed's order): records with it present, missing, invalid.
    quality: list[list[int]] = field(default_factory=list)


class Preparer:
    """Checks and hashes the chunks of one feed (see the module's docstring)."""

    def __init__(self, feed: FeedDefinition, kr: Keyring) -> None:
        self.check = record_checker(feed)
        self.names = [x.name for x in feed.fields]
        self.index = {n: i for i, n in enumerate(self.names)}
        self.hash = kr.blind_indexer("feed:" + feed.dataset)
        self.key_index = kr.blind_indexer("feed_key:" + feed.dataset)

    def stored_key(self, key: str) -> str:
        """``idempotency.stored_key`` (the key as stored: a keyed hash), its keyed state set up once."""
        return self.key_index(key.encode("utf-8").hex())

    def content_hash(self, r: FeedRecord) -> str:
        """A keyed hash of the record's content (HMAC-SM3: the content may hold identity numbers)."""
        values = r.values
        canonical = [v if type(v) is str else sortable(v) for v in map(values.get, self.names)]
        return self.hash(json.dumps(canonical, ensure_ascii=False))

    def __call__(self, raws: Chunk) -> Prepared:
        out = Prepared(quality=[[0, 0, 0] for _ in self.names])
        quality = list(zip(self.names, out.quality, strict=True))
        for seq, raw in raws:
            if ERROR in raw:
                out.outs.append([Rejection(seq, None, str(raw[ERROR]))])
                continue
            r = self.check(raw, seq)
            bad = {x.field for x in r} if isinstance(r, list) else ()
            for name, q in quality:
                v = raw.get(name)
                if v is None or (isinstance(v, str) and not v.strip()):
                    q[1] += 1
                else:
                    q[0] += 1
                    if name in bad:  # invalid: of the values present
                        q[2] += 1
            if isinstance(r, FeedRecord):
                out.hashes[r.seq] = self.content_hash(r)
                r = replace(r, key=self.stored_key(r.key))  # the key as stored: a keyed hash, never in clear
            out.outs.append(r)
        return out


#: In a worker process: its batch's preparer.
_WORKER: dict[str, Preparer] = {}


def _start(feed: FeedDefinition, kr: Keyring) -> None:
    _WORKER["batch"] = Preparer(feed, kr)


def _prepare(raws: Chunk) -> Prepared:
    return _WORKER["batch"](raws)


def chunks(records: Iterable[Raw], size: int) -> Iterator[Chunk]:
    """The records numbered from 1, ``size`` at a time."""
    part: Chunk = []
    for seq, raw in enumerate(records, start=1):
        part.append((seq, raw))
        if len(part) >= size:
            yield part
            part = []
    if part:
        yield part


def prepared_chunks(
    parts: Iterable[Chunk], feed: FeedDefinition, kr: Keyring, workers: int, worker_from: int
) -> Iterator[tuple[Chunk, Prepared]]:
    """Each chunk with its preparation, in order (see the module's docstring): here until the batch
    has passed ``worker_from`` records, then (``workers`` ≥ 1) in a worker process, chunks ahead."""
    here = Preparer(feed, kr)
    if multiprocessing.current_process().daemon:
        workers = 0  # a daemonic process may not start processes
    it = iter(parts)
    seen = 0
    for part in it:
        seen += len(part)
        if workers >= 1 and seen > worker_from:
            yield from _ahead(part, it, feed, kr)
            return
        yield part, here(part)


def _ahead(first: Chunk, rest: Iterator[Chunk], feed: FeedDefinition, kr: Keyring) -> Iterator[tuple[Chunk, Prepared]]:
    # forkserver: a clean process (the loading one may run threads: a web server, a job runner); the
    # server imports this module once, so a batch's worker starts without importing anything
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=_start, initargs=(feed, kr)) as pool:
        ahead: deque[tuple[Chunk, Future[Prepared]]] = deque([(first, pool.submit(_prepare, first))])
        for part in rest:
            ahead.append((part, pool.submit(_prepare, part)))
            if len(ahead) > 2:
                done, fut = ahead.popleft()
                yield done, fut.result()
        while ahead:
            done, fut = ahead.popleft()
            yield done, fut.result()
