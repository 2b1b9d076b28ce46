"""The registry's handlers of its two feeds (``anju.exchange.FeedHandler``): each chunk's records are
checked on their own (``parse``) and against the register (``owners``, ``restrictions`` writers), and
the good ones written in bulk; every refused record is returned as a rejection (the exchange puts it
in the dead-letter list). A record that depends on a refused one — a correction or a lift naming a
record the batch refused — finds no such record and is refused too.

What a batch carries from chunk to chunk (the records seen, the homes touched) is kept on the batch
(``BatchContext.state``: gone with the batch, even one that fails) and read by its finish hook,
which runs the registration followers (``anju.contexts``: ``registration_followers``) in the
batch's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from anju.contexts import CONTEXTS, load
from anju.core.errors import FieldError
from anju.exchange import BatchContext, FeedRecord, Rejection
from anju.registry.feeds import parse
from anju.registry.feeds.owners import RegistrationWriter
from anju.registry.feeds.parse import RawRecord
from anju.registry.feeds.restrictions import RestrictionWriter
from anju.registry.feeds.state import LoadState
from anju.security import keyring_from_settings

Writer = RegistrationWriter | RestrictionWriter
#: The key of the registry's state and writer in ``BatchContext.state``.
_STATE = "registry.feeds"


def _batch(conn: Connection, ctx: BatchContext, make: Callable[[LoadState], Writer]) -> tuple[LoadState, Writer]:
    got: tuple[LoadState, Writer] | None = ctx.state.get(_STATE)
    if got is None:
        kr = ctx.keyring or keyring_from_settings(ctx.settings)
        st = LoadState(conn, kr, ctx.batch_id, ctx.today, ctx.received_at)
        got = ctx.state[_STATE] = (st, make(st))
    st, writer = got
    st.conn = conn
    return st, writer


def _text(v: object) -> str:
    return "" if v is None else str(v)


_OWNER_FIELDS = ("owner_kind", "owner_id", "owner_name", "share_pct")


def _raw(r: FeedRecord, owned: bool) -> RawRecord:
    """A checked record as the registry's own checks read it (``parse``): texts, owners as dicts."""
    fields = {k: _text(v) for k, v in r.values.items() if k != "owners"}
    given: Any = r.values.get("owners") if owned else None
    if given is None:
        return RawRecord(r.seq, fields)
    if not isinstance(given, list) or not all(isinstance(o, dict) for o in given):
        return RawRecord(r.seq, {"_error": "权利人应为对象的列表"})
    owners = [{k: _text(o.get(k)).strip() for k in _OWNER_FIELDS if o.get(k) is not None} for o in given]
    return RawRecord(r.seq, fields, owners)


def _rejections(errors: Sequence[FieldError]) -> list[Rejection]:
    return [Rejection(int(e.row or 0), e.field, e.reason) for e in errors]


def _checked(
    records: Sequence[FeedRecord], ctx: BatchContext, st: LoadState, check: Callable[[RawRecord, Any], Any], owned: bool
) -> list[Any]:
    st.errors = []
    good = []
    for r in records:
        out = check(_raw(r, owned), ctx.today)
        if isinstance(out, list):
            st.errors.extend(out)
        else:
            good.append(out)
    return good


def handle_registrations(conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> list[Rejection]:
    """首次登记, 转移登记, 更正登记 → ``registrations`` and the owners of their homes (``home_owners``)."""
    st, writer = _batch(conn, ctx, RegistrationWriter)
    good = _checked(records, ctx, st, parse.registration, owned=True)
    assert isinstance(writer, RegistrationWriter)
    writer.chunk([g for g in good if isinstance(g, parse.RegistrationIn)])
    return _rejections(st.errors)


def handle_restrictions(conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> list[Rejection]:
    """查封/解封, 抵押/注销, 行政限制/解除 → ``restriction_records``."""
    st, writer = _batch(conn, ctx, RestrictionWriter)
    good = _checked(records, ctx, st, parse.restriction, owned=False)
    assert isinstance(writer, RestrictionWriter)
    writer.chunk([g for g in good if isinstance(g, parse.RestrictionIn)])
    return _rejections(st.errors)


def finish_registrations(conn: Connection, ctx: BatchContext) -> None:
    """Run the registration followers with the homes whose registrations the batch wrote."""
    got: tuple[LoadState, Writer] | None = ctx.state.pop(_STATE, None)
    if got is None or not got[0].touched_homes:
        return
    st = got[0]
    for c in CONTEXTS:
        for spec in c.registration_followers.values():
            load(spec)(conn, sorted(st.touched_homes), st.today, st.now)


def finish_restrictions(conn: Connection, ctx: BatchContext) -> None:
    ctx.state.pop(_STATE, None)
