"""Writing an import in its transaction: new estates, buildings and homes through the bulk path
(:func:`anju.core.dialect.bulk_insert` with ids from :func:`anju.core.dialect.next_ids`), and the homes a
file changes through :func:`anju.registry.changes.change_home` so that their history is kept. What each
source said about a home is kept in ``home_source_records`` (with the row hash, so an unchanged row is
recognised without a merge)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import bindparam, func, select, update

from anju.core import dialect
from anju.core.errors import AnjuError, FieldError
from anju.core.scope import SYSTEM
from anju.registry import changes, domain
from anju.registry.history import BUILDING_ATTRS, HOME_ATTRS
from anju.registry.imports import columns, plan
from anju.registry.imports.run import BuildingPlan, ImportRun, Row, chunks
from anju.registry.tables import (
    building_versions,
    buildings,
    estates,
    home_source_records,
    home_versions,
    homes,
)

#: Conflicts listed in a job's stored report (the count is always exact).
REPORT_CAP = 1000


class Fatal(Exception):
    def __init__(self, row: int, fld: str, reason: str) -> None:
        super().__init__(reason)
        self.error = FieldError(fld, reason, row)


def home_codes(building_code: str, first_seq: int) -> Iterator[str]:
    """House codes of a building's homes from ``first_seq`` on (the prefix's checksum is computed once)."""
    prefix = building_code[:17]
    base = domain.prefix_checksum(prefix)
    for seq in range(first_seq, 100_000):
        yield f"{prefix}{seq:05d}{domain.fast_check(base, seq)}"


_KEYS = tuple(f'"{f}":' for f in domain.MERGED)


_HEAD = (0, 1, 4, 5, 6)  # use, status, rooms, halls, orientation: few distinct combinations in a file


def attrs_json(row: Row, heads: dict[tuple[Any, ...], str]) -> tuple[str, str]:
    """What the row says, as canonical JSON (fixed key order), and its SHA-256: the row hash.

    ``heads`` caches the JSON of the repetitive fields for the length of one import."""
    v = row.values
    key = (v[0], v[1], v[4], v[5], v[6])
    head = heads.get(key)
    if head is None:
        head = heads[key] = ",".join(
            _KEYS[i] + (encode_basestring(v[i]) if type(v[i]) is str else str(v[i])) for i in _HEAD if v[i] is not None
        )
    parts = [head] if head else []
    if v[7] is not None:
        parts.append('"floor_label":' + encode_basestring(v[7]))
    if v[8] is not None:
        parts.append(f'"property_unit_code":"{v[8]}"')  # 28 digits and capitals (checked)
    if v[2] is not None:
        parts.append(f'"construction_area":"{v[2]}"')  # exact decimals as strings: never floats
    if v[3] is not None:
        parts.append(f'"inner_area":"{v[3]}"')
    if row.floor_no is not None:
        parts.append(f'"floor_no":{row.floor_no}')
    if row.floor_to is not None:
        parts.append(f'"floor_to":{row.floor_to}')
    text = "{" + ",".join(parts) + "}"
    return text, hashlib.sha256(text.encode()).hexdigest()


def write(run: ImportRun) -> None:
    good_new = [r for r in run.rows if r.new and r.n not in run.bad_rows]
    for r in good_new:
        bp = r.bp
        assert bp is not None
        if bp.first_good is None:
            bp.first_good = r
        bp.good_rows += 1
        bp.area += r.values[2]
        run.estates[bp.key[:2]].good_rows += 1
    _write_estates(run)
    _write_buildings(run)
    _write_new_homes(run, good_new)
    _write_updates(run, [r for r in run.rows if r.home_id is not None and r.n not in run.bad_rows])


def _write_estates(run: ImportRun) -> None:
    new = [ep for ep in run.estates.values() if ep.existing is None and ep.good_rows]
    if not new:
        return
    city = next((r for r in run.streets.rows.values() if r[2] == "city"), None)
    city_name = str(city[1]) if city else ""
    streets = sorted({ep.key[0] for ep in new})
    seq: dict[str, int] = {}
    for part in chunks(streets):
        q = (
            select(estates.c.street_code, func.count(), func.max(estates.c.estate_code))
            .where(estates.c.street_code.in_(part))
            .group_by(estates.c.street_code)
        )
        for s, n, _ in run.conn.execute(q):
            seq[s] = int(n)
        q2 = (
            select(estates.c.street_code, func.max(estates.c.estate_code))
            .where(estates.c.street_code.in_(part), func.length(estates.c.estate_code) == 14)
            .group_by(estates.c.street_code)
        )
        for s, top in run.conn.execute(q2):
            seq[s] = max(seq.get(s, 0), int(top[10:]))
    first = dialect.next_ids(run.conn, estates, len(new))
    rows = []
    for i, ep in enumerate(new):
        street, name = ep.key
        district = run.streets.rows[street][3]
        seq[street] = seq.get(street, 0) + 1
        assert ep.road is not None and ep.door_no is not None
        addr = domain.estate_address(city_name, run.streets.name(district), ep.road[0], ep.door_no[0])
        if len(addr) > 160:
            raise Fatal(ep.first_row, run.label("road"), "小区地址过长（超过 160 个字符）")
        ep.id = first + i
        ep.existing = {"id": ep.id, "street_code": street, "name": name, "address": addr, "district_code": district}
        rows.append(
            (
                ep.id,
                f"{street}E{seq[street]:04d}",
                name,
                "小区",
                district,
                street,
                None,
                ep.road[0],
                ep.door_no[0],
                addr,
                None,
                None,
                None,
                None,
                run.now,
            )
        )
    dialect.bulk_insert(
        run.conn,
        estates,
        (
            "id",
            "estate_code",
            "name",
            "kind",
            "district_code",
            "street_code",
            "community_code",
            "road",
            "door_no",
            "address",
            "developer",
            "year_built",
            "centroid_lon",
            "centroid_lat",
            "recorded_at",
        ),
        rows,
    )


def _write_buildings(run: ImportRun) -> None:
    new = [bp for bp in run.buildings.values() if bp.existing is None and bp.good_rows]
    if not new:
        return
    segments = sorted({(bp.key[0], _segment(run, bp)) for bp in new})
    top: dict[tuple[str, int], int] = {}
    prefixes = sorted({f"{s}{g:04d}" for s, g in segments})
    for part in chunks(sorted({s for s, _ in segments})):
        pre = func.substr(buildings.c.house_code, 1, 13)
        for p, mx in run.conn.execute(
            select(pre, func.max(buildings.c.house_code)).where(buildings.c.street_code.in_(part)).group_by(pre)
        ):
            if p in prefixes:
                top[(p[:9], int(p[9:13]))] = int(mx[13:17])
    first = dialect.next_ids(run.conn, buildings, len(new))
    names = {s: run.streets.name(s) for s, _ in segments}
    brows, vrows = [], []
    for i, bp in enumerate(new):
        street, ename, bno = bp.key
        ep = run.estates[(street, ename)]
        assert ep.existing is not None
        segment = _segment(run, bp)
        seq = top.get((street, segment), 0) + 1
        if seq > 9999:
            raise Fatal(bp.first_row, run.label("building_no"), f"街道 {street} 在 {segment} 年段的幢序号已用尽")
        top[(street, segment)] = seq
        code = domain.make_house_code(street, segment, seq, 0)
        a = {f: v for f, (v, _) in bp.attrs.items()}
        first_home = bp.first_good
        assert first_home is not None
        status = a.get("building_status") or first_home.values[1]
        use = a.get("building_use") or first_home.values[0] or domain.Use.residential.value
        addr = domain.building_address(ep.existing["address"], ename, bno)
        if len(addr) > 160:
            raise Fatal(bp.first_row, run.label("building_no"), "楼幢地址过长（超过 160 个字符）")
        bp.id = first + i
        attrs = (
            bno,
            f"{bno}幢",
            use,
            a.get("structure", domain.Structure.other.value),
            a["floors_above"],
            a.get("floors_below", 0),
            max(1, len(bp.units)),
            a.get("year_built"),
            status,
            bp.area,
            addr,
            None,
            None,
            None,
        )
        bp.existing = {
            "id": bp.id,
            "house_code": code,
            "status": status,
            "address": addr,
            "street_code": street,
            "district_code": ep.existing["district_code"],
            "estate_id": ep.existing["id"],
            "next_seq": 1,
        }
        brows.append(
            (
                bp.id,
                code,
                ep.existing["id"],
                ep.existing["district_code"],
                street,
                *attrs,
                addr + names[street],
                run.today,
                run.now,
                1,
            )
        )
        vrows.append((bp.id, street, *attrs, run.today, None, run.now, None, "import", run.reason(), run.source))
    dialect.bulk_insert(
        run.conn,
        buildings,
        (
            "id",
            "house_code",
            "estate_id",
            "district_code",
            "street_code",
            *BUILDING_ATTRS,
            "search_text",
            "valid_from",
            "recorded_at",
            "version",
        ),
        brows,
    )
    dialect.bulk_insert(
        run.conn,
        building_versions,
        (
            "building_id",
            "street_code",
            *BUILDING_ATTRS,
            "valid_from",
            "valid_to",
            "recorded_at",
            "superseded_at",
            "change_kind",
            "reason",
            "source",
        ),
        vrows,
    )


def _segment(run: ImportRun, bp: BuildingPlan) -> int:
    y = bp.attrs.get("year_built")
    return int(y[0]) if y else run.today.year


def _write_new_homes(run: ImportRun, rows: list[Row]) -> None:
    if not rows:
        return
    # next home sequence of existing buildings: one grouped query
    existing = sorted({r.bp.id for r in rows if r.bp and r.bp.id and "next_seq" not in (r.bp.existing or {})})
    nxt: dict[int, int] = {}
    for part in chunks(existing):
        for bid, top in run.conn.execute(
            select(homes.c.building_id, func.max(homes.c.house_code))
            .where(homes.c.building_id.in_(part))
            .group_by(homes.c.building_id)
        ):
            nxt[int(bid)] = int(top[17:22]) + 1
    first = dialect.next_ids(run.conn, homes, len(rows))
    first_v = dialect.next_ids(run.conn, home_versions, len(rows))
    first_s = dialect.next_ids(run.conn, home_source_records, len(rows))
    hcols = (
        "id",
        "house_code",
        "building_id",
        "estate_id",
        "district_code",
        "street_code",
        *HOME_ATTRS,
        "valid_from",
        "recorded_at",
        "version",
    )
    vcols = (
        "id",
        "home_id",
        "building_id",
        "street_code",
        *HOME_ATTRS,
        "valid_from",
        "valid_to",
        "recorded_at",
        "superseded_at",
        "change_kind",
        "reason",
        "source",
    )
    scols = ("id", "home_id", "source", "attrs", "row_hash", "import_job_id", "recorded_at")
    codes: dict[int, Iterator[str]] = {}
    for start in range(0, len(rows), run.batch_rows):
        batch = rows[start : start + run.batch_rows]
        vb: list[tuple[Any, ...]] = []
        sb: list[tuple[Any, ...]] = []
        # The homes are built while they are copied (on PostgreSQL the server works on them
        # meanwhile); their versions and source records are collected on the way and copied next.
        home_rows = _home_rows(run, batch, start, first, first_v, first_s, nxt, codes, vb, sb)
        dialect.bulk_insert(run.conn, homes, hcols, home_rows)
        dialect.bulk_insert(run.conn, home_versions, vcols, vb)
        dialect.bulk_insert(run.conn, home_source_records, scols, sb)
    run.created += len(rows)
    run.records_written += len(rows)


def _home_rows(
    run: ImportRun,
    batch: list[Row],
    start: int,
    first: int,
    first_v: int,
    first_s: int,
    nxt: dict[int, int],
    codes: dict[int, Iterator[str]],
    vb: list[tuple[Any, ...]],
    sb: list[tuple[Any, ...]],
) -> Iterator[tuple[Any, ...]]:
    """Yield the rows of a batch of new homes; collect their first versions and source records."""
    today, now, source, job, reason = run.today, run.now, run.source, run.job_id, run.reason()
    heads = run.heads
    last: BuildingPlan | None = None
    gen: Iterator[str] = iter(())
    for i, r in enumerate(batch, start=start):
        bp = r.bp
        assert bp is not None
        if bp is not last:  # rows of one building come together: look its facts up once
            last = bp
            b = bp.existing
            assert b is not None and bp.id is not None
            bid, street, estate_id, district = bp.id, b["street_code"], b["estate_id"], b["district_code"]
            baddr, bstatus = b["address"], b["status"]
            if bid not in codes:
                codes[bid] = home_codes(b["house_code"], b.get("next_seq") or nxt.get(bid, 1))
            gen = codes[bid]
        code = next(gen, None)
        if code is None:
            raise Fatal(r.n, run.label("room_no"), "该幢的房屋序号已用尽（最多 99999 套）")
        v = r.values
        addr = domain.home_address(baddr, r.unit_no, r.room_no or "")
        if len(addr) > 200:
            raise Fatal(r.n, run.label("room_no"), "房屋地址过长（超过 200 个字符）")
        attrs = (
            r.unit_no,
            r.floor_no,
            v[7] or str(r.floor_no),
            r.floor_to,
            r.room_no,
            v[0] or "住宅",
            v[4],
            v[5],
            v[6],
            v[2],
            v[3],
            v[1] or bstatus,
            addr,
            v[8],
        )
        hid = first + i
        vb.append((first_v + i, hid, bid, street, *attrs, today, None, now, None, "import", reason, source))
        text, digest = attrs_json(r, heads)
        sb.append((first_s + i, hid, source, text, digest, job, now))
        yield (hid, code, bid, estate_id, district, street, *attrs, today, now, 1)


def _write_updates(run: ImportRun, rows: list[Row]) -> None:
    """Merge and apply the rows about registered homes; rows identical to the source's last word are
    unchanged without a merge."""
    if not rows:
        return
    conn = run.conn
    mine = _own_records(run, [r.home_id for r in rows if r.home_id is not None])
    todo: list[tuple[Row, str, str]] = []
    for r in rows:
        text, digest = attrs_json(r, run.heads)
        prev = mine.get(r.home_id) if r.home_id is not None else None
        if prev is not None and prev[1] == digest:
            run.unchanged += 1
        else:
            todo.append((r, text, digest))
    if not todo:
        return
    rules = plan.load_rules(conn)
    for part in chunks(todo):
        pids = [r.home_id for r, _, _ in part]
        others = _other_records(run, pids)
        current = {int(h["id"]): h for h in conn.execute(select(homes).where(homes.c.id.in_(pids))).mappings()}
        inserts: list[tuple[Any, ...]] = []
        updates: list[dict[str, Any]] = []
        for r, text, digest in part:
            assert r.home_id is not None
            prev = mine.get(r.home_id)
            if _update_one(run, r, text, others.get(r.home_id, {}), current[r.home_id], rules):
                if prev is None:
                    inserts.append((r.home_id, run.source, text, digest, run.job_id, run.now))
                else:
                    updates.append({"rid": prev[0], "attrs": text, "row_hash": digest})
        if inserts:
            dialect.bulk_insert(
                conn,
                home_source_records,
                ("home_id", "source", "attrs", "row_hash", "import_job_id", "recorded_at"),
                inserts,
            )
        if updates:
            conn.execute(
                update(home_source_records)
                .where(home_source_records.c.id == bindparam("rid"))
                .values(
                    attrs=bindparam("attrs"),
                    row_hash=bindparam("row_hash"),
                    import_job_id=run.job_id,
                    recorded_at=run.now,
                ),
                updates,
            )
        run.records_written += len(inserts) + len(updates)


def _own_records(run: ImportRun, ids: list[int]) -> dict[int, tuple[int, str]]:
    """home id → (record id, row hash) of what this import's source said before."""
    records = home_source_records
    mine: dict[int, tuple[int, str]] = {}
    for part in chunks(ids):
        stmt = select(records.c.id, records.c.home_id, records.c.row_hash).where(
            records.c.home_id.in_(part), records.c.source == run.source
        )
        for rid, hid, digest in run.conn.execute(stmt):
            mine[int(hid)] = (int(rid), digest)
    return mine


def _other_records(run: ImportRun, ids: list[Any]) -> dict[int, dict[str, dict[str, Any]]]:
    """home id → source → what the other sources said about the home."""
    records = home_source_records
    others: dict[int, dict[str, dict[str, Any]]] = {}
    stmt = select(records.c.home_id, records.c.source, records.c.attrs).where(
        records.c.home_id.in_(ids), records.c.source != run.source
    )
    for hid, source, attrs in run.conn.execute(stmt):
        others.setdefault(int(hid), {})[source] = json.loads(attrs)
    return others


def _update_one(
    run: ImportRun, r: Row, text: str, others: dict[str, dict[str, Any]], cur: Any, rules: dict[str, dict[str, int]]
) -> bool:
    """Merge the row with what the other sources said and change the home if its merged value
    moved. Returns False (and records the error) when the row cannot be applied."""
    assert r.home_id is not None
    mine = json.loads(text)
    winners, conflicts = plan.merge_values({**others, run.source: mine}, rules)
    patch: dict[str, Any] = {}
    for f, (_, v) in winners.items():
        tv = plan.typed(f, v)
        if tv != cur[f]:
            patch[f] = tv
    if "status" in patch and not domain.can_transition(domain.Status(cur["status"]), domain.Status(patch["status"])):
        run.err(
            r.n,
            run.label("status"),
            f"状态不能从「{cur['status']}」变为「{patch['status']}」（房屋 {cur['house_code']}）",
        )
        return False
    if "floor_to" in mine and mine["floor_to"] != cur["floor_to"] and len(run.notes) < 100:
        run.notes.append(f"第 {r.n} 行：跃层信息不能通过导入修改已登记的房屋，已忽略")
    changed = False
    if patch:
        try:
            with run.conn.begin_nested():
                changed = changes.change_home(
                    run.conn,
                    r.home_id,
                    changes.Change(patch, run.today, None, "import", run.reason(), run.source),
                    scope=SYSTEM,
                    now=run.now,
                    today=run.today,
                )
        except AnjuError as e:
            for fe in e.errors or [FieldError("整行", e.message)]:
                run.err(r.n, run.label(fe.field) if fe.field in columns.SPEC else fe.field, fe.reason)
            return False
    if changed:
        run.updated += 1
    else:
        run.unchanged += 1
    for c in conflicts:
        run.conflict_count += 1
        if len(run.conflicts) < REPORT_CAP:
            run.conflicts.append({"row": r.n, "home_id": r.home_id, "house_code": cur["house_code"], **c})
    return True
