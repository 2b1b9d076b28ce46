"""Hazard cases (隐患/危房处置, issue 23): a C or D grade opens the building's case with a remediation
path (一幢一策: 留 monitor / 改 reinforce / 拆 demolish) and deadlines — the path decided by
``decide_by``, the remediation done by ``due_on``. While a case is open the building's homes are
restricted through the registry's one mechanism (:func:`hazard_source`, declared in ``anju.contexts``):
rental listing verification, lease filing and the sale contracts that ask it stop. Closing the case
lifts the restriction: remediated (a later A or B appraisal), monitored (a 留 case), or demolished —
through the register's life cycle (``registry.change_building`` to 拆除, carried down to its homes).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, bindparam, func, or_, select

from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.registry import Change, Restriction, Status, buildings, change_building, homes
from anju.safety import domain
from anju.safety.agencies import clean_text, refuse
from anju.safety.tables import safety_appraisals, safety_hazards
from anju.security import Caller

_H, _B, _AP = safety_hazards.c, buildings.c, safety_appraisals.c
CHUNK = 5000

# ---------------------------------------------------------------------------- the restriction source

_OPEN_ON = (
    select(homes.c.id, _H.grade, _H.case_no)
    .join(safety_hazards, _H.building_id == homes.c.building_id)
    .where(
        homes.c.id.in_(bindparam("ids", expanding=True)),
        _H.opened_on <= bindparam("on"),
        or_(_H.closed_on.is_(None), _H.closed_on > bindparam("on")),
    )
)


def hazard_source(conn: Connection, home_ids: Sequence[int], on: date) -> dict[int, list[Restriction]]:
    """House safety's restriction source: the homes of a building whose hazard case is open on ``on``
    are restricted as 危房 (kind ``unsafe``, source ``safety``), set-wise."""
    out: dict[int, list[Restriction]] = defaultdict(list)
    ids = sorted(set(home_ids))
    for i in range(0, len(ids), CHUNK):
        for hid, grade, case_no in conn.execute(_OPEN_ON, {"ids": ids[i : i + CHUNK], "on": on}):
            out[int(hid)].append(Restriction("unsafe", "safety", f"{grade} 级危险房屋，处置中（{case_no}）"))
    return dict(out)


# ------------------------------------------------------------------------------------------ the cases


def open_case(conn: Connection, b: Any, appraisal_id: int, grade: str, on: date, *, synthetic: bool = False) -> int:
    """Open the building's case for a C or D appraisal (the open one, if any, takes the newer appraisal
    and the worse grade); returns the case's id."""
    now = clock.now()
    current = conn.execute(select(_H.id, _H.grade).where(_H.building_id == b.id, _H.status == "open")).first()
    if current is not None:
        worse = max(current.grade, grade)
        conn.execute(
            safety_hazards.update().where(_H.id == current.id).values(appraisal_id=appraisal_id, grade=worse,
                                                                       updated_at=now)
        )  # fmt: skip
        return int(current.id)
    hid = int(
        conn.execute(
            safety_hazards.insert()
            .values(
                case_no=f"tmp-{secrets.token_hex(6)}", building_id=b.id, district_code=b.district_code,
                street_code=b.street_code, appraisal_id=appraisal_id, grade=grade, path=domain.default_path(grade),
                path_decided=False, opened_on=on, decide_by=on + timedelta(days=domain.DECIDE_WITHIN_DAYS),
                status="open", synthetic=synthetic, updated_at=now,
            )
            .returning(_H.id)
        ).scalar_one()
    )  # fmt: skip
    conn.execute(safety_hazards.update().where(_H.id == hid).values(case_no=f"WF{on:%Y}-{hid:07d}"))
    return hid


class HazardLine(TypedDict):
    id: int
    case_no: str
    building_id: int
    house_code: str
    address: str
    structure: str
    year_built: int | None
    district_code: str
    street_code: str
    grade: str
    grade_label: str
    path: str
    path_label: str
    path_decided: bool
    measures: str | None
    opened_on: date
    decide_by: date
    due_on: date | None
    status: str
    status_label: str
    closed_on: date | None
    closure: str | None
    closure_label: str
    close_reason: str | None
    overdue: bool
    synthetic: bool


class HazardDetail(HazardLine):
    appraisal_id: int
    report_no: str
    homes: int
    updated_at: datetime


@dataclass(frozen=True)
class HazardFilter:
    district: str | None = None
    street: str | None = None
    status: str | None = None
    path: str | None = None
    grade: str | None = None
    overdue: bool = False


def _stmt(f: HazardFilter, scope: Scope, today: date) -> Any:
    conds: list[Any] = list(scope.where(_H.street_code))
    for col, v in ((_H.district_code, f.district), (_H.street_code, f.street), (_H.status, f.status),
                   (_H.path, f.path), (_H.grade, f.grade)):  # fmt: skip
        if v:
            conds.append(col == v)
    if f.overdue:
        conds += [
            _H.status == "open",
            or_(and_(_H.path_decided.is_(False), _H.decide_by < today), _H.due_on < today),
        ]
    return (
        select(safety_hazards, _B.house_code, _B.address, _B.structure, _B.year_built)
        .join(buildings, _B.id == _H.building_id)
        .where(*conds)
    )


def _line(r: Any, today: date) -> HazardLine:
    late = r.status == "open" and (
        (not r.path_decided and domain.overdue(r.decide_by, today)) or domain.overdue(r.due_on, today)
    )
    return {
        "id": int(r.id), "case_no": r.case_no, "building_id": int(r.building_id), "house_code": r.house_code,
        "address": r.address, "structure": r.structure, "year_built": r.year_built,
        "district_code": r.district_code, "street_code": r.street_code, "grade": r.grade,
        "grade_label": domain.GRADES.get(r.grade, r.grade), "path": r.path,
        "path_label": domain.PATHS.get(r.path, r.path), "path_decided": bool(r.path_decided),
        "measures": r.measures, "opened_on": r.opened_on, "decide_by": r.decide_by, "due_on": r.due_on,
        "status": r.status, "status_label": domain.HAZARD_STATUSES.get(r.status, r.status),
        "closed_on": r.closed_on, "closure": r.closure, "closure_label": domain.CLOSURES.get(r.closure or "", ""),
        "close_reason": r.close_reason, "overdue": late, "synthetic": bool(r.synthetic),
    }  # fmt: skip


def list_hazards(conn: Connection, f: HazardFilter, *, scope: Scope, limit: int, offset: int) -> Page[HazardLine]:
    today = clock.today()
    stmt = _stmt(f, scope, today).order_by(_H.id.desc())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda r: _line(r, today))


HAZARD_CSV_COLUMNS = ("案号", "房屋代码", "地址", "街道", "等级", "处置方式", "立案日期", "方案期限", "整改期限",
                      "状态", "销案日期", "销案方式", "逾期")  # fmt: skip


def export_hazards(conn: Connection, f: HazardFilter, *, scope: Scope) -> Iterator[list[Any]]:
    today = clock.today()
    base = _stmt(f, scope, today)
    last = 0
    while True:
        rows = conn.execute(base.where(_H.id > last).order_by(_H.id).limit(1000)).all()
        if not rows:
            return
        for r in rows:
            x = _line(r, today)
            yield [
                x["case_no"], x["house_code"], x["address"], x["street_code"], x["grade"], x["path_label"],
                x["opened_on"].isoformat(), x["decide_by"].isoformat(), x["due_on"].isoformat() if x["due_on"] else "",
                x["status_label"], x["closed_on"].isoformat() if x["closed_on"] else "", x["closure_label"],
                "是" if x["overdue"] else "",
            ]  # fmt: skip
        last = int(rows[-1].id)


def _scoped(conn: Connection, scope: Scope, hazard_id: int) -> Any:
    row = conn.execute(
        select(safety_hazards, _B.house_code, _B.address, _B.structure, _B.year_built, _B.status.label("b_status"),
               _AP.report_no)
        .join(buildings, _B.id == _H.building_id)
        .join(safety_appraisals, _AP.id == _H.appraisal_id)
        .where(_H.id == hazard_id)
    ).first()  # fmt: skip
    missing = f"隐患案件 {hazard_id} 不存在"
    if row is None:
        raise NotFound(missing)
    scope.require(row.street_code, missing)
    return row


def get_hazard(conn: Connection, scope: Scope, hazard_id: int) -> HazardDetail:
    r = _scoped(conn, scope, hazard_id)
    n = conn.execute(select(func.count()).where(homes.c.building_id == r.building_id)).scalar_one()
    return {
        **_line(r, clock.today()), "appraisal_id": int(r.appraisal_id), "report_no": r.report_no, "homes": int(n),
        "updated_at": r.updated_at,
    }  # fmt: skip


@dataclass(frozen=True)
class PathIn:
    path: str
    due_on: date
    measures: str


def decide_path(conn: Connection, caller: Caller, hazard_id: int, cmd: PathIn) -> None:
    """一幢一策: decide (or change) the case's path, its measures and the remediation deadline."""
    row = _scoped(conn, caller.scope, hazard_id)
    if row.status != "open":
        raise Conflict("案件已销案", [FieldError("status", "已销案")])
    errors: list[FieldError] = []
    if cmd.path not in domain.PATHS:
        errors.append(FieldError("path", "应为 " + "、".join(domain.PATHS)))
    if cmd.due_on <= clock.today():
        errors.append(FieldError("due_on", "整改期限应晚于今天"))
    measures = clean_text(cmd.measures, "measures", 400, errors)
    refuse(errors, "处置方案")
    conn.execute(
        safety_hazards.update()
        .where(_H.id == hazard_id)
        .values(path=cmd.path, path_decided=True, due_on=cmd.due_on, measures=measures, updated_at=clock.now())
    )


@dataclass(frozen=True)
class CloseIn:
    closure: str
    reason: str
    closed_on: date | None = None


def close_case(conn: Connection, caller: Caller, hazard_id: int, cmd: CloseIn) -> str:
    """Close the case (销案), lifting the restriction on its homes: ``remediated`` needs an A or B appraisal
    of the building after the case opened; ``monitored`` needs the 留 path; ``demolished`` needs the 拆
    path and moves the building (and its homes) to 拆除 through the register's life cycle."""
    row = _scoped(conn, caller.scope, hazard_id)
    if row.status != "open":
        raise Conflict("案件已销案", [FieldError("status", "已销案")])
    on = cmd.closed_on or clock.today()
    errors: list[FieldError] = []
    if cmd.closure not in domain.CLOSURES:
        errors.append(FieldError("closure", "应为 " + "、".join(domain.CLOSURES)))
    reason = clean_text(cmd.reason, "reason", 200, errors)
    if on > clock.today() or on < row.opened_on:
        errors.append(FieldError("closed_on", "应在立案日期与今天之间"))
    if cmd.closure == "remediated":
        safe = conn.execute(
            select(func.count()).where(
                _AP.building_id == row.building_id,
                _AP.grade.in_(("A", "B")),
                _AP.appraised_on >= row.opened_on,
                _AP.id > row.appraisal_id,
            )
        ).scalar_one()
        if not safe:
            errors.append(FieldError("closure", "整改完成须先登记立案后的 A 或 B 级复鉴"))
    if cmd.closure == "monitored" and row.path != "monitor":
        errors.append(FieldError("closure", "只有“留”的案件可以监测期满解除"))
    if cmd.closure == "demolished" and row.path != "demolish":
        errors.append(FieldError("closure", "只有“拆”的案件可以拆除销案"))
    refuse(errors, "销案")
    if cmd.closure == "demolished" and row.b_status != Status.demolished.value:
        change_building(
            conn,
            int(row.building_id),
            Change(
                {"status": Status.demolished.value},
                valid_from=on,
                kind="status",
                reason=f"危房拆除（{row.case_no}）",
                source="safety",
            ),
            scope=caller.scope,
        )  # fmt: skip
    conn.execute(
        safety_hazards.update()
        .where(_H.id == hazard_id)
        .values(status="closed", closed_on=on, closure=cmd.closure, close_reason=reason, updated_at=clock.now())
    )
    return "closed"
