"""Rent escrow (租金监管/托管): the supervised accounts' double-entry ledger.

Lease filing calls :func:`on_lease_filed` and termination :func:`on_lease_ended` inside their own
transaction. (Being built in this session: the bodies below are placeholders that do nothing yet.)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from anju.core.settings import Settings


def on_lease_filed(conn: Connection, settings: Settings, lease: Any) -> None:
    """A lease was filed: open its escrow position and schedule releases if its money must be supervised."""


def on_lease_ended(conn: Connection, settings: Settings, lease_id: int, ended_on: date, reason: str) -> None:
    """A lease ended early or its filing was cancelled: stop releases, refund unearned rent and deposit."""
