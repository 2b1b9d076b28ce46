from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, String, Table, Text

from anju.core.types import metadata

# Administrative divisions and functional zones. ``parent_code`` is the legal parent;
# ``managing_code`` is the division that manages it when that differs (江北新区 streets).
divisions = Table(
    "divisions",
    metadata,
    Column("code", String(12), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("level", String(12), nullable=False),  # city | district | zone | street | community
    Column("parent_code", String(12), ForeignKey("divisions.code"), nullable=True),
    Column("managing_code", String(12), ForeignKey("divisions.code"), nullable=True),
    Column("geometry", Text, nullable=True),  # GeoJSON, WGS-84
    Column("min_lon", Float, nullable=True),
    Column("min_lat", Float, nullable=True),
    Column("max_lon", Float, nullable=True),
    Column("max_lat", Float, nullable=True),
    Column("centroid_lon", Float, nullable=True),
    Column("centroid_lat", Float, nullable=True),
    Column("geometry_source", String(120), nullable=True),
    Column("synthetic", Boolean, nullable=False, default=False),
    Index("ix_divisions_parent", "parent_code"),
    Index("ix_divisions_managing", "managing_code"),
    Index("ix_divisions_level", "level"),
)
