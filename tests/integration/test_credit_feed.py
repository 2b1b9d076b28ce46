"""Other departments' records as credit events (``credit.department_records``), on both databases: a
batch with good and bad rows (the bad dead-lettered naming the field), re-delivery idempotent, the
subject's ID never stored in clear, an unknown withdrawal refused, a withdrawal voiding its event
through the grades engine (more in tests/integration/test_credit_sources_engine.py)."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from anju import exchange
from anju.core import clock
from anju.credit import credit_events
from anju.credit.tables import credit_event_amendments, credit_grades
from anju.exchange.tables import feed_dead_letters
from anju.security import Caller, keyring_from_settings
from tests import rental_builders as rb
from tests.credit_support import assert_event, events_of

DATASET = "credit.department_records"


def rec(**over: Any) -> dict[str, Any]:
    day = (clock.today() - timedelta(days=3)).isoformat()
    base = {"action": "add", "kind": "court.dishonest_debtor", "case_no": "(2026)苏01执100号",
            "subject_type": "developer", "credit_code": rb.credit_code(7001), "id_number": "", "severity": "",
            "occurred_on": day, "expires_on": "", "department": "南京市中级人民法院"}  # fmt: skip
    return base | over


def load(engine: Engine, settings: Any, rows: list[dict[str, Any]]) -> exchange.BatchResult:
    return exchange.load_feed(engine, settings, DATASET, rows, caller=Caller.system("test"), channel="api")


def test_a_batch_records_good_rows_and_dead_letters_bad_ones_by_field(city_engine: Engine, settings_for: Any) -> None:
    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    person_id = rb.resident_id(7002)
    rows = [
        rec(),
        rec(
            kind="tax.major_violation",
            case_no="宁税稽罚〔2026〕12号",
            subject_type="practitioner",
            credit_code="",
            id_number=person_id,
            severity="major",
            department="国家税务总局南京市税务局",
        ),
        rec(
            kind="good.award",
            case_no="宁建奖〔2026〕3号",
            credit_code=rb.credit_code(7003),
            department="市住房保障和房产局",
        ),
        rec(case_no="BAD-1", subject_type="developer", credit_code="", id_number=rb.resident_id(7004)),  # org by ID
        rec(case_no="BAD-2", credit_code="91320100MA0000000X"),  # a bad check character
        rec(case_no="BAD-3", expires_on=(clock.today() - timedelta(days=5)).isoformat()),  # ends before it began
        rec(case_no="BAD-4", kind="rental.false_listing"),  # not a department's kind
        rec(case_no="BAD-5", action="withdraw"),  # nothing to withdraw
    ]
    r = load(city_engine, settings, rows)
    assert r.status == "done", r.error
    assert (r.received, r.accepted, r.rejected) == (8, 3, 5)
    fields = {x.seq: x.field for x in r.rejections}
    assert fields == {4: "credit_code", 5: "credit_code", 6: "expires_on", 7: "kind", 8: "case_no"}
    org = kr.blind_index(rb.credit_code(7001), "credit_code")
    person = kr.blind_index(person_id, "id_number")
    with city_engine.connect() as conn:
        (ev,) = events_of(conn, org)
        assert_event(conn, ev, bidx=org, kind="court.dishonest_debtor", severity="serious",
                     reference="(2026)苏01执100号", source="department")  # fmt: skip
        assert ev.subject_kind == "org" and json.loads(ev.detail)["department"] == "南京市中级人民法院"
        (pev,) = events_of(conn, person)
        assert_event(conn, pev, bidx=person, kind="tax.major_violation", severity="major",
                     reference="宁税稽罚〔2026〕12号", source="department")  # fmt: skip
        assert pev.subject_kind == "person"
        # the three events were one log batch: consecutive leaves
        idx = sorted(int(e.ledger_index) for e in conn.execute(select(credit_events.c.ledger_index)))
        assert idx[-3:] == list(range(idx[-3], idx[-3] + 3))
        # the ID number is nowhere in clear: not in events, not in dead letters' plain record
        for row in conn.execute(select(credit_events.c.detail, credit_events.c.reference)):
            assert person_id not in (row.detail + row.reference)
        letters = conn.execute(select(feed_dead_letters).where(feed_dead_letters.c.dataset == DATASET)).all()
        assert len(letters) == 5 and all(rb.resident_id(7004) not in x.record for x in letters)
        reasons = {x.seq: json.loads(x.rejections)[0]["field"] for x in letters}
        assert reasons == fields
    # the same batch again: nothing new (the accepted rows are duplicates, the bad ones refused again)
    again = load(city_engine, settings, rows[:3])
    assert (again.accepted, again.duplicate) == (0, 3)
    # the same case number with other content is refused, naming the case number
    changed = load(city_engine, settings, [rec(severity="minor")])
    assert changed.rejected == 1 and changed.rejections[0].field == "case_no"
    with city_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(credit_events)).scalar_one() == 3


def sample_rows() -> list[dict[str, str]]:
    path = Path(__file__).resolve().parents[2] / "docs" / "credit-department-records.sample.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_documented_sample_file_loads(city_engine: Engine, settings_for: Any) -> None:
    rows = sample_rows()
    assert all("合成示例" in r["说明"] for r in rows)  # labelled synthetic
    adds = [r for r in rows if r["action"] == "add"]
    r = load(city_engine, settings_for(city_engine), adds)
    assert (r.accepted, r.rejected) == (len(adds), 0), r.rejections


def test_a_withdrawal_asks_the_engine_to_void_the_event(city_engine: Engine, settings_for: Any) -> None:
    """The handler's side of a withdrawal, with the real grades engine: the add and its withdrawal in one
    batch (add first, then void) leave the event voided by an amendment naming the department, and the
    subject graded as if it had never been recorded (more in test_credit_sources_engine.py)."""
    settings = settings_for(city_engine)
    rows = [rec(), rec(action="withdraw", occurred_on=clock.today().isoformat())]
    r = load(city_engine, settings, rows)
    assert (r.accepted, r.rejected) == (2, 0), r.rejections
    with city_engine.connect() as conn:
        (ev,) = conn.execute(select(credit_events)).all()
        (am,) = conn.execute(select(credit_event_amendments)).all()
        grade = conn.execute(select(credit_grades).where(credit_grades.c.subject_bidx == ev.subject_bidx)).one()
    assert (am.event_id, am.kind, am.effective_on, am.reference) == (ev.id, "void", ev.occurred_on, ev.reference)
    assert am.recorded_by.startswith("feed:") and "南京市中级人民法院撤回" in am.reason
    assert grade.events == 0  # the voided event no longer counts
