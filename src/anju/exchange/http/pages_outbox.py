"""Events out as pages (数据推送): the subscribers with their delivery status, creating one (its
signing secret shown once), changing its topics, pausing and resuming, rotating the secret, retrying
parked deliveries now; and the event log. Thin: parse, call ``subscribers``, render or redirect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju.core.errors import AnjuError, FieldError
from anju.exchange import subscribers
from anju.exchange.http.deps import ExchangeRead, ExchangeSubscribe
from anju.exchange.outbox import topics
from anju.security import SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action, split_errors
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
FIELDS = ("name", "department", "kind", "url", "amqp_exchange", "routing_key", "topics")
DONE = {
    "topics": "订阅的事件主题已保存。",
    "paused": "推送已暂停：新事件照常排队，恢复后按序补发。",
    "active": "推送已恢复。",
    "retried": "失败和已搁置的推送已安排立即重试。",
}
ENTITY = "exchange_subscriber"


@router.get("/exchange/subscribers", response_class=HTMLResponse)
def subscribers_page(
    request: Request,
    uow: UowDep,
    caller: ExchangeRead,
    paging: PagingDep,
    done: Annotated[str, Query(max_length=24)] = "",
) -> HTMLResponse:
    """Every subscriber with its backlog: pending, failing, parked, lag, last error."""
    with uow.read() as conn:
        page = subscribers.list_subscribers(conn, limit=paging.page_size, offset=paging.offset)
        status = subscribers.statuses(conn, [x.id for x in page.items])
    return render(
        request,
        "exchange/subscribers.html",
        items=page.items,
        status=status,
        pager=pager(page.total, paging.page, paging.page_size),
        done=DONE.get(done),
    )


def _form(
    request: Request,
    values: dict[str, object],
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    errs, rest = split_errors(errors or [], FIELDS)
    return render(
        request,
        "exchange/subscriber_new.html",
        status_code=status_code,
        values=values,
        errs=errs,
        errors=rest,
        message=message,
        kinds=subscribers.KINDS,
        topics=topics(),
    )


@router.get("/exchange/subscribers/new", response_class=HTMLResponse)
def new_subscriber(request: Request, caller: ExchangeSubscribe) -> HTMLResponse:
    return _form(request, {"kind": "webhook", "topics": []})


@router.post("/exchange/subscribers/new", response_class=HTMLResponse)
def create_subscriber(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: ExchangeSubscribe,
    name: Annotated[str, Form(max_length=120)] = "",
    department: Annotated[str, Form(max_length=120)] = "",
    kind: Annotated[str, Form(max_length=8)] = "",
    url: Annotated[str, Form(max_length=600)] = "",
    amqp_exchange: Annotated[str, Form(max_length=200)] = "",
    routing_key: Annotated[str, Form(max_length=200)] = "",
    topic: Annotated[list[str], Form(max_length=60)] = [],  # noqa: B006 - FastAPI reads the default
    personal: Annotated[str, Form(max_length=3)] = "",
) -> HTMLResponse:
    """Create a subscriber and show its signing secret this once; a problem is named by its field and
    nothing is written."""
    cmd = subscribers.SubscriberIn(
        name, department, kind, url, amqp_exchange, routing_key, tuple(topic), bool(personal)
    )
    try:
        with audited(uow, caller, "exchange.subscriber_create", ENTITY) as conn:
            sid, secret = subscribers.create_subscriber(conn, sec.keyring, cmd)
            set_audit_target(conn, sid)
    except AnjuError as e:
        values: dict[str, object] = dict(name=name, department=department, kind=kind, url=url,
                                         amqp_exchange=amqp_exchange, routing_key=routing_key, topics=topic,
                                         personal=bool(personal))  # fmt: skip
        return _form(request, values, e.errors, e.message, e.status_code)
    return render(request, "exchange/secret.html", sid=sid, sub_name=cmd.name.strip(), secret=secret, created=True)


@router.get("/exchange/subscribers/{sid}", response_class=HTMLResponse)
def subscriber_page(
    request: Request,
    uow: UowDep,
    caller: ExchangeRead,
    paging: PagingDep,
    sid: Id,
    done: Annotated[str, Query(max_length=24)] = "",
) -> HTMLResponse:
    """One subscriber: its settings, backlog, and the deliveries that failed or are parked."""
    with uow.read() as conn:
        x = subscribers.get_subscriber(conn, sid)
        st = subscribers.statuses(conn, [sid])[sid]
        page = subscribers.troubled(conn, sid, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "exchange/subscriber.html",
        x=x,
        st=st,
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        topics=topics(),
        done=DONE.get(done),
    )


def _again(request: Request, uow: UowDep, sid: int, e: AnjuError) -> HTMLResponse:
    with uow.read() as conn:
        x = subscribers.get_subscriber(conn, sid)
        st = subscribers.statuses(conn, [sid])[sid]
    return render(
        request,
        "exchange/subscriber.html",
        status_code=e.status_code,
        x=x,
        st=st,
        items=[],
        pager=None,
        topics=topics(),
        message=e.message,
        errors=e.errors,
    )


@router.post("/exchange/subscribers/{sid}/topics", response_class=HTMLResponse)
def change_topics(
    request: Request,
    uow: UowDep,
    caller: ExchangeSubscribe,
    sid: Id,
    topic: Annotated[list[str], Form(max_length=60)] = [],  # noqa: B006 - FastAPI reads the default
    personal: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    def write() -> None:
        with audited(uow, caller, "exchange.subscriber_topics", ENTITY, sid) as conn:
            subscribers.set_topics(conn, sid, topic, bool(personal))

    return form_action(
        write, done=f"/exchange/subscribers/{sid}?done=topics", again=lambda e: _again(request, uow, sid, e)
    )


@router.post("/exchange/subscribers/{sid}/status", response_class=HTMLResponse)
def change_status(
    request: Request, uow: UowDep, caller: ExchangeSubscribe, sid: Id, status: Annotated[str, Form(max_length=8)] = ""
) -> Response:
    action = "exchange.subscriber_pause" if status == "paused" else "exchange.subscriber_resume"

    def write() -> None:
        with audited(uow, caller, action, ENTITY, sid) as conn:
            subscribers.set_status(conn, sid, status)

    return form_action(
        write, done=f"/exchange/subscribers/{sid}?done={status}", again=lambda e: _again(request, uow, sid, e)
    )


@router.post("/exchange/subscribers/{sid}/retry", response_class=HTMLResponse)
def retry(request: Request, uow: UowDep, caller: ExchangeSubscribe, sid: Id) -> Response:
    def write() -> None:
        with audited(uow, caller, "exchange.delivery_retry", ENTITY, sid) as conn:
            subscribers.retry_now(conn, sid)

    return form_action(
        write, done=f"/exchange/subscribers/{sid}?done=retried", again=lambda e: _again(request, uow, sid, e)
    )


@router.get("/exchange/subscribers/{sid}/rotate", response_class=HTMLResponse)
def rotate_confirm(request: Request, uow: UowDep, caller: ExchangeSubscribe, sid: Id) -> HTMLResponse:
    """The confirmation before the signing secret changes (the old one stops at once)."""
    with uow.read() as conn:
        x = subscribers.get_subscriber(conn, sid)
    return render(request, "exchange/rotate.html", x=x)


@router.post("/exchange/subscribers/{sid}/rotate", response_class=HTMLResponse)
def rotate(request: Request, uow: UowDep, sec: SecurityDep, caller: ExchangeSubscribe, sid: Id) -> HTMLResponse:
    with audited(uow, caller, "exchange.subscriber_rotate", ENTITY, sid) as conn:
        secret = subscribers.rotate_secret(conn, sec.keyring, sid)
        name = subscribers.get_subscriber(conn, sid).name
    return render(request, "exchange/secret.html", sid=sid, sub_name=name, secret=secret, created=False)


@router.get("/exchange/events", response_class=HTMLResponse)
def events_page(
    request: Request,
    uow: UowDep,
    caller: ExchangeRead,
    paging: PagingDep,
    topic: Annotated[str, Query(max_length=60)] = "",
) -> HTMLResponse:
    """The event log, newest first, by topic (personal values stay sealed: only their presence shows)."""
    declared = topics()
    chosen = topic if topic in declared else ""
    with uow.read() as conn:
        page = subscribers.list_events(conn, topic=chosen or None, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "exchange/events.html",
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        topics=declared,
        f={"topic": chosen},
    )
