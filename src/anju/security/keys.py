"""Personal-data keys: re-encrypt every value with the active key, count the values each key protects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from anju.security.audit import record
from anju.security.callers import Caller, Security
from anju.security.crypto import Keyring
from anju.security.tables import accounts

ENCRYPTED = (
    ("name_enc", "accounts.name", "name_bidx", "name"),
    ("id_number_enc", "accounts.id_number", "id_number_bidx", "id_number"),
    ("claimed_id_enc", "accounts.id_number", "claimed_id_bidx", "id_number"),
    ("phone_enc", "accounts.phone", "phone_bidx", "phone"),
    ("totp_secret_enc", "accounts.totp_secret", None, None),
)


def rotate_keys(engine: Engine, sec: Security, *, batch: int = 1000, progress: Any = None) -> dict[str, int]:
    """Re-encrypt every personal value with the active data key and recompute blind indexes.

    Runs in batches of ``batch`` accounts, one transaction each, so it can run while the platform
    serves (a value is readable with either key throughout). Returns the counts.
    """
    kr = sec.keyring
    done = skipped = 0
    last = 0
    with engine.connect() as c:
        total = int(c.execute(select(func.count()).select_from(accounts)).scalar_one())
    while True:
        with engine.begin() as conn:
            rows = (
                conn.execute(select(accounts).where(accounts.c.id > last).order_by(accounts.c.id).limit(batch))
                .mappings()
                .all()
            )
            if not rows:
                break
            for r in rows:
                values: dict[str, Any] = {}
                for col, ctx, bidx, kind in ENCRYPTED:
                    blob = r[col]
                    if blob is None:
                        continue
                    plain = kr.decrypt(blob, ctx)
                    if Keyring.key_id(blob) != kr.active:
                        values[col] = kr.encrypt(plain, ctx)
                    if bidx and kind and r[bidx] != (new := kr.blind_index(plain, kind)):
                        values[bidx] = new
                        if col == "phone_enc" and r["confirmed_phone_bidx"] is not None:
                            values["confirmed_phone_bidx"] = new
                if values:
                    conn.execute(update(accounts).where(accounts.c.id == r["id"]).values(**values))
                    done += 1
                else:
                    skipped += 1
            last = rows[-1]["id"]
            record(
                conn,
                Caller.system("rotate_keys"),
                "keys.rotate_batch",
                entity="account",
                entity_id=last,
                detail={"rows": len(rows)},
            )
        if progress:
            progress(f"{done + skipped}/{total}", (done + skipped) / max(total, 1))
    return {"accounts": total, "rewritten": done, "unchanged": skipped}


def keys_in_use(conn: Connection) -> dict[int, int]:
    """How many values each data key id still protects (to know when an old key can be retired)."""
    counts: dict[int, int] = {}
    for col, _, _, _ in ENCRYPTED:
        for (blob,) in conn.execute(select(accounts.c[col]).where(accounts.c[col].is_not(None))):
            kid = Keyring.key_id(blob)
            counts[kid] = counts.get(kid, 0) + 1
    return counts
