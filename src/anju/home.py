"""The home page: a public portal for anyone not signed in, each role's workbench (工作台) for the
signed-in — what waits for *me* (each context counts its own through ``Context.worklist``), my area's
key figures, and my menu's pages as shortcuts. Composition only: the contexts are reached through the
one list, never imported here. Part of the composition root (like ``app.py``), which alone may ask
every context."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from anju.contexts import CONTEXTS, MENU_GROUPS, MenuItem, load
from anju.core.worklist import Provider, WorkItem
from anju.security import Caller, Public
from anju.web.deps import UowDep
from anju.web.templating import render

router = APIRouter(include_in_schema=False)


def menu_for(caller: Caller | None) -> list[tuple[str, list[MenuItem]]]:
    """The header's menu for the caller: the contexts' pages the caller's role may open, by group
    (installed as a template global by the composition root; the web kit knows no context)."""
    if caller is None or not caller.signed_in:
        return []
    items = [m for c in CONTEXTS for m in c.menu if caller.can(m.permission)]
    return [(g, [m for m in items if m.group == g]) for g in MENU_GROUPS if any(m.group == g for m in items)]


def work_for(uow: UowDep, caller: Caller) -> list[WorkItem]:
    """Every context's items for the caller, in the order of the one list, in one read transaction."""
    out: list[WorkItem] = []
    with uow.read() as conn:
        for c in CONTEXTS:
            if c.worklist:
                provider: Provider = load(c.worklist)
                out.extend(provider(conn, caller))
    return out


@router.get("/", response_class=HTMLResponse)
def home(request: Request, uow: UowDep, caller: Public) -> HTMLResponse:
    """The portal (not signed in) or the caller's workbench."""
    if not caller.signed_in:
        return render(request, "portal.html")
    work = work_for(uow, caller)
    return render(
        request,
        "workbench.html",
        tasks=[w for w in work if w.kind == "task"],
        figures=[w for w in work if w.kind == "figure"],
    )
