"""The event catalogue (``credit/data/event_kinds.toml``) as typed data, read once: every kind of event a
context or a department may report, with its label, polarity, default severity, the sources that may
report it and whether credit repair may end it early.

This is the one reader of the catalogue: the scoring editions (:mod:`anju.credit.scoring`), the repair
rules, inspections, the pages and the synthetic history all take their kinds from :func:`catalogue`.
Standard library only (``domain.check_event`` reads it); a bad file fails loudly, naming the field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

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
POLARITIES = ("negative", "positive")
_SEVERITIES = ("minor", "major", "serious")  # domain.SEVERITIES (domain imports this module)


@dataclass(frozen=True)
class EventKind:
    """One kind of the event catalogue."""

    code: str
    label: str
    polarity: str  # negative | positive
    severity: str  # the default: minor | major | serious
    sources: tuple[str, ...]
    repairable: bool

    @property
    def negative(self) -> bool:
        return self.polarity == "negative"


@dataclass(frozen=True)
class Catalogue:
    kinds: Mapping[str, EventKind]  # in file order
    #: sources that may report any kind of the catalogue (``[catalogue] any_kind_sources``)
    any_kind_sources: frozenset[str]

    def may_report(self, source: str, kind: str) -> bool:
        k = self.kinds.get(kind)
        return k is not None and (source in k.sources or source in self.any_kind_sources)


def _kind(code: str, v: Mapping[str, Any]) -> EventKind:
    where = f"event_kinds.toml: kinds.{code}"
    label, polarity, severity, sources = v.get("label"), v.get("polarity"), v.get("severity"), v.get("sources")
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"{where}.label: 不能为空")
    if polarity not in POLARITIES:
        raise ValueError(f"{where}.polarity: 应为 negative 或 positive")
    if severity not in _SEVERITIES:
        raise ValueError(f"{where}.severity: 应为 {'、'.join(_SEVERITIES)} 之一")
    if not isinstance(sources, list) or not sources or not all(s in SOURCES for s in sources):
        raise ValueError(f"{where}.sources: 应为 {'、'.join(SOURCES)} 中的若干项")
    return EventKind(code, label, str(polarity), str(severity), tuple(sources), bool(v.get("repairable", False)))


@cache
def catalogue() -> Catalogue:
    """The catalogue, read and checked once."""
    raw = tomllib.loads(resources.files("anju.credit").joinpath("data/event_kinds.toml").read_text("utf-8"))
    kinds = {code: _kind(code, v) for code, v in raw["kinds"].items()}
    anyone = frozenset(str(s) for s in raw.get("catalogue", {}).get("any_kind_sources", ()))
    return Catalogue(MappingProxyType(kinds), anyone)


def kinds_of(source: str) -> dict[str, EventKind]:
    """The kinds ``source`` may report, in catalogue order."""
    c = catalogue()
    return {k: v for k, v in c.kinds.items() if c.may_report(source, k)}


def kind_label(kind: str) -> str:
    """The kind's Chinese label (the code itself for a kind no longer in the catalogue)."""
    k = catalogue().kinds.get(kind)
    return k.label if k else kind


def negative(kind: str) -> bool:
    k = catalogue().kinds.get(kind)
    return k is not None and k.negative
