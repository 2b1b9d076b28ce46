"""The synthetic credit history (合成信用记录): events of rental enterprises, agencies, practitioners
and developers over the last five years — violations at realistic rates and severities, and good
conduct (awards, clean inspections, rent escrowed on time) — then every subject graded.

Runs after the rental market and the market history (it files their parties as credit subjects first,
through the contexts' providers: ``anju.credit.subjects.sync``). Every event passes the same check a
reported one does (``credit.domain.check_event``) and is written in bulk: the rows with reserved ids
and the log leaves in one append per chunk (no ``record_event`` per event, and no outbound
``credit.event_recorded`` message: a synthetic history is not pushed to other departments). Every
event is labelled synthetic: its reference starts with ``SYN-CE-`` and its detail says
``"synthetic": true``. Deterministic by seed: the subjects are taken in the order of the records they
link to (not of their blind indexes, which depend on the keys).

Scale 1.0 (1 500 enterprises, 3 000 agencies, ≈11 250 practitioners, 600 developers): ≈32 300
events (≈14 900 violations) over ≈16 350 organisations and practitioners; scale 0.05: ≈1 600 events
over ≈820. The assistance households (one per applicant of the ≈300 000 applications at scale 1.0)
get files but no synthetic events.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from anju import credit, ledger
from anju.core import clock, dialect
from anju.credit import EventKind, catalogue, credit_events, credit_subjects, domain, sync_subjects
from anju.security import Keyring

#: Years of history before ``today``.
YEARS = 5
#: The reference prefix of this step's events (every synthetic event's reference starts with ``SYN-``;
#: the people step's pre-platform events of persons are ``SYN-CR-…``).
PREFIX = "SYN-CE-"
CHUNK = 20_000


@dataclass(frozen=True)
class Profile:
    """A subject type's yearly rates: violations (each kind with its weight) and good conduct."""

    source: str
    violations_per_year: float
    violations: tuple[tuple[str, int], ...]
    good: tuple[tuple[str, str, float], ...]  # (kind, source, per year)


PROFILES: dict[str, Profile] = {
    "rental_enterprise": Profile(
        "rental",
        0.35,
        (
            ("rental.unfiled_lease", 30), ("rental.deposit_overcharge", 15), ("rental.false_listing", 12),
            ("rental.escrow_breach", 8), ("rental.escrow_penalty", 8), ("rental.illegal_partition", 10),
            ("rental.unfiled_practitioner", 10), ("rental.other", 6), ("rental.forced_eviction", 1),
        ),
        (
            ("good.escrow_on_time", "rental", 0.7), ("good.clean_inspection", "rental", 0.25),
            ("good.award", "credit", 0.04),
        ),
    ),
    "agency": Profile(
        "rental",
        0.45,
        (
            ("rental.false_listing", 30), ("rental.unverified_listing", 30), ("rental.unfiled_lease", 15),
            ("rental.deposit_overcharge", 8), ("rental.unfiled_practitioner", 12), ("rental.other", 5),
        ),
        (("good.clean_inspection", "rental", 0.25), ("good.award", "credit", 0.03)),
    ),
    "practitioner": Profile(
        "rental",
        0.06,
        (("rental.false_listing", 40), ("rental.unverified_listing", 45), ("rental.other", 15)),
        (("good.award", "credit", 0.01),),
    ),
    "developer": Profile(
        "transactions",
        0.30,
        (
            ("transactions.contract_cancelled", 45), ("transactions.price_violation", 30),
            ("transactions.presale_fund_violation", 15), ("market.abnormal_operation", 5),
            ("tax.major_violation", 3), ("court.dishonest_debtor", 2),
        ),
        (
            ("good.clean_inspection", "credit", 0.3), ("good.award", "credit", 0.05),
            ("good.public_service", "credit", 0.03),
        ),
    ),
}  # fmt: skip
DEPARTMENT_KINDS = frozenset({"market.abnormal_operation", "tax.major_violation", "court.dishonest_debtor"})
#: How long a violation of each severity stays in effect (a ban period; scoring may decay it sooner).
EFFECT_YEARS = {"minor": 1, "major": 3, "serious": 5}


@dataclass
class CreditReport:
    seed: int
    subjects: dict[str, int] = field(default_factory=dict)  # by type, after the providers ran
    events: dict[str, int] = field(default_factory=dict)  # by kind
    negative: int = 0
    positive: int = 0
    graded: int | None = None  # None: the grading step is not available yet


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method (small rates only)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _severity(rng: random.Random, default: str) -> str:
    i = domain.SEVERITIES.index(default)
    x = rng.random()
    if x < 0.12 and i > 0:
        i -= 1
    elif x > 0.92 and i < len(domain.SEVERITIES) - 1:
        i += 1
    return domain.SEVERITIES[i]


def _subjects(conn: Connection) -> list[Any]:
    """The subjects that get a history, in the order of the records they link to (key-independent)."""
    c = credit_subjects.c
    rows = conn.execute(
        select(c.subject_bidx, c.subject_kind, c.kind, c.street_code, c.links).where(c.kind.in_(sorted(PROFILES)))
    ).all()
    return sorted(rows, key=lambda r: (r.kind, r.links))


def events_for(rows: list[Any], seed: int, today: date, kinds: Mapping[str, EventKind]) -> list[domain.Event]:
    """The whole synthetic history of ``rows`` (deterministic by ``seed`` and the rows' order)."""
    rng = random.Random(f"anju-credit-{seed}")
    start = today - timedelta(days=365 * YEARS)
    days = (today - start).days
    out: list[domain.Event] = []
    for r in rows:
        prof = PROFILES[r.kind]
        # heterogeneity: most subjects are clean, a few break the rules again and again
        propensity = rng.lognormvariate(-0.3, 0.9)
        kinds_w = [k for k, _ in prof.violations]
        weights = [w for _, w in prof.violations]
        drawn: list[tuple[str, str, date, str]] = []
        for _ in range(_poisson(rng, prof.violations_per_year * YEARS * propensity)):
            kind = rng.choices(kinds_w, weights)[0]
            drawn.append((kind, "department" if kind in DEPARTMENT_KINDS else prof.source, start, "neg"))
        for kind, source, rate in prof.good:
            for _ in range(_poisson(rng, rate * YEARS / max(propensity, 0.5))):
                drawn.append((kind, source, start, "pos"))
        for kind, source, _, pol in drawn:
            on = start + timedelta(days=rng.randrange(days - 1))
            sev = _severity(rng, kinds[kind].severity) if pol == "neg" else kinds[kind].severity
            expires = on + timedelta(days=365 * EFFECT_YEARS[sev]) if pol == "neg" else None
            out.append(
                domain.Event(
                    subject_kind=r.subject_kind,
                    subject_bidx=r.subject_bidx,
                    source=source,
                    kind=kind,
                    severity=sev,
                    occurred_on=on,
                    expires_on=expires,
                    reference=f"{PREFIX}{len(out) + 1:08d}",
                    street_code=r.street_code,
                    detail={"synthetic": True},
                    subject_type=r.kind,
                )
            )
    out.sort(key=lambda e: (e.occurred_on, e.reference))
    return out


_COLS = (
    "id", "subject_kind", "subject_bidx", "source", "kind", "severity", "occurred_on", "expires_on",
    "reference", "street_code", "detail", "recorded_at", "ledger_index",
)  # fmt: skip


def _recorded_at(on: date, ref: str) -> datetime:
    # the day after it happened, at a deterministic time of day (transaction time after valid time)
    n = int(ref[len(PREFIX) :])
    return datetime(on.year, on.month, on.day, 9, tzinfo=UTC) + timedelta(days=1, seconds=n % 28_800)


def write_events(conn: Connection, events: list[domain.Event]) -> int:
    """Write checked events in bulk: reserved ids, one log append and one insert per chunk."""
    for ev in events:
        domain.check_event(ev)
    for i in range(0, len(events), CHUNK):
        chunk = events[i : i + CHUNK]
        recorded = [_recorded_at(e.occurred_on, e.reference) for e in chunk]
        entries = [
            json.dumps(
                {
                    "type": "credit.event",
                    "subject": e.subject_bidx,
                    "source": e.source,
                    "kind": e.kind,
                    "severity": e.severity,
                    "occurred_on": e.occurred_on.isoformat(),
                    "expires_on": e.expires_on.isoformat() if e.expires_on else None,
                    "reference": e.reference,
                    "recorded_at": at.isoformat(),
                },
                ensure_ascii=False,
                sort_keys=True,
            ).encode()
            for e, at in zip(chunk, recorded, strict=True)
        ]
        first_leaf = ledger.append(conn, domain.LOG, entries)
        ids = dialect.reserve_ids(conn, credit_events, len(chunk))
        detail = json.dumps({"synthetic": True})
        dialect.bulk_insert(
            conn,
            credit_events,
            _COLS,
            (
                (
                    ids[j],
                    e.subject_kind,
                    e.subject_bidx,
                    e.source,
                    e.kind,
                    e.severity,
                    e.occurred_on,
                    e.expires_on,
                    e.reference,
                    e.street_code,
                    detail,
                    recorded[j],
                    first_leaf + j,
                )
                for j, e in enumerate(chunk)
            ),
        )
    return len(events)


def generate_credit(
    engine: Engine,
    keyring: Keyring,
    seed: int,
    *,
    today: date | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> CreditReport:
    """File every party as a credit subject, write its synthetic history, grade everyone. Refuses a
    database that already has synthetic credit events."""
    day = today or clock.today()
    say = progress or (lambda msg, frac: None)
    report = CreditReport(seed)
    with dialect.bulk_load(engine) as conn:
        if conn.execute(
            select(credit_events.c.id).where(credit_events.c.reference.like(f"{PREFIX}%")).limit(1)
        ).first():
            raise ValueError("synthetic credit history already present")
        say("正在建立信用主体档案", 0.1)
        sync_subjects(conn, keyring, clock.now())
        c = credit_subjects.c
        report.subjects = {k: int(n) for k, n in conn.execute(select(c.kind, func.count()).group_by(c.kind))}
        say("正在生成合成信用记录", 0.3)
        kinds = catalogue().kinds
        events = events_for(_subjects(conn), seed, day, kinds)
        write_events(conn, events)
        for e in events:
            report.events[e.kind] = report.events.get(e.kind, 0) + 1
            if kinds[e.kind].negative:
                report.negative += 1
            else:
                report.positive += 1
        say("正在评定信用等级", 0.8)
        report.graded = credit.recompute_all(conn, on=day)
        dialect.refresh_statistics(conn)
    say("完成", 1.0)
    return report
