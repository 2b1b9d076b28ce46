"""The sales of the market history and what follows each: contracts at model prices, down payments and
loans, registrations with their lag, the owners they record, mortgages and seizures."""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from stdnum import luhn

from anju.registry import home_owners, registrations, restriction_records
from anju.security import Keyring
from anju.synth.market.model import PriceModel, month_index
from anju.synth.market.rows import WRITER, Writer
from anju.synth.people.identities import Identities
from anju.transactions import domain as tx_domain
from anju.transactions import resale_contracts, sale_contracts

#: (method, weight, down-payment shares) of the history's contracts (no instalments).
PAYMENTS = (
    ("full", 0.15, (1.0,)),
    ("commercial_loan", 0.50, (0.3, 0.35, 0.4, 0.5, 0.6)),
    ("provident_loan", 0.15, (0.2, 0.3, 0.4)),
    ("combined_loan", 0.20, (0.3, 0.35, 0.4)),
)
PAYMENT_CUM = [sum(p[1] for p in PAYMENTS[: i + 1]) for i in range(len(PAYMENTS) - 1)]
BANKS = (
    "中国工商银行南京分行（合成）",
    "中国建设银行南京分行（合成）",
    "中国农业银行南京分行（合成）",
    "中国银行南京分行（合成）",
    "交通银行南京分行（合成）",
    "南京银行（合成）",
    "南京住房公积金管理中心（合成）",
)
COURTS = (
    "南京市中级人民法院（合成）",
    "南京市玄武区人民法院（合成）",
    "南京市秦淮区人民法院（合成）",
    "南京市建邺区人民法院（合成）",
    "南京市鼓楼区人民法院（合成）",
    "南京市江宁区人民法院（合成）",
)
#: Share of current owners whose home is seized at some time of the history.
SEIZURE_SHARE = 0.004
#: Share of mortgages paid off early (lifted before the home is sold again).
EARLY_REPAYMENT = 0.25


@lru_cache(maxsize=65536)
def ts(day: date, hour: int = 2) -> datetime:
    """``hour`` UTC of ``day`` (02:00 UTC = 10:00 Beijing)."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


@dataclass(slots=True)
class Party:
    """A buyer or seller: owner kind, blind index, identifier and name in clear (encrypted per use)."""

    kind: str
    bidx: str
    idn: str
    name: str


@dataclass(slots=True)
class HomeFacts:
    """What the model and the rows need of a home."""

    id: int
    estate_id: int
    building_id: int
    district: str
    street: str
    area_m2: float
    area: Any  # the stored area (exact) for the contract rows
    floor: int
    floors: int
    structure: str
    year_built: int | None


@dataclass
class MarketReport:
    seed: int
    scale: float
    months: int = 0
    developers: int = 0
    projects: int = 0
    permits: int = 0
    permitted_homes: int = 0
    prices: int = 0
    new_sales: int = 0
    resales: int = 0
    pending_resales: int = 0
    other_transfers: int = 0
    allocations: int = 0
    registrations: int = 0
    owner_rows: int = 0
    mortgages: int = 0
    seizures: int = 0
    restriction_records: int = 0
    land_transfers: int = 0
    sales_by_year: dict[str, dict[str, int]] = field(default_factory=dict)


class Sales:
    """Writes one sale at a time (see the module's docstring); the generator decides which."""

    def __init__(self, seed: int, scale: float, kr: Keyring, model: PriceModel, out: Writer, today: date) -> None:
        self.seed = seed
        self.kr = kr
        self.model = model
        self.out = out
        self.today = today
        self.rng = random.Random(f"anju-market-{seed}")
        self.report = MarketReport(seed, scale)
        self.ids = Identities(seed)
        # start every (region, birth day, sex) sequence half-way: the people the owners' generator named
        # take the low numbers, so a person invented here never gets an existing resident ID
        self.ids.counters = array("H", [245]) * len(self.ids.counters)
        self.ids.org_base = random.Random(f"anju-market-orgs-{seed}").randrange(10**8)
        self.load_id = 0

    # ------------------------------------------------------------------ parties
    def person(self, on: date) -> Party:
        """A person invented for the history (a buyer who later sold, or a seller from before it)."""
        rng = self.rng
        year = rng.randint(max(1945, on.year - 65), max(1950, on.year - 24))
        birth = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
        idn, _ = self.ids.resident_id(rng, birth, rng.random() < 0.5, rng.random() < 0.75)
        return Party("person", self.kr.blind_index(idn, "id_number"), idn, self.ids.name(rng))

    def from_owner(self, row: Any) -> Party:
        """The party an owner row of another writer names (decrypted once, re-encrypted per use)."""
        return Party(
            row.owner_kind,
            row.owner_bidx,
            self.kr.decrypt(row.owner_id_enc, "home_owners.owner_id"),
            self.kr.decrypt(row.owner_name_enc, "home_owners.owner_name"),
        )

    def own(self, home_id: int, p: Party, share: int, acq: date, rel: date | None, reg_id: int | None) -> None:
        self.out.add(
            home_owners,
            (
                home_id,
                p.kind,
                p.bidx,
                self.kr.encrypt(p.idn, "home_owners.owner_id"),
                self.kr.encrypt(p.name, "home_owners.owner_name"),
                share,
                acq,
                rel,
                ts(max(acq, rel or acq)),
                reg_id,
            ),
        )
        self.report.owner_rows += 1

    # ------------------------------------------------------------------ prices and payments
    def unit_price_yuan(self, h: HomeFacts, on: date, new: bool) -> int:
        age = 0.0 if new or h.year_built is None else on.year - h.year_built + (on.month - 6) / 12
        logp = self.model.log_unit_price(
            district=h.district,
            estate_id=h.estate_id,
            month=month_index(on),
            area_m2=h.area_m2,
            floor=h.floor,
            floors=h.floors,
            age_years=age,
            structure=h.structure,
            new=new,
            noise=self.rng.gauss(0.0, 1.0),
        )
        return max(1000, round(math.exp(logp)))

    def payment(self, total_fen: int) -> tuple[str, int, int]:
        """(method, down payment, loan) in fen; loans in whole 10,000 yuan."""
        rng = self.rng
        method, _w, shares = PAYMENTS[bisect.bisect(PAYMENT_CUM, rng.random())]
        if method == "full":
            return method, total_fen, 0
        loan = int(total_fen * (1 - rng.choice(shares)) // 1_000_000 * 1_000_000)
        if loan <= 0:
            return "full", total_fen, 0
        return method, total_fen - loan, loan

    def tally(self, kind: str, on: date) -> None:
        y = self.report.sales_by_year.setdefault(str(on.year), {"new": 0, "resale": 0})
        y[kind] += 1

    # ------------------------------------------------------------------ registrations and restrictions
    def registration(self, kind: str, home_id: int, on: date, owners: Sequence[str]) -> int:
        rid = self.out.new_id(registrations)
        record = f"SYN{self.seed}-R{rid:09d}"
        digest = hashlib.sha256("|".join([record, kind, str(home_id), on.isoformat(), *owners]).encode()).hexdigest()
        cert = f"苏({on.year})宁不动产权第{rid:09d}号"
        self.out.add(registrations, (rid, record, kind, home_id, cert, on, digest, self.load_id, ts(on, 6)))
        self.report.registrations += 1
        return rid

    def restriction(
        self, kind: str, action: str, home_id: int, on: date, authority: str, lifts: int | None = None
    ) -> int:
        rid = self.out.new_id(restriction_records)
        record = f"SYN{self.seed}-X{rid:09d}"
        doc = f"({on.year})宁{'执保' if kind == 'seizure' else '抵'}{rid:07d}号"
        digest = hashlib.sha256(f"{record}|{kind}|{action}|{home_id}|{on.isoformat()}".encode()).hexdigest()
        row = (rid, record, kind, action, home_id, doc, authority, on, None, lifts, digest, self.load_id, ts(on, 7))
        self.out.add(restriction_records, row)
        self.report.restriction_records += 1
        return rid

    def mortgage(self, home_id: int, registered: date, until: date | None) -> None:
        """A mortgage registered with the buyer's loan, lifted when the home is sold again (``until``) or
        paid off early."""
        rng = self.rng
        start = registered + timedelta(days=rng.randint(0, 10))
        if start >= self.today:
            return
        bank = rng.choice(BANKS)
        imposed = self.restriction("mortgage", "impose", home_id, start, bank)
        self.report.mortgages += 1
        lift: date | None = None
        if until is not None:
            lift = until - timedelta(days=rng.randint(1, 15))
        elif rng.random() < EARLY_REPAYMENT:
            lift = start + timedelta(days=rng.randint(365, 365 * 8))
        if lift is not None and start < lift < self.today:
            self.restriction("mortgage", "lift", home_id, lift, bank, imposed)

    def maybe_seize(self, home_id: int, after: date, let: bool) -> None:
        """A court seizure of a few owners' homes; none left in force on a home that is let or listed
        (the rental market's records rest on homes nothing bars)."""
        rng = self.rng
        if rng.random() >= SEIZURE_SHARE:
            return
        lo = max(after + timedelta(days=30), self.today - timedelta(days=365 * 6))
        span = (self.today - lo).days - 1
        if span <= 0:
            return
        start = lo + timedelta(days=rng.randint(0, span))
        lift: date | None = None
        if let or rng.random() < 0.6:
            lift = start + timedelta(days=rng.randint(60, 700))
            if lift >= self.today:
                if let:
                    return
                lift = None
        court = rng.choice(COURTS)
        imposed = self.restriction("seizure", "impose", home_id, start, court)
        self.report.seizures += 1
        if lift is not None:
            self.restriction("seizure", "lift", home_id, lift, court, imposed)

    # ------------------------------------------------------------------ contracts
    def new_sale(
        self,
        h: HomeFacts,
        buyer: Party,
        signed: date,
        project: tuple[int, int, int],
        list_price: tuple[int, int, int],
        delivery: date,
    ) -> tuple[int, int]:
        """A filed new-home contract (source history) at the model's price, capped by the price list:
        a sale above the filed price files a new price version the day before. Returns (contract id,
        loan in fen)."""
        project_id, permit_id, developer_id = project
        unit = min(self.unit_price_yuan(h, signed, True), 10**7) * 100
        price_id, list_unit, version = list_price
        if unit > list_unit:
            self.reprice(h, permit_id, price_id, version, unit, signed - timedelta(days=1))
        total = round(unit * h.area_m2)
        method, down, loan = self.payment(total)
        cid = self.out.new_id(sale_contracts)
        at = ts(signed, 3)
        filed = ts(min(signed + timedelta(days=self.rng.randint(0, 3)), self.today), 5)
        local = buyer.idn.startswith("3201")
        self.out.add(
            sale_contracts,
            (
                cid,
                h.id,
                project_id,
                permit_id,
                developer_id,
                None,
                self.enc(buyer.name, "sale_contracts.buyer_name"),
                self.enc(buyer.idn, "sale_contracts.buyer_id"),
                buyer.bidx,
                "local" if local else "nonlocal",
                36 if local else self.rng.randint(24, 36),
                h.area,
                total,
                round(total / h.area_m2),
                method,
                down,
                loan,
                delivery,
                tx_domain.ContractStatus.filed.value,
                1,
                at,
                at,
                tx_domain.filing_number(filed.year, cid),
                filed,
                "history",
                h.district,
                h.street,
                WRITER,
                at,
                filed,
            ),
        )
        self.report.new_sales += 1
        self.tally("new", signed)
        return cid, loan

    def reprice(self, h: HomeFacts, permit_id: int, price_id: int, version: int, unit: int, on: date) -> None:
        from anju.transactions import home_prices

        # the superseded version is rewritten before it is flushed (prices wait for the home's sale)
        rows = self.out.rows[home_prices.name]
        for i in range(len(rows) - 1, -1, -1):
            if rows[i][0] == price_id:
                r = list(rows[i])
                r[6], r[10] = None, ts(on, 4)
                rows[i] = tuple(r)
                break
        pid = self.out.new_id(home_prices)
        total = round(unit * h.area_m2)
        rows.append(
            (pid, h.id, permit_id, version + 1, unit, total, 1, "调整备案价格（合成）", WRITER, ts(on, 4), None)
        )
        self.report.prices += 1

    def resale(self, h: HomeFacts, seller: Party, buyer: Party, signed: date, registration_id: int | None) -> int:
        """A resale contract (source history) at the model's price; registered when ``registration_id``
        is given, else filed and waiting for the transfer. Returns the loan in fen."""
        unit = min(self.unit_price_yuan(h, signed, False), 10**7) * 100
        total = round(unit * h.area_m2)
        method, down, loan = self.payment(total)
        cid = self.out.new_id(resale_contracts)
        at = ts(signed, 3)
        filed = ts(min(signed + timedelta(days=self.rng.randint(0, 2)), self.today), 5)
        body = f"{filed.year:04d}{cid:010d}"
        registered = registration_id is not None
        self.out.add(
            resale_contracts,
            (
                cid,
                h.id,
                seller.bidx,
                self.enc(seller.name, "resale_contracts.seller_name"),
                self.enc(seller.idn, "resale_contracts.seller_id"),
                self.enc(buyer.name, "resale_contracts.buyer_name"),
                self.enc(buyer.idn, "resale_contracts.buyer_id"),
                buyer.bidx,
                "local" if buyer.idn.startswith("3201") else "nonlocal",
                h.area,
                total,
                round(total / h.area_m2),
                method,
                down,
                loan,
                "registered" if registered else "filed",
                None if registered else 1,
                at,
                at,
                f"CS{body}{luhn.calc_check_digit(body)}",
                filed,
                signed,
                registration_id,
                "history",
                h.district,
                h.street,
                WRITER,
                at,
                filed,
            ),
        )
        if registered:
            self.report.resales += 1
            self.tally("resale", signed)
        else:
            self.report.pending_resales += 1
        return loan

    def enc(self, value: str, column: str) -> bytes:
        return self.kr.encrypt(value, column)


__all__ = ["HomeFacts", "MarketReport", "Party", "Sales", "ts"]
