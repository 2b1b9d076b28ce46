"""The one list of bounded contexts: what the composition root wires for each.

Adding a context means writing the context (its skeleton is in ``docs/architecture.md``) and adding one
line here. For each context the web app includes the routers its ``anju.<name>.http`` package exports
as ``ROUTERS`` (when ``http`` is set), the command line offers the click groups named in ``commands``
(loaded only when that command runs, so ``anju --help`` and the stand-alone verifiers start fast), and
the security context builds its permission table from each context's ``permissions`` and ``grants``.

This module is data: it imports nothing of ``anju``, so any module may read it without a cycle.
What it declares by name (``"module:attribute"``, or a module) is loaded by :func:`load` when asked.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any


@cache
def load(spec: str) -> Any:
    """What a declaration names: ``"module:attribute"`` (a restriction source, a work-list provider) or
    a module (a vocabulary), imported on first use — whichever module asks, so nothing depends on
    which modules happen to be loaded."""
    module, _, attr = spec.partition(":")
    found = importlib.import_module(module)
    return getattr(found, attr) if attr else found


@dataclass(frozen=True)
class MenuItem:
    """A page in the header's menu, shown to those who hold ``permission`` (so no item leads to a 403)."""

    group: str  # one of MENU_GROUPS
    label: str
    path: str
    permission: str


#: The header's menu groups, in order; a group with one visible item is shown as a plain link.
MENU_GROUPS = ("楼盘表", "交易", "市场", "租赁", "保障", "物业", "城市更新", "房屋安全", "规划", "信用", "数据", "系统")


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
    #: Followers of the registration feed (name → ``"module:function"``): each is called as
    #: ``f(conn, home_ids, today, now) -> int`` inside the transaction of every registrations load that
    #: wrote records (``home_ids``: the homes whose registrations it wrote), so a context completes what
    #: the registrations settle (resale contracts).
    registration_followers: Mapping[str, str] = field(default_factory=dict)
    #: The context's pages in the header's menu.
    menu: tuple[MenuItem, ...] = ()
    #: ``"module:function"`` counting what waits for the caller (``anju.core.worklist``), or None.
    worklist: str | None = None
    #: The module naming the context's internal codes in Chinese (``ACTIONS`` of the audit log,
    #: ``ENTITIES``, ``PERMISSIONS``), read by ``anju.security.vocabulary``; None when it has none.
    vocabulary: str | None = None
    #: Supervised fund kinds the context owns (name → ``"module:CONSTANT"`` of an ``anju.funds.FundKind``),
    #: read by the one ledger engine (``anju.funds``) whoever posts.
    fund_kinds: Mapping[str, str] = field(default_factory=dict)
    #: Inbound feeds the context owns (name → ``"module:CONSTANT"`` of an ``anju.exchange.FeedDefinition``):
    #: the exchange receives, checks and dead-letters their batches and calls the context's handler.
    feeds: Mapping[str, str] = field(default_factory=dict)
    #: Business events the context writes to the outbox (topic ``"<context>.<event>"`` → what it
    #: means, in Chinese), delivered by the exchange to subscribers (webhooks, a message broker).
    events: Mapping[str, str] = field(default_factory=dict)
    #: In-process followers of other contexts' events (topic → ``"module:function"``): each is called as
    #: ``f(conn, settings, payload)`` inside the transaction that emits the event (``anju.exchange.emit``
    #: with ``settings``), so what the event settles is written with it or not at all (the maintenance
    #: fund's first deposit due with a filed first-sale contract). A follower must be idempotent.
    event_followers: Mapping[str, str] = field(default_factory=dict)
    #: Datasets the context offers the catalogue (name → ``"module:CONSTANT"`` of an
    #: ``anju.exchange`` dataset declaration): owner, frequency, fields, sensitivity, who may see it.
    datasets: Mapping[str, str] = field(default_factory=dict)
    #: Sources of restrictions on subjects (people and organisations, named by the blind index of their
    #: ID or credit code) for an action (name → ``"module:function"``), asked by the one restriction
    #: mechanism (``anju.registry.subject_restrictions``) before every approval: the credit context's
    #: lists and grades (联合惩戒) today.
    subject_restriction_sources: Mapping[str, str] = field(default_factory=dict)
    #: Providers of credit subjects (name → ``"module:function"``): each yields, set-wise, the
    #: ``anju.credit.SubjectIn`` of the parties the context files (rental enterprises and agencies,
    #: practitioners, developers, assistance households), read by ``anju credit sync`` so every filed
    #: party has a credit file (``f(conn, keyring) -> Iterable[SubjectIn]``: the keyring makes the blind
    #: index of a credit code and re-encrypts a person's name for the credit file).
    credit_subjects: Mapping[str, str] = field(default_factory=dict)


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
        vocabulary="anju.security.vocabulary",
        commands={
            "users": "anju.security.cli:users",
            "keys": "anju.security.cli:keys",
            "audit": "anju.security.cli:audit_cmd",
            "clients": "anju.security.cli:clients",
        },
        help={
            "users": "Accounts: create, list, disable.",
            "keys": "Personal-data keys: generate, rotate, see which are in use.",
            "audit": "The audit log: anchor it in the verifiable log, verify the anchors.",
            "clients": "Department clients (OAuth 2.0 client credentials): create, list, rotate, disable.",
        },
        permissions={
            "public": "anyone, signed in or not",
            "self": "any signed-in account, on its own records",
            "accounts.manage": "create, change and disable accounts (the administrator: no business data)",
            "personal.reveal": "see a person's unmasked personal data, audited",
            "audit.read": "read the audit log (the auditor)",
            # Department clients' routes: held by no role, only by a client token whose scopes name the
            # dataset and the operation (anju.security.client_access).
            "client.self": "a department client: its own identity, scopes and quota",
            "client.read": "a department client: read a dataset its token's scope names",
            "client.write": "a department client: deliver a feed of a dataset its token's scope names",
            "client.subscribe": "a department client: subscribe to a dataset its token's scope names",
        },
        grants=_grants(
            _grant("self", *EVERY_ROLE),
            _grant("accounts.manage", "administrator"),
            _grant("personal.reveal", "district_officer", "city_officer", "administrator"),
            _grant("audit.read", "auditor"),
        ),
        menu=(
            MenuItem("系统", "账户管理", "/admin/accounts", "accounts.manage"),
            MenuItem("系统", "审计日志", "/audit", "audit.read"),
            MenuItem("系统", "部门接入账户", "/admin/clients", "accounts.manage"),
        ),
    ),
    Context(
        "divisions",
        vocabulary="anju.divisions.vocabulary",
        permissions={"divisions.read": "read districts, streets and communities"},
        grants=_grant("divisions.read", *EVERY_ROLE),
    ),
    Context(
        "registry",
        vocabulary="anju.registry.vocabulary",
        commands={"registry": "anju.registry.cli:registry"},
        help={"registry": "楼盘表: import, export, look-ups; registration and restriction feeds."},
        restriction_sources={"registry_feeds": "anju.registry.feeds.restrictions:feed_source"},
        feeds={
            "registrations": "anju.registry.feeds.definitions:REGISTRATIONS",
            "restrictions": "anju.registry.feeds.definitions:RESTRICTIONS",
        },
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
        menu=(
            MenuItem("楼盘表", "楼盘表", "/registry", "registry.read"),
            MenuItem("楼盘表", "楼盘表导入", "/imports", "registry.import"),
        ),
        worklist="anju.registry.worklist:items",
        datasets={
            "estates": "anju.registry.datasets:ESTATES",
            "homes": "anju.registry.datasets:HOMES",
            "homes_by_street": "anju.registry.datasets:HOMES_BY_STREET",
        },
    ),
    Context(
        "ledger",
        vocabulary="anju.ledger.vocabulary",
        commands={"ledger": "anju.ledger.cli:ledger"},
        help={"ledger": "Verifiable log: Merkle roots, inclusion and consistency proofs, signed tree heads."},
        permissions={"ledger.read": "read the verifiable logs' heads and proofs through the API"},
        grants=_grant("ledger.read", "city_officer", "auditor"),
    ),
    Context(
        "funds",
        http=False,
        commands={"funds": "anju.funds.cli:funds"},
        help={"funds": "Supervised funds' ledger: the integrity sweep (orphan postings, balances)."},
        vocabulary="anju.funds.vocabulary",
        datasets={"journals": "anju.funds.datasets:JOURNALS"},
        events={"funds.journal_posted": "监管资金记账（任一资金类别，推送监管银行）"},
    ),
    Context("map", menu=(MenuItem("楼盘表", "一图", "/map", "registry.read"),)),
    Context(
        "addresses",
        vocabulary="anju.addresses.vocabulary",
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
        menu=(
            MenuItem("楼盘表", "地址复核", "/addresses/review", "address.read"),
            # the parser is open to every account; the menu offers it to the register's staff
            MenuItem("楼盘表", "地址解析", "/addresses/parse", "address.read"),
        ),
        worklist="anju.addresses.worklist:items",
        datasets={"links": "anju.addresses.datasets:LINKS"},
    ),
    Context(
        "assistance",
        vocabulary="anju.assistance.vocabulary",
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
            # an application is a person's: 本人 is the account's verified identity, which an
            # organisation's account (agency) has not (docs/assistance.md)
            _grant("assistance.apply", "citizen", "landlord"),
            _grant("assistance.object", *PUBLIC_PARTIES),
            _grant("assistance.read", *REGISTER_STAFF, "auditor"),
            _grant("assistance.review", *REGISTER_STAFF),
            _grant("assistance.allocate", "district_officer", "city_officer"),
        ),
        menu=(
            MenuItem("保障", "申请住房保障", "/assistance", "assistance.apply"),
            MenuItem("保障", "我的申请", "/assistance/me", "assistance.apply"),
            MenuItem("保障", "我的授权", "/assistance/consents", "assistance.apply"),
            MenuItem("保障", "申请审核", "/assistance/review", "assistance.read"),
            MenuItem("保障", "公示", "/assistance/notices", "public"),
            MenuItem("保障", "摇号", "/assistance/draws", "assistance.read"),
            MenuItem("保障", "配租配售", "/assistance/allocations", "assistance.read"),
            MenuItem("保障", "保障指标", "/assistance/figures", "assistance.read"),
            MenuItem("保障", "人才安居", "/assistance/talent", "assistance.read"),
            MenuItem("保障", "部门核查数据", "/assistance/department-facts", "assistance.read"),
        ),
        worklist="anju.assistance.worklist:items",
        credit_subjects={"assistance_households": "anju.assistance.credit_subjects:subjects"},
        datasets={
            "applications": "anju.assistance.datasets:APPLICATIONS",
            "allocations": "anju.assistance.datasets:ALLOCATIONS",
            "households": "anju.assistance.datasets:HOUSEHOLDS",
        },
        feeds={
            "hukou": "anju.assistance.department_feeds:HUKOU",
            "social_insurance": "anju.assistance.department_feeds:SOCIAL_INSURANCE",
            "minimum_income": "anju.assistance.department_feeds:MINIMUM_INCOME",
            "provident_fund": "anju.assistance.department_feeds:PROVIDENT_FUND",
        },
    ),
    Context(
        "rental",
        vocabulary="anju.rental.vocabulary",
        commands={"rental": "anju.rental.cli:rental"},
        help={"rental": "Rental supervision (住房租赁监管服务平台)."},
        restriction_sources={"rental_flags": "anju.rental.home_flags:flag_source"},
        fund_kinds={"rent_escrow": "anju.rental.domain:RENT_ESCROW"},
        events={
            "rental.lease_filed": "租赁合同备案（推送公安居住登记、住房公积金）",
            "rental.lease_ended": "已备案租赁合同终止、解除或注销备案",
        },
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
        menu=(
            MenuItem("租赁", "住房租赁", "/rental", "public"),
            MenuItem("租赁", "我的房源", "/rental/me/listings", "rental.publish"),
            MenuItem("租赁", "我的租赁合同", "/rental/me/leases", "rental.sign"),
            MenuItem("租赁", "我的机构", "/rental/me/party", "rental.party"),
            MenuItem("租赁", "房源管理", "/rental/staff/listings", "rental.handle"),
            MenuItem("租赁", "合同备案", "/rental/staff/leases", "rental.read"),
            MenuItem("租赁", "投诉处理", "/rental/complaints", "rental.read"),
            MenuItem("租赁", "执法检查", "/rental/inspections", "rental.read"),
            MenuItem("租赁", "房屋限制", "/rental/flags", "rental.read"),
            MenuItem("租赁", "资金监管", "/rental/escrow", "rental.read"),
            MenuItem("租赁", "市场主体", "/rental/parties", "rental.read"),
            MenuItem("租赁", "租金监测", "/rental/monitoring", "rental.read"),
            MenuItem("租赁", "租赁指导价", "/rental/guidance", "public"),
            MenuItem("租赁", "发布指导价", "/rental/guidance/manage", "rental.guidance"),
        ),
        worklist="anju.rental.worklist:items",
        credit_subjects={"rental_parties": "anju.rental.credit_subjects:subjects"},
        datasets={
            "listings": "anju.rental.datasets:LISTINGS",
            "leases": "anju.rental.datasets:LEASES",
            "escrow": "anju.rental.datasets:ESCROW",
            "leases_by_month": "anju.rental.datasets:LEASES_BY_MONTH",
        },
    ),
    Context(
        "transactions",
        vocabulary="anju.transactions.vocabulary",
        commands={"transactions": "anju.transactions.cli:transactions"},
        help={"transactions": "Housing transactions: new homes, resale, presale fund supervision."},
        fund_kinds={"presale": "anju.transactions.domain:PRESALE", "resale": "anju.transactions.domain:RESALE"},
        registration_followers={"resale_contracts": "anju.transactions.registrations:complete_resales"},
        events={
            "transactions.contract_filed": "新建商品房买卖合同备案（推送税务）",
            "transactions.resale_contract_filed": "存量房买卖合同备案（推送税务）",
        },
        permissions={
            "transactions.read": "read developers, projects, permits, prices and contracts in scope (buyers masked)",
            "transactions.manage": "file developers, projects, presale permits and price lists; cancel contracts",
            "transactions.sell": (
                "as the staff of a filed developer or brokerage agency: list resale homes; draft, sign and "
                "file purchase contracts"
            ),
            "transactions.buy": "read and sign one's own purchase contracts as buyer (or resale seller); private sales",
        },
        grants=_grants(
            _grant("transactions.read", *REGISTER_STAFF, "auditor"),
            _grant("transactions.manage", "district_officer", "city_officer"),
            _grant("transactions.sell", "agency"),
            _grant("transactions.buy", *PUBLIC_PARTIES),
        ),
        menu=(
            MenuItem("交易", "新建商品房", "/transactions/projects", "public"),
            MenuItem("交易", "成交统计", "/transactions/figures", "public"),
            MenuItem("交易", "我的购房合同", "/transactions/me/contracts", "transactions.buy"),
            MenuItem("交易", "存量房源", "/transactions/resale", "public"),
            MenuItem("交易", "我的存量房合同", "/transactions/resale/me", "transactions.buy"),
            MenuItem("交易", "商品房网签", "/transactions/sales", "transactions.sell"),
            MenuItem("交易", "存量房经纪", "/transactions/resale/agency", "transactions.sell"),
            MenuItem("交易", "网签备案", "/transactions/staff/contracts", "transactions.read"),
            MenuItem("交易", "存量房网签", "/transactions/staff/resale", "transactions.read"),
            MenuItem("交易", "预售许可", "/transactions/staff/permits", "transactions.read"),
            MenuItem("交易", "备案与登记核对", "/transactions/staff/registrations", "transactions.read"),
            MenuItem("交易", "商品房备案", "/transactions/staff/filings", "transactions.manage"),
            MenuItem("交易", "预售资金监管", "/transactions/staff/funds", "transactions.read"),
            MenuItem("交易", "存量房资金监管", "/transactions/staff/resale-funds", "transactions.read"),
        ),
        worklist="anju.transactions.worklist:items",
        credit_subjects={"transactions_developers": "anju.transactions.credit_subjects:subjects"},
        datasets={
            "sale_contracts": "anju.transactions.datasets:SALE_CONTRACTS",
            "resale_contracts": "anju.transactions.datasets:RESALE_CONTRACTS",
            "presale_permits": "anju.transactions.datasets:PRESALE_PERMITS",
            "new_home_filings": "anju.transactions.datasets:NEW_HOME_FILINGS",
            "resale_filings": "anju.transactions.datasets:RESALE_FILINGS",
        },
    ),
    Context(
        "exchange",
        vocabulary="anju.exchange.vocabulary",
        commands={"exchange": "anju.exchange.cli:exchange"},
        help={"exchange": "Data exchange: feeds in, events out (deliver), retention."},
        permissions={
            "exchange.read": "read feeds, batches, dead letters, deliveries, data quality and the full catalogue",
            "exchange.feed": "deliver a feed's file (city-wide)",
            "exchange.replay": "fix and replay dead-lettered records",
            "exchange.subscribe": "manage the subscribers events are delivered to",
            "exchange.govern": "run retention (archive, pseudonymise) over closed records",
        },
        grants=_grants(
            _grant("exchange.read", "city_officer", "auditor"),
            _grant("exchange.feed", "city_officer"),
            _grant("exchange.replay", "city_officer"),
            _grant("exchange.subscribe", "city_officer"),
            _grant("exchange.govern", "city_officer"),
        ),
        menu=(
            MenuItem("数据", "数据接入", "/exchange/feeds", "exchange.read"),
            MenuItem("数据", "数据推送", "/exchange/subscribers", "exchange.read"),
            MenuItem("数据", "事件日志", "/exchange/events", "exchange.read"),
            MenuItem("数据", "数据目录", "/catalogue", "public"),
            MenuItem("数据", "开放数据", "/open-data", "public"),
            MenuItem("数据", "数据保留", "/exchange/retention", "exchange.govern"),
        ),
    ),
    Context(
        "credit",
        vocabulary="anju.credit.vocabulary",
        commands={"credit": "anju.credit.cli:credit"},
        help={"credit": "Industry credit: subjects, grades, lists, inspections draws, objections, repair."},
        permissions={
            "credit.read": "read credit files, grades, lists, objections and repairs (with their documents) in scope",
            "credit.record": "record credit events by hand (awards, sanctions, other departments' records)",
            "credit.decide": "decide objections and repair requests",
            "credit.inspect": "freeze and run random-inspection draws (双随机) and record their outcomes",
            "credit.govern": "recompute grades in bulk and synchronise subjects",
            "credit.own": "see one's own credit file, object to an event, ask for repair",
        },
        grants=_grants(
            _grant("credit.read", *REGISTER_STAFF, "auditor"),
            _grant("credit.record", "district_officer", "city_officer"),
            _grant("credit.decide", "district_officer", "city_officer"),
            _grant("credit.inspect", "district_officer", "city_officer"),
            _grant("credit.govern", "city_officer"),
            _grant("credit.own", *PUBLIC_PARTIES),
        ),
        worklist="anju.credit.worklist:items",
        menu=(
            MenuItem("信用", "信用主体", "/credit/subjects", "credit.read"),
            MenuItem("信用", "红黑名单", "/credit/lists", "credit.read"),
            MenuItem("信用", "等级变动", "/credit/changes", "credit.read"),
            MenuItem("信用", "信用事件", "/credit/events", "credit.read"),
            MenuItem("信用", "信用异议", "/credit/objections", "credit.read"),
            MenuItem("信用", "信用修复", "/credit/repairs", "credit.read"),
            MenuItem("信用", "双随机抽查", "/credit/inspections", "credit.read"),
            MenuItem("信用", "我的信用", "/credit/me", "credit.own"),
            MenuItem("信用", "信用公示", "/credit/public", "public"),
        ),
        subject_restriction_sources={"credit": "anju.credit.restrictions:restrictions_for"},
        datasets={"events": "anju.credit.datasets:EVENTS"},
        feeds={"records": "anju.credit.feeds:DEPARTMENT_RECORDS"},
        events={
            "credit.event_recorded": "信用事件记录（推送市场监管）",
            "credit.list_changed": "红黑名单变动（联合奖惩）",
            "credit.grade_changed": "信用等级变动",
        },
    ),
    Context(
        "market",
        vocabulary="anju.market.vocabulary",
        commands={"market": "anju.market.cli:market"},
        help={"market": "Market monitoring: price indices, land and supply, health evaluation, warnings, reports."},
        permissions={
            "market.read": (
                "read the market figures in scope: indices, land, supply, health scores, warnings, forecasts"
            ),
            "market.report": "generate the monthly market report of a month (PDF or .docx, a background job) in scope",
            "market.compute": "start a computation of the market figures (city-wide)",
            "market.warn": "acknowledge and close early warnings in scope, with a note",
            "market.publish": "publish a month's market figures to the public page",
        },
        grants=_grants(
            _grant("market.read", "district_officer", "city_officer", "auditor"),
            _grant("market.report", "district_officer", "city_officer"),
            _grant("market.compute", "city_officer"),
            _grant("market.warn", "district_officer", "city_officer"),
            _grant("market.publish", "city_officer"),
        ),
        feeds={"land_transfers": "anju.market.land_feed:LAND_TRANSFERS"},
        menu=(
            MenuItem("市场", "市场监测", "/market", "market.read"),
            MenuItem("市场", "房价指数", "/market/indices", "market.read"),
            MenuItem("市场", "土地出让", "/market/land", "market.read"),
            MenuItem("市场", "供应与去化", "/market/supply", "market.read"),
            MenuItem("市场", "租售比", "/market/rent-ratios", "market.read"),
            MenuItem("市场", "健康评价", "/market/health", "market.read"),
            MenuItem("市场", "市场预警", "/market/warnings", "market.read"),
            MenuItem("市场", "趋势预测", "/market/forecasts", "market.read"),
            MenuItem("市场", "月度报告", "/market/reports", "market.report"),
            MenuItem("市场", "市场数据发布", "/market/public", "public"),
            MenuItem("市场", "发布市场数据", "/market/publish", "market.publish"),
            MenuItem("市场", "市场监测计算", "/market/runs", "market.read"),
        ),
        worklist="anju.market.worklist:items",
    ),
    Context(
        "estates",
        vocabulary="anju.estates.vocabulary",
        event_followers={"transactions.contract_filed": "anju.estates.fund_deposits:on_contract_filed"},
        # after the transactions context's complete_resales (contexts run in this list's order)
        registration_followers={"fund_transfers": "anju.estates.fund_transfers:record_resale_transfers"},
        commands={"estates": "anju.estates.cli:estates"},
        help={"estates": "Estate management: property services, owners' votes, the maintenance fund."},
        permissions={
            "estates.read": (
                "read estate management in scope: companies, projects, tenders, coverage, complaints, "
                "evaluations, owners' organisations and votes, maintenance-fund accounts and applications"
            ),
            "estates.supervise": (
                "supervise in scope: file companies and projects, record handovers and evaluations, handle "
                "complaints, file assemblies and committees, term audits and the negative list, open votes"
            ),
            "estates.approve": "approve or refuse maintenance-fund spending applications in scope",
            "estates.fund": "run the maintenance fund: accounts, imports, deposits, interest, refunds (city-wide)",
            "estates.own": (
                "as an owner with a verified identity: one's homes' fund accounts and statements, votes to "
                "cast, decisions, complaints; a committee member's work for the estate"
            ),
            "estates.company": "as the staff of a filed property-service company: its filing, bids, projects, replies",
        },
        grants=_grants(
            _grant("estates.read", "street_clerk", "district_officer", "city_officer", "auditor"),
            _grant("estates.supervise", "street_clerk", "district_officer", "city_officer"),
            _grant("estates.approve", "street_clerk", "district_officer", "city_officer"),
            _grant("estates.fund", "city_officer"),
            _grant("estates.own", "citizen", "landlord"),
            _grant("estates.company", "agency"),
        ),
        fund_kinds={"maintenance": "anju.estates.domain:MAINTENANCE"},
        menu=(
            MenuItem("物业", "物业管理", "/property", "estates.read"),
            MenuItem("物业", "维修资金", "/property/fund", "estates.read"),
            MenuItem("物业", "我的维修资金", "/property/my-fund", "estates.own"),
            MenuItem("物业", "维修资金使用", "/property/spending", "estates.read"),
            MenuItem("物业", "维修资金使用公示", "/property/spending/public", "estates.own"),
            MenuItem("物业", "我的物业投诉", "/property/me/complaints", "estates.own"),
            MenuItem("物业", "本企业被投诉事项", "/property/company/complaints", "estates.company"),
            MenuItem("物业", "业主组织", "/property/owners", "estates.read"),
            MenuItem("物业", "业主表决", "/property/votes", "estates.read"),
            MenuItem("物业", "我的业主事务", "/property/mine", "estates.own"),
            MenuItem("物业", "本企业物业服务", "/property/me/company", "estates.company"),
            MenuItem("物业", "本企业维修资金使用申请", "/property/spending/company", "estates.company"),
        ),
    ),
    Context(
        "safety",
        vocabulary="anju.safety.vocabulary",
        commands={"safety": "anju.safety.cli:safety"},
        help={"safety": "House safety: appraisal agencies, inspections, appraisals, hazard cases, permits."},
        permissions={
            "safety.read": (
                "read house safety in scope: agencies, inspection plans and inspections, appraisals, hazard "
                "cases, structure-change permits, curtain-wall inspections, figures"
            ),
            "safety.supervise": (
                "supervise house safety in scope: plan and record inspections, record appraisals, decide and "
                "close hazard cases, structure-change permits, curtain-wall inspections"
            ),
            "safety.agencies": "file and supervise appraisal agencies: engineers, status, violations, random checks",
        },
        grants=_grants(
            _grant("safety.read", *REGISTER_STAFF, "auditor"),
            _grant("safety.supervise", *REGISTER_STAFF),
            _grant("safety.agencies", "district_officer", "city_officer"),
        ),
        restriction_sources={"safety_hazards": "anju.safety.hazards:hazard_source"},
        worklist="anju.safety.worklist:items",
        credit_subjects={"safety_agencies": "anju.safety.agencies:credit_subjects"},
        menu=(
            MenuItem("房屋安全", "房屋安全概况", "/safety", "safety.read"),
            MenuItem("房屋安全", "鉴定机构", "/safety/agencies", "safety.read"),
            MenuItem("房屋安全", "安全排查", "/safety/plans", "safety.read"),
            MenuItem("房屋安全", "房屋鉴定", "/safety/appraisals", "safety.read"),
            MenuItem("房屋安全", "危房隐患", "/safety/hazards", "safety.read"),
            MenuItem("房屋安全", "结构变动许可", "/safety/permits", "safety.read"),
            MenuItem("房屋安全", "幕墙检查", "/safety/curtain-walls", "safety.read"),
        ),
    ),
    Context(
        "renewal",
        vocabulary="anju.renewal.vocabulary",
        commands={"renewal": "anju.renewal.cli:renewal"},
        help={"renewal": "Urban renewal: old-community, shanty-town, lift and energy retrofits, plan progress."},
        permissions={
            "renewal.read": "read urban-renewal projects, lift retrofits and plan progress in scope",
            "renewal.manage": (
                "manage urban-renewal projects in scope: enter them in the library, record their steps, "
                "contents, funding, residents' consent and lift owners' agreement"
            ),
        },
        grants=_grants(
            _grant("renewal.read", "street_clerk", "district_officer", "city_officer", "auditor"),
            _grant("renewal.manage", "district_officer", "city_officer"),
        ),
        menu=(
            MenuItem("城市更新", "更新项目库", "/renewal", "renewal.read"),
            MenuItem("城市更新", "加装电梯", "/renewal/lifts", "renewal.read"),
            MenuItem("城市更新", "规划进度", "/renewal/progress", "renewal.read"),
            MenuItem("城市更新", "城市更新公开", "/renewal/public", "public"),
        ),
    ),
    Context(
        "streets",
        vocabulary="anju.streets.vocabulary",
        commands={"streets": "anju.streets.cli:streets"},
        help={"streets": "The street database (人地房产业): load, export, synthesise the yearly street panel."},
        permissions={
            "streets.read": "read the street database in scope: street figures, their versions and indicators",
            "streets.load": "load street-panel files (city-wide: a file may touch any street)",
        },
        grants=_grants(
            _grant("streets.read", *REGISTER_STAFF, "auditor"),
            _grant("streets.load", "city_officer"),
        ),
        menu=(
            MenuItem("数据", "街道数据库", "/streets", "streets.read"),
            MenuItem("数据", "街道数据导入", "/streets/load", "streets.load"),
        ),
    ),
    Context(
        "indicators",
        vocabulary="anju.indicators.vocabulary",
        commands={"indicators": "anju.indicators.cli:indicators"},
        help={"indicators": "The indicator dictionary: list it, check it, refresh the stored values."},
        menu=(MenuItem("数据", "指标字典", "/indicators", "public"),),
    ),
    Context(
        "plan",
        vocabulary="anju.plan.vocabulary",
        commands={"plan": "anju.plan.cli:plan"},
        worklist="anju.plan.worklist:items",
        help={"plan": "Plans as data: check a plan's figures, load an edition (a correction or the next plan)."},
        permissions={
            "plan.read": "read the plan's progress, reported figures and hand entries (city targets, those in scope)",
            "plan.report": (
                "report a year's plan figures (and correct them), enter the figures departments report, "
                "write the mid-term and final evaluation reports"
            ),
        },
        grants=_grants(
            _grant("plan.read", "district_officer", "city_officer"),
            _grant("plan.report", "city_officer"),
        ),
        menu=(
            MenuItem("规划", "规划实施监测", "/plan", "plan.read"),
            MenuItem("规划", "统计报送录入", "/plan/entries", "plan.read"),
            MenuItem("规划", "评估报告", "/plan/evaluations", "plan.report"),
            MenuItem("规划", "规划实施公开", "/plan/public", "public"),
        ),
    ),
    Context("synth", http=False),
)
