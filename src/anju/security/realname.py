"""Real-name identity (实名认证): a phone confirmed by a one-time code, then the identity provider's
check that the declared identity number, name and phone belong to one person.

An account's declared number (``claimed_id_*``) grants nothing. Only when the provider confirms it
does the number move to ``id_number_*``, which every right that follows a person's ID reads (owner,
tenant, household member, credit file). The unique index on ``id_number_bidx`` lets one account
hold a verified number: a second account claiming it is refused, audited, and the holder is told by
SMS — never merged.

Both outside services are pluggable: :class:`IdentityProvider` (the public-security ID + name check
and the carriers' real-name record of the phone, or a face check) and :class:`SmsSender`. The
platform ships the synthetic city's provider (:mod:`anju.synth.identity`, demo and tests only) and
the ``file``/``log`` senders; ``ANJU_IDENTITY_PROVIDER`` / ``ANJU_SMS_SENDER`` name a deployment's
adapter as ``package.module:Class`` (docs/identity.md shows the shape).

Refusals that must count even though nothing else changes (a wrong code, a failed check) are written
in their own transaction before the error is raised: a rolled-back attempt counter would let a
guesser try forever.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import logging
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

from sqlalchemy import Connection, RowMapping, func, select, update
from sqlalchemy.exc import IntegrityError

from anju.core import clock
from anju.core.db import UnitOfWork
from anju.core.errors import Conflict, Forbidden, TooManyRequests, ValidationError
from anju.core.settings import Settings
from anju.security import identity
from anju.security.audit import record, record_now
from anju.security.callers import Caller, Security, forget_sessions_after_commit
from anju.security.crypto import Keyring
from anju.security.domain import PUBLIC_ROLES, Role
from anju.security.tables import accounts, audit_log, phone_codes, synthetic_people

log = logging.getLogger(__name__)

MAX_CODE_ATTEMPTS = 5


# ---------------------------------------------------------------- the outside services


@dataclass(frozen=True)
class Claim:
    """What the provider is asked: do this number, name and phone belong to one living person?"""

    id_number: str
    name: str
    phone: str


@dataclass(frozen=True)
class Verdict:
    ok: bool
    #: Why not, in words a citizen can act on (shown to them; never contains the values).
    reason: str = ""


class IdentityProvider(Protocol):
    """The real-name check. ``name`` is recorded as the account's verification method."""

    name: str

    def check(self, conn: Connection, claim: Claim) -> Verdict: ...


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class FileSender:
    """Appends each message as a JSON line to a file (the demo's outbox)."""

    _lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, phone: str, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": clock.now().isoformat(), "phone": phone, "text": text}, ensure_ascii=False)
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")


class LogSender:
    """Writes each message to the application log, the number masked (a demo on a console)."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", identity.mask_phone(phone), text)


def _load(spec: str) -> type:
    module, _, cls = spec.partition(":")
    if not module or not cls:
        raise ValueError(f"expected package.module:Class, got {spec!r}")
    loaded: type = getattr(importlib.import_module(module), cls)
    return loaded


#: The synthetic city's provider (demo and tests), kept with the generator that makes its population.
SYNTHETIC_PROVIDER = "anju.synth.identity:SyntheticProvider"


def provider_for(sec: Security) -> IdentityProvider:
    """The configured provider, constructed with the process's :class:`Security` (settings and keys)."""
    spec = sec.settings.identity_provider
    made: IdentityProvider = _load(SYNTHETIC_PROVIDER if spec == "synthetic" else spec)(sec)
    return made


def sender_for(settings: Settings) -> SmsSender:
    spec = settings.sms_sender
    if spec == "file":
        return FileSender(settings.data_dir / "sms-outbox.jsonl")
    if spec == "log":
        return LogSender()
    made: SmsSender = _load(spec)(settings)
    return made


def synthetic_phone(id_number: str) -> str:
    """The phone number the synthetic carriers register to a synthetic person (a valid mobile number
    in the 199 range, derived from the ID so that nothing has to remember it)."""
    n = int.from_bytes(hashlib.sha256(b"anju-synthetic-phone\x00" + id_number.encode()).digest()[:8], "big")
    return f"199{n % 100_000_000:08d}"


#: The columns of :data:`synthetic_people`, in the order :func:`synthetic_person_row` gives them.
SYNTHETIC_COLS = ("id_bidx", "id_enc", "name_enc", "name_bidx", "phone_enc", "phone_bidx")


def synthetic_person_row(kr: Keyring, id_number: str, name: str, phone: str | None = None) -> tuple[object, ...]:
    """A ``synthetic_people`` row (phone defaults to :func:`synthetic_phone`) in :data:`SYNTHETIC_COLS` order."""
    ph = phone or synthetic_phone(id_number)
    return (
        kr.blind_index(id_number, "id_number"),
        kr.encrypt(id_number, "synthetic_people.id"),
        kr.encrypt(name, "synthetic_people.name"),
        kr.blind_index(name, "name"),
        kr.encrypt(ph, "synthetic_people.phone"),
        kr.blind_index(ph, "phone"),
    )


def add_synthetic_people(conn: Connection, kr: Keyring, people: Sequence[tuple[str, str, str | None]]) -> None:
    """Put (id number, name, phone or None) into the synthetic population, replacing what is there."""
    rows = [synthetic_person_row(kr, idn, name, phone) for idn, name, phone in people]
    if rows:
        conn.execute(synthetic_people.delete().where(synthetic_people.c.id_bidx.in_([r[0] for r in rows])))
        conn.execute(synthetic_people.insert(), [dict(zip(SYNTHETIC_COLS, r, strict=True)) for r in rows])


def seed_verified(conn: Connection, sec: Security, account_id: int, provider: IdentityProvider) -> None:
    """Confirm the phone and verify the identity of a seeded account (the demo's and the tests'),
    through the same provider check as a person's own verification. Raises if the provider refuses."""
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).mappings().one()
    kr = sec.keyring
    claim = Claim(
        kr.decrypt(row["claimed_id_enc"], "accounts.id_number"),
        kr.decrypt(row["name_enc"], "accounts.name"),
        kr.decrypt(row["phone_enc"], "accounts.phone"),
    )
    verdict = provider.check(conn, claim)
    if not verdict.ok:
        raise ValidationError.of("identity", f"实名认证未通过：{verdict.reason}")
    now = clock.now()
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(
            confirmed_phone_bidx=row["phone_bidx"],
            phone_confirmed_at=now,
            id_number_enc=row["claimed_id_enc"],
            id_number_bidx=row["claimed_id_bidx"],
            identity_verified_at=now,
            identity_method=provider.name,
            updated_at=now,
        )
    )
    record(conn, Caller.system("seed"), "identity.verify", entity="account", entity_id=account_id,
           detail={"method": provider.name, "seeded": True})  # fmt: skip


# ---------------------------------------------------------------- status


@dataclass(frozen=True)
class Status:
    """Where an account stands (masked values only)."""

    applies: bool  # public accounts with an identity number to verify
    phone: str | None
    phone_confirmed: bool
    id_number: str | None
    verified: bool
    verified_at: datetime | None
    method: str | None
    #: The next step: "phone" (confirm the phone), "identity" (ask the provider), or "done".
    next_step: Literal["phone", "identity", "done", "none"]


def _own_row(conn: Connection, caller: Caller) -> RowMapping:
    if caller.account_id is None:
        raise Forbidden("请先登录")
    row = conn.execute(select(accounts).where(accounts.c.id == caller.account_id)).mappings().first()
    if row is None:
        raise Forbidden("请先登录")
    return row


def status(conn: Connection, sec: Security, caller: Caller) -> Status:
    row = _own_row(conn, caller)
    kr = sec.keyring
    ph = kr.decrypt(row["phone_enc"], "accounts.phone") if row["phone_enc"] else None
    blob = row["id_number_enc"] or row["claimed_id_enc"]
    idn = kr.decrypt(blob, "accounts.id_number") if blob else None
    applies = Role(str(row["role"])) in PUBLIC_ROLES and row["claimed_id_enc"] is not None
    verified = row["identity_verified_at"] is not None
    confirmed = row["phone_confirmed_at"] is not None
    step: Literal["phone", "identity", "done", "none"] = (
        "none" if not applies else "done" if verified else "identity" if confirmed else "phone"
    )
    return Status(
        applies=applies,
        phone=identity.mask_phone(ph) if ph else None,
        phone_confirmed=confirmed,
        id_number=identity.mask_id(idn) if idn else None,
        verified=verified,
        verified_at=row["identity_verified_at"],
        method=row["identity_method"],
        next_step=step,
    )


# ---------------------------------------------------------------- phone one-time codes


def _code_hash(sec: Security, account_id: int, code: str) -> str:
    msg = f"phone-code\x00{account_id}\x00{code}".encode()
    return hmac.new(sec.keyring.index_key, msg, "sm3").hexdigest()


def send_phone_code(uow: UnitOfWork, sec: Security, caller: Caller, sender: SmsSender) -> datetime:
    """Send a six-digit code to the account's phone; returns when it expires. Throttled per account."""
    s = sec.settings
    now = clock.now()
    with uow.begin() as conn:
        row = _own_row(conn, caller)
        if Role(str(row["role"])) not in PUBLIC_ROLES or not row["phone_enc"]:
            raise Conflict("本账户无须验证手机号码")
        if row["phone_confirmed_at"] is not None:
            raise Conflict("手机号码已验证")
        aid = int(row["id"])
        recent = conn.execute(
            select(func.count(), func.max(phone_codes.c.created_at)).where(
                phone_codes.c.account_id == aid, phone_codes.c.created_at > now - timedelta(days=1)
            )
        ).one()
        if recent[0] >= s.phone_codes_per_day:
            raise TooManyRequests("今日获取验证码次数已达上限，请明天再试")
        if recent[1] is not None and (now - recent[1]).total_seconds() < s.phone_code_resend_seconds:
            wait = s.phone_code_resend_seconds - int((now - recent[1]).total_seconds())
            raise TooManyRequests(f"请 {wait} 秒后再获取验证码")
        code = f"{secrets.randbelow(1_000_000):06d}"
        expires = now + timedelta(minutes=s.phone_code_minutes)
        conn.execute(
            phone_codes.insert().values(
                account_id=aid,
                phone_bidx=row["phone_bidx"],
                code_hash=_code_hash(sec, aid, code),
                created_at=now,
                expires_at=expires,
                attempts=0,
                used_at=None,
            )
        )
        record(conn, caller, "identity.phone_code", entity="account", entity_id=aid)
        phone = sec.keyring.decrypt(row["phone_enc"], "accounts.phone")
        # Sent last, inside the transaction: a sender that fails leaves no code behind.
        sender.send(
            phone, f"【安居】您的验证码为 {code}，{s.phone_code_minutes} 分钟内有效。如非本人操作，请忽略本短信。"
        )
    return expires


def confirm_phone(uow: UnitOfWork, sec: Security, caller: Caller, code: str) -> None:
    """Check the code against the latest one sent; five wrong tries spend it."""
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit()):
        raise ValidationError.of("code", "验证码应为 6 位数字")
    now = clock.now()
    with uow.begin() as conn:
        row = _own_row(conn, caller)
        aid = int(row["id"])
        if row["phone_confirmed_at"] is not None:
            raise Conflict("手机号码已验证")
        sent = conn.execute(
            select(phone_codes)
            .where(phone_codes.c.account_id == aid, phone_codes.c.used_at.is_(None))
            .order_by(phone_codes.c.id.desc())
            .limit(1)
        ).first()
        if sent is None or sent.expires_at <= now or sent.attempts >= MAX_CODE_ATTEMPTS:
            raise ValidationError.of("code", "验证码已失效，请重新获取")
        if sent.phone_bidx != row["phone_bidx"]:
            raise ValidationError.of("code", "验证码已失效，请重新获取")
        right = hmac.compare_digest(sent.code_hash, _code_hash(sec, aid, code))
        if right:
            holder = conn.execute(
                select(accounts.c.id).where(accounts.c.confirmed_phone_bidx == row["phone_bidx"], accounts.c.id != aid)
            ).first()
            if holder is None:
                conn.execute(update(phone_codes).where(phone_codes.c.id == sent.id).values(used_at=now))
                conn.execute(
                    update(accounts)
                    .where(accounts.c.id == aid)
                    .values(confirmed_phone_bidx=row["phone_bidx"], phone_confirmed_at=now, updated_at=now)
                )
                record(conn, caller, "identity.phone_confirm", entity="account", entity_id=aid)
                return
    # Refusals are written in a transaction of their own, then raised.
    if not right:
        with uow.begin() as conn:
            conn.execute(
                update(phone_codes).where(phone_codes.c.id == sent.id).values(attempts=phone_codes.c.attempts + 1)
            )
            record(conn, caller, "identity.phone_confirm", entity="account", entity_id=aid, outcome="denied",
                   reason="wrong code")  # fmt: skip
        left = MAX_CODE_ATTEMPTS - sent.attempts - 1
        raise ValidationError.of("code", f"验证码不正确，还可尝试 {left} 次" if left else "验证码不正确，请重新获取")
    record_now(uow.engine, caller, "identity.phone_confirm", entity="account", entity_id=aid, outcome="denied",
               reason="phone confirmed by another account")  # fmt: skip
    raise Conflict("该手机号码已由其他账户验证使用；如有疑问，请携带身份证件到住房保障窗口办理")


# ---------------------------------------------------------------- the real-name check


def verify_identity(
    uow: UnitOfWork, sec: Security, caller: Caller, provider: IdentityProvider, sender: SmsSender
) -> None:
    """Ask the provider whether the declared number, the name and the confirmed phone are one person's;
    on success the number becomes the account's verified identity. Refusals are audited."""
    kr = sec.keyring
    now = clock.now()
    with uow.engine.connect() as conn:
        row = _own_row(conn, caller)
        aid = int(row["id"])
        if Role(str(row["role"])) not in PUBLIC_ROLES or row["claimed_id_enc"] is None:
            raise Conflict("本账户无须实名认证")
        if row["identity_verified_at"] is not None:
            raise Conflict("已完成实名认证")
        if row["phone_confirmed_at"] is None:
            raise ValidationError.of("phone", "请先验证手机号码")
        tries = conn.execute(
            select(func.count()).where(
                audit_log.c.actor_id == aid,
                audit_log.c.action == "identity.verify",
                audit_log.c.at > now - timedelta(days=1),
            )
        ).scalar_one()
        if tries >= sec.settings.identity_checks_per_day:
            raise TooManyRequests("今日实名认证次数已达上限，请明天再试或携带身份证件到窗口办理")
        claimed_bidx = str(row["claimed_id_bidx"])
        holder = conn.execute(
            select(accounts.c.id, accounts.c.phone_enc, accounts.c.division_code).where(
                accounts.c.id_number_bidx == claimed_bidx
            )
        ).first()
        claim = Claim(
            kr.decrypt(row["claimed_id_enc"], "accounts.id_number"),
            kr.decrypt(row["name_enc"], "accounts.name"),
            kr.decrypt(row["phone_enc"], "accounts.phone"),
        )
        verdict = Verdict(False, "") if holder is not None else provider.check(conn, claim)
    if holder is not None:
        _refuse_taken(uow, sec, caller, aid, holder.id, holder.phone_enc, sender)
    if not verdict.ok:
        record_now(uow.engine, caller, "identity.verify", entity="account", entity_id=aid, outcome="denied",
                   reason=f"{provider.name}: {verdict.reason}"[:200])  # fmt: skip
        raise ValidationError.of("identity", f"实名认证未通过：{verdict.reason}")
    try:
        with uow.begin() as conn:
            conn.execute(
                update(accounts)
                .where(accounts.c.id == aid, accounts.c.identity_verified_at.is_(None))
                .values(
                    id_number_enc=row["claimed_id_enc"],
                    id_number_bidx=claimed_bidx,
                    identity_verified_at=now,
                    identity_method=provider.name,
                    updated_at=now,
                )
            )
            record(conn, caller, "identity.verify", entity="account", entity_id=aid, detail={"method": provider.name})
            forget_sessions_after_commit(conn)
    except IntegrityError:  # another account verified the number in the meantime
        with uow.engine.connect() as conn:
            other = conn.execute(
                select(accounts.c.id, accounts.c.phone_enc).where(accounts.c.id_number_bidx == claimed_bidx)
            ).first()
        _refuse_taken(uow, sec, caller, aid, other.id if other else None, other.phone_enc if other else None, sender)


def _refuse_taken(
    uow: UnitOfWork,
    sec: Security,
    caller: Caller,
    aid: int,
    holder_id: int | None,
    holder_phone_enc: bytes | None,
    sender: SmsSender,
) -> None:
    record_now(uow.engine, caller, "identity.verify", entity="account", entity_id=aid, outcome="denied",
               reason="id number verified by another account", detail={"holder": holder_id})  # fmt: skip
    if holder_phone_enc:
        notify(sender, sec.keyring.decrypt(holder_phone_enc, "accounts.phone"), CLAIMED_NOTICE)
    raise Conflict(
        "该身份证号码已由其他账户完成实名认证，不能重复认证。如非本人操作，请携带身份证件到住房保障窗口办理。"
    )


CLAIMED_NOTICE = (
    "【安居】有人尝试以您的身份证号码或手机号码在安居平台注册或实名认证，已被拒绝。"
    "如非本人操作，无须处理；如有疑问，请联系住房保障窗口。"
)


def notify(sender: SmsSender, phone: str, text: str) -> None:
    """Tell a person out of band; a sender that fails does not fail the request that caused it."""
    try:
        sender.send(phone, text)
    except Exception:
        log.warning("SMS notice not sent", exc_info=True)


def requires_verified(conn: Connection, account_id: int | None) -> bool:
    """Whether the account is a public one whose identity is not verified (pages use it for hints)."""
    if account_id is None:
        return False
    row = conn.execute(
        select(accounts.c.role, accounts.c.identity_verified_at, accounts.c.claimed_id_bidx).where(
            accounts.c.id == account_id
        )
    ).first()
    return bool(row and Role(row.role) in PUBLIC_ROLES and row.claimed_id_bidx and row.identity_verified_at is None)


UNVERIFIED = "请先完成实名认证（我的账户 → 实名认证）后再办理此项业务"
