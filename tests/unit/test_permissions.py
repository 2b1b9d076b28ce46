"""Permissions are declared by the contexts (anju.contexts) and gathered by security.roles."""

from __future__ import annotations

import pytest

from anju.contexts import CONTEXTS
from anju.security import GRANTS, PERMISSIONS, Role, allowed
from anju.security.policy import allow

SECURITY_OWN = {
    "public",
    "self",
    "accounts.manage",
    "personal.reveal",
    "audit.read",
    "client.self",
    "client.read",
    "client.write",
    "client.subscribe",
}


def test_each_permission_is_declared_once_and_named_after_its_context():
    seen: dict[str, str] = {}
    for ctx in CONTEXTS:
        for name in ctx.permissions:
            assert name not in seen, f"{name} declared by {seen[name]} and {ctx.name}"
            seen[name] = ctx.name
            prefix = {"addresses": "address"}.get(ctx.name, ctx.name)
            assert name.startswith(f"{prefix}.") or (ctx.name == "security" and name in SECURITY_OWN), name
    assert set(seen) == set(PERMISSIONS)


def test_a_context_grants_only_its_own_permissions():
    for ctx in CONTEXTS:
        for role, perms in ctx.grants.items():
            assert Role(role) in GRANTS
            assert set(perms) <= set(ctx.permissions), (ctx.name, role)


def test_separation_of_duties_holds_across_every_context():
    """三员分立: the administrator manages accounts and reads no business data or audit; the auditor
    reads (the audit, the register, the records) and changes nothing; officers cannot read the audit."""
    assert GRANTS[Role.administrator] <= {
        "self",
        "accounts.manage",
        "personal.reveal",
        "divisions.read",
        "address.parse",
    }
    writes = {p for p in GRANTS[Role.auditor] if not p.endswith((".read", ".export"))}
    assert writes <= {"self", "address.parse"}
    assert {r for r in Role if "audit.read" in GRANTS[r]} == {Role.auditor}


def test_a_route_cannot_declare_an_unknown_permission():
    assert allowed(None, "public") and not allowed(None, "rental.read")
    assert allowed(Role.city_officer, "rental.guidance") and not allowed(Role.district_officer, "rental.guidance")
    with pytest.raises(ValueError, match=r"rental\.raed"):
        allow("rental.raed")
