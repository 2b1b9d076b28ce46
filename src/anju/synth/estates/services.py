"""Synthetic estate management, part "services" (issue 22): written by `anju synth` and `anju demo` through
the same checks as live data. Called by `anju.synth.estates.generate_estates` in its order."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import Connection

from anju.security import Keyring


def generate(conn: Connection, kr: Keyring, rng: random.Random, *, scale: float, today: date) -> dict[str, int]:
    """What this part made, by name (counts). Not written yet: makes nothing."""
    return {}
