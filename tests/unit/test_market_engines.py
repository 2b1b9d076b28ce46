"""DuckDB and Spark (local mode) run the same aggregation SQL on the same sales frame and give the same
cells (to 1e-9 relative) and the same indices; the aggregation's sums equal a direct computation."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from anju.market.index_step import estimate_all
from anju.market.indices import aggregate as ag
from anju.market.indices.engine_duckdb import DuckDBEngine
from anju.market.indices.engine_spark import SparkEngine, local_session
from anju.synth.market.frame import generate_frame
from anju.synth.market.model import DISTRICT_LEVEL

MONTHS = 36
DISTRICTS = sorted(DISTRICT_LEVEL)


@pytest.fixture(scope="module")
def frame() -> pa.Table:
    return generate_frame(scale=0.003, months=MONTHS, seed=3).frame


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = local_session(partitions=2)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def both(frame: pa.Table, spark: Any) -> tuple[ag.RawAggregates, ag.RawAggregates]:
    d = DuckDBEngine(threads=1, memory_limit="512MB")
    d.load(frame)
    s = SparkEngine(spark, partitions=2)
    s.load(frame)
    try:
        return ag.run_queries(d, 3), ag.run_queries(s, 3)
    finally:
        d.close()
        s.close()


def _same(a: pa.Table, b: pa.Table) -> None:
    assert a.column_names == b.column_names
    assert a.num_rows == b.num_rows > 0
    for name in a.column_names:
        x, y = a.column(name).to_pylist(), b.column(name).to_pylist()
        if pa.types.is_floating(a.schema.field(name).type):
            np.testing.assert_allclose(
                np.array(y, dtype=float), np.array(x, dtype=float), rtol=1e-9, atol=0, err_msg=name
            )
        else:
            assert x == y, name


@pytest.mark.parametrize("query", ["pairs", "hedonic_cells", "hedonic_cross", "medians"])
def test_spark_gives_the_cells_duckdb_gives(both, query):
    duck, spark = both
    a, b = getattr(duck, query), getattr(spark, query)
    assert a.schema.types == b.schema.types
    _same(a, b)


def test_spark_gives_the_indices_and_quality_duckdb_gives(both):
    duck, spark = both
    out = []
    for raw in (duck, spark):
        agg = ag.Aggregates(raw, periods=MONTHS, districts=DISTRICTS, city_code="320100", folds=3)
        out.append(
            list(
                estimate_all(
                    agg,
                    city_code="320100",
                    folds=3,
                    revision_months=1,
                    bands=("all", "le90"),
                    areas=("320100", "320115"),
                )
            )
        )
    assert len(out[0]) == len(out[1]) > 0
    for a, b in zip(*out, strict=True):
        assert (a.segment, a.method, a.area, a.band) == (b.segment, b.method, b.area, b.band)
        assert a.series.status == b.series.status
        np.testing.assert_allclose(b.series.log_index, a.series.log_index, rtol=1e-9, atol=1e-12)
        for f in ("accuracy", "volatility", "revision"):
            x, y = getattr(a.quality, f), getattr(b.quality, f)
            assert (x is None) == (y is None)
            if x is not None and y is not None:
                assert y == pytest.approx(x, rel=1e-9, abs=1e-12)


def test_the_pair_cells_are_the_sums_of_the_homes_consecutive_same_segment_sales(frame, both):
    duck, _ = both
    agg = ag.Aggregates(duck, periods=MONTHS, districts=DISTRICTS, city_code="320100", folds=3)
    cells = agg.pairs(ag.Selection("resale", "320100", "all"))
    rows = sorted(
        zip(
            *(frame.column(c).to_pylist() for c in ("home_id", "day", "sale_id", "segment", "t", "unit_price")),
            strict=True,
        )
    )
    expect: dict[tuple[int, int], list[float]] = {}
    for prev, cur in itertools.pairwise(rows):
        if prev[0] == cur[0] and prev[3] == cur[3] == "resale" and cur[4] > prev[4]:
            lr = float(np.log(cur[5] / prev[5]))
            e = expect.setdefault((prev[4], cur[4]), [0, 0.0, 0.0])
            e[0] += 1
            e[1] += lr
            e[2] += prev[5]
    got = {
        (int(a), int(b)): (n, s, p)
        for a, b, n, s, p in zip(cells.t1, cells.t2, cells.count, cells.sum_log_ratio, cells.sum_p1, strict=True)
    }
    assert got.keys() == expect.keys() and got
    for k, (n, s, p) in got.items():
        assert n == expect[k][0]
        assert s == pytest.approx(expect[k][1], rel=1e-9, abs=1e-12)
        assert p == pytest.approx(expect[k][2], rel=1e-12)


def test_city_and_band_all_cells_are_the_sums_of_the_districts_and_bands(both):
    duck, _ = both
    agg = ag.Aggregates(duck, periods=MONTHS, districts=DISTRICTS, city_code="320100", folds=3)
    city = agg.moments(ag.Selection("resale", "320100", "all"), drop_constant=False)
    parts = [agg.moments(ag.Selection("resale", d, b), drop_constant=False) for d in DISTRICTS for b in ag.BANDS]
    assert city.cell_count.sum() == sum(p.cell_count.sum() for p in parts)
    np.testing.assert_allclose(city.xx, sum(p.xx for p in parts), rtol=1e-12)
    train = agg.moments(ag.Selection("resale", "320100", "all", exclude_fold=0), drop_constant=False)
    held = agg.moments(ag.Selection("resale", "320100", "all", only_fold=0), drop_constant=False)
    assert train.cell_count.sum() + held.cell_count.sum() == city.cell_count.sum()
    assert train.yy + held.yy == pytest.approx(city.yy, rel=1e-12)
