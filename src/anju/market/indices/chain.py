"""Published forms of an index and chain-linking.

- :func:`month_on_month` (环比, 上月=100): ``100 · I_t / I_{t−1}``; :func:`year_on_year` (同比, 上年同月=100):
  ``100 · I_t / I_{t−12}``; :func:`fixed_base` (定基): ``100 · I_t / I_0``. From a log index; a ratio with
  an unestimable side (NaN) is None, never a number.
- :func:`rebase`: a new base (e.g. a year = 100 as the mean of its months, as statistical offices
  rebase): every value divided by the mean of the base periods' values, times 100.
- :func:`chain`: link a new run's series onto the published one at a link period, the way statistical
  offices chain: the published values up to the link period stand, and later values are the published
  link value carried forward by the new run's movements, ``P_link · N_t / N_link``. Published history is
  not rewritten when a new run (more data, a new method, new weights) revises the past.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from anju.market.indices.cells import Floats

YEAR = 12


def _ratio(log_index: npt.ArrayLike, lag: int) -> list[float | None]:
    b = np.asarray(log_index, dtype=np.float64)
    out: list[float | None] = [None] * min(lag, len(b))
    for t in range(lag, len(b)):
        d = b[t] - b[t - lag]
        out.append(float(100.0 * np.exp(d)) if np.isfinite(d) else None)
    return out


def month_on_month(log_index: npt.ArrayLike) -> list[float | None]:
    """环比 (previous month = 100); None for the first month and where either month is unestimable."""
    return _ratio(log_index, 1)


def year_on_year(log_index: npt.ArrayLike) -> list[float | None]:
    """同比 (same month a year earlier = 100); None for the first twelve months and unestimable sides."""
    return _ratio(log_index, YEAR)


def fixed_base(log_index: npt.ArrayLike) -> list[float | None]:
    """定基 (period 0 = 100); None where unestimable."""
    b = np.asarray(log_index, dtype=np.float64)
    return [float(100.0 * np.exp(v - b[0])) if np.isfinite(v - b[0]) else None for v in b]


def rebase(series: npt.ArrayLike, base_periods: Sequence[int]) -> Floats:
    """Index levels re-expressed so that the mean of ``base_periods`` is 100 (NaN stays NaN).
    ValueError if a base period is unestimable or the list is empty."""
    v = np.asarray(series, dtype=np.float64)
    if not base_periods:
        raise ValueError("no base periods")
    base = v[list(base_periods)]
    if not np.all(np.isfinite(base)) or not np.all(base > 0):
        raise ValueError("a base period has no value: cannot rebase")
    return np.asarray(100.0 * v / base.mean(), dtype=np.float64)


def chain(published: npt.ArrayLike, new: npt.ArrayLike, link_period: int) -> Floats:
    """The new run's series linked onto the published one at ``link_period`` (same period axis): the
    published values up to the link, then ``published[link] · new[t] / new[link]``. The result is as
    long as ``new``. ValueError if either series has no value at the link period."""
    p = np.asarray(published, dtype=np.float64)
    n = np.asarray(new, dtype=np.float64)
    if not (0 <= link_period < len(p) and link_period < len(n)):
        raise ValueError("the link period is outside a series")
    if not (np.isfinite(p[link_period]) and np.isfinite(n[link_period]) and n[link_period] > 0):
        raise ValueError("a series has no value at the link period: cannot chain")
    out = n * (p[link_period] / n[link_period])
    out[: link_period + 1] = p[: link_period + 1]
    return np.asarray(out, dtype=np.float64)
