"""A department's feed file (CSV, JSON Lines, JSON or .xlsx; the feed's field names or Chinese labels as
header) delivered through the one feed mechanism (``anju.exchange.load_feed``): every record checked
field by field, duplicates of accepted records dropped, bad records dead-lettered, the rest applied
by the source's handler (:mod:`anju.assistance.department_feeds`), one transaction per file.

The synthetic generator (``anju.synth.departments``) and the tests deliver files this way, so
synthetic department data goes through exactly the checks live deliveries do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from anju import exchange
from anju.assistance.department_feeds import SOURCES
from anju.core.db import UnitOfWork
from anju.core.settings import Settings
from anju.exchange import Rejection
from anju.security import Caller


@dataclass
class LoadResult:
    """What one file did: the exchange's batch, how many records were received, applied, rejected
    (and the first rejections, in the file's order)."""

    source: str
    batch_id: int
    records: int = 0
    applied: int = 0
    rejected: int = 0
    duplicate: int = 0
    rejections: list[Rejection] = field(default_factory=list)


def load_file(
    target: Engine | UnitOfWork,
    settings: Settings,
    source: str,
    path: Path,
    *,
    caller: Caller | None = None,
    received_at: datetime | None = None,
) -> LoadResult:
    """Deliver ``path`` as one batch of the source's feed (``SOURCES``: hukou, social_insurance,
    minimum_income, provident_fund) through the exchange."""
    src = SOURCES[source]
    r = exchange.load_feed(
        target,
        settings,
        src.feed,
        exchange.read_records(path, src.feed),
        caller=caller or Caller.system("department-file"),
        channel="file",
        filename=path.name,
        now=received_at,
    )
    return LoadResult(source, r.batch_id, r.received, r.accepted, r.rejected, r.duplicate, list(r.rejections))
