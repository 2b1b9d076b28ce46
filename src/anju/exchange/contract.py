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
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

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
    #: What the owning context carries from chunk to chunk of this batch (its finish hook reads it);
    #: it lives and dies with the batch, whether the batch commits or fails.
    state: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class FeedHandler(Protocol):
    def __call__(self, conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> Sequence[Rejection]: ...


class FeedFinish(Protocol):
    def __call__(self, conn: Connection, ctx: BatchContext) -> None: ...


#: One row of an open dataset's aggregate: the dimension values (Chinese labels) and the count.
AggregateRow = tuple[tuple[str, ...], int]


class Aggregate(Protocol):
    """What an open dataset's ``aggregate`` names (``"module:function"`` in the owning context): the
    counts by dimensions as of ``today`` (Asia/Shanghai); the exchange suppresses small cells."""

    def __call__(self, conn: Connection, today: date) -> Sequence[AggregateRow]: ...


class RetentionAction(Protocol):
    """What a retention rule names (``"module:function"`` exported by the owning context's public API):
    act on the records closed before ``before`` that the action has not touched yet (or, with
    ``dry_run``, only count them), in bulk, in the caller's transaction; returns how many."""

    def __call__(self, conn: Connection, before: date, *, keyring: Keyring, dry_run: bool) -> int: ...
