"""Synthetic department (police) address records with ground truth, for the address fusion library.

Each record is drawn from a home of the 楼盘表 register and written the way a clerk of another
department might write it: the home's clean address (南京市 + district + road + door + estate +
building + unit + room) with a random mix of named variations (dropped or added parts, former
names, numerals and widths, shorthand, noise, typos). A small share of records describes a home that
does not exist in the register (``house_code`` None). The truth says, per record, which home it is and
which variations were applied, so that a linker's quality can be reported per variation.

Guarantees:

* deterministic for (register contents, n, seed); a record stream for ``n`` is a prefix of the
  stream for any larger ``n``;
* streamed: homes are sampled by id in fixed-size batches (``homes.id`` is dense), each batch fetched
  with one query; only the estates (tens of thousands of rows) are held in memory, to know which
  partial addresses still identify one estate;
* identifiable: a record with a home keeps its building and room (and unit, where the building has
  several), and at least the estate with its district or its road and door, or the road and door
  with the district — each only where that combination names one estate of the register — unless
  the record is tagged ``underspecified`` (about 1 % of records);
* no-home records are checked against the register (batched) before they are emitted.

The phone numbers are random digits and the notes and names are made up.

Code: this module samples the homes, decides which records have no home and checks those against the
register; :mod:`anju.addresses.noisy_writer` drafts and writes one record;
:mod:`anju.addresses.noisy_variations` holds the variations and their tables.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select

from anju.addresses.gazetteer import gazetteer
from anju.addresses.noisy_variations import (
    AMBIGUOUS_IN_REGISTER,
    BUILDING_WORD,
    DROP_BUILDING,
    DROP_CITY,
    DROP_DISTRICT,
    DROP_ESTATE,
    DROP_ROAD,
    DROP_UNIT,
    FULLWIDTH,
    NO_HOME_BUILDING,
    NO_HOME_ESTATE,
    NO_HOME_ROOM,
    NO_HOME_WEIGHTS,
    PHONE,
    POSITION,
    SPACES,
    UNDERSPECIFIED,
)
from anju.addresses.noisy_writer import Draft, EstateIndex, Home, RecordWriter, draft_of
from anju.addresses.parser import estate_key
from anju.core import csvout
from anju.registry import Status, buildings, estates, homes

#: Homes sampled per batch (one query each). Fixed, so that a shorter run is a prefix of a longer one.
BATCH = 4096
#: Statuses of homes that do not (or no longer) exist as homes: never the truth of a record.
EXCLUDED_STATUSES = (Status.planned.value, Status.demolished.value, Status.retired.value)
#: Share of records with a home that are deliberately underspecified.
UNDERSPECIFIED_SHARE = 0.01

_ROOM_RE = re.compile(r"^(\d+)(\d\d)$")


@dataclass(frozen=True)
class NoisyRecord:
    record_id: str  # e.g. "P00000001"
    address: str  # the noisy free text
    house_code: str | None  # ground truth; None = this address truly has no home in the register
    variations: tuple[str, ...]  # names of the variations applied (for per-variation quality reports)


def _batch_query() -> Select[Any]:
    return (
        select(
            homes.c.id,
            homes.c.house_code,
            homes.c.building_id,
            homes.c.unit_no,
            homes.c.floor_label,
            homes.c.room_no,
            buildings.c.building_no,
            buildings.c.units,
            buildings.c.floors_above,
            homes.c.estate_id,
        )
        .select_from(homes.join(buildings, buildings.c.id == homes.c.building_id))
        .where(homes.c.id.in_(bindparam("ids", expanding=True)), homes.c.status.not_in(EXCLUDED_STATUSES))
    )


# -- the generator ----------------------------------------------------------------------------------
_Out = tuple[str, str | None, tuple[str, ...]]


def generate(
    conn: Connection,
    n: int,
    seed: int = 1,
    *,
    no_home_share: float = 0.05,
    city_code: str = "320100",
) -> Iterator[NoisyRecord]:
    """Stream ``n`` noisy address records drawn from the register's homes (see the module doc).

    While one batch is written, the next is fetched on a helper thread through the same connection;
    the connection is idle whenever a record is handed out, so the caller may use it between records.
    """
    if n < 0:
        raise ValueError("n must be ≥ 0")
    if not 0 <= no_home_share <= 1:
        raise ValueError("no_home_share must be in [0, 1]")
    if n == 0:
        return
    g = gazetteer(city_code)
    max_id = conn.execute(select(func.max(homes.c.id))).scalar_one_or_none()
    if not max_id:
        raise ValueError("the register has no homes")
    reg = EstateIndex(conn, g)
    # two streams: which homes (ahead, one batch at a time) and how each is written
    sample = random.Random(f"{seed}:homes")
    w = RecordWriter(g, reg, random.Random(f"{seed}:records"))
    query = _batch_query()

    def fetch() -> tuple[list[int], dict[int, Any]]:
        ids = [sample.randint(1, max_id) for _ in range(BATCH)]
        return ids, {r[0]: r for r in conn.execute(query, {"ids": sorted(set(ids))})}

    produced = 0
    empty_batches = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="noisy-fetch") as pool:
        ahead = pool.submit(fetch)
        while produced < n:
            ids, rows = ahead.result()
            by_id = reg.by_id
            batch = [
                Home(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], by_id[r[9]])
                for i in ids
                if (r := rows.get(i)) is not None
            ]
            more = produced + len(batch) < n
            ahead = pool.submit(fetch) if more else ahead
            if not batch:
                empty_batches += 1
                if empty_batches >= 20:
                    raise ValueError("the register has (almost) no existing homes to draw from")
                continue
            empty_batches = 0
            out, pending = _write_batch(w, batch, no_home_share)
            if more:
                ahead.exception()  # the helper is done with the connection before it is used here
            _settle_no_home(conn, w, out, pending)
            for rec in out:
                if produced >= n:
                    return
                assert rec is not None
                produced += 1
                yield NoisyRecord(f"P{produced:08d}", *rec)


_Pending = tuple[int, Home, str, Draft]


def _write_batch(w: RecordWriter, batch: list[Home], no_home_share: float) -> tuple[list[_Out | None], list[_Pending]]:
    """The records of a batch; no-home candidates are left as None, to be checked together."""
    rnd = w.rng.random
    out: list[_Out | None] = []
    pending: list[_Pending] = []
    for h in batch:
        if no_home_share and rnd() < no_home_share:
            cand = _no_home_draft(w, h)
            if cand is not None:
                pending.append((len(out), h, cand[0], cand[1]))
                out.append(None)
                continue
        out.append(_home_record(w, h))
    return out, pending


def _settle_no_home(conn: Connection, w: RecordWriter, out: list[_Out | None], pending: list[_Pending]) -> None:
    if not pending:
        return
    exists = _existing(conn, [(kind, dr) for _, _, kind, dr in pending])
    for (pos, h, kind, dr), found in zip(pending, exists, strict=True):
        if found:  # the register has it after all: write the home instead
            out[pos] = _home_record(w, h)
            continue
        text, kept = w.render(dr, w.choose(dr, no_home=True))
        out[pos] = (text, None, (kind, *kept))


def _home_record(w: RecordWriter, h: Home) -> _Out:
    dr = draft_of(h)
    if not dr.identifies():
        # even the full address names several estates of the register (same name, district and road)
        text, kept = w.render(dr, w.choose(dr, no_home=True))
        return text, h.house_code, (UNDERSPECIFIED, AMBIGUOUS_IN_REGISTER, *kept)
    if w.rng.random() < UNDERSPECIFIED_SHARE:
        return _underspecified(w, dr)
    text, kept = w.render(dr, w.choose(dr))
    return text, h.house_code, tuple(kept)


def _underspecified(w: RecordWriter, dr: Draft) -> _Out:
    """A record of the home that leaves out what would make it name that home alone."""
    rng = w.rng
    options: list[tuple[str, ...]] = [(DROP_DISTRICT, DROP_ROAD), (DROP_BUILDING,)]
    if dr.road is not None:
        options.append((DROP_DISTRICT, DROP_ESTATE))
    if dr.unit is not None:
        options.append((DROP_UNIT,))
    drops = rng.choice(options)
    for d in drops:
        if d == DROP_DISTRICT:
            dr.has_district = False
        elif d == DROP_ROAD:
            dr.has_road = False
        elif d == DROP_ESTATE:
            dr.has_estate = False
        elif d == DROP_UNIT:
            dr.unit = None
        else:
            dr.has_building = False
    vs = [v for v in (DROP_CITY, FULLWIDTH, BUILDING_WORD, SPACES, PHONE, POSITION) if rng.random() < 0.15]
    text, kept = w.render(dr, vs)
    return text, dr.home.house_code, (UNDERSPECIFIED, *drops, *kept)


def _no_home_draft(w: RecordWriter, h: Home) -> tuple[str, Draft] | None:
    """A draft of an address beside ``h`` that names no home of the register (checked by the caller)."""
    rng = w.rng
    e = h.estate
    dr = draft_of(h)
    if not dr.identifies():
        return None
    m = _ROOM_RE.match(h.room_no)
    kinds = [NO_HOME_ESTATE]
    if m:
        kinds.append(NO_HOME_ROOM)
    if e.max_building and h.building_no.isdigit():
        kinds.append(NO_HOME_BUILDING)
    kind = rng.choices(kinds, [NO_HOME_WEIGHTS[k] for k in kinds])[0]
    if kind == NO_HOME_ROOM:
        assert m is not None
        if rng.random() < 0.6:
            floor = h.floors_above + rng.randint(1, 3)  # above the top floor
            dr.floor = str(floor)
            dr.room = f"{floor}{m.group(2)}"
        else:
            dr.room = f"{m.group(1)}{rng.randint(7, 9):02d}"  # a position the floors do not have
    elif kind == NO_HOME_BUILDING:
        dr.building = str(e.max_building + rng.randint(1, 4))
    elif not _unknown_estate(w, dr):
        return None
    return kind, dr


def _unknown_estate(w: RecordWriter, dr: Draft) -> bool:
    """Give the draft the name of an estate its district does not have (False: none found), maybe on
    the home's road at a door number no estate of the district has."""
    rng = w.rng
    e = dr.home.estate
    for _ in range(20):
        name = rng.choice(w.reg.heads) + rng.choice(w.reg.tails)
        if (e.district_code, estate_key(name) or name) not in w.reg.keys_in_district:
            break
    else:
        return False
    dr.estate_name = name
    dr.road = dr.door = None
    if e.road is not None and rng.random() < 0.5:
        # the estate's road with a door number that no estate of the district has
        for _ in range(20):
            door = str(rng.randint(1, 999))
            if (e.district_code, e.road, door) not in w.reg.roads_in_district:
                dr.road, dr.door = e.road, door
                break
    dr.has_road = dr.road is not None
    return True


def _existing(conn: Connection, cands: list[tuple[str, Draft]]) -> list[bool]:
    """For each no-home candidate, whether the register has what it names after all (batched)."""
    rooms = {(dr.home.building_id, dr.room) for kind, dr in cands if kind == NO_HOME_ROOM}
    blds = {(dr.home.estate.id, dr.building) for kind, dr in cands if kind == NO_HOME_BUILDING}
    names = {(dr.home.estate.district_code, estate_key(dr.estate_name) or "") for k, dr in cands if k == NO_HOME_ESTATE}
    found_rooms: set[tuple[int, str]] = set()
    found_blds: set[tuple[int, str]] = set()
    found_names: set[tuple[str, str]] = set()
    # plain IN lists on indexed columns, the pairs matched here (a row-value IN scans on SQLite)
    if rooms:
        q = select(homes.c.building_id, homes.c.room_no).where(
            homes.c.building_id.in_(sorted({b for b, _ in rooms})), homes.c.room_no.in_(sorted({r for _, r in rooms}))
        )
        found_rooms = {(r[0], r[1]) for r in conn.execute(q)} & rooms
    if blds:
        q = select(buildings.c.estate_id, buildings.c.building_no).where(
            buildings.c.estate_id.in_(sorted({e for e, _ in blds})),
            buildings.c.building_no.in_(sorted({b for _, b in blds})),
        )
        found_blds = {(r[0], r[1]) for r in conn.execute(q)} & blds
    if names:
        # the register's spellings of a key: itself and with 小区 (what estate_key strips)
        spellings = sorted({k for _, k in names} | {k + "小区" for _, k in names})
        q = select(estates.c.district_code, estates.c.name).where(
            estates.c.district_code.in_(sorted({d for d, _ in names})), estates.c.name.in_(spellings)
        )
        found_names = {(r[0], estate_key(r[1]) or r[1]) for r in conn.execute(q)} & names
    out: list[bool] = []
    for kind, dr in cands:
        if kind == NO_HOME_ROOM:
            out.append((dr.home.building_id, dr.room) in found_rooms)
        elif kind == NO_HOME_BUILDING:
            out.append((dr.home.estate.id, dr.building) in found_blds)
        else:
            out.append((dr.home.estate.district_code, estate_key(dr.estate_name) or "") in found_names)
    return out


# -- files ------------------------------------------------------------------------------------------
def write_csv(records: Iterable[NoisyRecord], out: Path, truth: Path | None = None) -> int:
    """Write ``record_id,address`` to ``out`` (and ``record_id,house_code,variations`` to ``truth``).

    UTF-8, header first; an empty ``house_code`` is a record without a home; variations are joined
    by ``|``. Returns the number of records written.
    """
    count = 0
    with out.open("w", encoding="utf-8", newline="") as f, ExitStack() as stack:
        wr = csvout.writer(f, lineterminator="\n")
        wr.writerow(("record_id", "address"))
        tw = None
        if truth is not None:
            tw = csvout.writer(stack.enter_context(truth.open("w", encoding="utf-8", newline="")), lineterminator="\n")
            tw.writerow(("record_id", "house_code", "variations"))
        for r in records:
            wr.writerow((r.record_id, r.address))
            if tw is not None:
                tw.writerow((r.record_id, r.house_code or "", "|".join(r.variations)))
            count += 1
    return count


__all__ = ["BATCH", "EXCLUDED_STATUSES", "NoisyRecord", "generate", "write_csv"]
