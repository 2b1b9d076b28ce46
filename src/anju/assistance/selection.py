"""Selection (选房): candidates select homes in rank order, or pass their turn; the database's unique
indexes make it impossible for a home or an application to be allocated twice, whatever runs
concurrently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from anju import ledger
from anju.assistance import domain
from anju.assistance.catalogue import edition
from anju.assistance.common import LOG, log_entry, record_step, require_officer, scoped_application, text_field
from anju.assistance.drawing import DrawView, draw_out, scoped_draw, streets_of
from anju.assistance.review import set_pending, start_benefit
from anju.assistance.tables import allocations, application_steps, applications, assisted_homes, draw_candidates, draws
from anju.assistance.waitlist import passed_since, selected_in
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.registry import home_restrictions, homes, restriction_text
from anju.security import Caller


class HomeView(TypedDict):
    """An available assisted home."""

    home_id: int
    house_code: str
    address: str
    programme_code: str
    district_code: str
    street_code: str
    bedrooms: int
    area: str
    monthly_rent_fen: int | None
    price_fen: int | None
    status: str
    #: What bars allocating the home today (查封, 危房 … from the one restriction mechanism), in Chinese;
    #: empty when it may be chosen.
    restrictions: list[str]


class NextCandidate(TypedDict):
    """The candidate whose turn it is."""

    application_id: int
    candidate_id: str
    rank: int
    household_size: int
    priority_class: str | None
    street_code: str
    bedrooms_allowed: int | None


class Turn(TypedDict):
    """Whose turn it is in a drawn draw and the homes that fit that household."""

    draw: DrawView
    next: NextCandidate | None
    homes: list[HomeView]
    homes_total: int


_TURN_BATCH = 200


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
    after = 0
    while True:
        batch = conn.execute(
            select(
                draw_candidates.c.position,
                draw_candidates.c.rank,
                draw_candidates.c.candidate_id,
                draw_candidates.c.application_id,
            )
            .where(draw_candidates.c.draw_id == row.id, draw_candidates.c.rank > after)
            .order_by(draw_candidates.c.rank)
            .limit(_TURN_BATCH)
        ).all()
        if not batch:
            return None
        ids = [int(r.application_id) for r in batch]
        apps = {
            int(x.id): x
            for x in conn.execute(
                select(
                    applications.c.id,
                    applications.c.household_size,
                    applications.c.priority_class,
                    applications.c.edition_id,
                    applications.c.street_code,
                ).where(applications.c.id.in_(ids), applications.c.status == domain.AppStatus.approved.value)
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
            f"摇号 {row.draw_no} {domain.DRAW_STATUSES.get(row.status, row.status)}，不在选房阶段",
            [FieldError("status", row.status)],
        )
    c = _candidate(conn, row, app_id)
    done = (
        conn.execute(select(selected_in(row.id, app_id))).scalar_one()
        or conn.execute(select(passed_since(app_id, row.drawn_at))).scalar_one()
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
) -> Page[HomeView]:
    """Available homes of the programme with at most ``bedrooms`` bedrooms (None: any), in scope, each
    with what bars choosing it today (the one restriction mechanism, asked once for the page)."""
    conds = [
        assisted_homes.c.programme_code == programme_code,
        assisted_homes.c.status == "available",
        *scope.where(assisted_homes.c.street_code),
    ]
    if bedrooms is not None:
        conds.append(assisted_homes.c.bedrooms <= bedrooms)
    q = (
        select(assisted_homes, homes.c.house_code, homes.c.address)
        .join(homes, homes.c.id == assisted_homes.c.home_id)
        .where(*conds)
        .order_by(assisted_homes.c.bedrooms.desc(), assisted_homes.c.area.desc(), assisted_homes.c.home_id)
    )
    count_stmt = select(assisted_homes.c.home_id).where(*conds)
    page = fetch_page(conn, q, limit=limit, offset=offset, row=_home_out, count_stmt=count_stmt)
    barred = home_restrictions(conn, [h["home_id"] for h in page.items], clock.today())
    for h in page.items:
        h["restrictions"] = [restriction_text(r) for r in barred.get(h["home_id"], [])]
    return page


def _home_out(r: Any) -> HomeView:
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
        "restrictions": [],
    }


def turn(conn: Connection, draw_id: int, *, scope: Scope, limit: int = 50, offset: int = 0) -> Turn:
    """Whose turn it is in a drawn draw and the available homes that fit that household."""
    row = scoped_draw(conn, scope, draw_id)
    draw = draw_out(conn, row, streets_of(conn, [draw_id]))
    nxt = _next_turn(conn, row) if row.status == "drawn" else None
    if nxt is None:
        return {"draw": draw, "next": None, "homes": [], "homes_total": 0}
    allowed = edition(conn, nxt.edition_id).bedrooms_allowed(nxt.household_size)
    fitting = fitting_homes(conn, row.programme_code, allowed, scope=scope, limit=limit, offset=offset)
    return {
        "draw": draw,
        "next": {
            "application_id": int(nxt.application_id),
            "candidate_id": nxt.candidate_id,
            "rank": nxt.rank,
            "household_size": nxt.household_size,
            "priority_class": nxt.priority_class,
            "street_code": nxt.street_code,
            "bedrooms_allowed": allowed,
        },
        "homes": list(fitting.items),
        "homes_total": fitting.total,
    }


def select_home(conn: Connection, caller: Caller, draw_id: int, application_id: int, home_id: int) -> int:
    """The candidate whose turn it is chooses a home (选房). The home must be an available home of the
    draw's programme with no more bedrooms than the household may have. The unique indexes on active
    allocations make a second allocation of the home or of the application impossible: it is caught
    in a savepoint and answered 409 naming the field."""
    require_officer(caller)
    _lock_draw(conn, draw_id)
    row = scoped_draw(conn, caller.scope, draw_id, write=True)
    c = _turn_check(conn, row, application_id)
    app = scoped_application(conn, caller.scope, application_id)
    if app.status != domain.AppStatus.approved:
        raise Conflict(
            f"申请 {app.app_no} 当前状态为 {domain.STATUS_LABELS[domain.AppStatus(app.status)]}",
            [FieldError("application_id", app.status)],
        )
    policy = edition(conn, app.edition_id)
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
    barred = home_restrictions(conn, [home_id], clock.today()).get(home_id)
    if barred:
        text = "；".join(restriction_text(r) for r in barred)
        raise Conflict(
            f"房源 {home.house_code} 存在限制（{text}），不能选定", [FieldError("home_id", f"存在限制（{text}）")]
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
        .where(applications.c.id == application_id, applications.c.status == domain.AppStatus.approved.value)
        .values(
            status=domain.AppStatus.allocated.value,
            level=None,
            due_at=None,
            updated_at=now,
            version=applications.c.version + 1,
        )
    )
    if moved.rowcount != 1:
        raise Conflict("申请已被他人处理，请刷新后再试", [FieldError("application_id", "状态已变")])
    set_pending(conn, application_id, False)
    start_benefit(conn, application_id, policy, clock.to_local(now).date())
    idx = ledger.append(
        conn,
        LOG,
        [
            log_entry(
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
    record_step(
        conn,
        application_id,
        caller,
        "select",
        domain.AppStatus.approved.value,
        domain.AppStatus.allocated.value,
        f"摇号 {row.draw_no} 第 {c.rank} 位选定房屋 {home.house_code}",
        idx,
    )
    return int(alloc_id)


def pass_turn(conn: Connection, caller: Caller, draw_id: int, application_id: int, reason: str) -> None:
    """A candidate gives up its turn in this draw (放弃选房); it stays approved and goes back to the
    waiting list. Recorded as the application step ``pass`` (with a log entry)."""
    require_officer(caller)
    why = text_field(reason, "reason", 500)
    _lock_draw(conn, draw_id)
    row = scoped_draw(conn, caller.scope, draw_id, write=True)
    if row.status != "drawn":
        raise Conflict(f"摇号 {row.draw_no} 不在选房阶段", [FieldError("status", row.status)])
    c = _candidate(conn, row, application_id)
    app = scoped_application(conn, caller.scope, application_id)
    if app.status != domain.AppStatus.approved:
        raise Conflict(
            f"申请 {app.app_no} 当前状态为 {domain.STATUS_LABELS[domain.AppStatus(app.status)]}",
            [FieldError("application_id", app.status)],
        )
    if (
        conn.execute(select(selected_in(row.id, application_id))).scalar_one()
        or conn.execute(select(passed_since(application_id, row.drawn_at))).scalar_one()
    ):
        raise Conflict(f"{c.candidate_id} 已选房或已放弃本轮", [FieldError("application_id", "已轮过")])
    idx = ledger.append(
        conn,
        LOG,
        [
            log_entry(
                "assistance.pass",
                draw_no=row.draw_no,
                rank=c.rank,
                candidate=c.candidate_id,
                actor=caller.username,
                at=clock.now().isoformat(),
            )
        ],
    )
    record_step(
        conn,
        application_id,
        caller,
        "pass",
        app.status,
        app.status,
        f"摇号 {row.draw_no} 第 {c.rank} 位放弃选房：{why}",
        idx,
    )
