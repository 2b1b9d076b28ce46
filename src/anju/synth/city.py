"""The synthetic Nanjing: divisions, communities and the 楼盘表 at a chosen scale.

Deterministic for a seed (every estate draws from its own generator seeded by (seed, index)),
streamed in bounded memory (rows are flushed in batches), loaded through the bulk path of the
database (COPY on PostgreSQL, executemany on SQLite). Every generated record is fictional and the
estates carry "（合成）" developers; the division boundaries of districts are real, streets' are
synthetic partitions (see the divisions context).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import shapely
from shapely.geometry import Point
from sqlalchemy import Connection, Engine, func, select

from anju import divisions
from anju.core import clock, dialect
from anju.core.errors import Conflict
from anju.registry import (
    BUILDING_ATTRS,
    HOME_ATTRS,
    building_versions,
    buildings,
    domain,
    estates,
    home_versions,
    homes,
    record_synthetic,
    rooms,
)
from anju.synth import names

# Share of the city's homes by district: proportional to the 2020 census population (万人).
DISTRICT_WEIGHT = {
    "320102": 53.7,
    "320104": 74.0,
    "320105": 53.5,
    "320106": 94.0,
    "320111": 117.2,
    "320113": 98.8,
    "320114": 60.9,
    "320115": 192.6,
    "320116": 94.7,
    "320117": 49.1,
    "320118": 43.0,
}
# Typical completion year of the stock (older in the centre) and its spread.
DISTRICT_AGE = {
    "320102": (1996, 13),
    "320104": (1997, 13),
    "320105": (2008, 8),
    "320106": (1995, 14),
    "320111": (2010, 9),
    "320113": (2007, 10),
    "320114": (2006, 10),
    "320115": (2011, 8),
    "320116": (2008, 10),
    "320117": (2009, 9),
    "320118": (2008, 10),
}
ESTATES_AT_FULL_SCALE = 15_000
M_PER_DEG = 111_320.0


@dataclass
class BuildingType:
    name: str
    weight: float
    floors: tuple[int, int]
    units: tuple[int, int]
    per_floor: tuple[int, int]  # homes per floor per unit
    area: tuple[int, int]  # m² per home
    structure: domain.Structure


TYPES = (
    BuildingType("villa", 0.20, (2, 3), (1, 1), (1, 2), (140, 320), domain.Structure.steel_concrete),
    BuildingType("low", 0.38, (2, 5), (1, 1), (1, 2), (45, 90), domain.Structure.masonry_concrete),
    BuildingType("multi", 0.33, (5, 7), (1, 2), (2, 2), (55, 120), domain.Structure.masonry_concrete),
    BuildingType("high", 0.09, (11, 33), (1, 2), (2, 3), (70, 160), domain.Structure.steel_concrete),
)


@dataclass
class SynthReport:
    scale: float
    seed: int
    divisions: int = 0
    communities: int = 0
    estates: int = 0
    buildings: int = 0
    homes: int = 0
    home_versions: int = 0
    building_versions: int = 0
    rooms: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def _ts(day: date) -> datetime:
    """Synthetic facts are 'recorded' the day they took effect, at 10:00 Beijing time."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


#: Synthetic rows carry areas already as integer hundredths of m² (the Area type's stored form).
AREA_COLUMNS = frozenset({"construction_area", "inner_area", "area"})


class Batcher:
    """Collects rows per table and flushes through the bulk path."""

    def __init__(self, conn: Connection, size: int) -> None:
        self.conn = conn
        self.size = size
        self.rows: dict[str, list[tuple[Any, ...]]] = {}
        self.cols: dict[str, tuple[str, ...]] = {}
        self.tables = {t.name: t for t in (estates, buildings, building_versions, homes, home_versions, rooms)}
        self.counts: dict[str, int] = {}

    def add(self, table: str, cols: tuple[str, ...], row: tuple[Any, ...]) -> None:
        buf = self.rows.setdefault(table, [])
        self.cols[table] = cols
        buf.append(row)
        if len(buf) >= self.size:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        # parents before children, so foreign keys hold at every flush
        order = ("estates", "buildings", "building_versions", "homes", "home_versions", "rooms")
        flushed = order if table is None else order[: order.index(table) + 1]
        for t in flushed:
            buf = self.rows.get(t)
            if buf:
                dialect.bulk_insert(self.conn, self.tables[t], self.cols[t], buf, db_ready=AREA_COLUMNS)
                self.counts[t] = self.counts.get(t, 0) + len(buf)
                buf.clear()


ESTATE_COLS = (
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
)
B_ATTRS = BUILDING_ATTRS
BUILDING_COLS = (
    "id",
    "house_code",
    "estate_id",
    "district_code",
    "street_code",
    *B_ATTRS,
    "search_text",
    "valid_from",
    "recorded_at",
    "version",
)
BV_COLS = (
    "building_id",
    "street_code",
    *B_ATTRS,
    "valid_from",
    "valid_to",
    "recorded_at",
    "superseded_at",
    "change_kind",
    "reason",
    "source",
)
H_ATTRS = HOME_ATTRS
HOME_COLS = (
    "id",
    "house_code",
    "building_id",
    "estate_id",
    "district_code",
    "street_code",
    *H_ATTRS,
    "valid_from",
    "recorded_at",
    "version",
)
HV_COLS = (
    "home_id",
    "building_id",
    "street_code",
    *H_ATTRS,
    "valid_from",
    "valid_to",
    "recorded_at",
    "superseded_at",
    "change_kind",
    "reason",
    "source",
)
ROOM_COLS = ("room_code", "home_id", "name", "area", "status", "recorded_at")


@dataclass
class Street:
    code: str
    name: str
    district_code: str
    district_name: str
    geom: Any
    communities: list[tuple[str, Any]]


def _footprint(kind: str, units: int, bno: int, cols: int, pt: Point, coslat: float) -> tuple[str, float, float]:
    """A building's footprint, a rectangle on the estate's grid (GeoJSON), and its centre."""
    w = {"villa": 14, "low": 24, "multi": 16 * units + 8, "high": 24 * units}[kind]
    depth = 12 if kind != "high" else 18
    gx, gy = (bno - 1) % cols, (bno - 1) // cols
    cx = pt.x + (gx * 45) / (M_PER_DEG * coslat)
    cy = pt.y + (gy * 35) / M_PER_DEG
    hw, hd = w / 2 / (M_PER_DEG * coslat), depth / 2 / M_PER_DEG
    ring = [
        [round(cx - hw, 7), round(cy - hd, 7)],
        [round(cx + hw, 7), round(cy - hd, 7)],
        [round(cx + hw, 7), round(cy + hd, 7)],
        [round(cx - hw, 7), round(cy + hd, 7)],
        [round(cx - hw, 7), round(cy - hd, 7)],
    ]
    return json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":")), cx, cy


def _lifecycle(year: int, rng: random.Random, today: date) -> list[tuple[date, domain.Status]]:
    """Dated statuses of a building completed (or to be completed) in ``year``."""
    done = date(year, rng.randint(1, 12), rng.randint(1, 28))
    if year < 2000:
        # the register starts its record of old stock at completion
        return [(done, domain.Status.in_use)]
    start = done - timedelta(days=rng.randint(600, 1000))
    plan = start - timedelta(days=rng.randint(120, 400))
    presale = start + timedelta(days=rng.randint(150, 400))
    use = done + timedelta(days=rng.randint(60, 240))
    steps = [
        (plan, domain.Status.planned),
        (start, domain.Status.under_construction),
        (presale, domain.Status.presale),
        (done, domain.Status.completed),
        (use, domain.Status.in_use),
    ]
    return [(day, s) for day, s in steps if day <= today]


class CityGenerator:
    def __init__(
        self,
        conn: Connection,
        scale: float,
        seed: int,
        batch: int,
        today: date,
        progress: Callable[[str, float], None] | None = None,
    ) -> None:
        self.conn = conn
        self.scale = scale
        self.seed = seed
        self.today = today
        self.batch = Batcher(conn, batch)
        self.progress = progress or (lambda msg, frac: None)
        self.seq: dict[tuple[str, int], int] = {}
        self.report = SynthReport(scale, seed)
        self.city_name = ""

    # -- divisions ------------------------------------------------------------------------------
    def communities(self, streets: list[tuple[str, str, str]], division_names: dict[str, str]) -> list[Street]:
        rows = []
        out = []
        for scode, dcode, gj in streets:
            geom = divisions.from_geojson(gj)
            n = 4 + int(random.Random(self.seed * 7 + int(scode)).random() * 8)
            cells = divisions.partition(geom, n, seed=self.seed + int(scode))
            comms = []
            for i, cell in enumerate(cells, start=1):
                code = f"{scode}{i:03d}"
                head = names.ESTATE_HEADS[(int(scode) + i * 7) % len(names.ESTATE_HEADS)]
                c = cell.representative_point()
                minx, miny, maxx, maxy = cell.bounds
                rows.append(
                    {
                        "code": code,
                        "name": f"{head}{names.COMMUNITY_TAILS[0]}",
                        "level": "community",
                        "parent_code": scode,
                        "managing_code": None,
                        "geometry": divisions.to_geojson(cell),
                        "min_lon": minx,
                        "min_lat": miny,
                        "max_lon": maxx,
                        "max_lat": maxy,
                        "centroid_lon": round(c.x, 6),
                        "centroid_lat": round(c.y, 6),
                        "geometry_source": "synthetic partition of the synthetic street boundary",
                        "synthetic": True,
                    }
                )
                comms.append((code, shapely.prepared.prep(cell)))
            out.append(Street(scode, division_names[scode], dcode, division_names[dcode], geom, comms))
        self.conn.execute(divisions.divisions_table.insert(), rows)
        self.report.communities = len(rows)
        return out

    # -- register -------------------------------------------------------------------------------
    def run(self) -> SynthReport:
        n_div = divisions.load_city(self.conn, "320100", seed=self.seed)
        self.report.divisions = n_div
        self.city_name = divisions.get(self.conn, "320100").name
        sg = divisions.street_geometries(self.conn)
        all_codes = {s[0] for s in sg} | {s[1] for s in sg}
        division_names = divisions.names(self.conn, all_codes)
        has_comm = self.conn.execute(
            select(func.count())
            .select_from(divisions.divisions_table)
            .where(divisions.divisions_table.c.level == "community")
        ).scalar_one()
        streets = (
            self.communities(sg, division_names)
            if not has_comm
            else self._streets_without_communities(sg, division_names)
        )
        self.progress("区划已载入", 0.02)
        plan = self._allocate_estates(streets)
        total = len(plan)
        bld_id = 0
        home_id = 0
        step = max(1, min(500, total // 50))
        for i, street in enumerate(plan):
            estate_id = i + 1
            rng = random.Random(self.seed * 1_000_003 + i)
            bld_id, home_id = self._estate(rng, street, estate_id, bld_id, home_id)
            if i % step == step - 1:
                self.batch.flush()
                self.progress(f"已生成 {i + 1}/{total} 个小区", 0.02 + 0.9 * (i + 1) / total)
        self.batch.flush()
        c = self.batch.counts
        self.report.estates = c.get("estates", 0)
        self.report.buildings = c.get("buildings", 0)
        self.report.building_versions = c.get("building_versions", 0)
        self.report.homes = c.get("homes", 0)
        self.report.home_versions = c.get("home_versions", 0)
        self.report.rooms = c.get("rooms", 0)
        return self.report

    def _streets_without_communities(
        self, sg: list[tuple[str, str, str]], division_names: dict[str, str]
    ) -> list[Street]:
        return [
            Street(s, division_names[s], dc, division_names[dc], divisions.from_geojson(gj), []) for s, dc, gj in sg
        ]

    def _allocate_estates(self, streets: list[Street]) -> list[Street]:
        """Which street each estate lies in: districts by weight, streets evenly within a district."""
        n = max(1, round(ESTATES_AT_FULL_SCALE * self.scale))
        by_district: dict[str, list[Street]] = {}
        for s in streets:
            by_district.setdefault(s.district_code, []).append(s)
        # largest-remainder apportionment: exactly n estates, in proportion to the district weights
        codes = sorted(by_district)
        weights = [DISTRICT_WEIGHT.get(k, 50.0) for k in codes]
        quotas = [n * w / sum(weights) for w in weights]
        counts = [int(q) for q in quotas]
        by_remainder = sorted(range(len(codes)), key=lambda i: quotas[i] - counts[i], reverse=True)
        for i in by_remainder[: n - sum(counts)]:
            counts[i] += 1
        plan: list[Street] = []
        for dcode, k in zip(codes, counts, strict=True):
            ss = by_district[dcode]
            plan.extend(ss[j % len(ss)] for j in range(k))
        random.Random(self.seed).shuffle(plan)
        return plan

    def _estate(self, rng: random.Random, st: Street, eid: int, bld_id: int, home_id: int) -> tuple[int, int]:
        mean, spread = DISTRICT_AGE.get(st.district_code, (2005, 10))
        year = min(self.today.year + 2, max(1950, round(rng.gauss(mean, spread))))
        if year > self.today.year - 1 and rng.random() < 0.5:
            year = self.today.year - rng.randint(1, 4)
        central = st.district_code in ("320102", "320104", "320106")
        kind = "村" if (not central and rng.random() < 0.12) else "小区"
        head = rng.choice(names.ESTATE_HEADS)
        tail = rng.choice(names.VILLAGE_TAILS if kind == "村" else names.ESTATE_TAILS)
        ename = f"{head}{tail}" + ("" if rng.random() < 0.6 else f"{rng.choice('一二三四五')}期")
        road = f"{rng.choice(names.ROAD_HEADS)}{rng.choice(names.ROAD_TAILS)}"
        door = str(rng.randint(1, 400))
        pt = divisions.random_points_in(st.geom, 1, rng)[0]
        community = next((code for code, prep in st.communities if prep.contains(pt)), None)
        addr = f"{self.city_name}{st.district_name}{road}{door}号"
        self.batch.add(
            "estates",
            ESTATE_COLS,
            (
                eid,
                f"{st.code}E{eid:06d}",
                ename,
                kind,
                st.district_code,
                st.code,
                community,
                road,
                door,
                addr,
                rng.choice(names.DEVELOPERS) if year >= 1998 else None,
                year,
                round(pt.x, 6),
                round(pt.y, 6),
                _ts(date(min(year, self.today.year), 1, 1) if year <= self.today.year else self.today),
            ),
        )
        # building mix: centre has more walk-ups; new estates more towers
        weights = [t.weight for t in TYPES]
        if year >= 2005:
            weights = [0.18, 0.22, 0.35, 0.25]
        if kind == "村":
            weights = [0.45, 0.5, 0.05, 0.0]
        btype = rng.choices(TYPES, weights)[0]
        n_buildings = max(1, round(rng.lognormvariate(2.85, 0.6)))
        if btype.name == "high":
            n_buildings = max(1, n_buildings // 3)
        cols = max(1, int(math.sqrt(n_buildings)))
        coslat = math.cos(math.radians(pt.y))
        for b in range(1, n_buildings + 1):
            bld_id += 1
            t = btype if rng.random() < 0.8 else rng.choices(TYPES, weights)[0]
            byear = min(self.today.year + 2, max(1950, year + rng.randint(-1, 1)))
            home_id = self._building(rng, st, eid, ename, addr, bld_id, home_id, b, t, byear, cols, pt, coslat)
        return bld_id, home_id

    def _building_steps(self, rng: random.Random, year: int) -> list[tuple[date, domain.Status]]:
        """The building's statuses over time (planned from today when it is still to be built); a few
        old buildings were demolished since."""
        steps = _lifecycle(year, rng, self.today)
        if not steps:  # planned in the future: the register knows it from today
            steps = [(self.today, domain.Status.planned)]
        if year < 1992 and rng.random() < 0.03:
            demolish = date(rng.randint(2008, self.today.year - 1), rng.randint(1, 12), rng.randint(1, 28))
            if demolish > steps[-1][0]:
                steps.append((demolish, domain.Status.demolished))
        return steps

    def _building(
        self,
        rng: random.Random,
        st: Street,
        eid: int,
        ename: str,
        eaddr: str,
        bid: int,
        home_id: int,
        bno: int,
        t: BuildingType,
        year: int,
        cols: int,
        pt: Point,
        coslat: float,
    ) -> int:
        floors = rng.randint(*t.floors)
        units = rng.randint(*t.units)
        per_floor = rng.randint(*t.per_floor)
        below = 1 if t.name == "high" else 0
        steps = self._building_steps(rng, year)
        status = steps[-1][1]
        segment = year
        key = (st.code, segment)
        seq = self.seq.get(key, 0) + 1
        self.seq[key] = seq
        code_prefix = f"{st.code}{segment:04d}{seq:04d}"
        psum = domain.prefix_checksum(code_prefix)
        bcode = code_prefix + "00000" + domain.fast_check(psum, 0)
        bno_s = str(bno)
        baddr = f"{eaddr}{ename}{bno_s}幢"
        footprint, cx, cy = _footprint(t.name, units, bno, cols, pt, coslat)
        area_lo, area_hi = t.area
        use = (
            domain.Use.residential
            if rng.random() > 0.03
            else rng.choice((domain.Use.commercial, domain.Use.office, domain.Use.mixed))
        )
        n_homes = floors * units * per_floor
        # areas in hundredths of m² (the database form of the Area type; see Batcher.db_ready)
        home_areas = [rng.randint(area_lo * 100, area_hi * 100) for _ in range(n_homes)]
        total_area = sum(home_areas)
        battrs = (
            bno_s,
            f"{bno_s}幢",
            use.value,
            t.structure.value,
            floors,
            below,
            units,
            year,
            None,
            total_area,
            baddr,
            footprint,
            round(cx, 7),
            round(cy, 7),
        )
        self.batch.add(
            "buildings",
            BUILDING_COLS,
            (
                bid,
                bcode,
                eid,
                st.district_code,
                st.code,
                *battrs[:8],
                status.value,
                *battrs[9:],
                baddr + st.name,
                steps[-1][0],
                _ts(steps[-1][0]),
                len(steps),
            ),
        )
        for i, (day, s) in enumerate(steps):
            nxt = steps[i + 1][0] if i + 1 < len(steps) else None
            self.batch.add(
                "building_versions",
                BV_COLS,
                (
                    bid,
                    st.code,
                    *battrs[:8],
                    s.value,
                    *battrs[9:],
                    day,
                    nxt,
                    _ts(day),
                    None,
                    "create" if i == 0 else "status",
                    None,
                    "synth",
                ),
            )
        # homes exist in the register from pre-sale (new stock) or completion (old stock)
        home_steps: list[tuple[date, domain.Status]] = [
            (day, s) for day, s in steps if s not in (domain.Status.planned, domain.Status.under_construction)
        ]
        if year < 2015 and home_steps:
            # older stock: the register holds its homes from completion, in use (plus any demolition)
            home_steps = [(home_steps[0][0], domain.Status.in_use)] + [
                x for x in home_steps if x[1] == domain.Status.demolished
            ]
        if not home_steps:
            return home_id
        hstatus = home_steps[-1][1]
        k = 0
        rooms_by_area = [(60, 1), (90, 2), (130, 3), (10_000, 4)]
        for u in range(1, units + 1):
            unit_no = str(u) if units > 1 else None
            for f in range(1, floors + 1):
                for p in range(1, per_floor + 1):
                    area = home_areas[k]
                    k += 1
                    home_id += 1
                    room_no = f"{f}{p:02d}"
                    hcode = code_prefix + f"{k:05d}" + domain.fast_check(psum, k)
                    r = next(n for lim, n in rooms_by_area if area < lim * 100)
                    inner = area * 8 // 10
                    haddr = f"{baddr}{unit_no + '单元' if unit_no else ''}{room_no}室"
                    orient = "南北" if p == 1 else rng.choice(domain.ORIENTATIONS)
                    hattrs = (
                        unit_no,
                        f,
                        str(f),
                        None,
                        room_no,
                        use.value,
                        r,
                        1 if r < 3 else 2,
                        orient,
                        area,
                        inner,
                        None,
                        haddr,
                        None,
                    )
                    self.batch.add(
                        "homes",
                        HOME_COLS,
                        (
                            home_id,
                            hcode,
                            bid,
                            eid,
                            st.district_code,
                            st.code,
                            *hattrs[:11],
                            hstatus.value,
                            *hattrs[12:],
                            home_steps[-1][0],
                            _ts(home_steps[-1][0]),
                            len(home_steps),
                        ),
                    )
                    for i, (day, s) in enumerate(home_steps):
                        nxt = home_steps[i + 1][0] if i + 1 < len(home_steps) else None
                        self.batch.add(
                            "home_versions",
                            HV_COLS,
                            (
                                home_id,
                                bid,
                                st.code,
                                *hattrs[:11],
                                s.value,
                                *hattrs[12:],
                                day,
                                nxt,
                                _ts(day),
                                None,
                                "create" if i == 0 else "status",
                                None,
                                "synth",
                            ),
                        )
                    if (
                        r >= 3
                        and hstatus == domain.Status.in_use
                        and use == domain.Use.residential
                        and rng.random() < 0.04
                    ):
                        share = area * 7 // (10 * r)
                        for ri in range(r):
                            self.batch.add(
                                "rooms",
                                ROOM_COLS,
                                (
                                    f"{hcode}-{ri + 1:02d}",
                                    home_id,
                                    names.ROOM_NAMES[ri],
                                    share,
                                    "in_use",
                                    _ts(home_steps[-1][0]),
                                ),
                            )
        return home_id


def generate(
    engine: Engine,
    scale: float,
    seed: int,
    batch: int = 5000,
    today: date | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> SynthReport:
    """Build the synthetic city into an empty register (schema must be at head)."""
    if not 0 < scale <= 2:
        raise ValueError("scale must be in (0, 2]")
    today = today or clock.today()
    tables = [estates, buildings, building_versions, homes, home_versions, rooms]
    with dialect.bulk_load(engine) as conn:
        n = conn.execute(select(func.count()).select_from(estates)).scalar_one()
        if n:
            raise Conflict("登记簿中已有数据：合成城市只能写入空库（换一个 ANJU_DATABASE_URL 或删除数据文件）")
        gen = CityGenerator(conn, scale, seed, batch, today, progress)
        with dialect.deferred_indexes(conn, tables):
            report = gen.run()
            record_synthetic(conn, scale, seed, clock.now())
            if progress:
                progress("正在建立索引", 0.93)
        dialect.reset_sequences(conn, tables)
        dialect.refresh_statistics(conn)
    if progress:
        progress("完成", 1.0)
    return report


__all__ = ["SynthReport", "generate"]
