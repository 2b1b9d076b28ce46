"""Owners' votes, the pure part (no I/O): ballot commitments, the public tally file and its check.

A ballot's commitment is ``SHA-256("<vote_no>|<choice>|<nonce>")`` in lower-case hex; it is appended to
the verifiable log ``estates`` when the ballot is cast. When the vote is tallied the sealed ballots are
opened and the tally file is published: every commitment with its opened ``(choice, nonce)`` and the
weight (exclusive area) of the elector who cast it, the electorate, the totals and the outcome. Anyone
recomputes the commitments, the totals and the art. 278 outcome from that file alone
(:func:`verify_publication`, ``anju estates votes verify FILE``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from anju.estates.domain import CHOICES, MATTERS, decide

#: The tally file's format name (``format`` field).
FORMAT = "anju.estates.tally/1"


def commitment(vote_no: str, choice: str, nonce: str) -> str:
    """The ballot's commitment: SHA-256 of ``vote_no|choice|nonce`` (UTF-8), hex."""
    return hashlib.sha256(f"{vote_no}|{choice}|{nonce}".encode()).hexdigest()


def commitments_hash(commitments: Sequence[str]) -> str:
    """SHA-256 of the commitments in the order they were cast, one per line: what the log's tally
    entry names, so the file's list of ballots is the one the log holds."""
    return hashlib.sha256("\n".join(commitments).encode()).hexdigest()


class Totals(TypedDict):
    """Owners and exclusive area per choice, and the participation (every ballot cast)."""

    participated_owners: int
    participated_area: Decimal
    yes_owners: int
    yes_area: Decimal
    no_owners: int
    no_area: Decimal
    abstain_owners: int
    abstain_area: Decimal


def totals(opened: Sequence[tuple[str, Decimal]]) -> Totals:
    """Totals of opened ballots, each ``(choice, area)``: one owner per ballot."""
    t: dict[str, Any] = {f"{c}_{k}": (0 if k == "owners" else Decimal(0)) for c in CHOICES for k in ("owners", "area")}
    for choice, area in opened:
        t[f"{choice}_owners"] += 1
        t[f"{choice}_area"] += area
    return Totals(
        participated_owners=len(opened),
        participated_area=sum((a for _, a in opened), Decimal(0)),
        yes_owners=t["yes_owners"],
        yes_area=t["yes_area"],
        no_owners=t["no_owners"],
        no_area=t["no_area"],
        abstain_owners=t["abstain_owners"],
        abstain_area=t["abstain_area"],
    )


@dataclass
class VerifyReport:
    """What the check of a tally file found: ``problems`` empty means every number is recomputed."""

    ballots: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _dec(value: Any, where: str, report: VerifyReport) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        report.problems.append(f"{where}: 不是数字")
        return None


def _open_ballots(vote_no: str, ballots: Sequence[Mapping[str, Any]], r: VerifyReport) -> list[tuple[str, Decimal]]:
    """Each ballot's commitment recomputed; the (choice, area) of the well-formed ones."""
    opened: list[tuple[str, Decimal]] = []
    seen: set[str] = set()
    for i, b in enumerate(ballots):
        c, choice, nonce = str(b.get("commitment", "")), str(b.get("choice", "")), str(b.get("nonce", ""))
        if choice not in CHOICES:
            r.problems.append(f"ballots[{i}].choice: 无效的选择 {choice!r}")
            continue
        if commitment(vote_no, choice, nonce) != c:
            r.problems.append(f"ballots[{i}]: 承诺值与选择和随机数不符（{c[:12]}…）")
        if c in seen:
            r.problems.append(f"ballots[{i}]: 承诺值重复（{c[:12]}…）")
        seen.add(c)
        area = _dec(b.get("area"), f"ballots[{i}].area", r)
        if area is not None:
            opened.append((choice, area))
    return opened


def verify_publication(doc: Mapping[str, Any]) -> VerifyReport:
    """Recompute a tally file: each ballot's commitment from its opened choice and nonce, the
    commitments' hash, the totals per choice and the art. 278 outcome; report every mismatch."""
    r = VerifyReport()
    if doc.get("format") != FORMAT:
        r.problems.append(f"format: 应为 {FORMAT}")
        return r
    vote_no = str(doc.get("vote_no", ""))
    matter = str(doc.get("matter", ""))
    if matter not in MATTERS:
        r.problems.append(f"matter: 未知事项 {matter!r}")
        return r
    ballots = doc.get("ballots")
    if not isinstance(ballots, list):
        r.problems.append("ballots: 应为列表")
        return r
    opened = _open_ballots(vote_no, ballots, r)
    r.ballots = len(ballots)
    if doc.get("commitments_hash") != commitments_hash([str(b.get("commitment", "")) for b in ballots]):
        r.problems.append("commitments_hash: 与选票承诺列表不符")
    got = totals(opened)
    published = doc.get("totals") or {}
    for key, value in got.items():
        if key.endswith("_area"):
            pv = _dec(published.get(key), f"totals.{key}", r)
            same = pv is not None and pv == value
        else:
            same = published.get(key) == value
        if not same:
            r.problems.append(f"totals.{key}: 公布 {published.get(key)}，重算 {value}")
    eo = doc.get("electorate_owners")
    ea = _dec(doc.get("electorate_area"), "electorate_area", r)
    if not isinstance(eo, int) or ea is None:
        r.problems.append("electorate: 缺少表决权人总数或总面积")
        return r
    if got["participated_owners"] > eo or got["participated_area"] > ea:
        r.problems.append("ballots: 参与表决的人数或面积超过表决权人总数")
    o = decide(
        matter,
        electorate_owners=eo,
        electorate_area=ea,
        participated_owners=got["participated_owners"],
        participated_area=got["participated_area"],
        yes_owners=got["yes_owners"],
        yes_area=got["yes_area"],
    )
    outcome = doc.get("outcome") or {}
    if outcome.get("quorum_met") != o.quorum_met or outcome.get("passed") != o.passed:
        r.problems.append(
            f"outcome: 公布 法定人数{_yn(outcome.get('quorum_met'))}、{_pass(outcome.get('passed'))}，"
            f"重算 法定人数{_yn(o.quorum_met)}、{_pass(o.passed)}"
        )
    return r


def _yn(v: object) -> str:
    return "达到" if v is True else "未达到" if v is False else "缺失"


def _pass(v: object) -> str:
    return "通过" if v is True else "未通过" if v is False else "缺失"
