"""Tables of new-home transactions (商品房): developers, projects, presale permits, filed prices and
purchase contracts.

Organisations are named by their unified social credit code (public data); buyers by encrypted name and
ID with an HMAC-SM3 blind index, as everywhere else. Money is integer fen; areas are exact (``Area``);
times are timezone-aware UTC.

Invariants the database enforces (not only the services):

* a home is sold once: ``ux_sale_contracts_home_active`` is unique over (``home_id``, ``active``), and
  ``active`` is 1 while a contract holds the home (draft, signed, filed) and NULL once it is cancelled
  (NULLs never collide, on SQLite and PostgreSQL alike);
* a home is in at most one presale permit (``presale_permit_homes.home_id`` is unique);
* a home has one price in force (``ux_home_prices_current``, ``current`` 1 or NULL); older versions stay;
* credit codes, project numbers, permit numbers and filing numbers are unique.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
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

developers = Table(
    "developers",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("credit_code", String(18), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("qualification_grade", String(16), nullable=False),
    Column("qualification_no", String(40), nullable=False),
    Column("address", String(200), nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("filed_by", String(40), nullable=False),
    Column("filed_at", UTCDateTime, nullable=False),
    Index("ix_developers_street", "street_code"),
)

sale_projects = Table(
    "sale_projects",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("developer_id", IdType, ForeignKey("developers.id"), nullable=False),
    Column("estate_id", IdType, ForeignKey("estates.id"), nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("filed_by", String(40), nullable=False),
    Column("filed_at", UTCDateTime, nullable=False),
    UniqueConstraint("estate_id", "name", name="uq_sale_projects_estate_name"),
    Index("ix_sale_projects_street", "street_code"),
    Index("ix_sale_projects_developer", "developer_id"),
)

presale_permits = Table(
    "presale_permits",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("permit_no", String(24), nullable=False, unique=True),
    Column("project_id", IdType, ForeignKey("sale_projects.id"), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("homes", Integer, nullable=False),
    Column("area", Area, nullable=False),  # total construction area of the permitted homes
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("filed_by", String(40), nullable=False),
    Column("filed_at", UTCDateTime, nullable=False),
    Index("ix_presale_permits_project", "project_id"),
    Index("ix_presale_permits_street", "street_code", "issued_on"),
)

presale_permit_homes = Table(
    "presale_permit_homes",
    metadata,
    Column("permit_id", IdType, ForeignKey("presale_permits.id"), primary_key=True),
    Column("home_id", IdType, ForeignKey("homes.id"), primary_key=True),
    Column("building_id", IdType, nullable=False),
    UniqueConstraint("home_id", name="uq_presale_permit_homes_home"),
    Index("ix_presale_permit_homes_building", "building_id"),
)

home_prices = Table(
    "home_prices",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("permit_id", IdType, ForeignKey("presale_permits.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("unit_price_fen", BigInteger, nullable=False),  # per m² of construction area
    Column("total_price_fen", BigInteger, nullable=False),
    Column("current", Integer, nullable=True),  # 1 for the version in force, NULL once superseded
    Column("reason", String(200), nullable=True),
    Column("filed_by", String(40), nullable=False),
    Column("filed_at", UTCDateTime, nullable=False),
    Column("superseded_at", UTCDateTime, nullable=True),
    UniqueConstraint("home_id", "version", name="uq_home_prices_version"),
    Index("ux_home_prices_current", "home_id", "current", unique=True),
)

sale_contracts = Table(
    "sale_contracts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("project_id", IdType, ForeignKey("sale_projects.id"), nullable=False),
    Column("permit_id", IdType, ForeignKey("presale_permits.id"), nullable=False),
    Column("developer_id", IdType, ForeignKey("developers.id"), nullable=False),
    # NULL for a history contract (``source`` history): no platform account behind its buyer
    Column("buyer_account_id", IdType, ForeignKey("accounts.id"), nullable=True),
    Column("buyer_name_enc", LargeBinary, nullable=False),
    Column("buyer_id_enc", LargeBinary, nullable=False),
    Column("buyer_id_bidx", String(64), nullable=False),
    Column("buyer_hukou", String(8), nullable=False),  # local | nonlocal, declared (限购)
    Column("buyer_si_months", Integer, nullable=False),  # social-insurance months in the last 36, declared
    Column("eligibility", Text, nullable=True),  # JSON: the 限购 rules as checked at the last signature
    Column("area", Area, nullable=False),  # construction area as the register records it at drafting
    Column("total_price_fen", BigInteger, nullable=False),
    Column("unit_price_fen", BigInteger, nullable=False),
    Column("payment_method", String(20), nullable=False),
    Column("down_payment_fen", BigInteger, nullable=False),
    Column("loan_fen", BigInteger, nullable=False),
    Column("delivery_date", Date, nullable=False),
    Column("status", String(12), nullable=False),
    Column("active", Integer, nullable=True),  # 1 while the contract holds the home, NULL once cancelled
    Column("developer_signed_at", UTCDateTime, nullable=True),
    Column("buyer_signed_at", UTCDateTime, nullable=True),
    Column("filing_no", String(20), nullable=True, unique=True),
    Column("filed_at", UTCDateTime, nullable=True),
    Column("cancelled_at", UTCDateTime, nullable=True),
    Column("cancel_reason", String(200), nullable=True),
    Column("cancelled_by", String(40), nullable=True),
    # platform: signed here; history: loaded from the (synthetic) market history. Set by the insert
    # (a Python-side default for the platform's own writes), never by the database.
    Column("source", String(8), nullable=False, default="platform"),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("created_by", String(40), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ux_sale_contracts_home_active", "home_id", "active", unique=True),
    Index("ix_sale_contracts_street", "street_code", "status", "created_at"),
    Index("ix_sale_contracts_buyer", "buyer_account_id"),
    Index("ix_sale_contracts_buyer_bidx", "buyer_id_bidx", "active"),
    Index("ix_sale_contracts_project", "project_id", "status"),
    Index("ix_sale_contracts_filed_at", "filed_at"),  # the public figures' window scan (migration 0044)
)

# ------------------------------------------------------------------------- existing homes (存量房)
# Resale listings by filed brokerage agencies (``rental_parties`` of kind ``agency``: the platform's one
# register of filed enterprises and agencies) and resale contracts (存量房买卖合同网签备案). The same
# invariants as new homes: a home has at most one active listing and one active contract
# (``active`` 1 or NULL, unique with the home). ``source`` is ``platform`` for what was signed here and
# ``history`` for records loaded from the synthetic market history (or a legacy system): a history
# contract has no platform accounts behind it (``buyer_account_id`` and ``listing_id`` NULL).

resale_listings = Table(
    "resale_listings",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("listing_no", String(20), nullable=False, unique=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("agency_party_id", IdType, ForeignKey("rental_parties.id"), nullable=True),
    Column("lister_account_id", IdType, nullable=True),
    Column("owner_bidx", String(64), nullable=True),  # the registered owner the listing rests on
    Column("title", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("area", Area, nullable=False),  # construction area from the register
    Column("asking_price_fen", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("active", Integer, nullable=True),  # 1 while pending/verified/published; NULL otherwise
    Column("verification", Text, nullable=True),  # JSON: every rule with its result
    Column("verify_code", String(16), nullable=True, unique=True),  # 房源核验码
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ux_resale_listings_home_active", "home_id", "active", unique=True),
    Index("ix_resale_listings_street", "street_code", "status", "created_at"),
    # the public list, newest first, whole city or one district (migration 0020)
    Index("ix_resale_listings_published", "status", "published_at", "id"),
    Index("ix_resale_listings_district", "district_code", "status", "published_at", "id"),
    Index("ix_resale_listings_street_published", "street_code", "status", "published_at", "id"),
)

resale_contracts = Table(
    "resale_contracts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("listing_id", IdType, ForeignKey("resale_listings.id"), nullable=True),
    Column("agency_party_id", IdType, ForeignKey("rental_parties.id"), nullable=True),  # NULL: 自行成交
    Column("seller_bidx", String(64), nullable=False),  # the registered owner (blind index)
    Column("seller_name_enc", LargeBinary, nullable=False),
    Column("seller_id_enc", LargeBinary, nullable=False),
    Column("seller_account_id", IdType, nullable=True),
    Column("buyer_account_id", IdType, nullable=True),
    Column("buyer_name_enc", LargeBinary, nullable=False),
    Column("buyer_id_enc", LargeBinary, nullable=False),
    Column("buyer_id_bidx", String(64), nullable=False),
    Column("buyer_hukou", String(8), nullable=True),  # local | nonlocal, declared (限购)
    Column("buyer_si_months", Integer, nullable=True),
    Column("eligibility", Text, nullable=True),  # JSON: the 限购 rules as checked at the last signature
    Column("area", Area, nullable=False),
    Column("total_price_fen", BigInteger, nullable=False),
    Column("unit_price_fen", BigInteger, nullable=False),
    Column("payment_method", String(20), nullable=False),
    Column("down_payment_fen", BigInteger, nullable=False),
    Column("loan_fen", BigInteger, nullable=False),
    Column("status", String(12), nullable=False),  # draft | signed | filed | registered | cancelled
    Column("active", Integer, nullable=True),  # 1 while draft/signed/filed; NULL once registered or cancelled
    Column("seller_signed_at", UTCDateTime, nullable=True),
    Column("buyer_signed_at", UTCDateTime, nullable=True),
    Column("filing_no", String(20), nullable=True, unique=True),
    Column("filed_at", UTCDateTime, nullable=True),
    Column("signed_on", Date, nullable=True),  # the business date (history contracts carry only this)
    Column("registration_id", IdType, nullable=True),  # the transfer registration that completed it
    Column("cancelled_at", UTCDateTime, nullable=True),
    Column("cancel_reason", String(200), nullable=True),
    Column("cancelled_by", String(40), nullable=True),
    Column("source", String(8), nullable=False),  # platform | history
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("created_by", String(40), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ux_resale_contracts_home_active", "home_id", "active", unique=True),
    Index("ix_resale_contracts_street", "street_code", "status", "created_at"),
    Index("ix_resale_contracts_buyer_bidx", "buyer_id_bidx", "active"),
    Index("ix_resale_contracts_signed", "signed_on"),
    Index("ix_resale_contracts_filed_at", "filed_at"),  # the public figures' window scan (migration 0044)
)

# --------------------------------------------------------------- presale fund supervision (预售资金监管)
# (owned by transactions/presale_funds.py) A project's supervised account is a fund account of kind
# ``presale`` (``anju.funds``, owner ``project:<id>``); buyers' down payments and loans are journals on it
# (subject ``contract:<id>``). The policy edition (milestones and their cumulative release shares, the
# retained key amount 重点监管额度) is the one in force when the account was opened.

presale_fund_supervisions = Table(
    "presale_fund_supervisions",
    metadata,
    Column("project_id", IdType, ForeignKey("sale_projects.id"), primary_key=True),
    Column("fund_account_id", IdType, ForeignKey("fund_accounts.id"), nullable=False, unique=True),
    Column("policy_code", String(40), nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("opened_by", String(40), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Index("ix_presale_fund_supervisions_street", "street_code"),
)

# Construction milestones a project has reached (主体结构封顶, 竣工验收, 首次登记), as the officer recorded them.
presale_milestones = Table(
    "presale_milestones",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("project_id", IdType, ForeignKey("sale_projects.id"), nullable=False),
    Column("milestone", String(24), nullable=False),
    Column("reached_on", Date, nullable=False),
    Column("recorded_by", String(40), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    UniqueConstraint("project_id", "milestone", name="uq_presale_milestones_project_milestone"),
)

# Releases to the developer: requested, then approved by another officer (the journal) or rejected.
presale_releases = Table(
    "presale_releases",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("project_id", IdType, ForeignKey("sale_projects.id"), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("milestone", String(24), nullable=False),  # the milestone reached when requested
    Column("status", String(10), nullable=False),  # requested | approved | rejected
    Column("requested_by", String(40), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("decided_by", String(40), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("journal_id", BigInteger, nullable=True),
    Index("ix_presale_releases_project", "project_id", "status"),
)

# ------------------------------------------------------------------ public figures (网上房地产 成交统计)
# (owned by transactions/figures.py) Filed contracts counted per local day of filing, district (the
# contract's), the home's use and market (``new`` | ``resale``): kept by the filing and the cancellation of a
# filed contract in their own transaction (+1 / −1 with the contract's area), rebuilt set-wise from the
# contracts by bulk paths (the synthetic market history) and by migration 0045. The public figures read
# only this table and the same counts kept per month (``transaction_monthly_figures``, ``month`` the
# month's first day: changed by the same writes, so that the 12 months are 12 × a few rows, not a year
# of days). A row may fall to 0 contracts after cancellations; readers skip those.
transaction_daily_figures = Table(
    "transaction_daily_figures",
    metadata,
    Column("day", Date, primary_key=True),
    Column("market", String(8), primary_key=True),
    Column("district_code", String(12), primary_key=True),
    Column("use", String(16), primary_key=True),
    Column("contracts", Integer, nullable=False),
    Column("area", Area, nullable=False),  # the contracts' construction areas, summed exactly
)

transaction_monthly_figures = Table(
    "transaction_monthly_figures",
    metadata,
    Column("month", Date, primary_key=True),  # the first day of the local month of filing
    Column("market", String(8), primary_key=True),
    Column("district_code", String(12), primary_key=True),
    Column("use", String(16), primary_key=True),
    Column("contracts", Integer, nullable=False),
    Column("area", Area, nullable=False),
)
