"""What the generator carries from one step of the simulation to the next, and the writes every step
shares (a new person or organisation, an owner row)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection

from anju.assistance import Policy
from anju.registry import home_owners
from anju.security import Keyring
from anju.synth import names
from anju.synth.people.identities import Identities
from anju.synth.people.model import APPLICATIONS_AT_FULL_SCALE, App, Org, PeopleReport, Person, recorded_at
from anju.synth.people.rows import Writer


class GeneratorState:
    """The generator's state: random streams, pools of owners and homes, waiting lists, counters."""

    #: Rows held back until their application is written (benefits and allocations refer to it).
    out_benefit: list[tuple[Any, ...]]
    out_allocations: list[tuple[Any, ...]]
    #: Draw candidates, written last (their applications may still be waiting when the draw runs).
    candidates: list[tuple[Any, ...]]
    first_app: int
    first_draw: int

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
    ) -> None:
        self.conn = conn
        self.kr = keyring
        self.seed = seed
        self.scale = scale
        self.today = today
        self.progress = progress
        self.city_code = city_code
        self.out = Writer(conn, batch)
        self.ids = Identities(seed)
        self.report = PeopleReport(seed, scale)
        self.n_apps = max(1, round(APPLICATIONS_AT_FULL_SCALE * scale))
        # owners
        self.ro = random.Random(f"anju-owners-{seed}")
        self.investors: list[Person] = []
        self.investor_left: list[int] = []
        self.orgs: list[Org] = []
        self.owner_sample: list[Person] = []
        self.sample_p = 0.0
        self.housing_company: Org | None = None
        # assisted homes: home id → [programme, district, street, bedrooms, area, since, status]
        self.assisted: dict[int, list[Any]] = {}
        self.pool_homes: dict[str, dict[int, list[tuple[date, int]]]] = defaultdict(lambda: defaultdict(list))
        # applications
        self.ra = random.Random(f"anju-applications-{seed}")
        self.policies: dict[str, list[tuple[Policy, int]]] = {}
        self.waiting: dict[str, list[App]] = defaultdict(list)
        self.reuse: list[tuple[date, Person]] = []
        self.app_seq: Counter[int] = Counter()
        self.next_app = 0
        self.next_draw = 0
        self.credit_serial = 0
        self.contract_serial = 0
        self.streets: tuple[list[tuple[str, str]], list[float]] = ([], [])

    def new_person(self, rng: random.Random, birth: date, male: bool, local: bool) -> Person:
        idn, birth = self.ids.resident_id(rng, birth, male, local)
        return Person(idn, self.ids.name(rng), self.kr.blind_index(idn, "id_number"), birth, male, local)

    def new_org(self, rng: random.Random, region: str, name: str | None = None, left: int = 1) -> Org:
        code = self.ids.credit_code(region)
        if name is None:
            name = f"南京{rng.choice(names.ESTATE_HEADS)}{rng.choice(names.ORG_KINDS)}有限公司（合成）"
        self.report.owner_orgs += 1
        return Org(code, name, self.kr.blind_index(code, "credit_code"), left)

    def own(
        self, home_id: int, kind: str, bidx: str, idn: str, name: str, share: int, acq: date, rel: date | None
    ) -> None:
        self.out.add(
            home_owners,
            (
                home_id,
                kind,
                bidx,
                self.kr.encrypt(idn, "home_owners.owner_id"),
                self.kr.encrypt(name, "home_owners.owner_name"),
                share,
                acq,
                rel,
                recorded_at(acq),
            ),
        )
        self.report.owner_rows += 1

    def own_person(self, home_id: int, p: Person, share: int, acq: date, rel: date | None, area: int) -> None:
        self.own(home_id, "person", p.bidx, p.id_number, p.name, share, acq, rel)
        p.holdings.append((acq, rel, share, area))

    def maybe_sample(self, p: Person) -> None:
        if self.ro.random() < self.sample_p:
            self.owner_sample.append(p)
