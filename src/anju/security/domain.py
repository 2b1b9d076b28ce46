"""Roles, and which role holds which permission (gathered from the contexts' declarations).

A route declares the one permission it needs (see :mod:`anju.security.policy`); a role holds a set of
permissions; the caller's data scope (city, district, street, own records) is derived from the
account's division. Separation of duties follows 等级保护's 三员分立: the administrator manages
accounts but reads no register data and no audit; the auditor reads the audit and (read-only) the
register; business officers cannot read the audit.
"""

from __future__ import annotations

from enum import StrEnum

from anju.contexts import CONTEXTS


class Role(StrEnum):
    citizen = "citizen"
    landlord = "landlord"
    agency = "agency"  # rental enterprise / agency staff
    street_clerk = "street_clerk"
    district_officer = "district_officer"
    city_officer = "city_officer"
    auditor = "auditor"
    administrator = "administrator"


ROLE_LABELS = {
    Role.citizen: "市民",
    Role.landlord: "房东",
    Role.agency: "住房租赁企业/经纪机构人员",
    Role.street_clerk: "街道工作人员",
    Role.district_officer: "区住房部门人员",
    Role.city_officer: "市住房部门人员",
    Role.auditor: "审计员",
    Role.administrator: "系统管理员",
}

PUBLIC_ROLES = frozenset({Role.citizen, Role.landlord, Role.agency})
STAFF_ROLES = frozenset(Role) - PUBLIC_ROLES

#: The division level a staff role's account must be anchored at (None: street, district or city).
STAFF_LEVEL: dict[Role, tuple[str, ...]] = {
    Role.street_clerk: ("street",),
    Role.district_officer: ("district", "zone"),
    Role.city_officer: ("city",),
    Role.auditor: ("city", "district", "zone"),
    Role.administrator: ("city", "district", "zone"),
}


#: A permission's name, ``<context>.<verb>`` (e.g. ``rental.read``). Each context declares its own, with
#: which role holds them, in the one list of contexts (``anju.contexts``); this module only gathers them.
Permission = str
#: Anyone, signed in or not.
PUBLIC: Permission = "public"
#: Any signed-in account, on its own records.
SELF_SERVICE: Permission = "self"

#: Every permission a route may declare → what it allows.
PERMISSIONS: dict[Permission, str] = {name: what for ctx in CONTEXTS for name, what in ctx.permissions.items()}


def _gather() -> dict[Role, frozenset[Permission]]:
    grants: dict[Role, set[Permission]] = {role: set() for role in Role}
    for ctx in CONTEXTS:
        for role, perms in ctx.grants.items():
            unknown = set(perms) - set(PERMISSIONS)
            if unknown:
                raise ValueError(f"context {ctx.name} grants undeclared permissions {sorted(unknown)}")
            grants[Role(role)] |= perms
    return {role: frozenset(perms) for role, perms in grants.items()}


#: Which role holds which permission (the union of every context's grants).
GRANTS: dict[Role, frozenset[Permission]] = _gather()


def known(permission: str) -> Permission:
    """The permission, if some context declares it; a typo in a route's policy fails at import."""
    if permission not in PERMISSIONS:
        raise ValueError(f"undeclared permission {permission!r}: declare it in anju.contexts")
    return permission


def allowed(role: Role | None, permission: Permission) -> bool:
    """Whether ``role`` (``None``: not signed in) holds ``permission``."""
    if permission == PUBLIC:
        return True
    return role is not None and permission in GRANTS[role]
