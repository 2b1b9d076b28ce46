"""Tables of the rental supervision service platform (住房租赁监管服务平台).

People are named by encrypted IDs and names with HMAC-SM3 blind indexes, as everywhere else;
organisations by their unified social credit code (public data). Money is integer fen; areas are
exact (``Area``); times are timezone-aware UTC.

Invariants the database enforces (not only the services):

* one active listing per rental unit (``ux_listings_unit_active``: ``active`` is 1 while a listing is
  pending review, verified or published, NULL otherwise — NULLs never collide). A rental unit is a
  whole home (``unit_key`` ``h<home id>``) or a room (``r<room id>``);
* a filing number, a verification code, a party's credit code and a practice number are unique;
* filings of leases on one unit are serialised through the unit's lock row (``rental_units``), so the
  "no two active filed leases overlap" check cannot race.

Sections: parties · listings · leases · escrow · guidance rents · governance. Each section is owned by
the module of the same name in this package.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from anju.core.types import Area, IdType, UTCDateTime, metadata

# ----------------------------------------------------------------------------------------- parties

# Rental enterprises (住房租赁企业) and brokerage agencies (房地产经纪机构) filed with the platform (备案).
rental_parties = Table(
    "rental_parties",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("party_no", String(24), nullable=False, unique=True),  # the filing number (备案编号)
    Column("kind", String(12), nullable=False),  # enterprise | agency
    Column("credit_code", String(18), nullable=False, unique=True),  # GB 32100 unified social credit code
    Column("name", String(100), nullable=False),
    Column("business_scope", Text, nullable=False),
    Column("registered_capital_fen", BigInteger, nullable=False),
    Column("legal_rep_name_enc", LargeBinary, nullable=False),
    Column("legal_rep_id_enc", LargeBinary, nullable=False),
    Column("legal_rep_id_bidx", String(64), nullable=False),
    Column("escrow_bank", String(60), nullable=True),  # the supervised escrow account it must use
    Column("escrow_account_no", String(40), nullable=True),
    Column("address", String(200), nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),  # where it is registered (scoping)
    Column("status", String(12), nullable=False),  # filed | suspended | revoked
    Column("status_reason", String(200), nullable=True),
    Column("account_id", IdType, nullable=True),  # the agency account that filed it
    Column("filed_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_rental_parties_street", "street_code", "status"),
)

# Practitioners (从业人员) of a filed party, with their practice record.
rental_practitioners = Table(
    "rental_practitioners",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("party_id", IdType, ForeignKey("rental_parties.id"), nullable=False),
    Column("practice_no", String(24), nullable=False, unique=True),
    Column("name_enc", LargeBinary, nullable=False),
    Column("id_enc", LargeBinary, nullable=False),
    Column("id_bidx", String(64), nullable=False),
    Column("position", String(24), nullable=False),  # broker | assistant | manager
    Column("status", String(12), nullable=False),  # active | suspended | revoked | left
    Column("joined_on", Date, nullable=False),
    Column("left_on", Date, nullable=True),
    Column("record", Text, nullable=False),  # JSON list of practice-record entries (no personal values)
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_rental_practitioners_party", "party_id", "status"),
    Index("ix_rental_practitioners_bidx", "id_bidx"),
)

# Entrustments (委托): an owner lets a person or a filed party list and lease a home (or one room).
rental_entrustments = Table(
    "rental_entrustments",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("room_id", IdType, ForeignKey("rooms.id"), nullable=True),  # NULL: the whole home
    Column("street_code", String(12), nullable=False),
    Column("owner_bidx", String(64), nullable=False),  # the granting owner (as in home_owners)
    Column("agent_account_id", IdType, nullable=True),  # an individual agent's account
    Column("agent_party_id", IdType, ForeignKey("rental_parties.id"), nullable=True),  # or a filed party
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("created_by", IdType, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_rental_entrustments_home", "home_id"),
    Index("ix_rental_entrustments_agent", "agent_account_id"),
    Index("ix_rental_entrustments_party", "agent_party_id"),
)

# Flags on homes that bar renting them (查封, 危房 …). Supervisors record them here; other contexts
# (house safety) contribute through the restriction-source hook in ``rental.domain``.
rental_home_flags = Table(
    "rental_home_flags",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("kind", String(16), nullable=False),  # seized | unsafe | disputed | other
    Column("source", String(24), nullable=False),  # court | registry | safety | supervisor
    Column("reason", String(200), nullable=False),
    Column("since", Date, nullable=False),
    Column("until", Date, nullable=True),  # NULL: until lifted
    Column("lifted_at", UTCDateTime, nullable=True),
    Column("recorded_by", IdType, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_rental_home_flags_home", "home_id"),
)

# ----------------------------------------------------------------------------------------- listings

#: The filter columns of the public listing search carried by its indexes (see rental_listings).
SEARCH_FILTERS = ("bedrooms", "area", "mode", "verified_at", "published_at", "id")

rental_listings = Table(
    "rental_listings",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("listing_no", String(20), nullable=False, unique=True),
    Column("unit_key", String(24), nullable=False),  # h<home id> | r<room id>
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("room_id", IdType, ForeignKey("rooms.id"), nullable=True),
    Column("mode", String(8), nullable=False),  # whole (整租) | room (分间)
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("lister_account_id", IdType, nullable=True),  # NULL for synthetic history
    Column("party_id", IdType, ForeignKey("rental_parties.id"), nullable=True),  # listing enterprise/agency
    Column("owner_bidx", String(64), nullable=True),  # the owner the listing rests on
    Column("entrustment_id", IdType, ForeignKey("rental_entrustments.id"), nullable=True),
    Column("title", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("area", Area, nullable=True),  # m², exact: the let area (the home's, or the room's)
    Column("bedrooms", Integer, nullable=True),
    Column("living_rooms", Integer, nullable=True),
    Column("floor", Integer, nullable=True),
    Column("rent_fen", BigInteger, nullable=True),  # asked monthly rent
    Column("deposit_fen", BigInteger, nullable=True),
    Column("photos", Integer, nullable=False),  # number of photos supplied
    Column("build_year", Integer, nullable=True),  # from the register, for search and the hedonic model
    Column("lon", Float, nullable=True),  # WGS-84, the building's centroid (search near an address)
    Column("lat", Float, nullable=True),
    Column("status", String(16), nullable=False),  # see domain.ListingStatus
    Column("active", Integer, nullable=True),  # 1 while pending_review/verified/published; NULL otherwise
    Column("verification", Text, nullable=True),  # JSON: every rule with its result
    Column("verify_code", String(16), nullable=True, unique=True),  # 房源核验码
    Column("flags", String(200), nullable=False),  # comma-separated review flags, e.g. rent_outside_guidance
    Column("created_at", UTCDateTime, nullable=False),
    Column("verified_at", UTCDateTime, nullable=True),
    Column("published_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),  # withdrawn, rejected or leased
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ux_listings_unit_active", "unit_key", "active", unique=True),
    # public search (status first): by district (then street, rent), by street alone, newest first, by
    # rent city-wide, nearby. Each carries every filter column after its key (migration 0010), so the
    # count and the page's ids come from the index alone, without a row look-up per candidate.
    Index("ix_listings_search", "status", "district_code", "street_code", "rent_fen", *SEARCH_FILTERS),
    Index("ix_listings_street", "status", "street_code", "rent_fen", *SEARCH_FILTERS),
    Index(
        "ix_listings_newest",
        "status",
        "published_at",
        "id",
        "rent_fen",
        "district_code",
        "street_code",
        *SEARCH_FILTERS[:4],
    ),
    Index("ix_listings_rent", "status", "rent_fen", "id", "district_code", "street_code", *SEARCH_FILTERS[:5]),
    # within a district: a rent range seeks, and "newest" walks in order without sorting (0012)
    Index("ix_listings_district_rent", "status", "district_code", "rent_fen", "street_code", *SEARCH_FILTERS),
    Index(
        "ix_listings_district_newest",
        "status",
        "district_code",
        "published_at",
        "id",
        "rent_fen",
        *SEARCH_FILTERS[:4],
    ),
    Index("ix_listings_geo", "status", "lon", "lat", "rent_fen", *SEARCH_FILTERS),
    Index("ix_listings_lister", "lister_account_id", "status"),
    Index("ix_listings_party", "party_id", "status"),
    Index("ix_listings_home", "home_id"),
)

# What happened to a listing: created, verified, rejected, reviewed, published, withdrawn, leased.
rental_listing_events = Table(
    "rental_listing_events",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("listing_id", IdType, ForeignKey("rental_listings.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_account_id", IdType, nullable=True),
    Column("detail", Text, nullable=False),  # JSON; never personal values
    Index("ix_rental_listing_events_listing", "listing_id", "id"),
)

# ------------------------------------------------------------------------------------------- leases

# One row per rental unit that has ever been leased: the lock row that serialises filings on the unit.
rental_units = Table(
    "rental_units",
    metadata,
    Column("unit_key", String(24), primary_key=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("room_id", IdType, nullable=True),
    Column("filings", BigInteger, nullable=False),  # bumped by every filing: the write that takes the lock
)

rental_leases = Table(
    "rental_leases",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("lease_no", String(24), nullable=False, unique=True),  # the contract number
    Column("filing_no", String(24), nullable=True, unique=True),  # 备案编号, issued on filing
    Column("unit_key", String(24), nullable=False),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("room_id", IdType, ForeignKey("rooms.id"), nullable=True),
    Column("listing_id", IdType, ForeignKey("rental_listings.id"), nullable=True),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("landlord_kind", String(8), nullable=False),  # person | party
    Column("landlord_account_id", IdType, nullable=True),
    Column("landlord_party_id", IdType, ForeignKey("rental_parties.id"), nullable=True),
    Column("landlord_bidx", String(64), nullable=False),  # resident ID or credit code blind index
    Column("landlord_name_enc", LargeBinary, nullable=False),
    Column("tenant_account_id", IdType, nullable=True),
    Column("tenant_bidx", String(64), nullable=False),
    Column("tenant_name_enc", LargeBinary, nullable=False),
    Column("tenant_id_enc", LargeBinary, nullable=False),
    Column("start_on", Date, nullable=False),
    Column("end_on", Date, nullable=False),  # the last day of the term (inclusive)
    Column("rent_fen", BigInteger, nullable=False),  # monthly rent
    Column("payment_cycle", String(12), nullable=False),  # monthly | quarterly | half_year | yearly
    Column("deposit_fen", BigInteger, nullable=False),
    Column("area", Area, nullable=True),  # the let area (hedonic model)
    Column("bedrooms", Integer, nullable=True),
    Column("use", String(16), nullable=False),  # 居住 …
    Column("occupants", Integer, nullable=False),
    Column("terms", Text, nullable=False),  # JSON: the model lease's remaining clauses
    Column("status", String(12), nullable=False),  # see domain.LeaseStatus
    Column("landlord_signed_at", UTCDateTime, nullable=True),
    Column("tenant_signed_at", UTCDateTime, nullable=True),
    Column("filed_at", UTCDateTime, nullable=True),
    Column("ended_on", Date, nullable=True),  # early termination / cancellation date
    Column("end_reason", String(200), nullable=True),
    Column("renews_lease_id", IdType, nullable=True),  # a renewal names the lease it continues
    Column("amendments", Integer, nullable=False),
    Column("escrow_required", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_rental_leases_unit", "unit_key", "status", "start_on"),
    Index("ix_rental_leases_home", "home_id", "start_on"),
    Index("ix_rental_leases_street", "street_code", "status", "start_on"),
    Index("ix_rental_leases_landlord", "landlord_account_id", "status"),
    Index("ix_rental_leases_tenant", "tenant_account_id", "status"),
    Index("ix_rental_leases_party", "landlord_party_id", "status"),
    Index("ix_rental_leases_tenant_bidx", "tenant_bidx"),
)

rental_lease_events = Table(
    "rental_lease_events",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("lease_id", IdType, ForeignKey("rental_leases.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # created | signed | filed | renewed | amended | terminated | cancelled
    Column("at", UTCDateTime, nullable=False),
    Column("actor_account_id", IdType, nullable=True),
    Column("detail", Text, nullable=False),  # JSON; never personal values
    Column("ledger_index", BigInteger, nullable=True),  # its leaf in the verifiable log "rental"
    Index("ix_rental_lease_events_lease", "lease_id", "id"),
)

# Idempotency-Key records: a repeated request with the same key gets the first answer.
rental_idempotency = Table(
    "rental_idempotency",
    metadata,
    Column("account_id", IdType, primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("operation", String(32), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", Text, nullable=False),  # JSON
    Column("created_at", UTCDateTime, nullable=False),
)

# -------------------------------------------------------------------------------------------- escrow
# (owned by rental/escrow.py)

# The supervised escrow accounts (监管账户) of filed enterprises and their double-entry ledger live in the
# funds context (``anju.funds``: fund kind ``rent_escrow``, owner ``party:<id>``, subjects ``lease:<id>``;
# moved there by migration 0019). Rental keeps the business: positions and the release schedule.

# A supervised lease's position: what of its money goes to escrow under the rule in force at filing.
rental_escrow_positions = Table(
    "rental_escrow_positions",
    metadata,
    Column("lease_id", IdType, ForeignKey("rental_leases.id"), primary_key=True),
    Column("escrow_account_id", IdType, ForeignKey("fund_accounts.id"), nullable=False),
    Column("mode", String(8), nullable=False),  # excess | all
    Column("rent_months", Integer, nullable=False),  # the rule's limits at filing
    Column("deposit_months", Integer, nullable=False),
    Column("deposit_fen", BigInteger, nullable=False),  # the supervised part of the deposit
    Column("deposit_status", String(10), nullable=False),  # none | due | held | returned
    Column("status", String(10), nullable=False),  # active | ended
    Column("ended_on", Date, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_rental_escrow_positions_account", "escrow_account_id", "status"),
)

# Planned monthly releases of a supervised lease: one row per rent month held in escrow.
rental_escrow_schedule = Table(
    "rental_escrow_schedule",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("lease_id", IdType, ForeignKey("rental_leases.id"), nullable=False),
    Column("escrow_account_id", IdType, ForeignKey("fund_accounts.id"), nullable=False),
    Column("cycle_no", Integer, nullable=False),  # the payment it is paid with (0, 1, …)
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),  # inclusive
    Column("due_on", Date, nullable=False),  # released once earned: the day after period_end
    Column("amount_fen", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),  # planned | held | released | refunded | cancelled
    Column("journal_id", BigInteger, nullable=True),  # the release (or refund) journal
    UniqueConstraint("lease_id", "period_start"),
    Index("ix_rental_escrow_schedule_due", "status", "due_on"),
    Index("ix_rental_escrow_schedule_lease", "lease_id", "cycle_no"),
)

# ----------------------------------------------------------------------------------- guidance rents
# (owned by rental/guidance.py)

# Every published edition of the guidance rents (租赁指导价格) is kept, with its period and method.
rental_guidance_editions = Table(
    "rental_guidance_editions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("edition_no", String(24), nullable=False, unique=True),
    Column("period_start", Date, nullable=False),  # the filed leases the edition was computed from
    Column("period_end", Date, nullable=False),
    Column("effective_from", Date, nullable=True),  # when it applies to listings and leases (NULL: draft)
    Column("method", Text, nullable=False),  # JSON: model formula, coefficients, fit statistics, band
    Column("leases_used", Integer, nullable=False),
    Column("status", String(12), nullable=False),  # draft | published | superseded
    Column("computed_at", UTCDateTime, nullable=False),
    Column("computed_by", IdType, nullable=True),
    Column("published_at", UTCDateTime, nullable=True),
    Column("published_by", IdType, nullable=True),
    Index("ix_rental_guidance_editions_status", "status", "effective_from"),
)

# One guidance range per street (or 板块) and home type in an edition: monthly rent per m² in fen.
rental_guidance_rents = Table(
    "rental_guidance_rents",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("edition_id", IdType, ForeignKey("rental_guidance_editions.id"), nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("home_type", String(12), nullable=False),  # see domain.home_type: 1室, 2室, 3室+, 分间
    Column("low_fen_m2", BigInteger, nullable=False),
    Column("mid_fen_m2", BigInteger, nullable=False),
    Column("high_fen_m2", BigInteger, nullable=False),
    Column("leases", Integer, nullable=False),  # filed leases of this street and type in the period
    Column("basis", String(8), nullable=False),  # street: its own location effect | district: the fallback
    UniqueConstraint("edition_id", "street_code", "home_type"),
    Index("ix_rental_guidance_rents_street", "street_code", "home_type"),
)

# ---------------------------------------------------------------------------------------- governance
# (owned by rental/governance.py)

# Supervision actions on a filed party (暂停 / 恢复 / 撤销), with the reason and the credit event a
# sanction became. The party's current status is ``rental_parties.status``; this is its history.
rental_party_actions = Table(
    "rental_party_actions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("party_id", IdType, ForeignKey("rental_parties.id"), nullable=False),
    Column("action", String(12), nullable=False),  # filed | amended | suspend | reinstate | revoke
    Column("from_status", String(12), nullable=True),
    Column("to_status", String(12), nullable=False),
    Column("reason", String(200), nullable=True),
    Column("actor_account_id", IdType, nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Column("credit_event_id", BigInteger, nullable=True),
    Index("ix_rental_party_actions_party", "party_id", "id"),
)

# Complaints and disputes (投诉 / 纠纷) about a lease, a listing, a party or a home, assigned to the
# street of their subject, with a deadline. ``level`` is street until the deadline passes unanswered.
rental_complaints = Table(
    "rental_complaints",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("complaint_no", String(20), nullable=False, unique=True),
    Column("kind", String(12), nullable=False),  # complaint | dispute
    Column("category", String(16), nullable=False),  # see domain.COMPLAINT_CATEGORIES
    Column("subject_kind", String(8), nullable=False),  # lease | listing | party | home
    Column("lease_id", IdType, ForeignKey("rental_leases.id"), nullable=True),
    Column("listing_id", IdType, ForeignKey("rental_listings.id"), nullable=True),
    Column("party_id", IdType, ForeignKey("rental_parties.id"), nullable=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=True),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),  # the street it is assigned to (scoping)
    Column("complainant_account_id", IdType, nullable=False),
    Column("complainant_side", String(8), nullable=False),  # tenant | landlord | public
    Column("title", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(12), nullable=False),  # received | handling | resolved | rejected
    Column("due_at", UTCDateTime, nullable=False),
    Column("handler_account_id", IdType, nullable=True),
    Column("reply", Text, nullable=True),
    Column("credit_event_id", BigInteger, nullable=True),  # an upheld complaint that became an event
    Column("created_at", UTCDateTime, nullable=False),
    Column("handled_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_rental_complaints_queue", "street_code", "status", "due_at"),
    Index("ix_rental_complaints_complainant", "complainant_account_id", "id"),
)

# What happened to a complaint: received, handling, resolved, rejected (with the handler's reply).
rental_complaint_events = Table(
    "rental_complaint_events",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("complaint_id", IdType, ForeignKey("rental_complaints.id"), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_account_id", IdType, nullable=True),
    Column("text", Text, nullable=True),
    Index("ix_rental_complaint_events_complaint", "complaint_id", "id"),
)

# Inspections (检查) of a party, a home or a listing by staff, with their findings.
rental_inspections = Table(
    "rental_inspections",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("inspection_no", String(20), nullable=False, unique=True),
    Column("target_kind", String(8), nullable=False),  # party | home | listing
    Column("party_id", IdType, ForeignKey("rental_parties.id"), nullable=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=True),
    Column("listing_id", IdType, ForeignKey("rental_listings.id"), nullable=True),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("inspected_on", Date, nullable=False),
    Column("findings", Text, nullable=False),
    Column("outcome", String(12), nullable=False),  # compliant | violation
    Column("inspector_account_id", IdType, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_rental_inspections_street", "street_code", "inspected_on"),
    Index("ix_rental_inspections_party", "party_id"),
)

# Violations found by an inspection (or an upheld complaint); each became one credit event per subject.
rental_violations = Table(
    "rental_violations",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("inspection_id", IdType, ForeignKey("rental_inspections.id"), nullable=True),
    Column("complaint_id", IdType, ForeignKey("rental_complaints.id"), nullable=True),
    Column("kind", String(40), nullable=False),  # rental.false_listing …: see domain.VIOLATION_KINDS
    Column("severity", String(8), nullable=False),  # minor | major | serious
    Column("description", String(500), nullable=False),
    Column("subject_kind", String(8), nullable=False),  # person | org
    Column("subject_bidx", String(64), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("credit_event_id", BigInteger, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_rental_violations_inspection", "inspection_id"),
    Index("ix_rental_violations_subject", "subject_bidx"),
)
