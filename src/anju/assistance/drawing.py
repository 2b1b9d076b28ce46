"""Draws (摇号): an officer freezes the waiting list into a draw (the candidates' ids and their SM3 hash
are stored and logged before the draw); officers present run it with a seed announced in public
(:mod:`anju.core.lottery`: the stored list is re-hashed, the order, the ranks and the result hash
are stored and logged) and anyone can re-run it from the published files (``anju lottery verify``).

A draw is seen by a caller when one of its candidates' applications lies in the caller's scope, and
changed only when all of them do."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from anju import ledger
from anju.assistance import domain
from anju.assistance.catalogue import home_programme
from anju.assistance.common import LOG, level_of, log_entry, require_officer, text_field
from anju.assistance.tables import allocations, application_steps, applications, draw_candidates, draws
from anju.assistance.waitlist import in_open_draw, passed_since, waiting_conds
from anju.core import clock, lottery
from anju.core.dialect import bulk_insert
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import OutOfScope, Scope
from anju.security import Caller

if TYPE_CHECKING:
    from anju.core.jobs import Progress


class DrawPublic(TypedDict):
    """What anyone may see about a draw (no sign-in): numbers, hashes, seed, counts, log entries."""

    id: int
    draw_no: str
    title: str
    programme_code: str
    priority_class: str | None
    status: str
    status_label: str
    algorithm: str
    candidates: int
    list_hash: str
    frozen_at: datetime
    frozen_by: str
    seed: str | None
    seed_source: str | None
    witnesses: list[str]
    result_hash: str | None
    drawn_at: datetime | None
    drawn_by: str | None
    frozen_ledger_index: int | None
    ledger_index: int | None
    selected: int
    passed: int


class DrawView(DrawPublic):
    """A draw as officers see it: what is published and the streets of its candidates."""

    street_codes: list[str]


class DrawEntry(TypedDict):
    """A candidate of a draw's published list."""

    position: int
    rank: int | None
    candidate_id: str


MAX_WITNESSES = 20


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


def scoped_draw(conn: Connection, scope: Scope, draw_id: int, *, write: bool = False) -> Any:
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
    return [
        select(draw_candidates.c.draw_id)
        .join(applications, applications.c.id == draw_candidates.c.application_id)
        .where(draw_candidates.c.draw_id == draws.c.id, *scope.where(applications.c.street_code))
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
    require_officer(caller)
    title_ok = text_field(title, "title", 120)
    cls = text_field(priority_class, "priority_class", 24, required=False)
    home_programme(conn, programme_code)
    now = clock.now()
    draw_no = _draw_no(conn, now)  # read before the list: a stale number means a stale list (see above)
    rows = conn.execute(
        select(applications.c.id, applications.c.app_no)
        .where(*waiting_conds(programme_code, cls, caller.scope), ~in_open_draw(applications.c.id))
        .order_by(applications.c.submitted_at, applications.c.app_no)
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
            log_entry(
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
    src = text_field(seed_source, "seed_source", 200)
    if not witnesses:
        raise ValidationError.of("witnesses", "至少一名在场见证人（公证或监督人员）")
    if len(witnesses) > MAX_WITNESSES:
        raise ValidationError.of("witnesses", f"最多 {MAX_WITNESSES} 名")
    names = [str(text_field(w, f"witnesses[{i}]", 40)) for i, w in enumerate(witnesses)]
    return s, str(src), names


def check_run(
    conn: Connection, caller: Caller, draw_id: int, seed: str, seed_source: str | None, witnesses: Sequence[str]
) -> tuple[Any, tuple[str, str, list[str]]]:
    """What :func:`run_draw` checks before it reads the list: the caller is an officer who holds every
    candidate's street, the draw is still frozen and the seed, its source and the witnesses are valid.
    The draw's page calls it before it starts the draw as a job, so a refusal is shown at once."""
    require_officer(caller)
    row = scoped_draw(conn, caller.scope, draw_id, write=True)
    if row.status != "frozen":
        raise Conflict(
            f"摇号 {row.draw_no} 已经进行过（{domain.DRAW_STATUSES.get(row.status, row.status)}）",
            [FieldError("status", row.status)],
        )
    return row, check_run_input(seed, seed_source, witnesses)


#: Ranks and application steps are written this many candidates at a time, each batch reported.
RUN_BATCH = 2000


def _quiet(message: str, fraction: float) -> None:
    """No progress to report (a request or a command line that waits for the answer)."""


def run_draw(
    conn: Connection,
    caller: Caller,
    draw_id: int,
    seed: str,
    seed_source: str,
    witnesses: Sequence[str],
    *,
    progress: Progress = _quiet,
) -> DrawPublic:
    """Run a frozen draw: the stored list is re-read in frozen order and re-hashed — a list changed
    since it was published is refused (409 naming ``list_hash``) — then the lottery gives the order of
    choosing; ranks, seed and result hash are stored and appended to the log. ``progress`` hears each
    stage with its counts (the draw's page runs it as a background job, ``anju.core.jobs``); it does
    not change what is drawn."""
    row, (s, src, names) = check_run(conn, caller, draw_id, seed, seed_source, witnesses)
    progress(f"读取冻结名单（{row.candidates} 人）", 0.02)
    stored = conn.execute(
        select(draw_candidates.c.position, draw_candidates.c.candidate_id, draw_candidates.c.application_id)
        .where(draw_candidates.c.draw_id == draw_id)
        .order_by(draw_candidates.c.position)
    ).all()
    ids = [str(r.candidate_id) for r in stored]
    progress(f"重新计算 {len(ids)} 人名单的 SM3 哈希，与冻结时公布的核对", 0.1)
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
    progress(f"名单哈希一致；按种子计算 {len(ids)} 人的选房顺序（{lottery.ALGORITHM}）", 0.15)
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
    set_rank = (
        update(draw_candidates)
        .where(draw_candidates.c.draw_id == bindparam("b_draw"), draw_candidates.c.position == bindparam("b_pos"))
        .values(rank=bindparam("b_rank"))
    )
    for start in range(0, len(stored), RUN_BATCH):
        batch = stored[start : start + RUN_BATCH]
        conn.execute(
            set_rank, [{"b_draw": draw_id, "b_pos": r.position, "b_rank": rank[str(r.candidate_id)]} for r in batch]
        )
        done_n = start + len(batch)
        progress(f"已写入选房顺序 {done_n}/{len(stored)} 人", 0.2 + 0.4 * done_n / len(stored))
    progress("把摇号结果写入可验证日志", 0.62)
    idx = ledger.append(
        conn,
        LOG,
        [
            log_entry(
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
    level = level_of(caller)
    for start in range(0, len(stored), RUN_BATCH):
        batch = stored[start : start + RUN_BATCH]
        conn.execute(
            application_steps.insert(),
            [
                {
                    "application_id": int(r.application_id),
                    "at": now,
                    "actor": caller.username[:64],
                    "level": level,
                    "action": "draw",
                    "from_status": domain.AppStatus.approved.value,
                    "to_status": domain.AppStatus.approved.value,
                    "reason": f"摇号 {row.draw_no}：选房顺序第 {rank[str(r.candidate_id)]} 位（共 {len(ids)} 位）",
                    "ledger_index": idx,
                }
                for r in batch
            ],
        )
        done_n = start + len(batch)
        progress(f"已记入申请的办理过程 {done_n}/{len(stored)} 份", 0.65 + 0.3 * done_n / len(stored))
    return draw_public(conn, draw_id)


def close_draw(conn: Connection, caller: Caller, draw_id: int, reason: str) -> None:
    """End a draw: a frozen one is cancelled, a drawn one's selection is over. Candidates who have
    neither selected nor passed go back to the waiting list (they may be frozen into the next draw)."""
    require_officer(caller)
    why = text_field(reason, "reason", 500)
    row = scoped_draw(conn, caller.scope, draw_id, write=True)
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
            log_entry(
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
    selected = conn.execute(
        select(func.count()).select_from(allocations).where(allocations.c.draw_id == row.id)
    ).scalar_one()
    passed = 0
    if row.drawn_at is not None:
        passed = conn.execute(
            select(func.count())
            .select_from(draw_candidates)
            .where(draw_candidates.c.draw_id == row.id, passed_since(draw_candidates.c.application_id, row.drawn_at))
        ).scalar_one()
    return {"selected": int(selected), "passed": int(passed)}


def draw_out(conn: Connection, row: Any, streets: dict[int, list[str]] | None = None) -> DrawView:
    return {**_published(conn, row), "street_codes": (streets or {}).get(int(row.id), [])}


def _published(conn: Connection, row: Any) -> DrawPublic:
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
        "status_label": domain.DRAW_STATUSES.get(row.status, row.status),
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
    }


def streets_of(conn: Connection, draw_ids: Sequence[int]) -> dict[int, list[str]]:
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


def draw_public(conn: Connection, draw_id: int) -> DrawPublic:
    """What is published about a draw (no sign-in): numbers, hashes, seed, counts, log entries."""
    return _published(conn, _draw_row(conn, draw_id))


def get_draw(conn: Connection, draw_id: int, *, scope: Scope) -> DrawView:
    row = scoped_draw(conn, scope, draw_id)
    return draw_out(conn, row, streets_of(conn, [draw_id]))


@dataclass(frozen=True)
class DrawFilter:
    programme: str | None = None
    status: str | None = None


def list_draws(conn: Connection, f: DrawFilter, *, scope: Scope, limit: int, offset: int) -> Page[DrawView]:
    conds = _visible_draws(scope)
    if f.programme:
        conds.append(draws.c.programme_code == f.programme)
    if f.status:
        conds.append(draws.c.status == f.status)
    page = fetch_page(conn, select(draws).where(*conds).order_by(draws.c.id.desc()), limit=limit, offset=offset)
    streets = streets_of(conn, [int(r.id) for r in page.items])
    return page.map(lambda r: draw_out(conn, r, streets))


def draw_entries(conn: Connection, draw_id: int, *, order: str = "rank", limit: int, offset: int) -> Page[DrawEntry]:
    """The published list of a draw, paginated: by drawn rank (after the draw) or frozen position."""
    row = _draw_row(conn, draw_id)
    by_rank = order == "rank" and row.drawn_at is not None
    col = draw_candidates.c.rank if by_rank else draw_candidates.c.position
    rows = conn.execute(
        select(draw_candidates.c.position, draw_candidates.c.rank, draw_candidates.c.candidate_id)
        .where(draw_candidates.c.draw_id == draw_id)
        .order_by(col)
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(
        [{"position": r.position, "rank": r.rank, "candidate_id": r.candidate_id} for r in rows], int(row.candidates)
    )


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


def verify_command(row: DrawPublic) -> str:
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
