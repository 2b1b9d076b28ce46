"""Tables of housing assistance and talent housing (住房保障、人才安居).

A programme's policy is data: every edition is kept (``programme_editions``) and an application keeps
the edition it was checked and decided under, so a policy change never alters a decision already made.
People are named by encrypted IDs and names with HMAC-SM3 blind indexes, as everywhere else.

Invariants the database enforces (not only the services):

* a person is a member of at most one pending application (``ux_members_pending``: ``pending`` is 1
  while the application is submitted and not yet closed, NULL otherwise — NULLs never collide);
* a home is allocated to at most one household at a time (``ux_allocations_home_active``);
* an application is allocated at most once (unique ``application_id`` among active allocations);
* a draw's candidates keep their frozen positions (primary key ``draw_id, position``).
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
    String,
    Table,
    Text,
    UniqueConstraint,
)

from anju.core.types import IdType, UTCDateTime, metadata

programme_editions = Table(
    "programme_editions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False),  # e.g. public_rental
    Column("edition", Integer, nullable=False),
    Column("kind", String(24), nullable=False),  # see domain.Kind
    Column("name", String(60), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date, nullable=True),
    Column("policy", Text, nullable=False),  # JSON of the whole policy (domain.Policy)
    Column("digest", String(64), nullable=False),  # SM3 of the canonical JSON
    Column("sample", Boolean, nullable=False),  # a labelled sample policy, not the city's real figures
    Column("loaded_at", UTCDateTime, nullable=False),
    UniqueConstraint("code", "edition"),
)

applications = Table(
    "applications",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("app_no", String(24), nullable=False, unique=True),
    Column("programme_code", String(32), nullable=False),
    Column("edition_id", IdType, ForeignKey("programme_editions.id"), nullable=False),
    Column("account_id", IdType, nullable=True),  # the applicant's account (NULL for synthetic history)
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),  # where it is reviewed first (scoping)
    Column("status", String(20), nullable=False),  # domain.AppStatus
    Column("level", String(12), nullable=True),  # review level now: street | district | city
    Column("due_at", UTCDateTime, nullable=True),  # deadline of the current step
    Column("priority_class", String(24), nullable=True),
    Column("household_size", Integer, nullable=False),
    Column("talent_tier", String(8), nullable=True),  # A | B | C | D (talent programmes)
    Column("industry", String(40), nullable=True),
    Column("employer", String(80), nullable=True),
    Column("housing_status", String(16), nullable=False),  # none | rented | owned | assisted | other
    Column("contact_phone_enc", LargeBinary, nullable=True),
    Column("eligible", Boolean, nullable=True),
    Column("eligibility", Text, nullable=True),  # JSON: every rule with its inputs and result
    Column("checked_at", UTCDateTime, nullable=True),
    Column("submitted_at", UTCDateTime, nullable=True),
    Column("notice_until", UTCDateTime, nullable=True),  # end of the public notice (公示)
    Column("decided_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),  # optimistic concurrency of reviews
    Index("ix_applications_queue", "status", "street_code", "due_at"),
    Index("ix_applications_programme", "programme_code", "status", "priority_class"),
    Index("ix_applications_account", "account_id"),
)

application_members = Table(
    "application_members",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("application_id", IdType, ForeignKey("applications.id"), nullable=False),
    Column("seq", Integer, nullable=False),  # 0 = the applicant
    Column("relation", String(8), nullable=False),  # 本人 配偶 子女 父母 其他
    Column("name_enc", LargeBinary, nullable=False),
    Column("id_number_enc", LargeBinary, nullable=False),
    Column("id_bidx", String(64), nullable=False),
    Column("birth_year", Integer, nullable=False),
    Column("annual_income_fen", BigInteger, nullable=False),
    Column("assets_fen", BigInteger, nullable=False),
    Column("local_hukou", Boolean, nullable=False),
    Column("hukou_years", Integer, nullable=False),
    Column("social_insurance_months", Integer, nullable=False),
    Column("employed", Boolean, nullable=False),
    Column("pending", Integer, nullable=True),  # 1 while the application is pending; else NULL
    UniqueConstraint("application_id", "seq"),
    Index("ux_members_pending", "id_bidx", "pending", unique=True),
    Index("ix_members_bidx", "id_bidx"),
)

application_documents = Table(
    "application_documents",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("application_id", IdType, ForeignKey("applications.id"), nullable=False),
    Column("kind", String(24), nullable=False),  # 身份证明 收入证明 …
    Column("filename", String(120), nullable=False),
    Column("content_type", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    Index("ix_application_documents_app", "application_id"),
)

# Every step of an application's life (submission, each review decision, notice, objections, draw,
# selection, exit): the explainable history the applicant and the reviewers see.
application_steps = Table(
    "application_steps",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("application_id", IdType, ForeignKey("applications.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),  # username, or "system"
    Column("level", String(12), nullable=False),  # applicant | street | district | city | public | system
    Column("action", String(24), nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("reason", Text, nullable=True),
    Column("ledger_index", BigInteger, nullable=True),  # decisions are appended to the log "assistance"
    Index("ix_application_steps_app", "application_id", "id"),
)

objections = Table(
    "objections",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("application_id", IdType, ForeignKey("applications.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("status", String(12), nullable=False),  # open | upheld | dismissed
    Column("resolution", Text, nullable=True),
    Column("resolved_by", String(64), nullable=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    Index("ix_objections_app", "application_id"),
)

# Who is supported now: one row per person per benefit (a home or a subsidy). The eligibility check's
# "already housed or subsidised" rule reads it; exits close it.
benefits = Table(
    "benefits",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("id_bidx", String(64), nullable=False),
    Column("application_id", IdType, ForeignKey("applications.id"), nullable=True),
    Column("programme_code", String(32), nullable=False),
    Column("kind", String(8), nullable=False),  # home | subsidy | purchase
    Column("since", Date, nullable=False),
    Column("until", Date, nullable=True),
    Index("ix_benefits_person", "id_bidx", "until"),
)

# Homes of the register made available to a programme (保障房源).
assisted_homes = Table(
    "assisted_homes",
    metadata,
    Column("home_id", IdType, ForeignKey("homes.id"), primary_key=True, autoincrement=False),
    Column("programme_code", String(32), nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("bedrooms", Integer, nullable=False),
    Column("area", Integer, nullable=False),  # construction area in hundredths of m² (as the register)
    Column("monthly_rent_fen", BigInteger, nullable=True),
    Column("price_fen", BigInteger, nullable=True),
    Column("status", String(12), nullable=False),  # available | allocated | withdrawn
    Column("since", Date, nullable=False),
    Index("ix_assisted_homes_pick", "programme_code", "status", "bedrooms"),
)

draws = Table(
    "draws",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("draw_no", String(24), nullable=False, unique=True),
    Column("programme_code", String(32), nullable=False),
    Column("priority_class", String(24), nullable=True),
    Column("title", String(120), nullable=False),
    Column("status", String(12), nullable=False),  # frozen | drawn
    Column("algorithm", String(24), nullable=False),
    Column("candidates", Integer, nullable=False),
    Column("list_hash", String(64), nullable=False),
    Column("frozen_at", UTCDateTime, nullable=False),
    Column("frozen_by", String(64), nullable=False),
    Column("seed", String(256), nullable=True),
    Column("seed_source", String(200), nullable=True),
    Column("witnesses", Text, nullable=True),
    Column("result_hash", String(64), nullable=True),
    Column("drawn_at", UTCDateTime, nullable=True),
    Column("drawn_by", String(64), nullable=True),
    Column("ledger_index", BigInteger, nullable=True),
)

draw_candidates = Table(
    "draw_candidates",
    metadata,
    Column("draw_id", IdType, ForeignKey("draws.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),  # 1-based, frozen order
    Column("application_id", IdType, ForeignKey("applications.id"), nullable=False),
    Column("candidate_id", String(24), nullable=False),  # the published id (application number)
    Column("rank", Integer, nullable=True),  # 1-based order drawn
    UniqueConstraint("draw_id", "application_id"),
    Index("ix_draw_candidates_rank", "draw_id", "rank"),
)

allocations = Table(
    "allocations",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("application_id", IdType, ForeignKey("applications.id"), nullable=False),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("programme_code", String(32), nullable=False),
    Column("draw_id", IdType, ForeignKey("draws.id"), nullable=True),
    Column("rank", Integer, nullable=True),
    Column("status", String(12), nullable=False),  # selected | contracted | moved_in | ended
    Column("active", Integer, nullable=True),  # 1 while not ended; NULL after
    Column("street_code", String(12), nullable=False),
    Column("selected_at", UTCDateTime, nullable=False),
    Column("selected_by", String(64), nullable=False),
    Column("contract_no", String(32), nullable=True),
    Column("contracted_at", UTCDateTime, nullable=True),
    Column("moved_in_at", UTCDateTime, nullable=True),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("end_reason", String(200), nullable=True),
    Index("ux_allocations_home_active", "home_id", "active", unique=True),
    Index("ux_allocations_app_active", "application_id", "active", unique=True),
)

# Tracking (动态监管): annual re-qualification and violations, each a case with a deadline and an
# outcome taken from the programme's exit rules.
cases = Table(
    "cases",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("case_no", String(24), nullable=False, unique=True),
    Column("application_id", IdType, ForeignKey("applications.id"), nullable=False),
    Column("allocation_id", IdType, ForeignKey("allocations.id"), nullable=True),
    Column("street_code", String(12), nullable=False),
    Column("kind", String(24), nullable=False),  # requalification | arrears | vacancy | sublet | false_materials …
    Column("facts", Text, nullable=False),  # JSON: what triggered it
    Column("status", String(12), nullable=False),  # open | closed
    Column("opened_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("outcome", String(16), nullable=True),  # continue | market_rent | exit | recovery | ban
    Column("outcome_reason", Text, nullable=True),
    Column("exit_deadline", Date, nullable=True),
    Column("ban_until", Date, nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Index("ix_cases_queue", "status", "street_code", "due_at"),
)

subsidy_payments = Table(
    "subsidy_payments",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("application_id", IdType, ForeignKey("applications.id"), nullable=False),
    Column("month", String(7), nullable=False),  # YYYY-MM
    Column("amount_fen", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("application_id", "month"),
)

# A household member's consent (授权) to the use of their register and benefit facts (homes owned,
# current benefits, credit events) for one application, given from their own verified account
# (docs/assistance.md, "Whose facts a check may use"). Withdrawn: ``withdrawn_at`` is set; a new
# consent clears it (the audit log keeps every change).
member_consents = Table(
    "member_consents",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("application_id", IdType, ForeignKey("applications.id"), nullable=False),
    Column("member_bidx", String(64), nullable=False),  # the member's ID number, blind index
    Column("account_id", IdType, nullable=True),  # the consenting (verified) account; NULL once pseudonymised
    Column("consented_at", UTCDateTime, nullable=False),
    Column("withdrawn_at", UTCDateTime, nullable=True),
    UniqueConstraint("application_id", "member_bidx"),
    Index("ix_member_consents_account", "account_id"),
)

# Every distinct member ID number an account has named in its drafts, with when it first did: an
# account that names many people in a short time is probing, and is flagged to the audit.
named_members = Table(
    "named_members",
    metadata,
    Column("account_id", IdType, primary_key=True, autoincrement=False),
    Column("member_bidx", String(64), primary_key=True),
    Column("first_named_at", UTCDateTime, nullable=False),
    Index("ix_named_members_account_at", "account_id", "first_named_at"),
)

# Department facts (部门核查数据): what 市公安局, 市人社局, 市民政局 and 市住房公积金管理中心 hold about a
# person, delivered through the exchange's feeds (``anju.assistance.department_feeds``). One table per
# source (each has its own typed fields); every table keeps every fact it was ever given (history):
# ``received_at`` is when the platform learnt it (the batch), ``superseded_at`` when a newer fact of the
# same person replaced it, so a check can read the facts known at any moment (bitemporal: ``as_of`` is
# the department's date). ``current`` is 1 on the one fact in force per person and NULL on the others
# (NULLs never collide in ``ux_<table>_current``). Matching is by the ID's blind index only.


def _fact_table(name: str, *columns: Column[object]) -> Table:
    return Table(
        name,
        metadata,
        Column("id", IdType, primary_key=True, autoincrement=True),
        Column("id_bidx", String(64), nullable=False),  # HMAC-SM3 of the ID number, kind id_number
        Column("id_number_enc", LargeBinary, nullable=False),  # SM4
        *columns,
        Column("as_of", Date, nullable=False),  # the department's "截至" date
        Column("batch_id", BigInteger, nullable=False),  # the exchange batch the fact came in
        Column("received_at", UTCDateTime, nullable=False),  # known from
        Column("superseded_at", UTCDateTime, nullable=True),  # known until (NULL: still known)
        Column("current", Integer, nullable=True),  # 1 on the fact in force, NULL once superseded
        Index(f"ux_{name}_current", "id_bidx", "current", unique=True),
        Index(f"ix_{name}_bidx_known", "id_bidx", "received_at"),
        Index(f"ix_{name}_batch", "batch_id"),
        Index(f"ix_{name}_in_force", "current"),  # counting the people covered reads this index only
    )


fact_hukou = _fact_table(
    "fact_hukou",
    Column("name_enc", LargeBinary, nullable=False),  # SM4
    Column("division_code", String(12), nullable=False),  # district or street of the registration
    Column("registered_since", Date, nullable=False),  # 本市户籍起始日期
    Column("status", String(8), nullable=False),  # 在册 | 迁出 | 注销
)
fact_social_insurance = _fact_table(
    "fact_social_insurance",
    Column("months_paid", Integer, nullable=False),  # months paid in the city (continuous, per 人社)
    Column("last_paid_month", Date, nullable=False),  # first day of the last month paid
    Column("employer_credit_code", String(18), nullable=True),
)
fact_minimum_income = _fact_table(
    "fact_minimum_income",
    Column("status", String(8), nullable=False),  # 低保 | 低收入 | 特困 | 无
    Column("since", Date, nullable=True),
    Column("until", Date, nullable=True),  # NULL: open-ended
)
fact_provident_fund = _fact_table(
    "fact_provident_fund",
    Column("account_status", String(8), nullable=False),  # 正常 | 封存 | 销户
    Column("monthly_deposit_fen", BigInteger, nullable=False),  # employee + employer, integer fen
    Column("months_paid", Integer, nullable=False),
)
