"""Security: accounts, roles and data scopes, sign-in, personal-data protection (SM3/SM4), audit.

Other contexts use only what this module exports: routes declare their policy with :func:`allow`
and pass ``caller.scope`` to services; writes open their transaction with :func:`audited`.
"""

from anju.core.scope import SYSTEM, Scope
from anju.security.audit import (
    audited,
    audited_command,
    audited_grouped,
    record,
    record_now,
    set_audit_detail,
    set_audit_target,
)
from anju.security.callers import Caller, Security
from anju.security.client_access import ClientCall, ClientPolicy, client_access
from anju.security.crypto import Keyring, development_secret, keyring_from_settings, ledger_signing_seed
from anju.security.domain import GRANTS, PERMISSIONS, ROLE_LABELS, STAFF_ROLES, Permission, Role, allowed
from anju.security.identity import credit_code, mask_id, mask_name, mask_phone, person_name, phone, resident_id
from anju.security.jobs import AuditedJob, audited_job
from anju.security.keys import rotate_keys
from anju.security.policy import (
    SESSION_COOKIE,
    LoginRequired,
    Policy,
    Public,
    SecurityDep,
    SignedIn,
    allow,
    check_policies,
    iter_routes,
    route_policy,
    walk_routes,
)
from anju.security.ratelimit import RateLimiter
from anju.security.realname import (
    UNVERIFIED,
    Claim,
    IdentityProvider,
    SmsSender,
    Verdict,
    add_synthetic_people,
    provider_for,
    seed_verified,
    sender_for,
    synthetic_phone,
)
from anju.security.signin import issue_session
from anju.security.tables import accounts, audit_log, sessions, synthetic_people
from anju.security.users import NewAccount, create_account

__all__ = [
    "GRANTS",
    "PERMISSIONS",
    "ROLE_LABELS",
    "SESSION_COOKIE",
    "STAFF_ROLES",
    "SYSTEM",
    "UNVERIFIED",
    "AuditedJob",
    "Caller",
    "Claim",
    "ClientCall",
    "ClientPolicy",
    "IdentityProvider",
    "Keyring",
    "LoginRequired",
    "NewAccount",
    "Permission",
    "Policy",
    "Public",
    "RateLimiter",
    "Role",
    "Scope",
    "Security",
    "SecurityDep",
    "SignedIn",
    "SmsSender",
    "Verdict",
    "accounts",
    "add_synthetic_people",
    "allow",
    "allowed",
    "audit_log",
    "audited",
    "audited_command",
    "audited_grouped",
    "audited_job",
    "check_policies",
    "client_access",
    "create_account",
    "credit_code",
    "development_secret",
    "issue_session",
    "iter_routes",
    "keyring_from_settings",
    "ledger_signing_seed",
    "mask_id",
    "mask_name",
    "mask_phone",
    "person_name",
    "phone",
    "provider_for",
    "record",
    "record_now",
    "resident_id",
    "rotate_keys",
    "route_policy",
    "seed_verified",
    "sender_for",
    "sessions",
    "set_audit_detail",
    "set_audit_target",
    "synthetic_people",
    "synthetic_phone",
    "walk_routes",
]
