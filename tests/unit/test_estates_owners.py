"""The owners' votes' pure rules: art. 278 ``decide`` exactly at its edges (2/3, 3/4, 1/2, area and
owners each), the ballot commitment, and the tally file's check (``verify_publication``)."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest

from anju.estates import decide
from anju.estates.owners_orgs import negative_kinds
from anju.estates.owners_tally import FORMAT, commitment, commitments_hash, totals, verify_publication

D = Decimal


def run(matter: str, po: int, pa: str, yo: int, ya: str, eo: int = 300, ea: str = "30000") -> tuple[bool, bool]:
    o = decide(matter, electorate_owners=eo, electorate_area=D(ea), participated_owners=po, participated_area=D(pa),
               yes_owners=yo, yes_area=D(ya))  # fmt: skip
    return o.quorum_met, o.passed


def test_quorum_is_two_thirds_of_the_area_and_of_the_owners_inclusive() -> None:
    assert run("rules", 200, "20000", 200, "20000") == (True, True)  # exactly 2/3 of both
    assert run("rules", 199, "20000", 199, "20000") == (False, False)  # one owner short
    assert run("rules", 200, "19999.99", 200, "19999.99") == (False, False)  # one hundredth of a m² short
    assert run("rules", 0, "0", 0, "0") == (False, False)
    assert run("rules", 0, "0", 0, "0", eo=0, ea="0") == (False, False)  # no electorate


def test_special_matters_need_three_quarters_of_both_inclusive() -> None:
    # 240 owners / 24000 m² take part; 3/4 is 180 owners and 18000 m²
    assert run("raise_fund", 240, "24000", 180, "18000") == (True, True)
    assert run("rebuild", 240, "24000", 179, "18000") == (True, False)
    assert run("change_use", 240, "24000", 180, "17999.99") == (True, False)


def test_ordinary_matters_need_more_than_half_of_both() -> None:
    assert run("use_fund", 240, "24000", 120, "12000.01") == (True, False)  # exactly half the owners
    assert run("hire_company", 240, "24000", 121, "12000") == (True, False)  # exactly half the area
    assert run("hire_company", 240, "24000", 121, "12000.01") == (True, True)
    assert run("committee", 240, "24000", 240, "24000") == (True, True)


def test_the_commitment_is_sha256_of_vote_choice_and_nonce() -> None:
    want = hashlib.sha256(b"BJ20261207ABC123|yes|00ff").hexdigest()
    assert commitment("BJ20261207ABC123", "yes", "00ff") == want
    assert commitment("BJ20261207ABC123", "no", "00ff") != want
    assert commitments_hash(["a", "b"]) == hashlib.sha256(b"a\nb").hexdigest()


def publication(choices: list[tuple[str, str]], eo: int = 4, ea: str = "400") -> dict[str, Any]:
    vote = "BJ20261207TEST01"
    ballots = [
        {"commitment": commitment(vote, c, f"n{i}"), "choice": c, "nonce": f"n{i}", "area": a}
        for i, (c, a) in enumerate(choices)
    ]
    t = totals([(c, D(a)) for c, a in choices])
    o = decide("hire_company", electorate_owners=eo, electorate_area=D(ea),
               participated_owners=t["participated_owners"], participated_area=t["participated_area"],
               yes_owners=t["yes_owners"], yes_area=t["yes_area"])  # fmt: skip
    return {
        "format": FORMAT, "vote_no": vote, "matter": "hire_company", "electorate_owners": eo, "electorate_area": ea,
        "ballots": ballots, "commitments_hash": commitments_hash([b["commitment"] for b in ballots]),
        "totals": {k: str(v) if isinstance(v, Decimal) else v for k, v in t.items()},
        "outcome": {"quorum_met": o.quorum_met, "passed": o.passed},
    }  # fmt: skip


def test_a_true_tally_file_verifies() -> None:
    doc = publication([("yes", "100.50"), ("yes", "90"), ("no", "110")])
    r = verify_publication(doc)
    assert r.ok and r.ballots == 3
    assert doc["outcome"] == {"quorum_met": True, "passed": True}


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda d: d["ballots"][2].update(choice="yes"), "ballots[2]: 承诺值与选择和随机数不符"),
        (lambda d: d["ballots"].pop(), "commitments_hash"),
        (lambda d: d["totals"].update(yes_area="999"), "totals.yes_area"),
        (lambda d: d["outcome"].update(passed=False), "outcome"),
        (lambda d: d["ballots"][0].update(area="300"), "totals.yes_area"),
        (lambda d: d.update(electorate_owners=6), "outcome"),  # 3 of 6 owners: no quorum
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d["ballots"].append(dict(d["ballots"][0])), "承诺值重复"),
    ],
)
def test_a_tampered_tally_file_is_caught(tamper: Any, problem: str) -> None:
    doc = publication([("yes", "100.50"), ("yes", "90"), ("no", "110")])
    tamper(doc)
    r = verify_publication(doc)
    assert not r.ok and any(problem in p for p in r.problems), r.problems


def test_the_negative_list_is_data() -> None:
    kinds = negative_kinds()
    assert {"fund_misuse", "absence", "disclosure_failure"} <= set(kinds)
    assert all(k.applies_to in ("committee", "member", "both") and k.label for k in kinds.values())
