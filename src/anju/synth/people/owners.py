"""Owners (产权人) of the homes that exist, and the assisted homes (保障房源) set aside for the home
programmes, whole estates at a time."""

from __future__ import annotations

import heapq
import random
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.engine import Row

from anju.registry import estates, homes
from anju.synth import names
from anju.synth.people.model import (
    ASSISTED_AT_FULL_SCALE,
    EXISTING,
    PLAN_END,
    REFORM,
    RENTAL,
    RESIDENTIAL,
    START,
)
from anju.synth.people.state import GeneratorState

#: Homes read per query while the owners are written.
HOME_BATCH = 20_000


@dataclass(frozen=True)
class OwnerPools:
    """How many investors and organisations own homes at a time, and the last day a home is bought."""

    investors: int
    orgs: int
    last_day: date


class Owners(GeneratorState):
    def plan_assisted(self) -> dict[int, tuple[str, int, date]]:
        """Estates (whole, or the first homes of the last one) of each home programme: round robin
        over the districts, newer estates first, until the plan's targets × scale are met."""
        rng = random.Random(f"anju-assisted-{self.seed}")
        targets = {p: max(3, round(n * self.scale)) for p, n in ASSISTED_AT_FULL_SCALE.items()}
        years = {int(r[0]): r[1] for r in self.conn.execute(select(estates.c.id, estates.c.year_built))}
        by_district: dict[str, list[tuple[int, int]]] = defaultdict(list)
        q = (
            select(homes.c.estate_id, homes.c.district_code, func.count())
            .where(homes.c.use == RESIDENTIAL, homes.c.status.in_(EXISTING), homes.c.rooms <= 3)
            .group_by(homes.c.estate_id, homes.c.district_code)
            .order_by(homes.c.estate_id, homes.c.district_code)
        )
        seen: set[int] = set()
        for eid, dcode, n in self.conn.execute(q):
            if eid not in seen:
                seen.add(eid)
                by_district[dcode].append((int(eid), int(n)))
        queues: list[list[tuple[int, int]]] = []
        for dcode in sorted(by_district):
            cands = by_district[dcode]
            new = [c for c in cands if (years.get(c[0]) or 0) >= 2008]
            old = [c for c in cands if (years.get(c[0]) or 0) < 2008]
            rng.shuffle(new)
            rng.shuffle(old)
            queues.append(old + new)  # popped from the end: newer estates first
        left = dict(targets)
        plan: dict[int, tuple[str, int, date]] = {}
        last = min(self.today, PLAN_END)
        span = max(0, (last - START).days)
        while any(left.values()) and any(queues):
            for q_ in queues:
                if not q_ or not any(left.values()):
                    continue
                eid, n = q_.pop()
                prog = max(sorted(left), key=lambda p: left[p] / targets[p])
                take = min(n, left[prog])
                left[prog] -= take
                plan[eid] = (prog, take, START + timedelta(days=rng.randint(0, span)))
        return plan

    def owners(self) -> None:
        """Owners of every home that exists; the homes of the assisted-home plan are set aside first."""
        plan = self.plan_assisted()
        taken: Counter[int] = Counter()
        total = self.conn.execute(select(func.count()).select_from(homes)).scalar_one()
        existing_est = max(1, int(total * 0.9))
        self.sample_p = min(1.0, 0.07 * self.n_apps / existing_est)
        pools = OwnerPools(
            investors=max(4, min(1024, int(existing_est * 0.2 / 50))),
            orgs=max(2, min(256, int(existing_est * 0.05 / 50))),
            last_day=self.today - timedelta(days=1),
        )
        self.housing_company = self.new_org(self.ro, self.city_code, names.HOUSING_COMPANY)
        done = 0
        for rows in self._home_batches():
            for home in rows:
                if home.status not in EXISTING:
                    continue
                self.report.homes_existing += 1
                share = plan.get(home.estate_id)
                if share is not None and self._set_aside(home, share, taken):
                    continue
                self._own_home(home, pools)
            done += len(rows)
            self.progress(f"产权人：已处理 {done:,} 套", 0.05 + 0.5 * min(1.0, done / max(total, 1)))
        for p in self.investors:
            self.maybe_sample(p)
        self.investors.clear()

    def _home_batches(self) -> Iterator[Sequence[Row[Any]]]:
        """Every home of the register, in id order, a batch at a time."""
        area = type_coerce(homes.c.construction_area, BigInteger).label("area")
        last_id = 0
        while True:
            rows = self.conn.execute(
                select(
                    homes.c.id,
                    homes.c.estate_id,
                    homes.c.district_code,
                    homes.c.street_code,
                    homes.c.use,
                    homes.c.status,
                    homes.c.rooms,
                    area,
                    homes.c.valid_from,
                )
                .where(homes.c.id > last_id)
                .order_by(homes.c.id)
                .limit(HOME_BATCH)
            ).all()
            if not rows:
                return
            last_id = int(rows[-1].id)
            yield rows

    def _set_aside(self, home: Row[Any], share: tuple[str, int, date], taken: Counter[int]) -> bool:
        """Make ``home`` an assisted home of its estate's programme while the estate's share lasts."""
        prog, count, on = share
        if home.use != RESIDENTIAL or (home.rooms or 0) > 3 or taken[home.estate_id] >= count:
            return False
        taken[home.estate_id] += 1
        since = max(on, home.valid_from)
        bedrooms = home.rooms or 1
        area = int(home.area)
        self.assisted[home.id] = [prog, home.district_code, home.street_code, bedrooms, area, since, "available"]
        heapq.heappush(self.pool_homes[prog][bedrooms], (since, home.id))
        if prog in RENTAL:
            company = self.housing_company
            assert company is not None
            self.own(home.id, "org", company.bidx, company.code, company.name, 100, since, None)
            self.report.homes_owned += 1
        else:
            self.report.homes_unowned += 1  # until allocated
        return True

    def _own_home(self, home: Row[Any], pools: OwnerPools) -> None:
        """One person, two (50/50), an organisation or nobody owns the home; a few were sold since."""
        rng = self.ro
        x = rng.random()
        if home.use == RESIDENTIAL:
            kind = "one" if x < 0.85 else "two" if x < 0.95 else "org" if x < 0.98 else "none"
        else:
            kind = "org" if x < 0.70 else "one" if x < 0.95 else "none"
        if kind == "none":
            self.report.homes_unowned += 1
            return
        self.report.homes_owned += 1
        hi = pools.last_day
        lo = max(home.valid_from, REFORM)
        acq = lo if lo >= hi else lo + timedelta(days=rng.randint(0, (hi - lo).days))
        area = int(home.area)
        if kind == "org":
            self._own_by_org(home.id, home.district_code, acq, pools.orgs)
        elif acq < hi and rng.random() < 0.03:
            sold = acq + timedelta(days=rng.randint(1, (hi - acq).days))
            self.report.homes_sold += 1
            self.owner_set(home.id, kind, acq, sold, area, pools.investors)
            self.owner_set(home.id, "one", sold, None, area, pools.investors)
        else:
            self.owner_set(home.id, kind, acq, None, area, pools.investors)

    def _own_by_org(self, hid: int, district_code: str, acq: date, pool: int) -> None:
        rng = self.ro
        if len(self.orgs) < pool:
            org = self.new_org(rng, district_code, left=min(500, int(rng.lognormvariate(1.0, 1.3)) + 1))
            self.orgs.append(org)
        else:
            org = self.orgs[rng.randrange(len(self.orgs))]
        self.own(hid, "org", org.bidx, org.code, org.name, 100, acq, None)
        org.left -= 1
        if org.left <= 0:
            self.orgs.remove(org)

    def owner_birth(self, rng: random.Random, acq: date) -> date:
        upper = min(2005, acq.year - 20)
        y = int(rng.triangular(1940, upper + 1, min(upper, 1975)))
        return date(min(y, upper), 1, 1) + timedelta(days=rng.randint(0, 364))

    def owner_set(self, hid: int, kind: str, acq: date, rel: date | None, area: int, inv_pool: int) -> None:
        rng = self.ro
        if kind == "two":
            b = self.owner_birth(rng, acq)
            male = rng.random() < 0.5
            local = rng.random() < 0.8
            p1 = self.new_person(rng, b, male, local)
            b2 = min(self.owner_birth(rng, acq), b + timedelta(days=rng.randint(-1500, 1500)))
            p2 = self.new_person(rng, max(b2, date(1940, 1, 1)), not male, local or rng.random() < 0.5)
            self.report.owner_persons += 2
            for p in (p1, p2):
                self.own_person(hid, p, 50, acq, rel, area)
                self.maybe_sample(p)
            return
        if rng.random() < 0.25:  # a slot of an investor (owner of 2–5 homes)
            if len(self.investors) < inv_pool:
                b = date(rng.randint(1945, 1975), 1, 1) + timedelta(days=rng.randint(0, 364))
                p = self.new_person(rng, b, rng.random() < 0.55, rng.random() < 0.75)
                self.investors.append(p)
                self.investor_left.append(rng.choices((2, 3, 4, 5), (0.5, 0.25, 0.15, 0.1))[0])
                self.report.owner_persons += 1
                self.report.investors += 1
                i = len(self.investors) - 1
            else:
                i = rng.randrange(len(self.investors))
                p = self.investors[i]
            self.own_person(hid, p, 100, acq, rel, area)
            self.investor_left[i] -= 1
            if self.investor_left[i] <= 0:
                self.investors[i] = self.investors[-1]
                self.investor_left[i] = self.investor_left[-1]
                self.investors.pop()
                self.investor_left.pop()
                self.maybe_sample(p)
            return
        p = self.new_person(rng, self.owner_birth(rng, acq), rng.random() < 0.5, rng.random() < 0.8)
        self.report.owner_persons += 1
        self.own_person(hid, p, 100, acq, rel, area)
        self.maybe_sample(p)
