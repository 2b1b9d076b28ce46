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

from anju.core.db import Area, IdType, UTCDateTime, metadata

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
    Index("ix_listings_search", "status", "district_code", "street_code", "rent_fen"),
    Index("ix_listings_geo", "status", "lon", "lat"),
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
    Column("effective_from", Date, nullable=False),  # when it applies to listings and leases
    Column("method", Text, nullable=False),  # JSON: model formula, coefficients, fit statistics, band
    Column("leases_used", Integer, nullable=False),
    Column("status", String(12), nullable=False),  # draft | published | superseded
    Column("computed_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("published_by", IdType, nullable=True),
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
    UniqueConstraint("edition_id", "street_code", "home_type"),
    Index("ix_rental_guidance_rents_street", "street_code", "home_type"),
)

# ---------------------------------------------------------------------------------------- governance
# (owned by rental/governance.py)
