"""Pure parts of the registry feeds: the owners of a home over valid time computed from its
registrations (``registry.feeds.timeline``) and the cached resident-ID check (``registry.feeds.parse``)."""

from __future__ import annotations

import random
from datetime import date

import pytest
from stdnum.cn import ric

from anju.core.errors import ValidationError
from anju.registry.feeds.parse import _resident_id
from anju.registry.feeds.timeline import BaseRow, Event, Owner, Row, diff, timeline
from anju.security import resident_id

A = Owner("person", "a", b"ia", b"na", 100)
B = Owner("person", "b", b"ib", b"nb", 60)
C = Owner("org", "c", b"ic", b"nc", 40)


def periods(rows: list[Row]) -> list[tuple[str, date, date | None]]:
    return sorted((r.owner.bidx, r.acquired_on, r.released_on) for r in rows)


def test_each_registration_holds_until_the_next_and_closes_other_writers_rows():
    base = [BaseRow(7, A, date(2010, 1, 1), None)]
    events = [Event(2, date(2022, 1, 1), 2, (B, C)), Event(1, date(2015, 1, 1), 1, (A,))]
    rows = timeline(base, events)
    assert periods(rows) == [
        ("a", date(2010, 1, 1), date(2015, 1, 1)),  # the base row, closed by the first registration
        ("a", date(2015, 1, 1), date(2022, 1, 1)),
        ("b", date(2022, 1, 1), None),
        ("c", date(2022, 1, 1), None),
    ]
    assert next(r for r in rows if r.registration_id is None).origin_id == 7


def test_a_later_record_of_the_same_day_wins_and_a_base_row_ended_before_any_record_stays():
    base = [BaseRow(7, A, date(2000, 1, 1), date(2005, 1, 1))]
    events = [Event(1, date(2020, 1, 1), 1, (A,)), Event(2, date(2020, 1, 1), 2, (B, C))]
    assert periods(timeline(base, events)) == [
        ("a", date(2000, 1, 1), date(2005, 1, 1)),
        ("a", date(2020, 1, 1), date(2020, 1, 1)),  # overridden on its own day: zero-length, read by nobody
        ("b", date(2020, 1, 1), None),
        ("c", date(2020, 1, 1), None),
    ]


def test_diff_keeps_equal_rows_supersedes_the_rest_and_records_what_is_missing():
    keep = Row(A, date(2015, 1, 1), None, 1, None)
    old = Row(B, date(2022, 1, 1), None, 2, None)
    new = Row(C, date(2021, 1, 1), None, 3, None)
    closed = Row(A, date(2015, 1, 1), date(2021, 1, 1), 1, None)
    supersede, record = diff([(10, keep), (11, old)], [closed, new])
    assert supersede == [10, 11] and record == [closed, new]
    assert diff([(10, keep)], [keep]) == ([], [])


def test_the_cached_resident_id_check_agrees_with_python_stdnum_and_the_platform_validator():
    rng = random.Random(5)
    regions = ["110105", "320102", "320111", "999999", "320100", "440300"]
    for _ in range(3000):
        born = f"{rng.randint(1940, 2030)}{rng.randint(1, 13):02d}{rng.randint(1, 31):02d}"
        body = f"{rng.choice(regions)}{born}{rng.randint(0, 999):03d}"
        number = body + (ric.calc_check_digit(body + "0") if rng.random() < 0.8 else rng.choice("0123456789X"))
        if ric.is_valid(number):
            assert _resident_id(number) == resident_id(number) == number
        else:
            with pytest.raises(ValidationError):
                _resident_id(number)
    assert _resident_id(" 11010519491231002x ") == "11010519491231002X"
    body = "32019219710718104"  # python-stdnum itself fails on this region code (KeyError): refused, not a crash
    with pytest.raises(ValidationError):
        _resident_id(body + ric.calc_check_digit(body + "0"))
