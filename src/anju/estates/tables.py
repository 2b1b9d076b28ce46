"""The estate-management context's tables (物业管理与住宅专项维修资金, issue 22).

Four parts, each on the register's estates, buildings and homes:

- property services: filed companies, service projects per estate with their fee standards, tenders
  and bids, handover inspections (承接查验); coverage is computed from these and the register;
- service quality: owners' complaints routed to the street, annual evaluations (random inspections
  are the credit context's draws over the companies' credit files);
- owners' organisations and decisions: assemblies, committees and their members, term audits and the
  negative list, electronic votes with a frozen electorate and sealed ballots (the ballots'
  commitments are in the verifiable log ``estates``);
- the special maintenance fund: the money is on the one ledger engine (``anju.funds``, fund kind
  ``maintenance``: a fund account per district, a ledger account per home, subject ``home:<id>``);
  these tables keep what the engine does not: each home's fund record, the deposits due, interest
  runs, and spending applications with their quotes, stages and per-home shares.

Money is integer fen, areas exact decimals (``Area``), times timezone-aware (``UTCDateTime``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from anju.core.types import Area, IdType, UTCDateTime, metadata

# --------------------------------------------------------------------------------- property services

#: 物业服务企业: a company filed with the platform (its credit file is the credit context's).
estates_companies = Table(
    "estates_companies",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("credit_code", String(18), nullable=False, unique=True),  # GB 32100 统一社会信用代码
    Column("name", String(100), nullable=False),
    Column("qualification", String(12), nullable=False),  # domain.QUALIFICATIONS
    Column("staff", Integer, nullable=False),  # 从业人员数
    Column("district_code", String(12), nullable=False),  # where it is registered
    Column("street_code", String(12), nullable=True),
    Column("status", String(12), nullable=False),  # domain.COMPANY_STATUSES
    Column("filed_at", UTCDateTime, nullable=False),
    Column("filed_by", IdType, nullable=True),  # account; NULL: the synthetic city
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_estates_companies_district", "district_code", "status"),
)

#: 物业服务项目: one company serving one estate under a contract. At most one active project per
#: estate (a partial unique index).
estates_projects = Table(
    "estates_projects",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("project_no", String(20), nullable=False, unique=True),
    Column("estate_id", IdType, ForeignKey("estates.id"), nullable=False),
    Column("company_id", IdType, ForeignKey("estates_companies.id"), nullable=False),
    Column("kind", String(12), nullable=False),  # domain.PROJECT_KINDS: early (前期物业) | owners
    Column("chosen_by", String(12), nullable=False),  # domain.CHOSEN_BY: tender | owners | negotiation
    Column("tender_id", IdType, ForeignKey("estates_tenders.id"), nullable=True),
    Column("vote_id", IdType, ForeignKey("estates_votes.id"), nullable=True),  # owners' decision
    Column("contract_no", String(40), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("service_level", String(4), nullable=False),  # domain.SERVICE_LEVELS
    Column("status", String(12), nullable=False),  # domain.PROJECT_STATUSES
    Column("ended_on", Date, nullable=True),
    Column("end_reason", String(200), nullable=True),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", IdType, nullable=True),
    Index("ix_estates_projects_street", "street_code", "status"),
    Index("ix_estates_projects_company", "company_id", "status"),
    Index(
        "ux_estates_projects_active",
        "estate_id",
        unique=True,
        sqlite_where=text("status = 'active'"),
        postgresql_where=text("status = 'active'"),
    ),
)

#: 收费标准: a project's fee per m² of construction area per month, by the home's use.
estates_project_fees = Table(
    "estates_project_fees",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("project_id", IdType, ForeignKey("estates_projects.id"), nullable=False),
    Column("home_use", String(16), nullable=False),  # the register's home use
    Column("fee_fen_per_m2", Integer, nullable=False),  # 元/㎡·月 in fen
    UniqueConstraint("project_id", "home_use"),
)

#: 招投标: a tender for an estate's property service (the developer's early service, or the owners').
estates_tenders = Table(
    "estates_tenders",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("tender_no", String(20), nullable=False, unique=True),
    Column("estate_id", IdType, ForeignKey("estates.id"), nullable=False),
    Column("kind", String(12), nullable=False),  # domain.PROJECT_KINDS
    Column("title", String(100), nullable=False),
    Column("published_on", Date, nullable=False),
    Column("closes_on", Date, nullable=False),
    Column("status", String(12), nullable=False),  # domain.TENDER_STATUSES
    Column("awarded_bid_id", IdType, nullable=True),
    Column("awarded_on", Date, nullable=True),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", IdType, nullable=True),
    Index("ix_estates_tenders_street", "street_code", "status"),
)

estates_bids = Table(
    "estates_bids",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("tender_id", IdType, ForeignKey("estates_tenders.id"), nullable=False),
    Column("company_id", IdType, ForeignKey("estates_companies.id"), nullable=False),
    Column("fee_fen_per_m2", Integer, nullable=False),  # the residential fee offered
    Column("technical_score", Numeric(5, 2), nullable=True),  # 0–100, by the evaluation panel
    Column("price_score", Numeric(5, 2), nullable=True),
    Column("total_score", Numeric(5, 2), nullable=True),
    Column("status", String(12), nullable=False),  # domain.BID_STATUSES
    Column("note", String(200), nullable=True),
    Column("submitted_at", UTCDateTime, nullable=False),
    UniqueConstraint("tender_id", "company_id"),
)

#: 承接查验: the handover inspection of an estate's common parts when a project starts.
estates_handovers = Table(
    "estates_handovers",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("project_id", IdType, ForeignKey("estates_projects.id"), nullable=False),
    Column("inspected_on", Date, nullable=False),
    Column("items_checked", Integer, nullable=False),
    Column("defects", Integer, nullable=False),
    Column("result", String(16), nullable=False),  # domain.HANDOVER_RESULTS
    Column("note", String(500), nullable=True),
    Column("recorded_by", IdType, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_estates_handovers_project", "project_id"),
)

# ----------------------------------------------------------------------------------- service quality

#: 物业投诉: an owner's complaint about an estate's property service, routed to the estate's street.
estates_complaints = Table(
    "estates_complaints",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("complaint_no", String(20), nullable=False, unique=True),
    Column("estate_id", IdType, ForeignKey("estates.id"), nullable=False),
    Column("project_id", IdType, ForeignKey("estates_projects.id"), nullable=True),
    Column("company_id", IdType, ForeignKey("estates_companies.id"), nullable=True),
    Column("category", String(16), nullable=False),  # domain.COMPLAINT_CATEGORIES
    Column("title", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("complainant_account_id", IdType, nullable=False),
    Column("status", String(12), nullable=False),  # domain.COMPLAINT_STATUSES
    Column("due_at", UTCDateTime, nullable=False),
    Column("handler_account_id", IdType, nullable=True),
    Column("company_reply", Text, nullable=True),
    Column("reply", Text, nullable=True),
    Column("upheld", Boolean, nullable=True),
    Column("credit_event_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("handled_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_estates_complaints_queue", "street_code", "status", "due_at"),
    Index("ix_estates_complaints_complainant", "complainant_account_id", "id"),
    Index("ix_estates_complaints_company", "company_id", "status"),
)

estates_complaint_events = Table(
    "estates_complaint_events",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("complaint_id", IdType, ForeignKey("estates_complaints.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("actor_account_id", IdType, nullable=True),
    Column("text", Text, nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_estates_complaint_events_complaint", "complaint_id", "id"),
)

#: 年度考评: a project's annual evaluation by the street (a score out of 100 by items, and a grade).
estates_evaluations = Table(
    "estates_evaluations",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("project_id", IdType, ForeignKey("estates_projects.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("score", Numeric(5, 2), nullable=False),
    Column("grade", String(12), nullable=False),  # domain.EVALUATION_GRADES ("excellent": 9)
    Column("items", Text, nullable=False),  # JSON: item code → score
    Column("note", String(500), nullable=True),
    Column("evaluated_on", Date, nullable=False),
    Column("evaluator_account_id", IdType, nullable=True),
    Column("credit_event_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("project_id", "year"),
)

# ------------------------------------------------------------------- owners' organisations, decisions

#: 业主大会: an estate's owners' assembly (at most one per estate).
estates_assemblies = Table(
    "estates_assemblies",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("estate_id", IdType, ForeignKey("estates.id"), nullable=False, unique=True),
    Column("established_on", Date, nullable=False),
    Column("filing_no", String(30), nullable=False, unique=True),  # 备案号
    Column("status", String(12), nullable=False),  # active | dissolved
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", IdType, nullable=True),
)

#: 业主委员会: one committee per term of an assembly.
estates_committees = Table(
    "estates_committees",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("assembly_id", IdType, ForeignKey("estates_assemblies.id"), nullable=False),
    Column("estate_id", IdType, ForeignKey("estates.id"), nullable=False),
    Column("term_starts_on", Date, nullable=False),
    Column("term_ends_on", Date, nullable=False),
    Column("status", String(12), nullable=False),  # domain.COMMITTEE_STATUSES
    Column("vote_id", IdType, ForeignKey("estates_votes.id"), nullable=True),  # the election
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", IdType, nullable=True),
    Index("ix_estates_committees_estate", "estate_id", "status"),
    Index("ix_estates_committees_street", "street_code", "status"),
)

#: A committee member: an owner of the estate (blind index; name encrypted).
estates_committee_members = Table(
    "estates_committee_members",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("committee_id", IdType, ForeignKey("estates_committees.id"), nullable=False),
    Column("owner_bidx", String(64), nullable=False),
    Column("name_enc", LargeBinary, nullable=False),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("position", String(12), nullable=False),  # domain.POSITIONS
    Column("left_on", Date, nullable=True),
    UniqueConstraint("committee_id", "owner_bidx"),
    Index("ix_estates_committee_members_owner", "owner_bidx"),
)

#: 换届审计: the audit of a committee's term (usually at its end).
estates_term_audits = Table(
    "estates_term_audits",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("committee_id", IdType, ForeignKey("estates_committees.id"), nullable=False),
    Column("audited_on", Date, nullable=False),
    Column("auditor", String(100), nullable=False),  # the audit firm
    Column("result", String(12), nullable=False),  # domain.AUDIT_RESULTS
    Column("findings", Text, nullable=True),
    Column("recorded_by", IdType, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_estates_term_audits_committee", "committee_id"),
)

#: 履职负面清单: an item of a committee's (or a member's) negative list.
estates_negative_items = Table(
    "estates_negative_items",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("committee_id", IdType, ForeignKey("estates_committees.id"), nullable=False),
    Column("member_id", IdType, ForeignKey("estates_committee_members.id"), nullable=True),
    Column("kind", String(32), nullable=False),  # estates/data/negative_list.toml
    Column("occurred_on", Date, nullable=False),
    Column("note", String(500), nullable=True),
    Column("cleared_on", Date, nullable=True),
    Column("recorded_by", IdType, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_estates_negative_items_committee", "committee_id"),
)

#: 业主表决: an electronic vote of an estate's owners on a matter of Civil Code art. 278.
estates_votes = Table(
    "estates_votes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("vote_no", String(20), nullable=False, unique=True),
    Column("estate_id", IdType, ForeignKey("estates.id"), nullable=False),
    Column("title", String(100), nullable=False),
    Column("matter", String(24), nullable=False),  # domain.MATTERS
    Column("description", Text, nullable=True),
    Column("record_date", Date, nullable=False),  # electors: the register's owners on this day
    Column("opens_at", UTCDateTime, nullable=False),
    Column("closes_at", UTCDateTime, nullable=False),
    Column("status", String(12), nullable=False),  # domain.VOTE_STATUSES
    # The electorate, frozen when the vote opens (estates_vote_electors).
    Column("electorate_owners", Integer, nullable=True),
    Column("electorate_area", Area, nullable=True),
    # The tally, written when the vote is closed and the ballots opened.
    Column("participated_owners", Integer, nullable=True),
    Column("participated_area", Area, nullable=True),
    Column("yes_owners", Integer, nullable=True),
    Column("yes_area", Area, nullable=True),
    Column("no_owners", Integer, nullable=True),
    Column("no_area", Area, nullable=True),
    Column("abstain_owners", Integer, nullable=True),
    Column("abstain_area", Area, nullable=True),
    Column("quorum_met", Boolean, nullable=True),
    Column("passed", Boolean, nullable=True),
    Column("tallied_at", UTCDateTime, nullable=True),
    Column("opened_ledger_index", BigInteger, nullable=True),  # the log entry of the opened totals
    # The close (migration 0042): after it no ballot is accepted (the trigger estates_ballots_vote_open
    # also refuses one cast at or after closes_at); closed_by NULL: closed at its end time by the system.
    Column("closed_at", UTCDateTime, nullable=True),
    Column("closed_by", IdType, nullable=True),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", IdType, nullable=True),
    Index("ix_estates_votes_estate", "estate_id", "status"),
    Index("ix_estates_votes_street", "street_code", "status"),
)

#: The electorate of a vote: one elector per owner on the record date, with the homes (专有部分) and
#: their exclusive area the elector holds in the estate.
estates_vote_electors = Table(
    "estates_vote_electors",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("vote_id", IdType, ForeignKey("estates_votes.id"), nullable=False),
    Column("owner_bidx", String(64), nullable=False),
    Column("homes", Integer, nullable=False),
    Column("area", Area, nullable=False),
    UniqueConstraint("vote_id", "owner_bidx"),
)

#: A sealed ballot: at most one per elector and vote (the database refuses a second). ``commitment``
#: (SHA-256 of the vote, the choice and the owner's secret nonce) is in the log ``estates``; the
#: choice is sealed (encrypted) until the vote closes, then opened.
estates_ballots = Table(
    "estates_ballots",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("vote_id", IdType, ForeignKey("estates_votes.id"), nullable=False),
    Column("elector_id", IdType, ForeignKey("estates_vote_electors.id"), nullable=False),
    Column("commitment", String(64), nullable=False, unique=True),
    Column("sealed", LargeBinary, nullable=False),  # the choice and nonce, encrypted
    Column("choice", String(8), nullable=True),  # domain.CHOICES, once opened
    Column("cast_at", UTCDateTime, nullable=False),
    Column("ledger_index", BigInteger, nullable=True),
    # an organisation elector's paper ballot, recorded by this officer (migration 0042); NULL: cast online
    Column("recorded_by", IdType, nullable=True),
    UniqueConstraint("vote_id", "elector_id"),
)

# ---------------------------------------------------------------------- the special maintenance fund

#: 分户账: each home's maintenance-fund record. The money is on ``anju.funds`` (fund kind
#: ``maintenance``, the district's fund account, subject ``home:<id>``); this row says when and how the
#: home's account was opened, on what area and building type, and whether it is closed (demolished).
estates_fund_homes = Table(
    "estates_fund_homes",
    metadata,
    Column("home_id", IdType, ForeignKey("homes.id"), primary_key=True, autoincrement=False),
    Column("fund_account_id", IdType, ForeignKey("fund_accounts.id"), nullable=False),
    Column("estate_id", IdType, nullable=False),
    Column("building_id", IdType, nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("area", Area, nullable=False),  # the construction area deposits are computed on
    Column("building_type", String(12), nullable=False),  # domain.BUILDING_TYPES
    Column("opened_on", Date, nullable=False),
    Column("source", String(12), nullable=False),  # sale | import | synthetic
    Column("status", String(12), nullable=False),  # open | closed
    Column("closed_on", Date, nullable=True),
    Index("ix_estates_fund_homes_estate", "estate_id", "building_id"),
    Index("ix_estates_fund_homes_street", "street_code"),
)

#: 过户: the transfer of a home's 分户账 with a completed resale (the balance stays with the home; no
#: money moves). Written by the registration follower ``fund_transfers.record_resale_transfers`` in the
#: load's transaction; owners by the blind index of their ID (migration 0042).
estates_fund_transfers = Table(
    "estates_fund_transfers",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("contract_id", IdType, ForeignKey("resale_contracts.id"), nullable=False, unique=True),
    Column("registration_id", IdType, nullable=True),  # the transfer registration that completed it
    Column("transferred_on", Date, nullable=False),  # the registration's day
    Column("from_owner_bidx", String(64), nullable=False),
    Column("to_owner_bidx", String(64), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_estates_fund_transfers_home", "home_id", "transferred_on"),
)

#: 应缴: a deposit due on a home (the first deposit at the first sale, a top-up when the balance fell
#: below the configured share), paid by a journal.
estates_fund_dues = Table(
    "estates_fund_dues",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("kind", String(12), nullable=False),  # initial | topup
    Column("reference", String(40), nullable=False),  # contract:<id> | topup:<year> | import:<batch>
    Column("amount_fen", BigInteger, nullable=False),
    Column("rate_fen_per_m2", Integer, nullable=True),
    Column("due_on", Date, nullable=False),
    Column("status", String(12), nullable=False),  # due | paid | waived
    Column("journal_id", IdType, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("home_id", "kind", "reference"),
    Index("ix_estates_fund_dues_status", "status", "due_on"),
)

#: 年度计息: one interest allocation of a fund account for a year.
estates_interest_runs = Table(
    "estates_interest_runs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("fund_account_id", IdType, ForeignKey("fund_accounts.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("total_fen", BigInteger, nullable=False),  # the interest the bank paid, allocated exactly
    Column("homes", Integer, nullable=False),
    Column("journals", Integer, nullable=False),
    Column("run_at", UTCDateTime, nullable=False),
    Column("run_by", IdType, nullable=True),
    UniqueConstraint("fund_account_id", "year"),
)

#: 维修资金使用申请: an application to spend the fund on an estate's or a building's common parts.
estates_spending = Table(
    "estates_spending",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("application_no", String(20), nullable=False, unique=True),
    Column("estate_id", IdType, ForeignKey("estates.id"), nullable=False),
    Column("building_id", IdType, ForeignKey("buildings.id"), nullable=True),  # NULL: the whole estate
    Column("title", String(100), nullable=False),
    Column("category", String(16), nullable=False),  # domain.SPENDING_CATEGORIES
    Column("description", Text, nullable=True),
    Column("emergency", Boolean, nullable=False),
    Column("emergency_kind", String(16), nullable=True),  # domain.EMERGENCY_KINDS
    Column("vote_id", IdType, ForeignKey("estates_votes.id"), nullable=True),
    Column("status", String(16), nullable=False),  # domain.SPENDING_STATUSES
    Column("budget_fen", BigInteger, nullable=False),
    Column("approved_fen", BigInteger, nullable=True),
    Column("paid_fen", BigInteger, nullable=False),
    Column("applicant_kind", String(12), nullable=False),  # committee | company | street
    Column("applicant_account_id", IdType, nullable=True),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("submitted_at", UTCDateTime, nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decided_by", IdType, nullable=True),
    Column("decision_note", String(500), nullable=True),
    Column("published_at", UTCDateTime, nullable=True),  # the final account, to the estate's owners
    # Withdrawn by its applicant before a decision (migration 0042).
    Column("withdrawn_at", UTCDateTime, nullable=True),
    Column("withdrawn_by", IdType, nullable=True),
    Column("withdraw_reason", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_estates_spending_street", "street_code", "status"),
    Index("ix_estates_spending_estate", "estate_id", "status"),
)

estates_spending_quotes = Table(
    "estates_spending_quotes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("spending_id", IdType, ForeignKey("estates_spending.id"), nullable=False),
    Column("contractor", String(100), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("chosen", Boolean, nullable=False),
    Column("note", String(200), nullable=True),
    Index("ix_estates_spending_quotes_spending", "spending_id"),
)

#: Payment stages: each paid against its acceptance (验收), by one journal on the fund.
estates_spending_stages = Table(
    "estates_spending_stages",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("spending_id", IdType, ForeignKey("estates_spending.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("label", String(40), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("accepted_on", Date, nullable=True),
    Column("accepted_by", IdType, nullable=True),
    Column("journal_id", IdType, nullable=True),
    Column("paid_at", UTCDateTime, nullable=True),
    UniqueConstraint("spending_id", "seq"),
)

#: Each home's share of an application, apportioned by construction area (分摊).
estates_spending_shares = Table(
    "estates_spending_shares",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("spending_id", IdType, ForeignKey("estates_spending.id"), nullable=False),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("area", Area, nullable=False),
    Column("share_fen", BigInteger, nullable=False),
    Column("paid_fen", BigInteger, nullable=False),
    UniqueConstraint("spending_id", "home_id"),
    Index("ix_estates_spending_shares_home", "home_id"),
)

__all__ = [
    "estates_assemblies",
    "estates_ballots",
    "estates_bids",
    "estates_committee_members",
    "estates_committees",
    "estates_companies",
    "estates_complaint_events",
    "estates_complaints",
    "estates_evaluations",
    "estates_fund_dues",
    "estates_fund_homes",
    "estates_handovers",
    "estates_interest_runs",
    "estates_negative_items",
    "estates_project_fees",
    "estates_projects",
    "estates_spending",
    "estates_spending_quotes",
    "estates_spending_shares",
    "estates_spending_stages",
    "estates_tenders",
    "estates_vote_electors",
    "estates_votes",
]
