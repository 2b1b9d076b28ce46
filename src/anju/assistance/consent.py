"""Whose facts an eligibility check may use (issue 17, finding 2).

The self-check used to consult the register — homes owned, current benefits, credit events — for
any ID number a citizen typed into a draft, and showed the figures: an oracle on other people's
property and benefits. Now:

* the applicant ("本人") is the account's own **verified** identity (:func:`own_identity`): an
  unverified account cannot draft, check or submit, and a different number for 本人 is refused;
* another **adult** member's register facts are used only after that member consents from their own
  verified account (:func:`confirm`, ``member_consents``); minors need no consent (the guardian
  applies for them); without consent, the rules that need those facts are pending and the register
  is not read for that member at all (:func:`usable_members`);
* submission needs every adult member's consent (:func:`require_consents`);
* self-checks are throttled per account (:func:`throttle_self_check`) and an account naming many
  distinct people is flagged to the audit (:func:`note_named`).

What the applicant is shown of a check (pass / fail / pending, no figures) is
:mod:`anju.assistance.disclosure`'s business; staff review sees the full explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypedDict

from sqlalchemy import Connection, and_, func, select, update
from sqlalchemy.exc import IntegrityError

from anju.assistance import domain
from anju.assistance.common import own_application
from anju.assistance.eligibility import check
from anju.assistance.tables import application_members, applications, member_consents, named_members, programme_editions
from anju.core import clock
from anju.core.db import UnitOfWork
from anju.core.errors import Conflict, FieldError, Forbidden, NotFound, TooManyRequests, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.settings import Settings
from anju.security import Caller, Keyring, accounts, audit_log, mask_id, mask_name, record, record_now

#: The refusal of an account whose identity is not verified (the page /me/identity does it).
VERIFY_FIRST = "请先完成实名认证（我的账户 → 实名认证，/me/identity）：申请人本人即本账户经实名认证的身份"

ADULT_AGE = 18

#: Statuses in which a member's consent may still be given or withdrawn (before the review uses it).
OPEN = frozenset({domain.AppStatus.draft, domain.AppStatus.returned})
#: Statuses in which a request for consent is listed to the member.
LISTED = (
    domain.AppStatus.draft,
    domain.AppStatus.returned,
    domain.AppStatus.submitted,
    domain.AppStatus.notice,
    domain.AppStatus.approved,
)


# --------------------------------------------------------------------------------- the applicant


@dataclass(frozen=True)
class OwnIdentity:
    """The account's verified identity (``accounts.id_number_*``, set only by the real-name check)."""

    id_number: str
    name: str
    bidx: str


def own_identity(conn: Connection, kr: Keyring, caller: Caller) -> OwnIdentity:
    """The caller's verified identity, or 403 telling them to verify first."""
    if caller.account_id is None:
        raise Forbidden("请先登录")
    row = conn.execute(
        select(accounts.c.id_number_enc, accounts.c.id_number_bidx, accounts.c.name_enc).where(
            accounts.c.id == caller.account_id
        )
    ).first()
    if row is None or row.id_number_enc is None or row.id_number_bidx is None:
        raise Forbidden(VERIFY_FIRST, [FieldError("account", "尚未完成实名认证")])
    return OwnIdentity(
        kr.decrypt(row.id_number_enc, "accounts.id_number"),
        kr.decrypt(row.name_enc, "accounts.name"),
        str(row.id_number_bidx),
    )


def birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def is_adult(id_number: str, on: date) -> bool:
    """18 or older on ``on``, by the birth date in the resident ID number."""
    born = birth_date(id_number)
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return age >= ADULT_AGE


# ------------------------------------------------------------------------------ members' consent

#: self: the applicant (the account's own identity); minor: no consent needed (the guardian applies);
#: given: the member consented from their own verified account; missing: not (yet).
ConsentState = Literal["self", "minor", "given", "missing"]
CONSENT_LABELS = {"self": "申请人本人", "minor": "未成年人（无须授权）", "given": "已授权", "missing": "待本人授权"}


class MemberConsent(TypedDict):
    """A member of an application and where their consent stands (masked values only)."""

    seq: int
    relation: str
    name: str
    id_number: str
    adult: bool
    consent: ConsentState
    consent_label: str


@dataclass(frozen=True)
class _Member:
    seq: int
    bidx: str
    view: MemberConsent


def _members(conn: Connection, kr: Keyring, app_id: int, own_bidx: str | None, on: date) -> list[_Member]:
    given = set(
        conn.execute(
            select(member_consents.c.member_bidx).where(
                member_consents.c.application_id == app_id, member_consents.c.withdrawn_at.is_(None)
            )
        ).scalars()
    )
    out = []
    for m in conn.execute(
        select(application_members)
        .where(application_members.c.application_id == app_id)
        .order_by(application_members.c.seq)
    ):
        idn = kr.decrypt(m.id_number_enc, "application_members.id_number")
        adult = is_adult(idn, on)
        state: ConsentState = (
            "self" if m.id_bidx == own_bidx else "given" if m.id_bidx in given else "missing" if adult else "minor"
        )
        view: MemberConsent = {
            "seq": m.seq,
            "relation": m.relation,
            "name": mask_name(kr.decrypt(m.name_enc, "application_members.name")),
            "id_number": mask_id(idn),
            "adult": adult,
            "consent": state,
            "consent_label": CONSENT_LABELS[state],
        }
        out.append(_Member(m.seq, m.id_bidx, view))
    return out


def _owner_bidx(conn: Connection, app_id: int) -> str | None:
    """The verified identity of the application's account (None: none, or not verified)."""
    got = conn.execute(
        select(accounts.c.id_number_bidx)
        .select_from(applications.join(accounts, accounts.c.id == applications.c.account_id))
        .where(applications.c.id == app_id)
    ).scalar()
    return None if got is None else str(got)


def household_consents(conn: Connection, kr: Keyring, app_id: int, on: date | None = None) -> list[MemberConsent]:
    """Every member of the application with their consent state (for the applicant's and staff pages)."""
    return [m.view for m in _members(conn, kr, app_id, _owner_bidx(conn, app_id), on or clock.today())]


def usable_members(conn: Connection, kr: Keyring, app_id: int, own: OwnIdentity, on: date) -> set[str]:
    """The members whose register facts the applicant's self-check may consult: the applicant
    themselves, minors, and adults who consented. Nobody else's facts are read."""
    return {m.bidx for m in _members(conn, kr, app_id, own.bidx, on) if m.view["consent"] != "missing"}


def require_consents(conn: Connection, kr: Keyring, caller: Caller, app_id: int) -> None:
    """Submission: the applicant is the account's verified identity and every other adult member has
    consented; else 422 naming each member (masked) and nothing changes."""
    own = own_identity(conn, kr, caller)
    members = _members(conn, kr, app_id, own.bidx, clock.today())
    errors = []
    if not any(m.view["consent"] == "self" for m in members):
        errors.append(FieldError("members[0].id_number", "申请人本人应为本账户经实名认证的身份，请修改后再提交"))
    for m in members:
        if m.view["consent"] == "missing":
            v = m.view
            errors.append(
                FieldError(
                    f"members[{m.seq}]",
                    f"{v['relation']} {v['name']}（{v['id_number']}）尚未在其本人账户确认授权（我的授权）",
                )
            )
    if errors:
        raise ValidationError(
            "家庭成员尚未全部授权，不能提交：成年家庭成员须登录本人账户（完成实名认证），在“我的授权”中确认同意"
            "本申请使用其住房、保障、信用及户籍、社保、救助、公积金信息；" + "；".join(e.reason for e in errors[:5]),
            errors,
        )


class ConsentRequest(TypedDict):
    """An application that names the caller as a household member (for the member's own list)."""

    application_id: int
    app_no: str
    programme_name: str
    applicant: str  # masked
    relation: str
    status: str
    status_label: str
    consented: bool
    consented_at: datetime | None
    can_change: bool


def consent_request(conn: Connection, kr: Keyring, caller: Caller, app_id: int) -> ConsentRequest:
    """One application naming the caller as a member (404 otherwise), for the confirmation page."""
    got = consent_requests(conn, kr, caller, limit=1, offset=0, app_id=app_id)
    if not got.items:
        raise NotFound(f"没有需要您授权的申请 {app_id}")
    return got.items[0]


def consent_requests(
    conn: Connection, kr: Keyring, caller: Caller, *, limit: int, offset: int, app_id: int | None = None
) -> Page[ConsentRequest]:
    """The applications (draft to approved) that name the caller's verified identity as a member of
    someone else's household, newest first, with the caller's consent for each."""
    me = own_identity(conn, kr, caller)
    mine = application_members.alias("mine")
    head = application_members.alias("head")
    conds = [
        mine.c.id_bidx == me.bidx,
        applications.c.status.in_([s.value for s in LISTED]),
        applications.c.account_id.is_distinct_from(caller.account_id),
    ]
    if app_id is not None:
        conds.append(applications.c.id == app_id)
    q = (
        select(
            applications.c.id,
            applications.c.app_no,
            applications.c.status,
            programme_editions.c.name.label("programme_name"),
            mine.c.relation,
            head.c.name_enc,
            member_consents.c.consented_at,
            member_consents.c.withdrawn_at,
        )
        .select_from(
            applications.join(mine, mine.c.application_id == applications.c.id)
            .join(head, and_(head.c.application_id == applications.c.id, head.c.seq == 0))
            .join(programme_editions, programme_editions.c.id == applications.c.edition_id)
            .outerjoin(
                member_consents,
                and_(member_consents.c.application_id == applications.c.id, member_consents.c.member_bidx == me.bidx),
            )
        )
        .where(*conds)
        .order_by(applications.c.id.desc())
    )

    def row(r: Any) -> ConsentRequest:
        consented = r.consented_at is not None and r.withdrawn_at is None
        status = str(r.status)
        return {
            "application_id": int(r.id),
            "app_no": str(r.app_no),
            "programme_name": str(r.programme_name),
            "applicant": mask_name(kr.decrypt(r.name_enc, "application_members.name")),
            "relation": str(r.relation),
            "status": status,
            "status_label": domain.STATUS_LABELS[domain.AppStatus(status)],
            "consented": consented,
            "consented_at": r.consented_at if consented else None,
            "can_change": status in OPEN,
        }

    count = (
        select(applications.c.id)
        .select_from(applications.join(mine, mine.c.application_id == applications.c.id))
        .where(*conds)
    )
    return fetch_page(conn, q, limit=limit, offset=offset, row=row, count_stmt=count)


def _named_in(conn: Connection, kr: Keyring, caller: Caller, app_id: int) -> tuple[OwnIdentity, str]:
    """The caller's identity and the application's status, if it names the caller as another's member."""
    me = own_identity(conn, kr, caller)
    row = conn.execute(
        select(applications.c.status, applications.c.account_id)
        .select_from(applications.join(application_members, application_members.c.application_id == applications.c.id))
        .where(applications.c.id == app_id, application_members.c.id_bidx == me.bidx)
    ).first()
    if row is None or row.account_id == caller.account_id or row.status not in [s.value for s in LISTED]:
        raise NotFound(f"没有需要您授权的申请 {app_id}")
    return me, str(row.status)


def confirm(conn: Connection, kr: Keyring, caller: Caller, app_id: int) -> None:
    """The caller, named as a member of application ``app_id``, consents to the use of their register
    and benefit facts (homes owned, benefits, credit) for this application only."""
    me, status = _named_in(conn, kr, caller, app_id)
    if status not in OPEN:
        raise Conflict("申请已提交审核，授权不能再更改")
    now = clock.now()
    done = conn.execute(
        update(member_consents)
        .where(member_consents.c.application_id == app_id, member_consents.c.member_bidx == me.bidx)
        .values(account_id=caller.account_id, consented_at=now, withdrawn_at=None)
    )
    if done.rowcount == 0:
        conn.execute(
            member_consents.insert().values(
                application_id=app_id, member_bidx=me.bidx, account_id=caller.account_id, consented_at=now
            )
        )


def withdraw(conn: Connection, kr: Keyring, caller: Caller, app_id: int) -> None:
    """The member takes their consent back (while the application is a draft or returned)."""
    me, status = _named_in(conn, kr, caller, app_id)
    if status not in OPEN:
        raise Conflict("申请已提交审核，授权不能再撤回；如有异议，请联系申请人撤回申请或到住房保障窗口办理")
    done = conn.execute(
        update(member_consents)
        .where(
            member_consents.c.application_id == app_id,
            member_consents.c.member_bidx == me.bidx,
            member_consents.c.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=clock.now())
    )
    if done.rowcount == 0:
        raise Conflict("您尚未授权此申请")


# ------------------------------------------------------------------------------------- self-check


def self_check(conn: Connection, kr: Keyring, caller: Caller, app_id: int) -> domain.Eligibility:
    """The applicant's eligibility check of their own application: register facts of the applicant,
    minors and consenting members only (the others' rules pending). Keeps the explanation."""
    own_application(conn, caller, app_id)
    own = own_identity(conn, kr, caller)
    return check(conn, caller, app_id, usable_members(conn, kr, app_id, own, clock.today()))


def throttle_self_check(uow: UnitOfWork, settings: Settings, caller: Caller, app_id: int) -> None:
    """At most ``assistance_self_checks_per_hour`` checks an hour per account (counted from the audit
    log); beyond: audited ``assistance.check.throttled`` in a transaction of its own, then 429."""
    most = settings.assistance_self_checks_per_hour
    with uow.read() as conn:
        done = conn.execute(
            select(func.count()).where(
                audit_log.c.actor_id == caller.account_id,
                audit_log.c.action == "assistance.check",
                audit_log.c.at > clock.now() - timedelta(hours=1),
            )
        ).scalar_one()
    if done >= most:
        record_now(uow.engine, caller, "assistance.check.throttled", entity="application", entity_id=app_id,
                   outcome="denied", reason=f"{done} self-checks in the last hour", detail={"limit": most})  # fmt: skip
        err = TooManyRequests(f"资格自检过于频繁：每小时最多 {most} 次，请稍后再试")
        err.audited = True
        raise err


def note_named(conn: Connection, settings: Settings, caller: Caller, app_id: int) -> None:
    """Remember which distinct ID numbers the caller named as members (not the applicant); an account
    that has named more than ``assistance_suspicious_members`` within ``assistance_suspicious_days`` is
    flagged to the audit (``assistance.check.suspicious``), once per window. Runs in the draft's
    transaction."""
    if caller.account_id is None:
        return
    aid = caller.account_id
    bidxs = set(
        conn.execute(
            select(application_members.c.id_bidx).where(
                application_members.c.application_id == app_id, application_members.c.seq > 0
            )
        ).scalars()
    )
    if not bidxs:
        return
    now = clock.now()
    known = set(
        conn.execute(
            select(named_members.c.member_bidx).where(
                named_members.c.account_id == aid, named_members.c.member_bidx.in_(sorted(bidxs))
            )
        ).scalars()
    )
    new = sorted(bidxs - known)
    if not new:
        return
    try:
        with conn.begin_nested():
            conn.execute(
                named_members.insert(), [{"account_id": aid, "member_bidx": b, "first_named_at": now} for b in new]
            )
    except IntegrityError:  # a concurrent draft of the same account named them first
        return
    since = now - timedelta(days=settings.assistance_suspicious_days)
    named = conn.execute(
        select(func.count()).where(named_members.c.account_id == aid, named_members.c.first_named_at > since)
    ).scalar_one()
    if named <= settings.assistance_suspicious_members:
        return
    flagged = conn.execute(
        select(audit_log.c.id)
        .where(
            audit_log.c.action == "assistance.check.suspicious",
            audit_log.c.entity == "account",
            audit_log.c.entity_id == str(aid),
            audit_log.c.at > since,
        )
        .limit(1)
    ).first()
    if flagged is None:
        record(conn, caller, "assistance.check.suspicious", entity="account", entity_id=aid,
               reason=f"named {named} distinct members in {settings.assistance_suspicious_days} days",
               detail={"named": named, "days": settings.assistance_suspicious_days,
                       "limit": settings.assistance_suspicious_members})  # fmt: skip
