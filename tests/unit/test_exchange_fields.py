"""Checking one field of a feed's record (anju.exchange.check_field / check_record)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from anju.exchange import FeedDefinition, FeedField, FeedRecord, FieldKind, Invalid, check_field, check_record


def f(kind: FieldKind, **kw: Any) -> FeedField:
    return FeedField("x", "字段", kind, **kw)


@pytest.mark.parametrize(
    ("field", "raw", "value"),
    [
        (f("text"), "  甲  ", "甲"),
        (f("int", minimum=0), "12", 12),
        (f("fen"), "-300", -300),
        (f("yuan"), "12.5", 1250),
        (f("decimal"), "0.125", Decimal("0.125")),
        (f("date"), "2026-01-02", date(2026, 1, 2)),
        (f("datetime"), "2026-01-02T08:00:00+08:00", datetime(2026, 1, 2, 0, 0, tzinfo=UTC)),
        (f("bool"), "是", True),
        (f("bool"), "false", False),
        (f("choice", choices=("a", "b")), "b", "b"),
        (f("id_number"), "11010519491231002x", "11010519491231002X"),
        (f("credit_code"), "91110000600037341L", "91110000600037341L"),
        (f("division"), "320102", "320102"),
        (f("house_code"), "320102-0001-01", "320102-0001-01"),
        (f("text", required=False), "", None),
    ],
)
def test_a_good_value_is_typed(field: FeedField, raw: str, value: object) -> None:
    assert check_field(field, raw) == value


@pytest.mark.parametrize(
    ("field", "raw", "reason"),
    [
        (f("text"), "", "必填"),
        (f("text", max_length=2), "甲乙丙", "不能超过 2 个字符"),
        (f("int", maximum=5), "6", "不能大于 5"),
        (f("int"), "1.5", "应为整数"),
        (f("yuan"), "1.234", "应为金额（元，最多两位小数）"),
        (f("date"), "2026-02-30", "应为有效日期（YYYY-MM-DD）"),
        (f("datetime"), "2026-01-02T08:00:00", "时间应带时区（如 +08:00）"),
        (f("bool"), "也许", "应为 是/否"),
        (f("choice", choices=("a", "b")), "c", "应为以下之一：a、b"),
        (f("id_number"), "110105194912310021", "居民身份证号码校验位不正确"),
        (f("credit_code"), "91110000600037341A", "统一社会信用代码校验位不正确"),
        (f("division"), "3201", "行政区划代码应为 6、9 或 12 位数字"),
    ],
)
def test_a_bad_value_says_why_without_echoing_it(field: FeedField, raw: str, reason: str) -> None:
    out = check_field(field, raw)
    assert out == Invalid(reason)
    assert not raw or raw not in reason


FEED = FeedDefinition(
    "t.x", "测试", "测试部门",
    (FeedField("no", "编号"), FeedField("n", "数量", kind="int"), FeedField("d", "日期", kind="date", required=False)),
    key=("no", "n"), handler="m:f",
)  # fmt: skip


def test_a_record_is_checked_field_by_field_and_keyed() -> None:
    assert check_record(FEED, {"no": "A1", "n": "3", "extra": "ignored"}, 7) == FeedRecord(
        7, "A1|3", {"no": "A1", "n": 3, "d": None}
    )


def test_a_record_with_bad_fields_gives_one_rejection_per_field() -> None:
    out = check_record(FEED, {"n": "x", "d": "昨天"}, 2)
    assert isinstance(out, list)
    assert [(r.seq, r.field, r.reason) for r in out] == [
        (2, "no", "编号：必填"),
        (2, "n", "数量：应为整数"),
        (2, "d", "日期：应为日期（YYYY-MM-DD）"),
    ]


def test_a_json_field_takes_a_list_or_json_text() -> None:
    owners = FeedField("owners", "权利人", kind="json")
    assert check_field(owners, [{"a": 1}]) == [{"a": 1}]
    assert check_field(owners, '[{"a": 1}]') == [{"a": 1}]
    assert check_field(owners, "[1") == Invalid("应为 JSON 数组或对象")
    assert check_field(owners, "3") == Invalid("应为 JSON 数组或对象")
    assert check_field(owners, []) == Invalid("必填")
