"""The synthetic owners and housing-assistance history: valid identifiers, the invariants of the
assistance tables, explanations a fresh check reproduces, draws anyone can verify, scale and
determinism."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from anju.assistance import (
    allocations,
    application_members,
    application_steps,
    applications,
    assisted_homes,
    benefits,
    check_many,
    domain,
    draw_candidates,
    draws,
)
from anju.core import clock, lottery
from anju.core.errors import Conflict
from anju.credit import credit_events
from anju.registry import home_owners, homes
from anju.security import Keyring, credit_code, keyring_from_settings, person_name, resident_id
from anju.synth import generate, generate_people
from tests import conftest
from tests.conftest import TEST_SCALE, TEST_SEED, TEST_TODAY

PEOPLE_TABLES = (
    home_owners,
    assisted_homes,
    applications,
    application_members,
    application_steps,
    benefits,
    allocations,
    draws,
    draw_candidates,
    credit_events,
)


def keyring(engine: Engine, tmp_path: Path) -> Keyring:
    return keyring_from_settings(conftest.test_settings(engine.url.render_as_string(hide_password=False), tmp_path))


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        return {t.name: int(c.execute(select(func.count()).select_from(t)).scalar_one()) for t in PEOPLE_TABLES}


def test_the_lottery_the_synthetic_draws_use_matches_the_published_golden_vector():
    drawn = lottery.draw([f"c{i:03d}" for i in range(1, 11)], "385729")
    assert drawn.list_hash == "e0b30fdfb7205416956d5010f07bf55f1301268d30502e370807ebb6630f4fe5"
    assert list(drawn.order) == ["c007", "c006", "c005", "c009", "c010", "c002", "c003", "c004", "c001", "c008"]
    assert drawn.result_hash == "cb2635b8928b42c01bcc6edb1dab1b9359cadc5cccc11f0508addce097167009"


def test_owner_and_member_identifiers_are_valid_decryptable_and_blind_indexed(people_engine, tmp_path):
    kr = keyring(people_engine, tmp_path)
    with people_engine.connect() as c:
        owners = c.execute(select(home_owners)).all()
        members = c.execute(select(application_members)).all()
    assert owners and members
    kinds = Counter(o.owner_kind for o in owners)
    assert kinds["person"] > 10 * kinds["org"] > 0
    for o in owners:
        idn = kr.decrypt(o.owner_id_enc, "home_owners.owner_id")
        name = kr.decrypt(o.owner_name_enc, "home_owners.owner_name")
        if o.owner_kind == "person":
            assert resident_id(idn) == idn
            assert 1940 <= int(idn[6:10]) <= 2005
            assert person_name(name) == name
            assert o.owner_bidx == kr.blind_index(idn, "id_number")
        else:
            assert credit_code(idn) == idn
            assert o.owner_bidx == kr.blind_index(idn, "credit_code")
            assert name.endswith("（合成）")
    for m in members:
        idn = kr.decrypt(m.id_number_enc, "application_members.id_number")
        assert resident_id(idn) == idn
        assert int(idn[6:10]) == m.birth_year
        assert person_name(kr.decrypt(m.name_enc, "application_members.name"))
        assert m.id_bidx == kr.blind_index(idn, "id_number")
    # some applicants or members are owners in the register (so the no-home and area rules meet them)
    owner_bidx = {o.owner_bidx for o in owners}
    assert 0 < sum(1 for m in members if m.id_bidx in owner_bidx) < len(members) * 0.15


def test_owners_own_existing_homes_with_shares_of_at_most_all_of_it(people_engine):
    with people_engine.connect() as c:
        rows = c.execute(
            select(home_owners, homes.c.status, homes.c.use).join(homes, homes.c.id == home_owners.c.home_id)
        ).all()
        existing = c.execute(
            select(func.count()).select_from(homes).where(homes.c.status.in_(("使用", "现房")), homes.c.use == "住宅")
        ).scalar_one()
    assert {r.status for r in rows} <= {"使用", "现房"}
    current: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        assert r.acquired_on < TEST_TODAY
        assert r.released_on is None or r.acquired_on < r.released_on < TEST_TODAY
        if r.released_on is None:
            current[r.home_id].append(r)
    assert all(sum(o.share_pct for o in os_) <= 100 for os_ in current.values())
    # on any day, the shares of the owners of that day sum to at most 100
    for day in (date(2005, 1, 1), date(2015, 6, 1), date(2024, 1, 1)):
        on: Counter[int] = Counter()
        for r in rows:
            if r.acquired_on <= day and (r.released_on is None or r.released_on > day):
                on[r.home_id] += r.share_pct
        assert max(on.values()) <= 100
    residential = [os_ for os_ in current.values() if os_[0].use == "住宅"]
    two = sum(1 for os_ in residential if len(os_) == 2 and all(o.share_pct == 50 for o in os_))
    assert 0.05 < two / existing < 0.15
    assert 0.75 < len(residential) / existing < 1.0
    homes_per_person = Counter(r.owner_bidx for r in rows if r.owner_kind == "person" and r.released_on is None)
    assert any(n >= 2 for n in homes_per_person.values())  # investors
    assert max(homes_per_person.values()) <= 6
    assert any(r.released_on for r in rows)  # some homes were sold


def test_no_person_is_in_two_pending_applications(people_engine):
    with people_engine.connect() as c:
        twice = c.execute(
            select(application_members.c.id_bidx)
            .where(application_members.c.pending == 1)
            .group_by(application_members.c.id_bidx)
            .having(func.count() > 1)
        ).all()
        rows = c.execute(
            select(applications.c.status, application_members.c.pending).join(
                applications, applications.c.id == application_members.c.application_id
            )
        ).all()
    assert twice == []
    assert all((r.pending == 1) == (r.status in domain.PENDING) for r in rows)


def test_allocations_respect_the_homes_and_the_programmes(people_engine):
    with people_engine.connect() as c:
        allocs = c.execute(
            select(allocations, assisted_homes.c.programme_code.label("home_programme"), assisted_homes.c.status).join(
                assisted_homes, assisted_homes.c.home_id == allocations.c.home_id
            )
        ).all()
        n_allocs = c.execute(select(func.count()).select_from(allocations)).scalar_one()
        apps = {r.id: r for r in c.execute(select(applications.c.id, applications.c.status))}
        allocated_homes = {
            r.home_id for r in c.execute(select(assisted_homes.c.home_id).where(assisted_homes.c.status == "allocated"))
        }
        steps = {r.application_id for r in c.execute(select(application_steps.c.application_id))}
    assert allocs and len(allocs) == n_allocs  # every allocated home is an assisted home
    active = [a for a in allocs if a.active == 1]
    assert len({a.home_id for a in active}) == len(active)
    assert len({a.application_id for a in active}) == len(active)
    assert {a.home_id for a in active} == allocated_homes
    for a in allocs:
        assert a.programme_code == a.home_programme
        assert apps[a.application_id].status == ("allocated" if a.active else "exited")
        assert (a.active is None) == (a.status == "ended")
    assert set(apps) == steps  # every application has its history


def test_draws_can_be_verified_from_their_candidates(people_engine):
    with people_engine.connect() as c:
        ds = c.execute(select(draws)).all()
        cands: dict[int, list[Any]] = defaultdict(list)
        for r in c.execute(select(draw_candidates).order_by(draw_candidates.c.draw_id, draw_candidates.c.position)):
            cands[r.draw_id].append(r)
        ranks = {(r.draw_id, r.application_id): r.rank for r in c.execute(select(allocations))}
    assert ds
    for d in ds:
        ids = [r.candidate_id for r in cands[d.id]]
        assert [r.position for r in cands[d.id]] == list(range(1, len(ids) + 1)) and len(ids) == d.candidates
        assert d.list_hash == hashlib.new("sm3", b"".join(i.encode() + b"\n" for i in ids)).hexdigest()
        drawn = lottery.draw(ids, d.seed)
        assert (drawn.list_hash, drawn.result_hash, d.status) == (d.list_hash, d.result_hash, "drawn")
        assert d.algorithm == lottery.ALGORITHM
        assert [r.rank for r in cands[d.id]] == [drawn.order.index(i) + 1 for i in ids]
        # what an auditor does with the published list, seed and result: the stand-alone verifier agrees
        result = [r.candidate_id for r in sorted(cands[d.id], key=lambda r: r.rank)]
        check = lottery.verify(ids, d.seed, result, expected_list_hash=d.list_hash)
        assert check.ok, check.reasons
        assert check.result_hash == d.result_hash
    for (draw_id, app_id), rank in ranks.items():
        assert rank == next(r.rank for r in cands[draw_id] if r.application_id == app_id)


def test_stored_eligibility_is_what_a_fresh_check_gives_on_the_day_it_was_checked(people_engine):
    with people_engine.connect() as c:
        rows = c.execute(
            select(applications.c.id, applications.c.status, applications.c.checked_at, applications.c.eligibility)
            .where(applications.c.checked_at.is_not(None))
            .order_by(applications.c.id)
        ).all()
        sample: dict[str, list[Any]] = defaultdict(list)
        for r in rows:
            if len(sample[r.status]) < 25:
                sample[r.status].append(r)
        assert {"submitted", "approved", "allocated", "rejected", "withdrawn", "draft"} <= set(sample)
        by_day: dict[date, list[Any]] = defaultdict(list)
        for rs in sample.values():
            for r in rs:
                by_day[clock.to_local(r.checked_at).date()].append(r)
        for on, rs in by_day.items():
            fresh = check_many(c, [r.id for r in rs], on, store=False)
            for r in rs:
                assert fresh[r.id].to_json() == r.eligibility, (r.status, on)
    eligible = [r for r in rows if '"eligible": true' in r.eligibility]
    # every submitted application passed the check; a real share failed it (and stayed a draft)
    assert all('"eligible": true' in r.eligibility for r in rows if r.status in domain.PENDING)
    assert 0.1 < 1 - len(eligible) / len(rows) < 0.5


def test_the_history_is_plausible(people_engine):
    with people_engine.connect() as c:
        statuses = Counter(r[0] for r in c.execute(select(applications.c.status)))
        sizes = Counter(r[0] for r in c.execute(select(applications.c.household_size)))
        years = Counter(r[0].year for r in c.execute(select(applications.c.created_at)))
        tiers = Counter(
            r[0] for r in c.execute(select(applications.c.talent_tier).where(applications.c.talent_tier.is_not(None)))
        )
        serious = c.execute(
            select(func.count()).select_from(credit_events).where(credit_events.c.severity == "serious")
        ).scalar_one()
        supported = c.execute(
            select(func.count()).select_from(benefits).where(benefits.c.application_id.is_not(None))
        ).scalar_one()
        times = c.execute(select(applications.c.created_at, applications.c.checked_at, applications.c.updated_at)).all()
        steps: dict[int, list[Any]] = defaultdict(list)
        for r in c.execute(select(application_steps).order_by(application_steps.c.id)):
            steps[r.application_id].append(r)
    assert sum(statuses.values()) == round(300_000 * TEST_SCALE)
    assert {"approved", "allocated", "rejected", "withdrawn"} <= set(statuses)
    assert max(sizes) <= 6 and sizes.most_common(1)[0][0] in (1, 2, 3)
    assert min(years) == 2021 and max(years) == TEST_TODAY.year
    assert set(tiers) <= {"A", "B", "C", "D"} and len(tiers) >= 3
    assert serious > 0 and supported > 0
    for created, checked, updated in times:
        assert created <= updated and (checked is None or created <= checked)  # a check alone updates nothing
    for ss in steps.values():  # each step starts where the previous one ended, in time order
        assert ss[0].action == "create" and ss[0].from_status is None
        assert all(a.to_status == b.from_status and a.at < b.at for a, b in pairwise(ss))


def test_people_refuse_a_database_that_already_has_them(people_engine, tmp_path):
    with pytest.raises(Conflict):
        generate_people(people_engine, keyring(people_engine, tmp_path), TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY)


def test_people_need_a_register(empty_engine, tmp_path):
    with pytest.raises(Conflict):
        generate_people(empty_engine, keyring(empty_engine, tmp_path), TEST_SEED, today=TEST_TODAY)


def first_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as c:
        apps = c.execute(
            select(
                applications.c.id,
                applications.c.app_no,
                applications.c.programme_code,
                applications.c.street_code,
                applications.c.status,
                applications.c.household_size,
                applications.c.eligible,
                applications.c.eligibility,
                applications.c.created_at,
                applications.c.updated_at,
            )
            .order_by(applications.c.id)
            .limit(40)
        ).all()
        owners = c.execute(
            select(
                home_owners.c.home_id,
                home_owners.c.owner_kind,
                home_owners.c.owner_bidx,
                home_owners.c.share_pct,
                home_owners.c.acquired_on,
                home_owners.c.released_on,
            )
            .order_by(home_owners.c.id)
            .limit(40)
        ).all()
    return [tuple(r) for r in apps] + [tuple(r) for r in owners]


def test_same_seed_gives_the_same_people_and_another_seed_other_people(empty_engine, people_engine, tmp_path):
    generate(empty_engine, TEST_SCALE, TEST_SEED, batch=997, today=TEST_TODAY)
    generate_people(empty_engine, keyring(empty_engine, tmp_path), TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY)
    assert counts(empty_engine) == counts(people_engine)
    assert first_rows(empty_engine) == first_rows(people_engine)


def test_another_seed_gives_other_people(empty_engine, people_engine, tmp_path):
    generate(empty_engine, TEST_SCALE, TEST_SEED, today=TEST_TODAY)
    generate_people(empty_engine, keyring(empty_engine, tmp_path), TEST_SEED + 1, scale=TEST_SCALE, today=TEST_TODAY)
    assert first_rows(empty_engine) != first_rows(people_engine)


def test_counts_scale_with_the_scale(empty_engine, people_engine, tmp_path):
    generate(empty_engine, 2 * TEST_SCALE, TEST_SEED, today=TEST_TODAY)
    generate_people(empty_engine, keyring(empty_engine, tmp_path), TEST_SEED, scale=2 * TEST_SCALE, today=TEST_TODAY)
    small, big = counts(people_engine), counts(empty_engine)
    assert big["applications"] == 2 * small["applications"]
    for t in ("home_owners", "assisted_homes", "application_members", "application_steps", "benefits"):
        assert 1.5 < big[t] / small[t] < 2.6, t


def test_a_failed_people_load_leaves_the_database_as_it_was(empty_engine, tmp_path, monkeypatch):
    from sqlalchemy import inspect

    from anju.synth import people

    generate(empty_engine, TEST_SCALE, TEST_SEED, today=TEST_TODAY)

    def boom(self: people.PeopleGenerator) -> None:
        raise RuntimeError("interrupted")

    monkeypatch.setattr(people.PeopleGenerator, "applications", boom)
    with pytest.raises(RuntimeError):
        generate_people(empty_engine, keyring(empty_engine, tmp_path), TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY)
    assert not any(counts(empty_engine).values())
    names = {ix["name"] for t in PEOPLE_TABLES for ix in inspect(empty_engine).get_indexes(t.name)}
    assert {"ix_home_owners_owner", "ix_home_owners_home", "ix_members_bidx", "ix_benefits_person"} <= names
