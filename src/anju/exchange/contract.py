"""What an owning context implements for a feed it declares (``anju.contexts``: ``feeds``).

The exchange calls the handler inside the batch's one transaction, chunk by chunk, with records whose
fields already passed :func:`anju.exchange.domain` checks (typed values, required fields present)
and that are not duplicates of records already accepted. The handler applies the records it accepts
in bulk (executemany, never a statement per record) and returns a :class:`~anju.exchange.domain.Rejection`
for each record it refuses (an unknown house code, a contradiction with the register …); a refused
record must leave no row behind. Personal values arrive in clear, in memory only: the handler
encrypts and blind-indexes them (``anju.security.Keyring``) before they are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection

from anju.exchange.domain import FeedDefinition, FeedRecord, Rejection

if TYPE_CHECKING:
    from anju.core.settings import Settings
    from anju.security import Keyring


@dataclass(frozen=True)
class BatchContext:
    batch_id: int
    feed: FeedDefinition
    received_at: datetime  # aware
    today: date  # Asia/Shanghai
    settings: Settings
    #: The keys the batch was loaded with (a caller may pass its own); None: the settings' keys.
    keyring: Keyring | None = None


class FeedHandler(Protocol):
    def __call__(self, conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> Sequence[Rejection]: ...


class FeedFinish(Protocol):
    def __call__(self, conn: Connection, ctx: BatchContext) -> None: ...
