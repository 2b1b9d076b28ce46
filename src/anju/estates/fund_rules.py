"""The maintenance fund's pure rules (no database): the dated deposit rates (交存标准, a TOML file of
editions), a home's building type and first deposit, the day-weighted balance of a year and the exact
allocation of an amount by weights (largest remainder, in fen).

Nothing here imports SQLAlchemy or FastAPI.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from anju.core.errors import ValidationError
from anju.estates.domain import BUILDING_TYPES

# ------------------------------------------------------------------------------------ deposit rates


class RatesError(ValueError):
    """A rates file that cannot be read as editions."""


@dataclass(frozen=True, slots=True)
class RateEdition:
    """One edition of the deposit rates: fen per m² of construction area by building type."""

    code: str
    name: str
    effective_from: date
    sample: bool
    rates: tuple[tuple[str, int], ...]  # (building type, fen per m²), every BUILDING_TYPES key

    def rate(self, building_type: str) -> int:
        return dict(self.rates)[building_type]


def _edition(raw: dict[str, Any]) -> RateEdition:
    where = f"edition {raw.get('code', '?')}"
    try:
        rates = {str(k): int(v) for k, v in dict(raw["rates"]).items()}
        ed = RateEdition(
            code=str(raw["code"]),
            name=str(raw["name"]),
            effective_from=raw["effective_from"],
            sample=bool(raw.get("sample", False)),
            rates=tuple(sorted(rates.items())),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise RatesError(f"{where}: {e}") from None
    if not isinstance(ed.effective_from, date):
        raise RatesError(f"{where}: effective_from must be a date")
    if set(rates) != set(BUILDING_TYPES):
        raise RatesError(f"{where}: rates must name exactly the building types {sorted(BUILDING_TYPES)}")
    if any(v <= 0 for v in rates.values()):
        raise RatesError(f"{where}: rates must be positive fen per m²")
    return ed


def load_rates(path: Path) -> tuple[RateEdition, ...]:
    """The editions of a rates file, oldest first (RatesError when malformed)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise RatesError(f"{path.name}: {e}") from None
    out = tuple(sorted((_edition(e) for e in raw.get("edition", [])), key=lambda e: e.effective_from))
    if len({e.code for e in out}) != len(out) or len({e.effective_from for e in out}) != len(out):
        raise RatesError(f"{path.name}: edition codes and effective_from dates must not repeat")
    return out


def sample_path(city_code: str) -> Path:
    return Path(__file__).parent / "data" / city_code / "fund_rates.toml"


@cache
def _cached(path: str) -> tuple[RateEdition, ...]:
    return load_rates(Path(path))


def rates_for(path: str) -> tuple[RateEdition, ...]:
    """The editions of the file at ``path`` (read once per process); none when it does not exist."""
    return _cached(path) if Path(path).exists() else ()


def rate_on(editions: Sequence[RateEdition], building_type: str, on: date) -> tuple[RateEdition, int]:
    """The edition in force on ``on`` and its rate (fen per m²) for ``building_type``."""
    if building_type not in BUILDING_TYPES:
        raise ValidationError.of("building_type", f"未知的房屋类型 {building_type}")
    found = None
    for e in editions:
        if e.effective_from <= on:
            found = e
    if found is None:
        raise ValidationError.of("rates", f"{on} 无现行的维修资金交存标准")
    return found, found.rate(building_type)


def building_type(use: str, floors_above: int) -> str:
    """The deposit rate's building type of a home from its building: not residential → other; up to 3
    floors → villa; up to 7 → multi (no lift required); higher → high."""
    if use not in ("住宅", "商住"):
        return "other"
    if floors_above <= 3:
        return "villa"
    return "multi" if floors_above <= 7 else "high"


def deposit_fen(area: Decimal, rate_fen_per_m2: int) -> int:
    """The first deposit: construction area × rate, rounded half up to the fen."""
    if area <= 0:
        raise ValidationError.of("area", "面积应大于 0")
    return int((area * rate_fen_per_m2).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def below_share(balance_fen: int, initial_fen: int, percent: int) -> bool:
    """Whether a home's balance fell below ``percent`` % of its initial deposit (a top-up is due)."""
    return initial_fen > 0 and balance_fen * 100 < initial_fen * percent


# ------------------------------------------------------------------------------------------ interest


def days_in_year(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def day_weighted(opening_fen: int, movements: Sequence[tuple[date, int]], year: int) -> int:
    """Σ balance × days over ``year`` (fen·days): ``opening_fen`` held from 1 January, each movement
    (day, signed fen) from its day to the year's end inclusive. Movements outside the year are refused."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    total = opening_fen * (end - start).days
    for day, fen in movements:
        if not start <= day < end:
            raise ValidationError.of("movements", f"{day} 不在 {year} 年内")
        total += fen * (end - day).days
    return total


def allocate(total_fen: int, weights: Sequence[int]) -> list[int]:
    """``total_fen`` split in proportion to ``weights`` exactly: each gets the floor of its share, the
    fen left over go one each to the largest remainders (ties: the larger weight, then the earlier
    position). Negative weights count as zero; the result sums to ``total_fen``.

    Millions of weights a year (the annual interest): when every number fits a 64-bit integer the
    shares, remainders and their order are numpy's (a stable ``lexsort``); otherwise the shares are
    Python's exact integers (and the order too when the remainders do not fit)."""
    if total_fen < 0:
        raise ValidationError.of("total_fen", "金额不能为负")
    w = [x if x > 0 else 0 for x in map(int, weights)]
    s = sum(w)
    if s == 0:
        if total_fen:
            raise ValidationError.of("weights", "没有可分配的余额（全部为零）")
        return [0] * len(w)
    if total_fen * max(w) < _INT64:  # every product fits: all in numpy
        wa = np.array(w, dtype=np.int64)
        q, r = np.divmod(wa * total_fen, s)
        left = total_fen - int(q.sum())
        if left:
            q[np.lexsort((-wa, -r))[:left]] += 1
        return list(q.tolist())
    shares = [total_fen * x // s for x in w]
    left = total_fen - sum(shares)
    if left:
        rem = [total_fen * x % s for x in w]
        if s < _INT64:  # the remainders and weights (both below s) fit
            order = np.lexsort((-np.array(w, dtype=np.int64), -np.array(rem, dtype=np.int64)))[:left].tolist()
        else:
            order = sorted(range(len(w)), key=lambda i: (-rem[i], -w[i], i))[:left]
        for i in order:
            shares[i] += 1
    return shares


_INT64 = 2**63
