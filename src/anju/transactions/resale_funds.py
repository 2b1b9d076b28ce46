"""Resale transaction fund supervision (存量房交易资金监管): the hook where the fund is attached.

The issue asks that the buyer's money be held and released to the seller only when the transfer is
registered, and refunded on cancellation. The ledger that holds it is the shared fund engine
(``anju.funds``), built beside this slice; this module is the one place the resale contract's life
calls into it, inside the contract's own transaction:

* :func:`on_filed` — a contract was filed (网签备案): open the supervised fund for its price (the down
  payment paid in, the loan expected);
* :func:`on_registered` — the transfer to the buyer was registered (转移登记): release the held money
  to the seller;
* :func:`on_cancelled` — a holding contract was cancelled (撤销): refund what the buyer paid in.

Until the engine is merged the hooks record nothing (no ledger is written here: one ledger engine for
the platform). The lead connects them to ``anju.funds``; the resale tests call through these
functions, so the wiring is exercised already.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection


def on_filed(conn: Connection, contract: Any) -> None:
    """A resale contract was filed (``contract``: its row before the change; the filing number is set)."""
    return None


def on_registered(conn: Connection, contract_id: int, registration_id: int) -> None:
    """The transfer registration ``registration_id`` completed the filed contract ``contract_id``."""
    return None


def on_cancelled(conn: Connection, contract: Any, was_filed: bool) -> None:
    """A holding resale contract was cancelled (``was_filed``: a filing, i.e. money may be held)."""
    return None
