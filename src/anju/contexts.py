"""The one list of bounded contexts: what the composition root wires for each.

Adding a context means writing the context (its skeleton is in ``docs/architecture.md``) and adding one
line here. For each context the web app includes the routers its ``anju.<name>.http`` package exports
as ``ROUTERS`` (when ``http`` is set), the command line offers the click groups named in ``commands``
(loaded only when that command runs, so ``anju --help`` and the stand-alone verifiers start fast), and
the security context builds its permission table from each context's ``permissions`` and ``grants``.

This module is data: it imports nothing of ``anju``, so any module may read it without a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Context:
    name: str
    #: ``anju.<name>.http`` exports ``ROUTERS`` (a tuple of ``anju.web.routing.Mount``).
    http: bool = True
    #: CLI command name → ``"module:attribute"`` of its click command or group.
    commands: Mapping[str, str] = field(default_factory=dict)
    #: One line of help for each command, shown by ``anju --help`` without importing the command.
    help: Mapping[str, str] = field(default_factory=dict)
    #: The permissions the context's routes declare: name (``<context>.<verb>``) → what it allows.
    permissions: Mapping[str, str] = field(default_factory=dict)
    #: Which role holds which of them (role name → permission names); see ``security.roles``.
    grants: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Sources of home restrictions the context keeps (name → ``"module:function"``), asked by the
    #: registry's one restriction mechanism (``anju.registry.home_restrictions``) whoever calls it.
    restriction_sources: Mapping[str, str] = field(default_factory=dict)


#: Role groups the grants below use (the roles themselves are ``security.roles.Role``).
PUBLIC_PARTIES = ("citizen", "landlord", "agency")
REGISTER_STAFF = ("street_clerk", "district_officer", "city_officer")
EVERY_ROLE = (*PUBLIC_PARTIES, *REGISTER_STAFF, "auditor", "administrator")


def _grant(permission: str, *roles: str) -> dict[str, frozenset[str]]:
    return {role: frozenset({permission}) for role in roles}


def _grants(*parts: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for part in parts:
        for role, perms in part.items():
            out[role] = out.get(role, frozenset()) | perms
    return out


CONTEXTS: tuple[Context, ...] = (
    Context(
        "security",
        commands={
            "users": "anju.security.cli:users",
            "keys": "anju.security.cli:keys",
            "audit": "anju.security.cli:audit_cmd",
        },
        help={
            "users": "Accounts: create, list, disable.",
            "keys": "Personal-data keys: generate, rotate, see which are in use.",
            "audit": "The audit log: anchor it in the verifiable log, verify the anchors.",
        },
        permissions={
            "public": "anyone, signed in or not",
            "self": "any signed-in account, on its own records",
            "accounts.manage": "create, change and disable accounts (the administrator: no business data)",
            "personal.reveal": "see a person's unmasked personal data, audited",
            "audit.read": "read the audit log (the auditor)",
        },
        grants=_grants(
            _grant("self", *EVERY_ROLE),
            _grant("accounts.manage", "administrator"),
            _grant("personal.reveal", "district_officer", "city_officer", "administrator"),
            _grant("audit.read", "auditor"),
        ),
    ),
    Context(
        "divisions",
        permissions={"divisions.read": "read districts, streets and communities"},
        grants=_grant("divisions.read", *EVERY_ROLE),
    ),
    Context(
        "registry",
        commands={"registry": "anju.registry.cli:registry"},
        help={"registry": "楼盘表: import, export, look-ups; registration and restriction feeds."},
        restriction_sources={"registry_feeds": "anju.registry.feeds.restrictions:feed_source"},
        permissions={
            "registry.read": "read the 楼盘表 in scope",
            "registry.write": "change estates, buildings and homes in scope",
            "registry.export": "export the register in scope",
            "registry.import": "import register files (city-wide: a file may touch any street)",
        },
        grants=_grants(
            _grant("registry.read", *REGISTER_STAFF, "auditor"),
            _grant("registry.write", *REGISTER_STAFF),
            _grant("registry.export", "district_officer", "city_officer", "auditor"),
            _grant("registry.import", "city_officer"),
        ),
    ),
    Context(
        "ledger",
        commands={"ledger": "anju.ledger.cli:ledger"},
        help={"ledger": "Verifiable log: Merkle roots, inclusion and consistency proofs, signed tree heads."},
        permissions={"ledger.read": "read the verifiable logs' heads and proofs through the API"},
        grants=_grant("ledger.read", "city_officer", "auditor"),
    ),
    Context("map"),
    Context(
        "addresses",
        commands={"address": "anju.addresses.cli:address"},
        help={"address": "Address standardisation and linkage (房产公安房屋地址融合库)."},
        permissions={
            "address.parse": "try the address parser (harmless: any signed-in account)",
            "address.read": "read the address review queue and link jobs",
            "address.review": "decide review records (clerical review)",
            "address.link": "run a link job over a department's file (city-wide)",
        },
        grants=_grants(
            _grant("address.parse", *EVERY_ROLE),
            _grant("address.read", *REGISTER_STAFF, "auditor"),
            _grant("address.review", *REGISTER_STAFF),
            _grant("address.link", "city_officer"),
        ),
    ),
    Context(
        "assistance",
        commands={"assistance": "anju.assistance.cli:assistance", "lottery": "anju.assistance.cli:lottery"},
        help={
            "assistance": "Housing assistance and talent housing (住房保障、人才安居).",
            "lottery": (
                "摇号：可验证的公开摇号 (verifiable housing lottery, algorithm anju-lottery-v1; "
                "see docs/assistance.md)."
            ),
        },
        permissions={
            "assistance.apply": "apply for housing assistance for one's own household",
            "assistance.object": "object to an application under public notice (the public's side)",
            "assistance.read": "read applications, draws, allocations and cases in scope",
            "assistance.review": "decide applications at one's review level",
            "assistance.allocate": "freeze lists, run draws, allocate homes, decide cases",
        },
        grants=_grants(
            _grant("assistance.apply", *PUBLIC_PARTIES),
            _grant("assistance.object", *PUBLIC_PARTIES),
            _grant("assistance.read", *REGISTER_STAFF, "auditor"),
            _grant("assistance.review", *REGISTER_STAFF),
            _grant("assistance.allocate", "district_officer", "city_officer"),
        ),
    ),
    Context(
        "rental",
        commands={"rental": "anju.rental.cli:rental"},
        help={"rental": "Rental supervision (住房租赁监管服务平台)."},
        restriction_sources={"rental_flags": "anju.rental.home_flags:flag_source"},
        permissions={
            "rental.party": "file one's own enterprise/agency and its practitioners",
            "rental.publish": "create, verify, publish and withdraw listings; entrust",
            "rental.sign": "sign leases (tenant or landlord), pay, complain",
            "rental.read": "read parties, listings, leases, escrow and complaints in scope",
            "rental.handle": "handle complaints, inspections, listing reviews, home flags",
            "rental.supervise": "suspend/revoke filings, reconcile escrow, cancel filings",
            "rental.guidance": "compute and publish guidance rents (city-wide)",
        },
        grants=_grants(
            _grant("rental.sign", *PUBLIC_PARTIES),
            _grant("rental.publish", "landlord", "agency"),
            _grant("rental.party", "agency"),
            _grant("rental.read", *REGISTER_STAFF, "auditor"),
            _grant("rental.handle", *REGISTER_STAFF),
            _grant("rental.supervise", "district_officer", "city_officer"),
            _grant("rental.guidance", "city_officer"),
        ),
    ),
    Context("credit", http=False),
    Context("synth", http=False),
)
