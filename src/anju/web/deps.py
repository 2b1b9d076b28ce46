"""The web kit's typed dependencies: settings, the unit of work, paging, the guard against text that
cannot be stored (NUL, lone surrogates).

The policies routes declare live with the contexts (``<context>/http/deps.py``; the two every
context uses, ``Public`` and ``SignedIn``, and ``SecurityDep`` are exported by ``anju.security``)."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from starlette.datastructures import UploadFile

from anju.core.db import UnitOfWork
from anju.core.settings import Settings

# Dependencies that do no I/O are ``async def`` so FastAPI does not hop to a worker thread for them.


async def get_settings(request: Request) -> Settings:
    s: Settings = request.app.state.settings
    return s


async def get_uow(request: Request) -> UnitOfWork:
    u: UnitOfWork = request.app.state.uow
    return u


class Paging:
    def __init__(self, page: int, page_size: int) -> None:
        self.page = page
        self.page_size = page_size

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


async def paging(
    request: Request,
    page: Annotated[int, Query(ge=1, le=1_000_000, description="页码，从 1 开始")] = 1,
    page_size: Annotated[int | None, Query(ge=1, description="每页条数")] = None,
) -> Paging:
    s: Settings = request.app.state.settings
    size = page_size or s.page_size_default
    if size > s.page_size_max:
        from anju.core.errors import ValidationError

        raise ValidationError.of("page_size", f"每页最多 {s.page_size_max} 条")
    return Paging(page, size)


NUL = "\x00"
NUL_REASON = "不能包含空字符（U+0000）"
SURROGATE_REASON = "含有无效的 Unicode 字符（孤立的代理项 U+D800–U+DFFF），无法以 UTF-8 保存"
_SURROGATE = re.compile("[\ud800-\udfff]")
# How a JSON body can carry the characters refused: the escapes \u0000 and \uD800–\uDFFF (a valid pair
# decodes to one character), a surrogate's bytes in UTF-8 (ED A0–BF …: json.loads passes them through),
# or any NUL byte (a body in UTF-16 or UTF-32).
_JSON_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})|\xed[\xa0-\xbf]|\x00")


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored or answered: a NUL (PostgreSQL text cannot hold one), or a lone
    surrogate (no UTF-8 encoding exists: the database, the log and the JSON answer would all fail)."""
    if NUL in text:
        return NUL_REASON
    if not text.isascii() and _SURROGATE.search(text):
        return SURROGATE_REASON
    return None


def _unstorable_at(value: Any, path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], str] | None:
    """Where a refused character sits in a decoded JSON value, and why (a key's is blamed on its object)."""
    if isinstance(value, str):
        reason = unstorable(value)
        return (path, reason) if reason else None
    if isinstance(value, dict):
        for k, v in value.items():
            reason = unstorable(k)
            if reason:
                return path, reason
            found = _unstorable_at(v, (*path, k))
            if found is not None:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _unstorable_at(v, (*path, str(i)))
            if found is not None:
                return found
    return None


def _clean(name: str) -> str:
    return "".join(ch for ch in name if not unstorable(ch))


async def refuse_unstorable_text(request: Request) -> None:
    """No request value may carry a NUL character or a lone surrogate: it is refused here with a 422
    naming the field, on every database and for every route alike (an app-wide dependency), before a
    route could store it, log it or fail to encode its answer."""
    from anju.core.errors import ValidationError

    for name, value in (*request.path_params.items(), *request.query_params.multi_items()):
        reason = unstorable(name) or unstorable(str(value))
        if reason:
            raise ValidationError.of(_clean(name) or "query", reason)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        for name, item in (await request.form()).multi_items():
            text = (item.filename or "") if isinstance(item, UploadFile) else item
            reason = unstorable(name) or unstorable(text)
            if reason:
                raise ValidationError.of(_clean(name) or "body", reason)
    elif "json" in ctype:
        body = await request.body()
        if not _JSON_SUSPECT.search(body):
            return
        try:
            found = _unstorable_at(json.loads(body))
        except ValueError:
            return  # not JSON: the route's own parsing names the problem
        if found is not None:
            path, reason = found
            raise ValidationError.of(".".join(path) or "body", reason)


SettingsDep = Annotated[Settings, Depends(get_settings)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
PagingDep = Annotated[Paging, Depends(paging)]
