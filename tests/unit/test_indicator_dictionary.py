"""The indicator dictionary's data: the shipped files load, and a wrong file is refused naming the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anju import contexts
from anju.indicators import IndicatorError, load

GOOD = """
[[indicator]]
code = "test.homes"
name = "住房套数"
unit = "套"
formula = "楼盘表中的住房套数"
source = "楼盘表"
calibre = "年末在册的住宅"
levels = ["street", "city"]
owner = "registry"
provider = "tests.unit.test_indicator_dictionary:nothing"
decimals = 0
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_the_shipped_dictionary_loads_and_every_provider_imports() -> None:
    book = load()
    for ind in book.values():
        assert ind.name and ind.formula and ind.calibre and ind.source
        if ind.provider:
            assert callable(contexts.load(ind.provider)), ind.code


def test_an_entry_is_read_with_its_levels_in_canonical_order(tmp_path: Path) -> None:
    book = load([_write(tmp_path, "a.toml", GOOD)])
    ind = book["test.homes"]
    assert ind.levels == ("city", "street")
    assert ind.decimals == 0 and ind.direction == "higher" and ind.file == "a.toml"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('code = "test.homes"', 'code = "Homes"'), "a.toml.indicator[0].code"),
        (('levels = ["street", "city"]', 'levels = ["block"]'), "a.toml.indicator[0].levels"),
        (('levels = ["street", "city"]', "levels = []"), "a.toml.indicator[0].levels"),
        (('calibre = "年末在册的住宅"', ""), "a.toml.indicator[0].calibre: 缺少"),
        (('name = "住房套数"', 'name = "  "'), "a.toml.indicator[0].name: 不能为空"),
        (("decimals = 0", "decimals = 9"), "a.toml.indicator[0].decimals"),
        (("decimals = 0", 'colour = "red"'), "未知的键 colour"),
        (('provider = "tests.unit.test_indicator_dictionary:nothing"', 'provider = "no colon"'), ".provider"),
        (("decimals = 0", 'frequency = "week"'), "a.toml.indicator[0].frequency"),
        (("decimals = 0", 'frequency = "month"'), "a.toml.indicator[0].provider: 只有按年"),
    ],
)
def test_a_wrong_entry_is_refused_naming_the_key(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    text = GOOD.replace(*change)
    with pytest.raises(IndicatorError) as e:
        load([_write(tmp_path, "a.toml", text)])
    assert message in str(e.value)


def test_a_code_defined_twice_is_refused_naming_both_files(tmp_path: Path) -> None:
    with pytest.raises(IndicatorError, match=re.escape("b.toml.indicator[0].code: “test.homes”已在 a.toml 中定义")):
        load([_write(tmp_path, "a.toml", GOOD), _write(tmp_path, "b.toml", GOOD)])


def nothing() -> None:  # the provider GOOD names (only imported, never called)
    return None
