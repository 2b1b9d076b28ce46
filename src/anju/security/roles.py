"""Roles, permissions and which role holds which permission.

A route declares the one permission it needs (see :mod:`anju.security.policy`); a role holds a set of
permissions; the caller's data scope (city, district, street, own records) is derived from the
account's division. Separation of duties follows 等级保护's 三员分立: the administrator manages
accounts but reads no register data and no audit; the auditor reads the audit and (read-only) the
register; business officers cannot read the audit.
"""

from __future__ import annotations

from enum import StrEnum


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


class Permission(StrEnum):
    public = "public"  # anyone, signed in or not
    self_service = "self"  # any signed-in account, on its own records
    divisions_read = "divisions.read"
    registry_read = "registry.read"
    registry_write = "registry.write"
    registry_export = "registry.export"
    registry_import = "registry.import"
    accounts_manage = "accounts.manage"
    personal_reveal = "personal.reveal"
    audit_read = "audit.read"
    ledger_read = "ledger.read"
    address_parse = "address.parse"  # try the address parser: harmless, any signed-in account
    address_read = "address.read"  # read the address review queue and link jobs
    address_review = "address.review"  # decide review records (clerical review)
    address_link = "address.link"  # run a link job over a department's file (city-wide)
    assistance_apply = "assistance.apply"  # apply for housing assistance for one's own household
    assistance_read = "assistance.read"  # read applications, draws, allocations and cases in scope
    assistance_review = "assistance.review"  # decide applications at one's review level
    assistance_allocate = "assistance.allocate"  # freeze lists, run draws, allocate homes, decide cases
    rental_party = "rental.party"  # file one's own enterprise/agency and its practitioners
    rental_publish = "rental.publish"  # create, verify, publish and withdraw listings; entrust
    rental_sign = "rental.sign"  # sign leases (tenant or landlord), pay, complain
    rental_read = "rental.read"  # read parties, listings, leases, escrow and complaints in scope
    rental_handle = "rental.handle"  # handle complaints, inspections, listing reviews, home flags
    rental_supervise = "rental.supervise"  # suspend/revoke filings, reconcile escrow, cancel filings
    rental_guidance = "rental.guidance"  # compute and publish guidance rents (city-wide)


_SIGNED_IN = {Permission.self_service, Permission.divisions_read, Permission.address_parse}
_PUBLIC_PARTY = _SIGNED_IN | {Permission.assistance_apply, Permission.rental_sign}
_REGISTER_STAFF = _SIGNED_IN | {
    Permission.registry_read,
    Permission.registry_write,
    Permission.address_read,
    Permission.address_review,
    Permission.assistance_read,
    Permission.assistance_review,
    Permission.rental_read,
    Permission.rental_handle,
}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.citizen: frozenset(_PUBLIC_PARTY),
    Role.landlord: frozenset(_PUBLIC_PARTY | {Permission.rental_publish}),
    Role.agency: frozenset(_PUBLIC_PARTY | {Permission.rental_publish, Permission.rental_party}),
    Role.street_clerk: frozenset(_REGISTER_STAFF),
    Role.district_officer: frozenset(
        _REGISTER_STAFF
        | {
            Permission.registry_export,
            Permission.personal_reveal,
            Permission.assistance_allocate,
            Permission.rental_supervise,
        }
    ),
    Role.city_officer: frozenset(
        _REGISTER_STAFF
        | {
            Permission.registry_export,
            Permission.registry_import,
            Permission.personal_reveal,
            Permission.ledger_read,
            Permission.address_link,
            Permission.assistance_allocate,
            Permission.rental_supervise,
            Permission.rental_guidance,
        }
    ),
    Role.auditor: frozenset(
        _SIGNED_IN
        | {
            Permission.registry_read,
            Permission.registry_export,
            Permission.audit_read,
            Permission.ledger_read,
            Permission.address_read,
            Permission.assistance_read,
            Permission.rental_read,
        }
    ),
    Role.administrator: frozenset(_SIGNED_IN | {Permission.accounts_manage, Permission.personal_reveal}),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission is Permission.public or permission in GRANTS[role]
