"""What every command line needs, once: the settings, an engine over the configured database, and a
progress printer for long jobs. Context CLIs import these (never the root CLI module)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from anju.core.settings import Settings


def settings() -> Settings:
    from anju.core.settings import load_settings

    return load_settings()


def engine(s: Settings | None = None) -> Engine:
    from anju.core.db import make_engine

    s = s or settings()
    return make_engine(s.resolved_database_url, s.sql_echo, s.db_pool_pre_ping)


def progress(msg: str, frac: float) -> None:
    """Progress of a long job on standard error: ``[ 42.0%] message``."""
    print(f"[{frac * 100:5.1f}%] {msg}", file=sys.stderr, flush=True)
