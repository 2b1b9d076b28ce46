"""The synthetic credit history graded by the grades builder's ``recompute_all`` (run by the lead after
merging issue 20's builders): every subject with a history gets a grade, the pages show it, and the
public page lists the black-listed organisations without any person."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from anju import credit
from anju.credit.tables import credit_events, credit_grades, credit_subjects
from anju.synth.credit import PREFIX, generate_credit
from anju.synth.rental import generate_rental
from tests.conftest import TEST_SCALE, TEST_SEED, TEST_TODAY

from .test_credit_subjects_sync import keyring

pytestmark = pytest.mark.skipif(
    not hasattr(credit, "recompute_all"), reason="needs anju.credit.recompute_all (builder 'grades')"
)


@pytest.fixture
def graded(people_engine: Engine, tmp_path: Path) -> Engine:
    kr = keyring(people_engine, tmp_path)
    generate_rental(people_engine, kr, TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY)
    made = generate_credit(people_engine, kr, TEST_SEED, today=TEST_TODAY)
    assert made.graded is not None
    return people_engine


def test_every_subject_with_a_synthetic_history_is_graded(graded):
    with graded.connect() as conn:
        with_history = conn.execute(
            select(func.count(credit_events.c.subject_bidx.distinct())).where(
                credit_events.c.reference.startswith(PREFIX)
            )
        ).scalar_one()
        graded_ones = conn.execute(
            select(func.count())
            .select_from(credit_grades)
            .where(
                credit_grades.c.subject_bidx.in_(
                    select(credit_events.c.subject_bidx).where(credit_events.c.reference.startswith(PREFIX))
                )
            )
        ).scalar_one()
        g = credit_grades.c.subject_bidx
        # the engine grades every subject with events, filed or not (the people step's pre-platform
        # records of persons who have no credit file): a grade without a file or an event is a stray
        strays = conn.execute(
            select(func.count())
            .select_from(credit_grades)
            .where(
                ~select(credit_subjects.c.id).where(credit_subjects.c.subject_bidx == g).exists(),
                ~select(credit_events.c.id).where(credit_events.c.subject_bidx == g).exists(),
            )
        ).scalar_one()
        grades = dict(conn.execute(select(credit_grades.c.grade, func.count()).group_by(credit_grades.c.grade)).all())
    assert with_history > 0 and graded_ones == with_history
    assert strays == 0
    assert len(grades) >= 2  # a realistic history spreads the grades
