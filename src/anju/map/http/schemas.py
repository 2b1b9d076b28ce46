"""Response shapes of the map's JSON routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class CategoryOut(BaseModel):
    value: str
    label: str
    colour: str


class AttributeOut(BaseModel):
    name: str
    label: str
    type: Literal["category", "number", "text"]
    categories: list[CategoryOut] | None = None
    stops: list[float] | None = None


class LayerOut(BaseModel):
    name: str
    title: str
    kind: Literal["polygon", "point", "line"]
    minzoom: int
    maxzoom: int
    description: str
    attributes: list[AttributeOut]
    #: The tile URL template of the layer (relative to the site).
    tiles: str


class FigureItem(BaseModel):
    code: str
    name: str
    value: int


class FiguresOut(BaseModel):
    figure: Literal["homes", "buildings", "estates"]
    items: list[FigureItem]
    min: int
    max: int


class StatusCount(BaseModel):
    status: str
    homes: int


class SummaryOut(BaseModel):
    code: str
    name: str
    level: str
    as_of: str
    estates: int
    buildings: int
    homes: int
    homes_by_status: list[StatusCount]


class LocateItem(BaseModel):
    kind: Literal["building", "home"]
    id: int
    building_id: int
    house_code: str
    address: str
    lon: float | None
    lat: float | None
