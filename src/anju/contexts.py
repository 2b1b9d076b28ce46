"""The one list of bounded contexts: what the composition root wires for each.

Adding a context means writing the context (its skeleton is in ``docs/architecture.md``) and adding one
line here. For each context the web app includes the routers its ``anju.<name>.http`` package exports
as ``ROUTERS`` (when ``http`` is set), and the command line offers the click groups named in
``commands`` (loaded only when that command runs, so ``anju --help`` and the stand-alone verifiers start
fast).
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
    ),
    Context("divisions"),
    Context(
        "registry",
        commands={"registry": "anju.registry.cli:registry"},
        help={"registry": "楼盘表: import, export, look-ups."},
    ),
    Context(
        "ledger",
        commands={"ledger": "anju.ledger.cli:ledger"},
        help={"ledger": "Verifiable log: Merkle roots, inclusion and consistency proofs, signed tree heads."},
    ),
    Context("map"),
    Context(
        "addresses",
        commands={"address": "anju.addresses.cli:address"},
        help={"address": "Address standardisation and linkage (房产公安房屋地址融合库)."},
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
    ),
    Context(
        "rental",
        commands={"rental": "anju.rental.cli:rental"},
        help={"rental": "Rental supervision (住房租赁监管服务平台)."},
    ),
    Context("credit", http=False),
    Context("synth", http=False),
)
