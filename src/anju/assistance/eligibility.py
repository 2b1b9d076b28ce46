"""The eligibility check: the facts the platform holds about a household's members, evaluated set-wise
by the programme edition in force (:func:`anju.assistance.domain.evaluate`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, or_, select, update

from anju.assistance import department_facts, domain
from anju.assistance.catalogue import edition
from anju.assistance.common import scoped_application
from anju.assistance.tables import application_members, applications, benefits
from anju.core import clock
from anju.core.db import UnitOfWork, unit_of_work
from anju.credit import effective_events
from anju.registry import owned_area, subject_refusal, subject_restrictions
from anju.security import Caller, audited_job


def facts_for(
    conn: Connection, bidx_by_app: dict[int, list[str]], on: date, who: Mapping[str, str] | None = None
) -> dict[int, domain.Facts]:
    """The platform's own data about each application's members, gathered set-wise (no N+1):
    homes owned in the register, current benefits, effective credit events, and what bars a member from
    assistance (联合惩戒: the registry's one restriction mechanism, credit's black list), the member named
    by ``who`` (blind index → relation). A benefit granted by the application itself is not "another"
    benefit (re-checking an approved application must not fail on its own subsidy)."""
    all_bidx = sorted({b for bs in bidx_by_app.values() for b in bs})
    owned = owned_area(conn, all_bidx, on)  # bidx → (homes, area)
    supported: dict[str, set[tuple[str, int | None]]] = defaultdict(set)
    for chunk in _chunks(all_bidx, 5000):
        for b, prog, source in conn.execute(
            select(benefits.c.id_bidx, benefits.c.programme_code, benefits.c.application_id).where(
                benefits.c.id_bidx.in_(chunk),
                benefits.c.since <= on,
                or_(benefits.c.until.is_(None), benefits.c.until > on),
            )
        ):
            supported[b].add((prog, None if source is None else int(source)))
    credit = effective_events(conn, all_bidx, on)  # bidx → [(kind, severity)]
    barred = subject_restrictions(conn, all_bidx, ELIGIBILITY, on)
    names = {b: f"家庭成员（{(who or {}).get(b, '成员')}）" for b in barred}
    refusals = {b: subject_refusal({b: found}, names) for b, found in barred.items()}
    out: dict[int, domain.Facts] = {}
    for app_id, bs in bidx_by_app.items():
        homes = sum(owned.get(b, (0, Decimal(0)))[0] for b in bs)
        area = sum((owned.get(b, (0, Decimal(0)))[1] for b in bs), Decimal(0))
        out[app_id] = domain.Facts(
            homes_owned=homes,
            area_owned=area,
            supported_by=tuple(sorted({p for b in bs for p, src in supported.get(b, ()) if src != app_id})),
            credit_events=tuple(sorted({e for b in bs for e in credit.get(b, ())})),
            credit_restrictions=tuple(refusals[b] for b in dict.fromkeys(bs) if b in refusals),
        )
    return out


T = TypeVar("T")


#: The approval credit may restrict (``anju.credit.domain.ACTIONS``).
ELIGIBILITY = "assistance.eligibility"


def _chunks(seq: Sequence[T], n: int) -> Iterable[Sequence[T]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def households(conn: Connection, app_ids: Sequence[int]) -> dict[int, domain.Household]:
    members: dict[int, list[domain.Member]] = defaultdict(list)
    tiers: dict[int, str | None] = {}
    for chunk in _chunks(list(app_ids), 5000):
        for r in conn.execute(
            select(applications.c.id, applications.c.talent_tier).where(applications.c.id.in_(chunk))
        ):
            tiers[int(r.id)] = r.talent_tier
        for m in conn.execute(
            select(application_members)
            .where(application_members.c.application_id.in_(chunk))
            .order_by(application_members.c.application_id, application_members.c.seq)
        ):
            members[int(m.application_id)].append(
                domain.Member(
                    m.relation,
                    m.birth_year,
                    int(m.annual_income_fen),
                    int(m.assets_fen),
                    bool(m.local_hukou),
                    m.hukou_years,
                    m.social_insurance_months,
                    bool(m.employed),
                    m.id_bidx,
                )
            )
    return {a: domain.Household(tuple(members[a]), tiers.get(a)) for a in app_ids if members.get(a)}


def evaluate_many(
    conn: Connection,
    hh: Mapping[int, domain.Household],
    policies: Mapping[int, domain.Policy],
    facts: Mapping[int, domain.Facts],
    on: date,
    usable: Mapping[int, Set[str]] | None = None,
) -> dict[int, domain.Eligibility]:
    """Evaluate households with the departments' facts known now (:mod:`department_facts`: known at
    now → use → explain), the one path of every check (submission, review, batch re-check, annual
    re-qualification). ``usable`` as in :func:`check_many`: the departments' facts of a member whose
    register facts may not be read are not read either (None: every member's)."""
    named = [m.id_bidx for a, h in hh.items() for m in h.members if usable is None or m.id_bidx in usable.get(a, ())]
    known = department_facts.known_facts(conn, named, clock.now())
    out = {}
    for a, h in hh.items():
        used = department_facts.use(h, known, None if usable is None else usable.get(a, set()), on)
        out[a] = department_facts.explain(domain.evaluate(policies[a], used.household, facts[a], on), used)
    return out


def check_many(
    conn: Connection,
    app_ids: Sequence[int],
    on: date,
    *,
    store: bool = True,
    usable: Mapping[int, Set[str]] | None = None,
) -> dict[int, domain.Eligibility]:
    """Evaluate many applications against the edition each refers to; set-wise reads, one bulk write.

    ``usable`` (the applicant's self-check): per application, the members (blind indexes) whose
    register facts may be consulted; the others' are not read at all, and the register rules their
    facts could still fail are pending (``Facts.incomplete``). Without it (staff review, the batch
    re-check, submission once every consent is in) every member's facts are used."""
    eds: dict[int, int] = {}
    for chunk in _chunks(list(app_ids), 5000):
        for r in conn.execute(select(applications.c.id, applications.c.edition_id).where(applications.c.id.in_(chunk))):
            eds[int(r.id)] = int(r.edition_id)
    policies = {e: edition(conn, e) for e in set(eds.values())}
    hh = households(conn, list(eds))
    named = {a: [m.id_bidx for m in h.members] for a, h in hh.items()}
    if usable is not None:
        named = {a: [b for b in bs if b in usable.get(a, set())] for a, bs in named.items()}
    facts = facts_for(conn, named, on, {m.id_bidx: m.relation for h in hh.values() for m in h.members})
    if usable is not None:
        facts = {a: replace(f, incomplete=len(named[a]) < hh[a].size) for a, f in facts.items()}
    out = evaluate_many(conn, hh, {a: policies[eds[a]] for a in hh}, facts, on, usable)
    if store and out:
        now = clock.now()
        from sqlalchemy import bindparam

        conn.execute(
            update(applications)
            .where(applications.c.id == bindparam("b_id"))
            .values(
                eligible=bindparam("b_eligible"),
                eligibility=bindparam("b_eligibility"),
                priority_class=bindparam("b_priority"),
                checked_at=now,
            ),
            [
                {"b_id": a, "b_eligible": e.eligible, "b_eligibility": e.to_json(), "b_priority": e.priority_class}
                for a, e in out.items()
            ],
        )
    return out


def check(conn: Connection, caller: Caller, app_id: int, usable: Set[str]) -> domain.Eligibility:
    """Run the eligibility check on the caller's own application with the register facts of the
    ``usable`` members only (:func:`anju.assistance.consent.usable_members`) and keep its explanation.
    What the applicant is shown of it is :mod:`anju.assistance.disclosure`'s business."""
    scoped_application(conn, caller.scope, app_id)
    return check_many(conn, [app_id], clock.today(), usable={app_id: usable})[app_id]


#: The statuses the batch re-check covers: pending ones without ``returned`` (see :func:`check_all`).
RECHECKED = domain.PENDING - {domain.AppStatus.returned}


def check_all(
    target: Engine | UnitOfWork,
    programme: str | None = None,
    *,
    caller: Caller | None = None,
    batch: int = 20_000,
    progress: Any = None,
) -> dict[str, int]:
    """Re-check every submitted or approved application (e.g. after fresh data arrived), in batches,
    one transaction per batch; the last batch's transaction also writes the job's audit row with its
    counts (``security.audited_job``). Returns counts.

    A *returned* application is not re-checked here: its members may withdraw their consent while it
    is back with the applicant (``consent.OPEN``), and this check reads every member's register and
    department facts; it is checked again, with the consents then in force, when it is resubmitted.
    Every status re-checked here has had every adult member's consent since submission, and a
    consent cannot be withdrawn before the application is returned again."""
    uow = unit_of_work(target)
    job = audited_job(uow, caller or Caller.system("assistance.check_all"), "assistance.check_all")
    on = clock.today()
    with uow.read() as conn:
        q = select(applications.c.id).where(applications.c.status.in_([s.value for s in RECHECKED]))
        if programme:
            q = q.where(applications.c.programme_code == programme)
        ids = [int(x) for x in conn.execute(q.order_by(applications.c.id)).scalars()]
    batches = [ids[i : i + batch] for i in range(0, len(ids), batch)] or [[]]
    done = eligible = 0
    for n, chunk in enumerate(batches, start=1):
        last = n == len(batches)
        with job.final() if last else job.batch() as conn:
            res = check_many(conn, chunk, on) if chunk else {}
            done += len(res)
            eligible += sum(1 for e in res.values() if e.eligible)
            if last:
                job.detail = {"programme": programme, "checked": done, "eligible": eligible}
        if progress:
            progress(f"资格核验 {done}/{len(ids)}", done / max(len(ids), 1))
    return {"checked": done, "eligible": eligible, "ineligible": done - eligible}
