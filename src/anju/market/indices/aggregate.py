"""The aggregation of the sales frame into the estimators' reduced inputs: one SQL text for every engine.

The engines (``engine_duckdb``, ``engine_spark``) load the sales frame (``anju.market.sales_frame``) as
a table ``sales`` and run the *same* SQL strings made here (the one difference: the name of the exact
median function, :data:`MEDIAN`). Three queries, at the finest level — segment × district × band ×
fold — because pair cells and hedonic moments *add*: a city's cells are the sum of its districts',
band ``all`` the sum of the three bands', and a k-fold training set the sum of the other folds'. The
sums are done here in numpy (:class:`Aggregates`), exactly, without another pass over the sales:

- **pairs**: consecutive sales of one home (ordered by signing day, then sale id) where both sales are
  of the same segment and the second is in a later month than the first, grouped by (t1, t2): count,
  Σ log(p2/p1), Σ log(p2/p1)², Σ p1, Σ p2, with p the unit price (yuan per m², so a home's area
  changing between sales does not matter). The pair's band, district and fold are its second sale's
  (the home's). Why the same segment only: a new-home sale carries the new-home premium and its
  filed-price constraint, so a new → resale pair measures the premium's loss along with the market;
  the resale index uses resale → resale pairs, the new-home index new → new pairs (rare: a new home is
  sold by its developer once, so the new-home repeat-sales series is mostly "cannot estimate").
- **hedonic cells**: per (estate, month) the count, Σy and Σx with y = log unit price and x the
  characteristics :data:`HEDONIC_X`; and per segment × district × band × fold the cross products
  Σxx', Σxy, Σy² (also per month, so a series can be re-estimated on the data up to an earlier month:
  the revision).
- **medians**: per segment × district × band (the three and ``all``) × month, the count and the exact
  median unit price (fen per m²). The city's median is the stratified combination of its districts'
  (``median.py``), not computed here.

The fold of a sale is its home's: ``((home_id × 2654435761) mod 2³²) mod k`` (a multiplicative hash, so
folds do not follow the id order), the same in every engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from anju.market import domain
from anju.market.indices.cells import Floats, HedonicMoments, Ints, PairCells

#: The hedonic characteristics (names, SQL over the sales frame's columns). Structure dummies against
#: 钢筋混凝土 (reinforced concrete), the register's commonest structure.
HEDONIC_X: tuple[tuple[str, str], ...] = (
    ("log_area", "LN(area / 90e0)"),
    (
        "relative_floor",
        "CASE WHEN floors <= 1 THEN 5e-1 ELSE "
        "LEAST(1e0, GREATEST(0e0, CAST(floor - 1 AS DOUBLE) / CAST(NULLIF(floors - 1, 0) AS DOUBLE))) END",
    ),
    ("first_floor", "CASE WHEN floor = 1 AND floors > 1 THEN 1e0 ELSE 0e0 END"),
    ("age", "CAST(age AS DOUBLE)"),
    ("structure_steel", "CASE WHEN structure = '钢结构' THEN 1e0 ELSE 0e0 END"),
    ("structure_brick_concrete", "CASE WHEN structure = '砖混' THEN 1e0 ELSE 0e0 END"),
    ("structure_brick_wood", "CASE WHEN structure = '砖木' THEN 1e0 ELSE 0e0 END"),
    ("structure_other", "CASE WHEN structure NOT IN ('钢筋混凝土', '钢结构', '砖混', '砖木') THEN 1e0 ELSE 0e0 END"),
)
X_NAMES = tuple(n for n, _ in HEDONIC_X)
K = len(HEDONIC_X)

# Literals are written 1e0, 5e-1: DOUBLE in both engines (Spark reads 1.0 as a DECIMAL).

#: The exact median (linear interpolation between the middle two) per engine.
MEDIAN = {"duckdb": "quantile_cont({x}, 0.5)", "spark": "percentile({x}, 0.5)"}

BANDS = tuple(b.code for b in domain.BANDS[1:])  # the three bands a sale can be in
ALL_BANDS = tuple(b.code for b in domain.BANDS)  # with "all"
SEGMENTS = tuple(domain.SEGMENTS)
DEFAULT_FOLDS = 5


def _fold(k: int) -> str:
    return f"((home_id * 2654435761) % 4294967296) % {int(k)}"


def pairs_sql(folds: int) -> str:
    over = "OVER (PARTITION BY home_id ORDER BY day, sale_id)"
    return f"""
WITH o AS (
  SELECT segment, district, band, {_fold(folds)} AS fold, t, unit_price,
         LAG(t) {over} AS t1, LAG(unit_price) {over} AS p1, LAG(segment) {over} AS segment1
  FROM sales
),
r AS (
  SELECT segment, district, band, fold, t1, t AS t2, p1, unit_price AS p2, LN(unit_price / p1) AS lr
  FROM o WHERE t1 IS NOT NULL AND segment1 = segment AND t > t1
)
SELECT segment, district, band, fold, t1, t2, COUNT(*) AS n, SUM(lr) AS slr, SUM(lr * lr) AS sslr,
       SUM(p1) AS sp1, SUM(p2) AS sp2
FROM r
GROUP BY segment, district, band, fold, t1, t2
ORDER BY segment, district, band, fold, t1, t2
""".strip()


def _hedonic_rows(folds: int) -> str:
    xs = ", ".join(f"{expr} AS x{i}" for i, (_n, expr) in enumerate(HEDONIC_X))
    return f"SELECT segment, district, band, {_fold(folds)} AS fold, estate_id, t, LN(unit_price) AS y, {xs} FROM sales"


def hedonic_cells_sql(folds: int) -> str:
    sums = ", ".join(f"SUM(x{i}) AS sx{i}" for i in range(K))
    return f"""
WITH h AS ({_hedonic_rows(folds)})
SELECT segment, district, band, fold, estate_id, t, COUNT(*) AS n, SUM(y) AS sy, {sums}
FROM h
GROUP BY segment, district, band, fold, estate_id, t
ORDER BY segment, district, band, fold, estate_id, t
""".strip()


def hedonic_cross_sql(folds: int) -> str:
    xx = ", ".join(f"SUM(x{i} * x{j}) AS xx{i}_{j}" for i in range(K) for j in range(i, K))
    xy = ", ".join(f"SUM(x{i} * y) AS xy{i}" for i in range(K))
    return f"""
WITH h AS ({_hedonic_rows(folds)})
SELECT segment, district, band, fold, t, {xx}, {xy}, SUM(y * y) AS yy
FROM h
GROUP BY segment, district, band, fold, t
ORDER BY segment, district, band, fold, t
""".strip()


#: The district code the medians query gives the whole city's rows (the city's median *level*, the
#: plain median of every sale; its *index* is the stratified combination of the districts').
CITY = "CITY"


def medians_sql(engine: str) -> str:
    med = MEDIAN[engine].format(x="unit_price_fen")
    return f"""
WITH m AS (
  SELECT segment, district, band, t, unit_price_fen FROM sales
  UNION ALL
  SELECT segment, district, 'all' AS band, t, unit_price_fen FROM sales
  UNION ALL
  SELECT segment, '{CITY}' AS district, band, t, unit_price_fen FROM sales
  UNION ALL
  SELECT segment, '{CITY}' AS district, 'all' AS band, t, unit_price_fen FROM sales
)
SELECT segment, district, band, t, COUNT(*) AS n, {med} AS median_fen
FROM m
GROUP BY segment, district, band, t
ORDER BY segment, district, band, t
""".strip()


class SqlEngine(Protocol):
    """What an engine offers: its name (for :data:`MEDIAN`) and running a query over ``sales``."""

    name: str

    def query(self, sql: str) -> pa.Table: ...


@dataclass(frozen=True)
class RawAggregates:
    """The four query results as Arrow tables (what the engine-equality test compares)."""

    pairs: pa.Table
    hedonic_cells: pa.Table
    hedonic_cross: pa.Table
    medians: pa.Table


def run_queries(engine: SqlEngine, folds: int = DEFAULT_FOLDS) -> RawAggregates:
    return RawAggregates(
        pairs=engine.query(pairs_sql(folds)),
        hedonic_cells=engine.query(hedonic_cells_sql(folds)),
        hedonic_cross=engine.query(hedonic_cross_sql(folds)),
        medians=engine.query(medians_sql(engine.name)),
    )


# ------------------------------------------------------------------------------ assembly in numpy


def _f(table: pa.Table, name: str) -> Floats:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


def _i(table: pa.Table, name: str) -> Ints:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.int64)


def _codes(table: pa.Table, name: str, vocab: Sequence[str]) -> Ints:
    """A string column as codes into ``vocab`` (−1 for a value not in it)."""
    col = table.column(name).combine_chunks().dictionary_encode()
    lookup = np.array([vocab.index(v) if v in vocab else -1 for v in col.dictionary.to_pylist()], dtype=np.int64)
    idx = np.asarray(col.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return lookup[idx] if len(idx) else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Selection:
    """Which finest-level rows make a cell: a segment, an area (a district or the city), a band (one of
    the three or ``all``), and optionally a fold to leave out (a training set) or to keep (its test set)."""

    segment: str
    area: str
    band: str
    exclude_fold: int | None = None
    only_fold: int | None = None
    #: Only the sales (pairs: second sales) up to this period: the series as it was estimated then.
    last_period: int | None = None


class Aggregates:
    """The engine's results, ready to cut into any cell's :class:`PairCells` / :class:`HedonicMoments`
    and any district's medians."""

    def __init__(self, raw: RawAggregates, *, periods: int, districts: Sequence[str], city_code: str, folds: int):
        self.periods = periods
        self.districts = tuple(districts)
        self.city_code = city_code
        self.folds = folds
        dv = list(self.districts)
        p = raw.pairs
        self._p_key = (
            _codes(p, "segment", SEGMENTS),
            _codes(p, "district", dv),
            _codes(p, "band", BANDS),
            _i(p, "fold"),
        )
        self._p_t1, self._p_t2 = _i(p, "t1"), _i(p, "t2")
        self._p_vals = (
            np.column_stack([_f(p, c) for c in ("n", "slr", "sslr", "sp1", "sp2")]) if p.num_rows else np.zeros((0, 5))
        )
        h = raw.hedonic_cells
        self._h_key = (
            _codes(h, "segment", SEGMENTS),
            _codes(h, "district", dv),
            _codes(h, "band", BANDS),
            _i(h, "fold"),
        )
        self._h_estate, self._h_t = _i(h, "estate_id"), _i(h, "t")
        cols = ["n", "sy", *[f"sx{i}" for i in range(K)]]
        self._h_vals = np.column_stack([_f(h, c) for c in cols]) if h.num_rows else np.zeros((0, K + 2))
        c = raw.hedonic_cross
        self._c_key = (
            _codes(c, "segment", SEGMENTS),
            _codes(c, "district", dv),
            _codes(c, "band", BANDS),
            _i(c, "fold"),
        )
        self._c_t = _i(c, "t")
        xx = np.zeros((c.num_rows, K, K))
        for i in range(K):
            for j in range(i, K):
                v = _f(c, f"xx{i}_{j}")
                xx[:, i, j] = v
                xx[:, j, i] = v
        self._c_xx = xx
        self._c_xy = np.column_stack([_f(c, f"xy{i}") for i in range(K)]) if c.num_rows else np.zeros((0, K))
        self._c_yy = _f(c, "yy")
        m = raw.medians
        self._m: dict[tuple[int, int, int], tuple[Ints, Floats]] = {}
        seg, dist, band, t = (
            _codes(m, "segment", SEGMENTS),
            _codes(m, "district", [*dv, CITY]),
            _codes(m, "band", list(ALL_BANDS)),
            _i(m, "t"),
        )
        n, med = _i(m, "n"), _f(m, "median_fen")
        for s in range(len(SEGMENTS)):
            for d in range(len(dv) + 1):
                for b in range(len(ALL_BANDS)):
                    self._m[(s, d, b)] = (np.zeros(periods, dtype=np.int64), np.full(periods, np.nan))
        ok = (seg >= 0) & (dist >= 0) & (band >= 0) & (t >= 0) & (t < periods)
        for s, d, b, tt, nn, mm in zip(seg[ok], dist[ok], band[ok], t[ok], n[ok], med[ok], strict=True):
            counts, meds = self._m[(int(s), int(d), int(b))]
            counts[tt] = nn
            meds[tt] = mm

    def _mask(self, key: tuple[Ints, Ints, Ints, Ints], sel: Selection) -> npt.NDArray[np.bool_]:
        seg, dist, band, fold = key
        mask: npt.NDArray[np.bool_] = np.asarray(seg == SEGMENTS.index(sel.segment), dtype=np.bool_)
        if sel.area != self.city_code:
            mask &= dist == self.districts.index(sel.area)
        else:
            mask &= dist >= 0
        if sel.band != "all":
            mask &= band == BANDS.index(sel.band)
        if sel.exclude_fold is not None:
            mask &= fold != sel.exclude_fold
        if sel.only_fold is not None:
            mask &= fold == sel.only_fold
        return mask

    def pairs(self, sel: Selection) -> PairCells:
        mask = self._mask(self._p_key, sel)
        if sel.last_period is not None:
            mask &= self._p_t2 <= sel.last_period
        t1, t2, vals = self._p_t1[mask], self._p_t2[mask], self._p_vals[mask]
        keep = (t1 >= 0) & (t2 < self.periods)
        t1, t2, vals = t1[keep], t2[keep], vals[keep]
        key = t1 * self.periods + t2
        uniq, inv = np.unique(key, return_inverse=True)
        sums = np.zeros((len(uniq), 5))
        np.add.at(sums, inv, vals)
        return PairCells(
            periods=self.periods,
            t1=(uniq // self.periods).astype(np.int64),
            t2=(uniq % self.periods).astype(np.int64),
            count=sums[:, 0],
            sum_log_ratio=sums[:, 1],
            sum_sq_log_ratio=sums[:, 2],
            sum_p1=sums[:, 3],
            sum_p2=sums[:, 4],
        )

    def moments(self, sel: Selection, *, drop_constant: bool = True) -> HedonicMoments:
        """The cell's hedonic moments (estate fixed effect). ``drop_constant`` leaves out characteristics
        that are zero for every sale of the cell (e.g. age for new homes, a structure the cell lacks):
        they carry no information and would make the normal equations singular."""
        mask = self._mask(self._h_key, sel)
        if sel.last_period is not None:
            mask &= self._h_t <= sel.last_period
        estate, t, vals = self._h_estate[mask], self._h_t[mask], self._h_vals[mask]
        keep = (t >= 0) & (t < self.periods)
        estate, t, vals = estate[keep], t[keep], vals[keep]
        key = estate * self.periods + t
        uniq, inv = np.unique(key, return_inverse=True)
        sums = np.zeros((len(uniq), K + 2))
        np.add.at(sums, inv, vals)
        cmask = self._mask(self._c_key, sel) & (self._c_t >= 0) & (self._c_t < self.periods)
        if sel.last_period is not None:
            cmask &= self._c_t <= sel.last_period
        xx, xy, yy = self._c_xx[cmask].sum(axis=0), self._c_xy[cmask].sum(axis=0), float(self._c_yy[cmask].sum())
        use = np.arange(K)
        if drop_constant:
            use = np.flatnonzero(np.diag(xx) > 0)
        _, group = np.unique(uniq // self.periods, return_inverse=True)
        return HedonicMoments(
            periods=self.periods,
            names=tuple(X_NAMES[i] for i in use),
            fixed_effect=True,
            group=group.astype(np.int64),
            period=(uniq % self.periods).astype(np.int64),
            cell_count=sums[:, 0],
            cell_y=sums[:, 1],
            cell_x=sums[:, 2:][:, use],
            xx=xx[np.ix_(use, use)],
            xy=xy[use],
            yy=yy,
        )

    def medians(self, segment: str, district: str, band: str) -> tuple[Ints, Floats]:
        """A district's (or, for the city's code, the whole city's) sales and median unit price (fen per
        m², NaN without sales) per period."""
        d = len(self.districts) if district == self.city_code else self.districts.index(district)
        return self._m[(SEGMENTS.index(segment), d, ALL_BANDS.index(band))]
