"""``anju users …`` and ``anju keys …``: thin commands over the security services."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click
from sqlalchemy import Connection, Engine, select

from anju.core import migrate, runtime
from anju.core.db import unit_of_work
from anju.core.errors import AnjuError
from anju.core.settings import Settings
from anju.security.crypto import KeyError_
from anju.security.domain import ROLE_LABELS, Role
from anju.security.tables import accounts

if TYPE_CHECKING:
    from anju import ledger
    from anju.security.callers import Caller, Security

T = TypeVar("T")

#: The demo's accounts: one per role, all with the demo password (synthetic city only).
DEMO_PASSWORD = "Anju-Demo-2026!"  # noqa: S105 - the documented password of the synthetic demo only
DEMO_ACCOUNTS: list[dict[str, str]] = [
    {"username": "admin", "role": "administrator", "name": "李管理", "division_code": "{city}"},
    {"username": "auditor", "role": "auditor", "name": "孙审计", "division_code": "{city}"},
    {"username": "city", "role": "city_officer", "name": "钱市局", "division_code": "{city}"},
    {"username": "district", "role": "district_officer", "name": "吴区局", "division_code": "{district}"},
    {"username": "clerk", "role": "street_clerk", "name": "郑街道", "division_code": "{street}"},
    {
        "username": "citizen",
        "role": "citizen",
        "name": "周市民",
        "id_number": "320102199003070025",
        "phone": "13900000001",
    },
    {
        "username": "landlord",
        "role": "landlord",
        "name": "王房东",
        "id_number": "320106198506151231",
        "phone": "13900000002",
    },
    {
        "username": "agency",
        "role": "agency",
        "name": "冯经纪",
        "phone": "13900000003",
        "org_code": "91110000600037341L",
    },
]


def _engine(settings: Settings) -> Engine:
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    return engine


def _security(settings: Settings) -> Security:
    from anju.security.callers import Security

    try:
        return Security(settings)
    except KeyError_ as e:
        raise click.ClickException(str(e)) from None


@click.group()
def users() -> None:
    """Accounts: create, list, disable."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", required=True, help="姓名")
@click.option("--division", "division_code", help="Division code: street (9 digits), district (6) or the city.")
@click.option("--id-number", help="居民身份证号码 (citizens and landlords).")
@click.option("--phone", help="手机号码.")
@click.option("--org-code", help="统一社会信用代码 (agency staff).")
@click.password_option("--password", help="Asked for when not given (never put it on a shared command line).")
def users_create(
    username: str,
    role: str,
    name: str,
    division_code: str | None,
    id_number: str | None,
    phone: str | None,
    org_code: str | None,
    password: str,
) -> None:
    """Create an account; a staff account's TOTP secret is printed once."""
    from anju.security.callers import Caller
    from anju.security.users import NewAccount, create_account

    settings = runtime.settings()
    sec = _security(settings)
    engine = _engine(settings)
    cmd = NewAccount(
        username=username,
        password=password,
        role=Role(role),
        name=name,
        division_code=division_code,
        id_number=id_number,
        phone=phone,
        org_code=org_code,
    )
    try:
        with unit_of_work(engine).begin() as conn:
            created = create_account(conn, sec, cmd, Caller.system("cli"))
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    out = {"id": created.account_id, "username": username.lower(), "role": role}
    if created.totp_secret:
        out |= {"totp_secret": created.totp_secret, "totp_uri": created.totp_uri}
    click.echo(json.dumps(out, ensure_ascii=False))


@users.command("list")
@click.option("--role", type=click.Choice([r.value for r in Role]))
@click.option("--limit", default=50, show_default=True)
def users_list(role: str | None, limit: int) -> None:
    """Accounts with personal values masked."""
    from anju.security.callers import Caller
    from anju.security.users import list_accounts

    settings = runtime.settings()
    sec = _security(settings)
    engine = _engine(settings)
    with engine.connect() as conn:
        page = list_accounts(conn, sec, Caller.system("cli"), role=Role(role) if role else None, limit=limit)
    for a in page.items:
        click.echo(
            f"{a['id']}\t{a['username']}\t{ROLE_LABELS[Role(a['role'])]}\t{a['division_code'] or '—'}\t"
            f"{a['name']}\t{a['phone'] or '—'}"
        )
    click.echo(f"共 {page.total} 个账户", err=True)


@users.command("synthetic-people")
@click.option("--limit", default=5, show_default=True)
def users_synthetic_people(limit: int) -> None:
    """Owners of the SYNTHETIC city's homes (ID number, name, phone) to register and verify as in a demo.

    They are the synthetic identity provider's population; refused unless that provider is in use."""
    from anju.security.audit import record_now
    from anju.security.callers import Caller
    from anju.security.realname import provider_for

    settings = runtime.settings()
    if settings.identity_provider != "synthetic":
        raise click.ClickException("只有使用合成身份核验（ANJU_IDENTITY_PROVIDER=synthetic）时才能列出合成人口")
    sec = _security(settings)
    engine = _engine(settings)
    provider = provider_for(sec)
    sample = getattr(provider, "sample", None)
    assert sample is not None, "the synthetic provider lists its population"
    with engine.connect() as conn:
        people: list[tuple[str, str, str]] = sample(conn, limit)
    record_now(engine, Caller.system("cli"), "personal.reveal", entity="synthetic_people",
               detail={"rows": len(people)})  # fmt: skip
    click.echo("合成人口（演示数据，非真实人员；楼盘表中的产权人）：身份证号码\t姓名\t实名登记手机号码", err=True)
    for idn, name, phone in people:
        click.echo(f"{idn}\t{name}\t{phone}")


@users.command("disable")
@click.argument("username")
@click.option("--reason", required=True)
def users_disable(username: str, reason: str) -> None:
    from anju.security.callers import Caller
    from anju.security.users import set_disabled

    settings = runtime.settings()
    engine = _engine(settings)
    with unit_of_work(engine).begin() as conn:
        aid = conn.execute(select(accounts.c.id).where(accounts.c.username == username.lower())).scalar()
        if aid is None:
            raise click.ClickException(f"没有用户 {username}")
        set_disabled(conn, Caller.system("cli"), int(aid), True, reason)
    click.echo(f"已停用 {username}")


def ensure_demo_accounts(engine: Engine, settings: Settings) -> list[dict[str, str]]:
    """The demo's accounts, created once (an existing username is left as it is). Never in production."""
    from anju import divisions
    from anju.security.callers import Caller, Security
    from anju.security.realname import add_synthetic_people, provider_for, seed_verified
    from anju.security.users import NewAccount, create_account

    if settings.environment == "production":
        raise click.ClickException("生产环境不创建演示账户")
    sec = Security(settings)
    with engine.connect() as conn:
        existing = {r[0] for r in conn.execute(select(accounts.c.username))}
        districts = divisions.by_level(conn, "district")
        district = districts[0].code
        streets = divisions.children(conn, district, "street", limit=1).items
        codes = {"city": settings.city_code, "district": district, "street": streets[0].code if streets else district}
    made = []
    with unit_of_work(engine).begin() as conn:
        for spec in DEMO_ACCOUNTS:
            if spec["username"] in existing:
                continue
            values = {k: v.format(**codes) for k, v in spec.items()}
            role = Role(values.pop("role"))
            created = create_account(
                conn, sec, NewAccount(password=DEMO_PASSWORD, role=role, **values), Caller.system("demo")
            )
            if values.get("id_number"):
                # The demo's citizens are people of the synthetic city who have verified their identity.
                add_synthetic_people(conn, sec.keyring, [(values["id_number"], values["name"], values.get("phone"))])
                seed_verified(conn, sec, created.account_id, provider_for(sec))
            made.append(spec)
    return made


@click.group()
def keys() -> None:
    """Personal-data keys: generate, rotate, see which are in use."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new SM4 data key and a new index key (put them in the secret store, not in git)."""
    click.echo(json.dumps({"data_key": secrets.token_hex(16), "index_key": secrets.token_hex(32)}))


@keys.command("rotate")
@click.option("--batch", default=1000, show_default=True)
def keys_rotate(batch: int) -> None:
    """Re-encrypt every personal value with the active data key and recompute blind indexes."""
    from anju.security.keys import rotate_keys

    settings = runtime.settings()
    sec = _security(settings)
    engine = _engine(settings)

    def progress(msg: str, frac: float) -> None:
        click.echo(f"[{frac * 100:5.1f}%] {msg}", err=True)

    click.echo(json.dumps(rotate_keys(engine, sec, batch=batch, progress=progress)))


@keys.command("status")
def keys_status() -> None:
    """How many stored values each data key id protects (retire a key when its count is 0)."""
    from anju.security.keys import keys_in_use

    settings = runtime.settings()
    _security(settings)
    engine = _engine(settings)
    with engine.connect() as conn:
        click.echo(json.dumps({str(k): v for k, v in sorted(keys_in_use(conn).items())}))


@click.group("audit")
def audit_cmd() -> None:
    """The audit log: anchor it in the verifiable log, verify the anchors."""


def _ledger_signer(settings: Settings) -> ledger.Signer | None:
    """The ledger's signer from ``ANJU_LEDGER_SIGNING_KEY`` (or the development data folder's), or None."""
    from anju.ledger import signer_from_seed
    from anju.security import ledger_signing_seed

    seed = ledger_signing_seed(settings)
    return signer_from_seed(seed) if seed else None


@audit_cmd.command("anchor")
@click.option("--grace-seconds", default=120, show_default=True, help="Anchor only rows at least this old.")
def audit_anchor(grace_seconds: int) -> None:
    """Digest the audit rows written since the last anchor into the ledger log ``audit`` and sign a
    tree head of it (run from cron)."""
    from datetime import timedelta

    from anju.security import anchor

    settings = runtime.settings()
    signer = _ledger_signer(settings)
    if signer is None:
        click.echo("未配置 ANJU_LEDGER_SIGNING_KEY：锚点已追加，但未签发树头", err=True)
    made = anchor.anchor(_engine(settings), timedelta(seconds=grace_seconds), signer)
    click.echo(json.dumps({"anchored": made}, ensure_ascii=False))


@audit_cmd.command("verify")
@click.option(
    "--public-key",
    default=None,
    help="The ledger's published Ed25519 public key (hex); default: that of the configured signing key.",
)
def audit_verify(public_key: str | None) -> None:
    """Check the ledger log ``audit`` (``anju ledger check audit``), then recompute every anchored
    range; exit 1 naming what was changed or removed."""
    from anju.security import anchor

    settings = runtime.settings()
    if public_key is not None:
        try:
            key: str | None = bytes.fromhex(public_key.strip()).hex()
        except ValueError:
            raise click.BadParameter("不是十六进制字符串", param_hint="--public-key") from None
    else:
        signer = _ledger_signer(settings)
        key = signer.public_key_hex if signer else None
    result = anchor.verify(_engine(settings), key)
    if result.log is not None and not result.log.ok:
        for line in result.log.lines():
            click.echo(line, err=True)
        click.echo("账本日志 audit 本身未通过检查：锚点不可信", err=True)
    for m in result.mismatches:
        click.echo(
            f"第 {m.index} 个锚点（审计记录 {m.first_id}–{m.last_id}）不一致："
            f"应有 {m.expected_rows} 条，现有 {m.found_rows} 条或内容被改动",
            err=True,
        )
    if not result.ok:
        raise SystemExit(1)
    click.echo(f"审计日志与 {result.checked} 个锚点一致；账本日志 audit 完整")


# --- department clients ---------------------------------------------------------------------------


@click.group()
def clients() -> None:
    """Department clients (OAuth 2.0 client credentials): create, list, rotate, disable."""


def _run(fn: Callable[[Connection, Security, Caller], T]) -> T:
    from anju.security.callers import Caller

    settings = runtime.settings()
    sec, engine = _security(settings), _engine(settings)
    try:
        with unit_of_work(engine).begin() as conn:
            return fn(conn, sec, Caller.system("cli"))
    except AnjuError as e:
        raise click.ClickException(e.message) from None


@clients.command("create")
@click.option("--name", required=True, help="名称, e.g. 市公安局人口管理系统")
@click.option("--department", required=True, help="所属部门, e.g. 公安")
@click.option("--scope", "scopes", multiple=True, help="<dataset>:<operation> (read, write, subscribe); repeatable.")
@click.option("--rate", "rate_per_minute", type=int, help="Requests per minute (default: the setting).")
@click.option("--quota", "daily_quota", type=int, help="Calls per day (default: the setting).")
def clients_create(
    name: str, department: str, scopes: tuple[str, ...], rate_per_minute: int | None, daily_quota: int | None
) -> None:
    """Create a client; its id and secret are printed once (JSON)."""
    from anju.security.clients import ClientForm, create_client

    form = ClientForm(name, department, list(scopes), rate_per_minute=rate_per_minute, daily_quota=daily_quota)
    issued = _run(lambda conn, sec, who: create_client(conn, sec, who, form))
    click.echo(json.dumps({"id": issued.id, "client_id": issued.client_id, "client_secret": issued.secret}))


@clients.command("list")
@click.option("--department")
@click.option("--status", type=click.Choice(["active", "disabled"]))
@click.option("--limit", default=50, show_default=True)
def clients_list(department: str | None, status: str | None, limit: int) -> None:
    """Clients (no secrets), one per line."""
    from anju.security.clients import list_clients

    page = _run(lambda conn, sec, _who: list_clients(conn, sec, department=department, status=status, limit=limit))
    for c in page.items:
        click.echo(f"{c['client_id']}\t{c['department']}\t{c['name']}\t{c['status']}\t{' '.join(c['scopes'])}")
    click.echo(f"共 {page.total} 个部门接入账户", err=True)


@clients.command("rotate")
@click.argument("client_id")
@click.option(
    "--revoke-now", is_flag=True, help="Emergency: the previous secret stops at once and live tokens are revoked."
)
def clients_rotate(client_id: str, revoke_now: bool) -> None:
    """A new secret for CLIENT_ID (printed once); the previous one works until the grace deadline
    (with --revoke-now: not at all, and the client's live tokens are revoked)."""
    from anju.security.clients import IssuedSecret, find_client, rotate_secret

    def work(conn: Connection, sec: Security, who: Caller) -> IssuedSecret:
        return rotate_secret(conn, sec, who, find_client(conn, sec, client_id)["id"], revoke_now=revoke_now)

    issued = _run(work)
    until = issued.previous_valid_until.isoformat() if issued.previous_valid_until else None
    click.echo(
        json.dumps({"client_id": issued.client_id, "client_secret": issued.secret, "previous_valid_until": until})
    )


@clients.command("disable")
@click.argument("client_id")
@click.option("--reason", required=True, help="事由 (recorded in the audit log).")
def clients_disable(client_id: str, reason: str) -> None:
    """Disable CLIENT_ID: its tokens stop working at once."""
    from anju.security.clients import find_client, set_status

    def work(conn: Connection, sec: Security, who: Caller) -> None:
        set_status(conn, who, find_client(conn, sec, client_id)["id"], "disabled", reason)

    _run(work)
    click.echo(f"已停用 {client_id}")
