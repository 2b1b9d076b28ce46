"""The synthetic city's urban renewal (issue 23; ``anju.synth.renewal`` drives :func:`synthetic_renewal`):
five years of old-community projects in proportion to the plan's 专栏6 (district × year communities,
scaled; areas per project around the plan's mean area of that district and year), a reserve for the
years after, shanty-town projects (留/改/拆) in proportion to the 600万㎡ target, energy retrofits, and
lift retrofits per building unit with the owners' agreement by floor, completions and lifts in
service. Each project goes through the same checks as live data (``projects.project_fields``, the
eligibility rules, ``domain.step_problems``, ``domain.floor_problems``) and is marked synthetic (every
page shows ``SYNTHETIC_LABEL``). Deterministic by the random stream it is given; written in bulk.

The lift and shanty-town counts at full scale are assumptions (labelled here, not plan figures):
``LIFTS_PER_YEAR`` and ``SHANTY_PER_YEAR`` below.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from anju import registry
from anju.core import clock
from anju.core.errors import FieldError
from anju.divisions import divisions_table
from anju.renewal import domain, rules
from anju.renewal.projects import ProjectIn, project_fields
from anju.renewal.tables import renewal_contents, renewal_funding, renewal_lift_floors, renewal_projects, renewal_steps

#: Assumptions at scale 1.0 (not plan figures): lift retrofits and shanty-town projects started a year.
LIFTS_PER_YEAR = 500
SHANTY_PER_YEAR = 24  # ≈ 600万㎡ over five years at ≈ 5万㎡ a project
ENERGY_PER_YEAR = 12
UNITS = ("区住房和城乡建设局", "区城市更新办公室", "街道办事处", "区房屋征收管理办公室")
CARE = ("金陵电梯维保有限公司", "秦淮电梯工程有限公司", "紫金电梯服务有限公司", "钟山机电设备有限公司")

# step → (min, max) days after the previous step
_WORKS_GAPS = {
    "planned": (20, 200),
    "designed": (30, 90),
    "tendered": (20, 60),
    "construction": (10, 40),
    "accepted": (150, 300),
    "closed": (60, 240),
}
_LIFT_GAPS = {
    "agreed": (30, 150),
    "designed": (20, 60),
    "permitted": (20, 60),
    "construction": (10, 40),
    "accepted": (60, 120),
    "in_service": (7, 30),
}


@dataclass
class _Made:
    projects: list[dict[str, Any]] = field(default_factory=list)
    steps: list[tuple[str, str, date, str, list[str]]] = field(default_factory=list)  # (no, status, on, unit, docs)
    contents: list[tuple[str, str, str]] = field(default_factory=list)
    funding: list[tuple[str, str, int]] = field(default_factory=list)
    floors: list[tuple[str, int, int, int]] = field(default_factory=list)
    seq: dict[int, int] = field(default_factory=dict)


def _round(rng: random.Random, x: float) -> int:
    """Stochastic rounding (deterministic by the stream): the expected count is ``x``."""
    n = int(x)
    return n + (1 if rng.random() < x - n else 0)


def _day(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(0, 330))


def _steps(
    rng: random.Random, kind: str, start: date, today: date, plan_year: int | None, stall: bool
) -> list[tuple[str, date]]:
    """The steps a project has reached by ``today`` (it stops at the first one still in the future)."""
    gaps = _LIFT_GAPS if kind == "lift" else _WORKS_GAPS
    out = [("reserve", start)]
    on = start
    for s in domain.LIFECYCLES[kind][1:]:
        lo, hi = gaps[s]
        on = on + timedelta(days=rng.randint(lo, hi))
        if s == "planned" and plan_year is not None:
            on = max(on, date(plan_year, 1, 5) + timedelta(days=rng.randrange(0, 80)))
        if on > today or (stall and s in ("accepted", "in_service")):
            break
        out.append((s, on))
    return out


class Builder:
    def __init__(self, conn: Connection, rng: random.Random, today: date, city_code: str) -> None:
        self.conn, self.rng, self.today = conn, rng, today
        self.elig = rules.load_eligibility(rules.DATA / "eligibility.toml")
        self.cat = rules.load_catalogue(rules.DATA / "catalogue.toml")
        self.plan = rules.shipped_plan(city_code)
        self.made = _Made()
        self.now = clock.now()
        d = divisions_table.c
        self.district_of = {
            str(code): str(m)
            for code, m in conn.execute(
                select(d.code, func.coalesce(d.managing_code, d.parent_code)).where(d.level == "street")
            )
        }
        e = registry.estates.c
        self.estates = list(conn.execute(select(e.id, e.name, e.street_code, e.year_built).order_by(e.id)))
        self.used: set[tuple[str, int]] = set()

    def start_in(self, year: int) -> date:
        """A reserve date in the year before the plan year, not before the first eligibility edition
        (projects of the plan's first year entered the library in its first weeks) nor after today."""
        first = self.elig.editions[0].effective_from if self.elig.editions else date(2000, 1, 1)
        return min(max(_day(self.rng, year - 1), first + timedelta(days=self.rng.randrange(0, 20))), self.today)

    # --------------------------------------------------------------------------------------- one project

    def add(
        self,
        kind: str,
        estate: Any,
        plan_year: int | None,
        start: date,
        area: Decimal,
        households: int,
        *,
        building: Any = None,
        unit_no: str | None = None,
        conditions: tuple[str, ...] = (),
        shanty_mode: str | None = None,
        expropriated: int | None = None,
        stall: bool = False,
    ) -> str | None:
        rng = self.rng
        unit = rng.choice(UNITS)
        cmd = ProjectIn(
            kind,
            f"{estate.name}{domain.KINDS[kind]}",
            estate.id,
            start,
            unit,
            area,
            households,
            building.id if building is not None else None,
            unit_no,
            conditions,
            shanty_mode,
            expropriated,
        )
        errors: list[FieldError] = []
        area = project_fields(cmd, list(self.elig.conditions), errors)
        year_built = (building.year_built if building is not None else None) or estate.year_built
        floors = building.floors_above if building is not None else None
        elig = rules.check(self.elig, kind, start, year_built, floors, conditions)
        if errors or not elig.eligible:
            return None  # the same checks as live data refuse it: the generator picks another
        steps = _steps(rng, kind, start, self.today, plan_year, stall)
        last: date | None = None
        for i, (s, on) in enumerate(steps[1:], 1):
            problems = domain.step_problems(kind, steps[i - 1][0], s, on, last or start, self.today, unit)
            assert not problems, problems
            last = on
        self.made.seq[start.year] = self.made.seq.get(start.year, 0) + 1
        no = f"RN{start.year}{self.made.seq[start.year]:06d}"
        status, status_on = steps[-1]
        reached = {s for s, _ in steps}
        consent = kind in ("old_community", "shanty")
        consent_on = start + timedelta(days=rng.randint(5, 15)) if consent else None
        if consent_on is not None and consent_on > self.today:
            consent_on = self.today
        self.made.projects.append(
            {
                "project_no": no,
                "kind": kind,
                "name": cmd.name,
                "estate_id": estate.id,
                "building_id": cmd.building_id,
                "unit_no": unit_no,
                "district_code": self.district_of.get(estate.street_code, estate.street_code[:6]),
                "street_code": estate.street_code,
                "status": status,
                "status_on": status_on,
                "plan_year": plan_year
                if "planned" in reached
                else (steps[1][1].year if kind == "lift" and len(steps) > 1 else None),
                "area": area,
                "households": households,
                "year_built": year_built,
                "conditions": ",".join(conditions) or None,
                "eligibility_edition": elig.edition,
                "eligibility_rule": elig.rule,
                "eligibility_reason": elig.reason[:400],
                "shanty_mode": shanty_mode,
                "expropriated_households": expropriated,
                "resettlement_programme": None,
                "consent_vote_id": None,
                "consent_on": consent_on,
                "consent_asked": households if consent else None,
                "consent_agreed": int(households * rng.uniform(0.75, 0.98)) if consent else None,
                "after_care": rng.choice(CARE) if status == "in_service" else None,
                "synthetic": True,
                "created_at": self.now,
                "created_by": None,
                "updated_at": self.now,
            }
        )
        for s, on in steps:
            docs = [f"SYN-{no}-{s}"] if s != "reserve" else []
            self.made.steps.append((no, s, on, unit, docs))
        self._contents(no, kind)
        if reached & {"tendered", "permitted"}:
            self._funding(no, kind, area)
        return no

    def _contents(self, no: str, kind: str) -> None:
        rng = self.rng
        by_cat = {c: [i.code for i in self.cat.items if i.category == c] for c in domain.CATEGORIES}
        if kind == "old_community":
            codes = rng.sample(by_cat["basic"], rng.randint(2, 4)) + rng.sample(by_cat["complete"], rng.randint(1, 3))
            codes += rng.sample(by_cat["improve"], rng.randint(0, 2))
        elif kind == "shanty":
            codes = rng.sample(by_cat["basic"], rng.randint(2, 3))
        elif kind == "energy":
            codes = ["C01", "B04"]
        else:
            codes = ["C02"]
        for code in codes:
            item = self.cat.get(code)
            if item is not None:
                self.made.contents.append((no, item.code, item.category))

    def _funding(self, no: str, kind: str, area: Decimal) -> None:
        rng = self.rng
        if kind == "lift":
            total = rng.randint(500_000, 700_000) * 100
            shares = {"owners": 0.6, "district": 0.2, "city": 0.2}
        else:
            per_m2 = {"old_community": (400, 700), "energy": (150, 300), "shanty": (3000, 6000)}[kind]
            total = int(area * rng.randint(*per_m2)) * 100
            shares = {
                "central": 0.3,
                "provincial": 0.1,
                "city": 0.2,
                "district": 0.25,
                "owners": 0.05,
                "maintenance_fund": 0.05,
                "social": 0.05,
            }
        for source, share in shares.items():
            fen = int(total * share * rng.uniform(0.8, 1.2))
            if fen > 0:
                self.made.funding.append((no, source, fen))

    # ----------------------------------------------------------------------------------------- the kinds

    def _candidates(self, district: str | None, before: int) -> list[Any]:
        return [
            e
            for e in self.estates
            if (district is None or self.district_of.get(e.street_code) == district)
            and e.year_built is not None
            and e.year_built < before
        ]

    def old_communities(self, scale: float) -> None:
        if self.plan is None:
            return
        rng = self.rng
        for d in self.plan.districts:
            pool = self._candidates(d.code, 2005)
            rng.shuffle(pool)
            for i, year in enumerate(self.plan.years):
                n = _round(rng, d.communities[i] * scale)
                mean = d.area[i] * rules.WAN / d.communities[i] if d.communities[i] else Decimal(30_000)
                for _ in range(n):
                    self._one_old(pool, year, mean)
            # 储备一批 and the plan after the period: a tenth of the district's plan, a year's worth
            for _ in range(_round(rng, sum(d.communities) * scale / 5)):
                year = rng.choice([self.today.year, self.today.year + 1])
                self._one_old(pool, year, Decimal(30_000), reserve_only=year > self.today.year)

    def _one_old(self, pool: list[Any], year: int, mean: Decimal, *, reserve_only: bool = False) -> None:
        rng = self.rng
        while pool:
            e = pool.pop()
            if ("old_community", e.id) in self.used:
                continue
            conds = (rng.choice(list(self.elig.conditions)),) if e.year_built >= 2000 else ()
            area = (mean * Decimal(str(round(rng.uniform(0.6, 1.4), 2)))).quantize(Decimal("0.01"))
            start = self.start_in(year)
            if self.add(
                "old_community",
                e,
                None if reserve_only else year,
                start,
                area,
                max(1, int(area / 75)),
                conditions=conds,
                stall=rng.random() < 0.05,
            ):
                self.used.add(("old_community", e.id))
                return

    def shanty(self, scale: float, years: Sequence[int]) -> None:
        rng = self.rng
        pool = [e for e in self.estates if e.year_built is None or e.year_built < 2000] or list(self.estates)
        rng.shuffle(pool)
        for year in years:
            for _ in range(_round(rng, SHANTY_PER_YEAR * scale)):
                if not pool:
                    return
                e = pool.pop()
                mode = rng.choices(list(domain.SHANTY_MODES), weights=(3, 4, 3))[0]
                area = Decimal(rng.randint(20_000, 80_000))
                households = int(area / 60)
                expro = int(households * rng.uniform(0.8, 1.0)) if mode == "demolish" else None
                self.add(
                    "shanty",
                    e,
                    year,
                    self.start_in(year),
                    area,
                    households,
                    shanty_mode=mode,
                    expropriated=expro,
                )

    def energy(self, scale: float, years: Sequence[int]) -> None:
        rng = self.rng
        pool = self._candidates(None, 2000)
        rng.shuffle(pool)
        for year in years:
            for _ in range(_round(rng, ENERGY_PER_YEAR * scale)):
                if pool:
                    e = pool.pop()
                    area = Decimal(rng.randint(5_000, 40_000))
                    self.add("energy", e, year, self.start_in(year), area, int(area / 75))

    def lifts(self, scale: float, years: Sequence[int]) -> None:
        rng = self.rng
        b = registry.buildings.c
        est = {e.id: e for e in self.estates}
        pool = list(
            self.conn.execute(
                select(b.id, b.estate_id, b.units, b.floors_above, b.year_built)
                .where(b.floors_above.between(4, 9), b.units >= 1)
                .order_by(b.id)
            )
        )
        rng.shuffle(pool)
        for year in years:
            for _ in range(_round(rng, LIFTS_PER_YEAR * scale)):
                if not pool:
                    return
                bd = pool.pop()
                unit = str(rng.randint(1, bd.units))
                per_floor = rng.choice((2, 2, 3))
                reached = rng.random() < 0.88
                floors = [
                    domain.FloorAgreement(f, per_floor, per_floor if reached or f > 2 else rng.randint(0, 1))
                    for f in range(1, bd.floors_above + 1)
                ]
                if not reached:  # the lower floors object: the share stays below the rule
                    floors = [domain.FloorAgreement(f.floor_no, f.owners, min(f.agreeing, 1)) for f in floors]
                assert not domain.floor_problems(floors, bd.floors_above)
                share = domain.agreement_share(floors)
                start = self.start_in(year)
                ok = share is not None and share >= self.elig.lift_min_agreement
                no = self.add(
                    "lift",
                    est[bd.estate_id],
                    None,
                    start,
                    Decimal(per_floor * bd.floors_above * 80),
                    per_floor * bd.floors_above,
                    building=bd,
                    unit_no=unit,
                    stall=not ok,
                )
                if no is None:
                    continue
                if not ok:  # no agreement: the project stays in the reserve
                    p = self.made.projects[-1]
                    p["status"], p["status_on"], p["plan_year"], p["after_care"] = "reserve", start, None, None
                    self.made.steps = [s for s in self.made.steps if s[0] != no or s[1] == "reserve"]
                    self.made.funding = [f for f in self.made.funding if f[0] != no]
                for f in floors:
                    self.made.floors.append((no, f.floor_no, f.owners, f.agreeing))

    # ------------------------------------------------------------------------------------------- write

    def write(self) -> dict[str, int]:
        m, conn = self.made, self.conn
        if m.projects:
            conn.execute(renewal_projects.insert(), m.projects)
        ids = {
            no: int(i)
            for i, no in conn.execute(
                select(renewal_projects.c.id, renewal_projects.c.project_no).where(
                    renewal_projects.c.synthetic.is_(True)
                )
            )
        }
        if m.steps:
            conn.execute(
                renewal_steps.insert(),
                [
                    {
                        "project_id": ids[no],
                        "status": s,
                        "on": on,
                        "unit": unit,
                        "documents": json.dumps(docs),
                        "note": None,
                        "recorded_at": self.now,
                        "recorded_by": None,
                    }
                    for no, s, on, unit, docs in m.steps
                ],
            )
        if m.contents:
            conn.execute(
                renewal_contents.insert(),
                [{"project_id": ids[no], "item_code": c, "category": cat} for no, c, cat in m.contents],
            )
        if m.funding:
            conn.execute(
                renewal_funding.insert(),
                [{"project_id": ids[no], "source": s, "amount_fen": fen} for no, s, fen in m.funding],
            )
        if m.floors:
            conn.execute(
                renewal_lift_floors.insert(),
                [{"project_id": ids[no], "floor_no": f, "owners": o, "agreeing": a} for no, f, o, a in m.floors],
            )
        by_kind = {k: sum(1 for p in m.projects if p["kind"] == k) for k in domain.KINDS}
        lifts = [p for p in m.projects if p["kind"] == "lift"]
        return {
            "projects": len(m.projects),
            **by_kind,
            "accepted": sum(1 for p in m.projects if p["kind"] != "lift" and p["status"] in domain.DONE),
            "lift_agreements": sum(1 for p in lifts if p["status"] != "reserve"),
            "lifts_completed": sum(1 for p in lifts if p["status"] in ("accepted", "in_service")),
            "lifts_in_service": sum(1 for p in lifts if p["status"] == "in_service"),
        }


def synthetic_renewal(
    conn: Connection, rng: random.Random, *, scale: float, today: date | None = None, city_code: str = "320100"
) -> dict[str, int]:
    """Every kind of project for the synthetic city (see the module's docstring); counts by name."""
    b = Builder(conn, rng, today or clock.today(), city_code)
    years = b.plan.years if b.plan is not None else tuple(range(b.today.year - 5, b.today.year))
    b.old_communities(scale)
    b.shanty(scale, years)
    b.energy(scale, years)
    b.lifts(scale, years)
    return b.write()
