"""Market runs: one computation of the market figures, and which run the pages read.

Every computed row carries its ``run_id``. A run is started (``running``), its steps write their rows
inside the run, and it is finished ``done`` (or ``failed``, with the failure in its summary). Pages
and the API read :func:`latest_run` — the newest ``done`` run — so what they show is always one
complete computation, never a half-written one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from anju import registry
from anju.core.clock import now as clock_now
from anju.core.paging import Page, fetch_page
from anju.market.tables import market_runs

R = market_runs


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    engine: str
    status: str
    first_month: str
    last_month: str
    edition: str | None
    params: dict[str, Any]
    summary: dict[str, Any] | None
    started_by: str
    started_at: datetime
    finished_at: datetime | None


def _run(row: Any) -> Run:
    return Run(
        id=row.id,
        engine=row.engine,
        status=row.status,
        first_month=row.first_month,
        last_month=row.last_month,
        edition=row.edition,
        params=json.loads(row.params),
        summary=json.loads(row.summary) if row.summary else None,
        started_by=row.started_by,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def start_run(
    conn: Connection,
    *,
    engine: str,
    first_month: str,
    last_month: str,
    edition: str | None,
    params: dict[str, Any],
    started_by: str,
    job_id: int | None = None,
) -> Run:
    """A new run, ``running``."""
    run_id = conn.execute(
        insert(R)
        .values(
            engine=engine,
            status="running",
            first_month=first_month,
            last_month=last_month,
            edition=edition,
            params=json.dumps(params, ensure_ascii=False, sort_keys=True),
            job_id=job_id,
            started_by=started_by,
            started_at=clock_now(),
        )
        .returning(R.c.id)
    ).scalar_one()
    return get_run(conn, run_id)


def finish_run(conn: Connection, run_id: int, *, status: str, summary: dict[str, Any]) -> None:
    """Mark a run ``done`` or ``failed`` with its summary (counts, timings, or the failure)."""
    if status not in ("done", "failed"):
        raise ValueError(f"status: {status!r} is not done or failed")
    conn.execute(
        update(R)
        .where(R.c.id == run_id)
        .values(
            status=status,
            summary=json.dumps(summary, ensure_ascii=False, sort_keys=True, default=str),
            finished_at=clock_now(),
        )
    )


def get_run(conn: Connection, run_id: int) -> Run:
    row = conn.execute(select(R).where(R.c.id == run_id)).one()
    return _run(row)


def latest_run(conn: Connection) -> Run | None:
    """The newest finished (``done``) run, or None before the first."""
    row = conn.execute(select(R).where(R.c.status == "done").order_by(R.c.id.desc()).limit(1)).first()
    return _run(row) if row is not None else None


def list_runs(conn: Connection, *, limit: int, offset: int) -> Page[Run]:
    """Every run, newest first, one page."""
    return fetch_page(conn, select(R).order_by(R.c.id.desc()), limit=limit, offset=offset, row=_run)


def is_synthetic(conn: Connection, run: Run) -> bool:
    """Whether ``run`` computed from synthetic data (then every figure shown of it says 合成,
    :data:`anju.market.domain.SYNTHETIC_LABEL`): the run's own ``synthetic`` flag in its params (the
    computation records it), and for a run without the flag, whether the register is a synthetic city
    (:func:`anju.registry.synthetic_scale`). The one synthetic rule of the market pages and exports."""
    flag = run.params.get("synthetic")
    if flag is not None:
        return bool(flag)
    return registry.synthetic_scale(conn) is not None


def latest_is_synthetic(conn: Connection) -> bool:
    """:func:`is_synthetic` of the latest finished run (False before the first)."""
    run = latest_run(conn)
    return run is not None and is_synthetic(conn, run)


def synthetic_note(synthetic: bool) -> str | None:
    """The trailing note row of a CSV export of synthetic figures (None for real data)."""
    from anju.market.domain import SYNTHETIC_LABEL

    return SYNTHETIC_LABEL if synthetic else None
