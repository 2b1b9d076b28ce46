"""Whether the register is a synthetic city, and at what scale (1.0 ≈ the real city)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from anju.registry.tables import synthetic_registers


def record_synthetic(conn: Connection, scale: float, seed: int, at: datetime) -> None:
    """The synthetic generator marks the register it built (one row)."""
    conn.execute(synthetic_registers.delete())
    conn.execute(synthetic_registers.insert().values(id=1, scale=scale, seed=seed, generated_at=at))


def synthetic_scale(conn: Connection) -> float | None:
    """The scale of the synthetic city the register holds; None for a register of real data."""
    found = conn.execute(select(synthetic_registers.c.scale).where(synthetic_registers.c.id == 1)).scalar()
    return None if found is None else float(found)
