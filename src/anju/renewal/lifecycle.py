"""A project's lifecycle and what it carries: the next step (date, responsible unit, documents), its
contents from the catalogue, its funding by source and the residents' consent (意愿征询).

Steps go one at a time along the kind's lifecycle (``domain.LIFECYCLES``). What a step needs first:
意愿征询 recorded before an old-community or shanty-town project enters a year's plan (列入年度计划,
with the plan year); at least one 基础类 item before an old-community design is done (全面保障基础类);
funding recorded before construction starts; a lift's owners' agreement meeting the rules' share
before it is signed; the after-care (维保) named before a lift is in service.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import Connection, delete, func, select, update

from anju import estates, registry
from anju.core import clock
from anju.core.errors import FieldError, NotFound, ValidationError
from anju.core.scope import Scope
from anju.core.settings import Settings
from anju.renewal import domain, rules
from anju.renewal.tables import renewal_contents, renewal_funding, renewal_lift_floors, renewal_projects, renewal_steps
from anju.security import Caller

MAX_DOCUMENTS = 10
P = renewal_projects.c


def step_fields(unit: str, documents: Sequence[str], errors: list[FieldError]) -> None:
    if not unit.strip() or len(unit) > 100:
        errors.append(FieldError("unit", "请填写责任单位（最多 100 字）"))
    if len(documents) > MAX_DOCUMENTS:
        errors.append(FieldError("documents", f"最多 {MAX_DOCUMENTS} 份文件"))
    for i, d in enumerate(documents):
        if not d.strip() or len(d) > 60:
            errors.append(FieldError(f"documents.{i}", "文件编号应为 1–60 字"))


def documents_json(documents: Sequence[str]) -> str:
    return json.dumps([d.strip() for d in documents], ensure_ascii=False)


@dataclass(frozen=True)
class StepIn:
    status: str  # the step reached
    on: date
    unit: str
    documents: tuple[str, ...] = ()
    plan_year: int | None = None  # entering a year's plan
    after_care: str | None = None  # a lift in service: 维保 by whom
    note: str | None = None


def scoped_project(conn: Connection, scope: Scope, project_id: int, *, lock: bool = False) -> Any:
    """The project's row if the scope holds it (otherwise not found)."""
    q = select(renewal_projects).where(P.id == project_id)
    if lock:
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None:
        raise NotFound("更新项目不存在")
    scope.require(row.street_code, "更新项目不存在")
    return row


def _lock(conn: Connection, caller: Caller, project_id: int) -> Any:
    return scoped_project(conn, caller.scope, project_id, lock=True)


def floors_of(conn: Connection, project_id: int) -> list[domain.FloorAgreement]:
    return lift_floor_rows(conn, [project_id]).get(project_id, [])


def advance(conn: Connection, settings: Settings, caller: Caller, project_id: int, cmd: StepIn) -> None:
    """Move the project to its next step. Refused (naming the field, nothing written) when the step is
    not the next one, the date is before the last step's or in the future, a field is missing, or what
    the step needs first is not there."""
    p = _lock(conn, caller, project_id)
    errors = [
        FieldError(f, r)
        for f, r in domain.step_problems(p.kind, p.status, cmd.status, cmd.on, p.status_on, clock.today(), cmd.unit)
    ]
    step_fields(cmd.unit, cmd.documents, errors)
    if cmd.note is not None and len(cmd.note) > 200:
        errors.append(FieldError("note", "备注最多 200 字"))
    if not errors:
        errors += _prerequisites(conn, settings, p, cmd)
    if errors:
        raise ValidationError("不能进入下一环节：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    values: dict[str, Any] = {"status": cmd.status, "status_on": cmd.on, "updated_at": clock.now()}
    if cmd.status == "planned":
        values["plan_year"] = cmd.plan_year
    if cmd.status == "agreed":
        values["plan_year"] = cmd.on.year
    if cmd.status == "in_service":
        values["after_care"] = (cmd.after_care or "").strip()
    conn.execute(update(renewal_projects).where(P.id == project_id).values(**values))
    conn.execute(
        renewal_steps.insert().values(
            project_id=project_id,
            status=cmd.status,
            on=cmd.on,
            unit=cmd.unit.strip(),
            documents=documents_json(cmd.documents),
            note=(cmd.note or "").strip() or None,
            recorded_at=clock.now(),
            recorded_by=caller.account_id,
        )
    )


def _prerequisites(conn: Connection, settings: Settings, p: Any, cmd: StepIn) -> list[FieldError]:
    out: list[FieldError] = []
    if cmd.status == "planned":
        if cmd.plan_year is None or not max(2000, p.status_on.year - 1) <= cmd.plan_year <= cmd.on.year + 5:
            out.append(FieldError("plan_year", f"计划年度应在 {p.status_on.year - 1}–{cmd.on.year + 5} 之间"))
        if p.kind in ("old_community", "shanty") and p.consent_on is None:
            out.append(FieldError("consent", "列入年度计划前须完成居民意愿征询"))
    if cmd.status == "designed" and p.kind == "old_community":
        basic = conn.execute(
            select(func.count()).where(renewal_contents.c.project_id == p.id, renewal_contents.c.category == "basic")
        ).scalar_one()
        if not basic:
            out.append(FieldError("contents", "方案设计须至少包含一项基础类改造内容"))
    if cmd.status == "construction":
        total = conn.execute(
            select(func.coalesce(func.sum(renewal_funding.c.amount_fen), 0)).where(renewal_funding.c.project_id == p.id)
        ).scalar_one()
        if not total:
            out.append(FieldError("funding", "开工前须登记资金来源"))
    if cmd.status == "agreed":
        floors = floors_of(conn, p.id)
        share = domain.agreement_share(floors)
        need = rules.eligibility(settings).lift_min_agreement
        if share is None or share < need:
            out.append(FieldError("floors", f"同意业主占比 {domain.percent(share)}，未达到 {domain.percent(need)}"))
    if cmd.status == "in_service" and not (cmd.after_care or "").strip():
        out.append(FieldError("after_care", "投入使用须填写维保单位"))
    elif cmd.after_care is not None and len(cmd.after_care) > 100:
        out.append(FieldError("after_care", "维保单位最多 100 字"))
    return out


# ---------------------------------------------------------------------------------- contents, funding


def set_contents(conn: Connection, settings: Settings, caller: Caller, project_id: int, codes: Sequence[str]) -> int:
    """Replace the project's contents with catalogue items (codes); unknown codes are refused."""
    p = _lock(conn, caller, project_id)
    if p.status in domain.DONE:
        raise ValidationError.of("contents", "项目已竣工，不能再修改改造内容")
    cat = rules.catalogue(settings)
    items = []
    for i, code in enumerate(dict.fromkeys(codes)):
        item = cat.get(code)
        if item is None:
            raise ValidationError.of(f"contents.{i}", f"改造内容清单中没有 {code[:12]}")
        items.append({"project_id": project_id, "item_code": item.code, "category": item.category})
    conn.execute(delete(renewal_contents).where(renewal_contents.c.project_id == project_id))
    if items:
        conn.execute(renewal_contents.insert(), items)
    conn.execute(update(renewal_projects).where(P.id == project_id).values(updated_at=clock.now()))
    return len(items)


def set_funding(conn: Connection, caller: Caller, project_id: int, amounts: Mapping[str, int]) -> int:
    """Replace the project's funding: source → fen (≥ 0; a zero drops the source). Returns the total."""
    _lock(conn, caller, project_id)
    errors: list[FieldError] = []
    for source, fen in amounts.items():
        if source not in domain.FUNDING_SOURCES:
            errors.append(FieldError(f"funding.{source[:20]}", "未知的资金来源"))
        elif not isinstance(fen, int) or isinstance(fen, bool) or not 0 <= fen <= domain.MAX_FUNDING_FEN:
            errors.append(FieldError(f"funding.{source}", "金额应为 0 到 100 亿元之间的整数分"))
    if errors:
        raise ValidationError("资金来源有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    rows: list[dict[str, Any]] = [
        {"project_id": project_id, "source": s, "amount_fen": f} for s, f in amounts.items() if f > 0
    ]
    conn.execute(delete(renewal_funding).where(renewal_funding.c.project_id == project_id))
    if rows:
        conn.execute(renewal_funding.insert(), rows)
    conn.execute(update(renewal_projects).where(P.id == project_id).values(updated_at=clock.now()))
    return sum(int(r["amount_fen"]) for r in rows)


@dataclass(frozen=True)
class ConsentIn:
    """意愿征询: an owners' vote of the estate (estates context), or the consultation's own figures."""

    on: date | None = None
    vote_id: int | None = None
    asked: int | None = None
    agreed: int | None = None


def record_consent(conn: Connection, caller: Caller, project_id: int, cmd: ConsentIn) -> None:
    """Record the residents' consent. With ``vote_id``: a tallied owners' vote of the project's estate
    (its date and figures are the vote's); otherwise the consultation's date, households asked and
    households agreeing."""
    p = _lock(conn, caller, project_id)
    if cmd.vote_id is not None:
        try:
            v = estates.owners_votes.get_vote(conn, caller.scope, cmd.vote_id)
        except Exception as e:  # a vote out of scope or missing reads as "not of this estate"
            if getattr(e, "status_code", None) != 404:
                raise
            raise ValidationError.of("vote_id", "不是本小区的业主表决") from None
        if v["estate_id"] != p.estate_id:
            raise ValidationError.of("vote_id", "不是本小区的业主表决")
        if v["passed"] is None or v["yes_owners"] is None or v["electorate_owners"] is None:
            raise ValidationError.of("vote_id", "业主表决尚未计票")
        on, asked, agreed = clock.to_local(v["closes_at"]).date(), v["electorate_owners"], v["yes_owners"]
    else:
        errors: list[FieldError] = []
        if cmd.on is None or cmd.on > clock.today():
            errors.append(FieldError("consent_on", "请填写征询日期（不晚于今天）"))
        if cmd.asked is None or not 1 <= cmd.asked <= 100_000:
            errors.append(FieldError("asked", "征询户数应在 1–100000 之间"))
        elif cmd.agreed is None or not 0 <= cmd.agreed <= cmd.asked:
            errors.append(FieldError("agreed", "同意户数应在 0 到征询户数之间"))
        if errors:
            raise ValidationError("意愿征询有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
        assert cmd.on is not None and cmd.asked is not None and cmd.agreed is not None
        on, asked, agreed = cmd.on, cmd.asked, cmd.agreed
    conn.execute(
        update(renewal_projects)
        .where(P.id == project_id)
        .values(
            consent_vote_id=cmd.vote_id,
            consent_on=on,
            consent_asked=asked,
            consent_agreed=agreed,
            updated_at=clock.now(),
        )
    )


# ------------------------------------------------------------------------------------------- detail


class StepRow(TypedDict):
    status: str
    status_label: str
    on: date
    unit: str
    documents: list[str]
    note: str | None


class ContentRow(TypedDict):
    code: str
    name: str
    category: str
    category_label: str


class FundingRow(TypedDict):
    source: str
    label: str
    amount_fen: int


class Detail(TypedDict):
    project: Any  # the project's row
    estate_name: str
    kind_label: str
    status_label: str
    lifecycle: list[tuple[str, str]]  # (status, label) of the kind's lifecycle
    next_status: str | None
    steps: list[StepRow]
    contents: list[ContentRow]
    funding: list[FundingRow]
    funding_total_fen: int


def detail(conn: Connection, settings: Settings, scope: Scope, project_id: int) -> Detail:
    p = scoped_project(conn, scope, project_id)
    estate_name = conn.execute(select(registry.estates.c.name).where(registry.estates.c.id == p.estate_id)).scalar_one()
    st = renewal_steps.c
    steps: list[StepRow] = [
        {
            "status": r.status,
            "status_label": domain.STATUSES[r.status],
            "on": r.on,
            "unit": r.unit,
            "documents": list(json.loads(r.documents)),
            "note": r.note,
        }
        for r in conn.execute(select(renewal_steps).where(st.project_id == project_id).order_by(st.on, st.id))
    ]
    cat = rules.catalogue(settings)
    contents: list[ContentRow] = []
    for r in conn.execute(select(renewal_contents).where(renewal_contents.c.project_id == project_id)):
        item = cat.get(r.item_code)
        contents.append(
            {
                "code": r.item_code,
                "name": item.name if item else r.item_code,
                "category": r.category,
                "category_label": domain.CATEGORIES.get(r.category, r.category),
            }
        )
    contents.sort(key=lambda c: c["code"])
    order = list(domain.FUNDING_SOURCES)
    funding: list[FundingRow] = sorted(
        (
            {
                "source": r.source,
                "label": domain.FUNDING_SOURCES.get(r.source, r.source),
                "amount_fen": int(r.amount_fen),
            }
            for r in conn.execute(select(renewal_funding).where(renewal_funding.c.project_id == project_id))
        ),
        key=lambda f: order.index(f["source"]) if f["source"] in order else 99,
    )
    return {
        "project": p,
        "estate_name": estate_name,
        "kind_label": domain.KINDS[p.kind],
        "status_label": domain.STATUSES[p.status],
        "lifecycle": [(s, domain.STATUSES[s]) for s in domain.LIFECYCLES[p.kind]],
        "next_status": domain.next_status(p.kind, p.status),
        "steps": steps,
        "contents": contents,
        "funding": funding,
        "funding_total_fen": sum(f["amount_fen"] for f in funding),
    }


def lift_floor_rows(conn: Connection, project_ids: Sequence[int]) -> dict[int, list[domain.FloorAgreement]]:
    """Per-floor agreements of several projects (one query)."""
    f = renewal_lift_floors.c
    out: dict[int, list[domain.FloorAgreement]] = {}
    if not project_ids:
        return out
    for r in conn.execute(select(renewal_lift_floors).where(f.project_id.in_(project_ids)).order_by(f.floor_no)):
        out.setdefault(int(r.project_id), []).append(domain.FloorAgreement(r.floor_no, r.owners, r.agreeing))
    return out
