"""The event catalogue (``credit/data/event_kinds.toml``) as typed data: every kind of event a context or a
department may report, with its polarity, default severity and the sources that may report it.

Standard library only (``domain.check_event`` reads it). The scoring editions give each kind its points.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: The reporting sources: the contexts that record events in their own transactions, the other
#: departments' feed (``credit.department_records``) and the credit office itself (officers recording by
#: hand, random inspections).
SOURCES: dict[str, str] = {
    "rental": "住房租赁",
    "assistance": "住房保障",
    "transactions": "房屋交易",
    "estates": "物业管理",
    "safety": "房屋安全",
    "department": "其他部门",
    "credit": "信用管理",
}


@dataclass(frozen=True)
class EventKind:
    code: str
    label: str
    polarity: str  # negative | positive
    severity: str  # the default: minor | major | serious
    sources: tuple[str, ...]
    repairable: bool


@dataclass(frozen=True)
class Catalogue:
    kinds: dict[str, EventKind]
    #: sources that may report any kind of the catalogue (``[catalogue] any_kind_sources``)
    any_kind_sources: frozenset[str]

    def may_report(self, source: str, kind: str) -> bool:
        k = self.kinds.get(kind)
        return k is not None and (source in k.sources or source in self.any_kind_sources)


@cache
def catalogue() -> Catalogue:
    raw = tomllib.loads(resources.files("anju.credit").joinpath("data/event_kinds.toml").read_text("utf-8"))
    kinds = {
        code: EventKind(
            code,
            str(v["label"]),
            str(v["polarity"]),
            str(v["severity"]),
            tuple(str(s) for s in v["sources"]),
            bool(v["repairable"]),
        )
        for code, v in raw["kinds"].items()
    }
    return Catalogue(kinds, frozenset(str(s) for s in raw.get("catalogue", {}).get("any_kind_sources", ())))


def kinds_of(source: str) -> dict[str, EventKind]:
    """The kinds ``source`` may report, in catalogue order."""
    c = catalogue()
    return {k: v for k, v in c.kinds.items() if c.may_report(source, k)}
