"""The market-monitoring context's tables (房地产市场监测、评估与预警, issue 21).

Inbound facts (land transfers from the land authority's feed) are kept as received. Everything else is
a *computed* result: one ``market_runs`` row per computation (``anju market compute``), and the rows
it wrote (indices, their quality, the supply pipeline, rent-to-price ratios, indicator values, health
scores, forecasts) carry its ``run_id``. Pages and the API read the latest finished run, so a
dashboard answers from stored results and never recomputes; older runs are kept (the history, and
the revision of indices measured between runs). Warnings and publications are officers' records: a
warning is raised by a run and then acknowledged and closed by people; a publication is the snapshot
of one month's figures the bureau made public (the public page shows only published figures).

Statistics (indices, ratios, scores) are floats: they are estimates, not money. Money is integer fen,
areas exact decimals (``Area``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from anju.core.types import Area, IdType, UTCDateTime, metadata

# ------------------------------------------------------------------------------------ land transfers

#: 土地出让: one row per transfer the land authority reports (feed ``market.land_transfers``) or the
#: synthetic history wrote (``source`` synthetic, ``record_id`` ``SYN…``).
market_land_transfers = Table(
    "market_land_transfers",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("record_id", String(40), nullable=False, unique=True),  # the land authority's transfer number
    Column("parcel_no", String(40), nullable=False),  # 地块编号
    Column("parcel_name", String(100), nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=True),
    Column("land_use", String(16), nullable=False),  # domain.LAND_USES
    Column("rental_housing", Integer, nullable=False),  # 1: land for rental housing (租赁住房用地)
    Column("method", String(12), nullable=False),  # domain.TRANSFER_METHODS
    Column("site_area", Area, nullable=False),  # 出让面积, m²
    Column("plot_ratio", Numeric(6, 2), nullable=False),  # 容积率
    Column("floor_area", Area, nullable=False),  # 规划建筑面积 = site area × plot ratio, m²
    Column("starting_price_fen", BigInteger, nullable=False),  # 起始价
    Column("price_fen", BigInteger, nullable=False),  # 成交价
    Column("floor_price_fen", BigInteger, nullable=False),  # 楼面地价: price per m² of floor area
    Column("premium_rate", Numeric(8, 4), nullable=False),  # 溢价率 = price / starting price − 1
    Column("buyer", String(100), nullable=False),  # 竞得人 (an organisation: public)
    Column("transferred_on", Date, nullable=False),  # 成交日期
    Column("source", String(12), nullable=False),  # feed | synthetic
    Column("feed_load_id", IdType, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_market_land_district_date", "district_code", "transferred_on"),
    Index("ix_market_land_street", "street_code"),
)

# ------------------------------------------------------------------------------------------- runs

#: One computation of the market figures (indices, supply, ratios, health, warnings, forecasts).
market_runs = Table(
    "market_runs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("engine", String(8), nullable=False),  # duckdb | spark
    Column("status", String(8), nullable=False),  # running | done | failed
    Column("first_month", String(7), nullable=False),  # YYYY-MM, the indices' base month (= 100)
    Column("last_month", String(7), nullable=False),  # the last complete month computed
    Column("edition", String(20), nullable=True),  # the health-model edition used
    Column("params", Text, nullable=False),  # JSON: methods, bands, minimum cell sizes, …
    Column("summary", Text, nullable=True),  # JSON: counts, timings, failures
    Column("job_id", IdType, nullable=True),  # the background job (core.jobs) that ran it, if any
    Column("started_by", String(40), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Index("ix_market_runs_status", "status", "id"),
)

# ------------------------------------------------------------------------------------------ indices

#: One index value: segment (new | resale) × method × area (a district's code or the city's) × size
#: band × month. ``value`` is the fixed-base index (``market_runs.first_month`` = 100); ``mom``/``yoy`` are the
#: month-on-month and year-on-year ratios × 100 (上月=100, 上年同月=100). ``status``: ok | thin (few
#: observations, flagged) | none (the method cannot estimate the cell: ``value`` NULL, never invented).
market_index_values = Table(
    "market_index_values",
    metadata,
    Column("run_id", IdType, ForeignKey("market_runs.id"), primary_key=True),
    Column("segment", String(8), primary_key=True),
    Column("method", String(24), primary_key=True),
    Column("area_code", String(12), primary_key=True),
    Column("band", String(8), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("value", Float, nullable=True),  # the fixed-base index
    Column("mom", Float, nullable=True),
    Column("yoy", Float, nullable=True),
    Column("observations", Integer, nullable=False),  # sales (hedonic, median) or pairs (repeat sales)
    Column("median_unit_price_fen", BigInteger, nullable=True),  # the median method's level, fen per m²
    Column("status", String(8), nullable=False),
)

#: The quality of one index series, measured the way hpiR measures it (``indices/quality.py``):
#: accuracy (k-fold out-of-sample root mean squared log prediction error of held-out homes' repeat
#: pairs), volatility (the mean over windows of the rolling sample standard deviation of the
#: month-on-month log changes), revision (mean absolute change of past log values when months are
#: added), and, on synthetic data, the mean absolute log error against the generator's true index.
market_index_quality = Table(
    "market_index_quality",
    metadata,
    Column("run_id", IdType, ForeignKey("market_runs.id"), primary_key=True),
    Column("segment", String(8), primary_key=True),
    Column("method", String(24), primary_key=True),
    Column("area_code", String(12), primary_key=True),
    Column("band", String(8), primary_key=True),
    Column("accuracy", Float, nullable=True),
    Column("volatility", Float, nullable=True),
    Column("revision", Float, nullable=True),
    Column("truth_mae", Float, nullable=True),
    Column("months", Integer, nullable=False),
    Column("thin_months", Integer, nullable=False),
    Column("missing_months", Integer, nullable=False),
)

# ------------------------------------------------------------------------------------------ supply

#: The supply pipeline per area × month (土地→项目→预售→竣工→销售), computed from the land transfers,
#: the transactions context's projects, permits and contracts and the register: nothing typed in.
market_supply = Table(
    "market_supply",
    metadata,
    Column("run_id", IdType, ForeignKey("market_runs.id"), primary_key=True),
    Column("area_code", String(12), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("land_parcels", Integer, nullable=False),
    Column("land_floor_area", Area, nullable=False),
    Column("land_price_fen", BigInteger, nullable=False),
    Column("projects", Integer, nullable=False),
    Column("permits", Integer, nullable=False),
    Column("permitted_homes", Integer, nullable=False),
    Column("permitted_area", Area, nullable=False),
    Column("completed_homes", Integer, nullable=False),
    Column("new_sales", Integer, nullable=False),
    Column("new_sales_area", Area, nullable=False),
    Column("new_sales_fen", BigInteger, nullable=False),
    Column("resales", Integer, nullable=False),
    Column("resales_area", Area, nullable=False),
    Column("resales_fen", BigInteger, nullable=False),
    Column("inventory_homes", Integer, nullable=False),  # permitted and not under an active contract
    Column("inventory_area", Area, nullable=False),
    Column("months_of_supply", Float, nullable=True),  # 去化周期: inventory area / mean sales area of 12 months
)

#: Rent-to-price ratio (租售比) per street for the run's last month: the median filed rent per m² a
#: year over the median resale unit price of the last twelve months.
market_rent_ratios = Table(
    "market_rent_ratios",
    metadata,
    Column("run_id", IdType, ForeignKey("market_runs.id"), primary_key=True),
    Column("street_code", String(12), primary_key=True),
    Column("district_code", String(12), nullable=False),
    Column("leases", Integer, nullable=False),
    Column("sales", Integer, nullable=False),
    Column("median_rent_fen_m2", BigInteger, nullable=True),  # monthly rent per m², fen
    Column("median_price_fen_m2", BigInteger, nullable=True),  # resale unit price, fen per m²
    Column("ratio", Float, nullable=True),  # annual rent / price; NULL when a side has no data (none)
    Column("status", String(8), nullable=False),  # ok | thin (few observations: flagged) | none
)

# ------------------------------------------------------------------------------------------- health

#: One indicator's value for an area × month under a health-model edition, with its inputs (JSON: the
#: figures it was computed from and where they came from), so every score explains itself.
market_indicator_values = Table(
    "market_indicator_values",
    metadata,
    Column("run_id", IdType, ForeignKey("market_runs.id"), primary_key=True),
    Column("area_code", String(12), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("indicator", String(40), primary_key=True),
    Column("value", Float, nullable=True),  # NULL: no data for the month (said, not invented)
    Column("score", Float, nullable=True),  # the normalised score 0–100 under the edition
    Column("inputs", Text, nullable=False),
)

#: The health score per area × month × dimension (domain.DIMENSIONS; ``total`` the weighted whole),
#: 0–100, with the contributions of its indicators (JSON).
market_health_scores = Table(
    "market_health_scores",
    metadata,
    Column("run_id", IdType, ForeignKey("market_runs.id"), primary_key=True),
    Column("area_code", String(12), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("dimension", String(16), primary_key=True),
    Column("score", Float, nullable=True),
    Column("grade", String(8), nullable=True),  # the edition's band: 健康 / 基本健康 / 关注 / 预警
    Column("contributions", Text, nullable=False),
)

#: An early warning: a rule of the edition fired on an indicator for an area and month. Raised by a run
#: (one open warning per rule × area × month: a later run does not raise it again), then acknowledged
#: and closed by officers, each with a note.
market_warnings = Table(
    "market_warnings",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("rule", String(40), nullable=False),
    Column("edition", String(20), nullable=False),
    Column("indicator", String(40), nullable=False),
    Column("area_code", String(12), nullable=False),
    Column("month", String(7), nullable=False),
    Column("severity", String(8), nullable=False),  # domain.SEVERITIES
    Column("message", String(300), nullable=False),
    Column("inputs", Text, nullable=False),  # JSON: the values the rule saw
    Column("status", String(12), nullable=False),  # open | acknowledged | closed
    Column("run_id", IdType, ForeignKey("market_runs.id"), nullable=False),
    Column("raised_at", UTCDateTime, nullable=False),
    Column("acknowledged_by", String(40), nullable=True),
    Column("acknowledged_at", UTCDateTime, nullable=True),
    Column("acknowledge_note", String(500), nullable=True),
    Column("closed_by", String(40), nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("close_note", String(500), nullable=True),
    UniqueConstraint("rule", "area_code", "month", name="uq_market_warnings_rule_area_month"),
    Index("ix_market_warnings_status", "status", "area_code"),
)

#: A short-horizon forecast (SARIMAX) of a series per area: the point forecast and its interval per
#: future month, with the back-test error of the model on the series' own past.
market_forecasts = Table(
    "market_forecasts",
    metadata,
    Column("run_id", IdType, ForeignKey("market_runs.id"), primary_key=True),
    Column("series", String(24), primary_key=True),  # domain.FORECAST_SERIES
    Column("area_code", String(12), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("value", Float, nullable=False),
    Column("lower", Float, nullable=False),
    Column("upper", Float, nullable=False),
    Column("level", Float, nullable=False),  # the interval's coverage, e.g. 0.8
    Column("model", String(60), nullable=False),
    Column("backtest_mape", Float, nullable=True),
)

# ------------------------------------------------------------------------------------- publications

#: The bureau's publication of a month's market figures (权威发布): the public page shows only these.
#: ``figures`` is the public-safe snapshot (JSON; aggregates with small cells suppressed); a
#: correction is a new version, the old one kept (``current`` NULL).
market_publications = Table(
    "market_publications",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("month", String(7), nullable=False),
    Column("version", Integer, nullable=False),
    Column("current", Integer, nullable=True),
    Column("run_id", IdType, ForeignKey("market_runs.id"), nullable=False),
    Column("figures", Text, nullable=False),
    Column("note", String(500), nullable=True),
    Column("published_by", String(40), nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    UniqueConstraint("month", "version", name="uq_market_publications_month_version"),
    UniqueConstraint("month", "current", name="uq_market_publications_month_current"),
)
