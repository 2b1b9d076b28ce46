"""Alembic environment: always driven programmatically through :mod:`anju.core.migrate`."""

from __future__ import annotations

from alembic import context

import anju.addresses.tables
import anju.assistance.tables
import anju.core.jobs
import anju.credit.tables
import anju.divisions.tables
import anju.estates.tables
import anju.exchange.tables
import anju.funds.tables
import anju.indicators.tables
import anju.ledger.tables
import anju.market.tables
import anju.plan.tables
import anju.registry.tables
import anju.rental.tables
import anju.security.tables
import anju.transactions.tables  # noqa: F401  (registers tables on the metadata)
from anju.core.types import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by a misconfigured call
    raise RuntimeError("run migrations through `anju db upgrade`")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
