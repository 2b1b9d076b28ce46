"""The applicant's side: drafts of an application (validated household, income, assets and housing)
and the supporting documents.

Every function takes a ``Connection`` (one transaction, opened by the caller with its audit row) and
the caller. Citizens see their own applications only; out-of-scope applications are "not found"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from anju import divisions
from anju.assistance import domain
from anju.assistance.catalogue import in_force
from anju.assistance.common import decision_step, member_conflict, own_application, scoped_application
from anju.assistance.consent import own_identity
from anju.assistance.tables import application_documents, application_members, applications
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.money import collect_fen
from anju.core.scope import Scope
from anju.security import Caller, Keyring, mask_id, person_name, resident_id

#: Uploads: the types and size the platform takes.
DOC_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
DOC_MAGIC = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
DOC_KINDS = ("身份证明", "户籍证明", "收入证明", "住房证明", "就业证明", "人才证明", "其他")
DOC_MAX_BYTES = 5 * 1024 * 1024
DOCS_PER_APPLICATION = 20

#: Sanity limits on declared figures (yuan): beyond them the figure is a typing error, not a fact.
MAX_ANNUAL_INCOME_YUAN = Decimal(100_000_000)
MAX_ASSETS_YUAN = Decimal(10_000_000_000)


# ----------------------------------------------------------------------------------------------- drafts


@dataclass(frozen=True)
class MemberIn:
    name: str
    id_number: str
    relation: str
    annual_income_yuan: str | int | Decimal
    assets_yuan: str | int | Decimal = 0
    local_hukou: bool = False
    hukou_years: int = 0
    social_insurance_months: int = 0
    employed: bool = False


@dataclass(frozen=True)
class ApplicationIn:
    programme_code: str
    street_code: str
    members: Sequence[MemberIn]
    housing_status: str = "rented"
    talent_tier: str | None = None
    industry: str | None = None
    employer: str | None = None
    phone: str | None = None


class _MemberRow(TypedDict):
    """A checked member's ``application_members`` columns (all but the application id), encrypted."""

    seq: int
    relation: str
    name_enc: bytes
    id_number_enc: bytes
    id_bidx: str
    birth_year: int
    annual_income_fen: int
    assets_fen: int
    local_hukou: bool
    hukou_years: int
    social_insurance_months: int
    employed: bool
    pending: int | None


class _ApplicationRow(TypedDict):
    """A checked application's own ``applications`` columns (its number, owner, status and times aside)."""

    programme_code: str
    edition_id: int
    district_code: str
    street_code: str
    household_size: int
    talent_tier: str | None
    industry: str | None
    employer: str | None
    housing_status: str
    contact_phone_enc: bytes | None


def _birth_year(id_number: str) -> int:
    return int(id_number[6:10])


def _validate(
    conn: Connection, kr: Keyring, cmd: ApplicationIn, on: date
) -> tuple[int, domain.Policy, list[_MemberRow], _ApplicationRow]:
    """Every field checked, every error collected (field + reason); nothing is written."""
    errors: list[FieldError] = []
    try:
        edition_id, policy = in_force(conn, cmd.programme_code, on)
    except ValidationError as e:
        raise ValidationError(e.message, e.errors) from None
    try:
        street = divisions.get(conn, cmd.street_code)
        if street.level != "street":
            errors.append(FieldError("street_code", "应为街道（镇）代码"))
    except NotFound:
        errors.append(FieldError("street_code", "没有这个街道"))
        street = None
    _check_household(cmd, policy, errors)
    phone_ok: str | None = None
    if cmd.phone:
        from anju.security import phone as check_phone

        try:
            phone_ok = check_phone(cmd.phone)
        except ValidationError as e:
            errors.extend(e.errors)
    seen: dict[str, int] = {}
    rows = [_member_row(kr, i, m, on, seen, errors) for i, m in enumerate(cmd.members)]
    if errors:
        raise ValidationError("申请信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    assert street is not None
    app: _ApplicationRow = {
        "programme_code": cmd.programme_code,
        "edition_id": edition_id,
        "district_code": street.parent_code or "",
        "street_code": street.code,
        "household_size": len(cmd.members),
        "talent_tier": cmd.talent_tier,
        "industry": cmd.industry,
        "employer": cmd.employer,
        "housing_status": cmd.housing_status,
        "contact_phone_enc": kr.encrypt(phone_ok, "applications.contact_phone") if phone_ok else None,
    }
    return edition_id, policy, rows, app


def _check_household(cmd: ApplicationIn, policy: domain.Policy, errors: list[FieldError]) -> None:
    """The application's own fields (members count, housing, talent tier, free texts)."""
    if not cmd.members:
        errors.append(FieldError("members", "至少一名家庭成员（申请人本人）"))
    if len(cmd.members) > 12:
        errors.append(FieldError("members", "家庭成员最多 12 人"))
    if cmd.housing_status not in domain.HOUSING_STATUSES:
        errors.append(FieldError("housing_status", f"应为 {'、'.join(domain.HOUSING_STATUSES)} 之一"))
    if cmd.talent_tier is not None and cmd.talent_tier not in domain.TIERS:
        errors.append(FieldError("talent_tier", "人才层次应为 A、B、C、D 之一"))
    if policy.talent_tiers and cmd.talent_tier is None:
        errors.append(FieldError("talent_tier", "人才安居项目须填写人才层次"))
    for fld, v, n in (("industry", cmd.industry, 40), ("employer", cmd.employer, 80)):
        if v is not None and len(v) > n:
            errors.append(FieldError(fld, f"最长 {n} 个字符"))


def _member_row(
    kr: Keyring, i: int, m: MemberIn, on: date, seen: dict[str, int], errors: list[FieldError]
) -> _MemberRow:
    """Member ``i`` checked (errors appended, ``seen`` ID numbers tracked) and its row, encrypted."""
    f = f"members[{i}]"
    try:
        name = person_name(m.name, f"{f}.name")
    except ValidationError as e:
        errors.extend(e.errors)
        name = ""
    try:
        idn = resident_id(m.id_number, f"{f}.id_number")
    except ValidationError as e:
        errors.extend(e.errors)
        idn = ""
    if idn and idn in seen:
        errors.append(FieldError(f"{f}.id_number", f"与第 {seen[idn] + 1} 名成员的身份证号码相同"))
    elif idn:
        seen[idn] = i
    if i == 0 and m.relation != "本人":
        errors.append(FieldError(f"{f}.relation", "第一名成员应为申请人本人"))
    elif i > 0 and m.relation not in domain.RELATIONS[1:]:
        errors.append(FieldError(f"{f}.relation", f"应为 {'、'.join(domain.RELATIONS[1:])} 之一"))
    income = collect_fen(m.annual_income_yuan, f"{f}.annual_income_yuan", errors, cap=MAX_ANNUAL_INCOME_YUAN) or 0
    assets = collect_fen(m.assets_yuan, f"{f}.assets_yuan", errors, cap=MAX_ASSETS_YUAN) or 0
    by = _birth_year(idn) if idn else 0
    age = on.year - by if idn else 0
    if not 0 <= m.hukou_years <= 120 or (idn and m.hukou_years > age):
        errors.append(FieldError(f"{f}.hukou_years", "户籍年限应在 0 至年龄之间"))
    if not 0 <= m.social_insurance_months <= 12 * 60 or (idn and m.social_insurance_months > max(age - 16, 0) * 12):
        errors.append(FieldError(f"{f}.social_insurance_months", "社保月数超出可能范围"))
    if idn and by > on.year:
        errors.append(FieldError(f"{f}.id_number", "出生日期晚于今天"))
    return {
        "seq": i,
        "relation": m.relation,
        "name_enc": kr.encrypt(name, "application_members.name") if name else b"",
        "id_number_enc": kr.encrypt(idn, "application_members.id_number") if idn else b"",
        "id_bidx": kr.blind_index(idn, "id_number") if idn else "",
        "birth_year": by,
        "annual_income_fen": income,
        "assets_fen": assets,
        "local_hukou": bool(m.local_hukou),
        "hukou_years": int(m.hukou_years) if m.local_hukou else 0,
        "social_insurance_months": int(m.social_insurance_months),
        "employed": bool(m.employed),
        "pending": None,
    }


def _app_no(conn: Connection, at: datetime) -> str:
    """The next number of the year: BZ + year + 7 digits (an index range read, not a count)."""
    year = clock.to_local(at).year
    prefix = f"BZ{year}"
    last = conn.execute(
        select(func.max(applications.c.app_no)).where(
            applications.c.app_no >= prefix, applications.c.app_no < f"BZ{year + 1}"
        )
    ).scalar_one()
    return f"{prefix}{(int(last[len(prefix) :]) if last else 0) + 1:07d}"


def as_applicant(conn: Connection, kr: Keyring, caller: Caller, cmd: ApplicationIn) -> ApplicationIn:
    """The household with "本人" set to the account's verified identity (number and name): an
    unverified account is refused (403), and so is a different number declared for 本人 (the field
    named). Another person applies from their own account."""
    own = own_identity(conn, kr, caller)
    if not cmd.members:
        return cmd
    first = cmd.members[0]
    declared = (first.id_number or "").strip().upper()
    if declared and declared != own.id_number:
        raise ValidationError.of(
            "members[0].id_number",
            f"申请人本人应为本账户实名认证的身份（{mask_id(own.id_number)}）；为他人申请，请由其本人登录申请",
        )
    return replace(cmd, members=[replace(first, id_number=own.id_number, name=own.name), *cmd.members[1:]])


def create_draft(conn: Connection, kr: Keyring, caller: Caller, cmd: ApplicationIn) -> int:
    """A new draft application of the caller (a citizen) — validated, not yet submitted. 本人 is the
    account's verified identity (:func:`as_applicant`)."""
    if caller.account_id is None:
        raise ValidationError.of("account", "须登录后申请")
    cmd = as_applicant(conn, kr, caller, cmd)
    now = clock.now()
    _, _, members, app = _validate(conn, kr, cmd, clock.today())
    app_id = None
    for _ in range(3):  # the number is a count: a concurrent draft may take it first
        try:
            with conn.begin_nested():
                app_id = conn.execute(
                    applications.insert()
                    .values(
                        **app,
                        app_no=_app_no(conn, now),
                        account_id=caller.account_id,
                        status=domain.AppStatus.draft.value,
                        created_at=now,
                        updated_at=now,
                        version=1,
                    )
                    .returning(applications.c.id)
                ).scalar_one()
            break
        except IntegrityError:
            continue
    if app_id is None:
        raise Conflict("申请编号分配冲突，请重试")
    conn.execute(application_members.insert(), [{**m, "application_id": app_id} for m in members])
    decision_step(conn, app_id, caller, "applicant", "create", None, domain.AppStatus.draft, None)
    return int(app_id)


def replace_draft(conn: Connection, kr: Keyring, caller: Caller, app_id: int, cmd: ApplicationIn) -> None:
    """Replace a draft's (or a returned application's) content wholesale."""
    row = own_application(conn, caller, app_id)
    if row.status not in (domain.AppStatus.draft, domain.AppStatus.returned):
        raise Conflict("只有草稿或退回补正的申请可以修改", [FieldError("status", row.status)])
    if cmd.programme_code != row.programme_code:
        raise ValidationError.of("programme_code", "不能更换保障项目，请撤回后重新申请")
    cmd = as_applicant(conn, kr, caller, cmd)
    _, _, members, app = _validate(conn, kr, cmd, clock.today())
    pending = 1 if row.status == domain.AppStatus.returned else None
    conn.execute(application_members.delete().where(application_members.c.application_id == app_id))
    try:
        with conn.begin_nested():
            conn.execute(
                application_members.insert(), [{**m, "application_id": app_id, "pending": pending} for m in members]
            )
    except IntegrityError:
        raise member_conflict(conn, [m["id_bidx"] for m in members], app_id) from None
    conn.execute(
        update(applications)
        .where(applications.c.id == app_id)
        .values(**app, eligible=None, eligibility=None, updated_at=clock.now(), version=applications.c.version + 1)
    )
    decision_step(conn, app_id, caller, "applicant", "amend", row.status, domain.AppStatus(row.status), None)


# -------------------------------------------------------------------------------------------- documents


def add_document(
    conn: Connection, caller: Caller, app_id: int, kind: str, filename: str, content_type: str, data: bytes
) -> int:
    """Attach a document to one's own draft or returned application: PDF, JPEG or PNG, ≤ 5 MB, and
    the bytes must really be of the declared type."""
    import hashlib

    row = own_application(conn, caller, app_id)
    if row.status not in (domain.AppStatus.draft, domain.AppStatus.returned):
        raise Conflict("只有草稿或退回补正的申请可以上传材料")
    if kind not in DOC_KINDS:
        raise ValidationError.of("kind", f"应为 {'、'.join(DOC_KINDS)} 之一")
    if content_type not in DOC_TYPES:
        raise ValidationError.of("file", "只接受 PDF、JPEG、PNG 文件")
    if len(data) > DOC_MAX_BYTES:
        raise ValidationError.of("file", f"文件超过 {DOC_MAX_BYTES // (1024 * 1024)} MB")
    if not data:
        raise ValidationError.of("file", "文件为空")
    if not data.startswith(DOC_MAGIC[content_type]):
        raise ValidationError.of("file", "文件内容与类型不符")
    name = re.sub(r"[\x00-\x1f/\\]", "_", filename or "file")[-120:]
    n = conn.execute(
        select(func.count()).select_from(application_documents).where(application_documents.c.application_id == app_id)
    ).scalar_one()
    if n >= DOCS_PER_APPLICATION:
        raise ValidationError.of("file", f"每份申请最多 {DOCS_PER_APPLICATION} 份材料")
    doc_id = conn.execute(
        application_documents.insert()
        .values(
            application_id=app_id,
            kind=kind,
            filename=name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content=data,
            uploaded_at=clock.now(),
        )
        .returning(application_documents.c.id)
    ).scalar_one()
    return int(doc_id)


def get_document(conn: Connection, app_id: int, doc_id: int, *, scope: Scope) -> tuple[str, str, bytes]:
    scoped_application(conn, scope, app_id)
    r = conn.execute(
        select(application_documents).where(
            application_documents.c.id == doc_id, application_documents.c.application_id == app_id
        )
    ).first()
    if r is None:
        raise NotFound(f"材料 {doc_id} 不存在")
    return r.filename, r.content_type, bytes(r.content)
