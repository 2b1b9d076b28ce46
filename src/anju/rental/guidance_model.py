"""Guidance rents (租赁指导价格): the model — the filed leases of a period read as columns, the
hedonic regression and every range computed from it (pure over numpy arrays).

An edition is computed (:func:`anju.rental.guidance.compute_edition`) from the leases filed in a period (default: the 12
months up to a date) with a hedonic regression, and stored as a draft with its method and all its
ranges in one transaction; :func:`anju.rental.guidance.publish` puts it in force and supersedes the previous one. Every
edition is kept. The method (also in ``docs/rental.md`` "Guidance rents and rent monitoring"):

* model — ``log(monthly rent per m²) = location + β·x + ε`` by OLS with heteroskedasticity-robust
  (HC1) standard errors, ``x`` = log(let area), bedrooms, floor, building age, age²/100, an
  indicator for an unknown build year and one for a room (分间) let. The location effects (one per
  street with at least ``min_street_leases`` leases; the remaining streets of a district share one
  district effect) are absorbed by the within transformation (demeaning by location), so a million
  leases never build a million × several-hundred dummy matrix; the effects are recovered afterwards
  as ``ȳ_g − x̄_g·β``;
* mid — the model's prediction for the typical unit of a home type in a street: the medians of the
  covariates of that type's leases in the street (at least 10), else in the district, else the city;
* band — low/high = mid × exp(10th / 90th percentile of the residuals) of that type in the street
  (at least 30 leases), else in the district, else in the city; so about eight leases in ten of a
  typical street lie inside the range. A street without enough leases of its own takes its
  district's location effect (``basis`` = district).

All of it is set-wise over numpy arrays read in one streamed query; the cost is linear in the leases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import BigInteger, ColumnElement, Connection, case, func, literal, or_, select, type_coerce

from anju import divisions, registry
from anju.core import clock
from anju.core.errors import ValidationError
from anju.rental import domain
from anju.rental.tables import (
    rental_leases,
)

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741

#: Lease statuses whose rent was agreed and filed (a cancelled filing, 备案注销, never counts).
FILED_STATUSES = (domain.LeaseStatus.filed.value, domain.LeaseStatus.terminated.value, domain.LeaseStatus.expired.value)
MIN_STREET_LEASES = 30  # a street needs this many leases for a location effect of its own
MIN_TYPICAL = 10  # leases of a type for its typical unit in a street (else district, else city)
MIN_BAND = 30  # leases of a type for its residual band in a street (else district, else city)
BAND_Q = (0.10, 0.90)
MAX_AGE = 80
MAX_FLOOR = 40
COEFFICIENTS = ("log_area", "bedrooms", "floor", "age", "age2_100", "age_unknown", "room")
COEFFICIENT_LABELS = {
    "log_area": "建筑面积（对数）",
    "bedrooms": "卧室数",
    "floor": "所在楼层",
    "age": "房龄（年）",
    "age2_100": "房龄平方 / 100",
    "age_unknown": "建成年份不详",
    "room": "分间出租",
}
_TYPE_INDEX = {t: i for i, t in enumerate(domain.HOME_TYPES)}


# ---------------------------------------------------------------------------------------- the data


@dataclass
class LeaseData:
    """The filed leases of a period as columns (one row per lease)."""

    streets: list[str]  # street index → code
    street: I
    rent_m2: F  # fen per m² per month
    log_area: F
    bedrooms: F
    floor: F
    age: F  # years; NaN when the build year is unknown
    room: F  # 1 for a room (分间) let
    home_type: I  # index into domain.HOME_TYPES

    @property
    def n(self) -> int:
        return int(self.street.shape[0])


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, dtime(0), clock.CITY_TZ)


def home_type_sql(room_id: Any, bedrooms: Any, mode: Any | None = None) -> ColumnElement[str]:
    """SQL form of ``domain.home_type`` (a room let, else by bedrooms)."""
    is_room = room_id.is_not(None) if mode is None else or_(room_id.is_not(None), mode == domain.ListingMode.room.value)
    return case(
        (is_room, literal("分间")),
        (func.coalesce(bedrooms, 1) <= 1, literal("1室")),
        (bedrooms == 2, literal("2室")),
        else_=literal("3室+"),
    )


def read_leases(conn: Connection, start: date, end: date, *, batch: int = 100_000) -> LeaseData:
    """The leases filed from ``start`` to ``end`` (inclusive, Beijing dates) with a positive rent and
    area, joined set-wise to their home's floor and their building's (else estate's) build year."""
    area_raw = type_coerce(rental_leases.c.area, BigInteger)  # integer hundredths of m², as stored
    q = (
        select(
            rental_leases.c.street_code,
            rental_leases.c.rent_fen,
            area_raw,
            rental_leases.c.bedrooms,
            case((rental_leases.c.room_id.is_(None), 0), else_=1),
            registry.homes.c.floor_no,
            func.coalesce(registry.buildings.c.year_built, registry.estates.c.year_built),
        )
        .select_from(
            rental_leases.join(registry.homes, registry.homes.c.id == rental_leases.c.home_id)
            .join(registry.buildings, registry.buildings.c.id == registry.homes.c.building_id)
            .outerjoin(registry.estates, registry.estates.c.id == registry.buildings.c.estate_id)
        )
        .where(
            rental_leases.c.status.in_(FILED_STATUSES),
            rental_leases.c.filed_at >= _local_midnight(start),
            rental_leases.c.filed_at < _local_midnight(end + timedelta(days=1)),
            rental_leases.c.rent_fen > 0,
            area_raw > 0,
        )
    )
    index: dict[str, int] = {}
    parts: list[tuple[I, F, F, F, F, F, F]] = []
    result = conn.execute(q.execution_options(yield_per=batch))
    for part in result.partitions():
        cols = list(zip(*part, strict=True))
        street = np.fromiter((index.setdefault(s, len(index)) for s in cols[0]), np.int64, len(part))
        rent = np.asarray(cols[1], dtype=np.float64)
        area = np.asarray(cols[2], dtype=np.float64) / 100.0
        beds = np.asarray(cols[3], dtype=np.float64)  # None → NaN
        room = np.asarray(cols[4], dtype=np.float64)
        floor = np.asarray(cols[5], dtype=np.float64)
        year = np.asarray(cols[6], dtype=np.float64)
        parts.append((street, rent / area, area, beds, room, floor, year))
    result.close()
    if not parts:
        empty = np.zeros(0)
        return LeaseData([], np.zeros(0, np.int64), empty, empty, empty, empty, empty, empty, np.zeros(0, np.int64))
    street, rent_m2, area, beds, room, floor, year = (np.concatenate(c) for c in zip(*parts, strict=True))
    del parts
    beds = np.where(np.isnan(beds), 1.0, beds)
    home_type = np.where(room == 1, 3, np.clip(beds, 1, 3) - 1).astype(np.int64)
    age = np.clip(end.year - year, 0, MAX_AGE)  # NaN stays NaN
    return LeaseData(
        streets=list(index),
        street=street.astype(np.int64),
        rent_m2=rent_m2,
        log_area=np.log(area),
        bedrooms=np.clip(beds, 1, 5),
        floor=np.clip(floor, 1, MAX_FLOOR),
        age=age,
        room=room,
        home_type=home_type,
    )


# --------------------------------------------------------------------------------------- the model


def design(log_area: F, bedrooms: F, floor: F, age: F, age_unknown: F, room: F) -> F:
    """The covariate matrix (columns in ``COEFFICIENTS`` order); no constant (location absorbs it)."""
    return np.column_stack([log_area, bedrooms, floor, age, age * age / 100.0, age_unknown, room])


def group_quantile(values: F, groups: I, n_groups: int, q: float) -> F:
    """The ``q``-quantile of ``values`` in each group 0..n_groups-1 (linear interpolation, as
    ``numpy.quantile``); NaN for an empty group. One sort for all groups."""
    out = np.full(n_groups, np.nan)
    if values.size == 0:
        return out
    order = np.lexsort((values, groups))
    v = values[order]
    counts = np.bincount(groups, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    has = counts > 0
    pos = starts[has] + (counts[has] - 1) * q
    lo = np.floor(pos).astype(np.int64)
    hi = np.ceil(pos).astype(np.int64)
    out[has] = v[lo] + (v[hi] - v[lo]) * (pos - lo)
    return out


@dataclass
class Fit:
    beta: F
    se: F
    pvalues: F
    effects: F  # per location group
    resid: F
    r2_within: float
    r2_overall: float
    n: int
    groups: int


def fit_model(y: F, x: F, group: I, n_groups: int) -> Fit:
    """OLS of ``y`` on ``x`` with one absorbed effect per group (within transformation), HC1 errors
    corrected for the absorbed degrees of freedom."""
    import statsmodels.api as sm

    counts = np.bincount(group, minlength=n_groups).astype(np.float64)
    safe = np.where(counts > 0, counts, 1.0)
    ybar = np.bincount(group, weights=y, minlength=n_groups) / safe
    xbar = np.column_stack([np.bincount(group, weights=x[:, j], minlength=n_groups) / safe for j in range(x.shape[1])])
    yd = y - ybar[group]
    xd = x - xbar[group]
    # a covariate constant within every location (e.g. no build year unknown anywhere) carries no
    # information: it is left out (estimate 0, no standard error)
    n, k_all = xd.shape
    keep = np.flatnonzero(xd.std(axis=0) > 1e-9)
    res = sm.OLS(yd, xd[:, keep]).fit(cov_type="HC1")
    k = keep.size
    g = int((counts > 0).sum())
    dof = max(n - k - g, 1)
    scale = (n - k) / dof
    beta = np.zeros(k_all)
    se = np.full(k_all, np.nan)
    beta[keep] = np.asarray(res.params, dtype=np.float64)
    se[keep] = np.sqrt(np.diag(res.cov_params()) * scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        tvals = np.where(se > 0, beta / se, np.nan)
    from scipy import stats

    pvalues = 2 * stats.t.sf(np.abs(tvals), dof)
    resid = yd - xd @ beta
    ssr = float(resid @ resid)
    tss_w = float(yd @ yd)
    tss = float(((y - y.mean()) ** 2).sum())
    effects = ybar - xbar @ beta
    return Fit(
        beta=beta,
        se=se,
        pvalues=np.asarray(pvalues, dtype=np.float64),
        effects=effects,
        resid=resid,
        r2_within=1 - ssr / tss_w if tss_w > 0 else 0.0,
        r2_overall=1 - ssr / tss if tss > 0 else 0.0,
        n=n,
        groups=g,
    )


@dataclass
class Range:
    district_code: str
    street_code: str
    home_type: str
    low: int
    mid: int
    high: int
    leases: int
    basis: str  # street | district


@dataclass
class Computed:
    ranges: list[Range]
    method: dict[str, Any]
    n: int
    fit: Fit | None = field(default=None, repr=False)


def _pick(*candidates: tuple[F, npt.NDArray[np.bool_]]) -> F:
    """Per row, the first candidate value whose count passes (each candidate: values, ok mask)."""
    out = np.full(candidates[0][0].shape, np.nan)
    done = np.zeros(out.shape, dtype=bool)
    for values, ok in candidates:
        take = ok & ~done & ~np.isnan(values)
        out[take] = values[take]
        done |= take
    return out


def compute(
    data: LeaseData,
    street_district: dict[str, str],
    *,
    min_street_leases: int = MIN_STREET_LEASES,
) -> Computed:
    """The model and every range from the leases (pure: no database)."""
    # every street of the city (from the divisions) and any street the leases name
    streets = list(dict.fromkeys([*sorted(street_district), *data.streets]))
    s_index = {s: i for i, s in enumerate(streets)}
    remap = np.asarray([s_index[s] for s in data.streets], dtype=np.int64)
    street = remap[data.street] if data.n else np.zeros(0, np.int64)
    n_s = len(streets)
    districts = sorted({street_district.get(s, s[:6]) for s in streets})
    d_index = {c: i for i, c in enumerate(districts)}
    n_d = len(districts)
    district_of = np.asarray([d_index[street_district.get(s, s[:6])] for s in streets], dtype=np.int64)
    nt = len(domain.HOME_TYPES)
    k = len(COEFFICIENTS)
    if data.n < max(50, 3 * k):
        raise ValidationError.of("until", f"期间内已备案的租赁合同只有 {data.n} 份，不足以测算指导租金（至少 50 份）")
    district = district_of[street]
    # location groups: a street of its own, or its district's pool of thin streets
    street_n = np.bincount(street, minlength=n_s)
    own = street_n >= min_street_leases
    loc_of_street = np.where(own, np.arange(n_s), n_s + district_of)
    loc = loc_of_street[street]
    n_loc = n_s + n_d
    y = np.log(data.rent_m2)
    age_unknown = np.isnan(data.age).astype(np.float64)
    known = ~np.isnan(data.age)
    fill_age = float(np.median(data.age[known])) if known.any() else 0.0
    age = np.where(known, data.age, fill_age)
    x = design(data.log_area, data.bedrooms, data.floor, age, age_unknown, data.room)
    fit = fit_model(y, x, loc, n_loc)
    t = data.home_type
    # typical unit per street × type: medians of the type's leases in the street, district, city
    gs, gd = street * nt + t, district * nt + t
    typical: dict[str, F] = {}
    n_st = np.bincount(gs, minlength=n_s * nt)
    n_dt = np.bincount(gd, minlength=n_d * nt)
    n_t = np.bincount(t, minlength=nt)
    cell_s = np.arange(n_s * nt)  # street × type cells
    cell_d = district_of[cell_s // nt] * nt + cell_s % nt
    cell_t = cell_s % nt
    for name, values in (("log_area", data.log_area), ("bedrooms", data.bedrooms), ("floor", data.floor), ("age", age)):
        typical[name] = _pick(
            (group_quantile(values, gs, n_s * nt, 0.5), n_st >= MIN_TYPICAL),
            (group_quantile(values, gd, n_d * nt, 0.5)[cell_d], n_dt[cell_d] >= MIN_TYPICAL),
            (group_quantile(values, t, nt, 0.5)[cell_t], n_t[cell_t] > 0),
        )
    room = (cell_t == _TYPE_INDEX["分间"]).astype(np.float64)
    xt = design(typical["log_area"], typical["bedrooms"], typical["floor"], typical["age"], np.zeros(n_s * nt), room)
    # location effect per street: its own, else its district pool's (enough leases), else the
    # lease-weighted mean of the district's effects
    eff = fit.effects
    loc_n = np.bincount(loc, minlength=n_loc)
    d_mean = np.bincount(district, weights=eff[loc], minlength=n_d) / np.maximum(
        np.bincount(district, minlength=n_d), 1
    )
    d_has = np.bincount(district, minlength=n_d) > 0
    pool = n_s + district_of
    street_eff = np.where(
        own, eff[np.arange(n_s)], np.where(loc_n[pool] >= min_street_leases, eff[pool], d_mean[district_of])
    )
    street_ok = own | d_has[district_of]
    pred = street_eff[cell_s // nt] + xt @ fit.beta
    # residual band per street × type: street, else district, else city
    bands = []
    for q in BAND_Q:
        bands.append(
            _pick(
                (group_quantile(fit.resid, gs, n_s * nt, q), n_st >= MIN_BAND),
                (group_quantile(fit.resid, gd, n_d * nt, q)[cell_d], n_dt[cell_d] >= MIN_BAND),
                (group_quantile(fit.resid, t, nt, q)[cell_t], n_t[cell_t] > 0),
            )
        )
    lo_q, hi_q = np.minimum(bands[0], 0.0), np.maximum(bands[1], 0.0)
    ranges: list[Range] = []
    for c in range(n_s * nt):
        si, ti = divmod(c, nt)
        if not street_ok[si] or math.isnan(pred[c]) or math.isnan(lo_q[c]):
            continue
        mid = math.exp(pred[c])
        low, high = math.exp(pred[c] + lo_q[c]), math.exp(pred[c] + hi_q[c])
        ranges.append(
            Range(
                district_code=districts[district_of[si]],
                street_code=streets[si],
                home_type=domain.HOME_TYPES[ti],
                low=min(round(low), round(mid)),
                mid=round(mid),
                high=max(round(high), round(mid)),
                leases=int(n_st[c]),
                basis="street" if own[si] else "district",
            )
        )
    method = {
        "model": "hedonic OLS with absorbed location effects (within transformation), HC1 robust errors",
        "formula": "log(rent_fen_per_m2) ~ " + " + ".join(COEFFICIENTS) + " + C(location)",
        "dependent": "log of the monthly rent per m² of let area (fen)",
        "coefficients": {
            name: {
                "label": COEFFICIENT_LABELS[name],
                "estimate": _num(fit.beta[j]),
                "se": _num(fit.se[j]),
                "p": _num(fit.pvalues[j]),
            }
            for j, name in enumerate(COEFFICIENTS)
        },
        "r2_within": _num(fit.r2_within),
        "r2_overall": _num(fit.r2_overall),
        "n": fit.n,
        "locations": {"streets": int(own.sum()), "district_pools": int(fit.groups - int(own.sum()))},
        # log-scale location effects: a street of its own, or "district:<code>" (its thin streets' pool)
        "location_effects": {
            (streets[i] if i < n_s else f"district:{districts[i - n_s]}"): _num(eff[i])
            for i in range(n_loc)
            if loc_n[i] > 0
        },
        "min_street_leases": min_street_leases,
        "age_fill_years": fill_age,
        "typical_unit": {"statistic": "median", "min_leases": MIN_TYPICAL, "levels": ["street", "district", "city"]},
        "band": {
            "low_quantile": BAND_Q[0],
            "high_quantile": BAND_Q[1],
            "min_leases": MIN_BAND,
            "levels": ["street", "district", "city"],
            "rule": "low/high = mid × exp(10th/90th percentile of the residuals of the type)",
        },
        "fallbacks": {
            "district_streets": sorted({r.street_code for r in ranges if r.basis == "district"}),
        },
        "statuses": list(FILED_STATUSES),
    }
    return Computed(ranges, method, fit.n, fit)


def _num(v: float) -> float | None:
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else round(v, 6)


def street_districts(conn: Connection) -> dict[str, str]:
    """Every street of the city → the district or zone managing it (one query)."""
    rows = conn.execute(
        select(
            divisions.divisions_table.c.code,
            func.coalesce(divisions.divisions_table.c.managing_code, divisions.divisions_table.c.parent_code),
        ).where(divisions.divisions_table.c.level == "street")
    )
    return {r[0]: r[1] for r in rows}
