"""The synthetic rental market: filed enterprises and agencies, their practitioners, entrustments,
listings and ≈1M active filed leases at scale 1.0 (with some terminated and expired history).

Written straight into the ``rental_*`` tables through the bulk path, streaming the register in
chunks of homes (bounded memory), deterministic by seed (apart from encryption nonces). Leased homes
are residential (住宅) and in use (使用) homes with a current person owner (``home_owners``); a home is
let either whole or room by room (分间), never both, and the leases of one unit follow each other
without overlapping. Rents carry structure (district and street level, area elasticity below 1,
bedrooms, floor, building age, noise) so the hedonic guidance model has something to find.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from array import array
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, Table, false, func, select

from anju.core import clock, dialect
from anju.core.errors import Conflict
from anju.registry import OWNERS_BELIEVED, buildings, home_owners, homes, rooms
from anju.rental import (
    domain,
    rental_entrustments,
    rental_leases,
    rental_listings,
    rental_parties,
    rental_practitioners,
    rental_units,
)
from anju.security import Keyring
from anju.synth import names
from anju.synth.people.identities import Identities

ENTERPRISES_AT_FULL_SCALE = 1500
AGENCIES_AT_FULL_SCALE = 3000
ACTIVE_LEASES_AT_FULL_SCALE = 1_000_000
RESIDENTIAL = "住宅"
IN_USE = "使用"
CHUNK = 20_000

PARTY_COLS = (
    "id", "party_no", "kind", "credit_code", "name", "business_scope", "registered_capital_fen",
    "legal_rep_name_enc", "legal_rep_id_enc", "legal_rep_id_bidx", "escrow_bank", "escrow_account_no",
    "address", "district_code", "street_code", "status", "status_reason", "account_id", "filed_at", "updated_at",
)  # fmt: skip
PRACTITIONER_COLS = (
    "party_id", "practice_no", "name_enc", "id_enc", "id_bidx", "position", "status", "joined_on",
    "left_on", "record", "recorded_at",
)  # fmt: skip
ENTRUST_COLS = (
    "id", "home_id", "room_id", "street_code", "owner_bidx", "agent_account_id", "agent_party_id",
    "valid_from", "valid_to", "revoked_at", "created_by", "created_at",
)  # fmt: skip
LISTING_COLS = (
    "id", "listing_no", "unit_key", "home_id", "room_id", "mode", "district_code", "street_code",
    "lister_account_id", "party_id", "owner_bidx", "entrustment_id", "title", "description", "area",
    "bedrooms", "living_rooms", "floor", "rent_fen", "deposit_fen", "photos", "build_year", "lon", "lat",
    "status", "active", "verification", "verify_code", "flags", "created_at", "verified_at",
    "published_at", "closed_at", "updated_at",
)  # fmt: skip
UNIT_COLS = ("unit_key", "home_id", "room_id", "filings")
LEASE_COLS = (
    "id", "lease_no", "filing_no", "unit_key", "home_id", "room_id", "listing_id", "district_code",
    "street_code", "landlord_kind", "landlord_account_id", "landlord_party_id", "landlord_bidx",
    "landlord_name_enc", "tenant_account_id", "tenant_bidx", "tenant_name_enc", "tenant_id_enc",
    "start_on", "end_on", "rent_fen", "payment_cycle", "deposit_fen", "area", "bedrooms", "use",
    "occupants", "terms", "status", "landlord_signed_at", "tenant_signed_at", "filed_at", "ended_on",
    "end_reason", "renews_lease_id", "amendments", "escrow_required", "created_at", "updated_at",
)  # fmt: skip

ORDER: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (rental_parties, PARTY_COLS),
    (rental_practitioners, PRACTITIONER_COLS),
    (rental_entrustments, ENTRUST_COLS),
    (rental_listings, LISTING_COLS),
    (rental_units, UNIT_COLS),
    (rental_leases, LEASE_COLS),
)
TABLES = tuple(t for t, _ in ORDER)
CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "half_year": 6, "yearly": 12}
PERSON_CYCLES = (("monthly", 0.55), ("quarterly", 0.45))
PARTY_CYCLES = (("monthly", 0.3), ("quarterly", 0.4), ("half_year", 0.2), ("yearly", 0.1))
BANKS = ("中国工商银行南京分行", "中国建设银行江苏省分行", "中国银行南京分行", "交通银行江苏省分行", "南京银行")
SCOPES = {
    "enterprise": "住房租赁；非居住房地产租赁；物业管理；住房租赁经营（合成）",
    "agency": "房地产经纪；房地产咨询；住房租赁居间服务（合成）",
}
TERMS = json.dumps({"model": "南京市住房租赁合同示范文本", "obligations": "standard"}, ensure_ascii=False)
#: Synthetic listings pass every rule (the shape listings.verify stores: name, passed, reason).
VERIFICATION = json.dumps(
    [{"name": n, "passed": True, "reason": "合成数据：核验通过"} for n in domain.LISTING_RULES],
    ensure_ascii=False,
)


@dataclass
class RentalReport:
    seed: int
    scale: float
    enterprises: int = 0
    agencies: int = 0
    parties_suspended: int = 0
    parties_revoked: int = 0
    practitioners: int = 0
    eligible_homes: int = 0
    entrustments: int = 0
    listings: dict[str, int] = field(default_factory=dict)
    units: int = 0
    leases: dict[str, int] = field(default_factory=dict)
    room_leases: int = 0
    party_leases: int = 0
    escrow_required: int = 0


def _ts(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randint(1, 11), rng.randint(0, 59), tzinfo=UTC)


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError


def _unit(h: int) -> float:
    """A deterministic number in [0, 1) from an integer (street and district levels)."""
    return int.from_bytes(hashlib.sha256(str(h).encode()).digest()[:6], "big") / 2**48


class _Writer:
    def __init__(self, conn: Connection, size: int) -> None:
        self.conn = conn
        self.size = size
        self.buf: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in TABLES}
        self.held = 0

    def add(self, table: Table, row: tuple[Any, ...]) -> None:
        self.buf[table.name].append(row)
        self.held += 1
        if self.held >= self.size:
            self.flush()

    def flush(self) -> None:
        for t, cols in ORDER:
            b = self.buf[t.name]
            if b:
                dialect.bulk_insert(self.conn, t, cols, b)
                b.clear()
        self.held = 0


@dataclass
class _Party:
    id: int
    kind: str
    code: str
    name: str
    bidx: str
    name_enc: bytes
    status: str


class RentalGenerator:
    def __init__(
        self,
        conn: Connection,
        keyring: Keyring,
        seed: int,
        scale: float,
        today: date,
        batch: int,
        progress: Callable[[str, float], None],
        city_code: str,
        deposit_cap_months: int,
        escrow_rent_months: int,
        escrow_deposit_months: int,
    ) -> None:
        self.conn = conn
        self.kr = keyring
        self.seed = seed
        self.scale = scale
        self.today = today
        self.progress = progress
        self.city = city_code
        self.cap = deposit_cap_months
        self.esc_rent = escrow_rent_months
        self.esc_dep = escrow_deposit_months
        self.out = _Writer(conn, batch)
        self.report = RentalReport(seed, scale)
        self.ids = Identities(seed + 7_777)
        # tenants' IDs take sequence numbers from the upper half: they never repeat an owner's ID
        self.ids.counters = array("H", [250]) * len(self.ids.counters)
        self.rng = random.Random(f"anju-rental-{seed}")
        self.parties: list[_Party] = []
        self.enterprises: list[_Party] = []
        self.n_listing = 0
        self.n_lease = 0
        self.n_entrust = 0
        self.n_filing = 0
        self.owner_names: dict[int, bytes] = {}

    # -- parties -----------------------------------------------------------------------------------
    def make_parties(self, streets: list[tuple[str, str]]) -> None:
        rng = self.rng
        first = dialect.next_ids(self.conn, rental_parties, 1)
        n_ent = max(3, round(ENTERPRISES_AT_FULL_SCALE * self.scale))
        n_ag = max(3, round(AGENCIES_AT_FULL_SCALE * self.scale))
        serial = 0
        for kind, n in (("enterprise", n_ent), ("agency", n_ag)):
            for i in range(n):
                pid = first + serial
                serial += 1
                dcode, scode = streets[rng.randrange(len(streets))]
                code = self.ids.credit_code(dcode if len(dcode) == 6 else self.city)
                tail = "住房租赁有限公司" if kind == "enterprise" else "房地产经纪有限公司"
                name = f"南京{rng.choice(names.ESTATE_HEADS)}{tail}（合成{serial}）"
                status = "filed"
                reason = None
                if i == n - 1 and n >= 3:  # at any scale a few parties are not in good standing
                    status, reason = (
                        ("suspended", "检查发现违规发布房源，暂停备案")
                        if kind == "agency"
                        else ("revoked", "提供虚假材料，撤销备案")
                    )
                elif i >= 2 and rng.random() < 0.03:
                    status, reason = "suspended", "检查发现违规发布房源，暂停备案"
                elif i >= 2 and rng.random() < 0.015:
                    status, reason = "revoked", "提供虚假材料，撤销备案"
                rep_id, _ = self.ids.resident_id(
                    rng, date(1960 + rng.randrange(30), 1, 1) + timedelta(rng.randrange(365)), rng.random() < 0.6, True
                )
                rep_name = self.ids.name(rng)
                filed_on = self.today - timedelta(days=rng.randint(60, 2000))
                at = _ts(filed_on, rng)
                bank = acct = None
                if kind == "enterprise":
                    bank = rng.choice(BANKS)
                    acct = f"3201{pid:08d}{rng.randrange(10**6):06d}"
                road = rng.choice(names.ROAD_HEADS) + rng.choice(names.ROAD_TAILS)
                self.out.add(
                    rental_parties,
                    (
                        pid, f"{'QY' if kind == 'enterprise' else 'JJ'}{self.city}{serial:08d}", kind, code, name,
                        SCOPES[kind], rng.choice((100, 200, 500, 1000, 3000, 10000)) * 10_000 * 100,
                        self.kr.encrypt(rep_name, "rental_parties.legal_rep_name"),
                        self.kr.encrypt(rep_id, "rental_parties.legal_rep_id"),
                        self.kr.blind_index(rep_id, "id_number"), bank, acct,
                        f"南京市{road}{rng.randint(1, 300)}号", dcode, scode, status, reason, None, at, at,
                    ),
                )  # fmt: skip
                p = _Party(pid, kind, code, name, self.kr.blind_index(code, "credit_code"),
                           self.kr.encrypt(name, "rental_leases.landlord_name"), status)  # fmt: skip
                self.parties.append(p)
                if kind == "enterprise":
                    self.report.enterprises += 1
                    if status == "filed":
                        self.enterprises.append(p)
                else:
                    self.report.agencies += 1
                if status == "suspended":
                    self.report.parties_suspended += 1
                elif status == "revoked":
                    self.report.parties_revoked += 1
                for _ in range(rng.randint(1, 4)):
                    self.practitioner(p, filed_on, at)

    def practitioner(self, p: _Party, since: date, at: datetime) -> None:
        rng = self.rng
        idn, _ = self.ids.resident_id(
            rng,
            date(1970 + rng.randrange(30), 1, 1) + timedelta(rng.randrange(365)),
            rng.random() < 0.5,
            rng.random() < 0.7,
        )
        self.report.practitioners += 1
        joined = since + timedelta(days=rng.randint(0, 50))
        left = rng.random() < 0.1
        self.out.add(
            rental_practitioners,
            (
                p.id, f"CY{self.city}{self.report.practitioners:08d}",
                self.kr.encrypt(self.ids.name(rng), "rental_practitioners.name"),
                self.kr.encrypt(idn, "rental_practitioners.id"), self.kr.blind_index(idn, "id_number"),
                rng.choice(("broker", "broker", "assistant", "manager")), "left" if left else "active", joined,
                joined + timedelta(days=rng.randint(30, 400)) if left else None,
                json.dumps([{"on": joined.isoformat(), "event": "joined"}]), at,
            ),
        )  # fmt: skip

    # -- rents -------------------------------------------------------------------------------------
    def rent(self, rng: random.Random, dcode: str, scode: str, area: float, bedrooms: int, floor: int,
             year: int | None, room: bool) -> int:  # fmt: skip
        lvl = 0.35 * (_unit(int(dcode)) - 0.5) + 0.25 * (_unit(int(scode) * 31 + self.seed) - 0.5)
        age = max(0, self.today.year - (year or 2005))
        x = (
            math.log(85.0) + lvl + 0.8 * math.log(max(area, 5.0)) + 0.04 * bedrooms
            + 0.006 * min(max(floor, 1), 30) - 0.006 * age + (0.25 if room else 0.0) + rng.gauss(0, 0.12)
        )  # fmt: skip
        return max(300, round(math.exp(x) / 10)) * 1000  # whole ten yuan

    # -- homes -------------------------------------------------------------------------------------
    def homes(self) -> None:
        c = self.conn
        eligible = (homes.c.use == RESIDENTIAL) & (homes.c.status == IN_USE)
        owned = (
            select(home_owners.c.home_id)
            .where(home_owners.c.released_on.is_(None), home_owners.c.owner_kind == "person", OWNERS_BELIEVED)
            .scalar_subquery()
        )
        n_elig = int(
            c.execute(select(func.count()).select_from(homes).where(eligible, homes.c.id.in_(owned))).scalar_one()
        )
        self.report.eligible_homes = n_elig
        if not n_elig:
            return
        target = ACTIVE_LEASES_AT_FULL_SCALE * self.scale
        # a room-let home carries about two active leases
        p_lease = min(0.9, target / (n_elig * 1.02))
        last = 0
        done = 0
        while True:
            rows = c.execute(
                select(
                    homes.c.id, homes.c.district_code, homes.c.street_code, homes.c.floor_no, homes.c.rooms,
                    homes.c.halls, homes.c.construction_area, buildings.c.year_built, buildings.c.centroid_lon,
                    buildings.c.centroid_lat,
                )
                .join(buildings, buildings.c.id == homes.c.building_id)
                .where(eligible, homes.c.id > last)
                .order_by(homes.c.id)
                .limit(CHUNK)
            ).all()  # fmt: skip
            if not rows:
                break
            lo, hi = rows[0][0], rows[-1][0]
            owners: dict[int, str] = {}
            self.owner_names = {}
            for hid, bidx, name_enc in c.execute(
                select(home_owners.c.home_id, home_owners.c.owner_bidx, home_owners.c.owner_name_enc)
                .where(
                    home_owners.c.home_id.between(lo, hi),
                    home_owners.c.released_on.is_(None),
                    home_owners.c.owner_kind == "person",
                    OWNERS_BELIEVED,
                )
                .order_by(home_owners.c.home_id, home_owners.c.id)
            ):
                if hid not in owners:
                    owners[hid] = bidx
                    self.owner_names[hid] = name_enc
            rms: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
            for rid, hid, area in c.execute(
                select(rooms.c.id, rooms.c.home_id, rooms.c.area)
                .where(rooms.c.home_id.between(lo, hi), rooms.c.status == "in_use")
                .order_by(rooms.c.id)
            ):
                rms[hid].append((rid, area))
            for r in rows:
                if r[0] in owners:
                    self.home(r, owners[r[0]], rms.get(r[0], []), p_lease)
            last = hi
            done += len(rows)
            self.progress(f"租赁市场：已处理 {done} 套住宅", min(0.95, 0.05 + 0.9 * done / max(n_elig, 1)))

    def home(self, r: Any, owner: str, rms: list[tuple[int, Decimal]], p_lease: float) -> None:
        hid, _d, scode, _f, nrooms, _hl, area, _y, _lon, _lat = r
        rng = random.Random(f"anju-rental-{self.seed}-{hid}")
        u = rng.random()
        if u >= p_lease + 0.06:
            return
        leased = u < p_lease
        party: _Party | None = None
        entrust: int | None = None
        if self.enterprises and rng.random() < 0.12:
            party = self.enterprises[rng.randrange(len(self.enterprises))]
            entrust = self.entrustment(rng, hid, scode, owner, party)
        by_room = len(rms) >= 2 and rng.random() < 0.15
        units: list[tuple[str, int | None, Decimal, int]] = (
            [(f"r{rid}", rid, a, 1) for rid, a in rms] if by_room else [(f"h{hid}", None, area, nrooms or 1)]
        )
        for key, rid, a, beds in units:
            if leased and (not by_room or rng.random() < 0.85):
                self.lease_chain(rng, r, key, rid, a, beds, owner, party, entrust)
            elif not leased or rng.random() < 0.5:
                self.listing(rng, r, key, rid, a, beds, owner, party, entrust, self.open_status(rng), None)

    def landlord_name(self, hid: int) -> bytes:
        """The owner's own (synthetic) name as the lease's lessor, as a live lease would carry it."""
        name = self.kr.decrypt(self.owner_names[hid], "home_owners.owner_name")
        return self.kr.encrypt(name, "rental_leases.landlord_name")

    @staticmethod
    def open_status(rng: random.Random) -> str:
        x = rng.random()
        return "published" if x < 0.7 else "verified" if x < 0.9 else "pending_review" if x < 0.95 else "withdrawn"

    def entrustment(self, rng: random.Random, hid: int, scode: str, owner: str, party: _Party) -> int:
        self.n_entrust += 1
        eid = self.first_entrust + self.n_entrust - 1
        start = self.today - timedelta(days=rng.randint(1100, 1400))
        self.out.add(
            rental_entrustments,
            (eid, hid, None, scode, owner, None, party.id, start, start + timedelta(days=365 * 6), None, None,
             _ts(start, rng)),
        )  # fmt: skip
        self.report.entrustments += 1
        return eid

    def listing(self, rng: random.Random, r: Any, key: str, rid: int | None, area: Decimal, beds: int, owner: str,
                party: _Party | None, entrust: int | None, status: str, rent: int | None,
                on: date | None = None) -> int:  # fmt: skip
        hid, dcode, scode, floor, nrooms, halls, _a, year, lon, lat = r
        self.n_listing += 1
        lid = self.first_listing + self.n_listing - 1
        if rent is None:
            rent = self.rent(rng, dcode, scode, float(area), beds, floor, year, rid is not None)
        on = on or self.today - timedelta(days=rng.randint(1, 50))
        created = _ts(on, rng)
        verified = created + timedelta(hours=1) if status != "pending_review" else None
        published = created + timedelta(hours=2) if status in ("published", "leased", "withdrawn") else None
        closed = created + timedelta(days=rng.randint(3, 40)) if status in ("leased", "withdrawn") else None
        code = None
        if verified is not None:
            # the live format (check character included), from a hash so the draws stay as they were
            h = hashlib.sha256(f"{self.seed}:{lid}".encode()).digest()
            code = domain.make_verify_code([b % len(domain.CODE_ALPHABET) for b in h[: domain.CODE_BODY]])
        active = 1 if status in ("published", "verified", "pending_review") else None
        mode = "room" if rid is not None else "whole"
        title = f"{'整租' if rid is None else '分间'} {nrooms or 1}室{halls or 0}厅 {area}㎡"
        self.out.add(
            rental_listings,
            (
                lid, domain.listing_no(created.date(), lid), key, hid, rid, mode, dcode, scode, None,
                party.id if party else None, owner, entrust, title, "合成房源，信息已核验。", area, beds, halls,
                floor, rent, rent * (1 + (rng.random() < 0.3)), rng.randint(3, 12), year, lon, lat, status, active,
                VERIFICATION if verified else None, code,
                "rent_outside_guidance" if status == "pending_review" else "", created, verified, published,
                closed, closed or published or created,
            ),
        )  # fmt: skip
        self.report.listings[status] = self.report.listings.get(status, 0) + 1
        return lid

    def lease_chain(self, rng: random.Random, r: Any, key: str, rid: int | None, area: Decimal, beds: int,
                    owner: str, party: _Party | None, entrust: int | None) -> None:  # fmt: skip
        hid, dcode, scode, floor, _n, _h, _a, year, _lon, _lat = r
        term = rng.choice((6, 12, 12, 12, 12, 24, 24, 36))
        # the active lease covers today; it started up to three years ago
        end_min = self.today
        start = end_min - timedelta(days=rng.randint(0, term * 30 - 1))
        start = max(start, self.today - timedelta(days=3 * 365))
        chain: list[tuple[date, int, str]] = [(start, term, "filed")]
        s = start
        while rng.random() < 0.45 and s > self.today - timedelta(days=3 * 365):
            t = rng.choice((6, 12, 12, 24))
            prev = add_months(s - timedelta(days=rng.randint(1, 45)), -t)
            if prev < self.today - timedelta(days=3 * 365):
                break
            chain.append((prev, t, "terminated" if rng.random() < 0.3 else "expired"))
            s = prev
        filings = 0
        base = self.rent(rng, dcode, scode, float(area), beds, floor, year, rid is not None)
        next_start: date | None = None
        for st, t, status in chain:  # newest first
            end = add_months(st, t) - timedelta(days=1)
            if next_start is not None and end >= next_start:
                end = next_start - timedelta(days=1)
            if end <= st:
                continue
            ended = None
            if status == "terminated":
                ended = st + timedelta(days=max(1, (end - st).days * rng.randint(3, 9) // 10))
            rent = max(30_000, round(base * (1 - 0.02 * (self.today - st).days / 365) / 1000) * 1000)
            self.lease(rng, r, key, rid, area, beds, owner, party, entrust, st, end, ended, status, rent)
            filings += 1
            next_start = st
        self.out.add(rental_units, (key, hid, rid, filings))
        self.report.units += 1

    def lease(self, rng: random.Random, r: Any, key: str, rid: int | None, area: Decimal, beds: int, owner: str,
              party: _Party | None, entrust: int | None, start: date, end: date, ended: date | None, status: str,
              rent: int) -> None:  # fmt: skip
        hid, dcode, scode, *_ = r
        listing = self.listing(rng, r, key, rid, area, beds, owner, party, entrust, "leased", rent,
                               start - timedelta(days=rng.randint(10, 40)))  # fmt: skip
        self.n_lease += 1
        lid = self.first_lease + self.n_lease - 1
        cycles = PARTY_CYCLES if party else PERSON_CYCLES
        cycle = rng.choices([c for c, _ in cycles], weights=[w for _, w in cycles])[0]
        dm = rng.choices((0, 1, 2, 3), weights=(0.05, 0.6, 0.3, 0.05))[0]
        deposit = rent * min(dm, self.cap)
        escrow = party is not None and (CYCLE_MONTHS[cycle] > self.esc_rent or deposit > self.esc_dep * rent)
        birth = date(1965 + rng.randrange(38), 1, 1) + timedelta(days=rng.randrange(365))
        idn, _ = self.ids.resident_id(rng, birth, rng.random() < 0.5, rng.random() < 0.6)
        signed = _ts(start - timedelta(days=rng.randint(1, 10)), rng)
        filed = signed + timedelta(hours=rng.randint(1, 48))
        self.n_filing += 1
        self.out.add(
            rental_leases,
            (
                lid, domain.lease_no(signed.date(), f"{lid:010X}"), domain.filing_no(filed.year, lid, self.n_filing),
                key, hid, rid,
                listing, dcode, scode, "party" if party else "person", None, party.id if party else None,
                party.bidx if party else owner,
                party.name_enc if party else self.landlord_name(hid),
                None, self.kr.blind_index(idn, "id_number"),
                self.kr.encrypt(self.ids.name(rng), "rental_leases.tenant_name"),
                self.kr.encrypt(idn, "rental_leases.tenant_id"), start, end, rent, cycle, deposit, area, beds,
                "居住", rng.randint(1, 4 if rid is None else 2), TERMS, status, signed, signed, filed, ended,
                "双方协商提前解除" if ended else None, None, 0, escrow, signed, filed,
            ),
        )  # fmt: skip
        self.report.leases[status] = self.report.leases.get(status, 0) + 1
        self.report.room_leases += rid is not None
        self.report.party_leases += party is not None
        self.report.escrow_required += escrow

    first_listing: int
    first_lease: int
    first_entrust: int

    def run(self) -> RentalReport:
        c = self.conn
        streets = [
            (d, s)
            for d, s in c.execute(
                select(homes.c.district_code, homes.c.street_code).distinct().order_by(homes.c.street_code)
            )
        ]
        self.first_listing = dialect.next_ids(c, rental_listings, 1)
        self.first_lease = dialect.next_ids(c, rental_leases, 1)
        self.first_entrust = dialect.next_ids(c, rental_entrustments, 1)
        self.make_parties(streets)
        self.out.flush()
        self.progress("租赁企业与经纪机构已备案", 0.05)
        self.homes()
        self.out.flush()
        return self.report


def generate_rental(
    engine: Engine,
    keyring: Keyring,
    seed: int,
    *,
    scale: float | None = None,
    today: date | None = None,
    batch: int = 5000,
    progress: Callable[[str, float], None] | None = None,
    city_code: str = "320100",
    deposit_cap_months: int = 3,
    escrow_rent_months: int = 3,
    escrow_deposit_months: int = 1,
) -> RentalReport:
    """The rental market of a synthetic city built by ``generate`` and ``generate_people``.

    ``scale`` defaults to the register's size relative to the full-scale city. Refuses a database that
    already has rental parties, listings or leases."""
    from anju.synth.people import HOMES_AT_FULL_SCALE

    today = today or clock.today()
    report_progress = progress or (lambda msg, frac: None)
    with dialect.bulk_load(engine) as conn:
        n_homes = conn.execute(select(func.count()).select_from(homes)).scalar_one()
        if not n_homes:
            raise Conflict("登记簿为空：请先生成合成城市（anju synth）")
        if conn.execute(select(home_owners.c.id).limit(1)).first() is None:
            raise Conflict("尚无产权人数据：请先生成合成人口")
        for t in (rental_parties, rental_listings, rental_leases):
            if conn.execute(select(t.c.id).limit(1)).first() is not None:
                raise Conflict("已有租赁数据：合成租赁市场只能写入尚无租赁数据的库")
        if scale is None:
            scale = n_homes / HOMES_AT_FULL_SCALE
        if not 0 < scale <= 2:
            raise ValueError("scale must be in (0, 2]")
        gen = RentalGenerator(conn, keyring, seed, scale, today, batch, report_progress, city_code,
                              deposit_cap_months, escrow_rent_months, escrow_deposit_months)  # fmt: skip
        conn.execute(rental_units.delete().where(false()))
        with dialect.deferred_indexes(conn, TABLES):
            report = gen.run()
            report_progress("正在建立索引", 0.96)
        dialect.reset_sequences(conn, [rental_parties, rental_listings, rental_leases, rental_entrustments])
        dialect.refresh_statistics(conn)
    dialect.after_bulk_load(engine, TABLES)
    report_progress("完成", 1.0)
    return report


__all__ = ["RentalReport", "add_months", "generate_rental"]
