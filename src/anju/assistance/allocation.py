"""Draws (摇号), allocation (选房/配租) and tracking (动态监管) of housing assistance.

The life of an approved application of a home programme after the review (``services``):

1. it waits on the programme's **waiting list** (轮候), by priority class, in the order of submission;
2. an officer **freezes** the list into a draw: the candidates' ids in that order and their SM3 hash
   are stored and appended to the verifiable log ``assistance`` — the hash is public before the draw;
3. officers present **run** the draw with a seed announced in public: the stored list is re-read and
   re-hashed (a changed list is refused), :mod:`anju.assistance.lottery` gives the order of choosing,
   the ranks, the seed and the result hash are stored and logged; anyone can re-run it from the
   published files (``anju lottery verify``);
4. candidates **select** homes in rank order (or pass their turn); the database's unique indexes make
   it impossible for a home or an application to be allocated twice, whatever runs concurrently;
5. contract and move-in are recorded; **tracking** cases (annual re-qualification, arrears, vacancy,
   sublet, false materials …) end with an outcome whose defaults come from the programme edition's
   exit rules (exit deadline, application ban, credit events for every member of the household).

Rent subsidies are paid monthly (:func:`pay_subsidies`, idempotent per application and month).

Every function takes a ``Connection`` (one transaction, opened by the caller with its audit row) and
the caller or its scope; out-of-scope records are "not found". A draw is seen by a caller when one of
its candidates' applications lies in the caller's scope, and changed only when all of them do.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from anju import ledger
from anju.assistance import domain as d
from anju.assistance import lottery
from anju.assistance import services as svc
from anju.assistance.tables import (
    allocations,
    application_members,
    application_steps,
    applications,
    assisted_homes,
    benefits,
    cases,
    draw_candidates,
    draws,
    programme_editions,
    subsidy_payments,
)
from anju.core import clock
from anju.core.dialect import bulk_insert
from anju.core.errors import Conflict, FieldError, Forbidden, NotFound, ValidationError
from anju.core.scope import OutOfScope, Scope
from anju.credit import Event, record_event
from anju.registry import homes
from anju.security import Caller, Role

LOG = svc.LOG
#: Days an officer has to decide a tracking case.
CASE_DAYS = 30
#: Draw statuses: frozen (list published), drawn (order published, selection under way), closed.
DRAW_STATUSES = {"frozen": "已冻结名单", "drawn": "已摇号（选房中）", "closed": "已结束"}
ALLOCATION_STATUSES = {"selected": "已选房", "contracted": "已签约", "moved_in": "已入住", "ended": "已终止"}
CASE_STATUSES = {"open": "待处理", "closed": "已处理"}
CREDIT_LABELS = {"minor": "一般失信", "major": "较重失信", "serious": "严重失信"}
#: Outcomes from the mildest to the most severe: following a rule with a milder outcome drops the
#: rule's ban and credit event, a stricter one keeps them.
SEVERITY = {"continue": 0, "market_rent": 1, "exit": 2, "recovery": 3, "ban": 4}
ENDING = frozenset({"exit", "recovery", "ban"})
MAX_WITNESSES = 20
_TURN_BATCH = 200
MAX_FACTS_BYTES = 8192
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


# ---------------------------------------------------------------------------------------------- helpers


def _text(value: str | None, fld: str, max_len: int, *, required: bool = True, lines: bool = False) -> str | None:
    """A trimmed text field, or a ValidationError naming the field: length, no control characters."""
    v = (value or "").strip()
    if not v:
        if required:
            raise ValidationError.of(fld, "不能为空")
        return None
    if len(v) > max_len:
        raise ValidationError.of(fld, f"最长 {max_len} 个字符")
    for ch in v:
        if lines and ch in "\n\r\t":
            continue
        if unicodedata.category(ch) in _BAD_CATEGORIES:
            raise ValidationError.of(fld, f"含有不允许的字符 U+{ord(ch):04X}")
    return v


def _officer(caller: Caller) -> None:
    """Draws, selection and decisions are made by district or city officers (or a system job)."""
    if caller.role in (Role.district_officer, Role.city_officer):
        return
    if caller.role is None and caller.account_id is None and caller.username.startswith("system:"):
        return
    raise Forbidden("只有区、市住房部门人员可以办理")


def _level(caller: Caller) -> str:
    return svc.ROLE_LEVEL.get(caller.role, "system") if caller.role else "system"


def _midnight(day: date) -> datetime:
    """The start of a local calendar day, as an aware UTC timestamp."""
    return datetime.combine(day, time(), tzinfo=clock.CITY_TZ).astimezone(UTC)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    m = day.month - 1 + months
    y, m = day.year + m // 12, m % 12 + 1
    return date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def _entry(entry_type: str, /, **fields: Any) -> bytes:
    return json.dumps({"type": entry_type, **fields}, ensure_ascii=False, sort_keys=True, default=str).encode()


def _step(
    conn: Connection,
    app_id: int,
    caller: Caller,
    action: str,
    from_status: str | None,
    to_status: str,
    reason: str | None,
    ledger_index: int | None = None,
) -> None:
    conn.execute(
        application_steps.insert().values(
            application_id=app_id,
            at=clock.now(),
            actor=caller.username[:64],
            level=_level(caller),
            action=action,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            ledger_index=ledger_index,
        )
    )


def programmes(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every programme's latest name and benefit, by code (for labels and choices)."""
    out: dict[str, dict[str, Any]] = {}
    for r in conn.execute(
        select(programme_editions.c.code, programme_editions.c.name, programme_editions.c.policy).order_by(
            programme_editions.c.code, programme_editions.c.effective_from, programme_editions.c.edition
        )
    ):
        policy = json.loads(r.policy)
        labels = {str(x["code"]): str(x["name"]) for x in policy.get("priority") or []}
        out[str(r.code)] = {
            "name": r.name,
            "benefit": policy.get("benefit", "home"),
            "priority": labels | ({"general": "一般家庭"} if labels else {}),
        }
    return out


def programme_policy(conn: Connection, code: str) -> d.Policy:
    """The programme's latest edition (what decides whether it allocates homes or pays subsidies)."""
    if not isinstance(code, str) or not _CODE.match(code):
        raise ValidationError.of("programme_code", "没有这个保障项目")
    row = conn.execute(
        select(programme_editions)
        .where(programme_editions.c.code == code)
        .order_by(programme_editions.c.effective_from.desc(), programme_editions.c.edition.desc())
        .limit(1)
    ).first()
    if row is None:
        raise ValidationError.of("programme_code", "没有这个保障项目")
    return svc._policy_of(row)


def _home_programme(conn: Connection, code: str) -> d.Policy:
    policy = programme_policy(conn, code)
    if policy.benefit != d.Benefit.home:
        raise ValidationError.of("programme_code", f"{policy.name}不配置房源（没有轮候和摇号）")
    return policy


class _Editions:
    """Policies by edition id, each parsed once per call."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cache: dict[int, d.Policy] = {}

    def __call__(self, edition_id: int) -> d.Policy:
        e = int(edition_id)
        if e not in self.cache:
            self.cache[e] = svc.edition(self.conn, e)
        return self.cache[e]


# ------------------------------------------------------------------------------------------- waiting list


def _passed_since(app_col: Any, since: Any) -> Any:
    return (
        select(application_steps.c.id)
        .where(application_steps.c.application_id == app_col, application_steps.c.action == "pass")
        .where(application_steps.c.at >= since)
        .exists()
    )


def _selected_in(draw_col: Any, app_col: Any) -> Any:
    return (
        select(allocations.c.id)
        .where(allocations.c.draw_id == draw_col, allocations.c.application_id == app_col)
        .exists()
    )


def _in_open_draw(app_col: Any) -> Any:
    """The application is a candidate of a frozen draw, or of a drawn one in which it has neither
    selected nor passed its turn yet (it may not be frozen into a second draw meanwhile)."""
    dc, dr = draw_candidates, draws
    awaiting = and_(
        dr.c.status == "drawn",
        ~_selected_in(dr.c.id, dc.c.application_id),
        ~_passed_since(dc.c.application_id, dr.c.drawn_at),
    )
    return exists(
        select(dc.c.draw_id)
        .join(dr, dr.c.id == dc.c.draw_id)
        .where(dc.c.application_id == app_col, or_(dr.c.status == "frozen", awaiting))
    )


def _waiting_conds(programme_code: str, priority_class: str | None, scope: Scope) -> list[Any]:
    a = applications
    conds: list[Any] = [a.c.programme_code == programme_code, a.c.status == d.AppStatus.approved.value]
    if priority_class:
        conds.append(a.c.priority_class == priority_class)
    conds.append(
        ~select(allocations.c.id).where(allocations.c.application_id == a.c.id, allocations.c.active == 1).exists()
    )
    conds.extend(scope.where(a.c.street_code))
    return conds


def waiting_list(
    conn: Connection,
    programme_code: str,
    priority_class: str | None = None,
    *,
    scope: Scope,
    limit: int,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    """Approved applications of a home programme not yet allocated, in the order of the waiting list
    (submission time, then application number), with the open draw each is in, if any."""
    _home_programme(conn, programme_code)
    a = applications
    conds = _waiting_conds(programme_code, priority_class, scope)
    total = conn.execute(select(func.count()).select_from(a).where(*conds)).scalar_one()
    rows = conn.execute(
        select(a).where(*conds).order_by(a.c.submitted_at, a.c.app_no).limit(limit).offset(offset)
    ).all()
    ids = [int(r.id) for r in rows]
    in_draw: dict[int, str] = {}
    if ids:
        dc, dr = draw_candidates, draws
        q = (
            select(dc.c.application_id, dr.c.draw_no)
            .join(dr, dr.c.id == dc.c.draw_id)
            .where(dc.c.application_id.in_(ids))
            .where(
                or_(
                    dr.c.status == "frozen",
                    and_(
                        dr.c.status == "drawn",
                        ~_selected_in(dr.c.id, dc.c.application_id),
                        ~_passed_since(dc.c.application_id, dr.c.drawn_at),
                    ),
                )
            )
        )
        in_draw = {int(x): str(n) for x, n in conn.execute(q)}
    eds = _Editions(conn)
    return int(total), [
        {
            "id": int(r.id),
            "app_no": r.app_no,
            "programme_code": r.programme_code,
            "priority_class": r.priority_class,
            "household_size": r.household_size,
            "bedrooms_allowed": eds(r.edition_id).bedrooms_allowed(r.household_size),
            "district_code": r.district_code,
            "street_code": r.street_code,
            "submitted_at": r.submitted_at,
            "decided_at": r.decided_at,
            "draw_no": in_draw.get(int(r.id)),
        }
        for r in rows
    ]


def waiting_summary(conn: Connection, *, scope: Scope) -> list[dict[str, Any]]:
    """Per home programme and priority class: how many wait, and how many are in no open draw."""
    a = applications
    home_codes = [
        str(r.code)
        for r in conn.execute(select(programme_editions.c.code, programme_editions.c.policy))
        if json.loads(r.policy).get("benefit", "home") == d.Benefit.home
    ]
    if not home_codes:
        return []
    base = [
        a.c.programme_code.in_(sorted(set(home_codes))),
        a.c.status == d.AppStatus.approved.value,
        *scope.where(a.c.street_code),
    ]
    free = case((~_in_open_draw(a.c.id), 1), else_=0)
    rows = conn.execute(
        select(a.c.programme_code, a.c.priority_class, func.count(), func.sum(free))
        .where(*base)
        .group_by(a.c.programme_code, a.c.priority_class)
        .order_by(a.c.programme_code, a.c.priority_class)
    ).all()
    return [
        {"programme_code": p, "priority_class": c, "waiting": int(n), "undrawn": int(u or 0)} for p, c, n, u in rows
    ]


# ------------------------------------------------------------------------------------------------ draws


def _draw_row(conn: Connection, draw_id: int) -> Any:
    row = conn.execute(select(draws).where(draws.c.id == draw_id)).first()
    if row is None:
        raise NotFound(f"摇号 {draw_id} 不存在")
    return row


def _draw_streets(conn: Connection, draw_id: int) -> set[str]:
    return {
        str(s)
        for s in conn.execute(
            select(applications.c.street_code)
            .distinct()
            .select_from(draw_candidates.join(applications, applications.c.id == draw_candidates.c.application_id))
            .where(draw_candidates.c.draw_id == draw_id)
        ).scalars()
    }


def _scoped_draw(conn: Connection, scope: Scope, draw_id: int, *, write: bool = False) -> Any:
    """The draw if the scope sees it (one of its candidates in scope) or, to change it, holds all of them."""
    row = _draw_row(conn, draw_id)
    if scope.unrestricted:
        return row
    streets = _draw_streets(conn, draw_id)
    ok = all(scope.allows(s) for s in streets) if write else any(scope.allows(s) for s in streets)
    if not ok:
        raise OutOfScope(f"摇号 {draw_id} 不存在")
    return row


def _visible_draws(scope: Scope) -> list[Any]:
    if scope.unrestricted:
        return []
    dc = draw_candidates
    return [
        select(dc.c.draw_id)
        .join(applications, applications.c.id == dc.c.application_id)
        .where(dc.c.draw_id == draws.c.id, *scope.where(applications.c.street_code))
        .exists()
    ]


def _draw_no(conn: Connection, at: datetime) -> str:
    prefix = "YH" + clock.to_local(at).strftime("%Y")
    n = conn.execute(select(func.count()).select_from(draws).where(draws.c.draw_no.like(prefix + "%"))).scalar_one()
    return f"{prefix}{int(n) + 1:04d}"


def freeze_draw(conn: Connection, caller: Caller, programme_code: str, priority_class: str | None, title: str) -> int:
    """Freeze the current waiting list of a home programme (and priority class) in the caller's scope
    into a new draw, in waiting-list order, and publish its SM3 hash in the log ``assistance``.

    Candidates are the approved, unallocated applications that are in no open draw. Two officers
    freezing at once: both would number their draw alike and the draw number is unique, so the later
    one is refused (409) and nobody is frozen twice."""
    _officer(caller)
    title_ok = _text(title, "title", 120)
    cls = _text(priority_class, "priority_class", 24, required=False)
    _home_programme(conn, programme_code)
    now = clock.now()
    draw_no = _draw_no(conn, now)  # read before the list: a stale number means a stale list (see above)
    a = applications
    rows = conn.execute(
        select(a.c.id, a.c.app_no)
        .where(*_waiting_conds(programme_code, cls, caller.scope), ~_in_open_draw(a.c.id))
        .order_by(a.c.submitted_at, a.c.app_no)
    ).all()
    if not rows:
        what = f"（优先类别 {cls}）" if cls else ""
        raise Conflict(
            f"轮候名单{what}为空：没有待摇号的已批准申请",
            [FieldError("priority_class" if cls else "programme_code", "没有待摇号的轮候对象")],
        )
    ids = [str(r.app_no) for r in rows]
    lh = lottery.list_hash(ids)
    try:
        draw_id = conn.execute(
            draws.insert()
            .values(
                draw_no=draw_no,
                programme_code=programme_code,
                priority_class=cls,
                title=title_ok,
                status="frozen",
                algorithm=lottery.ALGORITHM,
                candidates=len(ids),
                list_hash=lh,
                frozen_at=now,
                frozen_by=caller.username[:64],
            )
            .returning(draws.c.id)
        ).scalar_one()
    except IntegrityError:
        raise Conflict("另一位工作人员正在冻结名单，请稍后重试", [FieldError("draw_no", "编号已被占用")]) from None
    bulk_insert(
        conn,
        draw_candidates,
        ("draw_id", "position", "application_id", "candidate_id"),
        ((draw_id, i, int(r.id), str(r.app_no)) for i, r in enumerate(rows, start=1)),
    )
    idx = ledger.append(
        conn,
        LOG,
        [
            _entry(
                "assistance.draw.frozen",
                draw_no=draw_no,
                programme=programme_code,
                priority_class=cls,
                title=title_ok,
                algorithm=lottery.ALGORITHM,
                candidates=len(ids),
                list_hash=lh,
                frozen_at=now.isoformat(),
                frozen_by=caller.username,
            )
        ],
    )
    # Until the draw runs, ledger_index points at the frozen entry; the run's entry names it again.
    conn.execute(update(draws).where(draws.c.id == draw_id).values(ledger_index=idx))
    return int(draw_id)


def _candidate_ids(conn: Connection, draw_id: int, order: str = "position") -> list[str]:
    col = draw_candidates.c.rank if order == "rank" else draw_candidates.c.position
    return [
        str(x)
        for x in conn.execute(
            select(draw_candidates.c.candidate_id).where(draw_candidates.c.draw_id == draw_id).order_by(col)
        ).scalars()
    ]


def _seed(seed: str) -> str:
    if not isinstance(seed, str):
        raise ValidationError.of("seed", "应为文本")
    try:
        return lottery.normalise_seed(seed)
    except ValueError as e:
        raise ValidationError.of("seed", getattr(e, "reason", None) or str(e)) from None


def check_run_input(seed: str, seed_source: str | None, witnesses: Sequence[str]) -> tuple[str, str, list[str]]:
    """The seed as the draw will use it, the seed source and the witnesses, checked (errors name the field)."""
    s = _seed(seed)
    src = _text(seed_source, "seed_source", 200)
    if not witnesses:
        raise ValidationError.of("witnesses", "至少一名在场见证人（公证或监督人员）")
    if len(witnesses) > MAX_WITNESSES:
        raise ValidationError.of("witnesses", f"最多 {MAX_WITNESSES} 名")
    names = [str(_text(w, f"witnesses[{i}]", 40)) for i, w in enumerate(witnesses)]
    return s, str(src), names


def run_draw(
    conn: Connection, caller: Caller, draw_id: int, seed: str, seed_source: str, witnesses: Sequence[str]
) -> dict[str, Any]:
    """Run a frozen draw: the stored list is re-read in frozen order and re-hashed — a list changed
    since it was published is refused (409 naming ``list_hash``) — then the lottery gives the order of
    choosing; ranks, seed and result hash are stored and appended to the log."""
    _officer(caller)
    row = _scoped_draw(conn, caller.scope, draw_id, write=True)
    if row.status != "frozen":
        raise Conflict(
            f"摇号 {row.draw_no} 已经进行过（{DRAW_STATUSES.get(row.status, row.status)}）",
            [FieldError("status", row.status)],
        )
    s, src, names = check_run_input(seed, seed_source, witnesses)
    stored = conn.execute(
        select(draw_candidates.c.position, draw_candidates.c.candidate_id, draw_candidates.c.application_id)
        .where(draw_candidates.c.draw_id == draw_id)
        .order_by(draw_candidates.c.position)
    ).all()
    ids = [str(r.candidate_id) for r in stored]
    try:
        actual = lottery.list_hash(ids)
    except ValueError:
        actual = hashlib.new("sm3", "".join(i + "\n" for i in ids).encode()).hexdigest()
    if actual != row.list_hash or len(ids) != row.candidates:
        raise Conflict(
            f"拒绝摇号：候选名单的 SM3 哈希 {actual} 与冻结时公布的 {row.list_hash} 不同"
            f"（{len(ids)}/{row.candidates} 人），名单在公布后被改动过",
            [FieldError("list_hash", "与公布的名单哈希不同")],
        )
    result = lottery.draw(ids, s)
    now = clock.now()
    done = conn.execute(
        update(draws)
        .where(draws.c.id == draw_id, draws.c.status == "frozen")
        .values(
            status="drawn",
            seed=result.seed,
            seed_source=src,
            witnesses=json.dumps(names, ensure_ascii=False),
            result_hash=result.result_hash,
            drawn_at=now,
            drawn_by=caller.username[:64],
        )
    )
    if done.rowcount != 1:
        raise Conflict(f"摇号 {row.draw_no} 已经进行过", [FieldError("status", "drawn")])
    rank = {cid: i for i, cid in enumerate(result.order, start=1)}
    conn.execute(
        update(draw_candidates)
        .where(draw_candidates.c.draw_id == bindparam("b_draw"), draw_candidates.c.position == bindparam("b_pos"))
        .values(rank=bindparam("b_rank")),
        [{"b_draw": draw_id, "b_pos": r.position, "b_rank": rank[str(r.candidate_id)]} for r in stored],
    )
    idx = ledger.append(
        conn,
        LOG,
        [
            _entry(
                "assistance.draw.result",
                draw_no=row.draw_no,
                programme=row.programme_code,
                algorithm=result.algorithm,
                candidates=len(ids),
                list_hash=result.list_hash,
                seed=result.seed,
                seed_source=src,
                witnesses=names,
                result_hash=result.result_hash,
                frozen_entry=row.ledger_index,
                drawn_at=now.isoformat(),
                drawn_by=caller.username,
            )
        ],
    )
    conn.execute(update(draws).where(draws.c.id == draw_id).values(ledger_index=idx))
    conn.execute(
        application_steps.insert(),
        [
            {
                "application_id": int(r.application_id),
                "at": now,
                "actor": caller.username[:64],
                "level": _level(caller),
                "action": "draw",
                "from_status": d.AppStatus.approved.value,
                "to_status": d.AppStatus.approved.value,
                "reason": f"摇号 {row.draw_no}：选房顺序第 {rank[str(r.candidate_id)]} 位（共 {len(ids)} 位）",
                "ledger_index": idx,
            }
            for r in stored
        ],
    )
    return draw_public(conn, draw_id)


def close_draw(conn: Connection, caller: Caller, draw_id: int, reason: str) -> None:
    """End a draw: a frozen one is cancelled, a drawn one's selection is over. Candidates who have
    neither selected nor passed go back to the waiting list (they may be frozen into the next draw)."""
    _officer(caller)
    why = _text(reason, "reason", 500)
    row = _scoped_draw(conn, caller.scope, draw_id, write=True)
    if row.status == "closed":
        raise Conflict(f"摇号 {row.draw_no} 已结束", [FieldError("status", "closed")])
    done = conn.execute(
        update(draws).where(draws.c.id == draw_id, draws.c.status == row.status).values(status="closed")
    )
    if done.rowcount != 1:
        raise Conflict("摇号状态已被他人改变，请刷新后再试")
    progress = _progress(conn, row)
    ledger.append(
        conn,
        LOG,
        [
            _entry(
                "assistance.draw.closed",
                draw_no=row.draw_no,
                was=row.status,
                reason=why,
                selected=progress["selected"],
                passed=progress["passed"],
                closed_at=clock.now().isoformat(),
                closed_by=caller.username,
            )
        ],
    )


def _progress(conn: Connection, row: Any) -> dict[str, int]:
    dc = draw_candidates
    selected = conn.execute(
        select(func.count()).select_from(allocations).where(allocations.c.draw_id == row.id)
    ).scalar_one()
    passed = 0
    if row.drawn_at is not None:
        passed = conn.execute(
            select(func.count())
            .select_from(dc)
            .where(dc.c.draw_id == row.id, _passed_since(dc.c.application_id, row.drawn_at))
        ).scalar_one()
    return {"selected": int(selected), "passed": int(passed)}


def _draw_out(conn: Connection, row: Any, streets: dict[int, list[str]] | None = None) -> dict[str, Any]:
    progress = _progress(conn, row)
    frozen_entry = row.ledger_index
    if row.drawn_at is not None and row.ledger_index is not None:
        try:  # after the draw, ledger_index is the result's entry, which names the frozen one
            frozen_entry = json.loads(ledger.entry(conn, LOG, int(row.ledger_index)).data).get("frozen_entry")
        except (NotFound, ValueError):
            frozen_entry = None
    return {
        "id": int(row.id),
        "draw_no": row.draw_no,
        "title": row.title,
        "programme_code": row.programme_code,
        "priority_class": row.priority_class,
        "status": row.status,
        "status_label": DRAW_STATUSES.get(row.status, row.status),
        "algorithm": row.algorithm,
        "candidates": row.candidates,
        "list_hash": row.list_hash,
        "frozen_at": row.frozen_at,
        "frozen_by": row.frozen_by,
        "seed": row.seed,
        "seed_source": row.seed_source,
        "witnesses": json.loads(row.witnesses) if row.witnesses else [],
        "result_hash": row.result_hash,
        "drawn_at": row.drawn_at,
        "drawn_by": row.drawn_by,
        "frozen_ledger_index": frozen_entry,
        "ledger_index": row.ledger_index if row.drawn_at is not None else None,
        "selected": progress["selected"],
        "passed": progress["passed"],
        "street_codes": (streets or {}).get(int(row.id), []),
    }


def _streets_of(conn: Connection, draw_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not draw_ids:
        return out
    for did, st in conn.execute(
        select(draw_candidates.c.draw_id, applications.c.street_code)
        .join(applications, applications.c.id == draw_candidates.c.application_id)
        .where(draw_candidates.c.draw_id.in_(list(draw_ids)))
        .group_by(draw_candidates.c.draw_id, applications.c.street_code)
        .order_by(draw_candidates.c.draw_id, applications.c.street_code)
    ):
        out.setdefault(int(did), []).append(str(st))
    return out


def draw_public(conn: Connection, draw_id: int) -> dict[str, Any]:
    """What is published about a draw (no sign-in): numbers, hashes, seed, counts, log entries."""
    row = _draw_row(conn, draw_id)
    out = _draw_out(conn, row)
    out.pop("street_codes")
    return out


def get_draw(conn: Connection, draw_id: int, *, scope: Scope) -> dict[str, Any]:
    row = _scoped_draw(conn, scope, draw_id)
    return _draw_out(conn, row, _streets_of(conn, [draw_id]))


@dataclass(frozen=True)
class DrawFilter:
    programme: str | None = None
    status: str | None = None


def list_draws(
    conn: Connection, f: DrawFilter, *, scope: Scope, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    conds = _visible_draws(scope)
    if f.programme:
        conds.append(draws.c.programme_code == f.programme)
    if f.status:
        conds.append(draws.c.status == f.status)
    total = conn.execute(select(func.count()).select_from(draws).where(*conds)).scalar_one()
    rows = conn.execute(select(draws).where(*conds).order_by(draws.c.id.desc()).limit(limit).offset(offset)).all()
    streets = _streets_of(conn, [int(r.id) for r in rows])
    return int(total), [_draw_out(conn, r, streets) for r in rows]


def draw_entries(
    conn: Connection, draw_id: int, *, order: str = "rank", limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """The published list of a draw, paginated: by drawn rank (after the draw) or frozen position."""
    row = _draw_row(conn, draw_id)
    dc = draw_candidates
    by_rank = order == "rank" and row.drawn_at is not None
    col = dc.c.rank if by_rank else dc.c.position
    rows = conn.execute(
        select(dc.c.position, dc.c.rank, dc.c.candidate_id)
        .where(dc.c.draw_id == draw_id)
        .order_by(col)
        .limit(limit)
        .offset(offset)
    ).all()
    return int(row.candidates), [{"position": r.position, "rank": r.rank, "candidate_id": r.candidate_id} for r in rows]


def candidates_text(conn: Connection, draw_id: int) -> str:
    """The frozen list as published: one candidate id per line, in frozen order (``--candidates``)."""
    _draw_row(conn, draw_id)
    return "".join(i + "\n" for i in _candidate_ids(conn, draw_id))


def result_text(conn: Connection, draw_id: int) -> str:
    """The result as published: one id per line, rank 1 (chooses first) first (``--result``)."""
    row = _draw_row(conn, draw_id)
    if row.drawn_at is None:
        raise Conflict(f"摇号 {row.draw_no} 尚未进行，还没有结果", [FieldError("status", row.status)])
    return "".join(i + "\n" for i in _candidate_ids(conn, draw_id, "rank"))


def verify_command(row: dict[str, Any]) -> str:
    """The command anyone can run on the two published files."""
    seed = str(row.get("seed") or "")
    quoted = "'" + seed.replace("'", "'\"'\"'") + "'"
    no = row["draw_no"]
    return (
        f"anju lottery verify --candidates {no}-candidates.txt --seed {quoted} "
        f"--result {no}-result.txt --expect-hash {row['list_hash']}"
    )


def verify_draw(conn: Connection, draw_id: int) -> lottery.Verification:
    """Re-run a draw from its stored material (list in frozen order, seed) and compare with the stored
    order and the published list hash."""
    row = _draw_row(conn, draw_id)
    if row.drawn_at is None or row.seed is None:
        raise Conflict(f"摇号 {row.draw_no} 尚未进行", [FieldError("status", row.status)])
    ids = _candidate_ids(conn, draw_id)
    result = _candidate_ids(conn, draw_id, "rank")
    try:
        v = lottery.verify(ids, row.seed, result, row.list_hash)
    except ValueError as e:
        return lottery.Verification(False, [f"存储的材料无效：{e}"])
    if v.ok and v.result_hash != row.result_hash:
        return replace(v, ok=False, reasons=[f"结果哈希 {v.result_hash} 与公布的 {row.result_hash} 不同"])
    return v


# -------------------------------------------------------------------------------------------- selection


def _lock_draw(conn: Connection, draw_id: int) -> None:
    """Take the draw's row lock (PostgreSQL) or the write lock (SQLite) before reading whose turn it
    is, so the turns of one draw are decided one at a time. Also the transaction's first write: a
    savepoint after it is a real savepoint on SQLite too (as the first statement it would commit)."""
    conn.execute(update(draws).where(draws.c.id == draw_id).values(status=draws.c.status))


@dataclass(frozen=True)
class _Turn:
    position: int
    rank: int
    candidate_id: str
    application_id: int
    household_size: int
    priority_class: str | None
    edition_id: int
    street_code: str


def _next_turn(conn: Connection, row: Any) -> _Turn | None:
    """The candidate whose turn it is: the lowest rank whose application is still approved (one that
    selected is allocated) and that has not passed its turn in this draw.

    Walks the draw's rank index in batches and reads each batch's applications and passes by their
    own indexes (primary key; application id), never joining: the cost is a few primary-key look-ups
    per candidate already served, whatever the planner knows about the growing tables."""
    dc, a = draw_candidates, applications
    after = 0
    while True:
        batch = conn.execute(
            select(dc.c.position, dc.c.rank, dc.c.candidate_id, dc.c.application_id)
            .where(dc.c.draw_id == row.id, dc.c.rank > after)
            .order_by(dc.c.rank)
            .limit(_TURN_BATCH)
        ).all()
        if not batch:
            return None
        ids = [int(r.application_id) for r in batch]
        apps = {
            int(x.id): x
            for x in conn.execute(
                select(a.c.id, a.c.household_size, a.c.priority_class, a.c.edition_id, a.c.street_code).where(
                    a.c.id.in_(ids), a.c.status == d.AppStatus.approved.value
                )
            )
        }
        passed = set()
        if apps:
            passed = {
                int(x)
                for x in conn.execute(
                    select(application_steps.c.application_id).where(
                        application_steps.c.application_id.in_(list(apps)),
                        application_steps.c.action == "pass",
                        application_steps.c.at >= row.drawn_at,
                    )
                ).scalars()
            }
        for r in batch:
            x = apps.get(int(r.application_id))
            if x is not None and x.id not in passed:
                return _Turn(
                    r.position,
                    r.rank,
                    r.candidate_id,
                    int(r.application_id),
                    x.household_size,
                    x.priority_class,
                    int(x.edition_id),
                    x.street_code,
                )
        after = int(batch[-1].rank)


def _candidate(conn: Connection, row: Any, app_id: int) -> Any:
    c = conn.execute(
        select(draw_candidates).where(draw_candidates.c.draw_id == row.id, draw_candidates.c.application_id == app_id)
    ).first()
    if c is None:
        raise NotFound(f"申请 {app_id} 不是摇号 {row.draw_no} 的候选人", [FieldError("application_id", "不是候选人")])
    return c


def _turn_check(conn: Connection, row: Any, app_id: int) -> Any:
    """The candidate, if it is its turn; else Conflict naming ``application_id``."""
    if row.status != "drawn":
        raise Conflict(
            f"摇号 {row.draw_no} {DRAW_STATUSES.get(row.status, row.status)}，不在选房阶段",
            [FieldError("status", row.status)],
        )
    c = _candidate(conn, row, app_id)
    done = (
        conn.execute(select(_selected_in(row.id, app_id))).scalar_one()
        or conn.execute(select(_passed_since(app_id, row.drawn_at))).scalar_one()
    )
    if done:
        raise Conflict(f"{c.candidate_id} 已选房或已放弃本轮", [FieldError("application_id", "已轮过")])
    nxt = _next_turn(conn, row)
    if nxt is None or int(nxt.application_id) != app_id:
        who = f"第 {nxt.rank} 位 {nxt.candidate_id}" if nxt is not None else "无人"
        raise Conflict(
            f"还没有轮到 {c.candidate_id}（第 {c.rank} 位）：当前应由{who}选房",
            [FieldError("application_id", "未轮到")],
        )
    return c


def fitting_homes(
    conn: Connection, programme_code: str, bedrooms: int | None, *, scope: Scope, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Available homes of the programme with at most ``bedrooms`` bedrooms (None: any), in scope."""
    h = assisted_homes
    conds = [h.c.programme_code == programme_code, h.c.status == "available", *scope.where(h.c.street_code)]
    if bedrooms is not None:
        conds.append(h.c.bedrooms <= bedrooms)
    total = conn.execute(select(func.count()).select_from(h).where(*conds)).scalar_one()
    rows = conn.execute(
        select(h, homes.c.house_code, homes.c.address)
        .join(homes, homes.c.id == h.c.home_id)
        .where(*conds)
        .order_by(h.c.bedrooms.desc(), h.c.area.desc(), h.c.home_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total), [_home_out(r) for r in rows]


def _home_out(r: Any) -> dict[str, Any]:
    return {
        "home_id": int(r.home_id),
        "house_code": r.house_code,
        "address": r.address,
        "programme_code": r.programme_code,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "bedrooms": r.bedrooms,
        "area": f"{int(r.area) / 100:.2f}",
        "monthly_rent_fen": int(r.monthly_rent_fen) if r.monthly_rent_fen is not None else None,
        "price_fen": int(r.price_fen) if r.price_fen is not None else None,
        "status": r.status,
    }


def turn(conn: Connection, draw_id: int, *, scope: Scope, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Whose turn it is in a drawn draw and the available homes that fit that household."""
    row = _scoped_draw(conn, scope, draw_id)
    out: dict[str, Any] = {"draw": _draw_out(conn, row, _streets_of(conn, [draw_id])), "next": None, "homes": []}
    out["homes_total"] = 0
    if row.status != "drawn":
        return out
    nxt = _next_turn(conn, row)
    if nxt is None:
        return out
    allowed = svc.edition(conn, nxt.edition_id).bedrooms_allowed(nxt.household_size)
    out["next"] = {
        "application_id": int(nxt.application_id),
        "candidate_id": nxt.candidate_id,
        "rank": nxt.rank,
        "household_size": nxt.household_size,
        "priority_class": nxt.priority_class,
        "street_code": nxt.street_code,
        "bedrooms_allowed": allowed,
    }
    out["homes_total"], out["homes"] = fitting_homes(
        conn, row.programme_code, allowed, scope=scope, limit=limit, offset=offset
    )
    return out


def select_home(conn: Connection, caller: Caller, draw_id: int, application_id: int, home_id: int) -> int:
    """The candidate whose turn it is chooses a home (选房). The home must be an available home of the
    draw's programme with no more bedrooms than the household may have. The unique indexes on active
    allocations make a second allocation of the home or of the application impossible: it is caught
    in a savepoint and answered 409 naming the field."""
    _officer(caller)
    _lock_draw(conn, draw_id)
    row = _scoped_draw(conn, caller.scope, draw_id, write=True)
    c = _turn_check(conn, row, application_id)
    app = svc._scoped(conn, caller.scope, application_id)
    if app.status != d.AppStatus.approved:
        raise Conflict(
            f"申请 {app.app_no} 当前状态为 {d.STATUS_LABELS[d.AppStatus(app.status)]}",
            [FieldError("application_id", app.status)],
        )
    policy = svc.edition(conn, app.edition_id)
    home = conn.execute(
        select(assisted_homes, homes.c.house_code)
        .join(homes, homes.c.id == assisted_homes.c.home_id)
        .where(assisted_homes.c.home_id == home_id)
    ).first()
    if home is None:
        raise NotFound(f"房源 {home_id} 不存在", [FieldError("home_id", "不是保障房源")])
    caller.scope.require(home.street_code, f"房源 {home_id} 不存在")
    if home.programme_code != row.programme_code:
        raise ValidationError.of("home_id", f"不是{policy.name}的房源")
    if home.status != "available":
        raise Conflict(
            "该房源已被选定" if home.status == "allocated" else "该房源不可选", [FieldError("home_id", home.status)]
        )
    allowed = policy.bedrooms_allowed(app.household_size)
    if allowed is not None and home.bedrooms > allowed:
        raise ValidationError.of(
            "home_id", f"{home.bedrooms} 室超过 {app.household_size} 人家庭可选的 {allowed} 室（{policy.label}）"
        )
    now = clock.now()
    try:
        with conn.begin_nested():
            alloc_id = conn.execute(
                allocations.insert()
                .values(
                    application_id=application_id,
                    home_id=home_id,
                    programme_code=row.programme_code,
                    draw_id=draw_id,
                    rank=c.rank,
                    status="selected",
                    active=1,
                    street_code=home.street_code,
                    selected_at=now,
                    selected_by=caller.username[:64],
                )
                .returning(allocations.c.id)
            ).scalar_one()
    except IntegrityError:
        taken = conn.execute(
            select(allocations.c.id).where(allocations.c.application_id == application_id, allocations.c.active == 1)
        ).first()
        if taken is not None:
            raise Conflict(f"申请 {app.app_no} 已选定房源", [FieldError("application_id", "已选房")]) from None
        raise Conflict("该房源已被选定", [FieldError("home_id", "已被选定")]) from None
    taken_home = conn.execute(
        update(assisted_homes)
        .where(assisted_homes.c.home_id == home_id, assisted_homes.c.status == "available")
        .values(status="allocated")
    )
    if taken_home.rowcount != 1:
        raise Conflict("该房源已被选定", [FieldError("home_id", "已被选定")])
    moved = conn.execute(
        update(applications)
        .where(applications.c.id == application_id, applications.c.status == d.AppStatus.approved.value)
        .values(
            status=d.AppStatus.allocated.value,
            level=None,
            due_at=None,
            updated_at=now,
            version=applications.c.version + 1,
        )
    )
    if moved.rowcount != 1:
        raise Conflict("申请已被他人处理，请刷新后再试", [FieldError("application_id", "状态已变")])
    svc._set_pending(conn, application_id, False)
    svc.start_benefit(conn, application_id, policy, clock.to_local(now).date())
    idx = ledger.append(
        conn,
        LOG,
        [
            _entry(
                "assistance.selection",
                draw_no=row.draw_no,
                rank=c.rank,
                candidate=c.candidate_id,
                house_code=home.house_code,
                programme=row.programme_code,
                actor=caller.username,
                at=now.isoformat(),
            )
        ],
    )
    _step(
        conn,
        application_id,
        caller,
        "select",
        d.AppStatus.approved.value,
        d.AppStatus.allocated.value,
        f"摇号 {row.draw_no} 第 {c.rank} 位选定房屋 {home.house_code}",
        idx,
    )
    return int(alloc_id)


def pass_turn(conn: Connection, caller: Caller, draw_id: int, application_id: int, reason: str) -> None:
    """A candidate gives up its turn in this draw (放弃选房); it stays approved and goes back to the
    waiting list. Recorded as the application step ``pass`` (with a log entry)."""
    _officer(caller)
    why = _text(reason, "reason", 500)
    _lock_draw(conn, draw_id)
    row = _scoped_draw(conn, caller.scope, draw_id, write=True)
    if row.status != "drawn":
        raise Conflict(f"摇号 {row.draw_no} 不在选房阶段", [FieldError("status", row.status)])
    c = _candidate(conn, row, application_id)
    app = svc._scoped(conn, caller.scope, application_id)
    if app.status != d.AppStatus.approved:
        raise Conflict(
            f"申请 {app.app_no} 当前状态为 {d.STATUS_LABELS[d.AppStatus(app.status)]}",
            [FieldError("application_id", app.status)],
        )
    if (
        conn.execute(select(_selected_in(row.id, application_id))).scalar_one()
        or conn.execute(select(_passed_since(application_id, row.drawn_at))).scalar_one()
    ):
        raise Conflict(f"{c.candidate_id} 已选房或已放弃本轮", [FieldError("application_id", "已轮过")])
    idx = ledger.append(
        conn,
        LOG,
        [
            _entry(
                "assistance.pass",
                draw_no=row.draw_no,
                rank=c.rank,
                candidate=c.candidate_id,
                actor=caller.username,
                at=clock.now().isoformat(),
            )
        ],
    )
    _step(
        conn,
        application_id,
        caller,
        "pass",
        app.status,
        app.status,
        f"摇号 {row.draw_no} 第 {c.rank} 位放弃选房：{why}",
        idx,
    )


# ------------------------------------------------------------------------------------------ allocations


def _allocation_row(conn: Connection, scope: Scope, allocation_id: int) -> Any:
    r = conn.execute(
        select(allocations, homes.c.house_code, homes.c.address, applications.c.app_no, draws.c.draw_no)
        .join(homes, homes.c.id == allocations.c.home_id)
        .join(applications, applications.c.id == allocations.c.application_id)
        .outerjoin(draws, draws.c.id == allocations.c.draw_id)
        .where(allocations.c.id == allocation_id)
    ).first()
    if r is None:
        raise NotFound(f"配置记录 {allocation_id} 不存在")
    scope.require(r.street_code, f"配置记录 {allocation_id} 不存在")
    return r


def _allocation_out(r: Any) -> dict[str, Any]:
    return {
        "id": int(r.id),
        "application_id": int(r.application_id),
        "app_no": r.app_no,
        "home_id": int(r.home_id),
        "house_code": r.house_code,
        "address": r.address,
        "programme_code": r.programme_code,
        "draw_id": int(r.draw_id) if r.draw_id is not None else None,
        "draw_no": r.draw_no,
        "rank": r.rank,
        "status": r.status,
        "status_label": ALLOCATION_STATUSES.get(r.status, r.status),
        "active": r.active == 1,
        "street_code": r.street_code,
        "selected_at": r.selected_at,
        "selected_by": r.selected_by,
        "contract_no": r.contract_no,
        "contracted_at": r.contracted_at,
        "moved_in_at": r.moved_in_at,
        "ended_at": r.ended_at,
        "end_reason": r.end_reason,
    }


def get_allocation(conn: Connection, allocation_id: int, *, scope: Scope) -> dict[str, Any]:
    return _allocation_out(_allocation_row(conn, scope, allocation_id))


@dataclass(frozen=True)
class AllocationFilter:
    status: str | None = None
    programme: str | None = None
    draw_id: int | None = None


def list_allocations(
    conn: Connection, f: AllocationFilter, *, scope: Scope, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    al = allocations
    conds: list[Any] = list(scope.where(al.c.street_code))
    if f.status:
        conds.append(al.c.status == f.status)
    if f.programme:
        conds.append(al.c.programme_code == f.programme)
    if f.draw_id:
        conds.append(al.c.draw_id == f.draw_id)
    total = conn.execute(select(func.count()).select_from(al).where(*conds)).scalar_one()
    rows = conn.execute(
        select(al, homes.c.house_code, homes.c.address, applications.c.app_no, draws.c.draw_no)
        .join(homes, homes.c.id == al.c.home_id)
        .join(applications, applications.c.id == al.c.application_id)
        .outerjoin(draws, draws.c.id == al.c.draw_id)
        .where(*conds)
        .order_by(al.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total), [_allocation_out(r) for r in rows]


def contract(conn: Connection, caller: Caller, allocation_id: int, contract_no: str) -> None:
    """Record the lease or purchase contract of a selected home (签约)."""
    _officer(caller)
    no = _text(contract_no, "contract_no", 32)
    r = _allocation_row(conn, caller.scope, allocation_id)
    if r.status != "selected":
        raise Conflict(
            f"配置记录当前为{ALLOCATION_STATUSES.get(r.status, r.status)}，不能签约", [FieldError("status", r.status)]
        )
    now = clock.now()
    done = conn.execute(
        update(allocations)
        .where(allocations.c.id == allocation_id, allocations.c.status == "selected")
        .values(status="contracted", contract_no=no, contracted_at=now)
    )
    if done.rowcount != 1:
        raise Conflict("配置记录已被他人处理，请刷新后再试")
    _step(
        conn,
        int(r.application_id),
        caller,
        "contract",
        d.AppStatus.allocated.value,
        d.AppStatus.allocated.value,
        f"签订合同 {no}（房屋 {r.house_code}）",
    )


def move_in(conn: Connection, caller: Caller, allocation_id: int, on: date) -> None:
    """Record the move-in date (入住) of a contracted home."""
    _officer(caller)
    r = _allocation_row(conn, caller.scope, allocation_id)
    if r.status != "contracted":
        raise Conflict(
            f"配置记录当前为{ALLOCATION_STATUSES.get(r.status, r.status)}，须先签约", [FieldError("status", r.status)]
        )
    today = clock.today()
    if on > today:
        raise ValidationError.of("on", "入住日期不能晚于今天")
    if r.contracted_at is not None and on < clock.to_local(r.contracted_at).date():
        raise ValidationError.of("on", "入住日期不能早于签约日期")
    done = conn.execute(
        update(allocations)
        .where(allocations.c.id == allocation_id, allocations.c.status == "contracted")
        .values(status="moved_in", moved_in_at=_midnight(on))
    )
    if done.rowcount != 1:
        raise Conflict("配置记录已被他人处理，请刷新后再试")
    _step(
        conn,
        int(r.application_id),
        caller,
        "move_in",
        d.AppStatus.allocated.value,
        d.AppStatus.allocated.value,
        f"{on.isoformat()} 入住房屋 {r.house_code}",
    )


def make_assisted(
    conn: Connection,
    programme_code: str,
    home_ids: Sequence[int],
    *,
    scope: Scope,
    since: date | None = None,
) -> int:
    """Make register homes available to a programme (保障房源): bedrooms from the register's 室 (at
    least 1), area from its construction area, rent from the programme's rent per m². Homes already
    assisted are left alone. Returns how many were added."""
    policy = _home_programme(conn, programme_code)
    ids = sorted({int(i) for i in home_ids})
    if not ids:
        return 0
    have = set(conn.execute(select(assisted_homes.c.home_id).where(assisted_homes.c.home_id.in_(ids))).scalars())
    rows = conn.execute(
        select(homes.c.id, homes.c.district_code, homes.c.street_code, homes.c.rooms, homes.c.construction_area).where(
            homes.c.id.in_(ids)
        )
    ).all()
    if len(rows) != len(ids):
        raise ValidationError.of("home_ids", "有房屋不存在")
    out = []
    for r in rows:
        if int(r.id) in have:
            continue
        scope.require(r.street_code, f"房屋 {r.id} 不存在")
        hundredths = int(r.construction_area * 100)
        rent = policy.rent_fen_per_m2 * hundredths // 100 if policy.rent_fen_per_m2 else None
        out.append(
            {
                "home_id": int(r.id),
                "programme_code": programme_code,
                "district_code": r.district_code,
                "street_code": r.street_code,
                "bedrooms": max(1, int(r.rooms or 1)),
                "area": hundredths,
                "monthly_rent_fen": rent,
                "price_fen": None,
                "status": "available",
                "since": since or clock.today(),
            }
        )
    if out:
        conn.execute(assisted_homes.insert(), out)
    return len(out)


# ---------------------------------------------------------------------------------------------- tracking


def _case_no(conn: Connection, at: datetime) -> tuple[str, int]:
    prefix = "JG" + clock.to_local(at).strftime("%Y")
    n = conn.execute(select(func.count()).select_from(cases).where(cases.c.case_no.like(prefix + "%"))).scalar_one()
    return prefix, int(n)


def _facts_json(facts: Any) -> str:
    if not isinstance(facts, dict):
        raise ValidationError.of("facts", "应为对象（键值对）")
    try:
        text = json.dumps(facts, ensure_ascii=False, sort_keys=True)
        text.encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        raise ValidationError.of("facts", "不是有效的 JSON 对象") from None
    if len(text.encode("utf-8")) > MAX_FACTS_BYTES:
        raise ValidationError.of("facts", f"超过 {MAX_FACTS_BYTES} 字节")
    if "\\u0000" in text:
        raise ValidationError.of("facts", "不能包含空字符")
    return text


def _active_allocation(conn: Connection, app_id: int) -> Any:
    return conn.execute(
        select(allocations).where(allocations.c.application_id == app_id, allocations.c.active == 1)
    ).first()


def open_case(conn: Connection, caller: Caller, application_id: int, kind: str, facts: dict[str, Any]) -> int:
    """Open a tracking case on a supported household (allocated home or approved subsidy), e.g. from a
    clerk's inspection or a data feed (arrears, vacancy, sublet, false materials …). One open case per
    household and kind."""
    if kind not in d.CASE_KINDS:
        raise ValidationError.of("kind", f"应为 {'、'.join(d.CASE_KINDS)} 之一")
    text = _facts_json(facts)
    app = conn.execute(select(applications).where(applications.c.id == application_id)).first()
    if app is None:
        raise NotFound(f"申请 {application_id} 不存在")
    alloc = _active_allocation(conn, application_id)
    street = alloc.street_code if alloc is not None else app.street_code
    caller.scope.require(street, f"申请 {application_id} 不存在")
    if app.status not in (d.AppStatus.allocated, d.AppStatus.approved):
        raise Conflict(
            f"申请 {app.app_no} 当前状态为 {d.STATUS_LABELS[d.AppStatus(app.status)]}，不在保障中",
            [FieldError("application_id", app.status)],
        )
    dup = conn.execute(
        select(cases.c.case_no).where(
            cases.c.application_id == application_id, cases.c.kind == kind, cases.c.status == "open"
        )
    ).first()
    if dup is not None:
        raise Conflict(
            f"该户已有未办结的{d.CASE_KINDS[kind]}案件 {dup.case_no}", [FieldError("kind", "已有未办结案件")]
        )
    now = clock.now()
    prefix, n = _case_no(conn, now)
    try:
        case_id = conn.execute(
            cases.insert()
            .values(
                case_no=f"{prefix}{n + 1:06d}",
                application_id=application_id,
                allocation_id=int(alloc.id) if alloc is not None else None,
                street_code=street,
                kind=kind,
                facts=text,
                status="open",
                opened_at=now,
                due_at=now + timedelta(days=CASE_DAYS),
            )
            .returning(cases.c.id)
        ).scalar_one()
    except IntegrityError:
        raise Conflict("案件编号分配冲突，请重试", [FieldError("case_no", "编号已被占用")]) from None
    _step(
        conn,
        application_id,
        caller,
        "case_open",
        app.status,
        app.status,
        f"{d.CASE_KINDS[kind]}：立案 {prefix}{n + 1:06d}",
    )
    return int(case_id)


@dataclass(frozen=True)
class Consequences:
    """What an outcome does, by the programme edition's exit rule for the case's kind."""

    default: str | None
    ends: bool
    exit_deadline: date | None
    ban_until: date | None
    credit: str | None


def consequences(policy: d.Policy, kind: str, outcome: str, today: date) -> Consequences:
    """The rule's defaults applied to the chosen outcome: an ending outcome gets the rule's exit days;
    the ban and the credit event follow the rule when the outcome is at least as severe as the rule's
    own (a milder outcome, chosen with a reason, drops them)."""
    rule = policy.exit_rules.get(kind)
    ends = outcome in ENDING
    exit_days = rule.exit_days if rule else 0
    exit_deadline = today + timedelta(days=exit_days) if ends or (outcome == "market_rent" and exit_days) else None
    strict = rule is not None and SEVERITY[outcome] >= SEVERITY[rule.outcome]
    ban_years = rule.ban_years if rule and ends and strict else 0
    credit = rule.credit if rule and ends and strict else None
    return Consequences(
        rule.outcome if rule else None,
        ends,
        exit_deadline,
        add_years(today, ban_years) if ban_years else None,
        credit,
    )


def decide_case(conn: Connection, caller: Caller, case_id: int, outcome: str, reason: str | None) -> dict[str, Any]:
    """Decide a tracking case. The programme edition's exit rule for the case's kind gives the default
    outcome, exit deadline, ban and credit severity; another outcome needs a reason. Ending outcomes
    (exit, recovery, ban) end the allocation (the home becomes available again), close the household's
    benefits and set the application to exited; a credit event is recorded for every member when the
    rule says so (expiring with the ban). Logged."""
    _officer(caller)
    if outcome not in d.OUTCOMES:
        raise ValidationError.of("outcome", f"应为 {'、'.join(d.OUTCOMES)} 之一")
    why = _text(reason, "reason", 1000, required=False, lines=True)
    c = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    if c is None:
        raise NotFound(f"案件 {case_id} 不存在")
    caller.scope.require(c.street_code, f"案件 {case_id} 不存在")
    if c.status != "open":
        raise Conflict(f"案件 {c.case_no} 已办结", [FieldError("status", c.status)])
    app = conn.execute(select(applications).where(applications.c.id == c.application_id)).one()
    policy = svc.edition(conn, app.edition_id)
    today = clock.today()
    cons = consequences(policy, c.kind, outcome, today)
    if outcome != cons.default and not why:
        want = d.OUTCOMES[cons.default] if cons.default else "（政策未规定）"
        raise ValidationError.of("reason", f"政策规定的处理结果为“{want}”，选择其他结果须说明理由")
    if outcome == "ban" and cons.ban_until is None:
        raise ValidationError.of(
            "outcome", f"{policy.label}未规定{d.CASE_KINDS[c.kind]}的限制申请年限，不能选择“{d.OUTCOMES['ban']}”"
        )
    now = clock.now()
    done = conn.execute(
        update(cases)
        .where(cases.c.id == case_id, cases.c.status == "open")
        .values(
            status="closed",
            outcome=outcome,
            outcome_reason=why,
            exit_deadline=cons.exit_deadline,
            ban_until=cons.ban_until,
            decided_by=caller.username[:64],
            decided_at=now,
        )
    )
    if done.rowcount != 1:
        raise Conflict("案件已被他人处理，请刷新后再试")
    label = f"{d.CASE_KINDS[c.kind]}：{d.OUTCOMES[outcome]}（{c.case_no}）"
    ended = None
    if cons.ends:
        alloc = _active_allocation(conn, int(c.application_id))
        if alloc is not None:
            conn.execute(
                update(allocations)
                .where(allocations.c.id == alloc.id)
                .values(status="ended", active=None, ended_at=now, end_reason=label[:200])
            )
            conn.execute(
                update(assisted_homes)
                .where(assisted_homes.c.home_id == alloc.home_id)
                .values(status="available", since=today)
            )
            ended = int(alloc.id)
        conn.execute(
            update(benefits)
            .where(benefits.c.application_id == c.application_id, benefits.c.until.is_(None))
            .values(until=today)
        )
        if app.status != d.AppStatus.exited:
            svc._close(conn, int(c.application_id), d.AppStatus.exited)
    members = list(
        conn.execute(
            select(application_members.c.id_bidx)
            .where(application_members.c.application_id == c.application_id)
            .order_by(application_members.c.seq)
        ).scalars()
    )
    credit_ids = []
    if cons.credit:
        for b in members:
            credit_ids.append(
                record_event(
                    conn,
                    Event(
                        subject_kind="person",
                        subject_bidx=b,
                        source="assistance",
                        kind=f"assistance.{c.kind}",
                        severity=cons.credit,
                        occurred_on=today,
                        reference=c.case_no,
                        expires_on=cons.ban_until,
                        street_code=c.street_code,
                        detail={"programme": app.programme_code, "outcome": outcome, "case": c.case_no},
                    ),
                )
            )
    idx = ledger.append(
        conn,
        LOG,
        [
            _entry(
                "assistance.case.decided",
                case_no=c.case_no,
                kind=c.kind,
                application=app.app_no,
                programme=app.programme_code,
                edition=policy.edition,
                outcome=outcome,
                default=cons.default,
                exit_deadline=cons.exit_deadline,
                ban_until=cons.ban_until,
                credit=cons.credit,
                members=len(members) if cons.credit else 0,
                allocation_ended=ended,
                actor=caller.username,
                at=now.isoformat(),
            )
        ],
    )
    to = d.AppStatus.exited.value if cons.ends else app.status
    _step(conn, int(c.application_id), caller, "case_decide", app.status, to, label + (f"：{why}" if why else ""), idx)
    return {
        "case_no": c.case_no,
        "outcome": outcome,
        "default": cons.default,
        "exit_deadline": cons.exit_deadline,
        "ban_until": cons.ban_until,
        "credit_severity": cons.credit,
        "credit_events": len(credit_ids),
        "allocation_ended": ended,
        "ledger_index": idx,
    }


def _case_out(r: Any, policy: d.Policy | None = None) -> dict[str, Any]:
    rule = policy.exit_rules.get(r.kind) if policy else None
    return {
        "id": int(r.id),
        "case_no": r.case_no,
        "application_id": int(r.application_id),
        "app_no": r.app_no,
        "programme_code": r.programme_code,
        "allocation_id": int(r.allocation_id) if r.allocation_id is not None else None,
        "street_code": r.street_code,
        "kind": r.kind,
        "kind_label": d.CASE_KINDS.get(r.kind, r.kind),
        "facts": json.loads(r.facts),
        "status": r.status,
        "status_label": CASE_STATUSES.get(r.status, r.status),
        "opened_at": r.opened_at,
        "due_at": r.due_at,
        "outcome": r.outcome,
        "outcome_label": d.OUTCOMES.get(r.outcome) if r.outcome else None,
        "outcome_reason": r.outcome_reason,
        "exit_deadline": r.exit_deadline,
        "ban_until": r.ban_until,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at,
        "rule": (
            {"outcome": rule.outcome, "exit_days": rule.exit_days, "ban_years": rule.ban_years, "credit": rule.credit}
            if rule
            else None
        ),
    }


def _case_select() -> Any:
    return select(cases, applications.c.app_no, applications.c.programme_code, applications.c.edition_id).join(
        applications, applications.c.id == cases.c.application_id
    )


def get_case(conn: Connection, case_id: int, *, scope: Scope) -> dict[str, Any]:
    r = conn.execute(_case_select().where(cases.c.id == case_id)).first()
    if r is None:
        raise NotFound(f"案件 {case_id} 不存在")
    scope.require(r.street_code, f"案件 {case_id} 不存在")
    return _case_out(r, svc.edition(conn, r.edition_id))


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    kind: str | None = None
    overdue: bool = False


def list_cases(
    conn: Connection, f: CaseFilter, *, scope: Scope, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    conds: list[Any] = list(scope.where(cases.c.street_code))
    if f.status:
        conds.append(cases.c.status == f.status)
    if f.kind:
        conds.append(cases.c.kind == f.kind)
    if f.overdue:
        conds.append(and_(cases.c.status == "open", cases.c.due_at < clock.now()))
    total = conn.execute(select(func.count()).select_from(cases).where(*conds)).scalar_one()
    rows = conn.execute(
        _case_select()
        .where(*conds)
        .order_by(cases.c.status.desc(), cases.c.due_at, cases.c.id)
        .limit(limit)
        .offset(offset)
    ).all()
    eds = _Editions(conn)
    return int(total), [_case_out(r, eds(r.edition_id)) for r in rows]


def requalify(conn: Connection, caller: Caller, programme_code: str, on: date | None = None) -> dict[str, int]:
    """Annual re-qualification (年度复核) of the households a programme supports now — allocated homes,
    or approved subsidies — whose last check is older than the edition's ``requalify_months``: the
    eligibility check runs again set-wise (their own benefit does not count against them) and a
    ``requalification`` case is opened for each that no longer qualifies, its facts the failed rules."""
    _officer(caller)
    today = clock.today()
    on = on or today
    if not date(2000, 1, 1) <= on <= today + timedelta(days=366):
        raise ValidationError.of("on", "复核日期应在 2000 年以后、一年之内")
    policy = programme_policy(conn, programme_code)
    if policy.benefit == d.Benefit.home:
        status = d.AppStatus.allocated
    elif policy.benefit == d.Benefit.subsidy:
        status = d.AppStatus.approved
    else:
        raise ValidationError.of("programme_code", f"{policy.name}不做年度复核")
    a = applications
    cutoff = _midnight(add_months(on, -policy.requalify_months))
    open_case_ = (
        select(cases.c.id)
        .where(cases.c.application_id == a.c.id, cases.c.kind == "requalification", cases.c.status == "open")
        .exists()
    )
    rows = conn.execute(
        select(a.c.id, a.c.app_no, a.c.status, a.c.street_code, a.c.edition_id)
        .where(a.c.programme_code == programme_code, a.c.status == status.value, *caller.scope.where(a.c.street_code))
        .where(or_(a.c.checked_at.is_(None), a.c.checked_at < cutoff), ~open_case_)
        .order_by(a.c.id)
    ).all()
    checked = qualified = opened = 0
    now = clock.now()
    prefix, n = _case_no(conn, now)
    eds = _Editions(conn)
    for chunk in range(0, len(rows), 5000):
        part = rows[chunk : chunk + 5000]
        ids = [int(r.id) for r in part]
        hh = svc._households(conn, ids)
        facts = svc.facts_for(conn, {x: [m.id_bidx for m in h.members] for x, h in hh.items()}, on)
        own = _benefits_elsewhere(conn, {x: [m.id_bidx for m in h.members] for x, h in hh.items()}, on)
        results = {
            x: d.evaluate(eds(r.edition_id), hh[x], replace(facts[x], supported_by=own.get(x, ())), on)
            for r in part
            if (x := int(r.id)) in hh
        }
        if results:
            conn.execute(
                update(applications)
                .where(applications.c.id == bindparam("b_id"))
                .values(eligible=bindparam("b_ok"), eligibility=bindparam("b_json"), checked_at=now),
                [{"b_id": x, "b_ok": e.eligible, "b_json": e.to_json()} for x, e in results.items()],
            )
        new_cases, steps = [], []
        for r in part:
            e = results.get(int(r.id))
            if e is None:
                continue
            checked += 1
            if e.eligible:
                qualified += 1
                continue
            n += 1
            alloc = _active_allocation(conn, int(r.id)) if status == d.AppStatus.allocated else None
            failed = [{"code": x.code, "name": x.name, "reason": x.reason} for x in e.failed]
            new_cases.append(
                {
                    "case_no": f"{prefix}{n:06d}",
                    "application_id": int(r.id),
                    "allocation_id": int(alloc.id) if alloc is not None else None,
                    "street_code": alloc.street_code if alloc is not None else r.street_code,
                    "kind": "requalification",
                    "facts": json.dumps(
                        {
                            "checked_on": on.isoformat(),
                            "policy": f"{e.policy_code}#{e.policy_edition}",
                            "failed": failed,
                        },
                        ensure_ascii=False,
                    ),
                    "status": "open",
                    "opened_at": now,
                    "due_at": now + timedelta(days=CASE_DAYS),
                }
            )
            steps.append(
                {
                    "application_id": int(r.id),
                    "at": now,
                    "actor": caller.username[:64],
                    "level": _level(caller),
                    "action": "case_open",
                    "from_status": r.status,
                    "to_status": r.status,
                    "reason": f"年度复核不再符合条件：{'；'.join(x['reason'] for x in failed)}"[:2000],
                    "ledger_index": None,
                }
            )
        if new_cases:
            try:
                conn.execute(cases.insert(), new_cases)
            except IntegrityError:
                raise Conflict("案件编号分配冲突，请重试", [FieldError("case_no", "编号已被占用")]) from None
            conn.execute(application_steps.insert(), steps)
            opened += len(new_cases)
    return {"checked": checked, "qualified": qualified, "cases": opened}


def _benefits_elsewhere(conn: Connection, bidx_by_app: dict[int, list[str]], on: date) -> dict[int, tuple[str, ...]]:
    """For each application, the programmes its members are supported by through other applications."""
    all_bidx = sorted({b for bs in bidx_by_app.values() for b in bs})
    by_person: dict[str, set[tuple[int | None, str]]] = {}
    for i in range(0, len(all_bidx), 5000):
        for b, app_id, prog in conn.execute(
            select(benefits.c.id_bidx, benefits.c.application_id, benefits.c.programme_code).where(
                benefits.c.id_bidx.in_(all_bidx[i : i + 5000]),
                benefits.c.since <= on,
                or_(benefits.c.until.is_(None), benefits.c.until > on),
            )
        ):
            by_person.setdefault(b, set()).add((int(app_id) if app_id is not None else None, str(prog)))
    return {
        x: tuple(sorted({p for b in bs for (a, p) in by_person.get(b, ()) if a != x})) for x, bs in bidx_by_app.items()
    }


# ---------------------------------------------------------------------------------------------- subsidies


def parse_month(month: str) -> tuple[date, date]:
    """'YYYY-MM' → (first day, first day of the next month), or a ValidationError naming ``month``."""
    m = _MONTH.match(month or "")
    if not m or not 2000 <= int(m.group(1)) <= 2100 or not 1 <= int(m.group(2)) <= 12:
        raise ValidationError.of("month", "应为 YYYY-MM 格式的月份（2000–2100 年）")
    first = date(int(m.group(1)), int(m.group(2)), 1)
    return first, add_months(first, 1)


def pay_subsidies(conn: Connection, caller: Caller, month: str) -> dict[str, int]:
    """One payment per approved rent-subsidy application (approved before the month ended) in the
    caller's scope for ``month``, the amount from its edition (per person with a cap, or by talent
    tier). Idempotent: applications already paid that month are skipped (unique per application and
    month), so a second run pays nothing. Each run that pays appends a summary to the log."""
    _officer(caller)
    first, nxt = parse_month(month)
    if first > clock.today():
        raise ValidationError.of("month", "不能发放未来月份的补贴")
    subsidy_editions = [
        int(r.id)
        for r in conn.execute(select(programme_editions.c.id, programme_editions.c.policy))
        if json.loads(r.policy).get("benefit") == d.Benefit.subsidy
    ]
    if not subsidy_editions:
        return {"paid": 0, "amount_fen": 0, "already_paid": 0}
    a = applications
    paid = select(subsidy_payments.c.id).where(
        subsidy_payments.c.application_id == a.c.id, subsidy_payments.c.month == month
    )
    base = [
        a.c.edition_id.in_(subsidy_editions),
        a.c.status == d.AppStatus.approved.value,
        a.c.decided_at < _midnight(nxt),
        *caller.scope.where(a.c.street_code),
    ]
    already = conn.execute(select(func.count()).select_from(a).where(*base, paid.exists())).scalar_one()
    rows = conn.execute(
        select(a.c.id, a.c.app_no, a.c.edition_id, a.c.household_size, a.c.talent_tier)
        .where(*base, ~paid.exists())
        .order_by(a.c.id)
    ).all()
    if not rows:
        return {"paid": 0, "amount_fen": 0, "already_paid": int(already)}
    eds = _Editions(conn)
    now = clock.now()
    out: list[dict[str, Any]] = [
        {
            "application_id": int(r.id),
            "month": month,
            "amount_fen": eds(r.edition_id).monthly_subsidy(r.household_size, r.talent_tier),
            "created_at": now,
        }
        for r in rows
    ]
    try:  # a concurrent run of the same month collides on the unique (application, month): refused whole
        conn.execute(subsidy_payments.insert(), out)
    except IntegrityError:
        raise Conflict(f"{month} 的补贴正在由他人发放，请稍后重试", [FieldError("month", "正在发放")]) from None
    total = sum(int(p["amount_fen"]) for p in out)
    digest = hashlib.new(
        "sm3", "".join(f"{r.app_no}\t{p['amount_fen']}\n" for r, p in zip(rows, out, strict=True)).encode()
    ).hexdigest()
    ledger.append(
        conn,
        LOG,
        [
            _entry(
                "assistance.subsidies.paid",
                month=month,
                payments=len(out),
                amount_fen=total,
                sm3=digest,
                actor=caller.username,
                at=now.isoformat(),
            )
        ],
    )
    return {"paid": len(out), "amount_fen": total, "already_paid": int(already)}
