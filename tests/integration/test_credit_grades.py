"""The grading engine on both databases: an event grades its subject in the same transaction (grade
row, change, log leaf, outbox event); a void brings the grade back and exits the list; the grade as of a
date as known at a time; bulk recomputation is idempotent; list entries and exits follow the rules."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select

from anju import credit, ledger
from anju.core import clock
from anju.core.errors import Conflict, ValidationError
from anju.credit import Event
from anju.credit.tables import credit_grade_changes, credit_grades, credit_list_entries, credit_subjects
from anju.exchange.tables import exchange_events

TODAY = date(2026, 3, 2)  # the 2024 sample edition: A ≥ 95, B ≥ 80, C ≥ 60, base 90
ORG = "a" * 64
OTHER = "b" * 64
PERSON = "c" * 64


@pytest.fixture
def engine(empty_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return empty_engine


def ev(kind: str, severity: str, occurred: date = TODAY, bidx: str = ORG, **kw: Any) -> Event:
    return Event(kw.pop("subject_kind", "org"), bidx, kw.pop("source", "rental"), kind, severity, occurred,
                 kw.pop("reference", "CASE-1"), **kw)  # fmt: skip


def _count(conn: Connection, table: Any, *where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _topics(conn: Connection) -> list[str]:
    return list(conn.execute(select(exchange_events.c.topic).order_by(exchange_events.c.id)).scalars())


def test_an_event_grades_its_subject_in_the_same_transaction(engine: Engine) -> None:
    with engine.begin() as conn:
        size = ledger.get_log(conn, "credit").size
        eid = credit.record_event(conn, ev("rental.escrow_breach", "serious", subject_type="rental_enterprise"))
    with engine.connect() as conn:
        [g] = credit.current_grades(conn, [ORG]).values()
        assert (g.grade, g.score_centi, g.events, g.edition, g.as_of) == ("C", 7000, 1, "nj-sample-2024", TODAY)
        lines = json.loads(g.explanation)["lines"]
        assert lines == [
            [eid, "rental.escrow_breach", "serious", TODAY.isoformat(), "counted", -2000, -2000, -2000, False]
        ]
        [change] = conn.execute(select(credit_grade_changes)).all()
        assert (change.from_grade, change.to_grade, change.cause, change.cause_ref) == (None, "C", "event", str(eid))
        subject = conn.execute(select(credit_subjects)).one()
        assert (subject.subject_bidx, subject.kind, subject.subject_kind) == (ORG, "rental_enterprise", "org")
        assert ledger.get_log(conn, "credit").size == size + 2  # the event and the grade change
        leaf = json.loads(ledger.entry(conn, "credit", change.ledger_index).data)
        assert leaf["type"] == "credit.grade_changed" and leaf["to"] == "C" and leaf["subject"] == ORG
        assert _topics(conn) == ["credit.event_recorded", "credit.grade_changed"]
        assert credit.open_list_entries(conn, [ORG], TODAY) == {}
    with engine.begin() as conn:  # a second minor event: the score changes, the grade does not
        credit.record_event(conn, ev("rental.unfiled_lease", "minor", reference="CASE-2"))
    with engine.connect() as conn:
        assert credit.current_grades(conn, [ORG])[ORG].score_centi == 6800
        assert _count(conn, credit_grade_changes) == 1
        assert credit.grade_history(conn, ORG).total == 1


def test_a_serious_record_enters_the_black_list_and_its_void_brings_the_grade_back(engine: Engine) -> None:
    with engine.begin() as conn:
        eid = credit.record_event(conn, ev("court.dishonest_debtor", "serious", source="department"))
    with engine.connect() as conn:
        assert credit.current_grades(conn, [ORG])[ORG].grade == "C"
        [entry] = credit.open_list_entries(conn, [ORG], TODAY)[ORG]
        assert (entry.list, entry.rule, entry.entered_on, entry.exited_on) == (
            "black",
            "black.serious_record",
            TODAY,
            None,
        )
        assert entry.ledger_index is not None
        assert json.loads(ledger.entry(conn, "credit", entry.ledger_index).data)["type"] == "credit.list_entered"
    with engine.begin() as conn:
        credit.amend_event(conn, eid, "void", effective_on=TODAY, reason="法院已撤销", reference="YY-1", by="officer")
    with engine.connect() as conn:
        g = credit.current_grades(conn, [ORG])[ORG]
        assert (g.grade, g.score_centi, g.events) == ("B", 9000, 0)
        assert credit.open_list_entries(conn, [ORG], TODAY) == {}
        closed = conn.execute(select(credit_list_entries)).one()
        assert closed.exited_on == TODAY and closed.active is None and "black.serious_record" in closed.exit_reason
        assert closed.exit_ledger_index is not None
        history = credit.grade_history(conn, ORG)
        assert [(h.from_grade, h.to_grade, h.cause, h.cause_ref) for h in history.items] == [
            ("C", "B", "void", "YY-1"), (None, "C", "event", "1"),
        ]  # fmt: skip
        assert _topics(conn).count("credit.list_changed") == 2
    with engine.begin() as conn, pytest.raises(Conflict):
        credit.amend_event(conn, eid, "repair", effective_on=TODAY, reason="x", reference="R-1", by="officer")
    with engine.begin() as conn, pytest.raises(ValidationError):
        credit.amend_event(conn, eid, "undo", effective_on=TODAY, reason="x", reference="R-1", by="officer")


def test_a_repair_stops_an_event_counting_from_its_date(engine: Engine) -> None:
    with engine.begin() as conn:
        eid = credit.record_event(conn, ev("rental.sublet", "serious", TODAY - timedelta(days=100)))
        credit.amend_event(conn, eid, "repair", effective_on=TODAY, reason="整改到位", reference="XF-1", by="officer")
    with engine.connect() as conn:
        assert credit.current_grades(conn, [ORG])[ORG].grade == "B"
        before = credit.grade_as_of(conn, ORG, TODAY - timedelta(days=1))
        assert before.grade == "C" and before.lines[0].status == "counted"


def test_the_grade_as_of_a_date_as_known_at_a_time(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    t0 = datetime(2026, 3, 2, 2, 0, tzinfo=clock.CITY_TZ)
    monkeypatch.setattr(clock, "now", lambda: t0)
    with engine.begin() as conn:
        eid = credit.record_event(conn, ev("rental.escrow_breach", "serious", date(2026, 2, 1)))
    monkeypatch.setattr(clock, "now", lambda: t0 + timedelta(days=1))
    with engine.begin() as conn:
        credit.amend_event(
            conn, eid, "void", effective_on=date(2026, 2, 1), reason="异议成立", reference="YY-2", by="o"
        )
    with engine.connect() as conn:
        # as known before the event was recorded: no event
        assert credit.grade_as_of(conn, ORG, date(2026, 2, 15), known_at=t0 - timedelta(hours=1)).grade == "B"
        # as known after the event, before the void: C from its date on
        known = credit.grade_as_of(conn, ORG, date(2026, 2, 15), known_at=t0 + timedelta(hours=1))
        assert known.grade == "C" and known.lines[0].status == "counted"
        assert credit.grade_as_of(conn, ORG, date(2026, 1, 31), known_at=t0 + timedelta(hours=1)).grade == "B"
        # as known now: the void counts for every date
        now = credit.grade_as_of(conn, ORG, date(2026, 2, 15))
        assert now.grade == "B" and now.lines[0].status == "voided"


def test_recompute_all_grades_every_subject_once_and_a_rerun_changes_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        credit.record_event(conn, ev("good.award", "major", source="credit"))
        credit.record_event(conn, ev("rental.escrow_breach", "serious", bidx=OTHER))
        credit.record_event(
            conn, ev("assistance.arrears", "major", bidx=PERSON, subject_kind="person", source="assistance")
        )
        conn.execute(
            credit_subjects.insert().values(
                subject_bidx="d" * 64, subject_kind="org", kind="agency", name="某经纪公司", links="[]",
                first_seen_at=clock.now(), updated_at=clock.now(),
            )
        )  # fmt: skip
        conn.execute(credit_grades.delete())  # as if graded by an older run: everything is new
        conn.execute(credit_list_entries.delete())
    with engine.begin() as conn:
        assert credit.recompute_all(conn) == 4
    with engine.connect() as conn:
        grades = {b: g.grade for b, g in credit.current_grades(conn, [ORG, OTHER, PERSON, "d" * 64]).items()}
        assert grades == {ORG: "A", OTHER: "C", PERSON: "B", "d" * 64: "B"}
        assert [e.list for e in credit.open_list_entries(conn, [ORG], TODAY)[ORG]] == ["red"]
        changes, leaves = _count(conn, credit_grade_changes), ledger.get_log(conn, "credit").size
    with engine.begin() as conn:
        assert credit.recompute_all(conn) == 0
    with engine.connect() as conn:
        assert _count(conn, credit_grade_changes) == changes and ledger.get_log(conn, "credit").size == leaves


def test_lists_follow_the_rules_over_time(engine: Engine) -> None:
    with engine.begin() as conn:
        credit.record_event(conn, ev("good.award", "major", source="credit", reference="J-1"))
        credit.record_event(conn, ev("good.clean_inspection", "major", reference="J-2"))
    with engine.connect() as conn:
        [red] = credit.open_list_entries(conn, [ORG], TODAY)[ORG]
        assert (red.list, red.rule) == ("red", "red.grade_a_clean")
    with engine.begin() as conn:  # a minor violation: still A, but no longer clean
        credit.record_event(conn, ev("rental.unfiled_lease", "minor", reference="J-3"))
    with engine.connect() as conn:
        assert credit.current_grades(conn, [ORG])[ORG].grade == "A"
        assert credit.open_list_entries(conn, [ORG], TODAY) == {}
        exited = conn.execute(select(credit_list_entries)).one()
        assert exited.exited_on == TODAY and exited.rule == "red.grade_a_clean"
    # years later everything has decayed and expired: B, on no list
    later = TODAY.replace(year=2030)
    with engine.begin() as conn:
        assert credit.recompute(conn, [ORG], on=later) == 1
    with engine.connect() as conn:
        g = credit.current_grades(conn, [ORG])[ORG]
        assert (g.grade, g.as_of, g.events, g.edition) == ("B", later, 0, "nj-sample-2026")
        [last] = credit.grade_history(conn, ORG, limit=1).items
        assert (last.from_grade, last.to_grade, last.cause, last.valid_from) == ("A", "B", "edition", later)


def test_the_command_line_recomputes_and_explains_a_grade(
    engine: Engine, settings_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from anju.cli import main

    settings = settings_for(engine)
    for name in ("database_url", "data_dir", "data_keys", "index_key", "environment"):
        value = getattr(settings, name)
        value = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        monkeypatch.setenv(f"ANJU_{name.upper()}", str(value))
    with engine.begin() as conn:
        credit.record_event(conn, ev("rental.escrow_breach", "serious", subject_type="agency"))
        conn.execute(credit_grades.delete())
    r = CliRunner().invoke(main, ["credit", "recompute", "--on", "2026-03-02"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output.strip().splitlines()[-1])
    assert (out["changed"], out["edition"], out["sample"]) == (1, "nj-sample-2024", True)
    with engine.connect() as conn:
        sid = conn.execute(select(credit_subjects.c.id)).scalar_one()
    r = CliRunner().invoke(main, ["credit", "grade", str(sid), "--on", "2026-03-02"])
    assert r.exit_code == 0, r.output
    shown = json.loads(r.output.strip().splitlines()[-1])
    assert shown["grade"] == "C" and shown["score"] == 70 and shown["events"][0]["status"] == "counted"
    assert CliRunner().invoke(main, ["credit", "grade", "999999"]).exit_code == 1


def test_a_bad_subject_type_is_refused_and_nothing_is_written(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(ValidationError) as e:
        credit.record_event(conn, ev("rental.sublet", "major", subject_type="martian"))
    assert e.value.errors[0].field == "subject_type"
    with engine.connect() as conn:
        assert _count(conn, credit_subjects) == 0 and _count(conn, credit_grades) == 0


def test_a_bulk_run_rewrites_the_rows_decay_moved_and_dates_the_others(engine: Engine) -> None:
    now = clock.now()
    with engine.begin() as conn:  # 300 subjects (more than a small write): 250 with a decaying event
        bidxs = [f"{i:064x}" for i in range(300)]
        conn.execute(
            credit_subjects.insert(),
            [{"subject_bidx": b, "subject_kind": "org", "kind": "agency", "links": "[]", "first_seen_at": now,
              "updated_at": now} for b in bidxs],
        )  # fmt: skip
        conn.execute(
            credit.credit_events.insert(),
            [{"subject_kind": "org", "subject_bidx": b, "source": "rental", "kind": "rental.false_listing",
              "severity": "major", "occurred_on": TODAY, "reference": f"F-{i}", "detail": "{}", "recorded_at": now}
             for i, b in enumerate(bidxs[:250])],
        )  # fmt: skip
    with engine.begin() as conn:
        assert credit.recompute_all(conn) == 300
    with engine.connect() as conn:
        first = credit.current_grades(conn, bidxs)
        assert {g.score_centi for b, g in first.items() if b in bidxs[:250]} == {8200}
        assert _count(conn, credit_grade_changes) == 300
    later = TODAY + timedelta(days=73)
    with engine.begin() as conn:
        assert credit.recompute_all(conn, on=later) == 250  # decay moved the 250 scores, no grade
    with engine.connect() as conn:
        after = credit.current_grades(conn, bidxs)
        assert len(after) == 300 and {g.as_of for g in after.values()} == {later}
        assert {g.score_centi for b, g in after.items() if b in bidxs[:250]} == {8280}
        assert _count(conn, credit_grade_changes) == 300 and _count(conn, credit_grades) == 300
