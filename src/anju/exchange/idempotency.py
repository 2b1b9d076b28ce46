"""How a record's business key is stored for idempotency (``feed_keys.key``): never in clear — a key
may be an identity number (``assistance.hukou`` is keyed by 身份证号) — but as a keyed hash
(HMAC-SM3, ``Keyring.blind_index`` in the scope ``feed_key:<dataset>``), looked up the same way.

The key text is hex-encoded before hashing: the blind index normalises its input (no spaces, upper
case) and two keys differing only by case or spaces must stay two keys.

Rows stored before keys were hashed hold the key in clear; :func:`rehash_feed_keys` (``anju exchange
rehash-feed-keys``) rewrites them once with the deployment's index key (a schema migration cannot: it
has no keys).
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, bindparam, select, update

from anju.core.db import UnitOfWork, unit_of_work
from anju.exchange.tables import feed_keys
from anju.security import Caller, Keyring, audited_job

_HASHED = re.compile(r"^[0-9a-f]{64}$")


def stored_key(kr: Keyring, dataset: str, key: str) -> str:
    """The form of ``key`` (``domain.key_of``) stored in and looked up from ``feed_keys``."""
    return kr.blind_index(key.encode("utf-8").hex(), "feed_key:" + dataset)


def rehash_feed_keys(target: Engine | UnitOfWork, kr: Keyring, caller: Caller, *, chunk: int = 5000) -> int:
    """Replace every key stored in clear by its keyed hash (one transaction per chunk of keys, then the
    audit row ``exchange.rehash_feed_keys``; idempotent: a hashed key — 64 lowercase hex digits — is
    left alone); returns how many distinct keys were rewritten."""
    job = audited_job(unit_of_work(target), caller, "exchange.rehash_feed_keys", "feed_keys")
    fk = feed_keys.c
    done = 0
    last: tuple[str, str] | None = None
    while True:
        stmt = select(fk.dataset, fk.key).distinct().order_by(fk.dataset, fk.key).limit(chunk)
        if last is not None:
            stmt = stmt.where((fk.dataset > last[0]) | ((fk.dataset == last[0]) & (fk.key > last[1])))
        with job.batch() as conn:
            rows = [(d, k) for d, k in conn.execute(stmt)]
            if not rows:
                break
            last = rows[-1]
            plain = [{"_d": d, "_k": k, "_new": stored_key(kr, d, k)} for d, k in rows if not _HASHED.match(k)]
            if plain:
                conn.execute(
                    update(feed_keys)
                    .where(fk.dataset == bindparam("_d"), fk.key == bindparam("_k"))
                    .values(key=bindparam("_new")),
                    plain,
                )
                done += len(plain)
    job.detail = {"rehashed": done}
    with job.final():
        pass
    return done
