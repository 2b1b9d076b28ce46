"""The indicator dictionary (指标字典): every figure the platform shows is defined once, here, as data.

The dictionary is the TOML files in ``anju/indicators/data/`` (one file per owning context, e.g.
``streets.toml``, ``plan.toml``), each a list of ``[[indicator]]`` tables with the keys of
:class:`~anju.indicators.domain.Indicator`. :func:`load` reads and validates them all (an unknown or
missing key, a duplicate code, a bad level is an :class:`IndicatorError` naming the file and key);
:func:`dictionary` caches the result for the process.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, cast

from anju.indicators.domain import DIRECTIONS, FREQUENCIES, LEVELS, Direction, Frequency, Indicator, IndicatorError

DATA = Path(__file__).parent / "data"
CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
PROVIDER = re.compile(r"^[a-z_][a-z0-9_.]*:[a-z_][a-z0-9_]*$")
REQUIRED = ("code", "name", "unit", "formula", "source", "calibre", "levels", "owner")
OPTIONAL = ("provider", "decimals", "direction", "reference", "frequency")


def _check_texts(raw: Mapping[str, Any], where: str) -> None:
    for key in REQUIRED:
        if key not in raw:
            raise IndicatorError(f"{where}.{key}: 缺少")
    for key in ("code", "name", "unit", "formula", "source", "calibre", "owner"):
        if not isinstance(raw[key], str):
            raise IndicatorError(f"{where}.{key}: 应为字符串")
    for key in ("code", "name", "formula", "source", "calibre", "owner"):
        if not raw[key].strip():
            raise IndicatorError(f"{where}.{key}: 不能为空")


def _entry(raw: Mapping[str, Any], where: str, file: str) -> Indicator:
    unknown = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise IndicatorError(f"{where}: 未知的键 {', '.join(unknown)}")
    _check_texts(raw, where)
    code = raw["code"]
    if not CODE.match(code):
        raise IndicatorError(f"{where}.code: “{code}”应为以点分隔的小写英文代码，如 housing.floor_area_per_resident")
    levels = raw["levels"]
    if not isinstance(levels, list) or not levels or any(lv not in LEVELS for lv in levels):
        raise IndicatorError(f"{where}.levels: 应为 {', '.join(LEVELS)} 中的一个或多个")
    if len(set(levels)) != len(levels):
        raise IndicatorError(f"{where}.levels: 有重复")
    provider = raw.get("provider")
    if provider is not None and (not isinstance(provider, str) or not PROVIDER.match(provider)):
        raise IndicatorError(f"{where}.provider: 应为“模块:函数”")
    decimals = raw.get("decimals", 2)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
        raise IndicatorError(f"{where}.decimals: 应为 0–6 的整数")
    direction = raw.get("direction", "higher")
    if direction not in DIRECTIONS:
        raise IndicatorError(f"{where}.direction: 应为 {', '.join(DIRECTIONS)} 之一")
    frequency = raw.get("frequency", "year")
    if frequency not in FREQUENCIES:
        raise IndicatorError(f"{where}.frequency: 应为 {', '.join(FREQUENCIES)} 之一")
    if provider is not None and frequency != "year":
        raise IndicatorError(f'{where}.provider: 只有按年（frequency = "year"）的指标由平台按年刷新')
    reference = raw.get("reference", "")
    if not isinstance(reference, str):
        raise IndicatorError(f"{where}.reference: 应为字符串")
    return Indicator(
        code=code,
        name=raw["name"].strip(),
        unit=raw["unit"],
        formula=raw["formula"].strip(),
        source=raw["source"].strip(),
        calibre=raw["calibre"].strip(),
        levels=tuple(lv for lv in LEVELS if lv in levels),
        owner=raw["owner"].strip(),
        provider=provider,
        decimals=decimals,
        direction=cast(Direction, direction),
        reference=reference.strip(),
        frequency=cast(Frequency, frequency),
        file=file,
    )


def load(files: Iterable[Path] | None = None) -> dict[str, Indicator]:
    """Every entry of the dictionary files (default: all of ``data/*.toml``), by code, in file order."""
    out: dict[str, Indicator] = {}
    for path in sorted(DATA.glob("*.toml")) if files is None else files:
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise IndicatorError(f"{path.name}: 无法读取（{e}）") from None
        unknown = sorted(set(doc) - {"indicator"})
        if unknown:
            raise IndicatorError(f"{path.name}: 未知的表 {', '.join(unknown)}")
        entries = doc.get("indicator", [])
        if not isinstance(entries, list):
            raise IndicatorError(f"{path.name}.indicator: 应为 [[indicator]] 列表")
        for i, raw in enumerate(entries):
            where = f"{path.name}.indicator[{i}]"
            if not isinstance(raw, dict):
                raise IndicatorError(f"{where}: 应为表")
            ind = _entry(raw, where, path.name)
            if ind.code in out:
                raise IndicatorError(f"{where}.code: “{ind.code}”已在 {out[ind.code].file} 中定义")
            out[ind.code] = ind
    return out


@cache
def dictionary() -> Mapping[str, Indicator]:
    """The shipped dictionary, read once per process."""
    return load()


def get(code: str) -> Indicator:
    """The entry for ``code``; :class:`IndicatorError` naming it when the dictionary has none."""
    found = dictionary().get(code)
    if found is None:
        raise IndicatorError(f"指标代码“{code}”不在指标字典中")
    return found
