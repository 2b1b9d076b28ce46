"""Fixes of the credit review (findings 5, 6, 9, 11, 7): the public page shows sanctions only in their
publicity period; the synthetic-data probe uses the reference index; one open case (objection or
repair) per event; hand-recorded events carry a signed subject token, not a bare blind index; the
credit report is bounded and reads the log set-wise."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text

from anju import credit
from anju.core import clock
from anju.credit import public
from anju.credit.assessment import add_months
from anju.credit.tables import credit_subjects
from tests.credit_inspection_builders import subject


def _org(engine: Engine) -> tuple[str, str]:
    with engine.begin() as conn:
        sid = subject(conn, "agency", None, None, tag="review")
        row = conn.execute(select(credit_subjects).where(credit_subjects.c.id == sid)).one()
    return row.subject_bidx, row.credit_code


def _event(conn: Any, bidx: str, kind: str, occurred_on: date, ref: str, **kw: Any) -> int:
    return credit.record_event(
        conn,
        credit.Event("org", bidx, "rental", kind, kw.pop("severity", "major"), occurred_on, ref, **kw),
    )


def test_the_public_page_shows_sanctions_only_in_their_publicity_period(city_engine: Engine) -> None:
    bidx, code = _org(city_engine)
    today = clock.today()
    with city_engine.begin() as conn:
        shown = _event(conn, bidx, "rental.false_listing", today - timedelta(days=30), "P-SHOWN")
        repair_later = _event(conn, bidx, "rental.false_listing", today - timedelta(days=60), "P-LATER")
        repaired = _event(conn, bidx, "rental.false_listing", today - timedelta(days=90), "P-REPAIRED")
        voided = _event(conn, bidx, "rental.false_listing", today - timedelta(days=100), "P-VOID")
        _event(conn, bidx, "rental.false_listing", add_months(today, -37), "P-PAST-EXPIRY")  # expiry_months 36
        _event(conn, bidx, "rental.arrears", today - timedelta(days=20), "P-ENDED", expires_on=today)
        _event(conn, bidx, "rental.false_listing", today + timedelta(days=5), "P-FUTURE")
        _event(conn, bidx, "good.clean_inspection", today - timedelta(days=10), "P-GOOD", severity="minor")
        for ev, kind, on in (
            (repaired, "repair", today),
            (voided, "void", today),
            (repair_later, "repair", today + timedelta(days=3)),
        ):
            credit.amend_event(conn, ev, kind, effective_on=on, reason="测试", reference=f"R-{ev}", by="t")
    with city_engine.connect() as conn:
        page = public.public_sanctions(conn, code, limit=50, offset=0)
    assert [s["reference"] for s in page.items] == ["P-SHOWN", "P-LATER"]
    assert page.total == 2
    assert shown


@pytest.mark.parametrize("months", [1, 12, 36])
def test_the_publicity_period_ends_where_the_scoring_expiry_does(months: int) -> None:
    for on in (date(2026, 3, 31), date(2026, 2, 28), date(2024, 2, 29), date(2026, 12, 7)):
        cut = public.published_since(on, months)
        for d in (cut - timedelta(days=2), cut, cut + timedelta(days=1), cut + timedelta(days=2)):
            expired = on >= add_months(d, months)  # assessment._status
            assert expired == (d <= cut), (on, months, d)


def test_synthetic_probe_uses_the_reference_index(city_engine: Engine) -> None:
    with city_engine.connect() as conn:
        assert public.synthetic(conn) is False
        names = {i["name"] for i in inspect(conn).get_indexes("credit_events")}
        assert "ix_credit_events_reference" in names
        if conn.dialect.name == "sqlite":
            plan = " ".join(
                str(r[-1])
                for r in conn.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT id FROM credit_events"
                        " WHERE reference >= 'SYN-' AND reference < 'SYN.' LIMIT 1"
                    )
                )
            )
        else:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(
                str(r[0])
                for r in conn.execute(text("EXPLAIN SELECT id FROM credit_events WHERE reference LIKE 'SYN-%' LIMIT 1"))
            )
        assert "ix_credit_events_reference" in plan, plan
    bidx, _ = _org(city_engine)
    with city_engine.begin() as conn:
        _event(conn, bidx, "rental.false_listing", clock.today(), "SYN-CE-00000001")
    with city_engine.connect() as conn:
        assert public.synthetic(conn) is True


def test_a_subject_token_is_sealed_bound_to_the_officer_and_expires(monkeypatch: pytest.MonkeyPatch) -> None:

    from anju.core.errors import ValidationError
    from anju.credit import manual
    from anju.security import Caller
    from anju.security.crypto import Keyring

    kr = Keyring({1: b"k" * 16}, 1, b"i" * 32)
    me, other = Caller.system("me"), Caller.system("other")
    bidx = kr.blind_index("320102198001010011", "id_number")
    token = manual.subject_token(kr, me, "practitioner", bidx)
    assert bidx not in token
    assert manual._from_token(kr, me, "practitioner", token) == bidx
    for who, kind, tok in ((other, "practitioner", token), (me, "household", token), (me, "practitioner", bidx)):
        with pytest.raises(ValidationError) as ei:
            manual._from_token(kr, who, kind, tok)
        assert ei.value.errors[0].field == "id_number"
    later = clock.now() + timedelta(seconds=manual.TOKEN_SECONDS + 5)
    monkeypatch.setattr(clock, "now", lambda: later)
    with pytest.raises(ValidationError):
        manual._from_token(kr, me, "practitioner", token)


def test_the_report_is_bounded_and_reads_the_log_set_wise(city_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import event

    from anju import ledger
    from anju.credit import report
    from anju.credit.casework import Subject
    from anju.ledger import verify

    monkeypatch.setattr(report, "MAX_EVENTS", 5)
    signer = ledger.signer_from_seed("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    bidx, _ = _org(city_engine)
    me = Subject(bidx, "org", 0, "测试企业")
    today = clock.today()

    def add(n: int, start: int) -> None:
        with city_engine.begin() as conn:
            for i in range(start, start + n):
                _event(conn, bidx, "good.clean_inspection", today - timedelta(days=400 - i), f"R-{i}", severity="minor")

    def rep() -> tuple[Any, int]:
        statements: list[str] = []

        def seen(*a: Any) -> None:
            statements.append(a[2])

        event.listen(city_engine, "before_cursor_execute", seen)
        try:
            with city_engine.begin() as conn:
                out = report.report(conn, me, signer)
        finally:
            event.remove(city_engine, "before_cursor_execute", seen)
        return out, len(statements)

    add(8, 0)
    small, n_small = rep()
    add(30, 8)
    big, n_big = rep()
    assert small["events_total"] == 8 and big["events_total"] == 38
    assert [e["reference"] for e in big["events"]] == [f"R-{i}" for i in range(33, 38)]  # the latest, oldest first
    assert n_big <= n_small + 2, (n_small, n_big)  # not two ledger reads per leaf
    head = big["head"]
    events = [p for p in big["proofs"] if p["what"] == "event"]
    assert {p["ref"] for p in events} == {str(e["id"]) for e in big["events"]}
    for p in big["proofs"]:
        leaf = verify.leaf_hash(p["entry"].encode("utf-8"), head["algorithm"])
        assert leaf.hex() == p["leaf_hash"]
        proof = [bytes.fromhex(h) for h in p["proof"]]
        assert (
            verify.check_inclusion(
                leaf, p["index"], head["size"], proof, bytes.fromhex(head["root"]), head["algorithm"]
            )
            is None
        )
    assert len(big["proofs"]) <= 3 * 5 + 2 * 5  # events, grade changes and list entries, each bounded
