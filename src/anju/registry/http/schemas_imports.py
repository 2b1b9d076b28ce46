"""Pydantic models and form types of the register's import REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from anju.web.schemas import ErrorItem

Source = Literal["presale", "survey", "registration", "rental", "manual"]
Mode = Literal["all_or_nothing", "good_rows"]


class ImportJobOut(BaseModel):
    id: int
    source: str = Field(description="来源：presale 预售、survey 测绘、registration 登记、rental 租赁、manual 手工")
    filename: str
    sha256: str
    mode: str = Field(description="all_or_nothing 全部或全不；good_rows 只导入正确的行")
    status: str = Field(description="loaded 已导入、partial 部分导入、unchanged 无变化、rejected 已拒绝")
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    conflicts: int
    created_at: datetime
    finished_at: datetime | None


class ConflictOut(BaseModel):
    row: int | None = None
    home_id: int
    house_code: str
    field: str
    values: dict[str, Any] = Field(description="各来源给出的值")
    winner: str = Field(description="按来源优先级采用的来源")
    value: Any = Field(description="采用的值")


class ImportJobDetail(ImportJobOut):
    format: str | None = None
    encoding: str | None = None
    errors: list[ErrorItem] = Field(default_factory=list, description="行级错误（最多列出 1000 条）")
    errors_total: int = 0
    conflict_list: list[ConflictOut] = Field(default_factory=list, description="来源之间的冲突（最多列出 1000 条）")
    conflicts_total: int = 0
    notes: list[str] = Field(default_factory=list)
    rejects_total: int = Field(0, description="被拒绝的行数；可从 rejects.csv 下载")


class ImportRejected(BaseModel):
    error: str
    message: str
    errors: list[ErrorItem]
    job: ImportJobDetail | None = Field(None, description="被拒绝的导入作业；请求本身无效（如缺少文件）时没有作业")
