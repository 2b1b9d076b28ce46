"""Authoritative feeds into the register: the registration centre's registrations (不动产登记: first
registrations, transfers, corrections → ``home_owners``) and restriction records (查封/解封, 抵押/注销,
行政限制/解除 → ``restriction_records``, a restriction source). See ``docs/registry.md``
("Registration and restriction feeds").

Both are feeds of the exchange (``anju.exchange``: the one intake, its reader, dead letters):
``definitions`` (their FeedDefinitions, declared in ``anju.contexts``), ``handlers`` (what the
exchange calls per chunk and at the end of a batch), ``parse`` (checking one record on its own),
``state`` (what a batch carries between chunks), ``timeline`` (the owners of a home from its
records: pure), ``owners`` (writing registrations and recomputing ``home_owners``), ``restrictions``
(writing restriction records, the source, reads), ``load`` (thin wrappers: a file as one batch).
"""

from anju.registry.feeds.load import LoadResult, LoadSummary, load_registrations, load_restrictions
from anju.registry.feeds.restrictions import BARS, RestrictionInForce, feed_source, restrictions_in_force

__all__ = [
    "BARS",
    "LoadResult",
    "LoadSummary",
    "RestrictionInForce",
    "feed_source",
    "load_registrations",
    "load_restrictions",
    "restrictions_in_force",
]
