"""Synthetic estate management, part "services" (issue 22): property-service companies, projects on a
realistic share of residential estates, tenders with scored bids and handovers — written by the
estates context itself (``anju.estates.synthetic_services``) through the same checks as live data.
Called by `anju.synth.estates.generate_estates` in its order."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import Connection

from anju import estates
from anju.security import Keyring


def generate(conn: Connection, kr: Keyring, rng: random.Random, *, scale: float, today: date) -> dict[str, int]:
    """What this part made, by name (counts)."""
    return estates.synthetic_services(conn, kr, rng, scale=scale, today=today)
