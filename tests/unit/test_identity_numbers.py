"""Resident ID numbers are refused with a reason, never a crash (pure, no database)."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from anju.core.errors import ValidationError
from anju.security.identity import resident_id


def with_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def test_a_region_code_the_library_cannot_place_is_refused_with_a_reason():
    # python-stdnum raises KeyError('county') for 320192 (a region entry without a county): a caller
    # once got a 500 for it
    with pytest.raises(ValidationError) as e:
        resident_id(with_check("32019219900101123"), "members[1].id_number")
    assert e.value.errors[0].field == "members[1].id_number"
    assert e.value.errors[0].reason == "居民身份证号码中的出生日期或地址码无效"


def test_valid_and_malformed_numbers():
    good = with_check("32010219900101123")
    assert resident_id(f" {good[:6]} {good[6:]} ") == good
    for bad, reason in (
        ("3201021990010112", "居民身份证号码应为 18 位"),
        (good[:-1] + ("0" if good[-1] != "0" else "1"), "居民身份证号码校验位不正确"),
    ):
        with pytest.raises(ValidationError) as e:
            resident_id(bad)
        assert e.value.errors[0].reason == reason
