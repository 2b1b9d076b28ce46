"""The rows the market history writes: each table's columns, id counters and the buffering writer."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Table, bindparam, update

from anju.core import dialect
from anju.registry import home_owners, registrations, restriction_records
from anju.transactions import (
    developers,
    home_prices,
    presale_permit_homes,
    presale_permits,
    resale_contracts,
    sale_contracts,
    sale_projects,
)

#: Who the history's rows name as their writer.
WRITER = "synthetic-history"

DEVELOPER_COLS = (
    "id",
    "credit_code",
    "name",
    "qualification_grade",
    "qualification_no",
    "address",
    "district_code",
    "street_code",
    "filed_by",
    "filed_at",
)
PROJECT_COLS = ("id", "name", "developer_id", "estate_id", "district_code", "street_code", "filed_by", "filed_at")
PERMIT_COLS = (
    "id",
    "permit_no",
    "project_id",
    "issued_on",
    "homes",
    "area",
    "district_code",
    "street_code",
    "filed_by",
    "filed_at",
)
PERMIT_HOME_COLS = ("permit_id", "home_id", "building_id")
PRICE_COLS = (
    "id",
    "home_id",
    "permit_id",
    "version",
    "unit_price_fen",
    "total_price_fen",
    "current",
    "reason",
    "filed_by",
    "filed_at",
    "superseded_at",
)
SALE_COLS = (
    "id",
    "home_id",
    "project_id",
    "permit_id",
    "developer_id",
    "buyer_account_id",
    "buyer_name_enc",
    "buyer_id_enc",
    "buyer_id_bidx",
    "buyer_hukou",
    "buyer_si_months",
    "area",
    "total_price_fen",
    "unit_price_fen",
    "payment_method",
    "down_payment_fen",
    "loan_fen",
    "delivery_date",
    "status",
    "active",
    "developer_signed_at",
    "buyer_signed_at",
    "filing_no",
    "filed_at",
    "source",
    "district_code",
    "street_code",
    "created_by",
    "created_at",
    "updated_at",
)
RESALE_COLS = (
    "id",
    "home_id",
    "seller_bidx",
    "seller_name_enc",
    "seller_id_enc",
    "buyer_name_enc",
    "buyer_id_enc",
    "buyer_id_bidx",
    "buyer_hukou",
    "area",
    "total_price_fen",
    "unit_price_fen",
    "payment_method",
    "down_payment_fen",
    "loan_fen",
    "status",
    "active",
    "seller_signed_at",
    "buyer_signed_at",
    "filing_no",
    "filed_at",
    "signed_on",
    "registration_id",
    "source",
    "district_code",
    "street_code",
    "created_by",
    "created_at",
    "updated_at",
)
REGISTRATION_COLS = (
    "id",
    "record_id",
    "kind",
    "home_id",
    "certificate_no",
    "registered_on",
    "content_hash",
    "load_id",
    "recorded_at",
)
OWNER_COLS = (
    "home_id",
    "owner_kind",
    "owner_bidx",
    "owner_id_enc",
    "owner_name_enc",
    "share_pct",
    "acquired_on",
    "released_on",
    "recorded_at",
    "registration_id",
)
RESTRICTION_COLS = (
    "id",
    "record_id",
    "kind",
    "action",
    "home_id",
    "document_no",
    "authority",
    "starts_on",
    "ends_on",
    "lifts_id",
    "content_hash",
    "load_id",
    "recorded_at",
)

COLUMNS: dict[str, tuple[str, ...]] = {
    developers.name: DEVELOPER_COLS,
    sale_projects.name: PROJECT_COLS,
    presale_permits.name: PERMIT_COLS,
    presale_permit_homes.name: PERMIT_HOME_COLS,
    home_prices.name: PRICE_COLS,
    sale_contracts.name: SALE_COLS,
    registrations.name: REGISTRATION_COLS,
    resale_contracts.name: RESALE_COLS,
    home_owners.name: OWNER_COLS,
    restriction_records.name: RESTRICTION_COLS,
}
#: Flush order: parents before the rows that refer to them.
ORDER = (
    developers,
    sale_projects,
    presale_permits,
    presale_permit_homes,
    home_prices,
    sale_contracts,
    registrations,
    resale_contracts,
    home_owners,
    restriction_records,
)
#: The tables whose ids the history assigns itself (children refer to them without a round trip).
ID_TABLES = (
    developers,
    sale_projects,
    presale_permits,
    home_prices,
    sale_contracts,
    registrations,
    resale_contracts,
    restriction_records,
)


class Writer:
    """Rows buffered per table and written through the bulk path; ids handed out per table."""

    def __init__(self, conn: Connection, batch: int) -> None:
        self.conn = conn
        self.batch = max(1000, batch)
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.next: dict[str, int] = {t.name: dialect.next_ids(conn, t, 1) for t in ID_TABLES}
        self.counts: dict[str, int] = defaultdict(int)
        self.owner_links: list[dict[str, int]] = []

    def new_id(self, table: Table) -> int:
        i = self.next[table.name]
        self.next[table.name] = i + 1
        return i

    def add(self, table: Table, row: tuple[Any, ...]) -> None:
        self.rows[table.name].append(row)

    def link_owner(self, owner_row_id: int, registration_id: int) -> None:
        """An owner row another writer made is named by one of the history's registrations."""
        self.owner_links.append({"o_id": owner_row_id, "r_id": registration_id})

    def pending(self) -> int:
        return sum(len(v) for v in self.rows.values())

    def flush(self, hold: frozenset[str] = frozenset()) -> None:
        """Write what is buffered, parents first; the tables in ``hold`` wait for a later flush."""
        for t in ORDER:
            if t.name in hold:
                continue
            rows = self.rows.pop(t.name, None)
            if rows:
                self.counts[t.name] += dialect.bulk_insert(self.conn, t, COLUMNS[t.name], rows)
        if registrations.name not in hold:
            self.link_owners()

    def link_owners(self) -> None:
        """Give the owner rows of other writers the ids of the registrations that record them."""
        if self.owner_links:
            stmt = (
                update(home_owners)
                .where(home_owners.c.id == bindparam("o_id"))
                .values(registration_id=bindparam("r_id"))
            )
            self.conn.execute(stmt, self.owner_links)
            self.counts["owner_links"] += len(self.owner_links)
            self.owner_links = []

    def finish(self) -> None:
        self.flush()
        dialect.reset_sequences(self.conn, ID_TABLES)


__all__ = ["COLUMNS", "ID_TABLES", "ORDER", "WRITER", "Writer"]
