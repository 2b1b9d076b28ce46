"""Jinja2 templates with the helpers pages share."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from anju.core.clock import to_local
from anju.registry import Status
from anju.security import GRANTS, ROLE_LABELS, Permission

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

STATUS_CLASS = {
    Status.planned.value: "st-planned",
    Status.under_construction.value: "st-building",
    Status.suspended.value: "st-suspended",
    Status.presale.value: "st-presale",
    Status.completed.value: "st-completed",
    Status.in_use.value: "st-inuse",
    Status.retired.value: "st-retired",
    Status.demolished.value: "st-demolished",
}


def fmt_ts(v: datetime | None) -> str:
    return "" if v is None else to_local(v).strftime("%Y-%m-%d %H:%M")


def fmt_area(v: Decimal | None) -> str:
    return "" if v is None else f"{v:.2f}"


def fmt_date(v: date | None) -> str:
    return "—" if v is None else v.isoformat()


templates.env.filters["ts"] = fmt_ts
templates.env.filters["area"] = fmt_area
templates.env.filters["d"] = fmt_date
templates.env.globals["STATUS_CLASS"] = STATUS_CLASS
templates.env.globals["SOURCE_NAMES"] = {
    "synth": "合成", "manual": "人工", "survey": "测绘", "presale": "预售", "registration": "登记", "rental": "租赁",
}
templates.env.globals["STATUSES"] = [s.value for s in Status]


def pager(total: int, page: int, size: int) -> dict[str, int]:
    """What ``_pager.html`` needs to draw a list's page links."""
    return {"page": page, "last": max(1, (total + size - 1) // size), "total": total, "size": size}


templates.env.globals["ROLE_LABELS"] = ROLE_LABELS


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    caller = getattr(request.state, "caller", None)
    role = getattr(caller, "role", None)

    def can(permission: str) -> bool:
        return role is not None and Permission(permission) in GRANTS[role]

    ctx.setdefault("caller", caller)
    ctx["can"] = can
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def render_error(request: Request, status_code: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status_code, code=status_code, message=message)
