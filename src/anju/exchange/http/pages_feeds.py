"""HTML pages of the exchange's feeds (数据接入): the feeds and their metrics, a feed (its batches and
quality trends, a file upload run as a background job), a batch (its quality and dead letters), and a
dead letter (fix and replay, or discard)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from anju import exchange
from anju.core import clock, jobs
from anju.core.errors import FieldError, TooLarge
from anju.core.xlsx import XlsxLimits
from anju.exchange.http.api_feeds import BatchStatus, Channel, Dataset, Id, LetterStatus
from anju.exchange.http.deps import ExchangeFeed, ExchangeRead, ExchangeReplay
from anju.security import SecurityDep
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

LABELS: dict[str, Any] = {
    "channels": exchange.CHANNEL_LABELS,
    "batch_statuses": exchange.BATCH_STATUS_LABELS,
    "letter_statuses": exchange.DEAD_LETTER_STATUS_LABELS,
}
FEEDS = ("数据接入", "/exchange/feeds")


@router.get("/exchange/feeds", response_class=HTMLResponse)
def feeds_page(request: Request, uow: UowDep, _: ExchangeRead) -> HTMLResponse:
    with uow.read() as conn:
        metrics = exchange.feed_metrics(conn)
    return render(request, "exchange/feeds.html", feeds=metrics, crumbs=[])


@router.get("/exchange/feeds/{dataset}", response_class=HTMLResponse)
def feed_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    _: ExchangeRead,
    paging: PagingDep,
    dataset: Dataset,
    status: Annotated[BatchStatus | None, Query()] = None,
    channel: Annotated[Channel | None, Query()] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> HTMLResponse:
    f = exchange.feed(dataset)
    with uow.read() as conn:
        batches = exchange.list_batches(
            conn, dataset, status=status, channel=channel, offset=paging.offset, limit=paging.page_size
        )
        trend = exchange.quality_trend(conn, dataset, days, clock.today())
    chart = {
        "days": [t["day"].isoformat() for t in trend],
        "completeness": [t["completeness"] for t in trend],
        "validity": [t["validity"] for t in trend],
        "lag_hours": [None if t["lag_seconds"] is None else round(t["lag_seconds"] / 3600, 1) for t in trend],
    }
    return render(
        request,
        "exchange/feed.html",
        feed=f,
        batches=batches.items,
        pager=pager(batches.total, paging.page, paging.page_size),
        trend=trend,
        chart=chart,
        status=status,
        channel=channel,
        days=days,
        max_mb=settings.upload_max_bytes // (1024 * 1024),
        trail=[FEEDS],
        crumbs=[],
        **LABELS,
    )


@router.post("/exchange/feeds/{dataset}/upload", response_class=RedirectResponse)
def feed_upload(
    uow: UowDep,
    settings: SettingsDep,
    caller: ExchangeFeed,
    dataset: Dataset,
    file: Annotated[UploadFile, File()],
) -> RedirectResponse:
    """Receive a feed's file as a background job and answer at once with the job's page (its progress)."""
    f = exchange.feed(dataset)
    limit = settings.upload_max_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"上传的文件超过上限 {limit} 字节", [FieldError("file", f"文件不能超过 {limit} 字节")])
    filename = (file.filename or "upload")[:200]

    def work(progress: jobs.Progress) -> jobs.Done:
        records = exchange.read_bytes(data, filename, f, XlsxLimits.of(settings))
        r = exchange.load_feed(
            uow, settings, f, records, caller=caller, channel="file", filename=filename, progress=progress
        )
        if r.status != "done":
            return jobs.Done(f"/exchange/batches/{r.batch_id}", f"未接收：{r.error}")
        counts = f"共 {r.received} 条：接收 {r.accepted}，重复 {r.duplicate}，拒绝 {r.rejected}（进入死信）"
        return jobs.Done(f"/exchange/batches/{r.batch_id}", counts)

    job = jobs.start(
        uow,
        settings.data_dir,
        kind="exchange.feed",
        title=f"{f.title}：{filename[:100]}",
        owner=caller.account_id,
        work=work,
    )
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@router.get("/exchange/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    _: ExchangeRead,
    paging: PagingDep,
    batch_id: Id,
    status: Annotated[LetterStatus | None, Query()] = None,
) -> HTMLResponse:
    with uow.read() as conn:
        b = exchange.get_batch(conn, batch_id)
        f = exchange.feed_or_none(b["dataset"])
        quality = exchange.batch_quality(conn, f, batch_id)
        letters = exchange.list_dead_letters(
            conn, sec.keyring, batch_id=batch_id, status=status, offset=paging.offset, limit=paging.page_size
        )
    crumbs = [FEEDS, (f.title if f else b["dataset"], f"/exchange/feeds/{b['dataset']}")]
    return render(
        request,
        "exchange/batch.html",
        batch=b,
        feed=f,
        quality=quality,
        letters=letters.items,
        pager=pager(letters.total, paging.page, paging.page_size),
        status=status,
        trail=crumbs,
        crumbs=[],
        **LABELS,
    )


@router.post("/exchange/batches/{batch_id}/replay", response_class=HTMLResponse)
def batch_replay(
    request: Request, uow: UowDep, settings: SettingsDep, caller: ExchangeReplay, batch_id: Id
) -> HTMLResponse:
    """Replay every open dead letter of the batch (the cause was fixed elsewhere)."""
    with uow.read() as conn:
        b = exchange.get_batch(conn, batch_id)
    r = exchange.replay(uow, settings, caller, batch_id=batch_id)
    crumbs = [
        FEEDS,
        (b["dataset"], f"/exchange/feeds/{b['dataset']}"),
        (f"批次 #{batch_id}", f"/exchange/batches/{batch_id}"),
    ]
    return render(request, "exchange/replayed.html", result=r, trail=crumbs, crumbs=[], **LABELS)


def _letter_crumbs(letter: exchange.DeadLetterView) -> list[tuple[str, str]]:
    bid = letter["batch_id"]
    return [
        FEEDS,
        (letter["dataset"], f"/exchange/feeds/{letter['dataset']}"),
        (f"批次 #{bid}", f"/exchange/batches/{bid}"),
    ]


@router.get("/exchange/dead-letters/{letter_id}", response_class=HTMLResponse)
def letter_page(request: Request, uow: UowDep, sec: SecurityDep, _: ExchangeRead, letter_id: Id) -> HTMLResponse:
    with uow.read() as conn:
        letter = exchange.get_dead_letter(conn, sec.keyring, letter_id)
    return render(
        request, "exchange/dead_letter.html", letter=letter, trail=_letter_crumbs(letter), crumbs=[], **LABELS
    )


@router.post("/exchange/dead-letters/{letter_id}/replay", response_class=HTMLResponse)
async def letter_replay(
    request: Request, uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: ExchangeReplay, letter_id: Id
) -> HTMLResponse:
    """Replay the dead letter with the values of the form (``f_<field>``; a personal field left empty
    keeps its stored value)."""
    form = await request.form()
    fixes = {str(k)[2:]: str(v) for k, v in form.items() if str(k).startswith("f_") and isinstance(v, str)}
    with uow.read() as conn:
        letter = exchange.get_dead_letter(conn, sec.keyring, letter_id)
    r = await anyio.to_thread.run_sync(
        lambda: exchange.replay(uow, settings, caller, letter_ids=[letter_id], fixes={letter_id: fixes})
    )
    return render(
        request, "exchange/replayed.html", result=r, letter=letter, trail=_letter_crumbs(letter), crumbs=[], **LABELS
    )


@router.post("/exchange/dead-letters/{letter_id}/discard", response_class=RedirectResponse)
def letter_discard(
    uow: UowDep, caller: ExchangeReplay, letter_id: Id, reason: Annotated[str, Form(max_length=500)] = ""
) -> RedirectResponse:
    exchange.discard(uow, caller, letter_id, reason)
    return RedirectResponse(f"/exchange/dead-letters/{letter_id}", status_code=303)
