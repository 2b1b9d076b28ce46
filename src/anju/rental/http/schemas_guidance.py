"""API shapes of guidance rents and rent monitoring (``/api/v1/rental/guidance``, ``/monitoring``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


class ComputeIn(BaseModel):
    until: date | None = Field(None, description="测算期截止日（含），默认今天")
    months: int = Field(12, ge=1, le=36, description="测算期月数，默认 12 个月")


class PublishIn(BaseModel):
    effective_from: date | None = Field(None, description="生效日期，默认今天；不早于测算期截止日")


class EditionOut(BaseModel):
    id: int
    edition_no: str
    status: str = Field(description="draft（草稿）| published（现行）| superseded（已替代）")
    status_label: str
    period_start: date
    period_end: date
    effective_from: date | None
    leases_used: int
    computed_at: datetime
    published_at: datetime | None


class EditionDetail(EditionOut):
    method: dict[str, Any] = Field(description="模型公式、系数、拟合优度、样本量、区间规则与回退")
    ranges: int = Field(description="本版本发布的指导租金区间数")


class RentOut(BaseModel):
    district_code: str
    district_name: str
    street_code: str
    street_name: str
    home_type: str = Field(description="1室 | 2室 | 3室+ | 分间")
    low_fen_m2: int = Field(description="下限，分/㎡·月")
    mid_fen_m2: int = Field(description="指导价（典型房屋的模型预测），分/㎡·月")
    high_fen_m2: int = Field(description="上限，分/㎡·月")
    leases: int = Field(description="测算期内该街道该类型已备案合同数")
    basis: str = Field(description="street：街道自身；district：样本不足，取所在区")


class RentsPage(BaseModel):
    edition: EditionDetail | None = Field(description="所用版本（默认现行版本）；尚无发布版本时为空")
    items: list[RentOut]
    total: int
    page: int
    page_size: int


class FlagOut(BaseModel):
    kind: str = Field(description="lease（已备案合同）| listing（房源）")
    id: int
    number: str | None = Field(description="备案编号或房源编号")
    district_code: str
    street_code: str
    home_type: str
    rent_fen: int
    area: Decimal
    rent_fen_m2: int
    low_fen_m2: int
    mid_fen_m2: int
    high_fen_m2: int
    direction: str = Field(description="below（低于下限）| above（高于上限）")


class FlagsPage(BaseModel):
    edition_no: str | None
    band_pct: int = Field(description="超出区间的百分比阈值（rental_guidance_band_pct）")
    items: list[FlagOut]
    total: int
    page: int
    page_size: int


class Figure(BaseModel):
    leases: int
    median_fen_m2: int | None
    mean_fen_m2: int | None
    mom_pct: float | None = Field(description="中位数环比，%")
    yoy_pct: float | None = Field(description="中位数同比，%")


class StreetFigure(Figure):
    street_code: str
    street_name: str
    district_code: str
    district_name: str


class StreetsOut(BaseModel):
    area_code: str | None
    area_name: str
    month: str | None = Field(description="YYYY-MM；没有数据时为空")
    total: Figure | None
    streets: list[StreetFigure]


class MonthFigure(Figure):
    month: str


class SeriesOut(BaseModel):
    area_code: str | None
    area_name: str
    street_code: str | None
    months: list[str]
    points: list[MonthFigure]
