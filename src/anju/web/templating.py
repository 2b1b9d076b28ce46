"""Jinja2 templates with the helpers pages share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from anju.core.clock import to_local

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def fmt_ts(v: datetime | None) -> str:
    return "" if v is None else to_local(v).strftime("%Y-%m-%d %H:%M")


def fmt_area(v: Decimal | None) -> str:
    return "" if v is None else f"{v:.2f}"


def fmt_date(v: date | None) -> str:
    return "—" if v is None else v.isoformat()


templates.env.filters["ts"] = fmt_ts
templates.env.filters["area"] = fmt_area
templates.env.filters["d"] = fmt_date


def add_globals(values: Mapping[str, Any]) -> None:
    """Names the contexts' templates share (a context's ``http.TEMPLATE_GLOBALS``, installed by the
    composition root): the web kit itself knows no context."""
    templates.env.globals.update(values)


def pager(total: int, page: int, size: int) -> dict[str, int]:
    """What ``_pager.html`` needs to draw a list's page links."""
    return {"page": page, "last": max(1, (total + size - 1) // size), "total": total, "size": size}


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    caller = getattr(request.state, "caller", None)

    def can(permission: str) -> bool:
        return caller is not None and bool(caller.can(permission))

    ctx.setdefault("caller", caller)
    ctx["can"] = can
    menu_for = templates.env.globals.get("menu_for")  # installed by the composition root
    ctx["menu"] = menu_for(caller) if callable(menu_for) else []
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def render_error(request: Request, status_code: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status_code, code=status_code, message=message)
