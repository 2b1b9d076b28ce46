"""Request-validation errors in the words a person reads: one Chinese reason per pydantic error type.

FastAPI answers a malformed request with pydantic's English messages ("String should match pattern
'^\\d*$'"); every message a person sees must be Chinese, so the composition root maps each error
through :func:`reason`. A validator of ours that raises ``ValueError`` with a Chinese message keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def _ctx(e: Mapping[str, Any], key: str) -> str:
    ctx = e.get("ctx") or {}
    return str(ctx.get(key, ""))


def _expected(e: Mapping[str, Any]) -> str:
    """pydantic's ``'', 'A', 'B' or 'C'`` as ``（空）、A、B、C``."""
    items = _ctx(e, "expected").replace(" or ", ", ").split(", ")
    return "、".join(x.strip("'\"") or "（空）" for x in items)


#: The Chinese names of request fields, by path prefix (a context installs its own with
#: ``add_field_labels``), so the message a person reads names a field in Chinese; the machine-readable
#: ``errors`` keep the field's code.
FIELD_LABELS: dict[str, dict[str, str]] = {}


def add_field_labels(prefixes: tuple[str, ...], labels: Mapping[str, str]) -> None:
    for p in prefixes:
        FIELD_LABELS.setdefault(p, {}).update(labels)


def field_label(field: str, path: str = "") -> str:
    """A field's Chinese name on ``path`` (``items[2].name`` by its last named part), or the field."""
    for prefix, labels in FIELD_LABELS.items():
        if path.startswith(prefix):
            last = field.rsplit(".", maxsplit=1)[-1].split("[", maxsplit=1)[0]
            return labels.get(field) or labels.get(last) or field
    return field


_REASONS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": lambda e: "必填",
    "string_pattern_mismatch": lambda e: "格式不正确",
    "string_too_long": lambda e: f"最多 {_ctx(e, 'max_length')} 个字符",
    "string_too_short": lambda e: f"至少 {_ctx(e, 'min_length')} 个字符",
    "string_type": lambda e: "应为文字",
    "too_long": lambda e: f"最多 {_ctx(e, 'max_length')} 项",
    "too_short": lambda e: f"至少 {_ctx(e, 'min_length')} 项",
    "int_parsing": lambda e: "应为整数",
    "int_type": lambda e: "应为整数",
    "int_from_float": lambda e: "应为整数",
    "float_parsing": lambda e: "应为数字",
    "float_type": lambda e: "应为数字",
    "decimal_parsing": lambda e: "应为数字",
    "decimal_type": lambda e: "应为数字",
    "decimal_max_digits": lambda e: f"最多 {_ctx(e, 'max_digits')} 位数字",
    "decimal_max_places": lambda e: f"最多 {_ctx(e, 'decimal_places')} 位小数",
    "bool_parsing": lambda e: "应为是或否",
    "bool_type": lambda e: "应为是或否",
    "greater_than": lambda e: f"应大于 {_ctx(e, 'gt')}",
    "greater_than_equal": lambda e: f"应不小于 {_ctx(e, 'ge')}",
    "less_than": lambda e: f"应小于 {_ctx(e, 'lt')}",
    "less_than_equal": lambda e: f"应不大于 {_ctx(e, 'le')}",
    "literal_error": lambda e: f"应为以下之一：{_expected(e)}",
    "enum": lambda e: f"应为以下之一：{_expected(e)}",
    "date_parsing": lambda e: "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": lambda e: "日期格式应为 YYYY-MM-DD",
    "date_type": lambda e: "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": lambda e: "时间格式不正确",
    "datetime_from_date_parsing": lambda e: "时间格式不正确",
    "datetime_type": lambda e: "时间格式不正确",
    "json_invalid": lambda e: "请求体不是有效的 JSON",
    "json_type": lambda e: "请求体不是有效的 JSON",
    "model_type": lambda e: "应为一个对象",
    "model_attributes_type": lambda e: "应为一个对象",
    "dict_type": lambda e: "应为一个对象",
    "list_type": lambda e: "应为一个列表",
    "extra_forbidden": lambda e: "不允许的字段",
    "uuid_parsing": lambda e: "格式不正确",
    "url_parsing": lambda e: "网址格式不正确",
    "value_error": lambda e: _ctx(e, "error") or "取值无效",
    "assertion_error": lambda e: _ctx(e, "error") or "取值无效",
}


def reason(error: Mapping[str, Any]) -> str:
    """The Chinese reason of one pydantic/FastAPI validation error (``{"type", "msg", "ctx", …}``)."""
    kind = str(error.get("type", ""))
    found = _REASONS.get(kind)
    return found(error) if found is not None else "取值无效"
