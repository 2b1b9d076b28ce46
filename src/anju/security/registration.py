"""Self-registration of citizens and landlords, with one answer whether or not an account was opened.

A registration whose username or identity number already has an account is not refused to the caller:
the page and the API give it the same status and text as a registration that opened an account, after
the same argon2 work, so an anonymous caller cannot learn which usernames or identity numbers have
accounts. The attempt is written to the audit under the existing account (entity ``account``, its
division as scope, so that district's auditor sees it). When the number or the phone was taken by a
verified account, its holder is told by SMS (:data:`anju.security.realname.CLAIMED_NOTICE`).

A registration opens an unverified account: its identity number is a claim that grants nothing until
the real-name check (:mod:`anju.security.realname`). Only a verified number or a confirmed phone
makes a registration "taken"; a number merely declared by another account does not, so nobody can
keep a person out by registering their number first. Input that fails validation is still refused
naming the field: that depends on the input alone, never on other accounts.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from anju.core.db import UnitOfWork
from anju.core.scope import Scope
from anju.security import users
from anju.security.audit import record_now
from anju.security.callers import Caller, Security
from anju.security.realname import CLAIMED_NOTICE, SmsSender, notify
from anju.security.tables import accounts

#: The one answer to a well-formed registration, whether it opened an account or not.
ANSWER = (
    "注册申请已受理。如该用户名未被使用，且证件号码和手机号码未被其他账户实名认证，账户已开通，"
    "请用所设用户名和密码登录，并在“我的账户 → 实名认证”中完成实名认证；"
    "如无法登录，说明该用户名已被使用或该证件号码已有实名账户，请换用其他用户名重新注册，或使用原有账户登录。"
)


def register(
    uow: UnitOfWork,
    sec: Security,
    cmd: users.NewAccount,
    ip: str | None,
    request_id: str | None,
    sender: SmsSender | None = None,
) -> None:
    """Open the account; when its username or identity number is taken, record the attempt and return
    all the same. Raises only for input that is bad in itself (a ``ValidationError`` naming the field)."""
    # Self-registration acts for the newcomer, whoever else may be signed in on this browser.
    newcomer = Caller.anonymous(ip, request_id)
    try:
        with uow.begin() as conn:
            users.create_account(conn, sec, cmd, newcomer)
    except users.Taken as e:
        sec.hasher.hash(cmd.password)  # the work a creation does: the time tells nothing either
        scoped = Caller(
            None, "anonymous", None, None, Scope("none", e.division_code or ""), ip=ip, request_id=request_id
        )
        record_now(
            uow.engine,
            scoped,
            "auth.register",
            entity="account",
            entity_id=e.account_id,
            outcome="denied",
            reason=f"{e.field} taken",
        )
        if sender is not None and e.field in ("id_number", "phone"):
            with uow.engine.connect() as conn:
                blob = conn.execute(select(accounts.c.phone_enc).where(accounts.c.id == e.account_id)).scalar()
            if blob:
                notify(sender, sec.keyring.decrypt(blob, "accounts.phone"), CLAIMED_NOTICE)
    except IntegrityError:  # a parallel registration took the username or number first
        record_now(uow.engine, newcomer, "auth.register", outcome="denied", reason="taken (concurrent)")
