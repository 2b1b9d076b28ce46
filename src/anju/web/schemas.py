"""Shared API shapes."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


class ErrorItem(BaseModel):
    field: str
    reason: str
    row: int | None = None


class ErrorBody(BaseModel):
    error: str
    message: str
    errors: list[ErrorItem]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "请求有误"},
    401: {"model": ErrorBody, "description": "未登录或凭据无效"},
    403: {"model": ErrorBody, "description": "无权访问或 CSRF 校验失败"},
    404: {"model": ErrorBody, "description": "不存在"},
    409: {"model": ErrorBody, "description": "冲突"},
    413: {"model": ErrorBody, "description": "请求内容过大"},
    422: {"model": ErrorBody, "description": "字段无效"},
    429: {"model": ErrorBody, "description": "请求过于频繁"},
}
