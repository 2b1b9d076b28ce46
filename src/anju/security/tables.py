"""Tables of the security context: accounts, sessions and the audit log.

Personal values are stored only as SM4-GCM ciphertext (``*_enc``) plus, where exact look-up is
needed, an HMAC-SM3 blind index (``*_bidx``). The audit log is append-only: the migration installs
triggers that refuse UPDATE and DELETE on both databases.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from anju.core.types import IdType, UTCDateTime, metadata

accounts = Table(
    "accounts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("username", String(40), nullable=False, unique=True),
    Column("role", String(24), nullable=False),
    # Staff: the division the account is scoped to. Public accounts: optional home district.
    Column("division_code", String(12), ForeignKey("divisions.code"), nullable=True),
    Column("org_code", String(18), nullable=True),  # GB 32100 code of the enterprise (agency staff)
    Column("name_enc", LargeBinary, nullable=False),
    Column("name_bidx", String(64), nullable=False),
    # The verified identity: set only once the real-name check passed (public accounts) or by the
    # administrator who created a staff account. Every right that follows a person's ID reads these.
    Column("id_number_enc", LargeBinary, nullable=True),
    Column("id_number_bidx", String(64), nullable=True, unique=True),
    # The identity number an account declared at registration, not yet verified: it grants nothing.
    Column("claimed_id_enc", LargeBinary, nullable=True),
    Column("claimed_id_bidx", String(64), nullable=True),
    Column("identity_verified_at", UTCDateTime, nullable=True),
    Column("identity_method", String(40), nullable=True),  # the provider that verified it, or "staff"
    Column("phone_enc", LargeBinary, nullable=True),
    Column("phone_bidx", String(64), nullable=True),
    # Set when the phone was confirmed by a one-time code: one account per confirmed number.
    Column("confirmed_phone_bidx", String(64), nullable=True, unique=True),
    Column("phone_confirmed_at", UTCDateTime, nullable=True),
    Column("password_hash", String(200), nullable=False),
    Column("password_changed_at", UTCDateTime, nullable=False),
    Column("totp_secret_enc", LargeBinary, nullable=True),
    Column("totp_last_step", BigInteger, nullable=True),  # refuses a replayed one-time code
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("disabled_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_accounts_phone_bidx", "phone_bidx"),
    Index("ix_accounts_name_bidx", "name_bidx"),
    Index("ix_accounts_claimed_id_bidx", "claimed_id_bidx"),
    Index("ix_accounts_division", "division_code", "role"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the bearer/cookie token
    Column("account_id", IdType, ForeignKey("accounts.id"), nullable=False),
    Column("kind", String(8), nullable=False),  # web | api
    Column("csrf_token", String(64), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("ip", String(45), nullable=True),
    Index("ix_sessions_account", "account_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", IdType, nullable=True),
    Column("actor", String(40), nullable=False),  # username, or "system:<job>" / "anonymous"
    Column("role", String(24), nullable=True),
    Column("scope_code", String(12), nullable=True),
    Column("action", String(64), nullable=False),
    Column("entity", String(32), nullable=True),
    Column("entity_id", String(40), nullable=True),
    Column("outcome", String(12), nullable=False),  # ok | denied | failed
    Column("reason", String(200), nullable=True),
    Column("ip", String(45), nullable=True),
    Column("request_id", String(36), nullable=True),
    Column("detail", Text, nullable=True),  # JSON, never personal values
    Index("ix_audit_at", "at"),
    Index("ix_audit_actor", "actor_id", "at"),
    Index("ix_audit_entity", "entity", "entity_id"),
    Index("ix_audit_action", "action", "at"),
)

phone_codes = Table(
    "phone_codes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id"), nullable=False),
    Column("phone_bidx", String(64), nullable=False),  # the number the code was sent to
    Column("code_hash", String(64), nullable=False),  # HMAC of the code: the code itself is never stored
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Index("ix_phone_codes_account", "account_id", "created_at"),
)

#: The demo's and the tests' stand-in for the public-security population register and the carriers'
#: real-name records that a real identity provider consults (never used with a real provider):
#: every person the synthetic city names, with the phone number registered to them.
synthetic_people = Table(
    "synthetic_people",
    metadata,
    Column("id_bidx", String(64), primary_key=True),
    Column("id_enc", LargeBinary, nullable=False),
    Column("name_enc", LargeBinary, nullable=False),
    Column("name_bidx", String(64), nullable=False),
    Column("phone_enc", LargeBinary, nullable=False),
    Column("phone_bidx", String(64), nullable=False),
)


#: Department clients (部门接入账户): machine accounts of other departments calling the API with OAuth 2.0
#: client credentials. The secret is stored only as an argon2id hash; during a rotation the previous hash
#: stays valid until ``previous_expires_at``. ``scopes`` holds ``<dataset>:<operation>`` pairs, space-separated.
clients = Table(
    "clients",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("client_id", String(40), nullable=False, unique=True),  # public identifier
    Column("name", String(100), nullable=False),
    Column("department", String(40), nullable=False),
    Column("contact_name_enc", LargeBinary, nullable=True),  # the contact person: personal data
    Column("contact_phone_enc", LargeBinary, nullable=True),
    Column("status", String(12), nullable=False),  # active | disabled
    Column("scopes", Text, nullable=False),
    Column("rate_per_minute", Integer, nullable=False),
    Column("daily_quota", Integer, nullable=False),
    Column("secret_hash", String(200), nullable=False),
    Column("secret_created_at", UTCDateTime, nullable=False),
    Column("previous_secret_hash", String(200), nullable=True),
    Column("previous_expires_at", UTCDateTime, nullable=True),
    Column("created_by", String(40), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_by", String(40), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_clients_department", "department", "status"),
)

#: Access tokens issued to department clients: only the SHA-256 of the (256-bit random) token is kept.
client_tokens = Table(
    "client_tokens",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("client_pk", IdType, ForeignKey("clients.id"), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("ip", String(45), nullable=True),
    Index("ix_client_tokens_client", "client_pk", "expires_at"),
)

#: Calls of department clients per day (Asia/Shanghai) and dataset/operation, counted in the transaction
#: that writes each call's audit row; the row with dataset ``*`` is the day's total the quota checks.
client_usage = Table(
    "client_usage",
    metadata,
    Column("client_pk", IdType, ForeignKey("clients.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("dataset", String(64), primary_key=True),
    Column("operation", String(12), primary_key=True),
    Column("calls", Integer, nullable=False),
)
