"""Pure-ASGI middleware: request ids, security headers, the server's time (``Server-Timing``) and a
request-body size limit."""

from __future__ import annotations

import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """Every response gets the security headers; dynamic responses are not cached by browsers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = rid
        https = scope.get("scheme") == "https"
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                headers.append((b"x-request-id", rid.encode()))
                # the server's own time up to the response head (benchmarks read it; no detail leaks)
                took = (time.perf_counter() - started) * 1000
                headers.append((b"server-timing", f"app;dur={took:.1f}".encode()))
                if https:
                    headers.append(HSTS)
                if not static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse request bodies above ``limit`` bytes (``upload_limit`` on the upload paths) with 413."""

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int, upload_paths: tuple[str, ...]) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.upload_limit if path.startswith(self.upload_paths) else self.limit
        html = False
        too_big = False
        for k, v in scope.get("headers", []):
            if k == b"content-length" and v.isdigit() and int(v) > limit:
                too_big = True
            elif k == b"accept" and b"text/html" in v:
                html = True
        if too_big:
            await _too_large(send, limit, html)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await _too_large(send, limit, html)


class BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int, html: bool) -> None:
    import json

    message = f"请求内容过大：文件过大，上限 {max(1, limit // 1024)} KiB"
    if html:
        body = (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>413 · 安居</title>'
            f'<link rel="stylesheet" href="/static/anju.css"><main><h1>413</h1><p class="error">{message}</p>'
            '<p><a href="/">返回首页</a></p></main></html>'
        ).encode()
        ctype = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"error": "too_large", "message": message, "errors": []}, ensure_ascii=False).encode()
        ctype = b"application/json"
    start: dict[str, Any] = {
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body})
