"""The ledger's rules and value types: a log's name, the largest entry, and the log, proof and entry
records the services answer (the hashing itself is :mod:`anju.ledger.merkle`).

Nothing here imports SQLAlchemy or FastAPI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from anju.core.errors import AnjuError

#: A log's name: a lower-case letter, then lower-case letters, digits and underscores (40 at most).
LOG_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: Largest entry accepted, in bytes: entries are records or digests of records, not documents.
MAX_ENTRY_BYTES = 1 << 20


@dataclass(frozen=True)
class Log:
    id: int
    name: str
    algorithm: str
    size: int
    created_at: datetime


@dataclass(frozen=True)
class InclusionProof:
    log: str
    algorithm: str
    index: int
    size: int
    leaf_hash: bytes
    root: bytes
    proof: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    log: str
    algorithm: str
    old_size: int
    size: int
    old_root: bytes
    root: bytes
    proof: list[bytes]


@dataclass(frozen=True)
class Entry:
    log: str
    index: int
    leaf_hash: bytes
    data: bytes


class EntryTampered(AnjuError):
    """A stored entry whose data no longer hashes to its stored leaf hash: it is not served as valid."""

    status_code = 409
    code = "tampered"
