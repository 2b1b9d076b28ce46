"""The web kit's typed dependencies: settings, the unit of work, paging, the NUL guard.

The policies routes declare live with the contexts (``<context>/http/deps.py``; the two every
context uses, ``Public`` and ``SignedIn``, and ``SecurityDep`` are exported by ``anju.security``)."""

from __future__ import annotations

import json
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


def _nul_at(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Where a NUL character sits in a decoded JSON value (a key's NUL is blamed on its object)."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            if NUL in k:
                return path
            found = _nul_at(v, (*path, k))
            if found is not None:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _nul_at(v, (*path, str(i)))
            if found is not None:
                return found
    return None


async def refuse_nul(request: Request) -> None:
    """No request value may carry a NUL character: PostgreSQL text cannot hold one, so it is refused
    here, naming the field, on every database alike (an app-wide dependency)."""
    from anju.core.errors import ValidationError

    for name, value in (*request.path_params.items(), *request.query_params.multi_items()):
        if NUL in name or NUL in str(value):
            raise ValidationError.of(name.replace(NUL, "") or "query", NUL_REASON)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        for name, item in (await request.form()).multi_items():
            text = (item.filename or "") if isinstance(item, UploadFile) else item
            if NUL in name or NUL in text:
                raise ValidationError.of(name.replace(NUL, "") or "body", NUL_REASON)
    elif "json" in ctype:
        body = await request.body()
        if b"\\u0000" not in body:  # JSON spells a NUL as the escape \u0000
            return
        try:
            path = _nul_at(json.loads(body))
        except ValueError:
            return  # not JSON: the route's own parsing names the problem
        if path is not None:
            raise ValidationError.of(".".join(path) or "body", NUL_REASON)


SettingsDep = Annotated[Settings, Depends(get_settings)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
PagingDep = Annotated[Paging, Depends(paging)]
