"""The selection rule of a random inspection (双随机): pure, over the one draw algorithm.

Nothing here touches the database, so the command line re-runs a draw from its two published files
(``anju credit inspections verify``) exactly as the service ran it:

1. **Tickets** (frozen, in this order): the eligible subjects by ascending credit-file id; subject
   ``i`` with weight ``w`` (its grade's weight) holds ``S<i zero-padded to 6 digits>-1`` …
   ``S<i>-<w>``, in that order. A weight of 0 leaves the subject out.
2. **Inspectors** (frozen, in the order chosen on the page): their usernames.
3. **Subjects**: ``anju-lottery-v1`` (:func:`anju.core.lottery.draw`) over the tickets with the public
   seed gives an order of tickets; walking it from position 1, a ticket whose subject is not yet chosen
   chooses it; the first ``sample`` distinct subjects are the sample, ranked 1, 2, … in that order.
4. **Inspectors**: the same algorithm with the same seed over the inspector list gives their order;
   the subject of rank ``k`` goes to inspector ``order[(k - 1) mod m]`` (round-robin, ``m`` inspectors).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from anju.core import lottery

#: The grade keys a draw weighs (``ungraded``: a subject without a grade yet).
GRADE_KEYS = ("A", "B", "C", "D", "ungraded")
MAX_WEIGHT = 10


def subject_code(subject_id: int) -> str:
    """The subject's public code in a draw: ``S`` and its credit-file id, zero-padded to 6 digits."""
    return f"S{subject_id:06d}"


def tickets(weighted: Iterable[tuple[int, int]]) -> list[tuple[str, int]]:
    """(ticket, subject id) for (subject id, weight) pairs, in the frozen order of rule 1."""
    out: list[tuple[str, int]] = []
    for sid, w in sorted(weighted):
        code = subject_code(sid)
        out += [(f"{code}-{n}", sid) for n in range(1, w + 1)]
    return out


def inspector_code(seq: int) -> str:
    """An inspector's public code: ``J01`` for the first of the frozen list (``seq`` 0), ``J02``…. The
    published list and the draw use these codes — staff are never named in public — and the draw stays
    re-runnable from the published files; who holds a code is known to staff only."""
    return f"J{seq + 1:02d}"


def inspector_codes(n: int) -> list[str]:
    return [inspector_code(i) for i in range(n)]


def ticket_subject(ticket: str) -> str:
    """The subject code a ticket belongs to (``S000123-2`` → ``S000123``)."""
    return ticket.rsplit("-", 1)[0]


@dataclass(frozen=True)
class Assignment:
    rank: int
    ticket: str  # the ticket that chose the subject
    subject: str  # the subject code
    inspector: str


@dataclass(frozen=True)
class Outcome:
    """A draw's result: the two lottery draws and the assignment they give."""

    tickets: lottery.Draw
    inspectors: lottery.Draw
    assignments: tuple[Assignment, ...]


def select(ticket_ids: Sequence[str], inspector_ids: Sequence[str], seed: str, sample: int) -> Outcome:
    """Rules 3 and 4: the sample (at most ``sample`` distinct subjects) and each one's inspector."""
    if sample < 1:
        raise lottery.LotteryError("sample", "抽取数量至少为 1")
    t = lottery.draw(ticket_ids, seed)
    i = lottery.draw(inspector_ids, seed)
    chosen: list[tuple[str, str]] = []
    seen: set[str] = set()
    for ticket in t.order:
        s = ticket_subject(ticket)
        if s in seen:
            continue
        seen.add(s)
        chosen.append((ticket, s))
        if len(chosen) == sample:
            break
    m = len(i.order)
    out = tuple(Assignment(k, tk, s, i.order[(k - 1) % m]) for k, (tk, s) in enumerate(chosen, start=1))
    return Outcome(t, i, out)


def check_weights(weights: Mapping[str, object]) -> dict[str, int]:
    """The weights per grade key, each an integer 0–10, at least one above 0; else ``ValueError``
    whose first argument names the key."""
    out: dict[str, int] = {}
    for k, v in weights.items():
        if k not in GRADE_KEYS:
            raise ValueError(k, f"未知的等级：{k}")
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_WEIGHT:
            raise ValueError(k, f"权重应为 0–{MAX_WEIGHT} 的整数")
        out[k] = v
    missing = [k for k in GRADE_KEYS if k not in out]
    if missing:
        raise ValueError(missing[0], "缺少该等级的权重")
    if not any(out.values()):
        raise ValueError("weights", "至少一个等级的权重大于 0")
    return out
