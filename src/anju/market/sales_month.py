"""What "the sales of a month" means — one definition for every market figure that counts sales (the
supply pipeline's ``new_sales``/``resales``, the health indicators' facts, their shares and spreads).

- **Which contracts**: a new-home contract (``sale_contracts``) with status ``filed`` (备案; a
  cancelled or not yet filed contract is no sale); a resale contract (``resale_contracts``) with status
  ``filed`` or ``registered`` (备案, or already registered to the buyer; not draft, signed-only or
  cancelled).
- **Which month**: the month the sale was **signed**, in the city's local time (Asia/Shanghai,
  ``anju.core.clock.CITY_TZ``): a new-home contract by the buyer's signature
  (``buyer_signed_at``; a history contract carrying only its filing time by ``filed_at``), a resale
  contract by its business date ``signed_on`` (a local date, set when both parties have signed).
  A sale signed at 00:30 Beijing time on the 1st belongs to that month, not to the previous one
  (which it would by UTC midnight).

The month is computed in the database (``anju.core.dialect.month_of``), so grouping by it is one
``GROUP BY`` over the contracts.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import ColumnElement, Connection, func

from anju.core import dialect
from anju.transactions import resale_contracts, sale_contracts

#: Statuses of a new-home contract that count as a sale.
NEW_SOLD: Final = ("filed",)
#: Statuses of a resale contract that count as a sale.
RESALE_SOLD: Final = ("filed", "registered")


def new_sold() -> ColumnElement[bool]:
    """The new-home contracts that are sales."""
    return sale_contracts.c.status.in_(NEW_SOLD)


def new_month(conn: Connection) -> ColumnElement[str]:
    """A new-home sale's month (``YYYY-MM``, local): the buyer's signature, else the filing time."""
    sc = sale_contracts.c
    return dialect.month_of(conn, func.coalesce(sc.buyer_signed_at, sc.filed_at), timestamp=True)


def resale_sold() -> ColumnElement[bool]:
    """The resale contracts that are sales (with their signing date)."""
    xc = resale_contracts.c
    return xc.status.in_(RESALE_SOLD) & xc.signed_on.is_not(None)


def resale_month(conn: Connection) -> ColumnElement[str]:
    """A resale's month (``YYYY-MM``): its signing date ``signed_on`` (a local date)."""
    return dialect.month_of(conn, resale_contracts.c.signed_on, timestamp=False)


def sold(conn: Connection, segment: str) -> tuple[ColumnElement[bool], ColumnElement[str]]:
    """(the contracts that are sales, their month) of ``segment`` (``new`` | ``resale``)."""
    if segment == "new":
        return new_sold(), new_month(conn)
    if segment == "resale":
        return resale_sold(), resale_month(conn)
    raise ValueError(f"unknown segment {segment!r}")


def in_months(conn: Connection, segment: str, months: Any) -> ColumnElement[bool]:
    """The sales of ``segment`` signed in one of ``months``."""
    where, month = sold(conn, segment)
    return where & month.in_(list(months))
