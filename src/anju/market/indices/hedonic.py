"""The hedonic time-dummy index from :class:`~anju.market.indices.cells.HedonicMoments`.

Model: ``y = Σ_{t≥1} δ_t D_t + x'β + u_g + ε`` (y the log price, D_t the period dummies, x the
characteristics, u_g the group (estate) fixed effect; with ``fixed_effect`` False a common intercept
instead). The log index is δ (δ_0 = 0).

**Reduction.** Write z = (D, x). Absorbing u_g by within-group demeaning (Frisch–Waugh–Lovell) gives the
normal equations Z̃'Z̃ θ = Z̃'ỹ with Z̃'Z̃ = Z'Z − Σ_g s_g s_g' / n_g, Z̃'ỹ = Z'y − Σ_g s_g S_g / n_g and
ỹ'ỹ = Σy² − Σ_g S_g² / n_g, where s_g = Σ_{i∈g} z_i (its dummy part is the group's per-period counts)
and S_g = Σ_{i∈g} y_i. Z'Z needs the per-period counts (D'D is diagonal), the per-period Σx (D'x) and
Σxx' — all in the moments. A common intercept is the same with a single group. The standard errors are
σ̂² (Z̃'Z̃)⁻¹ with σ̂² = SSR / (n − params − groups): the degrees of freedom of the regression with
explicit group dummies.

**Columns that cannot be estimated** are found by elimination on Z̃'Z̃ in order (period dummies first,
then the characteristics in their order): a column whose remaining variance, given the columns kept
before it, is below 10⁻⁹ of its raw sum of squares is dropped. A characteristic constant within the
groups (or collinear with others) is dropped with a note rather than failing.

**Estimability.** δ_t is identified only if the groups connect period t to the base (bipartite graph of
periods and groups with an edge per cell with sales; without the fixed effect every period with sales is
connected). Other periods are NaN with status ``none``; all sales stay in the regression (they still
inform β). Periods with no sales are ``none``; fewer than ``min_sales`` (:data:`MIN_SALES`) ``thin``.
**A base period without sales** makes the whole series ``none`` (base included) with the note
:data:`~anju.market.indices.cells.NO_BASE_SALES` — the rule of every method
(:func:`~anju.market.indices.cells.without_base`). An input of no periods gives the empty series.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from anju.market.indices.cells import (
    NO_BASE_SALES,
    Floats,
    HedonicMoments,
    IndexSeries,
    Ints,
    components,
    empty_series,
    statuses,
    without_base,
)

#: Default threshold under which a period is ``thin`` (its sales), see ``repeat_sales.MIN_PAIRS``.
MIN_SALES: Final = 20
_TOL: Final = 1e-9


def moments_from_arrays(
    period: npt.ArrayLike,
    y: npt.ArrayLike,
    x: npt.ArrayLike,
    names: tuple[str, ...] | list[str],
    group: npt.ArrayLike | None = None,
    *,
    periods: int | None = None,
) -> HedonicMoments:
    """The moments of sales given as arrays (``x`` n × k; ``group`` any integer labels, or None for a
    common intercept). ``periods`` defaults to the last period + 1."""
    t = np.asarray(period, dtype=np.int64)
    yv = np.asarray(y, dtype=np.float64)
    xm = np.asarray(x, dtype=np.float64).reshape(len(t), len(names))
    g = np.zeros(len(t), dtype=np.int64) if group is None else np.asarray(group, dtype=np.int64)
    if not (len(yv) == len(t) == len(g)):
        raise ValueError("arrays differ in length")
    n = (int(t.max()) + 1 if len(t) else 0) if periods is None else periods
    cells, inverse = np.unique(np.stack([g, t], axis=1).reshape(-1, 2), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    m = len(cells)
    cell_x = np.zeros((m, len(names)), dtype=np.float64)
    for j in range(len(names)):
        cell_x[:, j] = np.bincount(inverse, weights=xm[:, j], minlength=m)
    return HedonicMoments(
        periods=n,
        names=tuple(names),
        fixed_effect=group is not None,
        group=cells[:, 0].astype(np.int64),
        period=cells[:, 1].astype(np.int64),
        cell_count=np.bincount(inverse, minlength=m).astype(np.float64),
        cell_y=np.bincount(inverse, weights=yv, minlength=m).astype(np.float64),
        cell_x=cell_x,
        xx=xm.T @ xm,
        xy=xm.T @ yv,
        yy=float(yv @ yv),
    )


def _eliminate(gram: Floats, raw: Floats) -> list[int]:
    """Columns kept by Gaussian elimination in order (see the module docstring)."""
    a = gram.copy()
    kept: list[int] = []
    for j in range(len(a)):
        pivot = a[j, j]
        if not pivot > _TOL * max(raw[j], np.finfo(np.float64).tiny):
            continue
        kept.append(j)
        a -= np.outer(a[:, j], a[j, :] / pivot)
    return kept


def _within(m: HedonicMoments, groups: Ints, periods_used: Ints) -> tuple[Floats, Floats, float, Floats]:
    """Z̃'Z̃, Z̃'ỹ, ỹ'ỹ and the raw Σz² of the columns (dummies of ``periods_used``, then x)."""
    p, k = len(periods_used), len(m.names)
    col = np.full(m.periods, -1, dtype=np.int64)
    col[periods_used] = np.arange(p)
    c = col[m.period]
    cells_z = np.zeros((len(m.cell_count), p + k), dtype=np.float64)
    has = c >= 0
    cells_z[np.flatnonzero(has), c[has]] = m.cell_count[has]
    cells_z[:, p:] = m.cell_x
    ng = int(groups.max()) + 1
    s = np.zeros((ng, p + k), dtype=np.float64)
    np.add.at(s, groups, cells_z)
    sy = np.bincount(groups, weights=m.cell_y, minlength=ng)
    n_g = np.bincount(groups, weights=m.cell_count, minlength=ng)
    zz = np.zeros((p + k, p + k), dtype=np.float64)
    per_count = np.bincount(m.period, weights=m.cell_count, minlength=m.periods)
    zz[np.arange(p), np.arange(p)] = per_count[periods_used]
    dx = np.zeros((p, k), dtype=np.float64)
    np.add.at(dx, c[has], m.cell_x[has])
    zz[:p, p:], zz[p:, :p], zz[p:, p:] = dx, dx.T, m.xx
    per_y = np.bincount(m.period, weights=m.cell_y, minlength=m.periods)
    zy = np.concatenate([per_y[periods_used], m.xy])
    inv_n = 1.0 / n_g
    gram = zz - (s * inv_n[:, None]).T @ s
    rhs = zy - (s * inv_n[:, None]).T @ sy
    yy = float(m.yy - (sy * sy * inv_n).sum())
    return gram, rhs, yy, np.diag(zz).copy()


def hedonic(moments: HedonicMoments, *, min_sales: int = MIN_SALES) -> IndexSeries:
    """The time-dummy hedonic index (log index, base 0) and its standard errors."""
    if moments.periods == 0:
        return empty_series("hedonic")
    m = _nonempty(moments)
    n_periods = m.periods
    sales = np.rint(np.bincount(m.period, weights=m.cell_count, minlength=n_periods)).astype(np.int64)
    if sales[0] == 0:
        return without_base("hedonic", sales, NO_BASE_SALES)
    _, groups = np.unique(m.group if m.fixed_effect else np.zeros_like(m.group), return_inverse=True)
    groups = groups.reshape(-1).astype(np.int64)
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    label = components(n_periods + n_groups, m.period, n_periods + groups)
    connected = label[:n_periods] == label[0]
    periods_used = np.flatnonzero(sales > 0)
    periods_used = periods_used[periods_used > 0]
    log_index = np.full(n_periods, np.nan)
    log_index[0] = 0.0
    std_error = np.full(n_periods, np.nan)
    std_error[0] = 0.0
    notes: list[str] = []
    if len(m.cell_count):
        gram, rhs, yy, raw = _within(m, groups, periods_used)
        kept = _eliminate(gram, raw)
        p = len(periods_used)
        notes += [
            f"特征“{m.names[j - p]}”在组内不变或与其他变量共线：已剔除" for j in range(p, len(raw)) if j not in kept
        ]
        g_kk = gram[np.ix_(kept, kept)]
        theta = np.linalg.solve(g_kk, rhs[kept])
        dof = float(m.cell_count.sum()) - len(kept) - n_groups
        sigma2 = (yy - float(theta @ rhs[kept])) / dof if dof > 0 else np.nan
        se = np.sqrt(np.maximum(np.diag(np.linalg.inv(g_kk)) * sigma2, 0.0))
        for i, j in enumerate(kept):
            if j < p and connected[periods_used[j]]:
                log_index[periods_used[j]] = theta[i]
                std_error[periods_used[j]] = se[i]
        coefficients = tuple((m.names[j - p], float(theta[i])) for i, j in enumerate(kept) if j >= p)
    else:
        coefficients = ()
    estimable = np.isfinite(log_index)
    return IndexSeries(
        "hedonic", log_index, sales, statuses(estimable, sales, min_sales), std_error, tuple(notes), coefficients
    )


def _nonempty(m: HedonicMoments) -> HedonicMoments:
    keep = m.cell_count > 0
    if keep.all():
        return m
    return HedonicMoments(m.periods, m.names, m.fixed_effect, m.group[keep], m.period[keep], m.cell_count[keep],
                          m.cell_y[keep], m.cell_x[keep], m.xx, m.xy, m.yy)  # fmt: skip
