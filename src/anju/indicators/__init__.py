"""The indicator dictionary (指标字典, issue 24): every figure the platform shows is defined once — code,
name, unit, formula, source, statistical calibre (统计口径), the levels it is measured at and the
context that computes it — in the data files ``anju/indicators/data/*.toml``; the stored values of the
computed ones for every area and year, refreshed set-wise by the providers the entries name; reads of
those values within the caller's scope. See docs/indicators.md.

Other contexts use only what this module exports.
"""

from anju.indicators.dictionary import dictionary, get, load
from anju.indicators.domain import LEVEL_LABELS, LEVELS, Indicator, IndicatorError, Level, Measurement
from anju.indicators.refresh import Provider, RefreshResult, Run, StoredValue, last_run, refresh, values
from anju.indicators.rollup import rollup

__all__ = [
    "LEVELS",
    "LEVEL_LABELS",
    "Indicator",
    "IndicatorError",
    "Level",
    "Measurement",
    "Provider",
    "RefreshResult",
    "Run",
    "StoredValue",
    "dictionary",
    "get",
    "last_run",
    "load",
    "refresh",
    "rollup",
    "values",
]
