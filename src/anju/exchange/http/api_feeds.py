"""REST routes of the exchange's feeds (under /api/v1/exchange): thin — parse, call the service, shape.

``POST /exchange/feeds/{dataset}/batches`` (a staff account holding ``exchange.feed``) and
``POST /exchange/client/feeds/{dataset}/batches`` (a department client whose token carries the scope
``<dataset>:write``, with ``X-Purpose``) take a JSON array of records or NDJSON (one object per line,
``Content-Type: application/x-ndjson``); both call the same service, which records who delivered."""

from __future__ import annotations

import json
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam

from anju import exchange
from anju.core.errors import FieldError, TooLarge, ValidationError
from anju.exchange.http.deps import ExchangeFeed, ExchangeRead, ExchangeReplay
from anju.exchange.http.schemas import (
    BatchDetail,
    BatchOut,
    BatchResultOut,
    DeadLetterOut,
    DiscardBody,
    FeedOut,
    FieldQualityOut,
    RejectionOut,
    ReplayBody,
    ReplayOut,
)
from anju.security import Caller, ClientCall, SecurityDep, client_access
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/exchange", tags=["exchange"], responses=ERRORS)

Id = Annotated[int, PathParam(ge=1, le=2**62)]
Dataset = Annotated[str, PathParam(pattern=r"^[a-z_]+\.[a-z_]+$", max_length=80)]
BatchStatus = Literal["done", "failed"]
Channel = Literal["file", "api", "replay"]
LetterStatus = Literal["open", "replayed", "discarded"]


def result_out(r: exchange.BatchResult) -> BatchResultOut:
    return BatchResultOut(
        batch_id=r.batch_id,
        dataset=r.dataset,
        status=r.status,
        received=r.received,
        accepted=r.accepted,
        rejected=r.rejected,
        duplicate=r.duplicate,
        error=r.error,
        rejections=[RejectionOut(seq=x.seq, field=x.field, reason=x.reason) for x in r.rejections],
    )


@router.get("/feeds", operation_id="list_feeds")
def list_feeds(uow: UowDep, _: ExchangeRead) -> list[FeedOut]:
    """Every declared feed with its totals (received, accepted, rejected, duplicates, last batch, lag)."""
    with uow.read() as conn:
        return [FeedOut(**m) for m in exchange.feed_metrics(conn)]


@router.get("/feeds/{dataset}/batches", operation_id="list_feed_batches")
def list_feed_batches(
    uow: UowDep,
    _: ExchangeRead,
    paging: PagingDep,
    dataset: Dataset,
    status: Annotated[BatchStatus | None, Query(description="批次状态")] = None,
    channel: Annotated[Channel | None, Query(description="渠道：file、api、replay")] = None,
) -> Page[BatchOut]:
    exchange.feed(dataset)
    with uow.read() as conn:
        found = exchange.list_batches(
            conn, dataset, status=status, channel=channel, offset=paging.offset, limit=paging.page_size
        )
    return Page(
        items=[BatchOut(**b) for b in found.items], total=found.total, page=paging.page, page_size=paging.page_size
    )


def _parse_body(body: bytes, content_type: str) -> list[object]:
    text = body.decode("utf-8-sig", errors="strict") if body else ""
    if "ndjson" in content_type or "jsonlines" in content_type:
        out: list[object] = []
        for n, line in enumerate(text.split("\n"), start=1):  # not splitlines: U+2028 may be inside a string
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                out.append(exchange.Unreadable(f"第 {n} 行不是有效的 JSON：{e.msg}"))
        return out
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValidationError.of("body", f"不是有效的 JSON：{e.msg}") from None
    if not isinstance(parsed, list):
        raise ValidationError.of("body", "请求体应为记录（JSON 对象）的数组，或 NDJSON")
    return parsed


@router.post("/feeds/{dataset}/batches", operation_id="deliver_feed_batch", status_code=201)
async def deliver_batch(
    request: Request, uow: UowDep, settings: SettingsDep, caller: ExchangeFeed, dataset: Dataset
) -> BatchResultOut:
    """Deliver one batch of ``dataset`` (JSON array, or NDJSON with ``Content-Type: application/x-ndjson``):
    checked record by record; bad records go to the dead-letter list, the rest is applied, in one
    transaction."""
    return await _deliver(request, uow, settings, caller, dataset, None)


@router.post("/client/feeds/{dataset}/batches", operation_id="client_deliver_feed_batch", status_code=201)
async def client_deliver_batch(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    call: Annotated[ClientCall, client_access("write")],
    dataset: Dataset,
) -> BatchResultOut:
    """A department's system delivers one batch of ``dataset`` (its token's scope ``<dataset>:write``,
    the purpose in ``X-Purpose``): the same intake as the staff route; the batch names the client."""
    return await _deliver(request, uow, settings, call.caller, dataset, f"{call.department}（{call.client_id}）")


async def _deliver(
    request: Request, uow: UowDep, settings: SettingsDep, caller: Caller, dataset: str, delivered_by: str | None
) -> BatchResultOut:
    f = exchange.feed(dataset)
    limit = settings.upload_max_bytes
    body = bytearray()
    async for part in request.stream():
        body.extend(part)
        if len(body) > limit:
            raise TooLarge(f"请求体超过上限 {limit} 字节", [FieldError("body", f"不能超过 {limit} 字节")])
    try:
        items = _parse_body(bytes(body), request.headers.get("content-type", ""))
    except UnicodeDecodeError:
        raise ValidationError.of("body", "请求体应为 UTF-8 编码") from None
    records = exchange.json_array(items, f)
    result = await anyio.to_thread.run_sync(
        lambda: exchange.load_feed(uow, settings, f, records, caller=caller, channel="api", delivered_by=delivered_by)
    )
    return result_out(result)


@router.get("/batches/{batch_id}", operation_id="get_feed_batch")
def get_batch(uow: UowDep, _: ExchangeRead, batch_id: Id) -> BatchDetail:
    with uow.read() as conn:
        b = exchange.get_batch(conn, batch_id)
        quality = exchange.batch_quality(conn, exchange.feed_or_none(b["dataset"]), batch_id)
    return BatchDetail(**b, quality=[FieldQualityOut(**q) for q in quality])


@router.post("/batches/{batch_id}/replay", operation_id="replay_feed_batch")
def replay_batch(uow: UowDep, settings: SettingsDep, caller: ExchangeReplay, batch_id: Id) -> ReplayOut:
    """Replay every open dead letter of a batch (after the cause was fixed, e.g. the home now exists)."""
    with uow.read() as conn:
        exchange.get_batch(conn, batch_id)
    r = exchange.replay(uow, settings, caller, batch_id=batch_id)
    return ReplayOut(batch=result_out(r.batch), replayed=r.replayed, still_open=r.still_open)


@router.get("/dead-letters", operation_id="list_dead_letters")
def list_dead_letters(
    uow: UowDep,
    sec: SecurityDep,
    _: ExchangeRead,
    paging: PagingDep,
    batch_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    dataset: Annotated[str | None, Query(max_length=80)] = None,
    status: Annotated[LetterStatus | None, Query()] = None,
) -> Page[DeadLetterOut]:
    """Dead letters (personal fields masked), newest batch first."""
    with uow.read() as conn:
        found = exchange.list_dead_letters(
            conn,
            sec.keyring,
            batch_id=batch_id,
            dataset=dataset,
            status=status,
            offset=paging.offset,
            limit=paging.page_size,
        )
    return Page(
        items=[DeadLetterOut.model_validate(d) for d in found.items],
        total=found.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/dead-letters/{letter_id}", operation_id="get_dead_letter")
def get_dead_letter(uow: UowDep, sec: SecurityDep, _: ExchangeRead, letter_id: Id) -> DeadLetterOut:
    with uow.read() as conn:
        return DeadLetterOut.model_validate(exchange.get_dead_letter(conn, sec.keyring, letter_id))


@router.post("/dead-letters/{letter_id}/replay", operation_id="replay_dead_letter")
def replay_letter(
    uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: ExchangeReplay, letter_id: Id, body: ReplayBody
) -> ReplayOut:
    """Replay one dead letter with fixed field values, through the same checks and handler."""
    with uow.read() as conn:
        exchange.get_dead_letter(conn, sec.keyring, letter_id)
    r = exchange.replay(uow, settings, caller, letter_ids=[letter_id], fixes={letter_id: body.fields})
    return ReplayOut(batch=result_out(r.batch), replayed=r.replayed, still_open=r.still_open)


@router.post("/dead-letters/{letter_id}/discard", operation_id="discard_dead_letter", status_code=204)
def discard_letter(uow: UowDep, caller: ExchangeReplay, letter_id: Id, body: DiscardBody) -> None:
    exchange.discard(uow, caller, letter_id, body.reason)
