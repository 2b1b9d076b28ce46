"""The indicator dictionary's terms: an :class:`Indicator` (defined once, in the dictionary's data) and a
:class:`Measurement` (one value of one indicator for one area and year, or its absence with the reason).

An indicator's value is an exact decimal (``Decimal``) in the indicator's unit; a count is a decimal
without places. ``None`` is a value that cannot be computed: ``missing`` then says which data is missing
(never a zero standing in for "no data").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

#: The areas an indicator is measured for: the city, its districts (and functional zones such as
#: 江北新区, reported as a row of their own), its streets and towns (街道/镇).
Level = Literal["city", "district", "street"]
LEVELS: tuple[Level, ...] = ("city", "district", "street")
LEVEL_LABELS = {"city": "全市", "district": "区", "street": "街道"}

#: Which way is better, for a status against a target: a higher value (supply, coverage), a lower one
#: (vacancy, rent burden) or neither (a structure share: on target is best).
Direction = Literal["higher", "lower", "neither"]
DIRECTIONS: tuple[Direction, ...] = ("higher", "lower", "neither")

#: How often an indicator is measured: yearly (stored here per area × year by its provider) or monthly
#: (the market's health indicators, computed and stored by the market's own monthly run).
Frequency = Literal["year", "month"]
FREQUENCIES: tuple[Frequency, ...] = ("year", "month")


class IndicatorError(ValueError):
    """The dictionary's data is wrong, or a provider gave what its entry does not declare; the message
    names the file or code and the key."""


@dataclass(frozen=True)
class Indicator:
    """One entry of the dictionary: what a figure means, how it is computed, where its data comes from,
    and its statistical calibre (统计口径: what is counted and what is not)."""

    code: str  # e.g. "housing.floor_area_per_resident": dotted, lower case, never reused
    name: str  # 人均住房建筑面积
    unit: str  # 平方米/人; "" for a ratio without unit
    formula: str  # in words, e.g. "住房建筑面积 ÷ 常住人口"
    source: str  # the data it is computed from (contexts, feeds, tables)
    calibre: str  # 统计口径
    levels: tuple[Level, ...]
    owner: str  # the context that computes it (or "plan" for a figure only reported)
    #: ``"module:function"`` computing it (see :data:`anju.indicators.refresh.Provider`), or None for a
    #: figure that is reported, not computed (a plan figure from a department's statistics).
    provider: str | None = None
    decimals: int = 2
    direction: Direction = "higher"
    #: Where the definition comes from (a standard, the plan's text).
    reference: str = ""
    frequency: Frequency = "year"
    file: str = ""  # the dictionary file that defines it


@dataclass(frozen=True)
class Measurement:
    """One value: ``code`` for the area ``area_code`` (a division code) at ``level`` in ``year``."""

    code: str
    level: Level
    area_code: str
    year: int
    value: Decimal | None
    missing: str | None = None  # why there is no value (None when there is one)
