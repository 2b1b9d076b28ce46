"""The one restriction mechanism (查封, 危房, 权属争议 …; 失信 for subjects): sources register themselves, and every
approval that must stop on a restricted home — rental listing verification and lease filing today,
sales and transfers, assistance and safety to come — asks :func:`home_restrictions`.

A source answers set-wise for many homes and one date. Contexts declare their sources in the one list
(``anju.contexts``: the rental context's flags, recorded by supervisors and courts through them; the
house-safety and registration feeds will add theirs), so a caller gets every source whether or not
the declaring context's modules happen to be imported.
The registry owns the mechanism because restrictions are facts about homes, whoever records them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from anju.contexts import CONTEXTS, load


@dataclass(frozen=True)
class Restriction:
    """Something that bars dealing with a home on a date (查封, 危房 …), as a restriction source saw it."""

    kind: str  # seized | unsafe | disputed | mortgaged | other
    source: str  # court | registry | safety | supervisor
    reason: str


#: The kinds of home restriction in Chinese, as a person refused is told them.
RESTRICTION_KIND_LABELS: dict[str, str] = {
    "seized": "查封",
    "mortgaged": "抵押",
    "unsafe": "危房",
    "disputed": "权属争议",
    "other": "其他限制",
}


def restriction_text(r: Restriction) -> str:
    """A restriction as one Chinese phrase: its kind, then the source's reason."""
    return f"{RESTRICTION_KIND_LABELS.get(r.kind, r.kind)}：{r.reason}"


#: A restriction source answers, set-wise, which of the given homes are barred on a date.
RestrictionSource = Callable[[Connection, Sequence[int], date], dict[int, list[Restriction]]]
_SOURCES: dict[str, RestrictionSource] = {}


def register_restriction_source(name: str, source: RestrictionSource) -> None:
    """Add (or replace) a named source of restrictions, consulted by every approval (tests; a context
    declares its sources in ``anju.contexts`` so that they are asked whichever modules are loaded)."""
    _SOURCES[name] = source


def restriction_sources() -> Iterable[tuple[str, RestrictionSource]]:
    """The sources the contexts declare in the one list, then any registered at run time."""
    declared: dict[str, RestrictionSource] = {
        name: load(spec) for c in CONTEXTS for name, spec in c.restriction_sources.items()
    }
    return tuple((declared | _SOURCES).items())


def home_restrictions(conn: Connection, home_ids: Sequence[int], on: date) -> dict[int, list[Restriction]]:
    """Every restriction any registered source reports for the homes on ``on`` (set-wise)."""
    out: dict[int, list[Restriction]] = defaultdict(list)
    for _name, source in restriction_sources():
        for hid, found in source(conn, home_ids, on).items():
            out[hid].extend(found)
    return dict(out)


# ---------------------------------------------------------------------------- subjects (联合惩戒)


@dataclass(frozen=True)
class SubjectRestriction:
    """Something that bars a subject (a person or an organisation, by the blind index of its ID or
    credit code) from an action on a date, as a source saw it: e.g. the credit context's black list."""

    action: str  # e.g. rental.listing.publish (anju.credit.domain.ACTIONS)
    source: str  # credit | …
    rule: str  # the rule's code in the source's data (e.g. the scoring edition's restriction rule)
    reason: str  # in Chinese, naming the rule and the subject, shown to the person refused


#: A subject restriction source answers, set-wise, which of the given subjects may not do ``action`` on
#: a date: ``f(conn, bidxs, action, on) -> {bidx: [SubjectRestriction, …]}``.
SubjectRestrictionSource = Callable[[Connection, Sequence[str], str, date], dict[str, list[SubjectRestriction]]]
_SUBJECT_SOURCES: dict[str, SubjectRestrictionSource] = {}


def register_subject_restriction_source(name: str, source: SubjectRestrictionSource) -> None:
    """Add (or replace) a named source of subject restrictions (tests; contexts declare theirs in
    ``anju.contexts``: ``subject_restriction_sources``)."""
    _SUBJECT_SOURCES[name] = source


def subject_restriction_sources() -> Iterable[tuple[str, SubjectRestrictionSource]]:
    """The subject sources the contexts declare in the one list, then any registered at run time."""
    declared: dict[str, SubjectRestrictionSource] = {
        name: load(spec) for c in CONTEXTS for name, spec in c.subject_restriction_sources.items()
    }
    return tuple((declared | _SUBJECT_SOURCES).items())


def subject_restrictions(
    conn: Connection, bidxs: Sequence[str], action: str, on: date
) -> dict[str, list[SubjectRestriction]]:
    """Every restriction any source reports for the subjects and the action on ``on`` (set-wise): the
    one question every approval asks about the people and organisations it approves for."""
    out: dict[str, list[SubjectRestriction]] = defaultdict(list)
    wanted = [b for b in dict.fromkeys(bidxs) if b]
    if not wanted:
        return {}
    for _name, source in subject_restriction_sources():
        for bidx, found in source(conn, wanted, action, on).items():
            out[bidx].extend(found)
    return dict(out)


def subject_refusal(found: Mapping[str, Sequence[SubjectRestriction]], who: Mapping[str, str]) -> str:
    """The refusals of :func:`subject_restrictions` as one Chinese text for the person refused: each
    reason, prefixed with how the approval names its subject (``who``: blind index → an organisation's
    name or a masked person, which the approval knows and a source may not) unless the reason already
    names it."""
    parts = []
    for bidx, items in found.items():
        name = who.get(bidx, "")
        parts += [r.reason if not name or name in r.reason else f"{name}：{r.reason}" for r in items]
    return "；".join(parts)
