"""The stratified median: the series the public usually sees.

**Per stratum** (a district, a size band): each period's median unit price (``numpy.median``: the mean of
the two middle values when the count is even) and its index against the base, period 0. If the base has
no sales the reference is the series' **first period with sales** (index 100 there) and the periods
before it are ``none``; the series' notes say so. A period without sales is ``none``; under
``min_sales`` sales ``thin``.

**City** (:func:`stratified`): a fixed-weight combination of the strata, the way a mix-adjusted median is
built: the city's log index is the weighted mean of the strata's log median ratios,
``log I_t = Σ_s w_s log(m_st / m_s0) / Σ_s w_s``, so a shift of the sales towards dear districts does not
move the city series (the raw city median would). Weights are fixed (e.g. the strata's sales or housing
stock in the base year). A period where some strata cannot be valued uses the others, their weights
renormalised, and is ``thin``; with none it is ``none``. A stratum without base-period sales (its
reference is a later month) is left out of the city series, with a note: its ratios are not to the base.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
import numpy.typing as npt

from anju.market.indices.cells import Floats, IndexSeries, Ints

#: Default threshold under which a period's median is ``thin``.
MIN_SALES: Final = 20


def medians(period: npt.ArrayLike, unit_price: npt.ArrayLike, *, periods: int) -> tuple[Floats, Ints]:
    """Each period's median unit price (NaN without sales) and its count of sales."""
    t = np.asarray(period, dtype=np.int64)
    v = np.asarray(unit_price, dtype=np.float64)
    order = np.lexsort((v, t))
    t, v = t[order], v[order]
    counts = np.bincount(t, minlength=periods).astype(np.int64)
    out = np.full(periods, np.nan)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    for p in np.flatnonzero(counts):
        out[p] = float(np.median(v[starts[p] : starts[p] + counts[p]]))
    return out, counts


def median_index(period_medians: npt.ArrayLike, counts: npt.ArrayLike, *, min_sales: int = MIN_SALES) -> IndexSeries:
    """The median series as an index (see the module docstring for the reference period)."""
    med = np.asarray(period_medians, dtype=np.float64)
    n = np.asarray(counts, dtype=np.int64)
    valid = (n > 0) & np.isfinite(med) & (med > 0)
    log_index = np.full(len(med), np.nan)
    notes: tuple[str, ...] = ()
    if valid.any():
        ref = int(np.flatnonzero(valid)[0])
        if ref > 0:
            notes = (f"基期没有成交：以第一个有成交的月份（第 {ref} 期）为 100",)
        log_index[valid] = np.log(med[valid] / med[ref])
        log_index[:ref] = np.nan
    status = tuple("none" if not np.isfinite(v) else ("thin" if c < min_sales else "ok")
                   for v, c in zip(log_index, n, strict=True))  # fmt: skip
    return IndexSeries("median", log_index, n, status, None, notes)


def stratified(medians_by_stratum: Mapping[str, IndexSeries], weights: Mapping[str, float]) -> IndexSeries:
    """The city series from the strata's median series and fixed weights (see the module docstring)."""
    if not medians_by_stratum:
        raise ValueError("no strata")
    if set(weights) != set(medians_by_stratum) or any(not w >= 0 for w in weights.values()):
        raise ValueError("one non-negative weight per stratum")
    length = {len(s.log_index) for s in medians_by_stratum.values()}
    if len(length) != 1:
        raise ValueError("strata of different lengths")
    periods = length.pop()
    notes = []
    num = np.zeros(periods)
    den = np.zeros(periods)
    missing = np.zeros(periods, dtype=bool)
    observations = np.zeros(periods, dtype=np.int64)
    for name, series in medians_by_stratum.items():
        w = float(weights[name])
        observations += series.observations
        if w == 0:
            continue
        if not np.isfinite(series.log_index[0]) or series.log_index[0] != 0:
            notes.append(f"{name}：基期没有成交，未计入合成序列")
            missing |= True
            continue
        ok = np.isfinite(series.log_index)
        num[ok] += w * series.log_index[ok]
        den[ok] += w
        missing |= ~ok | np.array([s == "thin" for s in series.status])
    with np.errstate(invalid="ignore", divide="ignore"):
        log_index = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    status = tuple("none" if d == 0 else ("thin" if miss else "ok") for d, miss in zip(den, missing, strict=True))
    return IndexSeries("median", log_index, observations, status, None, tuple(notes))
