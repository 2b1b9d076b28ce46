"""Synthetic department feeds: what 市公安局, 市人社局, 市民政局 and 市住房公积金管理中心 would deliver about
the synthetic applicants, written in each feed's own file format (CSV, the feed's field names as
header) and applied through the same field checks and handlers as a real delivery.

Run after :func:`anju.synth.generate_people`. Every member of every application gets facts consistent
with what the application declared (local hukou and its years, months of social insurance, incomes),
except a small share (``MISMATCH_SHARE``) whose department fact deliberately disagrees, so that the
review shows mismatches; those are listed in ``mismatches.csv`` beside the feeds (the label). The
files carry only fictional people; pages label the data synthetic. Deterministic for a seed except
the ciphertexts.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from anju.assistance import (
    AppStatus,
    application_members,
    applications,
    check_many,
    department_feed_names,
    load_department_file,
)
from anju.core import clock
from anju.core.settings import Settings
from anju.security import Caller, Keyring

#: The share of people whose department fact disagrees with their declaration (labelled).
MISMATCH_SHARE = 0.03
#: Per-capita annual income (fen) below which 民政 lists a household as 低保 / 低收入 (synthetic rule).
DIBAO_FEN = 9_600_00
LOW_INCOME_FEN = 15_000_00


@dataclass
class DepartmentReport:
    directory: str
    records: dict[str, int] = field(default_factory=dict)
    applied: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    mismatches: int = 0
    rechecked: int = 0  # applications under review checked again with the departments' facts


@dataclass
class _Person:
    id_number: str
    name: str
    district: str
    birth: date
    local: bool
    years: int
    months: int
    income_fen: int
    employed: bool
    household_income_fen: int
    household_size: int


def _people(engine: Engine, kr: Keyring) -> list[_Person]:
    """Each person named in an application, with their latest application's declarations."""
    out: dict[str, _Person] = {}
    totals: dict[int, tuple[int, int]] = {}
    q = (
        select(application_members, applications.c.district_code)
        .select_from(application_members.join(applications, applications.c.id == application_members.c.application_id))
        .order_by(application_members.c.application_id, application_members.c.seq)
    )
    with engine.connect() as conn:
        rows = list(conn.execute(q))
    for r in rows:
        inc, n = totals.get(int(r.application_id), (0, 0))
        totals[int(r.application_id)] = (inc + int(r.annual_income_fen), n + 1)
    for r in rows:
        idn = kr.decrypt(r.id_number_enc, "application_members.id_number")
        inc, n = totals[int(r.application_id)]
        out[r.id_bidx] = _Person(
            idn,
            kr.decrypt(r.name_enc, "application_members.name"),
            str(r.district_code),
            date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14])),
            bool(r.local_hukou),
            int(r.hukou_years),
            int(r.social_insurance_months),
            int(r.annual_income_fen),
            bool(r.employed),
            inc,
            n,
        )
    return list(out.values())


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class _Writer:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.rows: dict[str, list[dict[str, str]]] = {name: [] for name in department_feed_names()}
        self.mismatches: list[dict[str, str]] = []

    def as_of(self) -> date:
        return self.today - timedelta(days=self.rng.randint(1, 6))

    def odd(self, source: str, p: _Person, what: str) -> bool:
        """Whether this person's fact of ``source`` disagrees on purpose (then labelled)."""
        if self.rng.random() >= MISMATCH_SHARE:
            return False
        self.mismatches.append(
            {"source": source, "id_number_masked": p.id_number[:4] + "*" * 10 + p.id_number[-4:], "what": what}
        )
        return True

    def person(self, p: _Person) -> None:
        rng, as_of = self.rng, self.as_of()
        adult_since = date(p.birth.year + 16, p.birth.month, 1)
        if p.local:
            years = p.years
            if self.odd("hukou", p, "户籍年限比申报少 2 年"):
                years = max(0, years - 2)
            since = max(p.birth, date(as_of.year - years, 1, 1) - timedelta(days=rng.randint(0, 200)))
            if (as_of.year - since.year) < years:
                since = date(as_of.year - years, 1, 1)
            status = "迁出" if self.odd("hukou", p, "已迁出本市") else "在册"
            self.rows["hukou"].append(
                {"id_number": p.id_number, "name": p.name, "division_code": p.district,
                 "registered_since": min(since, as_of).isoformat(), "status": status, "as_of": as_of.isoformat()}
            )  # fmt: skip
        elif self.odd("hukou", p, "申报非本市户籍，公安有本市户籍记录"):
            since = max(p.birth, as_of - timedelta(days=365 * rng.randint(1, 8)))
            self.rows["hukou"].append(
                {"id_number": p.id_number, "name": p.name, "division_code": p.district,
                 "registered_since": since.isoformat(), "status": "在册", "as_of": as_of.isoformat()}
            )  # fmt: skip
        if p.months > 0 and adult_since < as_of:
            last = date(as_of.year, as_of.month, 1) - timedelta(days=1)
            possible = (last.year - adult_since.year) * 12 + last.month - adult_since.month + 1
            months = min(p.months, max(possible, 0))
            if self.odd("social_insurance", p, "社保月数比申报少 6 个月"):
                months = max(0, months - 6)
            self.rows["social_insurance"].append(
                {"id_number": p.id_number, "months_paid": str(months), "last_paid_month": f"{last:%Y-%m}",
                 "employer_credit_code": "", "as_of": as_of.isoformat()}
            )  # fmt: skip
        per = p.household_income_fen // max(p.household_size, 1)
        assisted = "低保" if per < DIBAO_FEN else "低收入" if per < LOW_INCOME_FEN else None
        if assisted is not None and rng.random() < 0.7:
            since = as_of - timedelta(days=rng.randint(60, 1500))
            self.rows["minimum_income"].append(
                {"id_number": p.id_number, "status": assisted, "since": since.isoformat(), "until": "",
                 "as_of": as_of.isoformat()}
            )  # fmt: skip
        if p.employed and p.income_fen > 0 and rng.random() < 0.6:
            rate = rng.choice((10, 16, 20, 24))
            deposit = p.income_fen // 12 * rate // 100
            if self.odd("provident_fund", p, "公积金缴存额高于申报收入所能支持的数额"):
                deposit = max(deposit * 3, 100_00)
            self.rows["provident_fund"].append(
                {"id_number": p.id_number, "account_status": "正常", "monthly_deposit_yuan": _yuan(max(deposit, 1_00)),
                 "months_paid": str(rng.randint(1, 120)), "as_of": as_of.isoformat()}
            )  # fmt: skip


def generate_department_feeds(
    engine: Engine,
    keyring: Keyring,
    settings: Settings,
    seed: int,
    directory: Path,
    *,
    today: date | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> DepartmentReport:
    """Write the four feeds' CSV files (and ``mismatches.csv``) into ``directory`` and apply them
    through the feeds' checks and handlers, one transaction per file."""
    say = progress or (lambda msg, frac: None)
    w = _Writer(random.Random(seed * 7919 + 19), today or clock.today())
    for p in _people(engine, keyring):
        w.person(p)
    directory.mkdir(parents=True, exist_ok=True)
    report = DepartmentReport(str(directory), mismatches=len(w.mismatches))
    names = department_feed_names()
    for n, (source, fields) in enumerate(names.items(), start=1):
        path = directory / f"{source}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            out = csv.DictWriter(f, fieldnames=list(fields))
            out.writeheader()
            out.writerows(w.rows[source])
        got = load_department_file(engine, settings, source, path, caller=Caller.system("synth"))
        report.records[source] = got.records
        report.applied[source] = got.applied
        report.rejected[source] = got.rejected
        say(f"部门数据（合成）：{source} {got.applied}/{got.records}", n / len(names))
    # the applications under review are checked again with the departments' facts (reviewers see them)
    with engine.connect() as conn:
        q = select(applications.c.id).where(applications.c.status == AppStatus.submitted.value)
        under_review = [int(x) for x in conn.execute(q.order_by(applications.c.id)).scalars()]
    for i in range(0, len(under_review), 5000):
        with engine.begin() as conn:
            check_many(conn, under_review[i : i + 5000], w.today)
    report.rechecked = len(under_review)
    with (directory / "mismatches.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, fieldnames=["source", "id_number_masked", "what"])
        out.writeheader()
        out.writerows(w.mismatches)
    return report
