"""Credit subjects (信用主体): the contexts' providers filed by ``anju credit sync`` — idempotent,
linking one file per blind index, with the same blind index the rental context gives a party's events
— the filing paths creating the file at once, and the synthetic credit history (deterministic by seed,
labelled synthetic, every event checked)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from anju import credit
from anju.credit.subjects import ensure_subjects, sync
from anju.credit.tables import credit_events, credit_subjects
from anju.rental.tables import rental_parties, rental_practitioners
from anju.security import Keyring, keyring_from_settings
from anju.synth.credit import PREFIX, generate_credit
from anju.synth.rental import generate_rental
from tests import conftest
from tests.conftest import TEST_SCALE, TEST_SEED, TEST_TODAY

NOW = datetime(2026, 6, 30, 8, tzinfo=UTC)


def keyring(engine: Engine, tmp_path: Path) -> Keyring:
    return keyring_from_settings(conftest.test_settings(engine.url.render_as_string(hide_password=False), tmp_path))


@pytest.fixture
def rental_engine(people_engine: Engine, tmp_path: Path) -> Engine:
    generate_rental(people_engine, keyring(people_engine, tmp_path), TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY)
    return people_engine


def _subjects(engine: Engine) -> dict[str, tuple[str, str, str]]:
    with engine.connect() as conn:
        return {r.subject_bidx: (r.kind, r.links, r.updated_at) for r in conn.execute(select(credit_subjects))}


def test_sync_files_every_party_once_and_is_idempotent(rental_engine, tmp_path):
    kr = keyring(rental_engine, tmp_path)
    with rental_engine.begin() as conn:
        first = {r.provider: r for r in sync(conn, kr, NOW)}
        n_parties = conn.execute(select(func.count()).select_from(rental_parties)).scalar_one()
        n_people = conn.execute(select(func.count(rental_practitioners.c.id_bidx.distinct()))).scalar_one()
    assert first["rental_parties"].changed > 0
    assert first["assistance_households"].seen > 0
    before = _subjects(rental_engine)
    kinds = [k for k, _, _ in before.values()]
    assert kinds.count("rental_enterprise") + kinds.count("agency") == n_parties
    assert kinds.count("practitioner") == n_people
    assert kinds.count("household") > 0
    with rental_engine.begin() as conn:
        again = sync(conn, kr, datetime(2026, 7, 1, tzinfo=UTC))
    assert all(r.changed == 0 for r in again)
    assert _subjects(rental_engine) == before  # nothing rewritten, not even updated_at


def test_the_party_bidx_is_the_one_rental_gives_its_events(rental_engine, tmp_path):
    kr = keyring(rental_engine, tmp_path)
    with rental_engine.begin() as conn:
        sync(conn, kr, NOW, only=["rental_parties"])
        p = conn.execute(select(rental_parties).order_by(rental_parties.c.id).limit(1)).one()
        # what rental's supervision and inspections give a party's credit events
        from anju.rental.governance import Target
        from anju.rental.governance import _subjects as answerable

        [(kind, bidx)] = answerable(
            conn, kr, Target("party", p.street_code, p.district_code, party_id=p.id), TEST_TODAY
        )
        row = conn.execute(select(credit_subjects).where(credit_subjects.c.subject_bidx == bidx)).one()
    assert kind == "org" and row.credit_code == p.credit_code and row.name == p.name
    assert {"context": "rental", "kind": "party", "id": p.id} in json.loads(row.links)
    pr = None
    with rental_engine.connect() as conn:
        pr = conn.execute(select(rental_practitioners).limit(1)).one()
        person = conn.execute(select(credit_subjects).where(credit_subjects.c.subject_bidx == pr.id_bidx)).one()
    assert person.kind == "practitioner" and person.name is None and person.credit_code is None
    assert kr.decrypt(person.name_enc, credit.SUBJECT_NAME_COLUMN) == kr.decrypt(
        pr.name_enc, "rental_practitioners.name"
    )


def test_links_merge_and_a_specific_type_replaces_a_generic_one(empty_engine):
    b = "a" * 64
    generic = credit.SubjectIn(b, "person", "person", link=("assistance", "application", 1))
    specific = credit.SubjectIn(b, "person", "practitioner", link=("rental", "practitioner", 9))
    other = credit.SubjectIn(b, "person", "household", link=("assistance", "application", 2))
    with empty_engine.begin() as conn:
        assert ensure_subjects(conn, [generic], NOW) == 1
        assert ensure_subjects(conn, [specific, specific], NOW) == 1
        assert ensure_subjects(conn, [other], NOW) == 1  # a link more, the type kept
        assert ensure_subjects(conn, [other, specific], NOW) == 0
        row = conn.execute(select(credit_subjects)).one()
    assert row.kind == "practitioner"
    # a place is filled in once, then kept: two records in two streets do not flip it on every sync
    here = credit.SubjectIn(b, "person", "household", street_code="320102001", link=("assistance", "application", 1))
    there = credit.SubjectIn(b, "person", "household", street_code="320102002", link=("assistance", "application", 2))
    with empty_engine.begin() as conn:
        assert ensure_subjects(conn, [here], NOW) == 1
        assert ensure_subjects(conn, [there], NOW) == 0
        assert conn.execute(select(credit_subjects.c.street_code)).scalar_one() == "320102001"
    assert [(x["context"], x["id"]) for x in json.loads(row.links)] == [
        ("assistance", 1),
        ("assistance", 2),
        ("rental", 9),
    ]


def test_a_bad_subject_names_the_field_and_writes_nothing(empty_engine):
    from anju.core.errors import ValidationError

    good = credit.SubjectIn("b" * 64, "org", "developer", name="某公司")
    with empty_engine.begin() as conn, pytest.raises(ValidationError) as e:
        ensure_subjects(conn, [good, credit.SubjectIn("c" * 64, "person", "practitioner", name="张三")], NOW)
    assert e.value.errors[0].field == "name"
    with empty_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(credit_subjects)).scalar_one() == 0


def _history(engine: Engine) -> list[tuple[Any, ...]]:
    e, s = credit_events.c, credit_subjects.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(s.links, e.kind, e.severity, e.occurred_on, e.expires_on, e.reference, e.detail, e.source)
            .join(credit_subjects, s.subject_bidx == e.subject_bidx)
            .where(e.reference.startswith(PREFIX))
            .order_by(e.reference)
        ).all()
    return [tuple(r) for r in rows]


def test_synthetic_history_is_labelled_checked_and_deterministic(rental_engine, tmp_path, db_factory):
    kr = keyring(rental_engine, tmp_path)
    made = generate_credit(rental_engine, kr, TEST_SEED, today=TEST_TODAY)
    assert made.negative > 0 and made.positive > 0
    history = _history(rental_engine)
    assert len(history) == made.negative + made.positive
    assert all(h[5].startswith(PREFIX) and json.loads(h[6]) == {"synthetic": True} for h in history)
    with rental_engine.connect() as conn:
        assert (
            conn.execute(
                select(func.count()).where(
                    credit_events.c.ledger_index.is_(None), credit_events.c.reference.startswith(PREFIX)
                )
            ).scalar_one()
            == 0
        )
    with pytest.raises(ValueError):
        generate_credit(rental_engine, kr, TEST_SEED, today=TEST_TODAY)
    # the same seed over the same city: the same history; another seed: another
    twin = conftest._engine_fixture(db_factory, "people")
    other = next(twin)
    try:
        generate_rental(other, kr, TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY)
        generate_credit(other, kr, TEST_SEED, today=TEST_TODAY)
        assert _history(other) == history
    finally:
        next(twin, None)


def test_the_sync_command_is_audited_and_idempotent(rental_engine, tmp_path):
    from click.testing import CliRunner

    from anju.cli import main
    from anju.security.tables import audit_log

    from .test_security_cli import env

    e = env(rental_engine, tmp_path)
    first = CliRunner().invoke(main, ["credit", "sync"], env=e)
    assert first.exit_code == 0, first.output
    done = {r["provider"]: r for r in json.loads(first.stdout)}
    assert done["rental_parties"]["changed"] > 0
    again = CliRunner().invoke(main, ["credit", "sync", "--only", "rental_parties"], env=e)
    assert again.exit_code == 0 and [r["changed"] for r in json.loads(again.stdout)] == [0]
    bad = CliRunner().invoke(main, ["credit", "sync", "--only", "nosuch"], env=e)
    assert bad.exit_code == 2 and "nosuch" in bad.output
    with rental_engine.connect() as conn:
        actions = [a for (a,) in conn.execute(select(audit_log.c.action).where(audit_log.c.action.like("credit.%")))]
    assert actions == ["credit.sync_subjects", "credit.sync_subjects"]
