"""Planning: the scanned rows resolved against the register with a few bulk queries (estates, buildings,
homes by place and by house code), the checks of new homes, and the merge of the sources' values by
per-field precedence (``source_rules``: data, not code)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, TypedDict, cast

from sqlalchemy import Connection, select

from anju.registry import domain
from anju.registry.imports.run import ImportRun, Row, chunks
from anju.registry.tables import buildings, estates, homes, source_rules

_LIVE_EXCLUDED = (domain.Status.retired.value, domain.Status.demolished.value)
_HOME_COLS = (
    homes.c.id,
    homes.c.house_code,
    homes.c.building_id,
    homes.c.unit_no,
    homes.c.room_no,
    homes.c.floor_no,
    homes.c.street_code,
    homes.c.estate_id,
    homes.c.status,
)
_BUILDING_COLS = (
    buildings.c.id,
    buildings.c.estate_id,
    buildings.c.building_no,
    buildings.c.house_code,
    buildings.c.floors_above,
    buildings.c.floors_below,
    buildings.c.status,
    buildings.c.address,
    buildings.c.street_code,
    buildings.c.district_code,
)


# ------------------------------------------------------------------------------------------------
# resolution against the register
# ------------------------------------------------------------------------------------------------


def resolve(run: ImportRun) -> None:
    """Find the estates, buildings and homes the rows name; mark new homes; check them."""
    _find_estates(run)
    _find_buildings(run)
    by_location = _homes_by_location(run)
    by_code = _homes_by_code(run)
    seen: dict[Any, int] = {}
    for row in run.rows:
        key = _match(run, row, by_location, by_code)
        if key is None:
            continue
        first = seen.setdefault(key, row.n)
        if first != row.n:
            what = "房屋代码" if row.house_code else "幢号、单元、房号"
            run.err(
                row.n,
                run.label("house_code") if row.house_code else run.label("room_no"),
                f"与第 {first} 行是同一套房屋（{what}相同），文件中每套房屋只能出现一次",
            )
    _check_new(run)


def _find_estates(run: ImportRun) -> None:
    street_codes = sorted({k[0] for k in run.estates})
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for part in chunks(street_codes):
        for r in run.conn.execute(
            select(estates.c.id, estates.c.street_code, estates.c.name, estates.c.address, estates.c.district_code)
            .where(estates.c.street_code.in_(part))
            .order_by(estates.c.id)
        ).mappings():
            found.setdefault((r["street_code"], r["name"]), dict(r))
    for ekey, ep in run.estates.items():
        ep.existing = found.get(ekey)
        ep.id = ep.existing["id"] if ep.existing else None


def _find_buildings(run: ImportRun) -> None:
    estate_ids = {ep.id: ek for ek, ep in run.estates.items() if ep.id is not None}
    for part in chunks(sorted(estate_ids)):
        for r in run.conn.execute(select(*_BUILDING_COLS).where(buildings.c.estate_id.in_(part))).mappings():
            skey, ename = estate_ids[r["estate_id"]]
            bp = run.buildings.get((skey, ename, r["building_no"]))
            if bp is not None and bp.existing is None:
                bp.existing = dict(r)
                bp.id = r["id"]


def _homes_by_location(run: ImportRun) -> dict[tuple[int, str | None, str], tuple[int, int]]:
    """(building id, unit, room) → (home id, floor) of the live homes of the buildings found."""
    by_bid = {bp.id: bp for bp in run.buildings.values() if bp.id is not None}
    by_location: dict[tuple[int, str | None, str], tuple[int, int]] = {}
    for part in chunks(sorted(by_bid)):
        for h in run.conn.execute(
            select(*_HOME_COLS).where(homes.c.building_id.in_(part), homes.c.status.not_in(_LIVE_EXCLUDED))
        ):
            by_location.setdefault((int(h.building_id), h.unit_no, h.room_no), (int(h.id), int(h.floor_no)))
    return by_location


class _KnownHome(TypedDict):
    """A home a row names by its house code: where the register has it (``_HOME_COLS`` and names)."""

    id: int
    house_code: str
    building_id: int
    unit_no: str | None
    room_no: str
    floor_no: int
    street_code: str
    estate_id: int
    status: str
    building_no: str
    estate_name: str


def _homes_by_code(run: ImportRun) -> dict[str, _KnownHome]:
    codes = sorted({r.house_code for r in run.rows if r.house_code})
    by_code: dict[str, _KnownHome] = {}
    for part in chunks(codes):
        q = (
            select(*_HOME_COLS, buildings.c.building_no, estates.c.name.label("estate_name"))
            .join(buildings, buildings.c.id == homes.c.building_id)
            .join(estates, estates.c.id == homes.c.estate_id)
            .where(homes.c.house_code.in_(part))
        )
        for r in run.conn.execute(q).mappings():
            by_code[r["house_code"]] = cast(_KnownHome, dict(r))
    return by_code


def _match(
    run: ImportRun,
    row: Row,
    by_location: dict[tuple[int, str | None, str], tuple[int, int]],
    by_code: dict[str, _KnownHome],
) -> Any:
    """The home a row is about (its key in the file), or None when the row cannot be matched."""
    if row.house_code:
        known = by_code.get(row.house_code)
        if known is None:
            run.err(row.n, run.label("house_code"), f"登记簿中没有房屋代码为 {row.house_code} 的房屋")
            return None
        mismatch = _location_mismatch(run, row, known)
        if mismatch:
            run.err(row.n, mismatch[0], mismatch[1])
            return None
        row.home_id = int(known["id"])
        return ("home", row.home_id)
    bp = row.bp
    assert bp is not None and row.room_no is not None
    hit = by_location.get((bp.id, row.unit_no, row.room_no)) if bp.id is not None else None
    if hit is None:
        row.new = True
        return ("new", bp.key, row.unit_no, row.room_no)
    if row.floor_no is not None and row.floor_no != hit[1]:
        run.err(
            row.n,
            run.label("floor_no"),
            f"该房屋在登记簿中位于 {hit[1]} 层，文件为 {row.floor_no} 层；位置不能通过导入修改",
        )
        return None
    row.home_id = hit[0]
    return ("home", hit[0])


def _location_mismatch(run: ImportRun, row: Row, h: _KnownHome) -> tuple[str, str] | None:
    checks = (
        ("street", row.street_code, h["street_code"]),
        ("estate_name", row.estate_name, h["estate_name"]),
        ("building_no", row.building_no, h["building_no"]),
        ("unit_no", row.unit_no, h["unit_no"]),
        ("room_no", row.room_no, h["room_no"]),
        ("floor_no", row.floor_no, h["floor_no"]),
    )
    for f, mine, theirs in checks:
        if mine is not None and (f != "unit_no" or row.room_no is not None) and mine != theirs:
            return (
                run.label(f),
                f"与房屋代码 {row.house_code} 所指房屋不符（登记簿为「{theirs or ''}」，"
                f"文件为「{mine}」）；位置不能通过导入修改",
            )
    return None


def _check_new(run: ImportRun) -> None:
    """Checks of new homes that need their building: floors, statuses, units."""
    for row in run.rows:
        if row.new and row.n not in run.bad_rows:
            _check_new_home(run, row)
    for bp in run.buildings.values():
        if bp.existing is None and len(bp.units) > 50:
            run.err(bp.first_row, run.label("unit_no"), f"楼幢 {bp.key[2]} 幢有 {len(bp.units)} 个单元，超过 50")
        bst = bp.attrs.get("building_status")
        if bp.existing is None and bst is not None and domain.Status(bst[0]) in domain.TERMINAL:
            run.err(bst[1], run.label("building_status"), f"不能新建状态为「{bst[0]}」的楼幢")


def _new_home_building(run: ImportRun, row: Row) -> tuple[int, int, str | None] | None:
    """(floors above, floors below, status) of a new home's building and the row; None on an error."""
    bp = row.bp
    assert bp is not None
    status = row.values[1]
    if bp.existing is not None:
        return int(bp.existing["floors_above"]), int(bp.existing["floors_below"]), status or bp.existing["status"]
    fa = bp.attrs.get("floors_above")
    if fa is None:
        run.err(row.n, run.label("floors_above"), f"新楼幢 {row.building_no} 幢需要填写地上层数")
        return None
    above, below = int(fa[0]), int(bp.attrs.get("floors_below", (0, 0))[0])
    status = status or (bp.attrs["building_status"][0] if "building_status" in bp.attrs else None)
    ep = run.estates[bp.key[:2]]
    if ep.existing is None and (ep.road is None or ep.door_no is None):
        run.err(
            row.n,
            run.label("road") if ep.road is None else run.label("door_no"),
            f"新小区「{row.estate_name}」需要填写路名和门牌号",
        )
        return None
    return above, below, status


def _check_new_home(run: ImportRun, row: Row) -> None:
    building = _new_home_building(run, row)
    if building is None:
        return
    above, below, status = building
    assert row.floor_no is not None
    if row.floor_no > above or row.floor_no < -below:
        run.err(row.n, run.label("floor_no"), f"楼层 {row.floor_no} 超出该幢范围（地下 {below} 层，地上 {above} 层）")
    elif row.floor_to is not None and row.floor_to > above:
        run.err(row.n, run.label("floor_to"), f"跃层的结束层 {row.floor_to} 超过地上层数 {above}")
    elif status is None:
        run.err(row.n, run.label("status"), "新房屋需要填写状态（或楼幢状态）")
    elif domain.Status(status) in domain.TERMINAL:
        run.err(row.n, run.label("status"), f"不能新建状态为「{status}」的房屋")
    elif row.values[2] is None:
        run.err(row.n, run.label("construction_area"), "新房屋需要填写建筑面积")


# ------------------------------------------------------------------------------------------------
# merge by per-field precedence
# ------------------------------------------------------------------------------------------------


def typed(fld: str, v: Any) -> Any:
    """A merged value from a source record's JSON as the register holds it (areas are strings there)."""
    return Decimal(v) if fld in domain.AREA_FIELDS and v is not None else v


def load_rules(conn: Connection) -> dict[str, dict[str, int]]:
    """field → source → rank, from the ``source_rules`` table."""
    out: dict[str, dict[str, int]] = {}
    for f, s, r in conn.execute(select(source_rules.c.field, source_rules.c.source, source_rules.c.rank)):
        out.setdefault(f, {})[s] = int(r)
    return out


_SOURCE_ORDER = {s: i for i, s in enumerate(domain.IMPORT_SOURCES)}


class MergeConflict(TypedDict):
    """A merged field the sources disagree on: what each said, and the source (and value) that won."""

    field: str
    values: dict[str, Any]  # source -> the value it gave (any cell type)
    winner: str
    value: Any


def merge_values(
    records: dict[str, dict[str, Any]], rules: dict[str, dict[str, int]]
) -> tuple[dict[str, tuple[str, Any]], list[MergeConflict]]:
    """The winning (source, value) per merged field and the conflicting fields.

    The source with the lowest rank that has a value wins; sources the rules do not name for a field
    come after those they name, in the order of :data:`domain.IMPORT_SOURCES`.
    """
    winners: dict[str, tuple[str, Any]] = {}
    conflicts: list[MergeConflict] = []
    for f in domain.MERGED:
        said = {s: a[f] for s, a in records.items() if a.get(f) is not None}
        if not said:
            continue
        ranks = rules.get(f, {})
        best = min(said, key=lambda s: (ranks.get(s, 1_000_000), _SOURCE_ORDER.get(s, 99), s))
        winners[f] = (best, said[best])
        if len({json.dumps(v) for v in said.values()}) > 1:
            conflicts.append({"field": f, "values": said, "winner": best, "value": said[best]})
    return winners, conflicts
