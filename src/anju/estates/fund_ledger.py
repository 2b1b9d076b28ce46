"""The maintenance fund's accounts on the one ledger engine (``anju.funds``, fund kind ``maintenance``).

A district's special account (专户) is a fund account owned by ``district:<code>``; each home's 分户账 is
its ledger account ``home`` of subject ``home:<id>``, and ``estates_fund_homes`` says when and how it
was opened. Every part of the fund (deposits, imports, interest, spending, refunds) finds its accounts
here, so there is one way to open them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, select

from anju import funds
from anju.core.dialect import bulk_insert
from anju.core.errors import ValidationError
from anju.estates.domain import BUILDING_TYPES, MAINTENANCE
from anju.estates.tables import estates_fund_homes

FUND = MAINTENANCE.name
SOURCES = ("sale", "import", "synthetic")


def home_subject(home_id: int) -> str:
    return f"home:{home_id}"


def district_account(conn: Connection, district_code: str, *, bank: str, account_no: str) -> int:
    """The district's maintenance-fund account (opened once; the account number names it)."""
    owner = f"district:{district_code}"
    have = funds.owner_accounts(conn, FUND, [owner])
    if owner in have:
        return have[owner]["id"]
    return funds.open_account(conn, FUND, owner, bank, account_no, district_code, "")


def district_accounts(conn: Connection, district_codes: Sequence[str]) -> dict[str, int]:
    """The open maintenance-fund accounts of these districts (those without one are absent)."""
    have = funds.owner_accounts(conn, FUND, [f"district:{d}" for d in district_codes])
    return {owner.removeprefix("district:"): a["id"] for owner, a in have.items()}


@dataclass(frozen=True, slots=True)
class HomeFundIn:
    """A home whose 分户账 to open: the register's facts and how it was opened."""

    home_id: int
    fund_account_id: int
    estate_id: int
    building_id: int
    district_code: str
    street_code: str
    area: Decimal
    building_type: str
    opened_on: date
    source: str  # SOURCES


def open_homes(conn: Connection, rows: Sequence[HomeFundIn]) -> int:
    """Open, in bulk, the 分户账 of homes (their ``estates_fund_homes`` rows and ``home`` ledger
    accounts); a home already open is skipped. Returns how many were opened."""
    for i, r in enumerate(rows):
        if r.building_type not in BUILDING_TYPES:
            raise ValidationError.of(f"rows[{i}].building_type", f"未知的房屋类型 {r.building_type}")
        if r.source not in SOURCES:
            raise ValidationError.of(f"rows[{i}].source", f"未知的开户方式 {r.source}")
        if r.area <= 0:
            raise ValidationError.of(f"rows[{i}].area", "面积应大于 0")
    ids = sorted({r.home_id for r in rows})
    have: set[int] = set()
    for i in range(0, len(ids), 5000):
        q = select(estates_fund_homes.c.home_id).where(estates_fund_homes.c.home_id.in_(ids[i : i + 5000]))
        have |= {int(x) for x in conn.execute(q).scalars()}
    new = {r.home_id: r for r in rows if r.home_id not in have}
    by_account: dict[int, list[str]] = {}
    for r in new.values():
        by_account.setdefault(r.fund_account_id, []).append(home_subject(r.home_id))
    for acct, subjects in by_account.items():
        funds.open_subject_accounts(conn, acct, subjects)
    cols = (
        "home_id",
        "fund_account_id",
        "estate_id",
        "building_id",
        "district_code",
        "street_code",
        "area",
        "building_type",
        "opened_on",
        "source",
        "status",
        "closed_on",
    )
    return bulk_insert(
        conn,
        estates_fund_homes,
        cols,
        (
            (
                r.home_id,
                r.fund_account_id,
                r.estate_id,
                r.building_id,
                r.district_code,
                r.street_code,
                r.area,
                r.building_type,
                r.opened_on,
                r.source,
                "open",
                None,
            )
            for r in new.values()
        ),
    )


def home_ledgers(conn: Connection, home_ids: Sequence[int]) -> dict[int, int]:
    """Home → the id of its ``home`` ledger account, for the homes whose 分户账 is open or closed."""
    ids = sorted(set(home_ids))
    accounts: dict[int, int] = {}
    for i in range(0, len(ids), 5000):
        q = select(estates_fund_homes.c.home_id, estates_fund_homes.c.fund_account_id).where(
            estates_fund_homes.c.home_id.in_(ids[i : i + 5000])
        )
        accounts |= {int(h): int(a) for h, a in conn.execute(q)}
    out: dict[int, int] = {}
    by_account: dict[int, list[int]] = {}
    for h, a in accounts.items():
        by_account.setdefault(a, []).append(h)
    for acct, homes in by_account.items():
        got = funds.open_subject_accounts(conn, acct, [home_subject(h) for h in homes])
        out |= {h: got[home_subject(h)]["home"] for h in homes}
    return out
