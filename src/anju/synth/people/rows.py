"""The rows the generator writes: each table's columns, the order tables are flushed in, and the
buffering writer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table

from anju.assistance import (
    allocations,
    application_members,
    application_steps,
    applications,
    assisted_homes,
    benefits,
    draw_candidates,
    draws,
    objections,
)
from anju.core import dialect
from anju.credit import credit_events
from anju.registry import home_owners

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
)
APP_COLS = (
    "id",
    "app_no",
    "programme_code",
    "edition_id",
    "account_id",
    "district_code",
    "street_code",
    "status",
    "level",
    "due_at",
    "priority_class",
    "household_size",
    "talent_tier",
    "industry",
    "employer",
    "housing_status",
    "contact_phone_enc",
    "eligible",
    "eligibility",
    "checked_at",
    "submitted_at",
    "notice_until",
    "decided_at",
    "closed_at",
    "created_at",
    "updated_at",
    "version",
)
MEMBER_COLS = (
    "application_id",
    "seq",
    "relation",
    "name_enc",
    "id_number_enc",
    "id_bidx",
    "birth_year",
    "annual_income_fen",
    "assets_fen",
    "local_hukou",
    "hukou_years",
    "social_insurance_months",
    "employed",
    "pending",
)
STEP_COLS = ("application_id", "at", "actor", "level", "action", "from_status", "to_status", "reason", "ledger_index")
BENEFIT_COLS = ("id_bidx", "application_id", "programme_code", "kind", "since", "until")
CREDIT_COLS = (
    "subject_kind",
    "subject_bidx",
    "source",
    "kind",
    "severity",
    "occurred_on",
    "expires_on",
    "reference",
    "street_code",
    "detail",
    "recorded_at",
    "ledger_index",
)
OBJECTION_COLS = ("application_id", "text", "submitted_at", "status", "resolution", "resolved_by", "resolved_at")
ALLOCATION_COLS = (
    "application_id",
    "home_id",
    "programme_code",
    "draw_id",
    "rank",
    "status",
    "active",
    "street_code",
    "selected_at",
    "selected_by",
    "contract_no",
    "contracted_at",
    "moved_in_at",
    "ended_at",
    "end_reason",
)
DRAW_COLS = (
    "id",
    "draw_no",
    "programme_code",
    "priority_class",
    "title",
    "status",
    "algorithm",
    "candidates",
    "list_hash",
    "frozen_at",
    "frozen_by",
    "seed",
    "seed_source",
    "witnesses",
    "result_hash",
    "drawn_at",
    "drawn_by",
    "ledger_index",
)
CANDIDATE_COLS = ("draw_id", "position", "application_id", "candidate_id", "rank")
ASSISTED_COLS = (
    "home_id",
    "programme_code",
    "district_code",
    "street_code",
    "bedrooms",
    "area",
    "monthly_rent_fen",
    "price_fen",
    "status",
    "since",
)
#: Tables in the order their rows are flushed (parents first).
ORDER: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (home_owners, OWNER_COLS),
    (credit_events, CREDIT_COLS),
    (draws, DRAW_COLS),
    (applications, APP_COLS),
    (application_members, MEMBER_COLS),
    (application_steps, STEP_COLS),
    (objections, OBJECTION_COLS),
    (benefits, BENEFIT_COLS),
    (allocations, ALLOCATION_COLS),
    (assisted_homes, ASSISTED_COLS),
    (draw_candidates, CANDIDATE_COLS),
)
TABLES = tuple(t for t, _ in ORDER)


class Writer:
    """Buffers rows per table and flushes them all, parents first, through the bulk path."""

    def __init__(self, conn: Connection, size: int) -> None:
        self.conn = conn
        self.size = size
        self.buf: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t, _ in ORDER}
        self.held = 0

    def add(self, table: Table, row: tuple[Any, ...]) -> None:
        self.buf[table.name].append(row)
        self.held += 1
        if self.held >= self.size:
            self.flush()

    def flush(self) -> None:
        for t, cols in ORDER:
            buf = self.buf[t.name]
            if buf:
                dialect.bulk_insert(self.conn, t, cols, buf)
                buf.clear()
        self.held = 0
