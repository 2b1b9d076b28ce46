"""The bitemporal engine shared by buildings and homes.

A change says: from ``valid_from`` (and until ``valid_to``, or for ever) these attributes hold.
The engine never updates a fact in place. It marks the versions the change overlaps as superseded
(``superseded_at = now``) and records their replacements (``recorded_at = now``): the unaffected
parts with the old attributes and the affected parts with the patch applied. So the register can
answer both "what was true on date D" and "what did we believe at time T about date D".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Connection, Table, and_, or_, select, update

from anju.core.errors import NotFound, ValidationError
from anju.registry.domain import Status, can_transition
from anju.registry.tables import building_versions, buildings, home_versions, homes

END = date.max


@dataclass(frozen=True)
class Versioned:
    """How an entity's current table and versions table fit together."""

    current: Table
    versions: Table
    fk: str  # versions column naming the entity
    attrs: tuple[str, ...]  # versioned attributes
    carried: tuple[str, ...]  # copied unchanged from the current row into every version (e.g. street_code)


@dataclass
class Piece:
    valid_from: date
    valid_to: date | None
    attrs: dict[str, Any]


def versions_of(conn: Connection, spec: Versioned, entity_id: int, known_at: datetime | None = None) -> list[Any]:
    v = spec.versions
    cond = [v.c[spec.fk] == entity_id]
    if known_at is None:
        cond.append(v.c.superseded_at.is_(None))
    else:
        cond += [v.c.recorded_at <= known_at, or_(v.c.superseded_at.is_(None), v.c.superseded_at > known_at)]
    return list(conn.execute(select(v).where(*cond).order_by(v.c.valid_from)).mappings())


def as_of_condition(v: Table, on: date, known_at: datetime | None) -> Any:
    cond = [v.c.valid_from <= on, or_(v.c.valid_to.is_(None), v.c.valid_to > on)]
    if known_at is None:
        cond.append(v.c.superseded_at.is_(None))
    else:
        cond += [v.c.recorded_at <= known_at, or_(v.c.superseded_at.is_(None), v.c.superseded_at > known_at)]
    return and_(*cond)


def check_status_sequence(pieces: Sequence[Piece], field: str = "status") -> None:
    prev: Status | None = None
    for p in pieces:
        cur = Status(p.attrs["status"])
        if prev is not None and not can_transition(prev, cur):
            raise ValidationError.of(
                field, f"状态不能从「{prev.value}」变为「{cur.value}」（{p.valid_from.isoformat()} 起）"
            )
        prev = cur


def apply_change(
    conn: Connection,
    spec: Versioned,
    entity_id: int,
    patch: Mapping[str, Any],
    *,
    valid_from: date,
    valid_to: date | None,
    today: date,
    now: datetime,
    change_kind: str,
    reason: str | None,
    source: str,
    validate: Callable[[list[Piece]], None] | None = None,
) -> bool:
    """Apply ``patch`` over [valid_from, valid_to). Returns False when nothing would change."""
    unknown = set(patch) - set(spec.attrs)
    if unknown:
        raise ValidationError.of(sorted(unknown)[0], "不是可以修改的字段")
    if valid_from > today:
        raise ValidationError.of("valid_from", f"生效日期 {valid_from} 在未来")
    if valid_to is not None and valid_to <= valid_from:
        raise ValidationError.of("valid_to", "结束日期必须晚于生效日期")
    current = conn.execute(select(spec.current).where(spec.current.c.id == entity_id)).mappings().first()
    if current is None:
        raise NotFound(f"没有编号为 {entity_id} 的记录")
    rows = versions_of(conn, spec, entity_id)
    if not rows:
        raise NotFound(f"记录 {entity_id} 没有历史版本")
    if valid_from < rows[0]["valid_from"]:
        raise ValidationError.of(
            "valid_from", f"生效日期 {valid_from} 早于该记录最早的有效日期 {rows[0]['valid_from']}"
        )
    stop = valid_to or END
    timeline: list[Piece] = []
    touched: list[int] = []
    changed = False
    for r in rows:
        r_from, r_to = r["valid_from"], r["valid_to"]
        r_end = r_to or END
        old = {a: r[a] for a in spec.attrs}
        if r_end <= valid_from or r_from >= stop:
            timeline.append(Piece(r_from, r_to, old))
            continue
        new = {**old, **patch}
        if new == old:
            timeline.append(Piece(r_from, r_to, old))
            continue
        touched.append(r["id"])
        changed = True
        cuts = sorted({r_from, max(r_from, valid_from), min(r_end, stop), r_end})
        for a, b in pairwise(cuts):
            inside = a >= valid_from and b <= stop
            timeline.append(Piece(a, None if b == END else b, new if inside else old))
    if not changed:
        return False
    check_status_sequence(timeline)
    if validate is not None:
        validate(timeline)
    v = spec.versions
    conn.execute(update(v).where(v.c.id.in_(touched)).values(superseded_at=now))
    fresh = [p for p in timeline if _is_new(p, rows, touched)]
    carried = {c: current[c] for c in spec.carried}
    conn.execute(
        v.insert(),
        [
            {
                spec.fk: entity_id,
                **carried,
                **p.attrs,
                "valid_from": p.valid_from,
                "valid_to": p.valid_to,
                "recorded_at": now,
                "superseded_at": None,
                "change_kind": change_kind,
                "reason": reason,
                "source": source,
            }
            for p in fresh
        ],
    )
    latest = timeline[-1]
    conn.execute(
        update(spec.current)
        .where(spec.current.c.id == entity_id)
        .values(**latest.attrs, valid_from=latest.valid_from, recorded_at=now, version=current["version"] + 1)
    )
    return True


def _is_new(p: Piece, rows: Sequence[Any], touched: Sequence[int]) -> bool:
    for r in rows:
        if r["id"] in touched:
            continue
        if r["valid_from"] == p.valid_from and r["valid_to"] == p.valid_to:
            return False
    return True


# ------------------------------------------------------------------------------------------------
# the register's two versioned entities
# ------------------------------------------------------------------------------------------------

BUILDING_ATTRS = (
    "building_no",
    "name",
    "use",
    "structure",
    "floors_above",
    "floors_below",
    "units",
    "year_built",
    "status",
    "construction_area",
    "address",
    "footprint",
    "centroid_lon",
    "centroid_lat",
)


HOME_ATTRS = (
    "unit_no",
    "floor_no",
    "floor_label",
    "floor_to",
    "room_no",
    "use",
    "rooms",
    "halls",
    "orientation",
    "construction_area",
    "inner_area",
    "status",
    "address",
    "property_unit_code",
)


BUILDING_SPEC = Versioned(buildings, building_versions, "building_id", BUILDING_ATTRS, ("street_code",))


HOME_SPEC = Versioned(homes, home_versions, "home_id", HOME_ATTRS, ("building_id", "street_code"))
