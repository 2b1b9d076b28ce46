"""Price indices (issue 21): the estimators (pure numpy/statsmodels, on aggregated cells) and the engines
that aggregate sales into those cells (DuckDB, Spark)."""
