"""The pure credit assessment and the scoring model's loader: no database."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from anju.credit import scoring
from anju.credit.assessment import EventFact, add_months, assess, fmt_points
from anju.credit.catalogue import catalogue
from anju.credit.scoring import Edition, ScoringError, edition_from_dict, load_editions

ON = date(2025, 1, 1)
SAMPLE = scoring.scoring_path("320100")


def _raw(**over: Any) -> dict[str, Any]:
    raw: dict[str, Any] = dict(tomllib.loads(SAMPLE.read_text(encoding="utf-8"))["edition"][0])
    raw.update(over)
    return raw


def edition(**over: Any) -> Edition:
    return edition_from_dict(_raw(**over), catalogue().kinds)


def ev(i: int, kind: str, on: date, severity: str = "major", **kw: Any) -> EventFact:
    return EventFact(i, kind, severity, on, **kw)


def test_the_sample_loads_with_a_rule_for_every_kind_and_a_later_edition_extending_the_first() -> None:
    eds = scoring.editions("320100")
    assert [e.code for e in eds] == ["nj-sample-2024", "nj-sample-2026"]
    assert set(eds[0].kinds) == set(catalogue().kinds)
    later = eds[1]
    assert later.kinds["rental.false_listing"].points_centi == -1000
    assert later.kinds["rental.arrears"] == eds[0].kinds["rental.arrears"]  # inherited
    assert later.lists == eds[0].lists and later.scale("org").grade(8400) == "C"
    assert scoring.edition_on(date(2026, 6, 30), "320100").code == "nj-sample-2024"
    assert scoring.edition_on(date(2026, 7, 1), "320100").code == "nj-sample-2026"
    assert scoring.edition_on(date(2000, 1, 1), "320100").code == "nj-sample-2024"  # before the first: the first


def test_no_events_is_the_base_score_and_its_grade() -> None:
    a = assess(edition(), "org", [], ON)
    assert (a.score_centi, a.grade, a.events, a.lines, a.lists) == (9000, "B", 0, (), ())


@pytest.mark.parametrize(
    ("score", "grade"), [(9500, "A"), (9499, "B"), (8000, "B"), (7999, "C"), (6000, "C"), (5999, "D"), (0, "D")]
)
def test_thresholds_at_the_boundaries(score: int, grade: str) -> None:
    assert edition().scale("org").grade(score) == grade


def test_severity_factor_and_linear_decay_to_zero() -> None:
    e = edition()  # rental.false_listing: -8 points, decay over 24 months, expiry 36
    occurred = date(2023, 1, 1)
    fresh = assess(e, "org", [ev(1, "rental.false_listing", occurred, "serious")], occurred)
    assert fresh.lines[0].points_centi == -1600 and fresh.lines[0].decayed_centi == -1600
    assert fresh.score_centi == 7400 and fresh.grade == "C"
    half = (add_months(occurred, 24) - occurred).days // 2
    mid = assess(
        e, "org", [ev(1, "rental.false_listing", occurred, "minor")], date.fromordinal(occurred.toordinal() + half)
    )
    assert mid.lines[0].points_centi == -400 and mid.lines[0].decayed_centi == -200
    assert "随时间衰减后 -2.00 分" in mid.lines[0].note()
    gone = assess(e, "org", [ev(1, "rental.false_listing", occurred)], add_months(occurred, 24))
    assert gone.lines[0].status == "counted" and gone.lines[0].counted_centi == 0 and gone.score_centi == 9000


def test_expiry_by_the_edition_and_by_the_events_own_date() -> None:
    e = edition()
    occurred = date(2021, 3, 31)
    lasting = ev(1, "rental.forced_eviction", occurred, "serious")  # no decay, expiry 60 months
    assert assess(e, "org", [lasting], date(2026, 3, 30)).lines[0].status == "counted"
    assert assess(e, "org", [lasting], date(2026, 3, 31)).lines[0].status == "expired"
    banned = ev(2, "rental.forced_eviction", occurred, "serious", expires_on=date(2022, 1, 1))
    lines = assess(e, "org", [banned], date(2022, 1, 1)).lines
    assert lines[0].status == "expired" and lines[0].note() == "已过有效期，不再计入"


def test_voided_repaired_not_yet_and_unknown_kinds_do_not_count() -> None:
    e = edition()
    events = [
        ev(1, "rental.sublet", date(2024, 6, 1), amendment="void", amended_on=date(2024, 6, 1)),
        ev(2, "rental.sublet", date(2024, 6, 1), amendment="repair", amended_on=date(2024, 12, 1)),
        ev(3, "rental.sublet", date(2025, 2, 1)),
        ev(4, "filing_revoked", date(2024, 6, 1)),
    ]
    a = assess(e, "org", events, ON)
    assert [ln.status for ln in a.lines] == ["voided", "repaired", "no_rule", "not_yet"]
    assert a.score_centi == 9000 and a.events == 0
    # before the repair took effect the repaired event counted
    before = assess(e, "org", events, date(2024, 11, 30))
    assert [ln.status for ln in before.lines][:2] == ["voided", "counted"]


def test_a_kinds_cap_limits_its_events_in_order_of_occurrence() -> None:
    e = edition()  # rental.arrears: -6 (major), cap 18
    events = [ev(i, "rental.arrears", date(2024, 12, 5)) for i in range(1, 5)]
    a = assess(e, "org", events, date(2024, 12, 5))
    counted = [ln.counted_centi for ln in a.lines]
    assert sum(counted) == -1800 and a.lines[-1].capped and a.lines[-1].counted_centi == 0
    assert not a.lines[0].capped and "累计上限" in a.lines[-1].note()


def test_positive_events_raise_the_score_within_the_ceiling() -> None:
    e = edition(base=96)
    events = [ev(i, "good.award", ON, "major") for i in range(1, 4)]  # +6 each, cap 12
    a = assess(e, "org", events, ON)
    assert a.score_centi == 9600 + 1200 and a.grade == "A"
    high = edition(base=110)
    assert assess(high, "org", events, ON).score_centi == 12000  # the ceiling
    assert assess(high, "person", events, ON).score_centi == 11000  # the person group's ceiling


def test_the_floor_bounds_a_low_score() -> None:
    events = [ev(i, kind, ON, "serious") for i, kind in enumerate(catalogue().kinds) if "good." not in kind]
    a = assess(edition(), "org", events, ON)
    assert a.score_centi == 0 and a.grade == "D"


def test_list_rules_black_by_grade_or_by_event_and_red_when_clean() -> None:
    e = edition()
    debtor = assess(e, "org", [ev(1, "court.dishonest_debtor", ON, "serious")], ON)
    assert debtor.grade == "C" and [(m.list, m.rule) for m in debtor.lists] == [("black", "black.serious_record")]
    minor_debtor = assess(e, "org", [ev(1, "court.dishonest_debtor", ON, "major")], ON)
    assert minor_debtor.lists == ()  # the rule asks for a serious one
    clean = assess(e, "org", [ev(1, "good.award", ON)], ON)
    assert [(m.list, m.rule) for m in clean.lists] == [("red", "red.grade_a_clean")]
    assert assess(e, "person", [ev(1, "good.award", ON)], ON).lists == ()  # the red rule is for organisations
    # a minor violation 20 months ago (decayed, still grade A) keeps a subject off the red list
    award = ev(9, "good.award", ON)
    old = assess(e, "org", [ev(1, "rental.unfiled_lease", add_months(ON, -20), "minor"), award], ON)
    assert old.grade == "A" and old.on_list("red") is None
    older = assess(e, "org", [ev(1, "rental.unfiled_lease", add_months(ON, -25), "minor"), award], ON)
    assert older.lines[0].status == "expired" and older.on_list("red") is not None
    ruined = [
        ev(i, k, ON, "serious") for i, k in enumerate(["rental.escrow_breach", "rental.sublet", "tax.major_violation"])
    ]
    d = assess(e, "org", ruined, ON)
    assert d.grade == "D" and d.on_list("black") is not None and d.on_list("black").rule == "black.grade_d"  # type: ignore[union-attr]


def test_assessment_is_deterministic_and_its_explanation_names_every_event() -> None:
    e = edition()
    events = [ev(2, "rental.arrears", date(2024, 5, 1)), ev(1, "good.award", date(2024, 5, 1))]
    a, b = assess(e, "org", events, ON), assess(e, "org", list(reversed(events)), ON)
    assert a == b and a.explanation() == b.explanation()
    assert [ln.event_id for ln in a.lines] == [1, 2] and '"rental.arrears"' in a.explanation()
    assert fmt_points(-1234) == "-12.34" and fmt_points(5) == "+0.05" and fmt_points(0) == "0.00"


def test_action_rules_say_which_list_or_grade_bars_or_rewards_an_action() -> None:
    e = edition()
    publish = e.action_rules("rental.listing.publish")
    assert [r.code for r in publish] == ["black_bars_all", "grade_d_bars_market", "red_skips_review"]
    [skip] = e.action_rules("rental.listing.publish", "incentive")
    assert skip.incentive == "skip_manual_review" and skip.applies("A", {"red"}) and not skip.applies("A", set())
    assert not skip.applies("A", {"red"}, "person")  # the red-list incentive is for organisations
    [d] = e.action_rules("rental.lease.file", "restrict")[1:]
    assert d.covers("rental.lease.file", "org") and not d.covers("rental.lease.file", "person")
    assert [r.code for r in e.action_rules("assistance.eligibility")] == ["black_bars_all"]  # "*": every action


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"grades": {"A": 95, "B": 96, "C": 60, "D": 0}}, "edition[nj-sample-2024].grades: 各等级最低分应依次递减"),
        ({"grades": {"A": 95, "B": 80, "C": 60}}, "edition[nj-sample-2024].grades: 应依次给出"),
        ({"base": 130}, "edition[nj-sample-2024].base"),
        ({"effective_from": "2024"}, "edition[nj-sample-2024].effective_from"),
        ({"severity": {"minor": 1}}, "edition[nj-sample-2024].severity"),
        ({"lists": [{"code": "x", "list": "grey", "label": "x", "grades": ["D"]}]}, "lists[0].list"),
        ({"actions": [{"code": "x", "effect": "restrict", "actions": ["nope"], "lists": ["black"], "title": "x"}]},
         "actions[0].actions: 未知的取值 nope"),
        ({"actions": [{"code": "x", "effect": "incentive", "actions": ["*"], "lists": ["red"], "title": "x"}]},
         "actions[0].incentive"),
        ({"actions": [{"code": "x", "effect": "restrict", "actions": ["*"], "lists": ["black"]}]}, "actions[0].title"),
        ({"actions": [{"code": "x", "effect": "restrict", "actions": ["*"], "title": "x"}]},
         "至少给出 lists 或 grades"),
        ({"actions": [{"code": "x", "effect": "restrict", "actions": ["*"], "lists": ["black"], "title": "x",
                       "subject_kinds": ["firm"]}]}, "actions[0].subject_kinds"),
    ],
)  # fmt: skip
def test_a_bad_edition_is_refused_naming_the_edition_and_the_field(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ScoringError) as e:
        edition(**over)
    assert message in str(e.value)


def test_kind_rules_are_checked_against_the_catalogue() -> None:
    raw = _raw()
    kinds = dict(raw["kinds"])
    kinds["rental.false_listing"] = {"points": 8}
    with pytest.raises(ScoringError, match=r"kinds.rental.false_listing.points: 应为负数"):
        edition(kinds=kinds)
    del kinds["rental.false_listing"]
    with pytest.raises(ScoringError, match=r"缺少事件类型 rental\.false_listing"):
        edition(kinds=kinds)
    with pytest.raises(ScoringError, match=r"kinds.no.such: 事件目录中没有"):
        edition(kinds={**raw["kinds"], "no.such": {"points": -1}})
    bad = {**raw["kinds"], "rental.party_revoked": {"points": -25, "repair_after_months": 6}}
    with pytest.raises(ScoringError, match="repair_after_months: 未知的字段"):  # repair periods: repair.toml
        edition(kinds=bad)


def test_an_edition_extending_an_unknown_one_is_refused(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace('extends = "nj-sample-2024"', 'extends = "nope"')
    path = tmp_path / "scoring.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScoringError, match=r"edition\[nj-sample-2026\].extends"):
        load_editions(path, catalogue().kinds)


def test_the_hand_formatted_explanation_is_the_json_of_its_lines() -> None:
    e = edition()
    events = [ev(1, "rental.arrears", date(2024, 5, 1)), ev(2, 'odd"kind', date(2024, 5, 2)), ev(3, "good.award", ON)]
    a = assess(e, "org", events, ON)
    expected = {
        "edition": a.edition, "base_centi": a.base_centi, "score_centi": a.score_centi, "grade": a.grade,
        "lists": [[m.list, m.rule] for m in a.lists],
        "lines": [[*ln[:3], ln[3].isoformat(), *ln[4:]] for ln in a.lines],
    }  # fmt: skip
    assert json.loads(a.explanation()) == expected
    assert a.explanation() == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
