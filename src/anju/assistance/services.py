"""Use cases of housing assistance: programmes, applications, the eligibility check, the review flow.

Every function takes a ``Connection`` (one transaction, opened by the caller with its audit row) and
the caller's scope. Citizens see their own applications only (``Scope.own``); reviewers see the
applications of the streets in their scope. Out-of-scope applications are "not found".

Draws, allocation and tracking are in :mod:`anju.assistance.allocation`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from anju import divisions as div
from anju import ledger
from anju.assistance import domain as d
from anju.assistance.tables import (
    application_documents,
    application_members,
    application_steps,
    applications,
    benefits,
    objections,
    programme_editions,
)
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.scope import Scope
from anju.credit import effective_events
from anju.registry import owned_area
from anju.security import Caller, Keyring, Role, mask_id, mask_name, person_name, resident_id

LOG = "assistance"

#: The review level each staff role acts at.
ROLE_LEVEL = {Role.street_clerk: "street", Role.district_officer: "district", Role.city_officer: "city"}

#: Uploads: the types and size the platform takes.
DOC_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
DOC_MAGIC = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
DOC_KINDS = ("身份证明", "户籍证明", "收入证明", "住房证明", "就业证明", "人才证明", "其他")
DOC_MAX_BYTES = 5 * 1024 * 1024
DOCS_PER_APPLICATION = 20

#: Sanity limits on declared figures (yuan): beyond them the figure is a typing error, not a fact.
MAX_ANNUAL_INCOME_YUAN = Decimal(100_000_000)
MAX_ASSETS_YUAN = Decimal(10_000_000_000)


# ------------------------------------------------------------------------------------------- programmes


def load_programmes(conn: Connection, policies: Iterable[d.Policy]) -> int:
    """Store editions not yet stored. An edition already stored must be identical: editions are
    immutable (decisions refer to them); a change is a new edition. Returns how many were added."""
    added = 0
    now = clock.now()
    for p in policies:
        row = conn.execute(
            select(programme_editions.c.digest).where(
                programme_editions.c.code == p.code, programme_editions.c.edition == p.edition
            )
        ).first()
        if row is not None:
            if row.digest != p.digest():
                raise Conflict(
                    f"{p.code} 第{p.edition}版已存在且内容不同：已生效的政策不能修改，请新增一个版本",
                    [FieldError(f"programme[{p.code}].edition", "已存在且内容不同")],
                )
            continue
        conn.execute(
            programme_editions.insert().values(
                code=p.code,
                edition=p.edition,
                kind=p.kind.value,
                name=p.name,
                effective_from=p.effective_from,
                effective_to=p.effective_to,
                policy=p.to_json(),
                digest=p.digest(),
                sample=p.sample,
                loaded_at=now,
            )
        )
        added += 1
    return added


def _policy_of(row: Any) -> d.Policy:
    return d.policy_from_dict(_policy_dict(json.loads(row.policy)))


def _policy_dict(raw: dict[str, Any]) -> dict[str, Any]:
    """The stored JSON (fen, ISO dates) back into policy_from_dict's input (yuan, dates)."""
    out: dict[str, Any] = {}
    back = {v: k for k, v in d._MONEY.items()}
    for k, v in raw.items():
        if k in back and v is not None:
            out[back[k]] = Decimal(v) / 100
        elif k in ("effective_from", "effective_to") and v is not None:
            out[k] = date.fromisoformat(v)
        elif k == "subsidy_by_tier":
            out["subsidy_yuan_by_tier"] = {t: Decimal(f) / 100 for t, f in v.items()}
        elif v is None:
            continue
        else:
            out[k] = v
    return out


def edition(conn: Connection, edition_id: int) -> d.Policy:
    row = conn.execute(select(programme_editions).where(programme_editions.c.id == edition_id)).first()
    if row is None:
        raise NotFound(f"政策版本 {edition_id} 不存在")
    return _policy_of(row)


def in_force(conn: Connection, code: str, on: date) -> tuple[int, d.Policy]:
    """The edition of programme ``code`` in force on ``on`` (the latest that started by then)."""
    rows = conn.execute(
        select(programme_editions)
        .where(programme_editions.c.code == code, programme_editions.c.effective_from <= on)
        .where(or_(programme_editions.c.effective_to.is_(None), programme_editions.c.effective_to > on))
        .order_by(programme_editions.c.effective_from.desc(), programme_editions.c.edition.desc())
    ).first()
    if rows is None:
        known = conn.execute(select(programme_editions.c.id).where(programme_editions.c.code == code)).first()
        reason = "当前没有生效的政策版本" if known else "没有这个保障项目"
        raise ValidationError.of("programme_code", reason)
    return int(rows.id), _policy_of(rows)


def list_programmes(conn: Connection, on: date | None = None) -> list[dict[str, Any]]:
    """Every programme with its editions; ``in_force`` marks the edition applying on ``on``."""
    on = on or clock.today()
    out: dict[str, dict[str, Any]] = {}
    for r in conn.execute(select(programme_editions).order_by(programme_editions.c.code, programme_editions.c.edition)):
        p = _policy_of(r)
        item = out.setdefault(
            r.code,
            {
                "code": r.code,
                "name": r.name,
                "kind": r.kind,
                "kind_label": d.KIND_LABELS[d.Kind(r.kind)],
                "editions": [],
            },
        )
        item["editions"].append(
            {
                "id": int(r.id),
                "edition": r.edition,
                "effective_from": r.effective_from,
                "effective_to": r.effective_to,
                "digest": r.digest,
                "sample": bool(r.sample),
                "in_force": p.in_force(on),
                "policy": json.loads(r.policy),
            }
        )
    return list(out.values())


# ------------------------------------------------------------------------------------------ applications


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


HOUSING_STATUSES = {"none": "无房", "rented": "租房", "owned": "自有住房", "assisted": "保障性住房", "other": "其他"}
TIERS = ("A", "B", "C", "D")


def _money(value: Any, fld: str, cap: Decimal, errors: list[FieldError]) -> int:
    try:
        v = Decimal(str(value))
    except InvalidOperation:
        errors.append(FieldError(fld, "不是数字"))
        return 0
    if not v.is_finite():
        errors.append(FieldError(fld, "不是有限的数字"))
        return 0
    if v < 0:
        errors.append(FieldError(fld, "不能为负数"))
        return 0
    if v > cap:
        errors.append(FieldError(fld, f"超过合理范围（≤ {cap:,} 元），请核对"))
        return 0
    fen = v * 100
    if fen != fen.to_integral_value():
        errors.append(FieldError(fld, "最多两位小数"))
        return 0
    return int(fen)


def _birth_year(id_number: str) -> int:
    return int(id_number[6:10])


def _validate(
    conn: Connection, kr: Keyring, cmd: ApplicationIn, on: date
) -> tuple[int, d.Policy, list[dict[str, Any]], dict[str, Any]]:
    """Every field checked, every error collected (field + reason); nothing is written."""
    errors: list[FieldError] = []
    try:
        edition_id, policy = in_force(conn, cmd.programme_code, on)
    except ValidationError as e:
        raise ValidationError(e.message, e.errors) from None
    try:
        street = div.get(conn, cmd.street_code)
        if street.level != "street":
            errors.append(FieldError("street_code", "应为街道（镇）代码"))
    except NotFound:
        errors.append(FieldError("street_code", "没有这个街道"))
        street = None
    if not cmd.members:
        errors.append(FieldError("members", "至少一名家庭成员（申请人本人）"))
    if len(cmd.members) > 12:
        errors.append(FieldError("members", "家庭成员最多 12 人"))
    if cmd.housing_status not in HOUSING_STATUSES:
        errors.append(FieldError("housing_status", f"应为 {'、'.join(HOUSING_STATUSES)} 之一"))
    if cmd.talent_tier is not None and cmd.talent_tier not in TIERS:
        errors.append(FieldError("talent_tier", "人才层次应为 A、B、C、D 之一"))
    if policy.talent_tiers and cmd.talent_tier is None:
        errors.append(FieldError("talent_tier", "人才安居项目须填写人才层次"))
    for fld, v, n in (("industry", cmd.industry, 40), ("employer", cmd.employer, 80)):
        if v is not None and len(v) > n:
            errors.append(FieldError(fld, f"最长 {n} 个字符"))
    phone_ok: str | None = None
    if cmd.phone:
        from anju.security import phone as check_phone

        try:
            phone_ok = check_phone(cmd.phone)
        except ValidationError as e:
            errors.extend(e.errors)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, m in enumerate(cmd.members):
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
        elif i > 0 and m.relation not in d.RELATIONS[1:]:
            errors.append(FieldError(f"{f}.relation", f"应为 {'、'.join(d.RELATIONS[1:])} 之一"))
        income = _money(m.annual_income_yuan, f"{f}.annual_income_yuan", MAX_ANNUAL_INCOME_YUAN, errors)
        assets = _money(m.assets_yuan, f"{f}.assets_yuan", MAX_ASSETS_YUAN, errors)
        by = _birth_year(idn) if idn else 0
        age = on.year - by if idn else 0
        if not 0 <= m.hukou_years <= 120 or (idn and m.hukou_years > age):
            errors.append(FieldError(f"{f}.hukou_years", "户籍年限应在 0 至年龄之间"))
        if not 0 <= m.social_insurance_months <= 12 * 60 or (idn and m.social_insurance_months > max(age - 16, 0) * 12):
            errors.append(FieldError(f"{f}.social_insurance_months", "社保月数超出可能范围"))
        if idn and by > on.year:
            errors.append(FieldError(f"{f}.id_number", "出生日期晚于今天"))
        rows.append(
            {
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
        )
    if errors:
        raise ValidationError("申请信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    assert street is not None
    app = {
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


def create_draft(conn: Connection, kr: Keyring, caller: Caller, cmd: ApplicationIn) -> int:
    """A new draft application of the caller (a citizen) — validated, not yet submitted."""
    if caller.account_id is None:
        raise ValidationError.of("account", "须登录后申请")
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
                        status=d.AppStatus.draft.value,
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
    _step(conn, app_id, caller, "applicant", "create", None, d.AppStatus.draft, None)
    return int(app_id)


def replace_draft(conn: Connection, kr: Keyring, caller: Caller, app_id: int, cmd: ApplicationIn) -> None:
    """Replace a draft's (or a returned application's) content wholesale."""
    row = _own(conn, caller, app_id)
    if row.status not in (d.AppStatus.draft, d.AppStatus.returned):
        raise Conflict("只有草稿或退回补正的申请可以修改", [FieldError("status", row.status)])
    if cmd.programme_code != row.programme_code:
        raise ValidationError.of("programme_code", "不能更换保障项目，请撤回后重新申请")
    _, _, members, app = _validate(conn, kr, cmd, clock.today())
    pending = 1 if row.status == d.AppStatus.returned else None
    conn.execute(application_members.delete().where(application_members.c.application_id == app_id))
    try:
        with conn.begin_nested():
            conn.execute(
                application_members.insert(), [{**m, "application_id": app_id, "pending": pending} for m in members]
            )
    except IntegrityError:
        raise _member_conflict(conn, [m["id_bidx"] for m in members], app_id) from None
    conn.execute(
        update(applications)
        .where(applications.c.id == app_id)
        .values(**app, eligible=None, eligibility=None, updated_at=clock.now(), version=applications.c.version + 1)
    )
    _step(conn, app_id, caller, "applicant", "amend", row.status, d.AppStatus(row.status), None)


def _own(conn: Connection, caller: Caller, app_id: int) -> Any:
    row = conn.execute(select(applications).where(applications.c.id == app_id)).first()
    if row is None or row.account_id is None or row.account_id != caller.account_id:
        raise NotFound(f"申请 {app_id} 不存在")
    return row


def _scoped(conn: Connection, scope: Scope, app_id: int) -> Any:
    row = conn.execute(select(applications).where(applications.c.id == app_id)).first()
    if row is None:
        raise NotFound(f"申请 {app_id} 不存在")
    if scope.level == "own":
        if row.account_id != scope.account_id:
            raise NotFound(f"申请 {app_id} 不存在")
    else:
        scope.require(row.street_code, f"申请 {app_id} 不存在")
    return row


def _member_conflict(conn: Connection, bidxs: Sequence[str], app_id: int) -> Conflict:
    rows = conn.execute(
        select(application_members.c.seq, application_members.c.id_bidx).where(
            application_members.c.application_id == app_id
        )
    ).all()
    clash = conn.execute(
        select(application_members.c.id_bidx).where(
            application_members.c.id_bidx.in_(list(bidxs)),
            application_members.c.pending == 1,
            application_members.c.application_id != app_id,
        )
    ).scalars()
    taken = set(clash)
    seqs = [r.seq for r in rows if r.id_bidx in taken] or [i for i, b in enumerate(bidxs) if b in taken]
    errs = [FieldError(f"members[{s}].id_number", "已是另一份在办申请的家庭成员") for s in seqs] or [
        FieldError("members", "有成员已在另一份在办申请中")
    ]
    return Conflict("家庭成员已在另一份在办申请中，同一人不能同时参加两份申请", errs)


# ------------------------------------------------------------------------------------------- eligibility


def facts_for(conn: Connection, bidx_by_app: dict[int, list[str]], on: date) -> dict[int, d.Facts]:
    """The platform's own data about each application's members, gathered set-wise (no N+1):
    homes owned in the register, current benefits, effective credit events. A benefit granted by the
    application itself is not "another" benefit (re-checking an approved application must not fail
    on its own subsidy)."""
    all_bidx = sorted({b for bs in bidx_by_app.values() for b in bs})
    owned = owned_area(conn, all_bidx, on)  # bidx → (homes, area)
    supported: dict[str, set[tuple[str, int | None]]] = defaultdict(set)
    for chunk in _chunks(all_bidx, 5000):
        for b, prog, source in conn.execute(
            select(benefits.c.id_bidx, benefits.c.programme_code, benefits.c.application_id).where(
                benefits.c.id_bidx.in_(chunk),
                benefits.c.since <= on,
                or_(benefits.c.until.is_(None), benefits.c.until > on),
            )
        ):
            supported[b].add((prog, None if source is None else int(source)))
    credit = effective_events(conn, all_bidx, on)  # bidx → [(kind, severity)]
    out: dict[int, d.Facts] = {}
    for app_id, bs in bidx_by_app.items():
        homes = sum(owned.get(b, (0, Decimal(0)))[0] for b in bs)
        area = sum((owned.get(b, (0, Decimal(0)))[1] for b in bs), Decimal(0))
        out[app_id] = d.Facts(
            homes_owned=homes,
            area_owned=area,
            supported_by=tuple(sorted({p for b in bs for p, src in supported.get(b, ()) if src != app_id})),
            credit_events=tuple(sorted({e for b in bs for e in credit.get(b, ())})),
        )
    return out


def _chunks(seq: Sequence[str], n: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _households(conn: Connection, app_ids: Sequence[int]) -> dict[int, d.Household]:
    members: dict[int, list[d.Member]] = defaultdict(list)
    tiers: dict[int, str | None] = {}
    for chunk in _chunks(list(app_ids), 5000):  # type: ignore[arg-type]
        for r in conn.execute(
            select(applications.c.id, applications.c.talent_tier).where(applications.c.id.in_(chunk))
        ):
            tiers[int(r.id)] = r.talent_tier
        for m in conn.execute(
            select(application_members)
            .where(application_members.c.application_id.in_(chunk))
            .order_by(application_members.c.application_id, application_members.c.seq)
        ):
            members[int(m.application_id)].append(
                d.Member(
                    m.relation,
                    m.birth_year,
                    int(m.annual_income_fen),
                    int(m.assets_fen),
                    bool(m.local_hukou),
                    m.hukou_years,
                    m.social_insurance_months,
                    bool(m.employed),
                    m.id_bidx,
                )
            )
    return {a: d.Household(tuple(members[a]), tiers.get(a)) for a in app_ids if members.get(a)}


def check_many(conn: Connection, app_ids: Sequence[int], on: date, *, store: bool = True) -> dict[int, d.Eligibility]:
    """Evaluate many applications against the edition each refers to; set-wise reads, one bulk write."""
    eds: dict[int, int] = {}
    for chunk in _chunks(list(app_ids), 5000):  # type: ignore[arg-type]
        for r in conn.execute(select(applications.c.id, applications.c.edition_id).where(applications.c.id.in_(chunk))):
            eds[int(r.id)] = int(r.edition_id)
    policies = {e: edition(conn, e) for e in set(eds.values())}
    hh = _households(conn, list(eds))
    facts = facts_for(conn, {a: [m.id_bidx for m in h.members] for a, h in hh.items()}, on)
    out = {a: d.evaluate(policies[eds[a]], h, facts[a], on) for a, h in hh.items()}
    if store and out:
        now = clock.now()
        from sqlalchemy import bindparam

        conn.execute(
            update(applications)
            .where(applications.c.id == bindparam("b_id"))
            .values(
                eligible=bindparam("b_eligible"),
                eligibility=bindparam("b_eligibility"),
                priority_class=bindparam("b_priority"),
                checked_at=now,
            ),
            [
                {"b_id": a, "b_eligible": e.eligible, "b_eligibility": e.to_json(), "b_priority": e.priority_class}
                for a, e in out.items()
            ],
        )
    return out


def check(conn: Connection, caller: Caller, app_id: int) -> d.Eligibility:
    """Run the eligibility check on the caller's own application and keep its explanation."""
    _scoped(conn, caller.scope, app_id)
    return check_many(conn, [app_id], clock.today())[app_id]


def check_all(
    engine: Engine, programme: str | None = None, *, batch: int = 20_000, progress: Any = None
) -> dict[str, int]:
    """Re-check every submitted or approved application (e.g. after fresh data arrived), in batches,
    one transaction per batch. Returns counts."""
    on = clock.today()
    with engine.connect() as conn:
        q = select(applications.c.id).where(applications.c.status.in_([s.value for s in d.PENDING]))
        if programme:
            q = q.where(applications.c.programme_code == programme)
        ids = [int(x) for x in conn.execute(q.order_by(applications.c.id)).scalars()]
    done = eligible = 0
    for i in range(0, len(ids), batch):
        with engine.begin() as conn:
            res = check_many(conn, ids[i : i + batch], on)
        done += len(res)
        eligible += sum(1 for e in res.values() if e.eligible)
        if progress:
            progress(f"资格核验 {done}/{len(ids)}", done / max(len(ids), 1))
    return {"checked": done, "eligible": eligible, "ineligible": done - eligible}


# ------------------------------------------------------------------------------------------- the review


def _step(
    conn: Connection,
    app_id: int,
    caller: Caller,
    level: str,
    action: str,
    from_status: str | None,
    to_status: d.AppStatus,
    reason: str | None,
    *,
    log: bool = False,
) -> None:
    at = clock.now()
    idx = None
    if log:
        entry = json.dumps(
            {
                "type": "assistance.decision",
                "application": app_id,
                "action": action,
                "level": level,
                "to": to_status.value,
                # officers by account name; an applicant or a member of the public not by name: the log
                # is permanent and public-facing, personal data stays out of it
                "actor": level if level in ("applicant", "public") else caller.username,
                "at": at.isoformat(),
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        idx = ledger.append(conn, LOG, [entry])
    conn.execute(
        application_steps.insert().values(
            application_id=app_id,
            at=at,
            # an objector stays anonymous to the applicant (the audit log keeps who it was)
            actor="public" if level == "public" else caller.username[:64],
            level=level,
            action=action,
            from_status=from_status,
            to_status=to_status.value,
            reason=reason,
            ledger_index=idx,
        )
    )


def _set_pending(conn: Connection, app_id: int, pending: bool) -> None:
    try:
        with conn.begin_nested():
            conn.execute(
                update(application_members)
                .where(application_members.c.application_id == app_id)
                .values(pending=1 if pending else None)
            )
    except IntegrityError:
        bidxs = list(
            conn.execute(
                select(application_members.c.id_bidx).where(application_members.c.application_id == app_id)
            ).scalars()
        )
        raise _member_conflict(conn, bidxs, app_id) from None


def submit(conn: Connection, caller: Caller, app_id: int) -> d.Eligibility:
    """Submit a draft (or resubmit a returned application): the eligibility check must pass; the
    application goes to the first review level with its deadline. An ineligible application is
    refused with every failed rule named, and nothing changes."""
    row = _own(conn, caller, app_id)
    if row.status not in (d.AppStatus.draft, d.AppStatus.returned):
        raise Conflict(f"申请当前状态为 {d.STATUS_LABELS[d.AppStatus(row.status)]}，不能提交")
    docs = conn.execute(
        select(func.count()).select_from(application_documents).where(application_documents.c.application_id == app_id)
    ).scalar_one()
    if not docs:
        raise ValidationError.of("documents", "请至少上传一份证明材料（身份证明）")
    edition_id = int(row.edition_id)
    if row.status == d.AppStatus.draft:
        # a draft is not yet an application: it is judged by the edition in force when it is submitted
        # (a returned application keeps the edition it was first submitted under)
        edition_id, _ = in_force(conn, row.programme_code, clock.today())
        if edition_id != row.edition_id:
            conn.execute(update(applications).where(applications.c.id == app_id).values(edition_id=edition_id))
    result = check_many(conn, [app_id], clock.today(), store=False)[app_id]
    if not result.eligible:
        raise ValidationError(
            "不符合申请条件：" + "；".join(r.reason for r in result.failed),
            [FieldError(f"eligibility.{r.code}", r.reason) for r in result.failed],
        )
    policy = edition(conn, edition_id)
    _set_pending(conn, app_id, True)
    now = clock.now()
    first = policy.review_levels[0]
    conn.execute(
        update(applications)
        .where(applications.c.id == app_id)
        .values(
            status=d.AppStatus.submitted.value,
            level=first,
            due_at=now + timedelta(days=policy.review_days[first]),
            submitted_at=row.submitted_at or now,
            eligible=True,
            eligibility=result.to_json(),
            priority_class=result.priority_class,
            checked_at=now,
            updated_at=now,
            version=applications.c.version + 1,
        )
    )
    _step(conn, app_id, caller, "applicant", "submit", row.status, d.AppStatus.submitted, None, log=True)
    return result


def withdraw(conn: Connection, caller: Caller, app_id: int, reason: str | None = None) -> None:
    row = _own(conn, caller, app_id)
    if row.status not in (
        d.AppStatus.draft,
        d.AppStatus.submitted,
        d.AppStatus.returned,
        d.AppStatus.notice,
        d.AppStatus.approved,
    ):
        raise Conflict(f"申请当前状态为 {d.STATUS_LABELS[d.AppStatus(row.status)]}，不能撤回")
    _close(conn, app_id, d.AppStatus.withdrawn)
    # a subsidy or qualification already granted ends with the withdrawal
    conn.execute(
        update(benefits)
        .where(benefits.c.application_id == app_id, benefits.c.until.is_(None))
        .values(until=clock.today())
    )
    _step(
        conn,
        app_id,
        caller,
        "applicant",
        "withdraw",
        row.status,
        d.AppStatus.withdrawn,
        reason,
        log=row.status != "draft",
    )


def _close(conn: Connection, app_id: int, status: d.AppStatus) -> None:
    now = clock.now()
    conn.execute(
        update(applications)
        .where(applications.c.id == app_id)
        .values(
            status=status.value,
            level=None,
            due_at=None,
            closed_at=now,
            updated_at=now,
            version=applications.c.version + 1,
        )
    )
    conn.execute(update(application_members).where(application_members.c.application_id == app_id).values(pending=None))


@dataclass(frozen=True)
class Decision:
    action: str  # approve | return | reject
    reason: str | None = None
    version: int | None = None  # the version the reviewer saw (optimistic concurrency)


def review(conn: Connection, caller: Caller, app_id: int, dec: Decision) -> d.AppStatus:
    """A reviewer's decision at the application's current level: approve (to the next level, or to the
    public notice after the last), return for more information, or reject (a reason is required)."""
    row = _scoped(conn, caller.scope, app_id)
    level = ROLE_LEVEL.get(caller.role) if caller.role else None
    if dec.action not in ("approve", "return", "reject"):
        raise ValidationError.of("action", "应为 approve、return 或 reject")
    if dec.action in ("return", "reject") and not (dec.reason and dec.reason.strip()):
        raise ValidationError.of("reason", "退回或不予批准须说明理由")
    if dec.reason and len(dec.reason) > 500:
        raise ValidationError.of("reason", "最长 500 个字符")
    if row.status != d.AppStatus.submitted:
        raise Conflict(f"申请当前状态为 {d.STATUS_LABELS[d.AppStatus(row.status)]}，不在审核中")
    if level is None or level != row.level:
        want = d.LEVEL_LABELS.get(row.level or "", "?")
        raise Conflict(f"该申请正处于{want}级审核，您不能在此环节作出决定", [FieldError("level", row.level or "")])
    if dec.version is not None and dec.version != row.version:
        raise Conflict("申请已被他人处理，请刷新后再试", [FieldError("version", "已过期")])
    policy = edition(conn, row.edition_id)
    now = clock.now()
    values: dict[str, Any] = {"updated_at": now, "version": row.version + 1}
    if dec.action == "approve":
        levels = list(policy.review_levels)
        i = levels.index(level)
        if i + 1 < len(levels):
            nxt = levels[i + 1]
            to = d.AppStatus.submitted
            values |= {"level": nxt, "due_at": now + timedelta(days=policy.review_days[nxt])}
        else:
            to = d.AppStatus.notice
            values |= {"level": None, "due_at": None, "notice_until": now + timedelta(days=policy.notice_days)}
        res = conn.execute(
            update(applications)
            .where(applications.c.id == app_id, applications.c.version == row.version)
            .values(status=to.value, **values)
        )
        if res.rowcount != 1:
            raise Conflict("申请已被他人处理，请刷新后再试")
    elif dec.action == "return":
        to = d.AppStatus.returned
        res = conn.execute(
            update(applications)
            .where(applications.c.id == app_id, applications.c.version == row.version)
            .values(status=to.value, level=None, due_at=None, **values)
        )
        if res.rowcount != 1:
            raise Conflict("申请已被他人处理，请刷新后再试")
    else:
        to = d.AppStatus.rejected
        _close(conn, app_id, to)
        conn.execute(update(applications).where(applications.c.id == app_id).values(decided_at=now))
    _step(conn, app_id, caller, level, dec.action, row.status, to, dec.reason, log=True)
    return to


def object_to(conn: Connection, caller: Caller, app_id: int, text: str) -> int:
    """An objection during the public notice (any signed-in person)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError.of("text", "请填写异议内容")
    if len(text) > 2000:
        raise ValidationError.of("text", "最长 2000 个字符")
    row = conn.execute(
        select(applications.c.status, applications.c.notice_until).where(applications.c.id == app_id)
    ).first()
    if row is None or row.status != d.AppStatus.notice:
        raise NotFound(f"公示中没有申请 {app_id}")
    oid = conn.execute(
        objections.insert()
        .values(application_id=app_id, text=text, submitted_at=clock.now(), status="open")
        .returning(objections.c.id)
    ).scalar_one()
    _step(conn, app_id, caller, "public", "objection", row.status, d.AppStatus.notice, None)
    return int(oid)


def resolve_objection(conn: Connection, caller: Caller, objection_id: int, upheld: bool, resolution: str) -> None:
    """A district or city officer resolves an objection; an upheld one rejects the application."""
    if not resolution or not resolution.strip():
        raise ValidationError.of("resolution", "请填写核查结论")
    if caller.role not in (Role.district_officer, Role.city_officer):
        raise Conflict("异议由区或市住房部门核查")
    o = conn.execute(select(objections).where(objections.c.id == objection_id)).first()
    if o is None:
        raise NotFound(f"异议 {objection_id} 不存在")
    row = _scoped(conn, caller.scope, o.application_id)
    if o.status != "open":
        raise Conflict("该异议已处理")
    conn.execute(
        update(objections)
        .where(objections.c.id == objection_id)
        .values(
            status="upheld" if upheld else "dismissed",
            resolution=resolution,
            resolved_by=caller.username,
            resolved_at=clock.now(),
        )
    )
    level = ROLE_LEVEL[caller.role]
    if upheld and row.status == d.AppStatus.notice:
        _close(conn, row.id, d.AppStatus.rejected)
        conn.execute(update(applications).where(applications.c.id == row.id).values(decided_at=clock.now()))
        _step(conn, row.id, caller, level, "objection_upheld", row.status, d.AppStatus.rejected, resolution, log=True)
    else:
        _step(conn, row.id, caller, level, "objection_dismissed", row.status, d.AppStatus(row.status), resolution)


def finalise_notices(conn: Connection, caller: Caller, now: datetime | None = None) -> list[int]:
    """Applications whose notice period ended without an open objection become approved (the final
    decision, logged); subsidies and purchase qualifications start at once."""
    now = now or clock.now()
    open_obj = select(objections.c.id).where(
        objections.c.application_id == applications.c.id, objections.c.status == "open"
    )
    rows = conn.execute(
        select(applications.c.id, applications.c.edition_id, applications.c.household_size, applications.c.talent_tier)
        .where(applications.c.status == d.AppStatus.notice, applications.c.notice_until <= now)
        .where(~open_obj.exists())
        .where(*caller.scope.where(applications.c.street_code))
    ).all()
    done = []
    today = clock.to_local(now).date()
    for r in rows:
        policy = edition(conn, r.edition_id)
        conn.execute(
            update(applications)
            .where(applications.c.id == r.id)
            .values(
                status=d.AppStatus.approved.value, decided_at=now, updated_at=now, version=applications.c.version + 1
            )
        )
        if policy.benefit != d.Benefit.home:
            start_benefit(conn, r.id, policy, today)
        _step(conn, r.id, caller, "system", "approve_final", d.AppStatus.notice, d.AppStatus.approved, None, log=True)
        done.append(int(r.id))
    return done


def start_benefit(conn: Connection, app_id: int, policy: d.Policy, since: date) -> None:
    """Record every member as supported by the programme (the "already supported" rule reads it)."""
    bidxs = conn.execute(
        select(application_members.c.id_bidx).where(application_members.c.application_id == app_id)
    ).scalars()
    conn.execute(
        benefits.insert(),
        [
            {
                "id_bidx": b,
                "application_id": app_id,
                "programme_code": policy.code,
                "kind": policy.benefit.value,
                "since": since,
                "until": None,
            }
            for b in bidxs
        ],
    )


# --------------------------------------------------------------------------------------------- documents


def add_document(
    conn: Connection, caller: Caller, app_id: int, kind: str, filename: str, content_type: str, data: bytes
) -> int:
    """Attach a document to one's own draft or returned application: PDF, JPEG or PNG, ≤ 5 MB, and
    the bytes must really be of the declared type."""
    import hashlib

    row = _own(conn, caller, app_id)
    if row.status not in (d.AppStatus.draft, d.AppStatus.returned):
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


def get_document(conn: Connection, scope: Scope, app_id: int, doc_id: int) -> tuple[str, str, bytes]:
    _scoped(conn, scope, app_id)
    r = conn.execute(
        select(application_documents).where(
            application_documents.c.id == doc_id, application_documents.c.application_id == app_id
        )
    ).first()
    if r is None:
        raise NotFound(f"材料 {doc_id} 不存在")
    return r.filename, r.content_type, bytes(r.content)


# ---------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class AppFilter:
    status: str | None = None
    programme: str | None = None
    level: str | None = None
    overdue: bool = False
    street: str | None = None
    app_no: str | None = None


def _summary(r: Any) -> dict[str, Any]:
    return {
        "id": int(r.id),
        "app_no": r.app_no,
        "programme_code": r.programme_code,
        "programme_name": getattr(r, "programme_name", None),
        "status": r.status,
        "status_label": d.STATUS_LABELS[d.AppStatus(r.status)],
        "level": r.level,
        "due_at": r.due_at,
        "priority_class": r.priority_class,
        "household_size": r.household_size,
        "talent_tier": r.talent_tier,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "eligible": r.eligible,
        "submitted_at": r.submitted_at,
        "notice_until": r.notice_until,
        "decided_at": r.decided_at,
        "updated_at": r.updated_at,
        "version": r.version,
    }


def list_applications(
    conn: Connection, f: AppFilter, *, scope: Scope, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    conds: list[Any] = []
    if scope.level == "own":
        conds.append(applications.c.account_id == scope.account_id)
    else:
        conds.extend(scope.where(applications.c.street_code))
    if f.status:
        conds.append(applications.c.status == f.status)
    if f.programme:
        conds.append(applications.c.programme_code == f.programme)
    if f.level:
        conds.append(applications.c.level == f.level)
    if f.street:
        conds.append(applications.c.street_code == f.street)
    if f.app_no:
        conds.append(applications.c.app_no == f.app_no)
    if f.overdue:
        conds.append(applications.c.due_at < clock.now())
    where = and_(*conds) if conds else None
    q = select(applications, programme_editions.c.name.label("programme_name")).join(
        programme_editions, programme_editions.c.id == applications.c.edition_id
    )
    c = select(func.count()).select_from(applications)
    if where is not None:
        q, c = q.where(where), c.where(where)
    total = conn.execute(c).scalar_one()
    rows = conn.execute(
        q.order_by(applications.c.due_at.is_(None), applications.c.due_at, applications.c.id)
        .limit(limit)
        .offset(offset)
    )
    return int(total), [_summary(r) for r in rows]


def get_application(conn: Connection, kr: Keyring, scope: Scope, app_id: int) -> dict[str, Any]:
    """One application with masked members, documents (metadata), every step and the explanation."""
    r = _scoped(conn, scope, app_id)
    out = _summary(r)
    out["programme_name"] = conn.execute(
        select(programme_editions.c.name).where(programme_editions.c.id == r.edition_id)
    ).scalar_one()
    classes = {p.code: p.name for p in edition(conn, r.edition_id).priority} | {"general": "一般家庭"}
    out["priority_name"] = classes.get(r.priority_class, r.priority_class) if r.priority_class else None
    members = []
    for m in conn.execute(
        select(application_members)
        .where(application_members.c.application_id == app_id)
        .order_by(application_members.c.seq)
    ):
        members.append(
            {
                "seq": m.seq,
                "relation": m.relation,
                "name": mask_name(kr.decrypt(m.name_enc, "application_members.name")),
                "id_number": mask_id(kr.decrypt(m.id_number_enc, "application_members.id_number")),
                "birth_year": m.birth_year,
                "annual_income_fen": int(m.annual_income_fen),
                "assets_fen": int(m.assets_fen),
                "local_hukou": bool(m.local_hukou),
                "hukou_years": m.hukou_years,
                "social_insurance_months": m.social_insurance_months,
                "employed": bool(m.employed),
            }
        )
    out["members"] = members
    out["industry"], out["employer"], out["housing_status"] = r.industry, r.employer, r.housing_status
    out["edition_id"] = int(r.edition_id)
    out["eligibility"] = json.loads(r.eligibility) if r.eligibility else None
    out["documents"] = [
        {
            "id": int(x.id),
            "kind": x.kind,
            "filename": x.filename,
            "content_type": x.content_type,
            "size": x.size,
            "sha256": x.sha256,
            "uploaded_at": x.uploaded_at,
        }
        for x in conn.execute(
            select(
                application_documents.c.id,
                application_documents.c.kind,
                application_documents.c.filename,
                application_documents.c.content_type,
                application_documents.c.size,
                application_documents.c.sha256,
                application_documents.c.uploaded_at,
            )
            .where(application_documents.c.application_id == app_id)
            .order_by(application_documents.c.id)
        )
    ]
    out["steps"] = [
        {
            "at": s.at,
            "actor": s.actor,
            "level": s.level,
            "action": s.action,
            "from_status": s.from_status,
            "to_status": s.to_status,
            "reason": s.reason,
            "ledger_index": s.ledger_index,
        }
        for s in conn.execute(
            select(application_steps)
            .where(application_steps.c.application_id == app_id)
            .order_by(application_steps.c.id)
        )
    ]
    out["objections"] = [
        {"id": int(o.id), "status": o.status, "submitted_at": o.submitted_at, "resolution": o.resolution}
        for o in conn.execute(select(objections).where(objections.c.application_id == app_id).order_by(objections.c.id))
    ]
    return out


def public_notices(
    conn: Connection, *, limit: int, offset: int, programme: str | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """The public notice (公示): applications in their notice period, identified by number, street,
    household size and the masked applicant's name only."""
    conds = [applications.c.status == d.AppStatus.notice]
    if programme:
        conds.append(applications.c.programme_code == programme)
    total = conn.execute(select(func.count()).select_from(applications).where(*conds)).scalar_one()
    rows = conn.execute(
        select(applications)
        .where(*conds)
        .order_by(applications.c.notice_until, applications.c.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total), [
        {
            "id": int(r.id),
            "app_no": r.app_no,
            "programme_code": r.programme_code,
            "street_code": r.street_code,
            "household_size": r.household_size,
            "priority_class": r.priority_class,
            "notice_until": r.notice_until,
        }
        for r in rows
    ]


def decision_proofs(conn: Connection, caller: Caller, app_id: int, size: int | None = None) -> dict[str, Any]:
    """For the applicant: each logged step of their own application with the log entry itself and its
    inclusion proof in the log ``assistance`` (at ``size``, default the current size), so they can check
    with the stand-alone verifier that the decision is in the published log and was not altered."""
    _own(conn, caller, app_id)
    steps = conn.execute(
        select(application_steps.c.action, application_steps.c.at, application_steps.c.ledger_index)
        .where(application_steps.c.application_id == app_id, application_steps.c.ledger_index.is_not(None))
        .order_by(application_steps.c.id)
    ).all()
    head = ledger.tree_head(conn, LOG, size)
    items = []
    for st in steps:
        idx = int(st.ledger_index)
        if idx >= head.size:
            continue
        e = ledger.entry(conn, LOG, idx)
        p = ledger.inclusion_proof(conn, LOG, idx, head.size)
        items.append(
            {
                "action": st.action,
                "at": st.at,
                "index": idx,
                "entry": e.data.decode("utf-8"),
                "leaf_hash": p.leaf_hash.hex(),
                "proof": [h.hex() for h in p.proof],
            }
        )
    return {"log": LOG, "algorithm": head.algorithm, "size": head.size, "root": head.root, "items": items}
