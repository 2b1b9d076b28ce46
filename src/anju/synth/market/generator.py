"""The market history's generator: reads the register and its owners a batch of homes at a time and
decides, per home, the sales that led to the owners it has (docs/synthetic-market.md)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, union, update
from sqlalchemy.engine import Row

from anju.core import clock, dialect
from anju.divisions import choices as division_choices
from anju.registry import (
    Status,
    Use,
    building_versions,
    buildings,
    estates,
    feed_loads,
    home_owners,
    homes,
    registrations,
    restriction_records,
)
from anju.rental import rental_leases, rental_listings
from anju.security import Keyring
from anju.synth import names
from anju.synth.market.land import generate_land
from anju.synth.market.model import HISTORY_START, PriceModel, month_index
from anju.synth.market.rows import WRITER, Writer
from anju.synth.market.sales import HomeFacts, MarketReport, Party, Sales, ts
from anju.transactions import (
    developers,
    home_prices,
    presale_permit_homes,
    presale_permits,
    rebuild_daily_figures,
    resale_contracts,
    sale_contracts,
    sale_projects,
    transaction_daily_figures,
    transaction_monthly_figures,
)

#: Buildings presold from this day on are the history's new homes (sold by their developer).
NEW_FROM = date(2014, 7, 1)
#: Sales a year at scale 1.0 (Nanjing: roughly 90–100k new homes and 100–120k resales).
NEW_PER_YEAR = 95_000
RESALES_PER_YEAR = 110_000
#: Developers at scale 1.0.
DEVELOPERS_AT_FULL_SCALE = 600
DEVELOPER_KINDS = ("置业", "房地产开发", "地产", "城建")
#: Homes read per query.
HOME_BATCH = 20_000
#: Share of resales whose (invented) seller had bought the home within the history too (repeat sales).
CHAIN = 0.35
#: Share of new homes bought from the developer by someone who resold them to today's owner.
CHAIN_NEW = 0.3
#: Share of unowned presale homes under a filed contract; of unowned completed homes sold lately.
PRESALE_SOLD = 0.65
COMPLETED_SOLD = 0.25
#: Share of owned homes with a resale contract filed lately and not yet registered.
PENDING = 0.004
RESIDENTIAL = Use.residential.value
REFORM = date(1998, 7, 1)
TABLES = (
    developers,
    sale_projects,
    presale_permits,
    presale_permit_homes,
    home_prices,
    sale_contracts,
    registrations,
    resale_contracts,
    restriction_records,
)


def _quiet(_msg: str, _frac: float) -> None:
    return None


def days(n: int) -> timedelta:
    return timedelta(days=n)


class MarketGenerator(Sales):
    def __init__(
        self,
        conn: Connection,
        keyring: Keyring,
        seed: int,
        scale: float,
        today: date,
        batch: int,
        progress: Callable[[str, float], None],
    ) -> None:
        model = PriceModel(seed, month_index(today) + 1)
        super().__init__(seed, scale, keyring, model, Writer(conn, batch), today)
        self.conn = conn
        self.scale = scale
        self.progress = progress
        self.report.months = model.months
        self.buildings: dict[int, tuple[int, str, int | None]] = {}
        self.presale: dict[int, date] = {}
        self.completed: dict[int, date] = {}
        self.estates: dict[int, str] = {}
        self.let: set[int] = set()
        self.devs: dict[str, list[tuple[int, Party]]] = {}
        self.projects: dict[int, tuple[int, int, Party]] = {}
        self.permits: dict[int, list[Any]] = {}
        self.p_market = 1.0
        self.p_new = 1.0
        self.chain = CHAIN

    # ------------------------------------------------------------------ set-up
    def read_register(self) -> None:
        c = self.conn
        q = select(buildings.c.id, buildings.c.floors_above, buildings.c.structure, buildings.c.year_built)
        self.buildings = {int(r[0]): (int(r[1]), r[2], r[3]) for r in c.execute(q)}
        first = func.min(building_versions.c.valid_from)
        q2 = (
            select(building_versions.c.building_id, building_versions.c.status, first)
            .where(building_versions.c.status.in_([Status.presale.value, Status.completed.value]))
            .group_by(building_versions.c.building_id, building_versions.c.status)
        )
        for bid, status, on in c.execute(q2):
            (self.presale if status == Status.presale.value else self.completed)[int(bid)] = on
        self.estates = {int(r[0]): r[1] for r in c.execute(select(estates.c.id, estates.c.name))}
        let = union(
            select(rental_listings.c.home_id).where(rental_listings.c.active == 1),
            select(rental_leases.c.home_id).where(rental_leases.c.end_on >= self.today),
        )
        self.let = {int(r[0]) for r in c.execute(let)}

    def plan_volumes(self) -> None:
        """The share of old homes' changes of owner within the history that are market resales (the
        rest are inheritances, gifts and the like: a registration without a contract)."""
        acquired = (
            select(home_owners.c.home_id, home_owners.c.acquired_on)
            .where(home_owners.c.acquired_on > HISTORY_START, home_owners.c.superseded_at.is_(None))
            .distinct()
            .subquery()
        )
        q = (
            select(homes.c.building_id, func.count())
            .select_from(acquired.join(homes, homes.c.id == acquired.c.home_id))
            .where(homes.c.use == RESIDENTIAL)
            .group_by(homes.c.building_id)
        )
        old = sum(int(n) for bid, n in self.conn.execute(q) if not self.is_new_building(int(bid)))
        years = (self.today - HISTORY_START).days / 365.25
        supply_q = (
            select(homes.c.building_id, func.count())
            .where(homes.c.use == RESIDENTIAL, homes.c.status != Status.demolished.value)
            .group_by(homes.c.building_id)
        )
        supply = sum(int(n) for bid, n in self.conn.execute(supply_q) if self.is_new_building(int(bid)))
        # more new homes than the market sells (a small city's few estates): the rest were allocated
        self.p_new = min(1.0, NEW_PER_YEAR * self.scale * years / max(1, supply))
        target = RESALES_PER_YEAR * self.scale * years
        if old * (1 + CHAIN) >= target:
            self.p_market = target / max(1.0, old * (1 + CHAIN))
        else:
            self.p_market = 1.0
            self.chain = min(1.0, target / max(1.0, old) - 1)

    def is_new_building(self, bid: int) -> bool:
        p = self.presale.get(bid)
        return p is not None and p >= NEW_FROM

    def make_developers(self) -> None:
        rng = self.rng
        n = max(len(names.DEVELOPERS), round(DEVELOPERS_AT_FULL_SCALE * self.scale))
        districts = sorted(self.model.log_index)
        # a developer's seat: a real street of its district (the divisions), in turn; the district
        # itself only where the divisions have no streets for it
        streets = {c["code"]: [x["code"] for x in c["streets"]] for c in division_choices(self.conn)}
        filed = ts(date(2014, 1, 6))
        for i in range(n):
            d = districts[i % len(districts)]
            seats = streets.get(d) or [d]
            seat = seats[(i // len(districts)) % len(seats)]
            code = self.ids.credit_code(d)
            short = names.DEVELOPERS[i] if i < len(names.DEVELOPERS) else None
            name = (
                f"南京{short.removesuffix('（合成）')}有限公司（合成）"
                if short
                else f"南京{rng.choice(names.ESTATE_HEADS)}{rng.choice(DEVELOPER_KINDS)}有限公司（合成）"
            )
            did = self.out.new_id(developers)
            grade = "一级" if rng.random() < 0.3 else "二级"
            self.out.add(
                developers,
                (did, code, name, grade, f"JS-{d}-{did:06d}", f"南京市{d}（合成地址）", d, seat, WRITER, filed),
            )
            party = Party("org", self.kr.blind_index(code, "credit_code"), code, name)
            self.devs.setdefault(d, []).append((did, party))
        self.report.developers = n

    def open_load(self) -> None:
        now = clock.now()
        values = {
            "feed": "registrations",
            "filename": f"synthetic-market-history-seed-{self.seed}",
            "sha256": hashlib.sha256(f"anju-market-{self.seed}-{self.scale}".encode()).hexdigest(),
            "format": None,
            "status": "loaded",
            "records_total": 0,
            "records_new": 0,
            "records_unchanged": 0,
            "records_rejected": 0,
            "report": "{}",
            "created_at": now,
            "finished_at": now,
        }
        self.load_id = int(
            self.conn.execute(insert(feed_loads).values(**values).returning(feed_loads.c.id)).scalar_one()
        )

    # ------------------------------------------------------------------ the homes
    def batches(self) -> Iterator[tuple[Sequence[Any], dict[int, list[Any]]]]:
        last = 0
        while True:
            rows = self.conn.execute(
                select(
                    homes.c.id,
                    homes.c.estate_id,
                    homes.c.building_id,
                    homes.c.district_code,
                    homes.c.street_code,
                    homes.c.use,
                    homes.c.status,
                    homes.c.floor_no,
                    homes.c.construction_area,
                    homes.c.valid_from,
                )
                .where(homes.c.id > last)
                .order_by(homes.c.id)
                .limit(HOME_BATCH)
            ).all()
            if not rows:
                return
            lo, last = int(rows[0].id), int(rows[-1].id)
            o = home_owners.c
            owners = self.conn.execute(
                select(o.id, o.home_id, o.owner_kind, o.owner_bidx, o.owner_id_enc, o.owner_name_enc)
                .add_columns(o.share_pct, o.acquired_on, o.released_on)
                .where(o.home_id.between(lo, last), o.superseded_at.is_(None))
                .order_by(o.home_id, o.acquired_on, o.id)
            ).all()
            by_home = {k: list(g) for k, g in groupby(owners, key=lambda r: int(r.home_id))}
            yield rows, by_home

    def run(self) -> MarketReport:
        self.open_load()
        self.read_register()
        self.plan_volumes()
        self.make_developers()
        total = self.conn.execute(select(func.count()).select_from(homes)).scalar_one()
        done = 0
        for rows, owners in self.batches():
            for r in rows:
                self.home(r, owners.get(int(r.id), []))
            self.out.flush()
            done += len(rows)
            self.progress(f"市场历史：已处理 {done:,} 套", min(1.0, done / max(1, total)))
        self.finish()
        return self.report

    def home(self, r: Row[Any], owner_rows: list[Row[Any]]) -> None:
        bid = int(r.building_id)
        floors, structure, year_built = self.buildings.get(bid, (1, "其他", None))
        area = r.construction_area
        h = HomeFacts(
            int(r.id),
            int(r.estate_id),
            bid,
            r.district_code,
            r.street_code,
            float(area),
            area,
            int(r.floor_no),
            int(floors),
            structure,
            year_built,
        )
        sets = [(acq, list(g)) for acq, g in groupby(owner_rows, key=lambda o: o.acquired_on)]
        residential = r.use == RESIDENTIAL
        if residential and self.is_new_building(bid) and r.status != Status.demolished.value:
            last = self.new_home(h, r, sets, self.presale[bid])
        else:
            last = self.old_home(h, r, sets, 0, residential)
        current = sets[-1][1] if sets and sets[-1][1][0].released_on is None else None
        if current is None:
            return
        after = max(last or sets[-1][0], sets[-1][0])
        if residential and self.rng.random() < PENDING and after < self.today - days(200) and h.id not in self.let:
            signed = self.today - days(self.rng.randint(1, 60))
            self.resale(h, self.from_owner(current[0]), self.person(signed), signed, None)
            return
        self.maybe_seize(h.id, after, h.id in self.let)

    def register_owners(self, h: HomeFacts, kind: str, on: date, rows: list[Row[Any]]) -> int:
        """A registration recording the owners another writer made (their rows get its id)."""
        reg = self.registration(kind, h.id, on, [o.owner_bidx for o in rows])
        for o in rows:
            self.out.link_owner(int(o.id), reg)
        return reg

    def new_home(
        self, h: HomeFacts, r: Row[Any], sets: list[tuple[date, list[Row[Any]]]], presale: date
    ) -> date | None:
        rng = self.rng
        market = rng.random() < self.p_new
        if sets and (sets[0][0] <= presale + days(30) or not market):
            # the first owners had it before the presale, or the register has more new homes than the
            # market sells: allocated outside the market (e.g. resettlement)
            if sets[0][0] > HISTORY_START:
                self.register_owners(h, "first", sets[0][0], sets[0][1])
                self.report.allocations += 1
            return self.old_home(h, r, sets, 1, True)
        if not market:
            return None
        project = self.permit_for(h, presale)
        price = self.list_price(h, project[1], presale)
        done = self.completed.get(h.building_id)
        delivery = done or presale + days(720)
        if not sets:
            sold = PRESALE_SOLD if r.status == Status.presale.value else COMPLETED_SOLD
            if rng.random() < sold:
                lo = presale if r.status == Status.presale.value else max(presale, self.today - days(300))
                span = (self.today - lo).days - 1
                if span > 0:
                    signed = lo + days(rng.randint(0, span))
                    self.new_sale(h, self.person(signed), signed, project, price, max(delivery, signed + days(90)))
            return None
        a0, rows0 = sets[0]
        dev = self.projects[h.estate_id][2]
        nxt = sets[1][0] if len(sets) > 1 else None
        if (a0 - presale).days > 1300 and rng.random() < CHAIN_NEW:
            # bought from the developer by someone who resold it to today's first owner
            signed = presale + days(rng.randint(0, 180))
            reg_on = signed + days(rng.randint(90, 540))
            x = self.person(signed)
            self.developer_first(h, dev, signed, reg_on, done)
            _cid, loan = self.new_sale(h, x, signed, project, price, max(delivery, signed + days(90)))
            reg = self.registration("transfer", h.id, reg_on, [x.bidx])
            self.own(h.id, x, 100, reg_on, a0, reg)
            resold = a0 - days(rng.randint(20, 90))
            if loan:
                self.mortgage(h.id, reg_on, resold)
            reg0 = self.register_owners(h, "transfer", a0, rows0)
            loan = self.resale(h, x, self.from_owner(rows0[0]), resold, reg0)
        else:
            signed = max(presale + days(rng.randint(0, 60)), a0 - days(rng.randint(90, 540)))
            signed = min(signed, a0 - days(1))
            self.developer_first(h, dev, signed, a0, done)
            _cid, loan = self.new_sale(
                h, self.from_owner(rows0[0]), signed, project, price, max(delivery, signed + days(90))
            )
            self.register_owners(h, "transfer", a0, rows0)
        if loan:
            self.mortgage(h.id, a0, nxt)
        return self.old_home(h, r, sets, 1, True) or a0

    def developer_first(self, h: HomeFacts, dev: Party, signed: date, transfer: date, done: date | None) -> None:
        """The developer's first registration (首次登记) of the home, between the signing and the
        transfer to the buyer, once the building is completed when it is."""
        first = min(max((done or signed) + days(30), signed + days(1)), transfer - days(1))
        if first <= signed:
            return
        reg = self.registration("first", h.id, first, [dev.bidx])
        self.own(h.id, dev, 100, first, transfer, reg)

    def old_home(
        self, h: HomeFacts, r: Row[Any], sets: list[tuple[date, list[Row[Any]]]], start: int, residential: bool
    ) -> date | None:
        """The changes of owner within the history of a home sold before it (or allocated): resales
        (and other transfers) to each set of owners from ``start`` on. Returns the last one's day."""
        rng = self.rng
        last: date | None = None
        for k in range(start, len(sets)):
            acq, rows = sets[k]
            if acq <= HISTORY_START:
                continue
            nxt = sets[k + 1][0] if k + 1 < len(sets) else None
            signed = acq - days(rng.randint(20, 90))
            seller: Party | None = None
            if residential and k > 0:
                seller = self.from_owner(sets[k - 1][1][0])
            elif residential and rng.random() < self.p_market:
                seller = self.invented_seller(h, r.valid_from, signed, acq)
            reg = self.register_owners(h, "transfer", acq, rows)
            last = acq
            if seller is None:
                self.report.other_transfers += 1
                continue
            loan = self.resale(h, seller, self.from_owner(rows[0]), signed, reg)
            if loan:
                self.mortgage(h.id, acq, nxt)
        return last

    def invented_seller(self, h: HomeFacts, valid_from: date, signed: date, sold: date) -> Party | None:
        """The owner before the first one the register names: bought before the history, or (a share
        ``chain``) within it from someone who bought before it; None when the home is too young."""
        rng = self.rng
        lo = max(valid_from, REFORM)
        if lo >= min(signed, HISTORY_START) - days(30):
            return None
        if rng.random() < self.chain and (signed - HISTORY_START).days > 400:
            bought = HISTORY_START + days(rng.randint(1, (signed - HISTORY_START).days - 365))
            x = self.person(bought)
            y = self.person(lo)
            y_acq = lo + days(rng.randint(0, (HISTORY_START - lo).days - 1))
            reg = self.registration("transfer", h.id, bought, [x.bidx])
            self.own(h.id, y, 100, y_acq, bought, None)
            self.own(h.id, x, 100, bought, sold, reg)
            loan = self.resale(h, y, x, bought - days(rng.randint(20, 90)), reg)
            if loan:
                self.mortgage(h.id, bought, signed)
            return x
        x = self.person(lo)
        self.own(h.id, x, 100, lo + days(rng.randint(0, (HISTORY_START - lo).days - 1)), sold, None)
        return x

    # ------------------------------------------------------------------ projects, permits, price lists
    def permit_for(self, h: HomeFacts, presale: date) -> tuple[int, int, int]:
        """(project, permit, developer) of a new home: one project per estate, one permit per building;
        the home joins its building's permit."""
        proj = self.projects.get(h.estate_id)
        if proj is None:
            devs = self.devs.get(h.district) or next(iter(self.devs.values()))
            dev_id, dev = devs[self.rng.randrange(len(devs))]
            pid = self.out.new_id(sale_projects)
            name = f"{self.estates.get(h.estate_id, '')}（合成）"
            filed = ts(min(presale, NEW_FROM) - days(self.rng.randint(30, 200)))
            self.out.add(sale_projects, (pid, name, dev_id, h.estate_id, h.district, h.street, WRITER, filed))
            proj = (pid, dev_id, dev)
            self.projects[h.estate_id] = proj
            self.report.projects += 1
        permit = self.permits.get(h.building_id)
        if permit is None:
            permit_id = self.out.new_id(presale_permits)
            no = f"宁房销第{presale.year}{permit_id:06d}号"
            permit = [permit_id, no, proj[0], presale, 0, Decimal(0), h.district, h.street, WRITER, ts(presale)]
            self.out.add(presale_permits, tuple(permit))
            self.permits[h.building_id] = permit
            self.report.permits += 1
        permit[4] += 1
        permit[5] += Decimal(h.area)
        self.out.add(presale_permit_homes, (permit[0], h.id, h.building_id))
        self.report.permitted_homes += 1
        return proj[0], permit[0], proj[1]

    def list_price(self, h: HomeFacts, permit_id: int, presale: date) -> tuple[int, int, int]:
        """The filed price (一房一价) of a permitted home at the permit: the model's price then, plus a
        margin. Returns (price row id, unit price in fen, version)."""
        unit = round(self.unit_price_yuan(h, presale, True) * 1.06) * 100
        pid = self.out.new_id(home_prices)
        total = round(unit * h.area_m2)
        self.out.add(home_prices, (pid, h.id, permit_id, 1, unit, total, 1, None, WRITER, ts(presale, 4), None))
        self.report.prices += 1
        return pid, unit, 1

    def finish(self) -> None:
        self.out.flush()
        if self.permits:
            stmt = (
                update(presale_permits)
                .where(presale_permits.c.id == bindparam("p_id"))
                .values(homes=bindparam("p_homes"), area=bindparam("p_area"))
            )
            rows = [{"p_id": p[0], "p_homes": p[4], "p_area": p[5]} for p in self.permits.values()]
            self.conn.execute(stmt, rows)
        self.out.finish()
        n = self.report.registrations
        self.conn.execute(
            update(feed_loads)
            .where(feed_loads.c.id == self.load_id)
            .values(
                records_total=n,
                records_new=n,
                report=json.dumps({"synthetic": True, "seed": self.seed, "scale": self.scale}),
                finished_at=clock.now(),
            )
        )


def generate_market(
    engine: Engine,
    keyring: Keyring,
    seed: int,
    *,
    scale: float,
    today: date | None = None,
    batch: int = 5000,
    progress: Callable[[str, float], None] = _quiet,
    truth_dir: Path | None = None,
) -> MarketReport:
    """Build the market history into a database holding a synthetic city and its owners (run after
    :func:`anju.synth.generate_people`, and after :func:`anju.synth.generate_rental` when there is a
    rental market: seizures in force avoid let homes). Writes the ground truth to ``truth_dir``."""
    day = today or clock.today()
    if day <= HISTORY_START:
        raise ValueError("the market history starts in 2016-01: today must be later")
    with dialect.bulk_load(engine) as conn:
        if conn.execute(select(func.count()).select_from(sale_contracts)).scalar_one():
            raise ValueError("the database already holds new-home contracts: the market history needs an empty market")
        with dialect.deferred_indexes(conn, TABLES):
            gen = MarketGenerator(conn, keyring, seed, scale, day, batch, progress)
            report = gen.run()
        # the land transfers before the projects (issue 21), through the land feed's checks
        report.land_transfers = generate_land(conn, gen.model, seed, scale, day)
        # the public figures, recounted set-wise from the contracts just written (the market was empty)
        rebuild_daily_figures(conn)
    dialect.after_bulk_load(engine, [*TABLES, home_owners, transaction_daily_figures, transaction_monthly_figures])
    if truth_dir is not None:
        gen.model.write_truth(truth_dir)
    return report


__all__ = ["MarketGenerator", "generate_market"]
